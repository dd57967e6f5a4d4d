"""The kinds of background job, registered by the apps that run them (in their
AppConfig.ready()), so that this app never imports theirs."""

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from jobs.models import Job
    from jobs.progress import Progress

#: A step's work: reads the job, reports through the Progress, returns the job's summary
#: (shown on its page) or raises jobs.progress.JobFailed.
Work = Callable[["Job", "Progress"], dict]


@dataclass(frozen=True)
class Kind:
    """``run`` does the job. ``check``, when given, runs first as a dry run that writes
    nothing; the job then waits for its owner to confirm (or cancel) before ``run``.
    ``permissions`` ("app.codename", …) are asked again of whoever confirms."""

    name: str
    run: Work
    check: Work | None = None
    permissions: tuple[str, ...] = ()


_KINDS: dict[str, Kind] = {}


def register(kind: Kind) -> None:
    _KINDS[kind.name] = kind


def get(name: str) -> Kind:
    try:
        return _KINDS[name]
    except KeyError:
        raise LookupError(f"no job kind {name!r} is registered") from None
