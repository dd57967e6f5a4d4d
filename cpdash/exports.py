"""Spreadsheet exports that are safe to open.

A spreadsheet runs a cell that starts with ``=``, ``+``, ``-`` or ``@`` as a
formula (and some also after a leading tab or carriage return), so a facility
named ``=HYPERLINK(…)`` in the register would run on the reader's machine
("CSV injection"). Every exported text cell that starts with one of these is
prefixed with an apostrophe, which spreadsheets show as plain text. Numbers
and dates are left as they are: a negative number is not text.
"""

import re
from collections.abc import Iterable

from django.http import HttpResponse
from django.utils.translation import gettext
from django_tables2 import Table
from django_tables2.export import TableExport
from tablib import Dataset

#: First characters that make a spreadsheet read a cell as a formula.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
#: Export formats the pages offer (the value of ``?_export=``).
EXPORT_FORMATS = (TableExport.CSV, TableExport.XLSX)
#: The query parameter that asks for an export (django-tables2's default).
EXPORT_PARAM = "_export"

_SHEET_UNSAFE = re.compile(r"[\[\]:*?/\\]")


def escape_formula(value: object) -> object:
    """``value`` with an apostrophe in front when it is text a spreadsheet would run
    as a formula; any other value unchanged. ``"=1+1"`` → ``"'=1+1"``, ``-5`` → ``-5``."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


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
        content = super().export()
        return "\ufeff" + content if self.format == self.CSV else content


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
