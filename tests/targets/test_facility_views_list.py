"""The register list at /facilities/: filters from the query string (the
dashboard's links), the target drill-down, sorting, pages, counts, exports
equal to the filtered rows, and pinned query counts."""

import csv
import datetime as dt
import io

import openpyxl
import pytest
from django.urls import reverse

from cpdash.text import vietnamese_key
from facilities.models import Facility
from programmes import pathway
from targets.facility_filters import FacilityFilter, facility_register
from tests import builders as b
from tests.programmes.conftest import grant
from tests.responses import body
from tests.targets.test_facility_filters import build_register

pytestmark = pytest.mark.django_db

URL = reverse("facilities:list")


@pytest.fixture
def viewer_client(client, staff_user):
    client.force_login(grant(staff_user, "facilities.view_facility"))
    return client


@pytest.fixture
def register():
    return build_register()


def listed(response) -> list[str]:
    """Codes of the facilities in the page's table, in order."""
    return [row.record.code for row in response.context["table"].paginated_rows]


def csv_codes(response) -> list[str]:
    rows = list(csv.reader(io.StringIO(body(response).decode("utf-8-sig"))))
    return [row[0] for row in rows[1:]]


def xlsx_rows(response) -> list[list[object]]:
    sheet = openpyxl.load_workbook(io.BytesIO(body(response))).active
    return [list(row) for row in sheet.iter_rows(values_only=True)]


class TestPage:
    def test_lists_every_facility_with_counts(self, viewer_client, register):
        response = viewer_client.get(URL, {"as_of": "2015-12-31"})
        assert response.status_code == 200
        assert listed(response) == ["A001", "B002", "C003", "D004", "E005", "F006"]
        page = response.content.decode()
        assert "6 facilities match." in page
        assert "4 of them count toward targets: 2 aware (of which 1 applying), 2 never reached." in page
        assert "Xưởng gốm Bát Tràng" in page
        assert reverse("facilities:detail", args=["A001"]) in page

    @pytest.mark.parametrize(
        ("params", "expected"),
        [
            ({"as_of": "2015-12-31", "status": "aware"}, ["A001", "B002"]),
            ({"as_of": "2015-12-31", "status": "applying"}, ["B002"]),
            ({"as_of": "2015-12-31", "status": "never_reached"}, ["C003", "D004"]),
            ({"area_kind": "craft_village"}, ["A001"]),
            ({"q": "bat trang"}, ["A001"]),
            ({"kind": "cooperative"}, ["C003"]),
            ({"in_scope": "false"}, ["F006"]),
        ],
    )
    def test_query_string_filters(self, viewer_client, register, params, expected):
        assert listed(viewer_client.get(URL, params)) == expected

    def test_dashboard_links_by_sector_and_unit(self, viewer_client, register):
        by_sector = {"as_of": "2015-12-31", "status": "aware", "sector": register.sectors.textile.pk}
        assert listed(viewer_client.get(URL, by_sector)) == ["B002"]
        by_unit = {"as_of": "2015-12-31", "status": "aware", "unit": register.units.gia_lam.pk}
        assert listed(viewer_client.get(URL, by_unit)) == ["A001"]

    def test_sort_by_a_column(self, viewer_client, register):
        assert listed(viewer_client.get(URL, {"sort": "-code"}))[0] == "F006"
        # A header sorts from the first page, keeping the filters.
        page = viewer_client.get(URL, {"q": "a", "sort": "code", "page": "1"}).content.decode()
        assert 'href="?q=a&amp;sort=-code"' in page and "page=1" not in page.split("<thead", 1)[1].split("</thead>")[0]
        by_aware = listed(viewer_client.get(URL, {"sort": "aware_since"}))
        # First contacts: E005 2013, A001 and F006 2014, B002 2015, D004 2016; C003 never (last).
        assert by_aware == ["E005", "A001", "F006", "B002", "D004", "C003"]
        assert listed(viewer_client.get(URL, {"sort": "-applying_since"}))[-1] == "B002"

    @pytest.mark.parametrize("column", ["name", "sector", "unit", "area"])
    def test_names_sort_in_the_order_of_the_vietnamese_alphabet(self, viewer_client, column):
        """Not by code point (Đ after Z, "Ba Vì" before "Ba Đình"), both ways, in the export too:
        each facility, its sector, unit and area named alike."""
        names = ["Zeta Co", "Đông Anh Co", "Dệt Co", "Ba Vì Co", "Ba Đình Co", "an Khánh Co", "Ân Thi Co"]
        for i, name in enumerate(names):
            unit = b.unit(name)
            b.facility(code=f"V{i:03d}", name=name, sector=b.sector(name), unit=unit, area=b.area(name, unit=unit))
        expected = [f"V{names.index(name):03d}" for name in sorted(names, key=vietnamese_key)]
        assert listed(viewer_client.get(URL, {"sort": column})) == expected
        assert listed(viewer_client.get(URL, {"sort": f"-{column}"})) == expected[::-1]
        assert csv_codes(viewer_client.get(URL, {"sort": column, "_export": "csv"})) == expected

    def test_pages_of_fifty(self, viewer_client):
        sector, unit = b.sector(), b.unit()
        for i in range(55):
            b.facility(code=f"P{i:03d}", sector=sector, unit=unit)
        first = viewer_client.get(URL)
        assert len(listed(first)) == 50
        assert "55 facilities match." in first.content.decode()
        assert listed(viewer_client.get(URL, {"page": 2})) == [f"P{i:03d}" for i in range(50, 55)]
        assert listed(viewer_client.get(URL, {"page": 99})) == listed(viewer_client.get(URL, {"page": 2}))
        assert listed(viewer_client.get(URL, {"page": "x"})) == listed(first)

    def test_pages_of_a_filtered_list_follow_its_summary(self, viewer_client):
        # The paginator takes its count from the summary's total: the filtered rows (2 pages),
        # not the register (3 pages).
        sector, unit = b.sector(), b.unit()
        reached = []
        for i in range(110):
            facility = b.facility(code=f"P{i:03d}", sector=sector, unit=unit)
            if i < 53:
                reached.append(facility)
        b.activity(reached, held_on=dt.date(2014, 1, 1))
        query = {"status": "aware", "as_of": "2015-12-31"}
        first = viewer_client.get(URL, query)
        assert "53 facilities match." in first.content.decode()
        paginator = first.context["table"].paginator
        assert (paginator.count, paginator.num_pages) == (53, 2)
        assert listed(viewer_client.get(URL, {**query, "page": 2})) == [f"P{i:03d}" for i in range(50, 53)]
        assert listed(viewer_client.get(URL, {**query, "page": 99})) == ["P050", "P051", "P052"]

    @pytest.mark.parametrize(
        ("language", "matches", "employees", "second"),
        [
            ("en", "1,001 facilities match.", "1,070", ("1,001 of them", "1,001 never reached")),
            ("vi", "1.001 cơ sở phù hợp.", "1.070", ("1.001 cơ sở trong số này", "1.001 chưa được tiếp cận")),
        ],
    )
    def test_counts_and_employees_are_grouped_as_the_language_writes_them(
        self, viewer_client, language, matches, employees, second
    ):
        sector, unit = b.sector(), b.unit()
        Facility.objects.bulk_create(
            Facility(code=f"G{i:04d}", name=f"Grouped {i}", sector=sector, unit=unit, employees=1070)
            for i in range(1001)
        )
        pathway.rebuild()  # bulk_create writes no membership or pathway row; every writer of the register does
        viewer_client.cookies["django_language"] = language
        page = viewer_client.get(URL).content.decode()
        assert matches in page
        assert f'<td class="num">{employees}</td>' in page
        # The second sentence groups its counts too (1,001 counted: every facility is in scope and
        # open; none reached).
        for words in second:
            assert words in page

    @pytest.mark.parametrize(
        ("language", "sentence"),
        [
            ("en", "1 of them counts toward targets: 0 aware (of which 0 applying), 1 never reached."),
            (
                "vi",
                "1 cơ sở trong số này được tính vào mục tiêu: 0 đã có nhận thức (trong đó 0 đã áp dụng), "
                "1 chưa được tiếp cận.",
            ),
        ],
    )
    def test_one_facility_counted_is_singular(self, viewer_client, language, sentence):
        b.facility()
        viewer_client.cookies["django_language"] = language
        page = viewer_client.get(URL).content.decode()
        assert sentence in page

    def test_bad_filters_show_the_error_and_no_rows(self, viewer_client, register):
        response = viewer_client.get(URL, {"as_of": "31/02/2015"})
        assert response.status_code == 200
        assert listed(response) == []
        assert "errorlist" in response.content.decode()

    def test_export_links_keep_the_filters(self, viewer_client, register):
        page = viewer_client.get(URL, {"status": "aware", "page": "1"}).content.decode()
        assert "?status=aware&amp;_export=csv" in page
        assert "?status=aware&amp;_export=xlsx" in page


class TestTargetDrillDown:
    def test_lists_exactly_the_numerator(self, viewer_client, register):
        target = b.target(indicator="awareness", target_min=50)
        response = viewer_client.get(URL, {"target": target.pk, "as_of": "2015-12-31"})
        assert listed(response) == ["A001", "B002"]
        page = response.content.decode()
        assert "Facilities counted for the target “facilities aware of CP ≥ 50% (2015)” on 31/12/2015" in page
        assert f'name="target" value="{target.pk}"' in page  # kept when the filters change

    def test_application_target_with_scope(self, viewer_client, register):
        target = b.target(indicator="application", target_min=25, sector=register.sectors.textile)
        response = viewer_client.get(URL, {"target": target.pk, "as_of": "2015-12-31"})
        assert listed(response) == ["B002"]
        assert "Dệt may" in response.content.decode()

    def test_export_of_the_numerator(self, viewer_client, register):
        target = b.target(indicator="awareness")
        response = viewer_client.get(URL, {"target": target.pk, "as_of": "2015-12-31", "_export": "csv"})
        assert csv_codes(response) == ["A001", "B002"]

    def test_unknown_target(self, viewer_client, register):
        response = viewer_client.get(URL, {"target": 999999})
        assert listed(response) == []
        assert "There is no such target" in response.content.decode()


class TestExport:
    @pytest.mark.parametrize(
        "params",
        [
            {},
            {"as_of": "2015-12-31", "status": "aware"},
            {"as_of": "2015-12-31", "status": "never_reached", "sort": "-code"},
            {"q": "dan phuong"},
            {"in_scope": "true", "sort": "-aware_since"},
        ],
    )
    def test_csv_rows_are_the_filtered_rows(self, viewer_client, register, params):
        response = viewer_client.get(URL, {**params, "_export": "csv"})
        assert response.status_code == 200
        assert response["Content-Type"] == "text/csv; charset=utf-8"
        assert response["Content-Disposition"].startswith('attachment; filename="facilities-')
        expected = listed(viewer_client.get(URL, params))
        assert csv_codes(response) == expected
        filterset = FacilityFilter(params, queryset=facility_register())
        assert filterset.is_valid()
        assert sorted(csv_codes(response)) == sorted(filterset.qs.values_list("code", flat=True))

    def test_xlsx_rows_are_the_filtered_rows(self, viewer_client, register):
        params = {"as_of": "2015-12-31", "status": "aware"}
        response = viewer_client.get(URL, {**params, "_export": "xlsx"})
        assert response["Content-Disposition"] == 'attachment; filename="facilities-2015-12-31.xlsx"'
        rows = xlsx_rows(response)
        assert rows[0][:3] == ["Code", "Name", "Sector"]
        assert rows[1:] == [
            ["A001", "Xưởng gốm Bát Tràng", "Gốm sứ", "Gia Lâm", "Bát Tràng", "craft household", None,
             dt.datetime(2014, 5, 1), None, "aware"],
            ["B002", "Công ty Dệt Hà Đông", "Dệt may", "Hà Đông", "Quang Minh", "enterprise", None,
             dt.datetime(2015, 3, 1), dt.datetime(2015, 3, 1), "applying"],
        ]  # fmt: skip

    def test_whole_list_not_only_the_page(self, viewer_client):
        sector, unit = b.sector(), b.unit()
        for i in range(55):
            b.facility(code=f"P{i:03d}", sector=sector, unit=unit)
        assert len(csv_codes(viewer_client.get(URL, {"_export": "csv", "page": 2}))) == 55

    def test_formula_injection_escaped(self, viewer_client):
        b.facility(code="=1+1", name='=HYPERLINK("http://evil.test","click")', sector=b.sector("@Ngành"))
        csv_response = viewer_client.get(URL, {"_export": "csv"})
        row = list(csv.reader(io.StringIO(body(csv_response).decode("utf-8-sig"))))[1]
        assert row[:3] == ["'=1+1", '\'=HYPERLINK("http://evil.test","click")', "'@Ngành"]
        # XLSX: the text as it is, typed as strings (never formulas: tests/cpdash/test_exports_injection.py)
        xlsx_row = xlsx_rows(viewer_client.get(URL, {"_export": "xlsx"}))[1]
        assert xlsx_row[:3] == ["=1+1", '=HYPERLINK("http://evil.test","click")', "@Ngành"]

    def test_bad_filters_refuse_to_export(self, viewer_client, register):
        response = viewer_client.get(URL, {"as_of": "yesterday", "_export": "csv"})
        assert response.status_code == 400

    def test_unknown_format_shows_the_page(self, viewer_client, register):
        response = viewer_client.get(URL, {"_export": "json"})
        assert response.status_code == 200
        assert response["Content-Type"].startswith("text/html")


# --- Query counts ---------------------------------------------------------------------------------

#: Per request: the savepoint and its release (ATOMIC_REQUESTS inside the test's transaction),
#: session, user, the user's permissions, their groups' permissions.
SIGNED_IN = 6
#: The page: the sector, unit and area choices, the rows, the status counts (whose total is
#: the paginator's count: no COUNT of its own).
PAGE = SIGNED_IN + 5
#: With ``sector`` and ``target``: each value checked once more.
PAGE_FILTERED = PAGE + 2
#: An export (streamed: counted until its last byte is read): the rows.
EXPORT = SIGNED_IN + 1
# An XLSX counts its rows first: above settings.EXPORT_BACKGROUND_ROWS a job writes it (jobs/exports.py).
EXPORT_QUERIES = {"csv": EXPORT, "xlsx": EXPORT + 1}


def many_facilities(n: int) -> None:
    """n facilities in varied sectors, units and areas, each with contacts."""
    sectors = [b.sector() for _ in range(3)]
    units = [b.unit() for _ in range(3)]
    area = b.area(unit=units[0])
    for i in range(n):
        facility = b.facility(sector=sectors[i % 3], unit=units[i % 3], area=area if i % 2 else None)
        b.activity([facility], held_on=dt.date(2014, 1 + i % 12, 1))
        if i % 3 == 0:
            b.solution(facility, implemented_on=dt.date(2015, 1, 1), savings={"energy": (100, 94)})


@pytest.mark.parametrize("n", [3, 30])
def test_page_query_count_does_not_grow(viewer_client, django_assert_num_queries, n):
    many_facilities(n)
    with django_assert_num_queries(PAGE):
        response = viewer_client.get(URL, {"as_of": "2015-12-31", "status": "aware", "sort": "-aware_since"})
    assert len(listed(response)) == n


@pytest.mark.parametrize("n", [3, 30])
def test_filtered_page_query_count_does_not_grow(viewer_client, django_assert_num_queries, n):
    many_facilities(n)
    sector = b.sector()
    target = b.target(indicator="awareness")
    with django_assert_num_queries(PAGE_FILTERED):
        viewer_client.get(URL, {"as_of": "2015-12-31", "target": target.pk, "sector": sector.pk})


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
@pytest.mark.parametrize("n", [3, 30])
def test_export_query_count_does_not_grow(viewer_client, django_assert_num_queries, n, fmt):
    many_facilities(n)
    with django_assert_num_queries(EXPORT_QUERIES[fmt]):
        response = viewer_client.get(URL, {"_export": fmt, "sort": "sector"})
        body(response)
    assert response.status_code == 200
    assert len(csv_codes(response) if fmt == "csv" else xlsx_rows(response)[1:]) == n


@pytest.mark.parametrize("as_of", ["2999-01-01", "0001-01-01", "31/02/2015", "2015-13-01", "x\x00"])
def test_an_as_of_date_the_policy_refuses_is_a_form_error_not_today(viewer_client, register, as_of):
    """One as-of policy for every page (cpdash.dates): no silent fall-back to today."""
    response = viewer_client.get(URL, {"as_of": as_of})
    assert response.status_code in (200, 400)
    if response.status_code == 200:
        assert response.context["filter"].form.errors["as_of"]
        assert listed(response) == []


def test_a_day_first_as_of_date_is_read_as_vietnamese_write_it(viewer_client, register):
    assert listed(viewer_client.get(URL, {"as_of": "31/12/2015"})) == listed(
        viewer_client.get(URL, {"as_of": "2015-12-31"})
    )


@pytest.mark.parametrize(
    ("language", "saving_min", "expected"),
    [
        ("vi", "6,5", ["B002"]),  # as a Vietnamese user types it
        ("vi", "7,5", []),
        ("vi", "6.5", ["B002"]),  # as the dashboard's funnel links it
        ("en", "6.5", ["B002"]),
        ("en", "7.5", []),
    ],
)
def test_the_saving_reached_is_typed_as_the_language_writes_it(viewer_client, register, language, saving_min, expected):
    """B002 saved 7 %. The field is a text input with the decimal keyboard (a number input turned
    "7,5" into 75 in a Vietnamese page), and shows the value back as it was typed."""
    viewer_client.cookies["django_language"] = language
    response = viewer_client.get(URL, {"status": "saving_reached", "as_of": "2015-12-31", "saving_min": saving_min})
    assert response.status_code == 200
    assert not response.context["filter"].form.errors
    assert listed(response) == expected
    page = response.content.decode()
    field = next(tag for tag in page.split("<input")[1:] if 'name="saving_min"' in tag)
    assert 'type="text"' in field and 'inputmode="decimal"' in field and f'value="{saving_min}"' in field
    assert "Nhập một số" not in page and "Enter a number" not in page


@pytest.mark.parametrize("url", [URL, reverse("facilities:reach_next")])
def test_a_unit_that_did_not_exist_on_the_day_is_said_with_its_successors(viewer_client, url):
    """Filtered by Từ Liêm (last day 31/12/2013) as of 2014-06-30, the register and the
    invitation list say why they hold no facility of it; as of 2013-06-30, nothing is said."""
    tu_liem = b.unit("Từ Liêm", valid_until=dt.date(2013, 12, 31))
    b.unit("Bắc Từ Liêm", valid_from=dt.date(2014, 1, 1)).predecessors.add(tu_liem)
    said = "Từ Liêm no longer existed on 30/06/2014 (its last day was 31/12/2013). It was succeeded by Bắc Từ Liêm."
    content = viewer_client.get(url, {"unit": tu_liem.pk, "as_of": "2014-06-30"}).content.decode()
    assert f"<strong>{said}</strong>" in content
    # Nor does the invitation list go on to say that everyone counted then was reached.
    assert "has been reached" not in content
    assert "No facility matches these filters." in content
    content = viewer_client.get(url, {"unit": tu_liem.pk, "as_of": "2013-06-30"}).content.decode()
    assert "no longer existed" not in content
