"""Planner statistics after bulk writes.

PostgreSQL plans a query from statistics about each table (rows, distinct values,
…) that ANALYZE gathers. After a bulk load they are missing or stale until
autovacuum comes round (it may take minutes, or be off), and a plan made without
them can be a hundred times slower: a nested loop walking a whole table once per
facility. So every bulk write ends with analyze() of the tables it wrote: the demo
loader, imports of at least ANALYZE_THRESHOLD rows, ``rebuild_pathway``. SQLite
plans without such statistics: there analyze() does nothing.
"""

from collections.abc import Iterable

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import Model

#: Imports writing at least this many rows refresh the statistics of the tables they wrote.
ANALYZE_THRESHOLD = 1000


def analyze(*models: type[Model], using: str = DEFAULT_DB_ALIAS) -> bool:
    """ANALYZE the tables of ``models`` (each once, in the order given) on PostgreSQL, in
    one statement; True when it ran, False on another database or with no model.

    Inside a transaction the statistics count the transaction's own rows and are kept
    only if it commits; ANALYZE takes a lock that lets reads and writes go on.
    """
    connection = connections[using]
    tables = list(dict.fromkeys(model._meta.db_table for model in models))
    if connection.vendor != "postgresql" or not tables:
        return False
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE " + ", ".join(connection.ops.quote_name(table) for table in tables))
    return True


def analyze_bulk(rows: int, *models: type[Model], using: str = DEFAULT_DB_ALIAS) -> bool:
    """analyze() after a write of ``rows`` rows, when they are at least ANALYZE_THRESHOLD."""
    return rows >= ANALYZE_THRESHOLD and analyze(*models, using=using)


def with_history(models: Iterable[type[Model]]) -> list[type[Model]]:
    """``models`` and, after each that keeps a history (django-simple-history), its history model."""
    found = []
    for model in models:
        found.append(model)
        history = getattr(model, "history", None)
        if history is not None and hasattr(history, "model"):
            found.append(history.model)
    return found
