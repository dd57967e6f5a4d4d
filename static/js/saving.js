/* The saving of each resource row of a CP solution, shown as it is typed.
 *
 * Saving, percent = (baseline − after) ÷ baseline × 100: the formula of the
 * database's ResourceSaving.saving_percent. Without a baseline, the reported
 * saving ("…-reported_percent"), if any, followed by the output's
 * data-reported-mark ("reported, no measured baseline") in a
 * <small class="reported-mark">, which forms.css puts on its own line: on the
 * figure's line it made the table wider than its box. Rows are
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

  // As cpdash/numbers.py reads it: Vietnamese 1.234.567,5, English 1,234,567.5; a separator
  // that cannot group thousands ("0.85") is the decimal one.
  var VIETNAMESE = (document.documentElement.lang || "vi").slice(0, 2) !== "en";
  var THOUSANDS = VIETNAMESE ? "." : ",";
  var DECIMAL = VIETNAMESE ? "," : ".";

  function grouped(text) {
    return new RegExp("^\\d{1,3}(\\" + THOUSANDS + "\\d{3})+$").test(text);
  }

  function number(input) {
    var text = input ? input.value.replace(/[\s\u00a0\u202f']/g, "") : "";
    if (text === "") { return null; }
    var sign = "";
    if (text[0] === "-" || text[0] === "+") { sign = text[0]; text = text.slice(1); }
    if (!/^[\d.,]+$/.test(text)) { return null; }
    var whole = text, fraction = "";
    if (text.indexOf(DECIMAL) !== -1) {
      whole = text.slice(0, text.lastIndexOf(DECIMAL));
      fraction = text.slice(text.lastIndexOf(DECIMAL) + 1);
      if (whole.indexOf(DECIMAL) !== -1 || fraction.indexOf(THOUSANDS) !== -1) { return null; }
      if (whole.indexOf(THOUSANDS) !== -1 && !grouped(whole)) { return null; }
      whole = whole.split(THOUSANDS).join("");
    } else if (text.indexOf(THOUSANDS) !== -1) {
      if (grouped(text)) {
        whole = text.split(THOUSANDS).join("");
      } else if (text.split(THOUSANDS).length === 2) {
        whole = text.split(THOUSANDS)[0];
        fraction = text.split(THOUSANDS)[1];
      } else {
        return null;
      }
    }
    var value = Number(sign + whole + (fraction ? "." + fraction : ""));
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
      mark = value === null || !output.dataset.reportedMark ? "" : "(" + output.dataset.reportedMark + ")";
    }
    output.textContent = value === null ? EMPTY : format.format(value) + "%";
    if (mark !== "") {
      // As the server writes it (templates/programmes/solution_form.html).
      var note = document.createElement("small");
      note.className = "reported-mark";
      note.textContent = mark;
      output.append(" ", note);
    }
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
