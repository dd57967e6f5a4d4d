"""Spreadsheet exports of the lists: safe to open, streamed, in constant memory.

A spreadsheet runs a cell that starts with ``=``, ``+``, ``-`` or ``@`` as a
formula (and some also after a leading tab or carriage return), so a facility
named ``=HYPERLINK(…)`` in the register would run on the reader's machine
("CSV injection"). Every exported text cell that starts with one of these is
prefixed with an apostrophe, which spreadsheets show as plain text. Numbers
and dates are left as they are: a negative number is not text.

That is how CSV stays safe. XLSX needs no apostrophe: a cell typed as a string
is never run, so xlsx_bytes() writes every text cell as a string, with its
value as it is (the escaping apostrophe taken off again). Imports take one
escaping apostrophe off (cpdash.imports.cell_text, unescape_formula), so an
exported file, CSV or XLSX, imports back to the same names. (A name that itself
starts with an apostrophe before = + - @, "'=x", keeps its escape in XLSX too,
"''=x": the import takes one apostrophe off.)

Streamed. A list's export (export_response()) writes the rows of the page's
table, as filtered and sorted, without rendering a single cell through
django-tables2: table_values() reads the table's columns (their order,
headers, and which are left out of exports) and fetches plain values with
``values_list()`` in chunks (a server-side cursor on PostgreSQL); a cheap
per-row formatter turns them into what the table's cells export (a choice's
label, a related record's name, a rounded percent). The CSV goes out as it
is written (the header at once, then a chunk of rows at a time), the XLSX is
written by openpyxl in write-only mode to a temporary file and sent from it:
memory stays flat whatever the number of rows.
"""

import csv
import io
import re
import tempfile
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from itertools import chain, islice
from typing import IO

from django.core.exceptions import FieldDoesNotExist, ImproperlyConfigured
from django.db import connections, transaction
from django.db.models import Expression, F, Model, OrderBy, QuerySet
from django.http import FileResponse, StreamingHttpResponse
from django.utils import translation
from django.utils.encoding import force_str
from django.utils.translation import gettext
from django_tables2 import Column, Table
from django_tables2.export import TableExport
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from tablib import Databook, Dataset
from tablib.formats._xlsx import XLSXFormat as TablibXLSX

#: First characters that make a spreadsheet read a cell as a formula.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
CSV = TableExport.CSV
XLSX = TableExport.XLSX
#: Export formats the pages offer (the value of ``?_export=``).
EXPORT_FORMATS = (CSV, XLSX)
#: The query parameter that asks for an export (django-tables2's default).
EXPORT_PARAM = "_export"
CONTENT_TYPES = {
    CSV: "text/csv; charset=utf-8",
    XLSX: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
#: The problem sheet's CSV separator: a comma, as the uploaded files it echoes.
CSV_DELIMITER = ","


def csv_dialect(language: str | None) -> tuple[str, str]:
    """(cell separator, decimal separator) of a CSV that Excel opens in columns with the
    regional settings of ``language``: Vietnamese settings separate lists with ";" and
    decimals with ","; English ones with "," and "."."""
    return (";", ",") if (language or "vi")[:2] == "vi" else (",", ".")


def _csv_value(value: object, decimal: str) -> object:
    """A cell as the CSV writes it: fractional numbers with ``decimal`` as separator."""
    if decimal != "." and isinstance(value, (float, Decimal)) and not isinstance(value, bool):
        return str(value).replace(".", decimal)
    return value


def csv_text(headers: Sequence[object], rows: Iterable[Sequence[object]], language: str | None) -> str:
    """A whole CSV (with a byte-order mark, so spreadsheets read UTF-8) in ``language``'s dialect."""
    delimiter, decimal = csv_dialect(language)
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter)
    writer.writerow(headers)
    writer.writerows([_csv_value(value, decimal) for value in row] for row in rows)
    return "\ufeff" + buffer.getvalue()


#: Rows fetched per round trip from the database, and rows per chunk of a streamed CSV.
CHUNK_SIZE = 2000
#: XLSX column widths are written before the rows: they fit the header and the first rows.
WIDTH_SAMPLE = 200
MAX_WIDTH = 80

_SHEET_UNSAFE = re.compile(r"[\[\]:*?/\\]")
#: Text escape_formula() escapes: a formula start, after any apostrophes (so that a
#: name that really starts "'=" keeps its apostrophe through export and import).
_NEEDS_ESCAPE = re.compile("'*[" + re.escape("".join(FORMULA_STARTS)) + "]")
#: What escape_formula() made: one more apostrophe in front of such text.
_ESCAPED = re.compile("'" + _NEEDS_ESCAPE.pattern)
#: Escaped text whose value starts with the formula character itself (no apostrophe).
_ESCAPED_FORMULA = re.compile("'[" + re.escape("".join(FORMULA_STARTS)) + "]")
_BOLD = Font(bold=True)
_WRAP = Alignment(wrap_text=True)


def escape_formula(value: object) -> object:
    """``value`` with an apostrophe in front when it is text a spreadsheet would run
    as a formula; any other value unchanged. ``"=1+1"`` → ``"'=1+1"``, ``-5`` → ``-5``,
    ``"'=1"`` → ``"''=1"`` (so that unescape_formula gives it back exactly)."""
    if isinstance(value, str) and _NEEDS_ESCAPE.match(value):
        return "'" + value
    return value


def unescape_formula(text: str) -> str:
    """The text escape_formula() escaped, without its one escaping apostrophe:
    ``"'=1+1"`` → ``"=1+1"``, ``"''=1"`` → ``"'=1"``; any other text unchanged
    (``"'abc"`` stays, an apostrophe before a letter escapes nothing)."""
    return text[1:] if _ESCAPED.match(text) else text


def escape_row(row: Iterable[object]) -> list[object]:
    """escape_formula() applied to every cell of ``row``."""
    return [escape_formula(value) for value in row]


def export_format(params) -> str | None:
    """The export format asked for by ``params`` (request.GET), or None for the page."""
    wanted = params.get(EXPORT_PARAM)
    return wanted if wanted in EXPORT_FORMATS else None


# --- Reading a table's columns as plain values ----------------------------------------------------


@dataclass(frozen=True)
class Cell:
    """How an export reads one column of a table from plain values, for a column whose
    export is not simply its field's value: ``reads`` are ``values_list()`` names (fields,
    lookups, annotations), ``convert`` turns them into the cell (None: the one value as
    it is), ``annotations`` are added to the queryset first (names starting ``export_``).

    A table declares these in a method ``export_cells()`` → {column name: Cell}, called
    at export time (so that labels are in the user's language).
    """

    reads: tuple[str, ...]
    convert: Callable[..., object] | None = None
    annotations: Mapping[str, Expression] = field(default_factory=dict)

    @classmethod
    def read(cls, lookup: str) -> "Cell":
        """The value of ``lookup`` as it is, e.g. ``Cell.read("sector__name")`` for a sector
        column (a related record exports as its ``str()``, here its name)."""
        return cls((lookup,))


def choice_labels(choices: Iterable[tuple[object, object]]) -> Callable[[object], object]:
    """A value → its label (in the active language, read once), as ``get_FOO_display()`` gives."""
    labels = {value: force_str(label) for value, label in choices}
    return lambda value: labels.get(value, value)


def _field_at(model: type[Model], lookup: str):
    """The model field ``lookup`` ("facility__code") ends on, or None for an annotation."""
    field_ = None
    for part in lookup.split("__"):
        if model is None:
            return None
        try:
            field_ = model._meta.get_field(part)
        except FieldDoesNotExist:
            return None
        model = field_.related_model
    return field_


def _plain_value(column: Column) -> Callable[[object], object] | None:
    """The column class's own export of a plain value (``value(value)``, e.g. a rounded
    percent), None when it exports the value as it is."""
    kind = type(column)
    if kind.value is not Column.value:
        return column.value
    if kind.render is not Column.render:
        raise ImproperlyConfigured(f"{kind.__name__} renders cells but has no value() for exports")
    return None


def _derived(table: Table, model: type[Model], name: str, column: Column, accessor: str) -> Cell:
    """A column without a declared Cell: its accessor's value, as django-tables2 exports it
    (a choice field's label; an empty value, per the column's ``empty_values``, as None)."""
    if hasattr(table, f"render_{name}") or hasattr(table, f"value_{name}"):
        raise ImproperlyConfigured(f"{type(table).__name__}.{name} is computed: declare it in export_cells()")
    lookup = accessor.replace(".", "__")
    model_field = _field_at(model, lookup)
    if model_field is not None and model_field.is_relation:
        raise ImproperlyConfigured(f"{type(table).__name__}.{name} is a relation: declare it in export_cells()")
    label = choice_labels(model_field.flatchoices) if model_field is not None and model_field.choices else None
    value = _plain_value(column)
    empty = tuple(column.empty_values)

    def convert(cell: object) -> object:
        if label is not None:
            cell = label(cell)
        if cell in empty:
            return None
        return value(cell) if value is not None else cell

    return Cell((lookup,), convert)


@dataclass
class ValueExport:
    """A table's rows as plain values: ``headers``, and ``rows()`` — one list per record,
    formula-escaped — from ``queryset`` (a ``values_list()`` in the table's order)."""

    headers: list[str]
    queryset: QuerySet
    cells: list[tuple[slice, Callable[..., object] | None]]

    def rows(self) -> Iterator[list[object]]:
        """Every row, fetched CHUNK_SIZE at a time: one query, whatever the number of rows."""
        plan = [(s.start, s, convert) for s, convert in self.cells]
        for values in _fetch(self.queryset):
            row = []
            for start, where, convert in plan:
                if convert is None:
                    cell = values[start]
                elif where.stop - start == 1:
                    cell = convert(values[start])
                else:
                    cell = convert(*values[where])
                row.append("'" + cell if isinstance(cell, str) and cell.startswith(FORMULA_STARTS) else cell)
            yield row


def _fetch(queryset: QuerySet) -> Iterator[tuple]:
    """``queryset.iterator()``, on PostgreSQL inside a transaction: Django's server-side cursor
    outside one is declared WITH HOLD, which makes the server compute every row before the first."""
    connection = connections[queryset.db]
    if connection.vendor == "postgresql" and not connection.in_atomic_block:
        with transaction.atomic(using=queryset.db):
            yield from queryset.iterator(chunk_size=CHUNK_SIZE)
    else:
        yield from queryset.iterator(chunk_size=CHUNK_SIZE)


def table_values(table: Table) -> ValueExport:
    """The rows ``table`` would export (its exported columns, its order, its data: a queryset)
    as plain values; the cells the table declares in ``export_cells()``, the others read from
    their accessors (see _derived())."""
    queryset = getattr(table.data, "data", None)
    if not isinstance(queryset, QuerySet):
        raise TypeError("streamed exports need a table of a queryset")
    declared = table.export_cells() if hasattr(table, "export_cells") else {}
    headers, reads, cells = [], [], []
    annotations: dict[str, Expression] = {}
    for bound in table.columns.iterall():
        if bound.column.exclude_from_export:
            continue
        cell = declared.get(bound.name) or _derived(
            table, queryset.model, bound.name, bound.column, str(bound.accessor)
        )
        headers.append(escape_formula(force_str(bound.header)))
        cells.append((slice(len(reads), len(reads) + len(cell.reads)), cell.convert))
        reads.extend(cell.reads)
        annotations.update(cell.annotations)
    values = queryset.prefetch_related(None).annotate(**annotations)
    values = values.values_list(*reads, *_sort_annotations(queryset, reads))
    return ValueExport(headers, values, cells)


def _sort_annotations(queryset: QuerySet, reads: list[str]) -> list[str]:
    """The annotations ``queryset`` is sorted by that the export does not read. They are selected
    too (after the cells' values, which ignore them), so that ORDER BY refers to them as the page's
    query does: left out of SELECT, Django would write their SQL into ORDER BY, and PostgreSQL
    refuses a constant there (e.g. a coverage that is NULL for every facility)."""
    names = []
    for key in queryset.query.order_by:
        if isinstance(key, OrderBy) and isinstance(key.expression, F):
            key = key.expression.name
        name = key.lstrip("-") if isinstance(key, str) else None
        if name in queryset.query.annotations and name not in reads and name not in names:
            names.append(name)
    return names


# --- Responses --------------------------------------------------------------------------------------


def _csv_chunks(export: ValueExport, language: str | None) -> Iterator[bytes]:
    """The CSV in pieces: the byte-order mark (spreadsheets then read UTF-8) and header at
    once, then CHUNK_SIZE rows at a time, formatted in ``language``."""
    delimiter, decimal = csv_dialect(language)
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter)
    writer.writerow(export.headers)
    yield ("\ufeff" + buffer.getvalue()).encode("utf-8")
    rows = export.rows()
    try:
        while True:
            with translation.override(language):
                chunk = list(islice(rows, CHUNK_SIZE))
            if not chunk:
                return
            buffer.seek(0)
            buffer.truncate()
            writer.writerows([_csv_value(value, decimal) for value in row] for row in chunk)
            yield buffer.getvalue().encode("utf-8")
    finally:
        rows.close()  # ends the database transaction at once if the download stops early


def csv_response(export: ValueExport, filename: str) -> StreamingHttpResponse:
    """``export`` as a CSV attachment, streamed (the first bytes leave before the query runs)."""
    chunks = _csv_chunks(export, translation.get_language())
    response = StreamingHttpResponse(chunks, content_type=CONTENT_TYPES[CSV])
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _width(value: object) -> int:
    return len(str(value)) if value is not None else 0


def write_xlsx(headers: Sequence[str], rows: Iterable[Sequence[object]], title: str, out: IO[bytes]) -> None:
    """A workbook of one sheet ``title`` (header row bold and frozen) written to ``out`` by
    openpyxl's write-only mode: each row goes to disk as it comes, memory stays flat."""
    book = Workbook(write_only=True)
    sheet = book.create_sheet(_SHEET_UNSAFE.sub(" ", title)[:31] or gettext("Export"))
    rows = iter(rows)
    sample = list(islice(rows, WIDTH_SAMPLE))
    for number, values in enumerate(zip(headers, *sample, strict=False), 1):
        width = max(_width(value) for value in values)
        sheet.column_dimensions[get_column_letter(number)].width = min(max(width, 4), MAX_WIDTH)
    sheet.freeze_panes = "A2"
    header = []
    for text in headers:
        cell = _text_cell(sheet, text)
        cell.font = _BOLD
        header.append(cell)
    sheet.append(header)
    for row in chain(sample, rows):
        sheet.append([_text_cell(sheet, value) if isinstance(value, str) else value for value in row])
    book.save(out)


def write_sheet(headers: Sequence[str], rows: Iterable[Sequence[object]], extension: str, out: IO[bytes]) -> None:
    """Plain cells (not yet escaped) as a spreadsheet file like the one they came from:
    ``extension`` ".csv" (UTF-8 with a byte-order mark) or ".xlsx", formula-safe either way."""
    escaped_rows = (escape_row(row) for row in rows)
    if extension == ".xlsx":
        write_xlsx(escape_row(headers), escaped_rows, gettext("Sheet"), out)
        return
    text = io.TextIOWrapper(out, encoding="utf-8-sig", newline="")
    writer = csv.writer(text, delimiter=CSV_DELIMITER)
    writer.writerow(escape_row(headers))
    writer.writerows(escaped_rows)
    text.detach()  # flushed; ``out`` stays open for its owner


def _text_cell(sheet, escaped: str) -> WriteOnlyCell:
    """A text cell typed as a string (never run as a formula) holding the value as it is
    (xlsx_text: without the CSV's escaping apostrophe); wrapped when it has lines."""
    cell = WriteOnlyCell(sheet, value=xlsx_text(escaped))
    cell.data_type = "s"  # after the value: openpyxl types text starting "=" as a formula
    if "\n" in escaped:
        cell.alignment = _WRAP
    return cell


def xlsx_response(export: ValueExport, filename: str, title: str) -> FileResponse:
    """``export`` as an XLSX attachment: written to a temporary file (deleted once sent), then
    sent from it in blocks."""
    out = tempfile.TemporaryFile()  # noqa: SIM115 (FileResponse closes it, which deletes it)
    rows = export.rows()
    try:
        write_xlsx(export.headers, rows, title, out)
    except BaseException:
        out.close()
        raise
    finally:
        rows.close()
    out.seek(0)
    response = FileResponse(out, content_type=CONTENT_TYPES[XLSX])
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def export_response(
    table: Table, export_format: str, filename: str, title: str = ""
) -> StreamingHttpResponse | FileResponse:
    """The whole of ``table`` (unpaginated, as filtered and sorted) as an attachment
    ``filename``.``export_format``: CSV streamed, XLSX in constant memory."""
    export = table_values(table)
    if export_format == CSV:
        return csv_response(export, f"{filename}.csv")
    return xlsx_response(export, f"{filename}.{export_format}", title or gettext("Export"))


# --- The reference ------------------------------------------------------------------------------------


class SafeTableExport(TableExport):
    """django-tables2's TableExport (every cell rendered by the table) with every text cell
    (headers too) escaped, and CSV with a UTF-8 byte-order mark.

    The views no longer use it: it is the reference the streamed exports are tested against
    (tests/cpdash/test_exports_stream.py), cell for cell.
    """

    def table_to_dataset(self, table: Table, exclude_columns, dataset_kwargs=None) -> Dataset:
        dataset = Dataset(**{"title": gettext("Export"), **(dataset_kwargs or {})})
        rows = iter(table.as_values(exclude_columns=exclude_columns))
        dataset.headers = escape_row(next(rows))
        for row in rows:
            dataset.append(escape_row(row))
        return dataset

    def export(self) -> str | bytes:
        if self.format == self.XLSX:
            return xlsx_bytes(self.dataset)
        content = super().export()
        return "\ufeff" + content if self.format == self.CSV else content


def xlsx_text(escaped: str) -> str:
    """What a workbook cell holds for the escaped text of a cell: the value as it
    is, "'=1" → "=1"; the escape is kept only where the import would otherwise
    take off an apostrophe of the value itself, "''=1" (the value "'=1") stays."""
    return escaped[1:] if _ESCAPED_FORMULA.match(escaped) else escaped


class TypedStringsXLSX(TablibXLSX):
    """tablib's XLSX writer (bold header, frozen first row, column widths), with
    every text cell typed as a string, so that none is ever a formula, and
    holding its value as it is (xlsx_text)."""

    @classmethod
    def dset_sheet(cls, dataset, ws, freeze_panes=True, escape=False) -> None:
        super().dset_sheet(dataset, ws, freeze_panes=freeze_panes, escape=False)
        for row in ws.iter_rows():
            for cell in row:
                if isinstance(cell.value, str):
                    cell.value = xlsx_text(cell.value)
                    cell.data_type = "s"  # after the value: openpyxl types text starting "=" as a formula


def xlsx_bytes(data: Dataset | Databook) -> bytes:
    """A workbook of ``data``, a sheet or a book of sheets whose text cells were
    escaped (escape_row), each text cell written as a string (TypedStringsXLSX)."""
    if isinstance(data, Databook):
        return TypedStringsXLSX.export_book(data)
    return TypedStringsXLSX.export_set(data)
