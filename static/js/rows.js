/* "Add a row" under a formset's table (templates/programmes/_rows.html): copies the blank row
 * Django renders for the formset (its empty_form, "__prefix__" in its names) with the next
 * number, and counts it in the management form's TOTAL_FORMS, up to MAX_NUM_FORMS. Without
 * script the button stays hidden and the page keeps its blank rows.
 */
(function () {
  "use strict";

  function wire(rowset) {
    var prefix = rowset.dataset.rowset;
    var total = rowset.querySelector("input[name='" + prefix + "-TOTAL_FORMS']");
    var most = rowset.querySelector("input[name='" + prefix + "-MAX_NUM_FORMS']");
    var template = rowset.querySelector("template[data-row-template]");
    var button = rowset.querySelector("[data-add-row]");
    var body = rowset.querySelector("table.rows tbody");
    if (!total || !template || !button || !body) { return; }
    function full() { return most && parseInt(total.value, 10) >= parseInt(most.value, 10); }
    button.hidden = full();
    button.addEventListener("click", function () {
      if (full()) { return; }
      var number = parseInt(total.value, 10);
      body.insertAdjacentHTML("beforeend", template.innerHTML.replace(/__prefix__/g, String(number)));
      total.value = String(number + 1);
      button.hidden = full();
      var first = body.lastElementChild.querySelector("input:not([type=hidden]), select, textarea");
      if (first) { first.focus(); }
    });
  }

  function wireAll() { document.querySelectorAll("[data-rowset]").forEach(wire); }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", wireAll);
  } else {
    wireAll();
  }
}());
