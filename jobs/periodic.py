"""Tasks that run on a schedule, on the task queue alone.

django-tasks has no scheduler of its own, and cpdash wants no extra server (no cron
daemon to configure, no beat process): a periodic task queues its own next run with
``run_after`` before it does its work. ``enqueue_once`` queues a run unless one of the
same task already waits, so starting the chain again (each time the worker starts:
``make worker``) never makes a second one. A run the worker could not take on time
(it was stopped) runs when it starts again.
"""

import datetime

from django_tasks.base import Task
from django_tasks_db.compat import TaskResultStatus
from django_tasks_db.models import DBTaskResult


def waiting(task: Task) -> DBTaskResult | None:
    """The queued, not yet started run of ``task`` (the earliest), or None. 1 query."""
    return (
        DBTaskResult.objects.filter(task_path=task.module_path, status=TaskResultStatus.READY)
        .order_by("run_after")
        .first()
    )


def enqueue_once(task: Task, *args, run_after: datetime.datetime) -> bool:
    """Queue ``task(*args)`` to run from ``run_after`` unless a run of ``task`` (whatever its
    arguments) already waits. True when it queued one. 1–2 queries."""
    if waiting(task) is not None:
        return False
    task.using(run_after=run_after).enqueue(*args)
    return True
