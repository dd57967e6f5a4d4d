"""run_job: the statuses a job goes through, whatever its work does."""

import pytest

from jobs.models import Job
from jobs.tasks import CHECK, RUN, run_job, start
from tests.jobs.conftest import CANCELLED, CRASHING, FAILING, FINISHING, make_job

pytestmark = pytest.mark.django_db


def test_start_queues_a_task_for_the_step(admin_user):
    from django_tasks_db.models import DBTaskResult

    job = make_job(admin_user)

    start(job, CHECK)

    task = DBTaskResult.objects.get()
    assert task.args_kwargs == {"args": [str(job.pk), CHECK], "kwargs": {}}
    job.refresh_from_db()
    assert (job.status, job.step) == (Job.Status.QUEUED, CHECK)


def test_a_check_ends_waiting_for_a_confirm(admin_user):
    job = make_job(admin_user, step=CHECK)

    run_job.call(str(job.pk), CHECK)

    job.refresh_from_db()
    assert job.status == Job.Status.CHECKED
    assert (job.total, job.validated, job.written) == (3, 3, 0)
    assert job.summary == {"rows": 3}
    assert job.started_at is not None and job.finished_at is None


def test_a_run_ends_done(admin_user):
    job = make_job(admin_user, step=RUN)

    run_job.call(str(job.pk), RUN)

    job.refresh_from_db()
    assert job.status == Job.Status.DONE
    assert job.written == 3
    assert job.finished_at is not None


def test_the_run_keeps_the_rows_its_check_counted(admin_user):
    job = make_job(admin_user, step=CHECK)
    run_job.call(str(job.pk), CHECK)
    Job.objects.filter(pk=job.pk).update(status=Job.Status.QUEUED, step=RUN)

    run_job.call(str(job.pk), RUN)

    job.refresh_from_db()
    assert job.status == Job.Status.DONE
    assert (job.total, job.validated, job.written) == (3, 3, 3)


def test_the_phase_ends_with_the_step(admin_user):
    job = make_job(admin_user, kind=FINISHING, step=RUN)

    run_job.call(str(job.pk), RUN)

    job.refresh_from_db()
    assert (job.status, job.phase) == (Job.Status.DONE, "")


def test_a_failure_keeps_its_message_and_problems(admin_user):
    job = make_job(admin_user, kind=FAILING)

    run_job.call(str(job.pk), RUN)

    job.refresh_from_db()
    assert job.status == Job.Status.FAILED
    assert job.message == "Two rows are wrong."
    assert job.problems == ["Row 2: bad", "Row 3: bad"]
    assert (job.error_count, job.validated) == (2, 2)


def test_an_unexpected_error_fails_the_job_and_the_task(admin_user):
    job = make_job(admin_user, kind=CRASHING)

    with pytest.raises(RuntimeError):
        run_job.call(str(job.pk), RUN)

    job.refresh_from_db()
    assert job.status == Job.Status.FAILED
    assert "unexpected error" in job.message


def test_a_cancel_seen_during_the_work_ends_cancelled(admin_user):
    job = make_job(admin_user, kind=CANCELLED)

    run_job.call(str(job.pk), RUN)

    job.refresh_from_db()
    assert job.status == Job.Status.CANCELLED
    assert job.written == 1


def test_a_job_cancelled_while_queued_never_runs(admin_user):
    job = make_job(admin_user, cancel_requested=True)

    run_job.call(str(job.pk), RUN)

    job.refresh_from_db()
    assert job.status == Job.Status.CANCELLED
    assert job.written == 0


@pytest.mark.parametrize("status", [Job.Status.CANCELLED, Job.Status.DONE, Job.Status.RUNNING])
def test_a_step_runs_only_from_queued(admin_user, status):
    job = make_job(admin_user, status=status)

    run_job.call(str(job.pk), RUN)

    job.refresh_from_db()
    assert job.status == status
    assert job.written == 0


def test_the_end_of_a_step_keeps_a_cancel_asked_meanwhile(admin_user):
    """The worker saves what it reports, never cancel_requested, which the owner may set meanwhile."""
    job = make_job(admin_user, step=CHECK)

    run_job.call(str(job.pk), CHECK)

    job.refresh_from_db()
    Job.objects.filter(pk=job.pk).update(cancel_requested=True)
    run_job.call(str(job.pk), CHECK)  # not queued any more: a no-op, and no write over the flag
    job.refresh_from_db()
    assert job.cancel_requested
