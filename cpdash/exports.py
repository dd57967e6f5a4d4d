"""Spreadsheet exports that are safe to open.

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
"""

import re
from collections.abc import Iterable

from django.http import HttpResponse
from django.utils.translation import gettext
from django_tables2 import Table
from django_tables2.export import TableExport
from tablib import Databook, Dataset
from tablib.formats._xlsx import XLSXFormat as TablibXLSX

#: First characters that make a spreadsheet read a cell as a formula.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
#: Export formats the pages offer (the value of ``?_export=``).
EXPORT_FORMATS = (TableExport.CSV, TableExport.XLSX)
#: The query parameter that asks for an export (django-tables2's default).
EXPORT_PARAM = "_export"

_SHEET_UNSAFE = re.compile(r"[\[\]:*?/\\]")
#: Text escape_formula() escapes: a formula start, after any apostrophes (so that a
#: name that really starts "'=" keeps its apostrophe through export and import).
_NEEDS_ESCAPE = re.compile("'*[" + re.escape("".join(FORMULA_STARTS)) + "]")
#: What escape_formula() made: one more apostrophe in front of such text.
_ESCAPED = re.compile("'" + _NEEDS_ESCAPE.pattern)
#: Escaped text whose value starts with the formula character itself (no apostrophe).
_ESCAPED_FORMULA = re.compile("'[" + re.escape("".join(FORMULA_STARTS)) + "]")


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


class SafeTableExport(TableExport):
    """django-tables2's TableExport with every text cell (headers too) escaped.

    CSV starts with a UTF-8 byte-order mark so that spreadsheets read
    Vietnamese names as UTF-8 rather than the local code page.
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


def export_format(params) -> str | None:
    """The export format asked for by ``params`` (request.GET), or None for the page."""
    wanted = params.get(EXPORT_PARAM)
    return wanted if wanted in EXPORT_FORMATS else None


def export_response(table: Table, export_format: str, filename: str, title: str = "") -> HttpResponse:
    """The whole of ``table`` (unpaginated) as an attachment ``filename``.``export_format``."""
    # XLSX sheet names: at most 31 characters, none of []:*?/ or backslash
    dataset_kwargs = {"title": _SHEET_UNSAFE.sub(" ", title)[:31]} if title else None
    exporter = SafeTableExport(export_format, table, dataset_kwargs=dataset_kwargs)
    return exporter.response(filename=f"{filename}.{export_format}")
