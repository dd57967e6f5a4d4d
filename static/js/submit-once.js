/* A recording form is sent once: after the first submit its Save buttons are
 * disabled, so a double click posts one request.
 *
 * A convenience only: the server saves a create form once whatever the browser
 * sends (programmes.forms.SubmitOnceMixin). Applies to <form data-submit-once>.
 * A page shown again from the browser's back-forward cache gets its buttons back.
 */
(function () {
  "use strict";

  function buttons(form) {
    return form.querySelectorAll("button[type=submit], input[type=submit]");
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.matches || !form.matches("form[data-submit-once]")) { return; }
    if (form.dataset.submitted) {
      event.preventDefault();
      return;
    }
    form.dataset.submitted = "1";
    // After this event, so that the submitting button still takes part in the post.
    window.setTimeout(function () {
      buttons(form).forEach(function (button) { button.disabled = true; });
    }, 0);
  });

  window.addEventListener("pageshow", function (event) {
    if (!event.persisted) { return; }
    document.querySelectorAll("form[data-submit-once]").forEach(function (form) {
      delete form.dataset.submitted;
      buttons(form).forEach(function (button) { button.disabled = false; });
    });
  });
}());
