"""Large XLSX exports as background jobs. A list's export asks for export_or_job(): a CSV
always streams (its first bytes leave at once, whatever the size); an XLSX of more than
settings.EXPORT_BACKGROUND_ROWS rows is written by the worker instead, and the user is
sent to the job's page, which offers the file when it is done.

The worker writes exactly what the page would have sent: it calls the same view, as the
same user, with the same query string and language (so the same permissions, filters,
columns and order apply), and the view's export_or_job() then writes the workbook into
the job's file, counting rows, instead of answering.
"""

import tempfile
import uuid

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.files import File
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect
from django.test import RequestFactory
from django.urls import resolve
from django.utils.translation import get_language, gettext
from django_tables2 import Table

from cpdash.exports import XLSX, export_response, table_values, write_xlsx
from jobs.kinds import Kind
from jobs.models import Job
from jobs.progress import JobFailed, Progress
from jobs.tasks import RUN, start

KIND = "exports.xlsx"
#: Set on the request the worker makes: export_or_job() writes into this job's file.
WORKER_ATTRIBUTE = "cpdash_export_job"


def export_or_job(request: HttpRequest, table: Table, export_format: str, filename: str, title: str) -> HttpResponse:
    """export_response(), unless this is an XLSX too large for a request: then a job."""
    running = getattr(request, WORKER_ATTRIBUTE, None)
    if running is not None:
        return _write_for_job(running, table, filename, title)
    if export_format == XLSX:
        export = table_values(table)
        rows = export.queryset.count()
        if rows > settings.EXPORT_BACKGROUND_ROWS:
            job = Job(
                kind=KIND,
                title=gettext("Export: %(title)s (%(rows)s rows)") % {"title": title, "rows": f"{rows:,}"},
                user=request.user,
                total=rows,
                params={"path": request.path, "query": request.GET.urlencode(), "language": get_language()},
            )
            start(job, RUN)
            return redirect("jobs:detail", pk=job.pk)
    return export_response(table, export_format, filename, title)


def _write_for_job(running: tuple[Job, Progress], table: Table, filename: str, title: str) -> HttpResponse:
    job, progress = running
    export = table_values(table)

    def counted(rows):
        for row in rows:
            progress.check()
            progress.add("written")
            yield row

    rows = export.rows()
    with tempfile.TemporaryFile() as out:
        try:
            write_xlsx(export.headers, counted(rows), title, out)
        finally:
            rows.close()
        out.seek(0)
        job.result_name = f"{filename}.xlsx"
        job.result.save(f"{uuid.uuid4().hex}.xlsx", File(out), save=False)
    return HttpResponse(status=204)


def _run(job: Job, progress: Progress) -> dict:
    """Calls the export's view as its user, with a request marked for this job."""
    # A real WSGIRequest for the path and query, as the browser sent them (RequestFactory builds
    # one without a server; the view sees what it saw in the user's request, but a session).
    request = RequestFactory().get(job.params["path"], QueryDict(job.params["query"]))
    request.user = job.user
    setattr(request, WORKER_ATTRIBUTE, (job, progress))
    match = resolve(job.params["path"])
    try:
        response = match.func(request, *match.args, **match.kwargs)
    except PermissionDenied:
        response = HttpResponse(status=403)
    if response.status_code != 204:  # the user lost the permission, or the filters no longer hold
        raise JobFailed(gettext("This list can no longer be exported as asked: open it again and export it again."))
    return {gettext("rows"): progress.counts["written"]}


XLSX_EXPORT = Kind(name=KIND, run=_run)
