/* A background job's page, kept current while the job runs.
 *
 * The section [data-job-status] names the job's status URL (JSON, jobs.views.job_status).
 * Every second the counts and the phase ([data-job-field]: "Finishing: …" once the rows are
 * done, hidden while blank) and the progress bar are updated; when the
 * status changes (checked, done, failed, cancelled) the page reloads to show the outcome
 * and its buttons. Without script the page still reads right: it is rendered by the server.
 */
(function () {
  "use strict";
  var INTERVAL = 1000;
  var section = document.querySelector("[data-job-status]");
  if (!section) { return; }
  var url = section.getAttribute("data-job-status");
  var shown = section.getAttribute("data-job-status-now");
  var format = new Intl.NumberFormat(document.documentElement.lang || undefined);

  function render(job) {
    section.querySelectorAll("[data-job-field]").forEach(function (element) {
      var value = job[element.getAttribute("data-job-field")];
      if (value === null || value === undefined) { return; }
      element.textContent = typeof value === "number" ? format.format(value) : value;
      element.hidden = value === "";  // the phase, blank while the job counts rows
    });
    var bar = section.querySelector("[data-job-progress]");
    if (bar && job.phase) {
      bar.removeAttribute("value");  // finishing: no count moves, the bar shows the job busy
    } else if (bar && job.total) {
      bar.max = job.total;
      bar.value = job.step === "check" ? job.validated : job.written;
    }
  }

  function poll() {
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (job) {
        if (!job) { return; }
        if (job.status !== shown) { window.location.reload(); return; }
        render(job);
        window.setTimeout(poll, INTERVAL);
      })
      .catch(function () { window.setTimeout(poll, INTERVAL * 5); });
  }
  window.setTimeout(poll, INTERVAL);
})();
