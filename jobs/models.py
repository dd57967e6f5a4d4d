"""Background jobs: work too long for a request (a 200,000-row import, an XLSX of the
whole register) runs on the task queue's worker (django-tasks' database backend,
``manage.py db_worker``); a Job is what its owner sees of it: what it is, how far it
got, what went wrong, and the file it made.

Jobs know nothing of facilities or targets: each app registers the kinds of job it
runs (jobs.kinds). See docs/import.md, "Large files".
"""

import os
import uuid
from pathlib import Path

from django.conf import settings
from django.core.files.storage import FileSystemStorage
from django.db import models
from django.utils.translation import gettext_lazy as _

#: Problems kept on a job (the error sheet lists every one).
MAX_PROBLEMS_KEPT = 200


class PrivateStorage(FileSystemStorage):
    """Files of jobs (uploads, problem sheets, exports): in PRIVATE_MEDIA_ROOT/jobs (read
    at each use), which is never served as static or media; views send them to their
    owner only."""

    @property
    def base_location(self) -> str:
        return str(Path(settings.PRIVATE_MEDIA_ROOT) / "jobs")

    @property
    def location(self) -> str:
        return os.path.abspath(self.base_location)


private_storage = PrivateStorage()


def _private_storage() -> FileSystemStorage:
    return private_storage  # a callable, so that migrations do not freeze the path


class Job(models.Model):
    class Status(models.TextChoices):
        QUEUED = "queued", _("Waiting for the worker")
        CHECKING = "checking", _("Checking")
        CHECKED = "checked", _("Checked: waiting for your confirmation")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")
        CANCELLED = "cancelled", _("Cancelled")

    #: Statuses in which the worker holds or will take the job.
    ACTIVE = (Status.QUEUED, Status.CHECKING, Status.RUNNING)
    #: Statuses in which nothing more will happen.
    FINISHED = (Status.DONE, Status.FAILED, Status.CANCELLED)

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    kind = models.CharField(_("kind"), max_length=60)
    title = models.CharField(_("title"), max_length=300)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("started by"), null=True, on_delete=models.SET_NULL
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.QUEUED)
    #: The step the worker runs next or is running: "check" (a dry run) or "run".
    step = models.CharField(_("step"), max_length=10, default="run")
    cancel_requested = models.BooleanField(_("cancel requested"), default=False)
    params = models.JSONField(_("parameters"), default=dict, blank=True)
    upload = models.FileField(_("uploaded file"), storage=_private_storage, upload_to="uploads/%Y/%m/", blank=True)
    upload_name = models.CharField(_("uploaded file name"), max_length=255, blank=True)
    total = models.PositiveIntegerField(_("rows"), null=True, blank=True)
    validated = models.PositiveIntegerField(_("rows checked"), default=0)
    written = models.PositiveIntegerField(_("rows written"), default=0)
    error_count = models.PositiveIntegerField(_("problems"), default=0)
    #: What the work does while no count moves (after its last row: the import's own
    #: finishing writes), in the job's language; blank otherwise and once the step ends.
    phase = models.CharField(_("doing now"), max_length=200, blank=True)
    problems = models.JSONField(_("first problems"), default=list, blank=True)
    summary = models.JSONField(_("summary"), default=dict, blank=True)
    message = models.TextField(_("message"), blank=True)
    result = models.FileField(_("result file"), storage=_private_storage, upload_to="results/%Y/%m/", blank=True)
    result_name = models.CharField(_("result file name"), max_length=255, blank=True)

    class Meta:
        verbose_name = _("background job")
        verbose_name_plural = _("background jobs")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["user", "-created_at"], name="job_user_recent")]

    def __str__(self) -> str:
        return self.title

    @property
    def is_active(self) -> bool:
        return self.status in self.ACTIVE

    @property
    def is_finished(self) -> bool:
        return self.status in self.FINISHED

    def can_be_seen_by(self, user) -> bool:
        return user.is_authenticated and (user.is_superuser or user.pk == self.user_id)

    def delete_files(self) -> None:
        for field in (self.upload, self.result):
            if field:
                field.delete(save=False)
