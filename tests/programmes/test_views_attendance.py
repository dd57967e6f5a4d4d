"""Attendance of large workshops: facility search as you type, and codes
pasted from a spreadsheet resolved all at once."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cpdash.text import vietnamese_key
from facilities.models import Facility
from programmes.models import Attendance, OutreachActivity
from tests import builders
from tests.programmes.conftest import grant, rows

pytestmark = pytest.mark.django_db

D = dt.date(2015, 6, 30)
SEARCH = "programmes:facility_search"


def search(client, q: str) -> list[dict]:
    response = client.get(reverse(SEARCH), {"q": q})
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    return response.json()["results"]


# --- Search as you type ---------------------------------------------------------


def test_search_ignores_diacritics_and_case(client, outsider):
    gia_lam = builders.unit("Gia Lâm")
    bat_trang = builders.facility(code="0101234567", name="Gốm sứ Bát Tràng", unit=gia_lam)
    builders.facility(name="Dệt Vạn Phúc")
    client.force_login(grant(outsider, "facilities.view_facility"))
    expected = [{"id": bat_trang.pk, "code": "0101234567", "name": "Gốm sứ Bát Tràng", "unit": "Gia Lâm", "status": ""}]
    assert search(client, "bat trang") == expected
    assert search(client, "BÁT  TRÀNG") == expected
    assert search(client, "gom su") == expected


def test_search_finds_by_code(client, outsider):
    facility = builders.facility(code="0109876543")
    builders.facility(code="0200000000")
    client.force_login(grant(outsider, "facilities.view_facility"))
    assert [r["id"] for r in search(client, "98765")] == [facility.pk]


def test_search_finds_d_with_stroke(client, outsider):
    facility = builders.facility(name="Cơ khí Đông Anh")
    client.force_login(grant(outsider, "facilities.view_facility"))
    assert [r["id"] for r in search(client, "dong anh")] == [facility.pk]


def test_search_returns_at_most_20_by_name(client, outsider):
    unit, sector = builders.unit(), builders.sector()
    for n in range(25):
        builders.facility(name=f"Làng gốm {n:02d}", unit=unit, sector=sector)
    client.force_login(grant(outsider, "facilities.view_facility"))
    names = [r["name"] for r in search(client, "lang gom")]
    assert names == [f"Làng gốm {n:02d}" for n in range(20)]
    # Cut at 20: the answer says so.
    assert client.get(reverse(SEARCH), {"q": "lang gom"}).json()["note"].startswith("Only the first 20 are listed")
    assert client.get(reverse(SEARCH), {"q": "gom 01"}).json()["note"] == ""


def test_search_lists_names_in_the_order_of_the_vietnamese_alphabet(client, outsider):
    """Not by code point: "Cơ khí Đông Anh" after "Cơ khí Dệt", before "Cơ khí Zeta"."""
    unit, sector = builders.unit(), builders.sector()
    names = ["Cơ khí Zeta", "Cơ khí Đông Anh", "Cơ khí Dệt", "Cơ khí Ba Vì", "Cơ khí Ba Đình", "cơ khí Ân Thi"]
    for name in names:
        builders.facility(name=name, unit=unit, sector=sector)
    client.force_login(grant(outsider, "facilities.view_facility"))
    assert [r["name"] for r in search(client, "co khi")] == sorted(names, key=vietnamese_key)


def test_search_marks_closed_and_out_of_scope_facilities(client, outsider):
    builders.facility(name="Gốm A", closed_on=dt.date(2019, 3, 12), opened_on=dt.date(2000, 1, 1))
    builders.facility(name="Gốm B", in_scope=False)
    builders.facility(name="Gốm C")
    client.force_login(grant(outsider, "facilities.view_facility"))
    client.cookies["django_language"] = "vi"
    statuses = {r["name"]: r["status"] for r in search(client, "gom")}
    assert statuses == {"Gốm A": "đã ngừng hoạt động ngày 12/03/2019", "Gốm B": "không tính vào chỉ tiêu", "Gốm C": ""}


def test_blank_search_returns_nothing_without_a_query(client, outsider, django_assert_num_queries):
    builders.facility()
    client.force_login(grant(outsider, "facilities.view_facility"))
    with django_assert_num_queries(6):  # session, user, user and group permissions, SAVEPOINT, RELEASE
        assert search(client, "   ") == []


@pytest.mark.parametrize("n", [3, 30])
def test_search_is_one_query(client, outsider, django_assert_num_queries, n):
    unit, sector = builders.unit(), builders.sector()
    for i in range(n):
        builders.facility(name=f"Bát Tràng {i}", unit=builders.unit() if i % 2 else unit, sector=sector)
    client.force_login(grant(outsider, "facilities.view_facility"))
    # session, user, user and group permissions, SAVEPOINT, the search, RELEASE
    with django_assert_num_queries(7):
        results = search(client, "bat trang")
    assert len(results) == min(n, 20)


def test_search_requires_sign_in(client):
    response = client.get(reverse(SEARCH), {"q": "bat"})
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


# --- Pasting a column of codes ------------------------------------------------------


def workshop(paste: str = "", attendance=(), held_on: dt.date = D) -> dict:
    return {
        "kind": "workshop",
        "title": "CP workshop, Bát Tràng",
        "held_on": held_on.isoformat(),
        "paste": paste,
        **rows("attendance", *attendance),
    }


@pytest.fixture
def eighty(db) -> list[Facility]:
    unit, sector = builders.unit(), builders.sector()
    return [builders.facility(code=f"01{n:08d}", unit=unit, sector=sector) for n in range(80)]


def spreadsheet_column(codes: list[str]) -> str:
    """Codes as they arrive from a spreadsheet: CRLF, stray tabs and spaces, blanks, repeats."""
    lines = [f"\t{code} " if i % 7 == 0 else code for i, code in enumerate(codes)]
    lines[10:10] = ["", "   ", codes[0], f"{codes[1]};{codes[2]},"]
    return "\r\n".join(lines) + "\r\n"


def test_paste_80_codes_records_80_attendances(recorder_client, eighty, django_assert_max_num_queries):
    paste = spreadsheet_column([f.code for f in eighty])
    # The codes are resolved in one query and written in one (and their history in one):
    # the count does not grow with the paste.
    with django_assert_max_num_queries(22):
        response = recorder_client.post(reverse("programmes:activity_create"), workshop(paste))
    assert response.status_code == 302
    activity = OutreachActivity.objects.get()
    assert activity.attendances.count() == 80
    assert set(activity.attendances.values_list("facility__code", flat=True)) == {f.code for f in eighty}
    assert set(activity.attendances.values_list("people", flat=True)) == {1}


def test_paste_resolves_all_codes_in_one_query(recorder_client, eighty, django_assert_num_queries):
    paste = "\n".join(f.code for f in eighty)
    # SAVEPOINT (request), session, user, user perms, group perms, the codes (one query),
    # the activity's natural key (kind, title, date: not stored yet), SAVEPOINT (the view's save),
    # SAVEPOINT (the record and its rows), INSERT activity, INSERT its history, INSERT attendance
    # (all rows at once), INSERT their history (all rows at once), the pathway of the 80 facilities
    # (their ids, DELETE rows, DELETE saving steps of both kinds, INSERT rows, SELECT savings), RELEASE × 3
    with django_assert_num_queries(22):
        response = recorder_client.post(reverse("programmes:activity_create"), workshop(paste))
    assert response.status_code == 302
    assert Attendance.objects.count() == 80


def test_paste_with_unknown_codes_lists_them_and_writes_nothing(recorder_client, eighty):
    codes = [f.code for f in eighty[:78]]
    paste = "\n".join([*codes[:40], "0199999998", *codes[40:], "NOT-A-CODE", "0199999998"])
    response = recorder_client.post(reverse("programmes:activity_create"), workshop(paste))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Unknown facility codes: 0199999998, NOT-A-CODE. Nothing was saved" in page
    assert (OutreachActivity.objects.count(), Attendance.objects.count()) == (0, 0)
    # What was typed stays in the form, to be corrected.
    assert response.context["form"]["paste"].value() == paste
    assert "NOT-A-CODE\n0199999998</textarea>" in page


def test_paste_with_a_closed_facility_names_it_and_writes_nothing(recorder_client, eighty):
    eighty[5].closed_on = dt.date(2015, 1, 1)
    eighty[5].save()
    paste = "\n".join(f.code for f in eighty)
    response = recorder_client.post(reverse("programmes:activity_create"), workshop(paste))
    assert response.status_code == 200
    assert f"{eighty[5]} had closed by" in response.content.decode()
    assert Attendance.objects.count() == 0


def test_rows_added_by_search_and_pasted_codes_together(recorder_client, eighty):
    searched = [{"facility": f.code, "people": 2} for f in eighty[:10]]
    paste = "\n".join(f.code for f in eighty[5:])  # overlaps the rows: those are skipped
    response = recorder_client.post(reverse("programmes:activity_create"), workshop(paste, searched))
    assert response.status_code == 302
    people = dict(Attendance.objects.values_list("facility__code", "people"))
    assert len(people) == 80
    assert people[eighty[0].code] == 2
    assert people[eighty[79].code] == 1


def test_same_facility_twice_in_rows_is_named(recorder_client):
    facility = builders.facility(name="Gốm Kim Lan")
    twice = [{"facility": facility.code, "people": 1}] * 2
    response = recorder_client.post(reverse("programmes:activity_create"), workshop(attendance=twice))
    assert response.status_code == 200
    assert "These facilities are listed more than once: Gốm Kim Lan" in response.content.decode()
    assert OutreachActivity.objects.count() == 0


def test_edit_page_lists_attendance_by_name(recorder_client):
    a = builders.facility(name="B facility")
    b = builders.facility(name="A facility")
    activity = builders.activity(facilities=[a, b])
    response = recorder_client.get(reverse("programmes:activity_edit", args=[activity.pk]))
    page = response.content.decode()
    assert page.index("A facility") < page.index("B facility")
    assert "js/attendance.js" in page
    assert "data-row-template" in page
    assert 'name="attendance-TOTAL_FORMS" value="2"' in page


def test_edit_page_query_count_does_not_grow_with_attendance(recorder_client, eighty):
    counts = []
    for activity in (builders.activity(facilities=eighty[:3]), builders.activity(facilities=eighty)):
        with CaptureQueriesContext(connection) as captured:
            assert recorder_client.get(reverse("programmes:activity_edit", args=[activity.pk])).status_code == 200
        counts.append(len(captured))
    assert counts[0] == counts[1]
