"""The one task the queue runs for every job: ``run_job(job_id, step)``, on the worker
(``manage.py db_worker``; settings.TASKS). It moves the Job through its statuses and
calls the step's work (jobs.kinds); whatever happens, the job ends in a status its
owner can read."""

import logging

from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django_tasks import task

from jobs import kinds
from jobs.models import MAX_PROBLEMS_KEPT, Job
from jobs.progress import JobCancelled, JobFailed, Progress

logger = logging.getLogger(__name__)

CHECK = "check"
RUN = "run"
#: What a step writes when it ends: never ``cancel_requested``, which the owner may set meanwhile.
REPORTED = [
    "status",
    "message",
    "finished_at",
    "summary",
    "problems",
    "total",
    "validated",
    "written",
    "error_count",
    "phase",
    "result",
    "result_name",
]


def start(job: Job, step: str) -> None:
    """Queues ``step`` of ``job`` (saved here). The worker sees both once the caller's
    transaction commits: the queue's row is written in that same transaction."""
    job.step = step
    job.status = Job.Status.QUEUED
    if job._state.adding:
        job.save()
    else:
        job.save(update_fields=["step", "status"])
    run_job.enqueue(str(job.pk), step)


@task()
def run_job(job_id: str, step: str) -> None:
    job = Job.objects.filter(pk=job_id).first()
    if job is None:
        logger.warning("job %s is gone", job_id)
        return
    if job.status != Job.Status.QUEUED or job.step != step:
        logger.warning("job %s: step %s not run (job is %s at %s)", job_id, step, job.status, job.step)
        return
    if job.cancel_requested:
        _finish(job, Job.Status.CANCELLED, _("Cancelled before it started: nothing was written."))
        return
    kind = kinds.get(job.kind)
    work = kind.check if step == CHECK else kind.run
    job.status = Job.Status.CHECKING if step == CHECK else Job.Status.RUNNING
    job.started_at = job.started_at or timezone.now()
    job.save(update_fields=["status", "started_at"])
    progress = Progress(job)
    with translation.override(job.params.get("language")):
        try:
            with progress:
                summary = work(job, progress)
        except JobCancelled:
            _count(job, progress)
            _finish(job, Job.Status.CANCELLED, _("Cancelled: nothing was written."))
        except JobFailed as failure:
            _count(job, progress)
            job.problems = failure.problems[:MAX_PROBLEMS_KEPT]
            job.error_count = failure.error_count
            _finish(job, Job.Status.FAILED, failure.message)
        except Exception:
            logger.exception("job %s (%s) failed", job_id, job.kind)
            _count(job, progress)
            _finish(
                job,
                Job.Status.FAILED,
                _("The job stopped on an unexpected error; nothing was written. The worker's log says why."),
            )
            raise
        else:
            _count(job, progress)
            job.summary = summary or {}
            if step == CHECK:
                job.status = Job.Status.CHECKED
                job.save(update_fields=REPORTED)
            else:
                _finish(job, Job.Status.DONE, "")


def _count(job: Job, progress: Progress) -> None:
    """The step's last counts onto ``job``; its phase ends with it."""
    for counter, value in progress.counts.items():
        setattr(job, counter, value)
    job.total = progress.total
    job.phase = ""


def _finish(job: Job, status: str, message: str) -> None:
    job.status = status
    job.message = message
    job.finished_at = timezone.now()
    job.save(update_fields=REPORTED)
