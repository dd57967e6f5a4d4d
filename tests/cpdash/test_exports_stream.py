"""The list exports are streamed from plain values (cpdash.exports) and come out as
django-tables2 rendered them cell by cell (SafeTableExport, the reference): the same
bytes of CSV, the same cells of XLSX, in English and Vietnamese, for every list
(the register, who to reach next, surveys, activities, solutions).

Also: the CSV's first bytes leave before any query and the rest in chunks; its row
count is the filtered queryset's; the XLSX is written in write-only mode; on
PostgreSQL the rows come through a server-side cursor inside a transaction; a
column the export cannot read as a plain value is refused, not guessed.
"""

import csv
import datetime as dt
import io
import re
from collections.abc import Callable
from decimal import Decimal
from types import SimpleNamespace

import django_tables2 as tables
import openpyxl
import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db import connection
from django.http import FileResponse, StreamingHttpResponse
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation
from django_tables2 import RequestConfig

from cpdash import exports
from cpdash.exports import SafeTableExport, table_values
from facilities.models import Facility
from programmes.filters import ActivityFilter, SolutionFilter, SurveyFilter, activity_rows, solution_rows, survey_rows
from programmes.models import CPOption, OutreachActivity, TechnicalSupport
from programmes.tables import ActivityTable, SolutionTable, SurveyTable
from targets.facility_filters import FacilityFilter, ReachNextFilter, facility_register, with_status
from targets.facility_tables import FacilityTable, ReachNextTable
from tests import builders as b
from tests.responses import body
from tests.targets.test_facility_filters import build_register

pytestmark = pytest.mark.django_db

REGISTER = reverse("facilities:list")
REACH_NEXT = reverse("facilities:reach_next")
SURVEYS = reverse("programmes:survey_list")
ACTIVITIES = reverse("programmes:activity_list")
SOLUTIONS = reverse("programmes:solution_list")


def build_world() -> SimpleNamespace:
    """The register of the facility tests, and records that exercise every computed cell:
    each kind of support (none, one, all), every resource saved (one not measured yet, one
    that rounds up), activities with and without unit, text a spreadsheet would run."""
    w = build_register()
    aware, applying, never = w.aware, w.applying, w.never
    full = b.survey(aware, surveyed_on=dt.date(2012, 3, 1), surveyors="ECC Hà Nội")
    full.options.create(category="good_housekeeping", description="Fix leaks", state=CPOption.State.IMPLEMENTED)
    full.options.create(category="technology_change", description="Gas kiln")
    for kind in TechnicalSupport.Kind:
        TechnicalSupport.objects.create(survey=full, kind=kind, given_on=dt.date(2012, 4, 1))
    one = b.survey(applying, surveyed_on=dt.date(2013, 5, 10), surveyors="-1+1")
    TechnicalSupport.objects.create(survey=one, kind="technology", given_on=dt.date(2013, 6, 1))
    b.survey(never, surveyed_on=dt.date(2014, 7, 1), surveyors="")
    b.activity([aware, applying], title="Hội thảo\nSXSH", unit=w.units.gia_lam, participants=120)
    b.activity(kind=OutreachActivity.Kind.LEAFLETS, title="=Tờ rơi", held_on=dt.date(2014, 2, 1), quantity=5000)
    b.solution(
        aware,
        implemented_on=dt.date(2012, 9, 1),
        description="Bảo ôn lò nung",
        investment=50_000_000,
        savings={"energy": (100, 94), "water": (10, 9.2), "fuel": (3, 2.2), "raw_material": (7, None)},
    )
    b.solution(applying, category="technology_change", description="@Thu hồi nhiệt", savings={"fuel": (2, 1.5)})
    b.solution(never, implemented_on=dt.date(2014, 9, 1), description="Thay động cơ")
    return w


@pytest.fixture
def world() -> SimpleNamespace:
    return build_world()


def _sorted(table: tables.Table, params: dict) -> tables.Table:
    RequestConfig(RequestFactory().get("/", params), paginate=False).configure(table)
    return table


def _register(params: dict) -> tables.Table:
    filterset = FacilityFilter(params, queryset=facility_register())
    assert filterset.is_valid(), filterset.errors
    return _sorted(FacilityTable(filterset.qs), params)


def _reach_next(params: dict) -> tables.Table:
    filterset = ReachNextFilter(params, queryset=Facility.objects.none())
    assert filterset.is_valid(), filterset.errors
    return ReachNextTable(filterset.qs)


def _records(filter_class, rows, table_class) -> Callable[[dict], tables.Table]:
    def table(params: dict) -> tables.Table:
        filterset = filter_class(params, queryset=rows())
        assert filterset.is_valid(), filterset.errors
        return _sorted(table_class(filterset.qs, exclude=("edit",)), params)

    return table


#: Each list: its URL, the table its view builds for some query parameters (as the view does).
LISTS = {
    REGISTER: _register,
    REACH_NEXT: _reach_next,
    SURVEYS: _records(SurveyFilter, survey_rows, SurveyTable),
    ACTIVITIES: _records(ActivityFilter, activity_rows, ActivityTable),
    SOLUTIONS: _records(SolutionFilter, solution_rows, SolutionTable),
}
CASES = [
    (REGISTER, {}),
    (REGISTER, {"as_of": "2015-12-31", "sort": "-aware_since"}),
    (REGISTER, {"as_of": "2013-12-31", "status": "never_reached", "sort": "area"}),
    (REACH_NEXT, {"as_of": "2015-12-31"}),
    (SURVEYS, {}),
    (SURVEYS, {"sort": "-facility"}),
    (ACTIVITIES, {"sort": "unit"}),
    (SOLUTIONS, {}),
    (SOLUTIONS, {"sort": "-best_saving"}),
]


@pytest.fixture
def viewer_client(client, admin_user):
    client.force_login(admin_user)
    return client


def xlsx_cells(content: bytes) -> tuple[str, list[list[object]]]:
    sheet = openpyxl.load_workbook(io.BytesIO(content)).active
    return sheet.title, [list(row) for row in sheet.iter_rows(values_only=True)]


# --- The same as django-tables2 made them -------------------------------------------------------


@pytest.mark.parametrize("language", ["en", "vi"])
@pytest.mark.parametrize(("url", "params"), CASES)
def test_csv_is_byte_for_byte_what_the_table_rendered(viewer_client, world, url, params, language):
    viewer_client.cookies["django_language"] = language
    response = viewer_client.get(url, {**params, "_export": "csv"})
    assert response.status_code == 200
    with translation.override(language):
        expected = SafeTableExport("csv", LISTS[url](params)).export().encode("utf-8")
    assert len(expected.splitlines()) > 1
    if language == "en":
        assert body(response) == expected
        return
    # Vietnamese Excel's dialect: ";" between cells, "," in decimals; otherwise the same cells.
    rows = list(csv.reader(io.StringIO(body(response).decode("utf-8-sig")), delimiter=";"))
    decimals = [[re.sub(r"^(-?\d+),(\d+)$", r"\1.\2", cell) for cell in row] for row in rows]
    assert decimals == list(csv.reader(io.StringIO(expected.decode("utf-8-sig"))))


@pytest.mark.parametrize("language", ["en", "vi"])
@pytest.mark.parametrize(("url", "params"), CASES)
def test_xlsx_has_the_cells_the_table_rendered(viewer_client, world, url, params, language):
    viewer_client.cookies["django_language"] = language
    response = viewer_client.get(url, {**params, "_export": "xlsx"})
    assert response.status_code == 200
    table = LISTS[url](params)
    with translation.override(language):
        reference = SafeTableExport("xlsx", table, dataset_kwargs={"title": "x"}).export()
    assert xlsx_cells(body(response))[1] == xlsx_cells(reference)[1]


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
@pytest.mark.parametrize("url", list(LISTS))
def test_an_empty_list_exports_its_header(viewer_client, url, fmt):
    """Nothing recorded: e.g. who to reach next is sorted by coverages that are NULL for every
    facility, which PostgreSQL refuses as a constant in ORDER BY unless the query selects them."""
    response = viewer_client.get(url, {"_export": fmt})
    assert response.status_code == 200
    content = body(response)
    rows = xlsx_cells(content)[1] if fmt == "xlsx" else list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))
    assert len(rows) == 1
    assert rows[0][0] in ("Code", "Date", "Held on", "Implemented on")


def test_computed_cells(world):
    """What the fixture's computed cells are (the reference could be wrong too)."""
    with translation.override("vi"):
        survey_rows_ = list(table_values(LISTS[SURVEYS]({"sort": "surveyed_on"})).rows())
        solution_rows_ = list(table_values(LISTS[SOLUTIONS]({"sort": "implemented_on"})).rows())
        register = list(table_values(LISTS[REGISTER]({"as_of": "2015-12-31"})).rows())
    assert [row[-1] for row in survey_rows_] == ["kỹ thuật, công nghệ, kiểm soát quá trình sản xuất", "công nghệ", ""]
    assert survey_rows_[1][4] == "'-1+1"
    assert solution_rows_[0][-2:] == [
        Decimal("26.7"),  # the best saving, an exact decimal rounded half up
        "Năng lượng: 6,0%; Nhiên liệu: 26,7%; Nguyên liệu: chưa đo; Nước: 8,0%",
    ]
    assert register[0][-3:] == [dt.date(2012, 3, 1), dt.date(2012, 9, 1), "đã áp dụng"]


# --- Streamed -------------------------------------------------------------------------------------


def test_csv_first_bytes_leave_before_any_query(viewer_client, world):
    response = viewer_client.get(REGISTER, {"_export": "csv"})
    assert isinstance(response, StreamingHttpResponse)
    chunks = iter(response.streaming_content)
    with CaptureQueriesContext(connection) as queries:
        first = next(chunks)
    assert len(queries) == 0
    assert first.startswith(b"\xef\xbb\xbfCode,Name,Sector,")
    assert first.endswith(b"\r\n")
    with CaptureQueriesContext(connection) as queries:
        rest = b"".join(chunks)
    assert len(queries) == 1
    assert len(rest.splitlines()) == Facility.objects.count()


def test_csv_goes_out_a_chunk_at_a_time(viewer_client, world, monkeypatch):
    whole = body(viewer_client.get(REGISTER, {"_export": "csv"}))
    monkeypatch.setattr(exports, "CHUNK_SIZE", 2)
    chunks = list(viewer_client.get(REGISTER, {"_export": "csv"}).streaming_content)
    assert [len(chunk.splitlines()) for chunk in chunks] == [1, 2, 2, 2]
    assert b"".join(chunks) == whole


@pytest.mark.parametrize(
    ("url", "filter_class", "rows", "params"),
    [
        (REGISTER, FacilityFilter, facility_register, {"as_of": "2015-12-31", "status": "never_reached"}),
        (REGISTER, FacilityFilter, facility_register, {"in_scope": "true"}),
        (REACH_NEXT, ReachNextFilter, Facility.objects.none, {"as_of": "2015-12-31"}),
        (SURVEYS, SurveyFilter, survey_rows, {"support": "technology"}),
        (ACTIVITIES, ActivityFilter, activity_rows, {"attended": "true"}),
        (SOLUTIONS, SolutionFilter, solution_rows, {"resource": "fuel"}),
    ],
)
def test_csv_row_count_is_the_filtered_count(viewer_client, url, filter_class, rows, params):
    b.facility()  # one more, never reached
    world = build_world()
    for i in range(25):
        facility = b.facility(sector=world.sectors.textile, unit=world.units.ha_dong)
        if i % 2:
            b.survey(facility).supports.create(kind="technology", given_on=dt.date(2013, 1, 1))
            b.solution(facility, savings={"fuel": (2, 1)})
            b.activity([facility])
    filterset = filter_class(params, queryset=rows())
    assert filterset.is_valid()
    expected = filterset.qs.count()
    assert expected > 10
    content = body(viewer_client.get(url, {**params, "_export": "csv"}))
    assert len(list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))) - 1 == expected


def test_xlsx_is_written_in_constant_memory(viewer_client, world, monkeypatch):
    books = []
    workbook = exports.Workbook

    def spy(*args, **kwargs):
        books.append(workbook(*args, **kwargs))
        return books[-1]

    monkeypatch.setattr(exports, "Workbook", spy)
    response = viewer_client.get(REGISTER, {"as_of": "2015-12-31", "_export": "xlsx"})
    assert isinstance(response, FileResponse)
    assert [book.write_only for book in books] == [True]
    assert response["Content-Disposition"] == 'attachment; filename="facilities-2015-12-31.xlsx"'
    content = body(response)
    assert int(response["Content-Length"]) == len(content)
    sheet = openpyxl.load_workbook(io.BytesIO(content)).active
    assert sheet.title == "Facilities"
    assert sheet.freeze_panes == "A2"
    assert all(cell.font.bold for cell in sheet[1])
    assert sheet["H2"].is_date
    assert sheet.column_dimensions["B"].width == max(
        len(name) for name in Facility.objects.values_list("name", flat=True)
    )


@pytest.mark.skipif(connection.vendor != "postgresql", reason="server-side cursors are PostgreSQL's")
@pytest.mark.django_db(transaction=True)
def test_postgresql_rows_come_through_a_server_side_cursor_in_a_transaction():
    for _ in range(5):
        b.facility()
    export = table_values(FacilityTable(with_status(facility_register(), dt.date(2015, 12, 31))))
    assert not connection.in_atomic_block
    rows = export.rows()
    next(rows)
    assert connection.in_atomic_block
    with connection.cursor() as cursor:
        cursor.execute("SELECT is_holdable FROM pg_cursors")
        assert cursor.fetchall() == [(False,)]  # declared in a transaction: rows computed as they are read
    assert len(list(rows)) == 4
    assert not connection.in_atomic_block


# --- What an export cannot read is refused ------------------------------------------------------


class _Undeclared(tables.Table):
    code = tables.Column()
    sector = tables.Column()

    class Meta:
        model = Facility
        fields = ("code", "sector")


class _Computed(tables.Table):
    code = tables.Column()

    def render_code(self, value: str) -> str:
        return value.lower()


class _Rendered(tables.Column):
    def render(self, value: object) -> str:
        return f"<b>{value}</b>"


@pytest.mark.parametrize(
    ("table", "message"),
    [
        (_Undeclared(Facility.objects.all()), "_Undeclared.sector is a relation"),
        (_Computed(Facility.objects.all()), "_Computed.code is computed"),
        (type("_R", (tables.Table,), {"code": _Rendered()})(Facility.objects.all()), "_Rendered renders cells"),
    ],
)
def test_columns_it_cannot_read_are_refused(table, message):
    with pytest.raises(ImproperlyConfigured, match=message):
        table_values(table)


def test_a_table_of_a_list_is_refused():
    with pytest.raises(TypeError):
        table_values(_Undeclared([]))
