// A button with data-print prints the page (no inline handler: the Content-Security-Policy allows none).
document.addEventListener("click", function (event) {
  if (event.target.closest("[data-print]")) { window.print(); }
});
