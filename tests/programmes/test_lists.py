"""The survey, outreach-activity and CP-solution lists: filters on hand-built
records, search ignoring diacritics, sorting, pages of 50, the number of matching
records, exports equal to the filtered rows with formula injection escaped,
access, and query counts pinned whatever the number of records."""

import csv
import datetime as dt
import io
from decimal import Decimal
from types import SimpleNamespace

import openpyxl
import pytest
from django.urls import reverse

from cpdash.text import vietnamese_key
from facilities import membership
from facilities.models import ProductionArea
from programmes.filters import ActivityFilter, SolutionFilter, SurveyFilter, activity_rows, solution_rows, survey_rows
from programmes.models import CPOption, OutreachActivity, ResourceSaving, TechnicalSupport
from programmes.tables import percent, round_percent
from tests import builders as b
from tests.programmes.conftest import grant
from tests.responses import body

pytestmark = pytest.mark.django_db

SURVEYS = reverse("programmes:survey_list")
ACTIVITIES = reverse("programmes:activity_list")
SOLUTIONS = reverse("programmes:solution_list")

VIEW_PERMS = ("programmes.view_survey", "programmes.view_outreachactivity", "programmes.view_solution")


@pytest.fixture
def viewer(staff_user):
    """May view the three lists, not change their records."""
    return grant(staff_user, *VIEW_PERMS)


@pytest.fixture
def viewer_client(client, viewer):
    client.force_login(viewer)
    return client


# --- Hand-built records -----------------------------------------------------------------------


def build_facilities() -> SimpleNamespace:
    """Three facilities in two sectors and two units, named with diacritics."""
    ceramics, textile = b.sector("Gốm sứ"), b.sector("Dệt may")
    gia_lam, ha_dong = b.unit("Gia Lâm"), b.unit("Hà Đông")
    village = b.area("Bát Tràng", kind=ProductionArea.Kind.CRAFT_VILLAGE, unit=gia_lam)
    zone = b.area("Quang Minh", kind=ProductionArea.Kind.INDUSTRIAL_ZONE, unit=ha_dong)
    return SimpleNamespace(
        a=b.facility(code="A001", name="Xưởng gốm Bát Tràng", sector=ceramics, unit=gia_lam, area=village),
        b=b.facility(code="B002", name="Công ty Dệt Hà Đông", sector=textile, unit=ha_dong, area=zone),
        c=b.facility(code="C003", name="Hợp tác xã Đan Phượng", sector=textile, unit=ha_dong),
        ceramics=ceramics,
        textile=textile,
        gia_lam=gia_lam,
        ha_dong=ha_dong,
    )


@pytest.fixture
def surveys() -> SimpleNamespace:
    """A001 2012-03-01 (2 options, 1 implemented; technique), B002 2013-05-10 (1 option
    identified; technology and process control), C003 2014-07-01 (nothing found)."""
    f = build_facilities()
    f.sa = b.survey(f.a, surveyed_on=dt.date(2012, 3, 1), surveyors="ECC Hà Nội")
    f.sa.options.create(category="good_housekeeping", description="Fix leaks", state=CPOption.State.IMPLEMENTED)
    f.sa.options.create(category="technology_change", description="Gas kiln", state=CPOption.State.REJECTED)
    TechnicalSupport.objects.create(survey=f.sa, kind="technique", given_on=dt.date(2012, 4, 1))
    f.sb = b.survey(f.b, surveyed_on=dt.date(2013, 5, 10), surveyors="Trung tâm SXSH")
    f.sb.options.create(category="process_control", description="Meter the dye baths")
    for kind in ("process_control", "technology"):
        TechnicalSupport.objects.create(survey=f.sb, kind=kind, given_on=dt.date(2013, 6, 1))
    f.sc = b.survey(f.c, surveyed_on=dt.date(2014, 7, 1), surveyors="")
    return f


@pytest.fixture
def activities() -> SimpleNamespace:
    """w 2012-04-01 workshop in Gia Lâm at Bát Tràng (120 people, 2 facilities),
    t 2013-06-01 training in Hà Đông (no count, no facility), l 2014-02-01 leaflets
    with no unit (40 people, 5,000 copies, 1 facility)."""
    f = build_facilities()
    kind = OutreachActivity.Kind
    f.w = b.activity(
        [f.a, f.b],
        kind=kind.WORKSHOP,
        title="Hội thảo SXSH ngành gốm",
        organiser="Sở Công Thương",
        venue="Bát Tràng",
        unit=f.gia_lam,
        held_on=dt.date(2012, 4, 1),
        participants=120,
    )
    f.t = b.activity(
        kind=kind.TRAINING, title="Tập huấn tiết kiệm năng lượng", unit=f.ha_dong, held_on=dt.date(2013, 6, 1)
    )
    f.l = b.activity(
        [f.c], kind=kind.LEAFLETS, title="Tờ rơi SXSH", held_on=dt.date(2014, 2, 1), participants=40, quantity=5000
    )
    return f


@pytest.fixture
def solutions() -> SimpleNamespace:
    """A001 2012-09-01 good housekeeping (energy 6 %, water 8 %), B002 2013-09-01
    technology change (fuel 25 %), C003 2014-09-01 equipment modification (energy
    not measured yet)."""
    f = build_facilities()
    f.sa = b.solution(
        f.a,
        implemented_on=dt.date(2012, 9, 1),
        category="good_housekeeping",
        description="Bảo ôn lò nung",
        investment=50_000_000,
        savings={"energy": (100, 94), "water": (10, 9.2)},  # 10 → 9.2 is 7.999999999999998 % in floats
    )
    f.sb = b.solution(
        f.b,
        implemented_on=dt.date(2013, 9, 1),
        category="technology_change",
        description="Thu hồi nhiệt",
        savings={"fuel": (2, 1.5)},
    )
    f.sc = b.solution(
        f.c,
        implemented_on=dt.date(2014, 9, 1),
        category="equipment_modification",
        description="Thay động cơ",
        savings={"energy": (100, None)},
    )
    return f


# --- Reading pages and exports -------------------------------------------------------------------


def records(response) -> list:
    """The records on the page's table, in order."""
    return [row.record for row in response.context["table"].paginated_rows]


def codes(response) -> list[str]:
    return [record.facility.code for record in records(response)]


def titles(response) -> list[str]:
    return [record.title for record in records(response)]


def csv_rows(response) -> list[list[str]]:
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    return list(csv.reader(io.StringIO(body(response).decode("utf-8-sig"))))


def xlsx_rows(response) -> list[list[object]]:
    sheet = openpyxl.load_workbook(io.BytesIO(body(response))).active
    return [list(row) for row in sheet.iter_rows(values_only=True)]


def filtered(filter_class, rows, params: dict) -> list:
    filterset = filter_class(params, queryset=rows())
    assert filterset.is_valid(), filterset.errors
    return list(filterset.qs)


# --- CP surveys ---------------------------------------------------------------------------------


class TestSurveyList:
    @pytest.mark.parametrize(
        ("params", "expected"),
        [
            (lambda f: {}, ["C003", "B002", "A001"]),
            (lambda f: {"date_from": "2013-01-01"}, ["C003", "B002"]),
            (lambda f: {"date_to": "2013-05-10"}, ["B002", "A001"]),
            (lambda f: {"date_from": "2013-05-10", "date_to": "2013-05-10"}, ["B002"]),
            (lambda f: {"sector": f.ceramics.pk}, ["A001"]),
            (lambda f: {"unit": f.ha_dong.pk}, ["C003", "B002"]),
            (lambda f: {"area_kind": "craft_village"}, ["A001"]),
            (lambda f: {"area_kind": "industrial_zone"}, ["B002"]),
            (lambda f: {"implemented": "true"}, ["A001"]),
            (lambda f: {"implemented": "false"}, ["C003", "B002"]),
            (lambda f: {"support": "technique"}, ["A001"]),
            (lambda f: {"support": "technology"}, ["B002"]),
            (lambda f: {"support": "process_control", "unit": f.gia_lam.pk}, []),
            (lambda f: {"q": "bat trang"}, ["A001"]),
            (lambda f: {"q": "BÁT  TRÀNG"}, ["A001"]),
            (lambda f: {"q": "dan phuong"}, ["C003"]),
            (lambda f: {"q": "b002"}, ["B002"]),
            (lambda f: {"q": "sxsh"}, ["B002"]),  # surveyors, as typed
            (lambda f: {"q": "Hà Nội"}, ["A001"]),  # surveyors have no folded column: matched as typed
            (lambda f: {"q": "   "}, ["C003", "B002", "A001"]),
        ],
    )
    def test_filters(self, viewer_client, surveys, params, expected):
        assert codes(viewer_client.get(SURVEYS, params(surveys))) == expected

    def test_columns_and_count(self, viewer_client, surveys):
        response = viewer_client.get(SURVEYS, {"sector": surveys.textile.pk})
        page = response.content.decode()
        assert "2 surveys match." in page
        assert reverse("facilities:detail", args=["B002"]) in page
        assert 'Công ty Dệt Hà Đông <span class="code">B002</span>' in page
        assert "production-process control, technology" not in page  # in TechnicalSupport.Kind's order
        assert "technology, production-process control" in page
        assert "1 survey matches." in viewer_client.get(SURVEYS, {"q": "bat trang"}).content.decode()

    def test_export_columns(self, viewer_client, surveys):
        rows = csv_rows(viewer_client.get(SURVEYS, {"_export": "csv", "sort": "surveyed_on"}))
        assert rows == [
            ["Date", "Facility", "Code", "Administrative unit", "Surveyors", "Options found", "Options implemented",
             "Support"],
            ["2012-03-01", "Xưởng gốm Bát Tràng", "A001", "Gia Lâm", "ECC Hà Nội", "2", "1", "technique"],
            ["2013-05-10", "Công ty Dệt Hà Đông", "B002", "Hà Đông", "Trung tâm SXSH", "1", "0",
             "technology, production-process control"],
            ["2014-07-01", "Hợp tác xã Đan Phượng", "C003", "Hà Đông", "", "0", "0", ""],
        ]  # fmt: skip

    @pytest.mark.parametrize(
        ("sort", "expected"),
        [
            ("surveyed_on", ["A001", "B002", "C003"]),
            ("facility", ["B002", "C003", "A001"]),  # by name: Công ty…, Hợp tác xã…, Xưởng…
            ("-option_count", ["A001", "B002", "C003"]),
            ("implemented_count", ["B002", "C003", "A001"]),  # ties by pk
            ("-unit", ["C003", "B002", "A001"]),
        ],
    )
    def test_sort(self, viewer_client, surveys, sort, expected):
        assert codes(viewer_client.get(SURVEYS, {"sort": sort})) == expected


# --- Outreach activities ------------------------------------------------------------------------


W, T, L = "Hội thảo SXSH ngành gốm", "Tập huấn tiết kiệm năng lượng", "Tờ rơi SXSH"


class TestActivityList:
    @pytest.mark.parametrize(
        ("params", "expected"),
        [
            (lambda f: {}, [L, T, W]),
            (lambda f: {"kind": "training"}, [T]),
            (lambda f: {"date_from": "2013-06-01"}, [L, T]),
            (lambda f: {"date_to": "2013-05-31"}, [W]),
            (lambda f: {"unit": f.gia_lam.pk}, [W]),
            (lambda f: {"attended": "true"}, [L, W]),
            (lambda f: {"attended": "false"}, [T]),
            (lambda f: {"q": "bat trang"}, [W]),  # the venue
            (lambda f: {"q": "so cong thuong"}, [W]),  # the organiser
            (lambda f: {"q": "tiet kiem"}, [T]),  # the title
            (lambda f: {"q": "sxsh", "kind": "leaflets"}, [L]),
        ],
    )
    def test_filters(self, viewer_client, activities, params, expected):
        assert titles(viewer_client.get(ACTIVITIES, params(activities))) == expected

    @pytest.mark.parametrize(
        ("language", "matches"), [("en", "1,001 activities match."), ("vi", "1.001 hoạt động phù hợp.")]
    )
    def test_a_large_count_is_grouped_as_the_language_writes_it(self, viewer_client, language, matches):
        OutreachActivity.objects.bulk_create(
            OutreachActivity(kind=OutreachActivity.Kind.LEAFLETS, title=f"Leaflets {i}", held_on=dt.date(2014, 1, 1))
            for i in range(1001)
        )
        viewer_client.cookies["django_language"] = language
        assert matches in viewer_client.get(ACTIVITIES).content.decode()

    def test_columns_and_count(self, viewer_client, activities):
        page = viewer_client.get(ACTIVITIES).content.decode()
        assert "3 activities match." in page
        assert '<td class="num">5,000</td>' in page
        rows = csv_rows(viewer_client.get(ACTIVITIES, {"_export": "csv"}))
        assert rows == [
            ["Date", "Kind", "Title", "Administrative unit", "Participants", "Quantity", "Facilities attending"],
            ["2014-02-01", "leaflet distribution", L, "", "40", "5000", "1"],
            ["2013-06-01", "training", T, "Hà Đông", "", "", "0"],
            ["2012-04-01", "workshop", W, "Gia Lâm", "120", "", "2"],
        ]

    @pytest.mark.parametrize(
        ("sort", "expected"),
        [
            ("participants", [L, W, T]),  # no count last, both ways
            ("-participants", [W, L, T]),
            ("-facility_count", [W, L, T]),
            ("unit", [W, T, L]),  # Gia Lâm, Hà Đông, none
            ("-unit", [T, W, L]),
            ("title", [W, T, L]),
        ],
    )
    def test_sort(self, viewer_client, activities, sort, expected):
        assert titles(viewer_client.get(ACTIVITIES, {"sort": sort})) == expected

    def test_pages_of_fifty(self, viewer_client):
        for i in range(55):
            b.activity(title=f"A{i:02d}", held_on=dt.date(2012, 1, 1) + dt.timedelta(days=i))
        first = viewer_client.get(ACTIVITIES)
        assert titles(first) == [f"A{i:02d}" for i in range(54, 4, -1)]
        assert "55 activities match." in first.content.decode()
        assert titles(viewer_client.get(ACTIVITIES, {"page": 2})) == ["A04", "A03", "A02", "A01", "A00"]
        assert titles(viewer_client.get(ACTIVITIES, {"page": 99})) == titles(viewer_client.get(ACTIVITIES, {"page": 2}))
        assert titles(viewer_client.get(ACTIVITIES, {"page": "x"})) == titles(first)
        assert len(csv_rows(viewer_client.get(ACTIVITIES, {"_export": "csv", "page": 2}))) == 56


# --- CP solutions -------------------------------------------------------------------------------


class TestSolutionList:
    @pytest.mark.parametrize(
        ("params", "expected"),
        [
            (lambda f: {}, ["C003", "B002", "A001"]),
            (lambda f: {"date_from": "2013-01-01", "date_to": "2013-12-31"}, ["B002"]),
            (lambda f: {"category": "technology_change"}, ["B002"]),
            (lambda f: {"sector": f.textile.pk}, ["C003", "B002"]),
            (lambda f: {"unit": f.gia_lam.pk}, ["A001"]),
            (lambda f: {"resource": "energy"}, ["C003", "A001"]),
            (lambda f: {"resource": "water"}, ["A001"]),
            (lambda f: {"resource": "raw_material"}, []),
            (lambda f: {"min_saving": "6"}, ["B002", "A001"]),
            (lambda f: {"min_saving": "8"}, ["B002", "A001"]),  # water: 10 → 9.2, exactly 8 % (not 7.99…)
            (lambda f: {"min_saving": "8.1"}, ["B002"]),
            (lambda f: {"min_saving": "25"}, ["B002"]),
            (lambda f: {"min_saving": "25.5"}, []),
            (lambda f: {"min_saving": "-100"}, ["B002", "A001"]),  # not measured is no saving
            (lambda f: {"q": "bat trang"}, ["A001"]),  # the facility
            (lambda f: {"q": "Thu hồi"}, ["B002"]),  # the description, as typed
            (lambda f: {"q": "c003"}, ["C003"]),
        ],
    )
    def test_filters(self, viewer_client, solutions, params, expected):
        assert codes(viewer_client.get(SOLUTIONS, params(solutions))) == expected

    def test_columns_and_count(self, viewer_client, solutions):
        page = viewer_client.get(SOLUTIONS).content.decode()
        assert "3 CP solutions match." in page
        assert '<td class="num">50,000,000</td>' in page
        assert '<td class="num">8.0%</td>' in page  # the best saving
        assert 'Energy: <span class="num">6.0%</span>' in page
        assert "Energy: not measured yet" in page
        rows = csv_rows(viewer_client.get(SOLUTIONS, {"_export": "csv", "sort": "implemented_on"}))
        assert rows == [
            ["Implemented on", "Facility", "Code", "Category", "Description", "Investment (VND)", "Best saving",
             "Resources measured"],
            ["2012-09-01", "Xưởng gốm Bát Tràng", "A001", "good housekeeping", "Bảo ôn lò nung", "50000000", "8.0",
             "Energy: 6.0%; Water: 8.0%"],
            ["2013-09-01", "Công ty Dệt Hà Đông", "B002", "technology change", "Thu hồi nhiệt", "", "25.0",
             "Fuel: 25.0%"],
            ["2014-09-01", "Hợp tác xã Đan Phượng", "C003", "equipment modification", "Thay động cơ", "", "",
             "Energy: not measured yet"],
        ]  # fmt: skip

    def test_a_reported_saving_is_marked_on_the_page_and_in_the_export(self, viewer_client, solutions):
        ResourceSaving.objects.create(solution=solutions.sc, resource="water", reported_percent=Decimal("12.35"))
        mark = "12.4% (reported, no measured baseline)"

        page = viewer_client.get(SOLUTIONS).content.decode()

        assert f'<td class="num">{mark}</td>' in page  # the best saving, only reported
        assert '<td class="num">8.0%</td>' in page  # A001's best is measured
        assert f'Water: <span class="num">{mark}</span>' in page
        rows = csv_rows(viewer_client.get(SOLUTIONS, {"_export": "csv", "sort": "implemented_on"}))
        assert rows[3][-2:] == ["12.4", f"Energy: not measured yet; Water: {mark}"]
        assert rows[1][-1] == "Energy: 6.0%; Water: 8.0%"
        # Counted like a measured saving.
        assert codes(viewer_client.get(SOLUTIONS, {"min_saving": "12"})) == ["C003", "B002"]

    @pytest.mark.parametrize(
        ("sort", "expected"),
        [
            ("-best_saving", ["B002", "A001", "C003"]),  # not measured last, both ways
            ("best_saving", ["A001", "B002", "C003"]),
            ("investment", ["A001", "B002", "C003"]),  # no investment last, both ways
            ("-investment", ["A001", "C003", "B002"]),
            ("description", ["A001", "C003", "B002"]),  # Bảo…, Thay…, Thu…
            ("category", ["C003", "A001", "B002"]),  # by the stored value
        ],
    )
    def test_sort(self, viewer_client, solutions, sort, expected):
        assert codes(viewer_client.get(SOLUTIONS, {"sort": sort})) == expected


# --- Names in the order of the Vietnamese alphabet -------------------------------------------------

#: By code point Đ comes after Z and "Ba Vì" before "Ba Đình".
NAMES = ["Zeta Co", "Đông Anh Co", "Dệt Co", "Ba Vì Co", "Ba Đình Co", "an Khánh Co", "Ân Thi Co"]


@pytest.fixture
def named_alike():
    """A facility, its unit, a survey, a solution (its description) and an activity in the unit
    (its title) per name."""
    sector = b.sector()
    for name in NAMES:
        unit = b.unit(name)
        facility = b.facility(name=name, sector=sector, unit=unit)
        b.survey(facility, surveyors=name)
        b.solution(facility, description=name)
        b.activity([facility], title=name, unit=unit)


@pytest.mark.parametrize(
    ("url", "column", "shown"),
    [
        (SURVEYS, "facility", lambda row: row.record.facility.name),
        (SURVEYS, "unit", lambda row: row.record.unit_then),
        (SURVEYS, "surveyors", lambda row: row.record.surveyors),
        (ACTIVITIES, "title", lambda row: row.record.title),
        (ACTIVITIES, "unit", lambda row: row.record.unit.name),
        (SOLUTIONS, "facility", lambda row: row.record.facility.name),
        (SOLUTIONS, "description", lambda row: row.record.description),
    ],
)
def test_names_sort_in_the_order_of_the_vietnamese_alphabet(viewer_client, named_alike, url, column, shown):
    expected = sorted(NAMES, key=vietnamese_key)
    for sort, order in ((column, expected), (f"-{column}", expected[::-1])):
        response = viewer_client.get(url, {"sort": sort})
        assert [shown(row) for row in response.context["table"].paginated_rows] == order


# --- Every list: diacritics, exports, bad filters, access -----------------------------------------

LISTS = [(SURVEYS, "surveys"), (ACTIVITIES, "activities"), (SOLUTIONS, "solutions")]


@pytest.mark.parametrize(("url", "fixture"), LISTS)
def test_bat_trang_finds_bat_trang(request, viewer_client, url, fixture):
    request.getfixturevalue(fixture)
    found = records(viewer_client.get(url, {"q": "bat trang"}))
    assert len(found) == 1
    assert "Bát Tràng" in str(found[0]) + getattr(found[0], "venue", "")


#: The list, its fixture, its filter set and rows, what identifies a record in the export's third column.
EXPORTS = {
    SURVEYS: ("surveys", SurveyFilter, survey_rows, lambda survey: survey.facility.code),
    ACTIVITIES: ("activities", ActivityFilter, activity_rows, lambda activity: activity.title),
    SOLUTIONS: ("solutions", SolutionFilter, solution_rows, lambda solution: solution.facility.code),
}


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
@pytest.mark.parametrize(
    ("url", "params"),
    [
        (SURVEYS, {"unit": "ha_dong", "sort": "facility"}),
        (SURVEYS, {"implemented": "false", "q": "sxsh"}),
        (ACTIVITIES, {"attended": "true", "sort": "-participants"}),
        (ACTIVITIES, {"date_from": "2013-01-01", "unit": "ha_dong"}),
        (SOLUTIONS, {"min_saving": "8", "sort": "best_saving"}),
        (SOLUTIONS, {"sector": "textile", "resource": "energy"}),
    ],
)
def test_export_is_the_filtered_rows(request, viewer_client, url, params, fmt):
    fixture, filter_class, rows_of, key = EXPORTS[url]
    data = request.getfixturevalue(fixture)
    params = {name: getattr(data, v).pk if name in ("unit", "sector") else v for name, v in params.items()}
    shown = records(viewer_client.get(url, params))
    assert shown
    response = viewer_client.get(url, {**params, "_export": fmt})
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith('attachment; filename="')
    assert response["Content-Disposition"].endswith(f'.{fmt}"')
    rows = csv_rows(response) if fmt == "csv" else xlsx_rows(response)
    assert [row[2] for row in rows[1:]] == [key(record) for record in shown]
    assert {r.pk for r in filtered(filter_class, rows_of, params)} == {r.pk for r in shown}


def test_export_links_keep_the_filters(viewer_client, surveys):
    page = viewer_client.get(SURVEYS, {"support": "technique", "page": "1"}).content.decode()
    assert "?support=technique&amp;_export=csv" in page
    assert "?support=technique&amp;_export=xlsx" in page


def test_formula_injection_escaped(viewer_client):
    facility = b.facility(code="=1+1", name="=cmd|' /C calc'!A0")
    b.survey(facility, surveyors="=cmd")
    b.activity(title="=cmd", organiser="+x", unit=b.unit("@Đơn vị"))
    b.solution(facility, description="=cmd", savings={"energy": (100, 94)})

    survey = csv_rows(viewer_client.get(SURVEYS, {"_export": "csv"}))[1]
    assert survey[1:5] == ["'=cmd|' /C calc'!A0", "'=1+1", facility.unit.name, "'=cmd"]
    activity = csv_rows(viewer_client.get(ACTIVITIES, {"_export": "csv"}))[1]
    assert activity[2:4] == ["'=cmd", "'@Đơn vị"]
    solution = xlsx_rows(viewer_client.get(SOLUTIONS, {"_export": "xlsx"}))[1]
    # XLSX: the text as it is, in cells typed as strings (never formulas: tests/cpdash/test_exports_injection.py)
    assert solution[1:5] == ["=cmd|' /C calc'!A0", "=1+1", "good housekeeping", "=cmd"]
    assert solution[6] == 6.0  # numbers are not text: left as they are


@pytest.mark.parametrize("url", [SURVEYS, ACTIVITIES, SOLUTIONS])
def test_bad_filters_show_the_error_and_no_rows(viewer_client, url):
    b.survey()
    b.activity()
    b.solution()
    response = viewer_client.get(url, {"date_from": "yesterday"})
    assert response.status_code == 200
    assert records(response) == []
    page = response.content.decode()
    assert "errorlist" in page
    assert 'class="counts"' not in page  # no count for filters that are not valid
    assert viewer_client.get(url, {"date_from": "yesterday", "_export": "csv"}).status_code == 400


@pytest.mark.parametrize("url", [SURVEYS, ACTIVITIES, SOLUTIONS])
def test_unknown_export_format_shows_the_page(viewer_client, url):
    response = viewer_client.get(url, {"_export": "json"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")


# (URL, the permission it needs, the record's edit URL name, a builder)
ACCESS = [
    (SURVEYS, "programmes.view_survey", "survey_edit", b.survey),
    (ACTIVITIES, "programmes.view_outreachactivity", "activity_edit", b.activity),
    (SOLUTIONS, "programmes.view_solution", "solution_edit", b.solution),
]


@pytest.mark.parametrize(("url", "perm", "edit", "make"), ACCESS)
@pytest.mark.parametrize("params", [{}, {"_export": "csv"}])
def test_anonymous_is_sent_to_sign_in(client, url, perm, edit, make, params):
    response = client.get(url, params)
    assert response.status_code == 302
    assert response["Location"].startswith(f"{reverse('login')}?next=")


@pytest.mark.parametrize(("url", "perm", "edit", "make"), ACCESS)
@pytest.mark.parametrize("params", [{}, {"_export": "xlsx"}])
def test_view_permission_is_needed(client, staff_user, url, perm, edit, make, params):
    other = [p for p in VIEW_PERMS if p != perm]
    client.force_login(grant(staff_user, *other, "programmes.change_survey", "programmes.change_solution"))
    assert client.get(url, params).status_code == 403


@pytest.mark.parametrize(("url", "perm", "edit", "make"), ACCESS)
def test_edit_links_only_with_the_change_permission(client, staff_user, url, perm, edit, make):
    record = make()
    edit_url = reverse(f"programmes:{edit}", args=[record.pk])
    client.force_login(grant(staff_user, perm))
    page = client.get(url).content.decode()
    assert edit_url not in page
    assert "/new/" not in page  # nor the create link
    client.force_login(grant(staff_user, perm.replace("view_", "change_"), perm.replace("view_", "add_")))
    page = client.get(url).content.decode()
    assert f'href="{edit_url}"' in page
    assert "/new/" in page
    export = csv_rows(client.get(url, {"_export": "csv"}))
    assert "Edit" not in export[0]


# --- Query counts -------------------------------------------------------------------------------

#: Per request: the savepoint and its release (ATOMIC_REQUESTS), session, user, the user's
#: permissions, their groups' permissions.
SIGNED_IN = 6
#: Page: filter choices (surveys and solutions: sectors, units; activities: units), the count,
#: the page's rows, and for surveys and solutions their support or savings (one prefetch).
#: Export (streamed: counted until its last byte is read): the rows, support and savings
#: included. A sector or unit in the query string is checked once more, and a unit's predecessors
#: read (AdministrativeUnit.records_elsewhere; its successors too, for a unit that ended).
COUNTS = {
    SURVEYS: {"page": SIGNED_IN + 5, "filtered": SIGNED_IN + 8, "export": SIGNED_IN + 1},
    ACTIVITIES: {"page": SIGNED_IN + 3, "filtered": SIGNED_IN + 5, "export": SIGNED_IN + 1},
    SOLUTIONS: {"page": SIGNED_IN + 5, "filtered": SIGNED_IN + 8, "export": SIGNED_IN + 1},
}
SORTS = {SURVEYS: "-facility", ACTIVITIES: "-participants", SOLUTIONS: "-best_saving"}
FILTERS = {
    SURVEYS: lambda s, u: {"sector": s, "unit": u, "q": "facility", "implemented": "true", "support": "technique"},
    ACTIVITIES: lambda s, u: {"unit": u, "q": "workshop", "attended": "true", "kind": "workshop"},
    SOLUTIONS: lambda s, u: {"sector": s, "unit": u, "q": "kiln", "resource": "energy", "min_saving": "5"},
}


def many_records(n: int) -> tuple[int, int]:
    """n surveys, activities and solutions in one sector and unit, each with children;
    returns (sector id, unit id)."""
    sector, unit = b.sector(), b.unit()
    for i in range(n):
        day = dt.date(2012, 1, 1) + dt.timedelta(days=i)
        facility = b.facility(sector=sector, unit=unit)
        survey = b.survey(facility, surveyed_on=day)
        survey.options.create(category="good_housekeeping", description="Fix leaks", state="implemented")
        TechnicalSupport.objects.create(survey=survey, kind="technique", given_on=day)
        b.activity([facility], unit=unit, held_on=day, participants=i)
        b.solution(facility, implemented_on=day, savings={"energy": (100, 94), "water": (10, 9)})
    return sector.pk, unit.pk


@pytest.mark.parametrize("n", [3, 30])
@pytest.mark.parametrize("url", [SURVEYS, ACTIVITIES, SOLUTIONS])
def test_page_query_count(recorder_client, django_assert_num_queries, url, n):
    many_records(n)
    with django_assert_num_queries(COUNTS[url]["page"]):
        response = recorder_client.get(url, {"sort": SORTS[url]})
    assert len(records(response)) == n


@pytest.mark.parametrize("n", [3, 30])
@pytest.mark.parametrize("url", [SURVEYS, ACTIVITIES, SOLUTIONS])
def test_filtered_page_query_count(recorder_client, django_assert_num_queries, url, n):
    sector, unit = many_records(n)
    with django_assert_num_queries(COUNTS[url]["filtered"]):
        response = recorder_client.get(url, FILTERS[url](sector, unit))
    assert len(records(response)) == n


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
@pytest.mark.parametrize("n", [3, 30])
@pytest.mark.parametrize("url", [SURVEYS, ACTIVITIES, SOLUTIONS])
def test_export_query_count(recorder_client, django_assert_num_queries, url, n, fmt):
    many_records(n)
    # An XLSX counts its rows first: above settings.EXPORT_BACKGROUND_ROWS a job writes it.
    queries = COUNTS[url]["export"] + (fmt == "xlsx")
    with django_assert_num_queries(queries):
        response = recorder_client.get(url, {"_export": fmt, "sort": SORTS[url]})
        assert body(response)
    assert response.status_code == 200
    rows = csv_rows(response) if fmt == "csv" else xlsx_rows(response)
    assert len(rows) == n + 1


@pytest.mark.parametrize(
    ("value", "shown"),
    [(Decimal("6.3500"), "6.4%"), (Decimal("6.2500"), "6.3%"), (Decimal("-6.3500"), "-6.4%"), (6.35, "6.4%")],
)
def test_savings_are_shown_rounded_half_up(value, shown):
    """A saving 6.35 is shown 6.4 (round() would give 6.3 of the float, 6.2 of 6.25 as a Decimal)."""
    assert percent(value) == shown
    assert round_percent(value) == Decimal(shown.removesuffix("%"))


# --- The unit of the record's day -----------------------------------------------------------------


def test_surveys_and_solutions_are_listed_and_filtered_by_the_unit_of_their_day(viewer_client):
    """A kiln in Gia Lâm district moved to Bát Tràng commune on 2025-07-01, when the district
    ended: its 2015 survey and solution stay in Gia Lâm, its 2026 survey is in Bát Tràng, in
    the list, its filters and its export alike."""
    district = b.unit("Gia Lâm", valid_until=dt.date(2025, 6, 30))
    commune = b.unit("Bát Tràng", kind="commune", valid_from=dt.date(2025, 7, 1))
    village = b.area("Làng gốm", kind=ProductionArea.Kind.CRAFT_VILLAGE, unit=district)
    kiln = b.facility(code="K001", unit=district, area=village)
    old = b.survey(kiln, surveyed_on=dt.date(2015, 3, 1))
    solution = b.solution(kiln, implemented_on=dt.date(2015, 9, 1))
    membership.move([kiln.pk], unit_id=commune.pk, on=dt.date(2025, 7, 1), reason="2025 reform")
    new = b.survey(kiln, surveyed_on=dt.date(2026, 3, 1))

    shown = {r.pk: r.unit_then for r in records(viewer_client.get(SURVEYS))}
    assert shown == {old.pk: "Gia Lâm", new.pk: "Bát Tràng"}
    assert [r.pk for r in records(viewer_client.get(SURVEYS, {"unit": district.pk}))] == [old.pk]
    assert [r.pk for r in records(viewer_client.get(SURVEYS, {"unit": commune.pk}))] == [new.pk]
    kind = ProductionArea.Kind.CRAFT_VILLAGE
    assert [r.pk for r in records(viewer_client.get(SURVEYS, {"area_kind": kind}))] == [old.pk]
    assert [r.pk for r in records(viewer_client.get(SOLUTIONS, {"unit": district.pk}))] == [solution.pk]
    assert not records(viewer_client.get(SOLUTIONS, {"unit": commune.pk}))
    exported = csv_rows(viewer_client.get(SURVEYS, {"_export": "csv", "sort": "surveyed_on"}))
    column = exported[0].index("Administrative unit")
    assert [row[column] for row in exported[1:]] == ["Gia Lâm", "Bát Tràng"]


def test_a_unit_chosen_says_where_the_records_of_its_other_days_are(viewer_client):
    """Bát Tràng commune was formed from Gia Lâm district on 2025-07-01: its list of 2015 surveys
    is empty, and says they are under Gia Lâm; Gia Lâm's says where those after 30/06/2025 are.
    Within the commune's own days, nothing is said."""
    district = b.unit("Gia Lâm", valid_until=dt.date(2025, 6, 30))
    commune = b.unit("Bát Tràng", kind="commune", valid_from=dt.date(2025, 7, 1))
    commune.predecessors.add(district)
    kiln = b.facility(code="K001", unit=district)
    b.survey(kiln, surveyed_on=dt.date(2015, 3, 1))
    before = "Records before 01/07/2025, when Bát Tràng was formed, are under Gia Lâm."
    after = "Records after 30/06/2025, when Gia Lâm ended, are under Bát Tràng."
    for url in (SURVEYS, ACTIVITIES, SOLUTIONS):
        response = viewer_client.get(url, {"unit": commune.pk, "date_from": "2015-01-01"})
        assert response.context["unit_note"] == before
        assert f"<strong>{before}</strong>" in response.content.decode()
        assert viewer_client.get(url, {"unit": district.pk}).context["unit_note"] == after
        assert viewer_client.get(url, {"unit": commune.pk, "date_from": "2025-07-01"}).context["unit_note"] is None
