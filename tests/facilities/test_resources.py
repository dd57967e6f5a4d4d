"""FacilityResource and the file formats: what is read, what is refused, what is written."""

import codecs
import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from cpdash import database as db
from facilities.models import AdministrativeUnit, Facility, UnitMembership
from facilities.resources import (
    COLUMNS,
    FacilityCSV,
    FacilityFileError,
    FacilityResource,
    FacilityXLSX,
    template_dataset,
)
from programmes.models import FacilityPathway
from tests import builders
from tests.facilities.conftest import csv_bytes, good_row, problems, rows_of, run_import, xlsx_bytes


@pytest.fixture
def existing(register) -> Facility:
    """A facility already in the register, which the bad-file tests must leave alone."""
    run_import(csv_bytes([good_row("OLD1", name="Old name")]))
    return Facility.objects.get()


def test_good_csv_creates_facilities(register):
    rows = [
        good_row("F1"),
        good_row(
            "F2",
            sector="Cơ khí",
            unit="Đông Anh",
            production_area="",
            area_type="",
            kind="",
            employees="",
            opened_on="",
            in_scope="",
        ),
    ]
    result = run_import(csv_bytes(rows))

    assert problems(result) == []
    assert result.totals["new"] == 2
    f1, f2 = Facility.objects.order_by("code")
    assert (f1.name, f1.sector.name, f1.unit.name, f1.area.name) == ("Cơ sở F1", "Gốm sứ", "Gia Lâm", "Bát Tràng")
    assert (f1.kind, f1.employees, f1.opened_on, f1.in_scope) == ("household", 12, dt.date(2010, 3, 15), True)
    assert f1.search_text == "f1 co so f1"
    assert (f2.area, f2.kind, f2.employees, f2.opened_on, f2.in_scope) == (None, "enterprise", None, None, True)


def test_names_and_values_match_without_diacritics(register):
    row = good_row(
        "F1",
        sector="gom su",
        unit="GIA LAM",
        production_area="bat  trang",
        area_type="làng nghề",
        kind="hộ gia đình",
        opened_on="01/02/2011",
        closed_on="2012-12-31",
        in_scope="Không",
    )
    result = run_import(csv_bytes([row]))

    assert problems(result) == []
    facility = Facility.objects.get()
    assert (facility.sector.name, facility.unit.name, facility.area.name) == ("Gốm sứ", "Gia Lâm", "Bát Tràng")
    assert (facility.kind, facility.in_scope) == ("household", False)
    assert (facility.opened_on, facility.closed_on) == (dt.date(2011, 2, 1), dt.date(2012, 12, 31))


def test_exact_name_wins_over_a_folded_twin(register):
    builders.unit("Gia Lam")  # folds like "Gia Lâm"
    assert problems(run_import(csv_bytes([good_row("F1", unit="Gia Lâm")]))) == []
    assert Facility.objects.get().unit.name == "Gia Lâm"

    result = run_import(csv_bytes([good_row("F2", unit="gia lầm")]))
    assert problems(result) == [(2, "unit", "“gia lầm” matches “Gia Lam”, “Gia Lâm”: write it with its diacritics.")]


@pytest.mark.parametrize(
    ("overrides", "column", "message"),
    [
        ({"sector": "Hóa chất"}, "sector", "Unknown sector “Hóa chất”."),
        ({"unit": "Quận 1"}, "unit", "Unknown administrative unit “Quận 1”."),
        ({"production_area": "Vạn Phúc"}, "production_area", "Unknown production area “Vạn Phúc”."),
        ({"opened_on": "31/02/2014"}, "opened_on", "“31/02/2014” is not a date: write YYYY-MM-DD or DD/MM/YYYY."),
        ({"closed_on": "2014-13-01"}, "closed_on", "“2014-13-01” is not a date: write YYYY-MM-DD or DD/MM/YYYY."),
        ({"name": "  "}, "name", "Missing name."),
        ({"code": ""}, "code", "Missing code."),
        ({"sector": ""}, "sector", "Missing sector."),
        ({"unit": ""}, "unit", "Missing administrative unit."),
        ({"closed_on": "14/03/2010"}, "closed_on", "Closed on 14/03/2010, before it opened on 15/03/2010."),
        ({"kind": "company"}, "kind", "Unknown kind “company”: use enterprise, cooperative or household."),
        ({"employees": "12.5"}, "employees", "“12.5” is not a whole number."),
        ({"employees": "-3"}, "employees", "“-3” is negative: write zero or more."),
        ({"in_scope": "maybe"}, "in_scope", "“maybe” is not yes or no."),
        ({"code": "X" * 21}, "code", "Ensure this value has at most 20 characters (it has 21)."),
        ({"name": "N" * 256}, "name", "Ensure this value has at most 255 characters (it has 256)."),
        (
            {"area_type": "kcn"},
            "area_type",
            "“Bát Tràng” has the area type craft village (làng nghề), not industrial zone (KCN).",
        ),
        ({"production_area": ""}, "area_type", "An area type needs a production area."),
        (
            {"area_type": "park"},
            "area_type",
            "Unknown area type “park”: use industrial_zone, industrial_cluster or craft_village.",
        ),
    ],
)
def test_bad_row_is_reported_and_nothing_is_written(existing, overrides, column, message):
    rows = [good_row("OLD1", name="New name"), {**good_row("F2"), **overrides}, good_row("F3")]

    result = run_import(csv_bytes(rows))

    assert problems(result) == [(3, column, message)]
    assert Facility.objects.count() == 1
    assert Facility.objects.get().name == "Old name"


def test_duplicate_code_names_the_first_row(existing):
    rows = [good_row("F1"), good_row("F2"), good_row("F1", name="Other"), good_row("F1")]

    result = run_import(csv_bytes(rows))

    message = "Code “F1” is also in row 2: list each facility once."
    assert problems(result) == [(4, "code", message), (5, "code", message)]
    assert Facility.objects.count() == 1


def test_every_bad_row_and_every_bad_cell_is_reported(register):
    rows = [good_row("F1", sector="X", opened_on="soon"), good_row("F2"), good_row("F3", unit="Y")]

    result = run_import(csv_bytes(rows))

    assert [(row, column) for row, column, _ in problems(result)] == [(2, "sector"), (2, "opened_on"), (4, "unit")]
    assert not Facility.objects.exists()


def test_dry_run_writes_nothing(register):
    result = run_import(csv_bytes(rows_of(3)), dry_run=True)

    assert result.totals["new"] == 3
    assert not Facility.objects.exists()


def test_reimport_updates_by_code_without_duplicates(register):
    run_import(csv_bytes(rows_of(3)))
    changed = rows_of(3)
    changed[1].update(name="Renamed", unit="Đông Anh", production_area="Thăng Long", area_type="kcn")

    result = run_import(csv_bytes([*changed, good_row("F00004")]))

    assert problems(result) == []
    assert (result.totals["new"], result.totals["update"], result.totals["skip"]) == (1, 1, 2)
    assert Facility.objects.count() == 4
    renamed = Facility.objects.get(code="F00002")
    assert (renamed.name, renamed.unit.name, renamed.area.name) == ("Renamed", "Đông Anh", "Thăng Long")
    assert renamed.search_text == "f00002 renamed"


def test_rows_changing_different_columns_are_all_written(register):
    run_import(csv_bytes(rows_of(2)))
    first, second = rows_of(2)

    run_import(csv_bytes([dict(first, name="Renamed"), dict(second, employees="40", in_scope="no")]))

    assert Facility.objects.get(code="F00001").name == "Renamed"
    assert Facility.objects.get(code="F00002").employees == 40
    assert Facility.objects.get(code="F00002").in_scope is False


def test_bad_row_after_a_written_batch_still_writes_nothing(register):
    """Batches of 1,000 are written as rows are read; a later bad row rolls them back."""
    rows = [*rows_of(1050), good_row("F99999", sector="X")]

    result = run_import(csv_bytes(rows))

    assert problems(result) == [(1052, "sector", "Unknown sector “X”.")]
    assert not Facility.objects.exists()


def test_columns_left_out_keep_their_values_on_update(register):
    run_import(csv_bytes([good_row("F1")]))
    header = ("code", "name", "sector", "unit")

    result = run_import(csv_bytes([good_row("F1", name="Renamed")], header=header))

    assert problems(result) == []
    facility = Facility.objects.get()
    assert (facility.name, facility.employees, facility.area.name) == ("Renamed", 12, "Bát Tràng")


def test_blank_rows_are_skipped_and_row_numbers_stay_those_of_the_file(register):
    second = csv_bytes([good_row("F2", sector="X")]).split(b"\r\n", 1)[1]  # without its header
    data = csv_bytes([good_row("F1")]) + b"\r\n" + b",,,,,,,,,,\r\n" + second  # rows 3 and 4 blank

    result = run_import(data)

    assert problems(result) == [(5, "sector", "Unknown sector “X”.")]


def test_headers_are_read_loosely(register):
    header = ["Code", " NAME ", "Sector", "Unit", "Opened on"]
    row = {"Code": "F1", " NAME ": "N", "Sector": "Gốm sứ", "Unit": "Gia Lâm", "Opened on": "2010-01-01"}

    assert problems(run_import(csv_bytes([row], header=header))) == []
    assert Facility.objects.get().opened_on == dt.date(2010, 1, 1)


def test_missing_and_unknown_columns_stop_the_file(register):
    header = ("code", "name", "unit", "opened")

    result = run_import(csv_bytes([{"code": "F1", "name": "N", "unit": "Gia Lâm"}], header=header))

    assert problems(result) == [
        (
            None,
            "",
            "Missing column(s): sector. Unknown column(s): opened. The columns are: " + ", ".join(COLUMNS) + ".",
        )
    ]
    assert not Facility.objects.exists()


def test_semicolon_separated_csv_is_read(register):
    data = csv_bytes([good_row("F1")]).decode().replace(",", ";").encode()

    assert problems(run_import(data)) == []
    assert Facility.objects.get().name == "Cơ sở F1"


@pytest.mark.parametrize(
    "encode",
    [
        lambda text: text.encode("utf-8"),
        lambda text: codecs.BOM_UTF8 + text.encode("utf-8"),
        lambda text: text.encode("utf-16"),  # with its BOM, as Excel's "Unicode text" writes
    ],
    ids=["utf-8", "utf-8-bom", "utf-16"],
)
def test_unicode_encodings_are_decoded(register, encode):
    text = csv_bytes([good_row("F1", unit="Đông Anh", production_area="Thăng Long", area_type="kcn")]).decode()

    assert problems(run_import(encode(text))) == []
    assert Facility.objects.get().unit.name == "Đông Anh"


@pytest.mark.parametrize("encoding", ["cp1252"])
def test_legacy_encodings_are_refused_with_a_clear_message(register, encoding):
    # "ü" is no Vietnamese letter, so this is not read as Windows-1258 either
    # (which is decoded: tests/cpdash/test_bad_input_imports.py).
    name = "Müller Hanoi"
    row = good_row("F1", name=name, sector="Gom su", unit="Gia Lam", production_area="Bat Trang")
    data = csv_bytes([row]).decode().encode(encoding)

    with pytest.raises(FacilityFileError, match=r"not UTF-8 text .*line 2.*CSV UTF-8"):
        FacilityCSV().create_dataset(data)


def test_workbook_uploaded_as_csv_is_refused(register):
    with pytest.raises(FacilityFileError, match="Excel workbook"):
        FacilityCSV().create_dataset(xlsx_bytes([good_row()]))
    with pytest.raises(FacilityFileError, match="not an Excel workbook"):
        FacilityXLSX().create_dataset(csv_bytes([good_row()]))


def test_row_longer_than_the_header_is_refused(register):
    longer = ["F2", "Name", "G", "U", *[""] * (len(COLUMNS) - 4), "extra"]
    data = csv_bytes([good_row("F1")]) + ",".join(longer).encode() + b"\n"

    with pytest.raises(FacilityFileError, match="Row 3 has more cells than the header row"):
        FacilityCSV().create_dataset(data)


def test_xlsx_with_date_number_and_boolean_cells(register):
    row = good_row(
        101234567.0, employees=12.0, opened_on=dt.datetime(2010, 3, 15), closed_on=dt.date(2015, 1, 1), in_scope=False
    )
    result = run_import(xlsx_bytes([row, {}, good_row("F2", opened_on="15/03/2010")]), fmt=FacilityXLSX)

    assert problems(result) == []
    facility = Facility.objects.get(code="101234567")
    assert (facility.employees, facility.opened_on, facility.closed_on) == (
        12,
        dt.date(2010, 3, 15),
        dt.date(2015, 1, 1),
    )
    assert facility.in_scope is False
    assert Facility.objects.get(code="F2").opened_on == dt.date(2010, 3, 15)


def test_xlsx_bad_row_numbers_are_spreadsheet_rows(register):
    result = run_import(xlsx_bytes([good_row("F1"), good_row("F2", opened_on=41000)]), fmt=FacilityXLSX)

    assert problems(result) == [(3, "opened_on", "“41000” is not a date: write YYYY-MM-DD or DD/MM/YYYY.")]


def test_template_example_imports(register):
    data = ("\ufeff" + template_dataset().export("csv")).encode()

    assert problems(run_import(data)) == []
    assert Facility.objects.count() == 2  # the workbook's two examples
    assert Facility.objects.get(code="0101234567").area.name == "Bát Tràng"


def test_the_csv_template_in_vietnamese_imports_after_the_2025_reform(register):
    """Gia Lâm district ended on 2025-06-30: the example names the ward of today that holds its
    name, and the headers are the page's Vietnamese ones, which the import reads back."""
    AdministrativeUnit.objects.filter(name="Gia Lâm").update(valid_until=dt.date(2025, 6, 30))
    builders.unit("Xã Gia Lâm", kind=AdministrativeUnit.Kind.COMMUNE, valid_from=dt.date(2025, 7, 1))
    with translation.override("vi"):
        data = ("\ufeff" + template_dataset().export("csv")).encode()
        assert data.decode("utf-8-sig").startswith("Mã,Tên cơ sở,Ngành,Đơn vị hành chính")
        assert ",hộ sản xuất,12,2010-03-15,,có," in data.decode("utf-8-sig")  # the values in Vietnamese too
        assert problems(run_import(data)) == []
    assert Facility.objects.get(code="0101234567").unit.name == "Xã Gia Lâm"


def _statements_to_import(rows: list[dict]) -> list[str]:
    """First word of each SQL statement run, savepoints left out."""
    with CaptureQueriesContext(connection) as queries:
        result = run_import(csv_bytes(rows))
    assert problems(result) == []
    words = [q["sql"].split()[0] for q in queries.captured_queries]
    return [w for w in words if w not in {"SAVEPOINT", "RELEASE"}]


@pytest.mark.parametrize("count", [10, 50])
def test_query_count_does_not_grow_with_rows(register, count):
    """Sectors, units with their successors and predecessors, areas; the facility import lock
    (PostgreSQL) and the new register version (its number, its row); then per chunk of rows (2,000): existing codes, one
    INSERT (or UPDATE) of the facilities, one INSERT of the version's change rows (for new
    facilities an INSERT … SELECT, right after them), one INSERT … SELECT of their history
    entries, their unit memberships (new: the units formed from one other, one SELECT, then one
    INSERT, and where a unit was, one UPDATE and one INSERT of where its facilities were
    before; moved (unit or area changed): one UPDATE ending those that moved, one correcting
    the others: facilities/membership.py)
    and their pathway rows (facilities_written: new, one INSERT; a field the pathway copies
    changed, one UPDATE and one SELECT of the memberships without a row yet; only names,
    none); last, the version's counts. PostgreSQL writes new rows with COPY, their ids
    drawn first from the sequence (the change rows, which nothing refers to, numbered by
    their table)."""
    postgres = connection.vendor == "postgresql"
    lock = ["SELECT"] if postgres else []
    begin = [*["SELECT"] * 5, *lock, "SELECT", "INSERT", "SELECT"]
    insert = ["SELECT", "COPY"] if postgres else ["INSERT"]
    log = ["COPY"] if postgres else ["INSERT"]

    changed = [dict(row, name="changed") for row in rows_of(count)]
    kind = [dict(row, kind="enterprise") for row in changed]
    moved = [dict(row, unit="Đông Anh", production_area="Thăng Long", area_type="industrial_zone") for row in kind]

    new = [*insert, "INSERT", "INSERT", "SELECT", "INSERT", "INSERT"]
    assert _statements_to_import(rows_of(count)) == [*begin, *new, "UPDATE"]
    # Names alone: the facilities, their history, their change rows; no membership, no pathway.
    assert _statements_to_import(changed) == [*begin, "UPDATE", "INSERT", *log, "UPDATE"]
    pathway = ["UPDATE", "SELECT"]
    assert _statements_to_import(kind) == [*begin, "UPDATE", "INSERT", *pathway, *log, "UPDATE"]
    # Moved: memberships ended, new ones from the list's day, the rest corrected; the pathway
    # rows updated, and the moved facilities' new rows written from their records (refresh).
    memberships, refresh = ["UPDATE", "INSERT", "UPDATE"], ["DELETE", "DELETE", "DELETE", "INSERT", "SELECT"]
    moves = [*memberships, *pathway, *refresh]
    assert _statements_to_import(moved) == [*begin, "UPDATE", "INSERT", *moves, *log, "UPDATE"]
    # Unchanged rows are skipped, not written: the version alone says they were imported.
    assert _statements_to_import(moved) == [*begin, "UPDATE"]


@pytest.mark.slow
def test_five_thousand_rows(register):
    """A file of three chunks imports whole (its speed is measured by make bench, not here;
    its statements per chunk by test_query_count_does_not_grow_with_rows)."""
    result = run_import(csv_bytes(rows_of(5000)))

    assert problems(result) == []
    assert Facility.objects.count() == 5000
    assert FacilityPathway.objects.count() == UnitMembership.objects.count() == 5000


# --- Planner statistics after a large import ------------------------------------------------------


@pytest.mark.skipif(connection.vendor != "postgresql", reason="ANALYZE is PostgreSQL's (a no-op on SQLite)")
@pytest.mark.parametrize(("rows", "dry_run", "analysed"), [(3, False, True), (2, False, False), (3, True, False)])
def test_a_large_import_analyses_the_tables_it_wrote(register, monkeypatch, rows, dry_run, analysed):
    monkeypatch.setattr(db, "ANALYZE_THRESHOLD", 3)
    with CaptureQueriesContext(connection) as queries:
        result = run_import(csv_bytes(rows_of(rows)), dry_run=dry_run)
    assert not result.has_errors() and not result.has_validation_errors()
    statements = [q["sql"] for q in queries.captured_queries if q["sql"].startswith("ANALYZE")]
    tables = f'"{Facility._meta.db_table}", "{Facility.history.model._meta.db_table}"'
    assert statements == ([f"ANALYZE {tables}"] if analysed else [])


@pytest.mark.parametrize("dry_run", [False, True])
def test_a_confirmed_import_says_what_it_does_after_its_last_row(register, dry_run):
    """What a background job's page shows once every row is read (jobs.progress.Progress.phase):
    the commit's checks, then the statistics; a check (dry run) writes and says nothing."""
    said = []
    dataset = FacilityCSV().create_dataset(csv_bytes([good_row("F1"), good_row("F2")]))
    result = FacilityResource(phase=said.append).import_data(dataset, dry_run=dry_run)
    assert not result.has_validation_errors()
    expected = ["Finishing: checking and saving what was written", "Finishing: updating the database statistics"]
    assert said == ([] if dry_run else expected)
