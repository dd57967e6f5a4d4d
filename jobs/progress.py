"""How a running job reports: counts as it goes, and whether its owner cancelled.

The work of a job (an all-or-nothing import) holds one database transaction open
from its first row to its last, and nothing it writes is seen before it commits. So
a heartbeat thread, with its own database connection, writes the counts every
HEARTBEAT_SECONDS and reads ``cancel_requested``; the work calls ``Progress.check()``
between rows and stops with JobCancelled, which rolls its transaction back.

A job's counts only go up: each step starts from what the steps before it reached (the
rows checked stay checked while the run writes). ``Progress.phase()`` says what the work
does while no count moves (after its last row an import still writes its register
version, the pathway, the statistics…), so that its page does not look stuck.

On SQLite a writing transaction locks the whole database: the heartbeat's writes
then wait, and are skipped, until the work commits. PostgreSQL shows every count live.
"""

import logging
import threading
from collections.abc import Sequence

from django.db import DatabaseError, connection

from jobs.models import Job

logger = logging.getLogger(__name__)

#: Seconds between two writes of a job's counts.
HEARTBEAT_SECONDS = 0.5
#: The counters a job reports (fields of Job).
COUNTERS = ("validated", "written", "error_count")


class JobCancelled(BaseException):
    """The owner cancelled: raised inside the work, it unwinds every ``except Exception``
    and rolls back every transaction on the way out."""


class JobFailed(Exception):
    """The work cannot be done as asked (invalid rows, a file that cannot be read): the
    message and problems are shown to the owner; nothing was written."""

    def __init__(self, message: str, problems: Sequence[str] = (), error_count: int | None = None):
        super().__init__(message)
        self.message = message
        self.problems = [str(p) for p in problems]
        self.error_count = len(self.problems) if error_count is None else error_count


class Progress:
    """Counts of one job, written by a heartbeat thread while the block runs::

    with Progress(job) as progress:
        for row in rows:
            progress.check()
            progress.add("validated")
        progress.phase(gettext("Finishing: …"))

    The counts start from the job's (an earlier step's) and never go down.
    """

    def __init__(self, job: Job):
        self.job_id = job.pk
        self.counts = {counter: getattr(job, counter) for counter in COUNTERS}
        self.total: int | None = job.total
        self.doing = ""
        self._cancelled = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        # What the job holds already: the heartbeat writes only what changes.
        self._written: dict[str, object] = {**self.counts, "total": job.total, "phase": job.phase}

    def add(self, counter: str, amount: int = 1) -> None:
        self.counts[counter] += max(amount, 0)

    def set(self, **counts: int) -> None:
        """Raises counts to at least the values given (a count never goes down)."""
        for counter, value in counts.items():
            self.counts[counter] = max(self.counts[counter], value)

    def phase(self, text: str) -> None:
        """What the work does now that no count shows (a sentence in the job's language,
        "Finishing: …"; "" when it counts again): written with the counts, shown on the
        job's page. The import engines call it through the ``phase`` their resource is
        given (jobs.imports.ImportKind)."""
        self.doing = str(text)[: Job._meta.get_field("phase").max_length]

    def check(self) -> None:
        """Raises JobCancelled once the owner has asked to cancel (seen by the heartbeat)."""
        if self._cancelled.is_set():
            raise JobCancelled

    def __enter__(self) -> "Progress":
        self._thread = threading.Thread(target=self._beat, name=f"job-{self.job_id}", daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc_info) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()

    def _beat(self) -> None:
        try:
            while not self._stop.wait(HEARTBEAT_SECONDS):
                self._flush()
        finally:
            connection.close()  # this thread's own connection

    def _flush(self) -> None:
        fields = {**self.counts, "total": self.total, "phase": self.doing}
        try:
            changed = {k: v for k, v in fields.items() if self._written.get(k) != v}
            jobs = Job.objects.filter(pk=self.job_id)
            if changed:
                jobs.update(**changed)
                self._written.update(changed)
            if jobs.filter(cancel_requested=True).exists():
                self._cancelled.set()
        except DatabaseError as error:  # locked (SQLite while the work writes), or gone for a moment
            logger.debug("job %s: progress not written: %s", self.job_id, error)
