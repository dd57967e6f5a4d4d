"""The readers' limits (cpdash.imports, docs/import.md "Limits"): each malicious
file is built here in a few bytes and refused with a message, before openpyxl
opens it or before a row is parsed, in the admin's facility and past-records
imports and in ``manage.py import_facilities`` alike.

Nothing is timed: each test shows instead that the work the file asked for is
never done (openpyxl never called, no row parsed, rows no longer read)."""

import io
import zipfile
from unittest import mock

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import override_settings
from django.urls import reverse
from openpyxl.worksheet._reader import WorkSheetParser

from cpdash.imports import CSVFormat, ImportFileError, XLSXFormat, _tabulate
from tests.facilities.conftest import csv_bytes, rows_of, xlsx_bytes

MAIN_NS = b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'


def workbook_with_sheet(sheet_xml: bytes) -> bytes:
    """A real workbook whose first sheet's XML is ``sheet_xml`` (deflated)."""
    book = openpyxl.Workbook()
    book.active.append(["code", "name"])
    original = io.BytesIO()
    book.save(original)
    source = zipfile.ZipFile(original)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for member in source.infolist():
            is_sheet = member.filename == "xl/worksheets/sheet1.xml"
            archive.writestr(member.filename, sheet_xml if is_sheet else source.read(member.filename))
    return out.getvalue()


def sheet(dimension: str | None, rows: list[tuple[int, list[str]]]) -> bytes:
    """Sheet XML declaring ``dimension`` (None: no <dimension>), with inline-string cells."""
    xml = [MAIN_NS]
    if dimension:
        xml.append(f'<dimension ref="{dimension}"/>'.encode())
    xml.append(b"<sheetData>")
    for number, values in rows:
        cells = "".join(
            f'<c r="{openpyxl.utils.get_column_letter(i)}{number}" t="inlineStr"><is><t>{v}</t></is></c>'
            for i, v in enumerate(values, start=1)
        )
        xml.append(f'<row r="{number}">{cells}</row>'.encode())
    xml.append(b"</sheetData></worksheet>")
    return b"".join(xml)


#: The trial's attack: the whole sheet declared, and one cell in its last row.
WHOLE_SHEET = workbook_with_sheet(sheet("A1:XFD1048576", [(1, ["code", "name"]), (1048576, ["F1", "x"])]))


def zip_bomb(unpacked: int) -> bytes:
    """A workbook whose sheet is ``unpacked`` bytes of zeros inside one cell."""
    return workbook_with_sheet(sheet(None, [(1, ["code", "0" * unpacked])]))


@pytest.fixture
def no_row_parsed():
    """Fails the test if openpyxl parses a row of any sheet."""
    with mock.patch.object(WorkSheetParser, "parse", side_effect=AssertionError("a row was parsed")) as parse:
        yield parse


@pytest.fixture
def never_opened():
    """Fails the test if openpyxl opens the workbook."""
    with mock.patch("openpyxl.load_workbook", side_effect=AssertionError("openpyxl opened it")) as load:
        yield load


# --- XLSX: the zip ------------------------------------------------------------------------------


def test_zip_bomb_is_refused_before_openpyxl_opens_it(never_opened):
    data = zip_bomb(2 * 2**20)
    assert len(data) < 20_000  # 2 MB of zeros pack into a few kilobytes

    with pytest.raises(ImportFileError, match="unpacks to more than 100 times its size"):
        XLSXFormat().create_dataset(data)
    never_opened.assert_not_called()


@override_settings(IMPORT_MAX_UNPACKED_SIZE=2**20, IMPORT_MAX_COMPRESSION_RATIO=10**6)
def test_workbook_unpacking_beyond_the_limit_is_refused_before_openpyxl_opens_it(never_opened):
    with pytest.raises(ImportFileError, match=r"The workbook unpacks to 2 MB; at most 1 MB can be read\."):
        XLSXFormat().create_dataset(zip_bomb(2 * 2**20))
    never_opened.assert_not_called()


def test_a_real_workbook_passes_the_zip_checks():
    dataset = XLSXFormat().create_dataset(xlsx_bytes(rows_of(3)))

    assert len(dataset) == 3


def test_bytes_that_are_not_a_zip_are_not_a_workbook(never_opened):
    with pytest.raises(ImportFileError, match=r"not an Excel workbook \(\.xlsx\)"):
        XLSXFormat().create_dataset(b"PK\x03\x04 but not really")


# --- XLSX: the sheet's declared dimension ---------------------------------------------------------


def test_whole_sheet_dimension_is_refused_before_any_row_is_parsed(no_row_parsed):
    assert len(WHOLE_SHEET) < 10_000

    with pytest.raises(ImportFileError) as refused:
        XLSXFormat().create_dataset(WHOLE_SHEET)

    assert str(refused.value) == (
        "The sheet declares 1,048,575 rows under its header and 16,384 columns; at most 1,000,000 rows and "
        "100 columns can be read. Delete the unused rows and columns in Excel, save it and upload it again."
    )
    no_row_parsed.assert_not_called()


@override_settings(IMPORT_MAX_ROWS=10)
def test_dimension_with_more_rows_than_the_limit_is_refused(no_row_parsed):
    data = workbook_with_sheet(sheet("A1:B12", [(1, ["code", "name"]), (12, ["F1", "x"])]))

    with pytest.raises(ImportFileError, match="declares 11 rows under its header and 2 columns; at most 10 rows"):
        XLSXFormat().create_dataset(data)
    no_row_parsed.assert_not_called()


@override_settings(IMPORT_MAX_ROWS=11)
def test_dimension_within_the_limits_is_read():
    data = workbook_with_sheet(sheet("A1:B12", [(1, ["code", "name"]), (12, ["F1", "x"])]))

    dataset = XLSXFormat().create_dataset(data)

    assert len(dataset) == 11  # rows 2-11 blank, then row 12
    assert dataset[-1] == ("F1", "x")


def test_only_the_headers_columns_are_read():
    """A sheet declaring 100 columns, with a value in the last: only the header's
    two columns are asked of openpyxl, so the far value is never read."""
    far = ["F1", "x", *[""] * 97, "far away"]
    data = workbook_with_sheet(sheet("A1:CV2", [(1, ["code", "name"]), (2, far)]))

    with mock.patch.object(
        openpyxl.worksheet._read_only.ReadOnlyWorksheet,
        "_get_row",
        autospec=True,
        side_effect=openpyxl.worksheet._read_only.ReadOnlyWorksheet._get_row,
    ) as get_row:
        dataset = XLSXFormat().create_dataset(data)

    assert dataset.headers == ["code", "name"]
    assert list(dataset) == [("F1", "x")]
    # _get_row(self, row, min_col, max_col, values_only): the header row is read
    # up to IMPORT_MAX_COLUMNS + 1, the data row up to the header's width.
    assert [call.args[3] for call in get_row.call_args_list] == [101, 2]


def test_header_wider_than_the_limit_is_refused():
    data = workbook_with_sheet(sheet(None, [(1, [f"c{i}" for i in range(101)])]))

    with pytest.raises(ImportFileError, match="more than 100 columns"):
        XLSXFormat().create_dataset(data)


# --- Rows, blank rows and cells, both formats ----------------------------------------------------


def counted(rows):
    """``rows`` as a generator that counts how many were taken (``counted.taken``)."""

    def generate():
        for row in rows:
            generate.taken += 1
            yield row

    generate.taken = 0
    return generate


def test_blank_rows_stop_reading_at_the_limit():
    rows = counted([[]] * 1_000_000 + [["F1", "x"]])

    with pytest.raises(ImportFileError, match=r"more than 10,000 blank rows \(row 10002 is one more\)"):
        _tabulate(["code", "name"], rows())

    assert rows.taken == 10_001  # the other 989,999 rows were never read


def test_a_million_blank_csv_lines_are_refused():
    """The trial's 1 MB CSV of a million blank lines."""
    data = b"code,name\n" + b"\n" * 1_000_000 + b"F1,x\n"

    with pytest.raises(ImportFileError, match="more than 10,000 blank rows"):
        CSVFormat().create_dataset(data)


def test_rows_missing_before_a_far_row_count_as_blank_rows():
    """No dimension declared, and one row a million rows down: openpyxl hands
    over a million empty rows; the reader stops at the blank-row limit."""
    data = workbook_with_sheet(sheet(None, [(1, ["code", "name"]), (1048576, ["F1", "x"])]))

    with pytest.raises(ImportFileError, match="more than 10,000 blank rows"):
        XLSXFormat().create_dataset(data)


@override_settings(IMPORT_MAX_ROWS=3)
def test_row_limit_counts_blank_rows_and_stops_reading():
    rows = counted([["F1", "x"], [], [""], ["F4", "y"], ["F5", "z"]])

    with pytest.raises(ImportFileError, match="more than 3 rows under its header"):
        _tabulate(["code", "name"], rows())

    assert rows.taken == 4


@override_settings(IMPORT_MAX_ROWS=3)
def test_row_limit_is_inclusive():
    dataset = CSVFormat().create_dataset(b"code,name\nF1,x\n\nF3,y\n")

    assert len(dataset) == 3


def test_long_cell_is_refused_with_its_row_and_column():
    data = b"code,name\nF1,x\nF2," + b"y" * 40_000 + b"\n"

    with pytest.raises(ImportFileError) as refused:
        CSVFormat().create_dataset(data)

    assert str(refused.value) == (
        "Row 3, column 2 holds 40,000 characters; a cell may hold at most 32,767. Check that the file is the right one."
    )


def test_cell_beyond_the_csv_modules_limit_is_refused():
    data = b"code,name\nF1,x\nF2," + b"y" * 200_000 + b"\n"

    with pytest.raises(ImportFileError, match="Line 3 cannot be read: it holds a cell longer than 32,767 characters"):
        CSVFormat().create_dataset(data)


@override_settings(IMPORT_MAX_CELL_LENGTH=10)
def test_long_cell_in_a_workbook_is_refused():
    data = workbook_with_sheet(sheet(None, [(1, ["code", "name"]), (2, ["F1", "eleven char"])]))

    with pytest.raises(ImportFileError, match="Row 2, column 2 holds 11 characters; a cell may hold at most 10"):
        XLSXFormat().create_dataset(data)


def test_csv_header_wider_than_the_limit_is_refused():
    with pytest.raises(ImportFileError, match="more than 100 columns"):
        CSVFormat().create_dataset(",".join(f"c{i}" for i in range(101)).encode() + b"\n")


def test_messages_are_translated():
    from django.utils import translation

    with translation.override("vi"), pytest.raises(ImportFileError) as refused:
        CSVFormat().create_dataset(b"code,name\n" + b"\n" * 20_000 + b"F1,x\n")

    assert str(refused.value).startswith("Tệp có hơn 10.000 dòng trống (dòng 10002 là dòng vượt quá).")


# --- Where the messages are shown ---------------------------------------------------------------


def upload(client, url_name: str, data: bytes, name: str, file_format: str):
    file = SimpleUploadedFile(name, data)
    return client.post(reverse(url_name), {"import_file": file, "format": file_format, "resource": "0"})


@pytest.mark.parametrize(
    "url_name", ["admin:facilities_facility_import", "admin:programmes_specialist_import"], ids=["facility", "records"]
)
def test_admin_shows_the_refusal_beside_the_file_field(admin_client, url_name, no_row_parsed):
    response = upload(admin_client, url_name, WHOLE_SHEET, "list.xlsx", "1")

    assert response.status_code == 200
    assert "confirm_form" not in response.context
    errors = response.context["form"].errors["import_file"]
    assert errors == [
        "The sheet declares 1,048,575 rows under its header and 16,384 columns; at most 1,000,000 rows and "
        "100 columns can be read. Delete the unused rows and columns in Excel, save it and upload it again."
    ]


def test_admin_refuses_a_csv_of_blank_lines(admin_client):
    data = csv_bytes(rows_of(1)).replace(b"\r\n", b"\n", 1).replace(b"\n", b"\n" + b"\n" * 20_000, 1)

    response = upload(admin_client, "admin:facilities_facility_import", data, "list.csv", "0")

    assert "more than 10,000 blank rows" in response.context["form"].errors["import_file"][0]


def test_command_refuses_with_the_message(db, tmp_path, never_opened):
    path = tmp_path / "bomb.xlsx"
    path.write_bytes(zip_bomb(2 * 2**20))

    with pytest.raises(CommandError, match="unpacks to more than 100 times its size"):
        call_command("import_facilities", str(path), stdout=io.StringIO(), stderr=io.StringIO())
    never_opened.assert_not_called()
