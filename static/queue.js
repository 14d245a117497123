// The queue's bulk form: a "select all" box for the cases on the page (enhancement only: without
// JavaScript each case is ticked by hand). No inline handler: the Content-Security-Policy allows none.
document.addEventListener("DOMContentLoaded", function () {
  var bar = document.querySelector(".bulk-bar");
  if (!bar) { return; }
  var boxes = Array.prototype.slice.call(document.querySelectorAll("table.queue input[name=case]"));
  if (!boxes.length) { return; }
  var label = document.createElement("label");
  label.className = "check select-all";
  var all = document.createElement("input");
  all.type = "checkbox";
  all.id = "select-all";
  label.appendChild(all);
  label.appendChild(document.createTextNode(" " + (bar.getAttribute("data-select-all") || "Vælg alle")));
  bar.insertBefore(label, bar.querySelector("label"));
  all.addEventListener("change", function () {
    boxes.forEach(function (box) { box.checked = all.checked; });
  });
  boxes.forEach(function (box) {
    box.addEventListener("change", function () {
      var ticked = boxes.filter(function (b) { return b.checked; }).length;
      all.checked = ticked === boxes.length;
      all.indeterminate = ticked > 0 && ticked < boxes.length;
    });
  });
});
