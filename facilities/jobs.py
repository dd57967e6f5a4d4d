"""Facility-list imports as background jobs (jobs/): an admin upload of more than
settings.IMPORT_BACKGROUND_ROWS rows is checked by the worker (a dry run: rows checked,
problems so far), waits for its owner's confirm, then is imported by the worker, all or
nothing, with the same FacilityResource, rules and messages as the import in the request.
A file with problems gives back the uploaded sheet with a column of problems."""

import io
import uuid
from functools import partial

import tablib
from django.core.files.base import ContentFile
from django.utils.translation import get_language, gettext, ngettext
from import_export.results import Result, RowResult

from cpdash.exports import write_sheet
from cpdash.imports import FORMATS_BY_EXTENSION, ImportFileError, problem_sheet
from facilities.resources import FacilityResource, row_problems
from jobs.kinds import Kind
from jobs.models import Job
from jobs.progress import JobFailed, Progress
from jobs.tasks import CHECK, start

KIND = "facilities.import"


def start_import(data: bytes, file_name: str, extension: str, user) -> Job:
    """Stores the upload (under a random name, in the jobs' private folder) and queues its check."""
    job = Job(
        kind=KIND,
        title=gettext("Facility list: %(file)s") % {"file": file_name},
        user=user,
        upload_name=file_name[:255],
        params={"format": extension, "language": get_language()},
    )
    job.upload.save(f"{uuid.uuid4().hex}{extension}", ContentFile(data), save=False)
    start(job, CHECK)
    return job


def _dataset(job: Job) -> tablib.Dataset:
    extension = job.params["format"]
    with job.upload.open("rb") as upload:
        data = upload.read()
    try:
        return FORMATS_BY_EXTENSION[extension]().create_dataset(data)
    except ImportFileError as error:
        raise JobFailed(str(error)) from error


def _import(job: Job, progress: Progress, *, dry_run: bool) -> dict:
    dataset = _dataset(job)
    progress.total = len(dataset)
    counter = "validated" if dry_run else "written"

    def row_read() -> None:
        progress.add(counter)
        progress.check()

    resource = FacilityResource(progress=row_read, html_diff=False)
    result = resource.import_data(dataset, dry_run=dry_run, user=job.user)
    problems = row_problems(result)
    if problems:
        progress.set(error_count=len(problems))
        _save_problem_sheet(job, dataset, problems)
        raise JobFailed(
            ngettext(
                "%(count)d problem: nothing was imported. Fix the rows and upload the file again.",
                "%(count)d problems: nothing was imported. Fix the rows and upload the file again.",
                len(problems),
            )
            % {"count": len(problems)},
            problems,
        )
    return _summary(result)


def _save_problem_sheet(job: Job, dataset: tablib.Dataset, problems) -> None:
    extension = job.params["format"]
    out = io.BytesIO()
    headers, rows = problem_sheet(dataset, problems)
    write_sheet(headers, rows, extension, out)
    stem = job.upload_name.rsplit(".", 1)[0] or "facilities"
    job.result_name = gettext("%(file)s-problems") % {"file": stem} + extension
    job.result.save(f"{uuid.uuid4().hex}{extension}", ContentFile(out.getvalue()), save=False)


def _summary(result: Result) -> dict:
    return {
        gettext("new facilities"): result.totals[RowResult.IMPORT_TYPE_NEW],
        gettext("facilities updated"): result.totals[RowResult.IMPORT_TYPE_UPDATE],
        gettext("rows unchanged or blank"): result.totals[RowResult.IMPORT_TYPE_SKIP],
    }


FACILITY_IMPORT = Kind(
    name=KIND,
    check=partial(_import, dry_run=True),
    run=partial(_import, dry_run=False),
    permission="facilities.import_facility",
)
