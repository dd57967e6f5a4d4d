"""The downloadable import templates as real workbooks: a data sheet named for what
it holds, with the column names in the user's language (which the import reads back),
example rows, code columns formatted as text, drop-down lists of the values a column
accepts, and a notes sheet that explains each column. Built in the user's language
(the request's), by the admin's template views (cpdash.admin.RecordImportMixin,
facilities.admin.FacilityAdmin)."""

import datetime
import io
import re
from collections.abc import Sequence
from dataclasses import dataclass

from django.utils.translation import gettext
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.worksheet.datavalidation import DataValidation

#: Rows of the data sheet that carry the drop-downs.
TEMPLATE_ROWS = 1000
TEXT_FORMAT = "@"
DATE_FORMAT = "dd/mm/yyyy"
_BOLD = Font(bold=True)
_WRAP = Alignment(wrap_text=True, vertical="top")
_SHEET_UNSAFE = re.compile(r"[\[\]:*?/\\']")


def sheet_title(title: object) -> str:
    """``title`` as a sheet's name: at most 31 characters, none that Excel refuses."""
    return " ".join(_SHEET_UNSAFE.sub(" ", str(title)).split())[:31] or "Sheet"


@dataclass(frozen=True)
class TemplateColumn:
    """A column of the template. ``header`` is in the user's language and is one the
    import accepts; ``choices`` (labels in that language) make a drop-down list."""

    name: str
    header: str
    required: bool = False
    note: str = ""
    choices: Sequence[str] = ()
    text: bool = False  # codes: formatted as Text, so "0101234567" keeps its leading zero
    date: bool = False

    def accepted(self) -> str:
        """What the notes sheet says the column accepts."""
        if self.choices:
            return gettext("One of the drop-down list's values (%(count)d).") % {"count": len(self.choices)}
        if self.date:
            return gettext("A date: DD/MM/YYYY, YYYY-MM-DD or a date cell.")
        if self.text:
            return gettext("Text (the column is formatted as Text: leading zeros are kept).")
        return ""


def template_workbook(
    title: str, columns: Sequence[TemplateColumn], rows: Sequence[Sequence[object]], notes: Sequence[str] = ()
) -> bytes:
    """An XLSX: the sheet ``title`` (headers, ``rows``), a notes sheet, and a hidden sheet
    that holds the drop-down lists."""
    book = Workbook()
    data = book.active
    data.title = sheet_title(title)
    lists = book.create_sheet(sheet_title(gettext("Lists")))
    notes_sheet = book.create_sheet(sheet_title(gettext("Notes")))
    _write_data(data, columns, rows)
    _write_lists(data, lists, columns)
    _write_notes(notes_sheet, columns, notes)
    lists.sheet_state = "hidden"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _write_data(sheet, columns: Sequence[TemplateColumn], rows: Sequence[Sequence[object]]) -> None:
    sheet.append([c.header for c in columns])
    for cell in sheet[1]:
        cell.font = _BOLD
    for row in rows:
        sheet.append(list(row))
    sheet.freeze_panes = "A2"
    for index, column in enumerate(columns, 1):
        letter = get_column_letter(index)
        width = max([len(column.header), *(len(str(r[index - 1] or "")) for r in rows)]) + 2
        sheet.column_dimensions[letter].width = min(max(width, 10), 50)
        number_format = TEXT_FORMAT if column.text else DATE_FORMAT if column.date else None
        if number_format:
            # The column's style, which Excel gives the cells typed in it, and the examples'. (No
            # empty formatted cells: the import would read them as rows.)
            sheet.column_dimensions[letter].number_format = number_format
            for (cell,) in sheet.iter_rows(min_row=2, max_row=1 + len(rows), min_col=index, max_col=index):
                cell.number_format = number_format
                if column.text and cell.value is not None and not isinstance(cell.value, str):
                    cell.value = str(cell.value)


def _write_lists(data, lists, columns: Sequence[TemplateColumn]) -> None:
    """One column of ``lists`` per column with choices, and the data sheet's drop-down."""
    listed = 0
    for index, column in enumerate(columns, 1):
        if not column.choices:
            continue
        listed += 1
        letter = get_column_letter(listed)
        lists.cell(row=1, column=listed, value=column.header).font = _BOLD
        for row, choice in enumerate(column.choices, 2):
            lists.cell(row=row, column=listed, value=choice)
        source = f"{quote_sheetname(lists.title)}!${letter}$2:${letter}${len(column.choices) + 1}"
        validation = DataValidation(type="list", formula1=source, allow_blank=not column.required)
        validation.error = gettext("Choose a value from the list.")
        validation.errorTitle = column.header
        validation.showErrorMessage = True
        target = get_column_letter(index)
        validation.add(f"{target}2:{target}{TEMPLATE_ROWS}")
        data.add_data_validation(validation)


def _write_notes(sheet, columns: Sequence[TemplateColumn], notes: Sequence[str]) -> None:
    sheet.append([gettext("Column"), gettext("Required"), gettext("What to write"), gettext("Accepted values")])
    for cell in sheet[1]:
        cell.font = _BOLD
    for column in columns:
        required = gettext("yes") if column.required else gettext("no")
        sheet.append([column.header, required, column.note, column.accepted()])
    if notes:
        sheet.append([])
        for note in notes:
            sheet.append([str(note)])
    for letter, width in zip("ABCD", (28, 10, 70, 45), strict=True):
        sheet.column_dimensions[letter].width = width
    for row in sheet.iter_rows(min_row=2):
        for cell in row:
            cell.alignment = _WRAP


def example_value(value: object, column: TemplateColumn) -> object:
    """An example cell as the workbook holds it: dates as dates."""
    if column.date and isinstance(value, str) and value:
        try:
            return datetime.date.fromisoformat(value)
        except ValueError:
            return value
    return value
