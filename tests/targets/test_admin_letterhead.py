"""The department's letterhead in the admin: one row, its defaults, its logo."""

import io

import pypdf
import pytest
from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from cpdash.roles import ADMINS, MANAGERS, ensure_groups
from targets.models import Letterhead

CHANGELIST = reverse("admin:targets_letterhead_changelist")
ADD = reverse("admin:targets_letterhead_add")
CHANGE = reverse("admin:targets_letterhead_change", args=[Letterhead.SINGLETON])
TEXTS = {
    "authority_vi": "Ủy ban nhân dân thành phố Hà Nội",
    "authority_en": "Hanoi People's Committee",
    "name_vi": "Sở Công Thương Hà Nội",
    "name_en": "Hanoi Department of Industry and Trade",
    "address": "331 Cầu Giấy, Hà Nội",
    "contact": "",
}


def _image(kind: str = "PNG", size: tuple[int, int] = (40, 20)) -> SimpleUploadedFile:
    content = io.BytesIO()
    Image.new("RGB", size, (0, 114, 178)).save(content, kind)
    return SimpleUploadedFile(f"logo.{kind.lower()}", content.getvalue())


@pytest.fixture
def admin_member(client, staff_user):
    """An admin by the Admins group (staff status, not a superuser)."""
    ensure_groups()
    staff_user.is_staff = True
    staff_user.save()
    staff_user.groups.add(Group.objects.get(name=ADMINS))
    client.force_login(staff_user)
    return client


def test_before_any_save_the_list_opens_the_form_with_hanois_defaults(admin_member):
    response = admin_member.get(CHANGELIST)
    assert response.status_code == 302 and response["Location"] == ADD
    form = admin_member.get(ADD).context["adminform"].form
    assert {name: form.initial.get(name, form.fields[name].initial) for name in TEXTS} == TEXTS


def test_an_admin_saves_the_one_letterhead_and_its_list_opens_it(admin_member):
    response = admin_member.post(ADD, {**TEXTS, "name_vi": "Sở Công Thương Hải Phòng"})
    assert response.status_code == 302
    assert Letterhead.current().name_vi == "Sở Công Thương Hải Phòng"
    assert Letterhead.objects.get().pk == Letterhead.SINGLETON
    assert admin_member.get(CHANGELIST)["Location"] == CHANGE
    assert admin_member.get(ADD)["Location"] == CHANGE  # no second one
    admin_member.post(ADD, {**TEXTS, "name_vi": "Another"})
    assert list(Letterhead.objects.values_list("name_vi", flat=True)) == ["Sở Công Thương Hải Phòng"]
    assert admin_member.get(reverse("admin:targets_letterhead_delete", args=[1])).status_code == 403


def test_the_logo_is_kept_in_the_database_and_removed_on_request(admin_member):
    admin_member.post(ADD, {**TEXTS, "logo_file": _image()})
    letterhead = Letterhead.objects.get()
    assert letterhead.logo_type == "image/png"
    assert bytes(letterhead.logo).startswith(b"\x89PNG")
    assert "PNG, " in admin_member.get(CHANGE).content.decode()

    admin_member.post(CHANGE, {**TEXTS, "remove_logo": "on"})
    letterhead.refresh_from_db()
    assert (bytes(letterhead.logo), letterhead.logo_type) == (b"", "")


@pytest.mark.parametrize(
    ("upload", "error"),
    [
        (lambda: _image("GIF"), "PNG or JPEG"),
        (lambda: _image(size=(2400, 10)), "2000 × 2000"),
        (lambda: SimpleUploadedFile("logo.png", b"not an image"), "Upload a valid image"),
    ],
)
def test_a_logo_that_is_not_a_small_png_or_jpeg_is_refused(admin_member, upload, error):
    response = admin_member.post(ADD, {**TEXTS, "logo_file": upload()})
    assert response.status_code == 200
    assert error in str(response.context["adminform"].form.errors["logo_file"])
    assert not Letterhead.objects.exists()


def test_managers_do_not_change_it(client, manager_user):
    ensure_groups()
    manager_user.groups.add(Group.objects.get(name=MANAGERS))
    client.force_login(manager_user)
    assert client.get(ADD)["Location"].startswith(reverse("admin:login"))


def test_the_logo_is_printed_on_the_pdf(manager_client, interview_year):
    letterhead = Letterhead(logo=_image().read(), logo_type="image/png")
    letterhead.save()
    response = manager_client.get(reverse("targets:report_pdf", args=[2013]))
    reader = pypdf.PdfReader(io.BytesIO(response.content))
    assert len(reader.pages[0].images) == 1
