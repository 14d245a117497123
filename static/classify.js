// The classify form asks for a reason only when the chosen consequences lower the case's severity
// (SPEC §21). Without JavaScript the field stays visible and the server asks when it is needed.
document.addEventListener("DOMContentLoaded", function () {
  var field = document.getElementById("classify-reason-field");
  if (!field) { return; }
  var form = field.closest("form");
  var ranks = JSON.parse(field.dataset.downgrade);
  var current = Number(field.dataset.currentRank);
  var reason = document.getElementById("classify-reason");
  var actual = form.querySelector("[name=actual_consequence]");
  var possible = form.querySelector("[name=possible_consequence]");
  function update() {
    var rank = ranks[actual.value + "|" + possible.value];
    if (rank === undefined) { rank = ranks[actual.value + "|"]; }
    var lower = rank !== undefined && rank < current;
    field.hidden = !lower;
    reason.required = lower;
  }
  actual.addEventListener("change", update);
  possible.addEventListener("change", update);
  update();
});
