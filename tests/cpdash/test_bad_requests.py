"""Requests a real user would not send get a 400 or a clear message, never a 500:
a NUL character anywhere in the request (cpdash.middleware.NulCharacterMiddleware),
digits that are not 0-9 ("²"), and an import confirmed twice (cpdash.admin.ConfirmOnceMixin).
On PostgreSQL a NUL reaching a query raised ValueError (500); on SQLite it found nothing."""

import pytest
from django.contrib.auth.models import User
from django.urls import reverse

from cpdash.roles import ADMINS, STAFF, ensure_groups
from cpdash.uploads import PrivateUploadStorage
from facilities.models import Facility
from programmes.models import OutreachActivity
from programmes.resources import OutreachActivityResource
from tests import builders
from tests.facilities.conftest import csv_bytes, register, rows_of  # noqa: F401 (register: a fixture)
from tests.facilities.test_admin_import import confirm, upload
from tests.programmes.test_admin_import_records import activity_row, make_register, table_bytes
from tests.programmes.test_admin_import_records import confirm as confirm_records
from tests.programmes.test_admin_import_records import upload as upload_records

pytestmark = pytest.mark.django_db

NUL_MESSAGE = "The request holds a NUL character"


@pytest.fixture
def staff_client(client, staff_user):
    ensure_groups()
    staff_user.groups.add(staff_user.groups.model.objects.get(name=STAFF))
    client.force_login(staff_user)
    return client


@pytest.fixture
def admins_client(client):
    ensure_groups()
    user = User.objects.create_user("keeper", "keeper@example.test", "keeper-pass-123", is_staff=True)
    user.groups.add(user.groups.model.objects.get(name=ADMINS))
    client.force_login(user)
    return client


@pytest.mark.parametrize(
    "url",
    [
        "/facilities/%00/",
        "/facilities/F%0001/",
        "/facilities/?q=%00",
        "/record/facilities/search.json?q=%00",
        "/record/facilities/search.json?q=ab%00c",
        "/api/indicators.json?programme=%00",
        "/api/indicators.json?%00=1",
    ],
)
def test_a_nul_character_answers_400(admins_client, url):
    response = admins_client.get(url)

    assert response.status_code == 400
    body = response.json()["error"] if url.split("?")[0].endswith(".json") else response.content.decode()
    assert NUL_MESSAGE in body


def test_a_nul_character_in_a_cookie_answers_400(admins_client):
    admins_client.cookies["sessionid"] = "abcdefgh\x00"

    assert admins_client.get("/facilities/").status_code == 400


def test_a_nul_character_is_refused_before_sign_in_too(client, db):
    assert client.get("/facilities/%00/").status_code == 400


def test_a_facility_page_still_opens(admins_client):
    facility = builders.facility(code="F/01")

    assert admins_client.get(reverse("facilities:detail", args=[facility.code])).status_code == 200


@pytest.mark.parametrize("text, expected", [("12", True), ("0", True), ("", False), ("²", False), ("٣", False)])
def test_is_ascii_digits(text, expected):
    from cpdash.text import is_ascii_digits

    assert is_ascii_digits(text) is expected


@pytest.mark.parametrize("limit", ["²", "٣", "1²", "-1", "1.5"])
def test_behind_refuses_a_limit_that_is_not_0_to_9(admins_client, limit):
    target = builders.target(builders.phase())

    response = admins_client.get(reverse("targets:behind", args=[target.pk]), {"limit": limit})

    assert response.status_code == 400
    assert response.json() == {"error": "limit must be a whole number."}


def test_a_solution_after_a_survey_ignores_a_survey_id_that_is_not_0_to_9(staff_client):
    response = staff_client.get(reverse("programmes:solution_create"), {"survey": "²"})

    assert response.status_code == 200


@pytest.mark.usefixtures("register")
def test_a_facility_import_confirmed_twice_is_imported_once(admin_client):
    preview = upload(admin_client, csv_bytes(rows_of(3)))
    assert confirm(admin_client, preview).status_code == 302

    again = confirm(admin_client, preview)

    assert again.status_code == 302
    assert again["Location"] == reverse("admin:facilities_facility_import")
    assert Facility.objects.count() == 3
    messages = [str(m) for m in again.wsgi_request._messages]
    assert any("already confirmed" in m for m in messages), messages


@pytest.mark.usefixtures("register")
def test_two_confirms_at_once_write_once(admin_client, monkeypatch):
    """Both requests read the file before either removed it: the one that finds the
    file gone when removing it rolls its import back."""
    preview = upload(admin_client, csv_bytes(rows_of(3)))
    read = PrivateUploadStorage.read

    def read_then_lose_the_race(self):
        data = read(self)
        self.remove()  # the other request finished first and removed the file
        return data

    monkeypatch.setattr(PrivateUploadStorage, "read", read_then_lose_the_race)

    response = confirm(admin_client, preview)

    assert response.status_code == 302
    assert response["Location"] == reverse("admin:facilities_facility_import")
    assert not Facility.objects.exists()


def test_a_records_import_confirmed_twice_is_imported_once(admin_client):
    make_register()
    preview = upload_records(admin_client, "outreachactivity", table_bytes(OutreachActivityResource, [activity_row()]))
    assert confirm_records(admin_client, "outreachactivity", preview).status_code == 302

    again = confirm_records(admin_client, "outreachactivity", preview)

    assert again.status_code == 302
    assert again["Location"] == reverse("admin:programmes_outreachactivity_import")
    assert OutreachActivity.objects.count() == 1
