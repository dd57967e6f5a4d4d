/* Facility search for the recording forms: suggestions while typing a name or
 * a code (the server ignores diacritics: "bat trang" finds "Bát Tràng").
 *
 * Markup: an <input data-facility-search list="ID"> inside a form with
 * data-search-url (JSON {"results": [{id, code, name, unit, status}], "note"})
 * fills the
 * <datalist id="ID"> as the user types. Picking a suggestion puts the code
 * in the input and shows the facility's name next to it.
 *
 * In an attendance editor ([data-attendance]), the input marked data-add-row
 * adds a row cloned from <template data-row-template> (the formset's empty
 * form, "__prefix__" replaced by the next index) and clears itself. Messages
 * come translated from the server in data-msg-* attributes.
 *
 * Codes pasted in the textarea "paste" of a form with data-codes-url are resolved
 * as they are pasted (attachPaste).
 */
(function () {
  "use strict";
  var DELAY_MS = 200;
  var MIN_LENGTH = 2;

  function search(url, term) {
    return fetch(url + "?q=" + encodeURIComponent(term), {
      credentials: "same-origin",
      headers: { Accept: "application/json" }
    })
      .then(function (response) { return response.ok ? response.json() : { results: [] }; })
      .then(function (data) { return { results: data.results || [], note: data.note || "" }; })
      .catch(function () { return { results: [], note: "" }; });
  }

  // Name — unit (closed on …, or not counted toward targets: the server's words).
  function label(facility) {
    var text = facility.unit ? facility.name + " — " + facility.unit : facility.name;
    return facility.status ? text + " (" + facility.status + ")" : text;
  }

  // The server's note when more facilities match than it lists, next to the input.
  function showNote(input, text) {
    var note = input.parentNode.querySelector("[data-search-note]");
    if (!note && !text) { return; }
    if (!note) {
      note = document.createElement("span");
      note.className = "search-note";
      note.setAttribute("data-search-note", "");
      note.setAttribute("role", "status");
      input.insertAdjacentElement("afterend", note);
    }
    note.textContent = text;
  }

  function fill(list, results) {
    list.replaceChildren();
    results.forEach(function (facility) {
      var option = document.createElement("option");
      option.value = facility.code;
      option.label = label(facility);
      option.textContent = label(facility);
      list.appendChild(option);
    });
  }

  function showName(input, facility) {
    var name = input.parentNode.querySelector("[data-facility-name]");
    if (!name) {
      name = document.createElement("span");
      name.className = "facility-name";
      name.setAttribute("data-facility-name", "");
      input.insertAdjacentElement("afterend", name);
    }
    name.textContent = label(facility);
  }

  function notify(editor, text) {
    var notice = editor.querySelector("[data-notice]");
    if (notice) { notice.textContent = text || ""; }
  }

  function listedCodes(editor) {
    var codes = {};
    editor.querySelectorAll("[data-rows] input[name$='-facility']").forEach(function (input) {
      codes[input.value.trim()] = true;
    });
    return codes;
  }

  function addRow(editor, facility) {
    if (listedCodes(editor)[facility.code]) {
      notify(editor, editor.dataset.msgListed + " " + label(facility));
      return;
    }
    var total = editor.querySelector("input[name$='-TOTAL_FORMS']");
    var index = parseInt(total.value, 10) || 0;
    var template = editor.querySelector("template[data-row-template]");
    var rows = editor.querySelector("[data-rows]");
    rows.insertAdjacentHTML("beforeend", template.innerHTML.replace(/__prefix__/g, String(index)).trim());
    var row = rows.lastElementChild;
    row.querySelector("input[name$='-facility']").value = facility.code;
    row.querySelector("[data-facility-name]").textContent = label(facility);
    total.value = String(index + 1);
    var count = editor.querySelector("[data-row-count]");
    if (count) { count.textContent = String(index + 1); }
    notify(editor, "");
  }

  function attach(input) {
    var form = input.form;
    var list = document.getElementById(input.getAttribute("list"));
    var url = form && form.dataset.searchUrl;
    var editor = input.closest("[data-attendance]");
    var found = {};
    var timer = null;
    if (!list || !url) { return; }

    function picked() {
      var facility = found[input.value.trim()];
      if (!facility) { return false; }
      if (editor && input.hasAttribute("data-add-row")) {
        addRow(editor, facility);
        input.value = "";
        list.replaceChildren();
        found = {};
      } else {
        showName(input, facility);
      }
      return true;
    }

    input.addEventListener("input", function () {
      if (picked()) { return; }
      window.clearTimeout(timer);
      var term = input.value.trim();
      if (term.length < MIN_LENGTH) { return; }
      timer = window.setTimeout(function () {
        search(url, term).then(function (answer) {
          if (input.value.trim() !== term) { return; }  // a later keystroke wins
          var results = answer.results;
          showNote(input, answer.note);
          found = {};
          results.forEach(function (facility) { found[facility.code] = facility; });
          fill(list, results);
          if (editor) { notify(editor, results.length ? "" : editor.dataset.msgNone); }
        });
      }, DELAY_MS);
    });

    if (editor) {
      // Enter adds the facility whose code is typed in full instead of submitting the form.
      input.addEventListener("keydown", function (event) {
        if (event.key === "Enter") {
          event.preventDefault();
          picked();
        }
      });
    }
  }

  // Pasted codes ([data-paste-result] after the textarea, the form's data-codes-url): the
  // facilities they name and their count, and the unknown codes, as soon as they are pasted.
  // The server checks them again on save.
  function attachPaste(textarea) {
    var form = textarea.form;
    var url = form && form.dataset.codesUrl;
    var result = form && form.querySelector("[data-paste-result]");
    var token = form && form.querySelector("input[name='csrfmiddlewaretoken']");
    var timer = null;
    var asked = 0;
    if (!url || !result || !token) { return; }

    function show(data) {
      result.replaceChildren();
      if (!data.message) { return; }
      var count = document.createElement("p");
      count.textContent = data.message;
      result.appendChild(count);
      if (data.found && data.found.length) {
        var list = document.createElement("ul");
        list.className = "paste-found";
        data.found.forEach(function (facility) {
          var item = document.createElement("li");
          item.textContent = facility.code + " — " + label(facility);
          list.appendChild(item);
        });
        result.appendChild(list);
      }
      if (data.unknown_message) {
        var unknown = document.createElement("p");
        unknown.className = "errorlist paste-unknown";
        unknown.textContent = data.unknown_message;
        result.appendChild(unknown);
      }
    }

    function resolve() {
      var text = textarea.value;
      var number = ++asked;
      if (!text.trim()) { result.replaceChildren(); return; }
      var body = new URLSearchParams();
      body.set("codes", text);
      fetch(url, {
        method: "POST",
        credentials: "same-origin",
        headers: { Accept: "application/json", "X-CSRFToken": token.value },
        body: body
      })
        .then(function (response) { return response.json(); })
        .then(function (data) {
          if (number !== asked) { return; }  // a later paste wins
          show(data.error ? { message: data.error } : data);
        })
        .catch(function () { /* the form checks the codes on save */ });
    }

    textarea.addEventListener("input", function () {
      window.clearTimeout(timer);
      timer = window.setTimeout(resolve, DELAY_MS);
    });
    if (textarea.value.trim()) { resolve(); }
  }

  function init() {
    document.querySelectorAll("input[data-facility-search][list]").forEach(attach);
    document.querySelectorAll("form[data-codes-url] textarea[name='paste']").forEach(attachPaste);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
