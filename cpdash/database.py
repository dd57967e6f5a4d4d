"""Database time limits: how long cpdash waits for PostgreSQL, and the probe of /healthz.

settings.database_config() gives every PostgreSQL connection a ``connect_timeout``
(DATABASE_CONNECT_TIMEOUT, default 5 s) and a ``statement_timeout``
(DATABASE_STATEMENT_TIMEOUT, default 60 s): a request waits that long at most for
a connection or a statement, instead of until gunicorn kills the worker. Long jobs
that are not requests (rebuild_pathway, load_demo) lift the statement limit for
themselves with lift_statement_timeout().

A database that accepts connections but never answers (a frozen server) also
hangs a query on a connection that is already open: PostgreSQL cannot enforce
its statement_timeout while frozen, and the kernel keeps acknowledging. /healthz
therefore opens a connection of its own, with a limit of HEALTH_TIMEOUT seconds,
so that it answers 503 quickly whatever state the server is in.

Planner statistics after bulk writes:Planner statistics after bulk writes.

PostgreSQL plans a query from statistics about each table (rows, distinct values,
…) that ANALYZE gathers. After a bulk load they are missing or stale until
autovacuum comes round (it may take minutes, or be off), and a plan made without
them can be a hundred times slower: a nested loop walking a whole table once per
facility. So every bulk write ends with analyze() of the tables it wrote: the demo
loader, imports of at least ANALYZE_THRESHOLD rows, ``rebuild_pathway``. SQLite
plans without such statistics: there analyze() does nothing.

One import of a kind of record at a time: lock_imports_of() makes a confirmed import
wait for any other of the same kind (a PostgreSQL advisory lock held until the
transaction ends), so that it reads what that one wrote (docs/import.md).

Names in the order of the Vietnamese alphabet: both databases compare text by code point
("Đông Anh" after "Zeta", "Ba Vì" before "Ba Đình"). in_vietnamese_order() sorts an expression
through the collation VIETNAMESE instead: on PostgreSQL an ICU collation of that name
(cpdash/migrations/0002_vietnamese_collation.py), on SQLite a comparison of
cpdash.text.vietnamese_key registered on every new connection (register_collations()).
"""

import functools
import zlib
from collections.abc import Iterable

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import Expression, Model
from django.db.models.functions import Collate
from django.db.transaction import TransactionManagementError

from cpdash.text import vietnamese_key

#: Seconds /healthz waits for the database (connection and query alike).
HEALTH_TIMEOUT = 2


def database_answers(alias: str = DEFAULT_DB_ALIAS, timeout: int = HEALTH_TIMEOUT) -> bool:
    """Whether a new connection to ``alias`` answers ``SELECT 1`` within about ``timeout`` seconds."""
    probe = connections.create_connection(alias)
    if probe.vendor == "postgresql":
        options = dict(probe.settings_dict.get("OPTIONS", {}))
        options["connect_timeout"] = timeout
        options["options"] = f"{options.get('options', '')} -c statement_timeout={timeout}s".strip()
        probe.settings_dict = {**probe.settings_dict, "OPTIONS": options}
    try:
        with probe.cursor() as cursor:
            cursor.execute("SELECT 1")
        return True
    except Exception:
        return False
    finally:
        probe.close()


def lift_statement_timeout(alias: str = DEFAULT_DB_ALIAS) -> None:
    """No statement_timeout for the rest of this connection's session (PostgreSQL;
    nothing elsewhere): for commands whose bulk statements may take longer than a
    request may. Inside a transaction, the limit comes back if it is rolled back."""
    connection = connections[alias]
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET statement_timeout = 0")


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


# --- One import of a kind of record at a time ------------------------------------------------

#: First half of the two-integer advisory lock keys of imports (the single-bigint key space
#: is separate in PostgreSQL, so other users of advisory locks cannot collide with these).
IMPORT_LOCK_CLASS = 0x43504449  # "CPDI"


def _int4(value: int) -> int:
    return value - 2**32 if value >= 2**31 else value


def import_lock_key(model: type[Model]) -> tuple[int, int]:
    """The advisory lock key of ``model``'s imports: (IMPORT_LOCK_CLASS, crc32 of its label)."""
    return IMPORT_LOCK_CLASS, _int4(zlib.crc32(model._meta.label_lower.encode()))


def lock_imports_of(model: type[Model], using: str = DEFAULT_DB_ALIAS) -> bool:
    """Wait until no other transaction imports ``model``, then hold that lock until this
    transaction ends (PostgreSQL: ``pg_advisory_xact_lock``); True when taken.

    An import that reads the stored records after taking it therefore sees everything a
    concurrent import of the same kind wrote, and matches it instead of adding a copy.
    SQLite has one writer at a time already: nothing is taken there (a concurrent import
    fails on its write and writes nothing). Must run inside a transaction.
    """
    connection = connections[using]
    if connection.vendor != "postgresql":
        return False
    if not connection.in_atomic_block:
        raise TransactionManagementError("lock_imports_of() holds its lock until the transaction ends: open one.")
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", import_lock_key(model))
    return True


# --- Names in the order of the Vietnamese alphabet ------------------------------------------------

#: The collation that sorts text in the order of the Vietnamese alphabet, by the same name on both
#: databases: PostgreSQL's is ICU's "vi" (created by cpdash's migration 0002), SQLite's
#: compare_vietnamese() (register_collations()).
VIETNAMESE = "vi"


class InVietnameseOrder(Collate):
    """``Collate(expression, VIETNAMESE)`` that a query which also aggregates groups by the text
    itself, not by the collated text: the same groups (the collation is deterministic: only the
    same text compares equal), and PostgreSQL then drops the column of a table whose primary key is
    grouped by already, where it sorted every joined row by the collated text before grouping
    (an activity list sorted by unit: every attendance). Meta.ordering, which never reaches GROUP
    BY, uses plain Collate (the migrations' state knows no class of cpdash)."""

    def get_group_by_cols(self) -> list:
        return [col for source in self.get_source_expressions() for col in source.get_group_by_cols()]


def in_vietnamese_order(expression: str | Expression) -> Collate:
    """``expression`` (a field name or an expression giving text) compared in the order of the
    Vietnamese alphabet, for ``order_by()``: ``in_vietnamese_order("name").desc()``.

    On PostgreSQL ``name COLLATE "vi"`` cannot use a plain index on ``name``: an index on that
    expression can (the register's: facilities/migrations/0013_facility_name_vietnamese_index.py)."""
    return InVietnameseOrder(expression, VIETNAMESE)


@functools.lru_cache(maxsize=2**16)
def _collation_key(text: str) -> tuple[str, str, str]:
    """cpdash.text.vietnamese_key() of ``text`` as strings that compare the same way (quicker to
    compare and to keep), then, between texts that differ only in case, lower case first (as
    ICU's collation does); then by code point, so that only equal texts are equal."""
    letters, tones = vietnamese_key(text)
    return "".join(ch + chr(mark) for ch, mark in letters), "".join(map(chr, tones)), text.swapcase()


def compare_vietnamese(a: str, b: str) -> int:
    """SQLite's collation VIETNAMESE: negative, zero or positive as ``a`` sorts before, with or
    after ``b`` in the order of the Vietnamese alphabet (tones after letters, case ignored)."""
    key_a, key_b = _collation_key(a), _collation_key(b)
    return (key_a > key_b) - (key_a < key_b)


def register_collations(sender, connection, **kwargs) -> None:
    """Receiver of django.db.backends.signals.connection_created (connected by CpdashConfig.ready()):
    gives every new SQLite connection the collation VIETNAMESE. PostgreSQL has it in the database."""
    if connection.vendor == "sqlite":
        connection.connection.create_collation(VIETNAMESE, compare_vietnamese)
