/* The saving of each resource row of a CP solution, shown as it is typed.
 *
 * Saving, percent = (baseline − after) ÷ baseline × 100: the formula of the
 * database's ResourceSaving.saving_percent. Without a baseline, the reported
 * saving ("…-reported_percent"), if any, followed by the output's
 * data-reported-mark ("reported, no measured baseline"). Rows are
 * [data-saving-row] with inputs named "…-baseline" and "…-after" and an
 * <output data-saving>; the server renders the same value, so the page reads
 * right without script. A value over 100 % (after below zero) is flagged; the
 * form refuses it.
 */
(function () {
  "use strict";
  var EMPTY = "—";
  var format = new Intl.NumberFormat(document.documentElement.lang || undefined, {
    minimumFractionDigits: 1,
    maximumFractionDigits: 1
  });

  function number(input) {
    var text = input ? input.value.trim().replace(",", ".") : "";
    if (text === "") { return null; }
    var value = Number(text);
    return isFinite(value) ? value : null;
  }

  function saving(baseline, after) {
    if (baseline === null || after === null || baseline <= 0) { return null; }
    return (baseline - after) / baseline * 100;
  }

  function update(row) {
    var output = row.querySelector("[data-saving]");
    var baseline = number(row.querySelector("input[name$='-baseline']"));
    var value = saving(baseline, number(row.querySelector("input[name$='-after']")));
    var mark = "";
    if (value === null && baseline === null) {
      value = number(row.querySelector("input[name$='-reported_percent']"));
      mark = value === null || !output.dataset.reportedMark ? "" : " (" + output.dataset.reportedMark + ")";
    }
    output.textContent = value === null ? EMPTY : format.format(value) + " %" + mark;
    output.classList.toggle("out-of-range", value !== null && (value > 100 || (mark !== "" && value < 0)));
  }

  function init() {
    document.querySelectorAll("[data-saving-row]").forEach(function (row) {
      row.addEventListener("input", function () { update(row); });
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
