"""The upload between an import's preview and its confirm (cpdash.uploads,
cpdash.admin.PrivateUploadMixin): kept in the private folder under a random
name, confirmed only by the user and session that previewed it, removed when
not confirmed.

The trial's exploit: signed in with the import permission, posting
``import_file_name=<a file in /tmp>`` to the confirm URL showed that file's
first line in the error message, then deleted the file."""

import io
import os
import tempfile
import time
from pathlib import Path
from unittest import mock

import pytest
from django.contrib.auth.models import User
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from cpdash import uploads
from facilities.models import Facility
from tests.facilities.conftest import csv_bytes, good_row, register, rows_of  # noqa: F401 (register: a fixture)

IMPORT = "admin:facilities_facility_import"
CONFIRM = "admin:facilities_facility_process_import"


def preview(client, data: bytes):
    file = SimpleUploadedFile("list.csv", data)
    return client.post(reverse(IMPORT), {"import_file": file, "format": "0", "resource": "0"})


def confirm(client, form_data: dict, url_name: str = CONFIRM):
    return client.post(reverse(url_name), form_data)


def stored(private_media: Path) -> list[str]:
    folder = private_media / "imports"
    return sorted(p.name for p in folder.iterdir()) if folder.is_dir() else []


def message_texts(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


@pytest.fixture
def outside_file():
    """A file of someone else's in the system's temporary folder, where
    import-export kept uploads, with a first line worth stealing."""
    handle, name = tempfile.mkstemp(prefix="cpdash-victim-", suffix=".csv")
    os.write(handle, b"secret-password-line\n")
    os.close(handle)
    path = Path(name)
    yield path
    path.unlink(missing_ok=True)


@pytest.fixture
def second_admin(db) -> User:
    return User.objects.create_superuser("admin2", "admin2@example.test", "admin2-pass-123")


# --- The exploit ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url_name", [CONFIRM, "admin:programmes_specialist_process_import"], ids=["facility", "records"]
)
def test_a_posted_file_name_outside_the_folder_is_neither_shown_nor_deleted(admin_client, outside_file, url_name):
    form = {"import_file_name": outside_file.name, "original_file_name": "x.csv", "format": "0", "resource": "0"}

    response = confirm(admin_client, form, url_name)

    assert response.status_code == 302
    page = admin_client.get(response["Location"]).content.decode()
    assert "secret-password-line" not in page
    assert "This import cannot be confirmed: its form was changed. Upload the file again." in page
    assert outside_file.read_bytes() == b"secret-password-line\n"


@pytest.mark.usefixtures("register")
def test_a_raw_upload_name_is_refused_too(admin_client, private_media):
    """The name itself, even of a real upload, is not a token."""
    preview(admin_client, csv_bytes(rows_of(2)))
    [name] = stored(private_media)

    response = confirm(admin_client, {"import_file_name": name, "original_file_name": "x", "format": "0"})

    assert message_texts(response) == ["This import cannot be confirmed: its form was changed. Upload the file again."]
    assert stored(private_media) == [name]
    assert not Facility.objects.exists()


def test_the_storage_refuses_any_name_it_did_not_make(outside_file):
    for name in (outside_file.name, str(outside_file), "../" + outside_file.name, "a" * 32 + "/../x", None):
        storage = uploads.PrivateUploadStorage(name=name, read_mode="rb")
        with pytest.raises(FileNotFoundError):
            storage.read()
        with pytest.raises(FileNotFoundError):
            storage.remove()
    assert outside_file.exists()


# --- The token --------------------------------------------------------------------------------


@pytest.mark.usefixtures("register")
def test_preview_stores_the_upload_in_the_private_folder_under_a_random_name(admin_client, private_media):
    response = preview(admin_client, csv_bytes(rows_of(2)))

    [name] = stored(private_media)
    assert len(name) == 32 and int(name, 16) >= 0
    token = response.context["confirm_form"].initial["import_file_name"]
    assert name not in token  # the page shows a signed token, not the name
    assert uploads.unsign(token, response.wsgi_request) == name


@pytest.mark.usefixtures("register")
def test_the_user_who_previewed_confirms(admin_client, private_media):
    response = preview(admin_client, csv_bytes(rows_of(2)))

    confirmed = confirm(admin_client, response.context["confirm_form"].initial)

    assert confirmed["Location"] == reverse("admin:facilities_facility_changelist")
    assert Facility.objects.count() == 2
    assert stored(private_media) == []  # removed on confirm


@pytest.mark.usefixtures("register")
def test_another_users_token_is_refused(admin_client, second_admin, private_media):
    form = preview(admin_client, csv_bytes(rows_of(2))).context["confirm_form"].initial
    other = Client()
    other.force_login(second_admin)

    response = confirm(other, form)

    assert response.status_code == 302
    assert message_texts(response) == [
        "This import was previewed by another user or in another session: upload the file again to import it."
    ]
    assert not Facility.objects.exists()
    assert len(stored(private_media)) == 1  # still there for its owner
    assert confirm(admin_client, form).status_code == 302
    assert Facility.objects.count() == 2


@pytest.mark.usefixtures("register")
def test_the_same_users_other_session_is_refused(admin_user, admin_client, private_media):
    form = preview(admin_client, csv_bytes(rows_of(2))).context["confirm_form"].initial
    elsewhere = Client()
    elsewhere.force_login(admin_user)

    response = confirm(elsewhere, form)

    assert "another session" in message_texts(response)[0]
    assert not Facility.objects.exists()
    assert len(stored(private_media)) == 1


@pytest.mark.usefixtures("register")
def test_a_tampered_token_is_refused(admin_client, private_media):
    form = dict(preview(admin_client, csv_bytes(rows_of(2))).context["confirm_form"].initial)
    token = form["import_file_name"]
    form["import_file_name"] = token[:5] + ("A" if token[5] != "A" else "B") + token[6:]

    response = confirm(admin_client, form)

    assert message_texts(response) == ["This import cannot be confirmed: its form was changed. Upload the file again."]
    assert not Facility.objects.exists()
    assert len(stored(private_media)) == 1


@pytest.mark.usefixtures("register")
def test_an_expired_token_is_refused(admin_client, settings, private_media):
    form = preview(admin_client, csv_bytes(rows_of(2))).context["confirm_form"].initial
    later = time.time() + settings.IMPORT_UPLOAD_MAX_AGE + 1

    with mock.patch("django.core.signing.time.time", return_value=later):
        response = confirm(admin_client, form)

    assert message_texts(response) == ["This preview is more than 60 minutes old: upload the file again."]
    assert not Facility.objects.exists()


def test_a_confirm_without_the_import_permission_is_forbidden_before_the_token(client, outside_file, db):
    clerk = User.objects.create_user("clerk", "clerk@example.test", "clerk-pass-123", is_staff=True)
    client.force_login(clerk)

    response = confirm(client, {"import_file_name": outside_file.name, "original_file_name": "x", "format": "0"})

    assert response.status_code == 403
    assert outside_file.exists()


# --- Uploads not confirmed ----------------------------------------------------------------------


@pytest.mark.usefixtures("register")
def test_a_preview_with_problems_removes_its_upload_at_once(admin_client, private_media):
    response = preview(admin_client, csv_bytes([good_row("F1", sector="Unknown")]))

    assert "confirm_form" not in response.context
    assert stored(private_media) == []


@pytest.mark.usefixtures("register")
def test_an_unreadable_file_removes_its_upload_at_once(admin_client, private_media):
    response = preview(admin_client, b"code,name\n" + b"\n" * 20_000)

    assert response.context["form"].errors["import_file"]
    assert stored(private_media) == []


def age(path: Path, seconds: float) -> None:
    then = time.time() - seconds
    os.utime(path, (then, then))


@pytest.mark.usefixtures("register")
def test_a_new_upload_removes_the_stale_ones(admin_client, settings, private_media):
    folder = private_media / "imports"
    folder.mkdir(parents=True)
    stale, fresh, other = folder / ("a" * 32), folder / ("b" * 32), folder / "README"
    for path in (stale, fresh, other):
        path.write_bytes(b"x")
    age(stale, settings.IMPORT_UPLOAD_MAX_AGE + 10)
    age(other, settings.IMPORT_UPLOAD_MAX_AGE + 10)

    preview(admin_client, csv_bytes(rows_of(1)))

    names = stored(private_media)
    assert stale.name not in names
    assert fresh.name in names
    assert other.name in names  # not an upload's name: not ours to delete
    assert len(names) == 3  # fresh, README and the new upload


def test_clean_import_uploads_command(settings, private_media):
    folder = private_media / "imports"
    folder.mkdir(parents=True)
    stale, fresh = folder / ("c" * 32), folder / ("d" * 32)
    for path in (stale, fresh):
        path.write_bytes(b"x")
    age(stale, settings.IMPORT_UPLOAD_MAX_AGE + 10)
    out = io.StringIO()

    call_command("clean_import_uploads", stdout=out)

    assert out.getvalue().startswith("1 upload older than 3600 s deleted from ")
    assert stored(private_media) == [fresh.name]


def test_clean_import_uploads_without_a_folder(private_media):
    out = io.StringIO()

    call_command("clean_import_uploads", "--max-age", "0", stdout=out)

    assert out.getvalue().startswith("0 uploads older than 0 s deleted")
