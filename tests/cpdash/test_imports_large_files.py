"""estimated_rows (which uploads go to a background job) and problem_sheet / write_sheet
(the uploaded sheet given back with a column of problems)."""

import csv
import io

import openpyxl
import tablib

from cpdash.exports import write_sheet
from cpdash.imports import RowProblem, estimated_rows, problem_sheet


def workbook(rows: int) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["code", "name"])
    for n in range(rows):
        sheet.append([f"F{n}", "x"])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_a_csv_counts_its_lines_under_the_header():
    assert estimated_rows(b"code,name\r\nF1,a\r\nF2,b\r\n", ".csv") == 2
    assert estimated_rows(b"", ".csv") == 0


def test_a_workbook_counts_its_declared_rows():
    assert estimated_rows(workbook(25), ".xlsx") == 25


def test_a_file_that_is_no_workbook_counts_nothing():
    assert estimated_rows(b"not a zip", ".xlsx") == 0


def test_the_problem_column_lists_each_rows_problems_by_column():
    dataset = tablib.Dataset(["F1", "a"], ["", ""], ["F3", "=bad"], headers=["code", "name"])
    problems = [
        RowProblem(None, "", "the file"),
        RowProblem(4, "name", "Too odd."),
        RowProblem(4, "", "Listed twice."),
    ]

    headers, rows = problem_sheet(dataset, problems)

    assert headers == ["code", "name", "problems"]
    assert list(rows) == [["F1", "a", ""], ["", "", ""], ["F3", "=bad", "name: Too odd.; Listed twice."]]


def test_write_sheet_escapes_formulas_in_csv_and_types_strings_in_xlsx():
    headers, rows = ["name"], [["=HYPERLINK(1)"], [12]]

    out = io.BytesIO()
    write_sheet(headers, rows, ".csv", out)
    text = out.getvalue().decode("utf-8")
    assert text.startswith("\ufeff")
    assert list(csv.reader(io.StringIO(text.lstrip("\ufeff")))) == [["name"], ["'=HYPERLINK(1)"], ["12"]]

    out = io.BytesIO()
    write_sheet(headers, rows, ".xlsx", out)
    sheet = openpyxl.load_workbook(out).active
    assert sheet["A2"].value == "=HYPERLINK(1)" and sheet["A2"].data_type == "s"
    assert sheet["A3"].value == 12


def test_blank_lines_do_not_count():
    """A CSV of blank lines stays in the request, where the guards refuse it at once."""
    assert estimated_rows(b"code,name\n" + b"\n" * 50 + b" , ;\n" * 50 + b"F1,a\n", ".csv") == 1


def test_a_workbook_declaring_more_than_the_limits_counts_nothing(settings):
    settings.IMPORT_MAX_ROWS = 10
    assert estimated_rows(workbook(25), ".xlsx") == 0
    settings.IMPORT_MAX_ROWS, settings.IMPORT_MAX_COLUMNS = 100, 1
    assert estimated_rows(workbook(25), ".xlsx") == 0
