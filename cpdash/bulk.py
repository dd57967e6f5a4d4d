"""Bulk writes of plain rows, without Django's per-value machinery: for imports that
write tens of thousands of rows (facilities/resources.py).

Rows are tuples of values already as the database stores them (str, int, bool,
date, None; foreign keys as ids). On PostgreSQL new rows go in with ``COPY …
FROM STDIN`` (their ids drawn first from the table's sequence) and changed rows with
one ``UPDATE … FROM unnest(arrays)`` per chunk: psycopg2 adapts a list in C, where
``bulk_create``/``bulk_update`` prepare every value of every row in Python.
Elsewhere (SQLite) they fall back to Django's ``bulk_create``/``bulk_update``.

History entries (django-simple-history) are written set-based too: one
``INSERT … SELECT`` from the rows just written, with the user and the reason that
simple-history's ``bulk_create_with_history`` would give them.

Nothing here opens a transaction: callers run inside theirs (an import is all or
nothing).
"""

import datetime
import io
import time
from collections.abc import Callable, Iterator, Sequence
from types import NoneType

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import Model
from django.utils import timezone

#: Rows per statement on PostgreSQL (arrays of this length, one per column).
CHUNK = 5000
#: Ids per ``IN (…)`` list where arrays are not available (SQLite: 999 parameters a statement).
IN_CHUNK = 900


def _chunks(items: Sequence, size: int) -> Iterator[Sequence]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _postgres(using: str) -> bool:
    return connections[using].vendor == "postgresql"


def _array_types(model: type[Model], attnames: Sequence[str], using: str) -> list[str]:
    connection = connections[using]
    fields = {field.attname: field for field in model._meta.concrete_fields}
    types = []
    for attname in attnames:
        field = fields[attname]
        target = field.target_field if field.is_relation else field
        types.append(target.rel_db_type(connection) if field.is_relation else field.db_type(connection))
    return types


def _columns(rows: Sequence[Sequence[object]], width: int) -> list[list[object]]:
    return [list(column) for column in zip(*rows, strict=True)] if rows else [[] for _ in range(width)]


def insert(
    model: type[Model],
    attnames: Sequence[str],
    rows: Sequence[Sequence[object]],
    using=DEFAULT_DB_ALIAS,
    *,
    returning: bool = True,
) -> list[int]:
    """INSERT ``rows`` (values in the order of ``attnames``) into ``model``'s table;
    the new primary keys, in the order of ``rows`` (none when not ``returning``: the
    table numbers the rows itself, a log's entries that nothing refers to)."""
    if not rows:
        return []
    if not _postgres(using):
        objs = [model(**dict(zip(attnames, row, strict=True))) for row in rows]
        model._default_manager.using(using).bulk_create(objs)
        return [obj.pk for obj in objs] if returning else []
    connection = connections[using]
    qn = connection.ops.quote_name
    table, pk = model._meta.db_table, model._meta.pk.column
    columns = [model._meta.get_field(_field_name(model, a)).column for a in attnames]
    ids: list[int] = []
    with connection.cursor() as cursor:
        if returning:
            # The ids first, from the table's own sequence, so that COPY (which returns nothing) can write them.
            # The sequence is looked up once (a subquery: pg_get_serial_sequence() in nextval()'s argument
            # would be called for every row, ten times the cost of drawing the ids).
            sequence = "SELECT nextval((SELECT pg_get_serial_sequence(%s, %s)::regclass)) FROM generate_series(1, %s)"
            cursor.execute(sequence, [table, pk, len(rows)])
            ids = [row[0] for row in cursor.fetchall()]
            columns = [pk, *columns]
        sql = f"COPY {qn(table)} ({', '.join(qn(c) for c in columns)}) FROM STDIN"
        for start in range(0, len(rows), CHUNK):
            chunk = rows[start : start + CHUNK]
            cells = list(map(copy_column, zip(*chunk, strict=True)))
            if returning:
                cells.insert(0, copy_column(ids[start : start + CHUNK]))
            _copy(connection, cursor, sql, "\n".join(map("\t".join, zip(*cells, strict=True))) + "\n")
    return ids


def copy_text(value: object) -> str:
    """``value`` in COPY's text format: \\N for NULL, t/f, ISO dates, backslash escapes."""
    if value is None:
        return "\\N"
    if value is True:
        return "t"
    if value is False:
        return "f"
    text = value if isinstance(value, str) else str(value)
    if "\\" in text or "\t" in text or "\n" in text or "\r" in text:
        text = text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")
    return text


def copy_column(values: Sequence[object]) -> list[str]:
    """copy_text() of each of ``values`` (a column: mostly of one type), at C speed where the
    type allows: ints and dates as str() gives them, booleans as t/f, text needing no escape
    as it is, None as \\N; any other column value by value."""
    classes = set(map(type, values))
    nullable = NoneType in classes
    classes.discard(NoneType)
    if len(classes) != 1:
        return list(map(copy_text, values))
    (kind,) = classes
    convert: Callable[[object], str] | None
    if kind is int or kind is datetime.date:  # digits and "-": nothing to escape
        convert = str
    elif kind is bool:
        convert = _BOOLEANS.__getitem__
    elif issubclass(kind, str) and kind.__contains__ is str.__contains__:
        text = "".join(v for v in values if v is not None) if nullable else "".join(values)
        if "\\" in text or "\t" in text or "\n" in text or "\r" in text:
            return list(map(copy_text, values))
        convert = None
    else:
        return list(map(copy_text, values))
    if nullable:
        if convert is None:
            return ["\\N" if v is None else v for v in values]
        return ["\\N" if v is None else convert(v) for v in values]
    return list(values) if convert is None else list(map(convert, values))


_BOOLEANS = {True: "t", False: "f"}


def _copy(connection, cursor, sql: str, text: str) -> None:
    """COPY … FROM STDIN of ``text`` on psycopg2's own cursor, logged like Django's queries
    (CaptureQueriesContext, DEBUG's connection.queries) although it bypasses execute(), and
    whose errors are Django's (a unique key already stored is an IntegrityError, as from execute())."""
    started = time.monotonic()
    with connection.wrap_database_errors:
        cursor.cursor.copy_expert(sql, io.StringIO(text))
    if connection.queries_logged:
        connection.queries_log.append({"sql": sql, "time": f"{time.monotonic() - started:.3f}"})


def update(model: type[Model], attnames: Sequence[str], rows: Sequence[Sequence[object]], using=DEFAULT_DB_ALIAS):
    """UPDATE rows of ``model`` by primary key: each row is (pk, *values of ``attnames``)."""
    if not rows or not attnames:
        return
    if not _postgres(using):
        objs = [model(pk=row[0], **dict(zip(attnames, row[1:], strict=True))) for row in rows]
        names = [_field_name(model, a) for a in attnames]
        model._default_manager.using(using).bulk_update(objs, names, batch_size=IN_CHUNK // (len(names) + 1) or 1)
        return
    connection = connections[using]
    qn = connection.ops.quote_name
    table, pk = qn(model._meta.db_table), qn(model._meta.pk.column)
    columns = [qn(model._meta.get_field(_field_name(model, a)).column) for a in attnames]
    types = _array_types(model, [model._meta.pk.attname, *attnames], using)
    arrays = ", ".join(f"%s::{t}[]" for t in types)
    assignments = ", ".join(f"{c} = v.{c}" for c in columns)
    # t's ids also as a list of their own (see id_filter): the planner reads t through its primary
    # key, or where it scans t (a chunk of 2 % of the table), hashes the chunk's rows, not all of t.
    sql = (
        f"UPDATE {table} AS t SET {assignments} FROM unnest({arrays}) AS v({pk}, {', '.join(columns)}) "
        f"WHERE t.{pk} = v.{pk} AND t.{pk} = ANY(%s::{types[0]}[])"
    )
    with connection.cursor() as cursor:
        for chunk in _chunks(rows, CHUNK):
            values = _columns(chunk, len(attnames) + 1)
            cursor.execute(sql, [*values, values[0]])


def _field_name(model: type[Model], attname: str) -> str:
    for field in model._meta.concrete_fields:
        if field.attname == attname:
            return field.name
    raise LookupError(attname)


def id_filter(column: str | Sequence[str], ids: Sequence[int], using=DEFAULT_DB_ALIAS) -> Iterator[tuple[str, list]]:
    """(SQL condition, parameters) selecting ``column`` in ``ids``: one ``= ANY(array)``
    on PostgreSQL, ``IN (…)`` lists of IN_CHUNK elsewhere.

    Several columns (the same ids in each table of a join: ``("u.facility_id", "f.id")``)
    are each filtered, so that the planner reads every table of the join through its index:
    filtered on one side only, it hashes the other table whole, once per chunk, which grows
    with the table (quadratic over an import of 10⁶ rows)."""
    for conditions in id_filters([column] if isinstance(column, str) else column, ids, using):
        yield " AND ".join(c for c, _ in conditions), [p for _, params in conditions for p in params]


def id_filters(columns: Sequence[str], ids: Sequence[int], using=DEFAULT_DB_ALIAS) -> Iterator[list[tuple[str, list]]]:
    """id_filter() of each of ``columns`` apart, chunk by chunk: [(condition, parameters)] in
    the order of ``columns``, for a statement that puts them in different clauses."""
    if _postgres(using):
        yield [(f"{c} = ANY(%s)", [list(ids)]) for c in columns]
        return
    for chunk in _chunks(list(ids), IN_CHUNK // len(columns)):
        marks = ", ".join(["%s"] * len(chunk))
        yield [(f"{c} IN ({marks})", list(chunk)) for c in columns]


def history_user(model: type[Model], user):
    """The user simple-history would record for a bulk write by ``user`` (None: the
    signed-in user of the current request, if any)."""
    return user or model.history.model.get_default_history_user(model())


def write_history(
    model: type[Model], ids: Sequence[int], history_type: str, user, reason: str, using=DEFAULT_DB_ALIAS
) -> None:
    """One history entry per row ``ids`` of ``model`` as it now stands ("+" created,
    "~" changed), by ``user`` with ``reason``, as ``bulk_create_with_history`` writes:
    an INSERT … SELECT from the table, so no row travels through Python."""
    if not ids:
        return
    connection = connections[using]
    qn = connection.ops.quote_name
    history = model.history.model
    tracked = [field.column for field in history.tracked_fields]
    extra = ("history_date", "history_change_reason", "history_type", "history_user_id")
    names = ", ".join(qn(c) for c in (*tracked, *extra))
    sources = ", ".join(f"f.{qn(c)}" for c in tracked)
    who = history_user(model, user)
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    values = [now, reason, history_type, getattr(who, "pk", None)]
    with connection.cursor() as cursor:
        for condition, params in id_filter(f"f.{qn(model._meta.pk.column)}", ids, using):
            cursor.execute(
                f"INSERT INTO {qn(history._meta.db_table)} ({names}) "
                f"SELECT {sources}, %s, %s, %s, %s FROM {qn(model._meta.db_table)} f WHERE {condition} "
                f"ORDER BY f.{qn(model._meta.pk.column)}",
                values + params,
            )
