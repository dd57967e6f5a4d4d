"""Test kinds of job: work that counts, fails, or waits to be cancelled."""

import pytest

from jobs import kinds
from jobs.models import Job
from jobs.progress import JobFailed, Progress

COUNTING = "tests.counting"
FAILING = "tests.failing"
CRASHING = "tests.crashing"
CANCELLED = "tests.cancelled"
FINISHING = "tests.finishing"


def count_rows(job: Job, progress: Progress) -> dict:
    progress.total = 3
    for _ in range(3):
        progress.check()
        progress.add("validated" if job.step == "check" else "written")
    return {"rows": 3}


def fail(job: Job, progress: Progress) -> dict:
    progress.add("validated", 2)
    raise JobFailed("Two rows are wrong.", ["Row 2: bad", "Row 3: bad"])


def crash(job: Job, progress: Progress) -> dict:
    raise RuntimeError("a bug")


def cancelled_by_owner(job: Job, progress: Progress) -> dict:
    progress.add("written")
    progress._cancelled.set()  # what the heartbeat does once it reads cancel_requested
    progress.check()
    raise AssertionError("check() did not stop the work")


def count_then_finish(job: Job, progress: Progress) -> dict:
    count_rows(job, progress)
    progress.phase("Finishing: updating the pathway")
    return {"rows": 3}


@pytest.fixture(autouse=True, scope="session")
def test_kinds() -> None:
    kinds.register(kinds.Kind(COUNTING, run=count_rows, check=count_rows, permissions=("facilities.import_facility",)))
    kinds.register(kinds.Kind(FAILING, run=fail))
    kinds.register(kinds.Kind(CRASHING, run=crash))
    kinds.register(kinds.Kind(CANCELLED, run=cancelled_by_owner))
    kinds.register(kinds.Kind(FINISHING, run=count_then_finish))


def make_job(user, kind: str = COUNTING, **fields) -> Job:
    return Job.objects.create(kind=kind, title=f"A {kind} job", user=user, params={"language": "en"}, **fields)
