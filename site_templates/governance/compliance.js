// Filters for the compliance matrix: text, governance status, only failing rows.
(function () {
  var text = document.getElementById("gc-matrix-filter");
  var status = document.getElementById("gc-matrix-status");
  var failing = document.getElementById("gc-matrix-failing");
  if (!text || !status || !failing) return;
  function apply() {
    var query = text.value.trim().toLowerCase();
    var wanted = status.value;
    var rows = document.querySelectorAll(".gc-matrix tbody tr");
    for (var i = 0; i < rows.length; i++) {
      var row = rows[i];
      var show = (!query || row.dataset.text.indexOf(query) !== -1) &&
        (!wanted || row.dataset.status === wanted) &&
        (!failing.checked || row.dataset.failing === "yes");
      row.hidden = !show;
    }
  }
  text.addEventListener("input", apply);
  status.addEventListener("change", apply);
  failing.addEventListener("change", apply);
})();
