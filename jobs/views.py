"""A job's page (progress, problems, its file), its live status as JSON, and the
owner's buttons: confirm after a check, cancel. Only the owner (or a superuser)
sees a job; another user's job answers 404, as if it did not exist."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import OperationalError, transaction
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from jobs import kinds
from jobs.models import Job
from jobs.tasks import RUN, run_job

#: Jobs listed on "My jobs".
RECENT_JOBS = 50


def _own(request: HttpRequest, pk) -> Job:
    job = Job.objects.select_related("user").filter(pk=pk).first()
    if job is None or not job.can_be_seen_by(request.user):
        raise Http404
    return job


def _may_confirm(user, job: Job) -> bool:
    return user.has_perms(kinds.get(job.kind).permissions)


@login_required
def job_list(request: HttpRequest) -> HttpResponse:
    jobs = Job.objects.select_related("user").defer("problems", "params", "summary")
    if not request.user.is_superuser:
        jobs = jobs.filter(user=request.user)
    return render(request, "jobs/job_list.html", {"jobs": jobs[:RECENT_JOBS]})


@login_required
def job_detail(request: HttpRequest, pk) -> HttpResponse:
    job = _own(request, pk)
    context = {"job": job, "may_confirm": job.status == Job.Status.CHECKED and _may_confirm(request.user, job)}
    return render(request, "jobs/job_detail.html", context)


def status_payload(job: Job) -> dict:
    return {
        "status": job.status,
        "status_label": job.get_status_display(),
        "step": job.step,
        "total": job.total,
        "validated": job.validated,
        "written": job.written,
        "error_count": job.error_count,
        "phase": job.phase,
        "cancel_requested": job.cancel_requested,
        "finished": job.is_finished,
    }


@login_required
def job_status(request: HttpRequest, pk) -> JsonResponse:
    return JsonResponse(status_payload(_own(request, pk)))


@require_POST
@login_required
def job_confirm(request: HttpRequest, pk) -> HttpResponse:
    job = _own(request, pk)
    if not _may_confirm(request.user, job):
        raise PermissionDenied
    # One confirm starts the work, however many times the button is pressed.
    if Job.objects.filter(pk=job.pk, status=Job.Status.CHECKED, cancel_requested=False).update(
        status=Job.Status.QUEUED, step=RUN
    ):
        run_job.enqueue(str(job.pk), RUN)  # the update above queued it; the worker sees both on commit
        messages.success(request, _("Confirmed: the import runs in the background."))
    else:
        messages.info(request, _("This job was already confirmed or cancelled."))
    return redirect("jobs:detail", pk=job.pk)


@require_POST
@login_required
def job_cancel(request: HttpRequest, pk) -> HttpResponse:
    job = _own(request, pk)
    try:
        with transaction.atomic():
            # Not started, or waiting for a confirm: cancelled at once.
            stopped = Job.objects.filter(pk=job.pk, status__in=[Job.Status.QUEUED, Job.Status.CHECKED]).update(
                status=Job.Status.CANCELLED,
                cancel_requested=True,
                finished_at=timezone.now(),
                message=_("Cancelled: nothing was written."),
            )
            # Running: the worker stops at its next row and rolls back.
            asked = stopped or Job.objects.filter(pk=job.pk, status__in=Job.ACTIVE).update(cancel_requested=True)
    except OperationalError:  # SQLite, while the job holds the database to write
        messages.error(request, _("The job is writing and the database is busy: try again in a moment."))
        return redirect("jobs:detail", pk=job.pk)
    if stopped:
        messages.success(request, _("Cancelled: nothing was written."))
    elif asked:
        messages.info(request, _("Cancelling: the job stops at its next row and writes nothing."))
    else:
        messages.info(request, _("This job has already finished."))
    return redirect("jobs:detail", pk=job.pk)


@login_required
def job_download(request: HttpRequest, pk) -> FileResponse:
    job = _own(request, pk)
    if not job.result:
        raise Http404
    try:
        handle = job.result.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    return FileResponse(handle, as_attachment=True, filename=job.result_name or job.result.name.rsplit("/", 1)[-1])
