"""Pasted facility codes resolved as they are pasted (programmes.views.facility_codes, called
by static/js/attendance.js): the facilities named and their count, unknown codes at once.
The activity form still checks every code on save (tests/programmes/test_views_attendance.py)."""

import datetime as dt

import pytest
from django.conf import settings
from django.urls import reverse

from programmes.views import PASTE_MAX
from tests import builders
from tests.programmes.conftest import grant

pytestmark = pytest.mark.django_db

CODES = "programmes:facility_codes"


@pytest.fixture
def viewer_client(client, outsider):
    client.force_login(grant(outsider, "facilities.view_facility"))
    return client


def resolve(client, text: str, status: int = 200) -> dict:
    response = client.post(reverse(CODES), {"codes": text})
    assert response.status_code == status
    assert response["Content-Type"] == "application/json"
    return response.json()


def test_names_the_facilities_in_the_order_pasted_and_flags_unknown_codes(viewer_client):
    gia_lam = builders.unit("Gia Lâm")
    builders.facility(code="0101", name="Gốm Bát Tràng", unit=gia_lam)
    builders.facility(code="0102", name="Dệt Vạn Phúc", unit=gia_lam)
    builders.facility(code="0103", name="Closed one", unit=gia_lam, closed_on=dt.date(2014, 1, 1))

    answer = resolve(viewer_client, "0102\n0101; X9 ,0101\t0103\n\nY8")

    assert [f["code"] for f in answer["found"]] == ["0102", "0101", "0103"]
    assert answer["found"][1] == {"code": "0101", "name": "Gốm Bát Tràng", "unit": "Gia Lâm", "status": ""}
    assert answer["found"][2]["status"] == "closed on 01/01/2014"
    assert answer["count"] == 3
    assert answer["message"] == "3 facilities found."
    assert answer["unknown"] == ["X9", "Y8"]
    assert answer["unknown_message"] == "2 unknown codes: X9, Y8."


def test_in_vietnamese(viewer_client):
    builders.facility(code="0101")
    viewer_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "vi"

    answer = resolve(viewer_client, "0101 X9")

    assert answer["message"] == "Tìm thấy 1 cơ sở."
    assert answer["unknown_message"] == "1 mã không tồn tại: X9."


def test_nothing_pasted(viewer_client):
    assert resolve(viewer_client, "  \n ") == {
        "count": 0,
        "found": [],
        "unknown": [],
        "message": "0 facilities found.",
        "unknown_message": "",
    }


def test_one_query_whatever_the_number_of_codes(viewer_client, django_assert_num_queries):
    for n in range(30):
        builders.facility(code=f"C{n:03d}")
    text = "\n".join(f"C{n:03d}" for n in range(40))

    # session, user, SAVEPOINT, permissions (user, groups), the facilities, RELEASE
    with django_assert_num_queries(7):
        answer = resolve(viewer_client, text)

    assert answer["count"] == 30 and len(answer["unknown"]) == 10


def test_more_codes_than_the_limit_are_refused(viewer_client):
    answer = resolve(viewer_client, "\n".join(f"C{n}" for n in range(PASTE_MAX + 1)), status=400)

    assert str(PASTE_MAX) in answer["error"].replace(",", "")


def test_only_a_post(viewer_client):
    assert viewer_client.get(reverse(CODES), {"codes": "0101"}).status_code == 405


def test_an_outsider_is_refused(client, outsider):
    client.force_login(outsider)

    assert client.post(reverse(CODES), {"codes": "0101"}).status_code == 403


def test_the_activity_form_calls_it(recorder_client):
    page = recorder_client.get(reverse("programmes:activity_create")).content.decode()

    assert f'data-codes-url="{reverse(CODES)}"' in page
    assert "data-paste-result" in page
