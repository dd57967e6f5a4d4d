"""Reads from a PostgreSQL read replica, when one is configured, for the views that opt in.

Settings add the "replica" alias when ``DATABASE_REPLICA_URL`` is set. Then the
reads of a view marked with :func:`reads_from_replica` (the dashboards, reports
and indicator API: read-only, and fine a moment behind) and of the code inside
:func:`reading_from_replica` (commands) go to the replica. Every write, and every
other read (sign-in, permissions, the recording pages), goes to "default".
Without the alias the router always answers "default".
"""

import functools
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from django.db import DEFAULT_DB_ALIAS, connections

REPLICA = "replica"

_replica_reads: ContextVar[bool] = ContextVar("cpdash_replica_reads", default=False)


@contextmanager
def reading_from_replica() -> Iterator[None]:
    """Within the block, reads go to the replica when one is configured (for commands)."""
    token = _replica_reads.set(True)
    try:
        yield
    finally:
        _replica_reads.reset(token)


def reads_from_replica(view: Callable) -> Callable:
    """Decorate a read-only view so that its reads go to the replica when one is configured.

    Put it below ``login_required``/``permission_required`` so that sign-in and
    permission checks still read "default"."""

    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        with reading_from_replica():
            return view(*args, **kwargs)

    return wrapper


def replica_configured() -> bool:
    return REPLICA in connections.settings


class ReplicaRouter:
    """The replica for reads inside opted-in code when it is configured; "default" for everything else."""

    def db_for_read(self, model, **hints) -> str:
        if _replica_reads.get() and replica_configured():
            return REPLICA
        return DEFAULT_DB_ALIAS

    def db_for_write(self, model, **hints) -> str:
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1, obj2, **hints) -> bool | None:
        # The same data: an object read from the replica may point at one from default.
        aliases = {DEFAULT_DB_ALIAS, REPLICA}
        if obj1._state.db in aliases and obj2._state.db in aliases:
            return True
        return None

    def allow_migrate(self, db, app_label, model_name=None, **hints) -> bool:
        # The replica follows default by replication, never by migrations of its own.
        return db == DEFAULT_DB_ALIAS
