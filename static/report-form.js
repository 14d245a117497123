// The report forms' enhancements (SPEC §18); the forms work without them.
// - "Nu" sets the time to now; the possible consequence is asked only when it is needed;
// - the medication or device details open by themselves for such an event type;
// - a place the server could not place offers its candidates as buttons that fill in the field;
// - the error summary takes the focus, so a screen reader reads it and the keyboard starts there;
// - a draft is kept in this browser while typing and restored on reload (nothing typed is lost), of
//   the report forms and of the reporter's reply box (SPEC §19).
(function () {
  "use strict";
  function pad(n) { return String(n).padStart(2, "0"); }
  // The page's `max` is the server's now in Copenhagen time: "Nu" keeps the same distance to the
  // browser's clock, so a clock that is wrong or in another time zone still gives the server's now.
  var skew = 0;
  function localNow() {
    var d = new Date(Date.now() + skew);
    return d.getFullYear() + "-" + pad(d.getMonth() + 1) + "-" + pad(d.getDate()) + "T" + pad(d.getHours()) + ":" + pad(d.getMinutes());
  }

  document.addEventListener("DOMContentLoaded", function () {
    var summary = document.getElementById("error-summary");
    if (summary) { summary.focus(); }
    var form = document.getElementById("report-form");
    if (!form) { return; }

    var when = form.querySelector("#occurred_at");
    var nowButton = form.querySelector("button[data-now]");
    if (when && nowButton) {
      if (when.max) { skew = (new Date(when.max).getTime() + 30000 - Date.now()) || 0; }
      nowButton.hidden = false;
      nowButton.addEventListener("click", function () {
        var now = localNow();
        if (now > when.max) { when.max = now; }
        when.value = now;
        when.dispatchEvent(new Event("input", { bubbles: true }));
      });
    }

    var possible = document.getElementById("possible-block");
    function showPossible() {
      var actual = form.querySelector("input[name=actual_consequence]:checked");
      if (possible) { possible.hidden = !!actual && (actual.value === "serious" || actual.value === "fatal"); }
    }
    form.querySelectorAll("input[name=actual_consequence]").forEach(function (el) { el.addEventListener("change", showPossible); });

    var eventType = form.querySelector("#event_type");
    function offerDetails() {
      if (!eventType) { return; }
      var code = eventType.value;
      var medication = document.getElementById("details-medication");
      var device = document.getElementById("details-device");
      if (medication && code.indexOf("medicinering") === 0) { medication.open = true; }
      if (device && code.indexOf("udstyr") === 0) { device.open = true; }
    }
    if (eventType) { eventType.addEventListener("change", offerDetails); }

    // A place that named none or several: the error's candidates as buttons that fill in the field.
    form.querySelectorAll("[data-picks-for]").forEach(function (picks) {
      var input = document.getElementById(picks.getAttribute("data-picks-for"));
      if (!input) { return; }
      picks.hidden = false;
      // The buttons are the list of candidates: the error above them need not list them again.
      var error = document.getElementById(picks.getAttribute("data-picks-for") + "-error");
      if (error && picks.getAttribute("data-lead")) { error.textContent = picks.getAttribute("data-lead"); }
      picks.querySelectorAll("button.pick").forEach(function (button) {
        button.addEventListener("click", function () {
          input.value = button.getAttribute("data-value");
          input.removeAttribute("aria-invalid");
          input.dispatchEvent(new Event("change", { bubbles: true }));  // the draft keeps it (not "input": typing)
          picks.hidden = true;
          // Picked: the field holds a place, so its error ("pick one of these") no longer applies.
          if (error) { error.hidden = true; }
          if (input.closest(".field")) { input.closest(".field").classList.remove("invalid"); }
          input.focus();
        });
      });
    });

    UTHDrafts.attach(form);
    showPossible();
  });

  // Drafts under "uth-draft:<key>": a staff draft in localStorage (it outlives an expired session and a
  // closed tab, for a day), the public draft in sessionStorage (this tab only: a shared computer keeps
  // nothing once the tab is closed). Every draft is removed when the receipt shows and at sign-out,
  // not when the form is sent: a sending that is refused (too many at once, a lost connection) must
  // find the text again when the reporter goes back to the form.
  var MAX_AGE = 24 * 3600 * 1000;
  var PREFIX = "uth-draft:";
  var UTHDrafts = {
    attach: function (form) {
      var key = form.getAttribute("data-draft");
      var store = form.hasAttribute("data-draft-tab") ? window.sessionStorage : window.localStorage;
      if (!key || !store) { return; }
      key = PREFIX + key;
      var status = document.querySelector(".draft-status");
      var fields = Array.prototype.filter.call(form.elements, function (el) {
        return el.name && el.type !== "hidden" && el.type !== "submit" && el.type !== "button";
      });
      function save() {
        var data = {};
        fields.forEach(function (el) {
          if (el.type === "radio" || el.type === "checkbox") { if (el.checked) { data[el.name] = el.value; } }
          else { data[el.name] = el.value; }
        });
        try { store.setItem(key, JSON.stringify({ saved: Date.now(), data: data })); } catch (e) { /* storage full or off */ }
      }
      var restoring = document.getElementById("error-summary") || form.hasAttribute("data-kept");
      var stored = null;
      try { stored = JSON.parse(store.getItem(key) || "null"); } catch (e) { stored = null; }
      if (stored && !(Date.now() - stored.saved < MAX_AGE)) { store.removeItem(key); stored = null; }
      // A page the server filled (errors, a kept report) shows what was posted: that wins over the draft.
      if (stored && stored.data && !restoring) {
        fields.forEach(function (el) {
          if (!(el.name in stored.data)) {
            if ((el.type === "radio" || el.type === "checkbox") && el.checked && stored.data[el.name] === undefined) { el.checked = false; }
            return;
          }
          var value = stored.data[el.name];
          if (el.type === "radio" || el.type === "checkbox") { el.checked = (el.value === value); }
          else { el.value = value; }
        });
        form.querySelectorAll("details").forEach(function (d) {
          var filled = Array.prototype.some.call(d.querySelectorAll("input, textarea, select"), function (el) {
            if (el.type === "checkbox" || el.type === "radio") { return el.checked; }
            if (el.tagName === "SELECT") { return el.value !== "" && !!el.querySelector("option[value='']"); }
            return el.value !== "";
          });
          if (filled) { d.open = true; }
        });
        if (status) {
          status.textContent = status.getAttribute("data-restored") || "";
          status.hidden = !status.textContent;
        }
      }
      form.addEventListener("input", save);
      form.addEventListener("change", save);
    },
    clear: function (key) {
      [window.localStorage, window.sessionStorage].forEach(function (store) { if (store) { store.removeItem(PREFIX + key); } });
    },
    clearAll: function () {
      [window.localStorage, window.sessionStorage].forEach(function (store) {
        if (!store) { return; }
        Object.keys(store).forEach(function (k) { if (k.indexOf(PREFIX) === 0) { store.removeItem(k); } });
      });
    }
  };

  document.addEventListener("DOMContentLoaded", function () {
    // The receipt page and sign-out end every draft in this browser.
    if (document.querySelector("[data-drafts-done]")) { UTHDrafts.clearAll(); }
    // A message that was sent ends its own draft; the reply boxes keep one like the report forms.
    document.querySelectorAll("[data-draft-done]").forEach(function (el) { UTHDrafts.clear(el.getAttribute("data-draft-done")); });
    document.querySelectorAll("form.reply[data-draft]").forEach(function (form) { UTHDrafts.attach(form); });
    document.querySelectorAll("form.logout").forEach(function (f) { f.addEventListener("submit", UTHDrafts.clearAll); });
  });
})();
