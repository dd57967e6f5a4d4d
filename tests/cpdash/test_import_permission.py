"""Only Admins import spreadsheets in the admin, and only a superuser makes a superuser.

Before, the imports asked for "add_<model>" (IMPORT_EXPORT_IMPORT_PERMISSION_CODE="add"),
which Staff hold for the records they enter: a staff member with "Staff status" (as
the demo's) could bulk-import surveys and solutions. And an Admin who is not a
superuser could tick "Superuser status" on any account, their own included."""

import pytest
from django.contrib.auth.models import Group, Permission, User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from cpdash.roles import ADMINS, MANAGERS, STAFF
from programmes.resources import SurveyResource
from tests.programmes.test_import_records import make_register, survey_row, table_bytes

pytestmark = pytest.mark.django_db

IMPORTED = ("facilities.facility", "programmes.specialist", "programmes.outreachactivity", "programmes.survey")
IMPORTED += ("programmes.solution",)


def member(group: str, username: str, **extra) -> User:
    """A user with "Staff status" (so the admin lets them in) in ``group``, as made by migrate."""
    user = User.objects.create_user(
        username, f"{username}@example.test", f"{username}-pass-123", is_staff=True, **extra
    )
    user.groups.add(Group.objects.get(name=group))
    return User.objects.get(pk=user.pk)


def import_url(label: str, view: str = "import") -> str:
    app, model = label.split(".")
    return reverse(f"admin:{app}_{model}_{view}")


@pytest.mark.parametrize("label", IMPORTED)
def test_staff_with_staff_status_cannot_reach_an_import(client, label):
    client.force_login(member(STAFF, "clerk"))

    assert client.get(import_url(label)).status_code == 403
    assert client.post(import_url(label, "process_import"), {}).status_code == 403


def test_staff_cannot_import_surveys_they_may_enter_by_hand(client):
    make_register()
    clerk = member(STAFF, "clerk")
    assert clerk.has_perms(["programmes.add_survey", "programmes.add_cpoption", "programmes.add_technicalsupport"])
    client.force_login(clerk)
    upload = SimpleUploadedFile("surveys.csv", table_bytes(SurveyResource, [survey_row()]))

    response = client.post(import_url("programmes.survey"), {"import_file": upload, "format": "0", "resource": "0"})

    assert response.status_code == 403


@pytest.mark.parametrize("label", IMPORTED)
def test_admins_import(client, label):
    client.force_login(member(ADMINS, "keeper"))

    assert client.get(import_url(label)).status_code == 200


def test_only_admins_hold_the_import_permissions_after_migrate():
    codenames = {label.split(".")[1] for label in IMPORTED}
    imports = Permission.objects.filter(codename__in=[f"import_{name}" for name in codenames])
    assert imports.count() == len(IMPORTED)
    for group, holds in ((ADMINS, True), (STAFF, False), (MANAGERS, False)):
        held = set(Group.objects.get(name=group).permissions.filter(pk__in=imports).values_list("codename", flat=True))
        assert held == ({f"import_{name}" for name in codenames} if holds else set()), group


# --- Superuser status (cpdash.admin.RoleUserAdmin) ---------------------------------------------


def change_user(client, user: User, **fields):
    data = {
        "username": user.username,
        "first_name": "",
        "last_name": "",
        "email": user.email,
        "is_active": "on",
        "is_staff": "on",
        "groups": list(user.groups.values_list("pk", flat=True)),
        "date_joined_0": user.date_joined.strftime("%Y-%m-%d"),
        "date_joined_1": user.date_joined.strftime("%H:%M:%S"),
        "_save": "Save",
        **fields,
    }
    return client.post(reverse("admin:auth_user_change", args=[user.pk]), data)


def test_an_admin_who_is_not_a_superuser_cannot_make_a_superuser(client):
    keeper = member(ADMINS, "keeper")
    clerk = member(STAFF, "clerk")
    client.force_login(keeper)

    for target in (clerk, keeper):
        response = change_user(client, target, is_superuser="on")
        assert response.status_code == 302, response.content[:400]
        assert not User.objects.get(pk=target.pk).is_superuser, target.username


def test_an_admin_who_is_not_a_superuser_cannot_change_a_superuser(client, admin_user):
    client.force_login(member(ADMINS, "keeper"))

    assert client.get(reverse("admin:auth_user_change", args=[admin_user.pk])).status_code == 200  # may look
    assert change_user(client, admin_user, is_superuser="").status_code == 403
    password = reverse("admin:auth_user_password_change", args=[admin_user.pk])
    assert client.post(password, {"password1": "x-Taken-over-9", "password2": "x-Taken-over-9"}).status_code == 403
    assert client.post(reverse("admin:auth_user_delete", args=[admin_user.pk]), {"post": "yes"}).status_code == 403
    assert User.objects.get(pk=admin_user.pk).check_password("admin-pass-123")


def test_a_superuser_still_makes_a_superuser(admin_client):
    keeper = member(ADMINS, "keeper")

    assert change_user(admin_client, keeper, is_superuser="on").status_code == 302

    assert User.objects.get(pk=keeper.pk).is_superuser
