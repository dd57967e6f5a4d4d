"""The facility tables and their exports: what a cell shows, what it exports,
and formula injection escaped (cpdash/exports.py)."""

import csv
import datetime as dt
import io

import openpyxl
import pytest

from cpdash.exports import SafeTableExport, escape_formula, escape_row, export_format, unescape_formula
from targets.facility_filters import facility_register, reach_next, with_status
from targets.facility_tables import FacilityTable, ReachNextTable
from tests import builders as b

D = dt.date(2015, 12, 31)

HEADERS = [
    "Code",
    "Name",
    "Sector",
    "Administrative unit",
    "Production area",
    "Kind",
    "Employees",
    "Aware since",
    "Applying since",
    "Status",
]


# --- Escaping (no database) ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ('=HYPERLINK("http://x")', '\'=HYPERLINK("http://x")'),
        ("+1+2", "'+1+2"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("Bát Tràng", "Bát Tràng"),
        ("a=b", "a=b"),
        ("'=1", "''=1"),  # a real leading apostrophe survives export and import
        ("'abc", "'abc"),
        ("", ""),
        (-5, -5),
        (2.5, 2.5),
        (None, None),
        (D, D),
    ],
)
def test_escape_formula(value, expected):
    assert escape_formula(value) == expected


@pytest.mark.parametrize(
    "text", ["=1+1", "+84", "-Dệt may", "@x", "'=1", "''@x", "'abc", "a'=b", "Bát Tràng", "'", "''", ""]
)
def test_unescape_formula_undoes_escape_formula_exactly(text):
    assert unescape_formula(escape_formula(text)) == text


@pytest.mark.parametrize(("text", "expected"), [("'=1", "=1"), ("''=1", "'=1"), ("'abc", "'abc"), ("=1", "=1")])
def test_unescape_formula_takes_off_one_escaping_apostrophe(text, expected):
    assert unescape_formula(text) == expected


def test_escape_row():
    assert escape_row(["=1", 2, None, "x"]) == ["'=1", 2, None, "x"]


@pytest.mark.parametrize(
    ("params", "expected"),
    [({"_export": "csv"}, "csv"), ({"_export": "xlsx"}, "xlsx"), ({"_export": "json"}, None), ({}, None)],
)
def test_export_format(params, expected):
    assert export_format(params) == expected


# --- Tables -----------------------------------------------------------------------------------------


def register_table() -> FacilityTable:
    return FacilityTable(with_status(facility_register(), D))


def csv_rows(content: bytes) -> list[list[str]]:
    assert content.startswith(b"\xef\xbb\xbf"), "CSV starts with a UTF-8 byte-order mark"
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))


def xlsx_rows(content: bytes) -> list[list[object]]:
    sheet = openpyxl.load_workbook(io.BytesIO(content)).active
    return [list(row) for row in sheet.iter_rows(values_only=True)]


@pytest.mark.django_db
class TestFacilityTable:
    def test_cells(self):
        area = b.area("Bát Tràng")
        aware = b.facility(code="A1", name="Xưởng gốm", area=area, employees=12, kind="household")
        b.facility(code="B2", name="Chưa gặp")
        b.solution(aware, implemented_on=dt.date(2014, 4, 2))
        rows = {row.record.code: row for row in register_table().rows}
        assert str(rows["A1"].get_cell("area")) == "Bát Tràng"
        assert rows["A1"].get_cell("kind") == "craft household"
        assert rows["A1"].get_cell("aware_since") == "02/04/2014"  # day first
        assert rows["A1"].get_cell("applying_since") == "02/04/2014"  # day first
        assert rows["A1"].get_cell("status") == "applying"
        # Never reached: empty "since" dates (queries.NEVER is not shown).
        assert rows["B2"].get_cell("aware_since") == "—"
        assert rows["B2"].get_cell("area") == "—"
        assert rows["B2"].get_cell("status") == "never reached"

    def test_code_links_to_the_facility_page(self):
        b.facility(code="0101234567")
        html = register_table().rows[0].get_cell("code")
        assert 'href="/facilities/0101234567/"' in html

    def test_values_for_export(self):
        facility = b.facility(code="A1", name="Xưởng gốm", employees=12)
        b.activity([facility], held_on=dt.date(2014, 5, 1))
        values = list(register_table().as_values())
        assert values[0] == HEADERS
        assert values[1][0:2] == ["A1", "Xưởng gốm"]
        assert values[1][6:] == [12, dt.date(2014, 5, 1), None, "aware"]

    def test_csv_and_xlsx_escape_formulas(self):
        sector = b.sector("-Dệt may")
        names = ['=HYPERLINK("http://evil","x")', "+84 Bát Tràng", "@SUM(1)", "\tTab", "Plain name"]
        for i, name in enumerate(names):
            b.facility(code=f"F{i}", name=name, sector=sector, employees=5)
        csv_out = csv_rows(SafeTableExport("csv", register_table()).export().encode("utf-8"))
        assert [row[1] for row in csv_out[1:]] == ["'" + n for n in names[:4]] + ["Plain name"]
        assert {row[2] for row in csv_out[1:]} == {"'-Dệt may"}
        assert {row[6] for row in csv_out[1:]} == {"5"}

        # XLSX: the names as they are, each in a cell typed as a string (never a formula)
        xlsx_out = xlsx_rows(SafeTableExport("xlsx", register_table()).export())
        assert xlsx_out[0] == HEADERS
        assert [row[1] for row in xlsx_out[1:]] == names
        assert {row[2] for row in xlsx_out[1:]} == {"-Dệt may"}
        assert {row[6] for row in xlsx_out[1:]} == {5}
        sheet = openpyxl.load_workbook(io.BytesIO(SafeTableExport("xlsx", register_table()).export())).active
        assert all(cell.data_type != "f" for row in sheet.iter_rows() for cell in row)
        assert {cell.data_type for cell in sheet["B"][1:]} == {"s"}

    def test_xlsx_dates_are_dates(self):
        facility = b.facility(code="A1")
        b.activity([facility], held_on=dt.date(2014, 5, 1))
        row = xlsx_rows(SafeTableExport("xlsx", register_table()).export())[1]
        assert row[7] == dt.datetime(2014, 5, 1)
        assert row[8] is None


@pytest.mark.django_db
class TestReachNextTable:
    def test_coverages_shown_not_exported(self):
        sector = b.sector("Cơ khí")
        reached, waiting = b.facility(code="A1", sector=sector), b.facility(code="B2", sector=sector, employees=7)
        b.activity([reached], held_on=dt.date(2014, 5, 1))
        table = ReachNextTable(reach_next(as_of=D))
        [row] = table.rows
        assert row.record == waiting
        assert row.get_cell("sector_coverage") == "50.0%"
        assert list(table.as_values()) == [
            ["Code", "Name", "Sector", "Administrative unit", "Production area", "Kind", "Employees"],
            ["B2", waiting.name, "Cơ khí", waiting.unit.name, None, "enterprise", 7],
        ]
