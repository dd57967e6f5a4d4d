"""Progress: counts and a cancel seen through the heartbeat's own connection, while the
work holds its transaction open (real commits: transaction=True)."""

import time

import pytest
from django.db import connection, transaction

from jobs import progress as progress_module
from jobs.models import Job
from jobs.progress import JobCancelled, Progress
from tests.jobs.conftest import make_job

pytestmark = pytest.mark.django_db(transaction=True)
#: Bound on every wait below (the heartbeat beats every HEARTBEAT_SECONDS).
WAIT_SECONDS = 10


def wait_until(condition) -> bool:
    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return False


@pytest.fixture(autouse=True)
def fast_heartbeat(monkeypatch):
    monkeypatch.setattr(progress_module, "HEARTBEAT_SECONDS", 0.05)


def test_counts_are_written_while_the_work_runs(admin_user):
    job = make_job(admin_user)

    with Progress(job) as progress:
        progress.total = 10
        progress.add("validated", 4)
        seen = wait_until(lambda: Job.objects.get(pk=job.pk).validated == 4)

    assert seen
    assert Job.objects.get(pk=job.pk).total == 10


def test_a_step_keeps_the_counts_of_the_step_before(admin_user):
    """The run writes rows: the rows its check counted stay counted (they read 0 before)."""
    job = make_job(admin_user, step="run", total=5, validated=5)

    with Progress(job) as progress:
        progress.add("written", 2)
        seen = wait_until(lambda: Job.objects.get(pk=job.pk).written == 2)

    assert seen
    assert Job.objects.get(pk=job.pk).validated == 5
    assert progress.counts == {"validated": 5, "written": 2, "error_count": 0}


def test_counts_never_go_down(admin_user):
    progress = Progress(make_job(admin_user, validated=5, error_count=3))

    progress.set(validated=2, error_count=4)
    progress.add("validated", -1)

    assert progress.counts == {"validated": 5, "written": 0, "error_count": 4}


def test_the_phase_is_written_while_the_work_runs(admin_user):
    job = make_job(admin_user, total=3, written=3)

    with Progress(job) as progress:
        progress.phase("Finishing: updating the pathway")
        seen = wait_until(lambda: Job.objects.get(pk=job.pk).phase == "Finishing: updating the pathway")

    assert seen


@pytest.mark.skipif(connection.vendor == "sqlite", reason="SQLite locks the database while the work writes")
def test_counts_are_written_while_the_work_holds_a_writing_transaction(admin_user):
    job = make_job(admin_user)
    Job.objects.create(kind="other", title="other")

    with transaction.atomic(), Progress(job) as progress:
        Job.objects.filter(title="other").update(title="written meanwhile")
        progress.add("written", 7)
        seen = wait_until(lambda: _read_elsewhere(job.pk) == 7)

    assert seen


def _read_elsewhere(pk) -> int:
    """``written`` as another connection (another thread) reads it."""
    found = []

    def read():
        try:
            found.append(Job.objects.get(pk=pk).written)
        finally:
            connection.close()

    import threading

    thread = threading.Thread(target=read)
    thread.start()
    thread.join()
    return found[0]


def test_a_cancel_stops_the_work_at_its_next_check(admin_user):
    job = make_job(admin_user)

    with Progress(job) as progress:
        progress.check()  # not cancelled: goes on
        Job.objects.filter(pk=job.pk).update(cancel_requested=True)
        assert wait_until(progress._cancelled.is_set)
        with pytest.raises(JobCancelled):
            progress.check()


def test_job_cancelled_passes_through_except_exception():
    """So that no `except Exception` on the way (import-export has some) swallows a cancel."""
    assert not issubclass(JobCancelled, Exception)
