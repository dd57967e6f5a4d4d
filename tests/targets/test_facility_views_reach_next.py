"""Who to reach next, at /facilities/reach-next/: never-reached facilities, the
furthest-behind sectors and units first; filters; the invitation list export."""

import csv
import io

import openpyxl
import pytest
from django.urls import reverse

from facilities.models import Facility
from tests import builders as b
from tests.programmes.conftest import grant
from tests.responses import body
from tests.targets.test_facility_filters import build_reach_world

pytestmark = pytest.mark.django_db

URL = reverse("facilities:reach_next")
INVITATION_HEADERS = ["Code", "Name", "Sector", "Administrative unit", "Production area", "Kind", "Employees"]


@pytest.fixture
def viewer_client(client, staff_user):
    client.force_login(grant(staff_user, "facilities.view_facility"))
    return client


@pytest.fixture
def world():
    return build_reach_world()


def listed(response) -> list[str]:
    return [row.record.code for row in response.context["table"].paginated_rows]


def test_furthest_behind_sector_first(viewer_client, world):
    response = viewer_client.get(URL, {"as_of": "2015-12-31"})
    # Textile is 25 % aware (its unit U2 0 %, U1 50 %), ceramics 75 %.
    assert listed(response) == ["R3", "R4", "R2", "R1"]
    page = " ".join(response.content.decode().split())
    assert "4 facilities to reach." in page
    assert "25.0%" in page
    assert "75.0%" in page


def test_default_day_is_today(viewer_client, world):
    assert listed(viewer_client.get(URL)) == ["R3", "R4", "R2", "R1"]


@pytest.mark.parametrize(
    ("param", "expected"),
    [("sector", ["R3", "R4", "R2"]), ("unit", ["R3", "R4"])],
)
def test_filters(viewer_client, world, param, expected):
    value = world.textile.pk if param == "sector" else world.units[1].pk
    assert listed(viewer_client.get(URL, {"as_of": "2015-12-31", param: value})) == expected


def test_area_type_filter(viewer_client, world):
    assert listed(viewer_client.get(URL, {"as_of": "2015-12-31", "area_kind": "craft_village"})) == []


def test_invitation_list_csv(viewer_client, world):
    response = viewer_client.get(URL, {"as_of": "2015-12-31", "_export": "csv"})
    assert response["Content-Disposition"] == 'attachment; filename="invitations-2015-12-31.csv"'
    rows = list(csv.reader(io.StringIO(body(response).decode("utf-8-sig"))))
    assert rows[0] == INVITATION_HEADERS
    assert [row[0] for row in rows[1:]] == ["R3", "R4", "R2", "R1"]
    r3 = world.facilities["R3"]
    assert rows[1] == ["R3", r3.name, "Dệt may", "U2", "", "enterprise", ""]


def test_invitation_list_xlsx_escapes_formulas(viewer_client, world):
    world.facilities["R3"].name = "=cmd|' /C calc'!A0"
    world.facilities["R3"].save()
    response = viewer_client.get(URL, {"as_of": "2015-12-31", "_export": "xlsx"})
    sheet = openpyxl.load_workbook(io.BytesIO(body(response))).active
    rows = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert rows[0] == INVITATION_HEADERS
    assert rows[1][:2] == ["R3", "=cmd|' /C calc'!A0"]  # as it is, in a cell typed as a string
    assert sheet["B2"].data_type == "s"
    assert [row[0] for row in rows[1:]] == ["R3", "R4", "R2", "R1"]


def test_bad_day(viewer_client, world):
    response = viewer_client.get(URL, {"as_of": "2015-13-01"})
    assert listed(response) == []
    assert "errorlist" in response.content.decode()
    assert viewer_client.get(URL, {"as_of": "2015-13-01", "_export": "csv"}).status_code == 400


# --- Query counts ---------------------------------------------------------------------------------

#: Savepoint and release, session, user, permissions (as for the list), then
#: the coverage of each sector and of each unit, and for the page the count,
#: the sector and unit choices and the rows; for an export (streamed: counted until its
#: last byte is read) the rows.
PAGE = 6 + 2 + 4
EXPORT = 6 + 2 + 1
# An XLSX counts its rows first: above settings.EXPORT_BACKGROUND_ROWS a job writes it (jobs/exports.py).
EXPORT_QUERIES = {"csv": EXPORT, "xlsx": EXPORT + 1}


def many_never_reached(n: int) -> None:
    sectors = [b.sector() for _ in range(3)]
    units = [b.unit() for _ in range(3)]
    for i in range(n):
        facility = b.facility(sector=sectors[i % 3], unit=units[(i // 3) % 3])
        if i % 4 == 0:
            b.activity([facility])


@pytest.mark.parametrize("n", [3, 30])
def test_page_query_count_does_not_grow(viewer_client, django_assert_num_queries, n):
    many_never_reached(n)
    with django_assert_num_queries(PAGE):
        response = viewer_client.get(URL)
    assert len(listed(response)) == n - (n + 3) // 4


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
@pytest.mark.parametrize("n", [3, 30])
def test_export_query_count_does_not_grow(viewer_client, django_assert_num_queries, n, fmt):
    many_never_reached(n)
    with django_assert_num_queries(EXPORT_QUERIES[fmt]):
        response = viewer_client.get(URL, {"_export": fmt})
        assert response.status_code == 200
        assert body(response)


@pytest.mark.parametrize(
    ("language", "to_reach"), [("en", "1,001 facilities to reach."), ("vi", "1.001 cơ sở cần tiếp cận.")]
)
def test_the_count_is_grouped_as_the_language_writes_it(viewer_client, language, to_reach):
    sector, unit = b.sector(), b.unit()
    Facility.objects.bulk_create(
        Facility(code=f"G{i:04d}", name=f"Grouped {i}", sector=sector, unit=unit, employees=1070) for i in range(1001)
    )
    viewer_client.cookies["django_language"] = language
    page = viewer_client.get(URL).content.decode()
    assert to_reach in page
    assert ("1,070" if language == "en" else "1.070") in page
