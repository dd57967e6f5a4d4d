"""Every list's CSV and XLSX export holds the rows of the list it comes from, filters and
sort applied, all its pages (not only the one shown), in both languages (Vietnamese CSV
separates cells with ";"): the facility list, the invitation list, and the staff's lists of
surveys, activities and solutions."""

import csv
import datetime as dt
import io

import openpyxl
import pytest
from django.conf import settings
from django.contrib.auth.models import Group, User
from django.urls import reverse

from cpdash.exports import csv_dialect
from cpdash.roles import STAFF, ensure_groups
from cpdash.tables import PER_PAGE
from tests import builders as b
from tests.responses import body

pytestmark = pytest.mark.django_db

#: Records per kind: more than a page, so that the export must hold every page.
COUNT = PER_PAGE + 12


@pytest.fixture
def world():
    """COUNT facilities, every other one in sector "Dệt may" and unit "Hà Đông", each with a
    survey (2014), a solution (2014) and an activity (2013 for the first half, 2014 after)."""
    textile, ceramics = b.sector("Dệt may"), b.sector("Gốm sứ")
    ha_dong, gia_lam = b.unit("Hà Đông"), b.unit("Gia Lâm")
    facilities = []
    for i in range(COUNT):
        sector, unit = (textile, ha_dong) if i % 2 else (ceramics, gia_lam)
        facility = b.facility(code=f"F{i:03d}", name=f"Cơ sở {i:03d}", sector=sector, unit=unit)
        b.survey(facility, surveyed_on=dt.date(2014, 1, 1) + dt.timedelta(days=i))
        b.solution(facility, implemented_on=dt.date(2014, 2, 1) + dt.timedelta(days=i), description=f"Giải pháp {i}")
        year = 2013 if i < COUNT // 2 else 2014
        b.activity([], title=f"Hội thảo {i:03d}", held_on=dt.date(year, 3, 1) + dt.timedelta(days=i), unit=unit)
        facilities.append(facility)
    return {"textile": textile.pk, "ha_dong": ha_dong.pk}


@pytest.fixture
def staff_client(client, staff_user):
    ensure_groups()
    staff_user.groups.add(Group.objects.get(name=STAFF))
    client.force_login(User.objects.get(pk=staff_user.pk))
    return client


#: List → (its URL, its filters (world's names resolved), the record's key, the export's key column).
LISTS = {
    "facilities": ("facilities:list", {"sector": "textile", "as_of": "2015-12-31", "sort": "-code"},
                   lambda r: r.code, 0),
    "invitations": ("facilities:reach_next", {"sector": "textile", "as_of": "2013-12-31"}, lambda r: r.code, 0),
    "surveys": ("programmes:survey_list", {"unit": "ha_dong", "sort": "facility"}, lambda r: r.facility.code, 2),
    "activities": ("programmes:activity_list", {"date_from": "2014-01-01", "sort": "-held_on"},
                   lambda r: r.title, 2),
    "solutions": ("programmes:solution_list", {"sector": "textile"}, lambda r: r.facility.code, 2),
}  # fmt: skip


def listed(client, url: str, params: dict) -> list[str]:
    """The keys of the list's rows, page after page."""
    name, _params, key, _column = LISTS[url]
    keys, page = [], 1
    while True:
        response = client.get(reverse(name), {**params, "page": page})
        assert response.status_code == 200
        table = response.context["table"]
        keys += [key(row.record) for row in table.paginated_rows]
        if page >= table.paginator.num_pages:
            return keys
        page += 1


def exported(client, url: str, params: dict, fmt: str, language: str) -> list[str]:
    name, _params, _key, column = LISTS[url]
    response = client.get(reverse(name), {**params, "_export": fmt, "page": 2})
    assert response.status_code == 200
    if fmt == "csv":
        delimiter, _decimal = csv_dialect(language)
        rows = list(csv.reader(io.StringIO(body(response).decode("utf-8-sig")), delimiter=delimiter))
    else:
        sheet = openpyxl.load_workbook(io.BytesIO(body(response))).active
        rows = [list(row) for row in sheet.iter_rows(values_only=True)]
    return [str(row[column]) for row in rows[1:]]


@pytest.mark.parametrize("language", ["vi", "en"])
@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
@pytest.mark.parametrize("url", sorted(LISTS))
def test_the_export_has_the_lists_rows(staff_client, world, url, fmt, language):
    staff_client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    params = {k: world.get(v, v) for k, v in LISTS[url][1].items()}

    shown = listed(staff_client, url, params)
    everything = listed(staff_client, url, {k: v for k, v in params.items() if k == "as_of"})

    assert 0 < len(shown) < len(everything)  # the filters keep some rows, not all
    assert exported(staff_client, url, params, fmt, language) == shown
