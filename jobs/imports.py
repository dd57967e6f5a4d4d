"""Admin imports as background jobs (docs/import.md, "Large files"). An upload of more
than settings.IMPORT_BACKGROUND_ROWS rows is checked by the worker (a dry run: rows
checked, problems so far), waits for its owner's confirm, then is imported by the worker,
all or nothing, with the same resource, rules and messages as an import in the request.
A file with problems gives back the uploaded sheet with a column of problems.

Each app describes its imports as ImportKinds and registers them (AppConfig.ready());
its ModelAdmin takes BackgroundImportMixin and names its ImportKind."""

import io
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import tablib
from django.conf import settings
from django.contrib import messages
from django.core.files.base import ContentFile
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.functional import Promise
from django.utils.translation import get_language, gettext, gettext_lazy, ngettext
from import_export.results import Result

from cpdash.exports import write_sheet
from cpdash.imports import FORMATS_BY_EXTENSION, ImportFileError, RowProblem, estimated_rows, problem_sheet
from jobs.kinds import Kind
from jobs.models import Job
from jobs.progress import JobFailed, Progress
from jobs.tasks import CHECK, start

#: What an import does after its last row, unless its ImportKind says more precisely.
FINISHING = gettext_lazy("Finishing: saving the last rows and what depends on them")


@dataclass(frozen=True)
class ImportKind:
    """``resource(progress=…, phase=…)`` makes the import's resource, which calls ``progress()``
    once per row it reads and whose ``import_data(dataset, dry_run=…, user=…, file_name=…)`` is
    all or nothing; ``problems(result)`` lists what is wrong; ``summary(result)`` says what it
    does (label → count, in the job's language); ``permissions`` are asked again of whoever
    confirms.

    Once the last row is read the job's page says ``finishing`` (the import still writes its
    last rows and what depends on them, then commits); the resource may say more precisely
    what it does by calling ``phase(gettext("Finishing: …"))`` (Progress.phase) before each
    long step that counts no row, and ``phase("")`` if it counts rows again."""

    name: str
    title: str | Promise
    resource: Callable[..., object]
    problems: Callable[[Result], Sequence[RowProblem]]
    summary: Callable[[Result], dict]
    permissions: tuple[str, ...]
    finishing: str | Promise = FINISHING

    def kind(self) -> Kind:
        return Kind(
            name=self.name,
            check=lambda job, progress: self._import(job, progress, dry_run=True),
            run=lambda job, progress: self._import(job, progress, dry_run=False),
            permissions=self.permissions,
        )

    def start(self, data: bytes, file_name: str, extension: str, user) -> Job:
        """Stores the upload (under a random name, in the jobs' private folder) and queues its check."""
        job = Job(
            kind=self.name,
            title=f"{self.title}: {file_name}",
            user=user,
            upload_name=file_name[:255],
            params={"format": extension, "language": get_language()},
        )
        job.upload.save(f"{uuid.uuid4().hex}{extension}", ContentFile(data), save=False)
        start(job, CHECK)
        return job

    def _import(self, job: Job, progress: Progress, *, dry_run: bool) -> dict:
        dataset = _dataset(job)
        progress.total = len(dataset)
        counter = "validated" if dry_run else "written"
        rows_read = 0

        def row_read() -> None:
            nonlocal rows_read
            rows_read += 1
            progress.add(counter)
            if rows_read == progress.total:
                progress.phase(gettext("Finishing the check") if dry_run else self.finishing)
            progress.check()

        resource = self.resource(progress=row_read, phase=progress.phase)
        result = resource.import_data(dataset, dry_run=dry_run, user=job.user, file_name=job.upload_name)
        problems = self.problems(result)
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
        return self.summary(result)


def _dataset(job: Job) -> tablib.Dataset:
    with job.upload.open("rb") as upload:
        data = upload.read()
    try:
        return FORMATS_BY_EXTENSION[job.params["format"]]().create_dataset(data)
    except ImportFileError as error:
        raise JobFailed(str(error)) from error


def _save_problem_sheet(job: Job, dataset: tablib.Dataset, problems: Sequence[RowProblem]) -> None:
    extension = job.params["format"]
    out = io.BytesIO()
    headers, rows = problem_sheet(dataset, problems)
    write_sheet(headers, rows, extension, out)
    stem = job.upload_name.rsplit(".", 1)[0] or "import"
    job.result_name = gettext("%(file)s-problems") % {"file": stem} + extension
    job.result.save(f"{uuid.uuid4().hex}{extension}", ContentFile(out.getvalue()), save=False)


class BackgroundImportMixin:
    """For an import-export ModelAdmin: an upload of more than IMPORT_BACKGROUND_ROWS rows
    goes to a job of ``import_kind`` and the admin to its page; smaller ones are previewed
    in the request as before. A file the import guards refuse counts 0 rows
    (cpdash.imports.estimated_rows) and is refused in the request, at once."""

    import_kind: ImportKind

    def import_action(self, request: HttpRequest, **kwargs) -> HttpResponse:
        if request.method == "POST" and self.has_import_permission(request):
            job = self._start_job_if_large(request)
            if job is not None:
                return redirect("jobs:detail", pk=job.pk)
        return super().import_action(request, **kwargs)

    def _start_job_if_large(self, request: HttpRequest) -> Job | None:
        form = self.create_import_form(request)
        if not form.is_valid():
            return None  # import-export shows the form's errors
        upload = form.cleaned_data["import_file"]
        extension = "." + self.get_import_formats()[int(form.cleaned_data["format"])]().get_extension()
        data = upload.read()
        upload.seek(0)
        if estimated_rows(data, extension) <= settings.IMPORT_BACKGROUND_ROWS:
            return None
        job = self.import_kind.start(data, upload.name, extension, request.user)
        messages.info(request, gettext("The file is large: it is checked in the background. Follow it here."))
        return job
