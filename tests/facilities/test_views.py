"""The register-version pages: the list of versions and one version's changes,
filtered by kind, for staff who may see the register; query counts pinned."""

import re

import pytest
from django.contrib.auth.models import Group, Permission
from django.urls import reverse

from cpdash.roles import STAFF, ensure_groups
from facilities.models import Facility, RegisterVersion
from tests.facilities.conftest import csv_bytes, good_row, problems, rows_of
from tests.facilities.test_register_versions import _file, _import

VERSIONS, VERSION = "register:versions", "register:version"


@pytest.fixture
def staff_client(client, staff_user):
    ensure_groups()
    staff_user.groups.add(Group.objects.get(name=STAFF))
    client.force_login(staff_user)
    return client


def _versions(count: int, rows: int = 3) -> RegisterVersion:
    """``count`` imports, each changing the name of ``rows`` facilities; the last version."""
    for n in range(count):
        result = _import(csv_bytes([dict(row, name=f"Cơ sở {n}") for row in rows_of(rows)]), name=f"list-{n}.csv")
        assert problems(result) == []
    return result.register_version


def test_the_list_shows_every_version_with_its_counts(staff_client, register):
    _versions(2)

    response = staff_client.get(reverse(VERSIONS))

    assert response.status_code == 200
    page = response.content.decode()
    assert [v.number for v in response.context["page"]] == [2, 1]
    assert f'href="{reverse(VERSION, args=[2])}"' in page
    assert "list-1.csv" in page


def test_a_version_lists_its_changes_with_links_to_the_facilities(staff_client, register):
    assert problems(_import(_file(0))) == []
    assert problems(_import(_file(1))) == []

    response = staff_client.get(reverse(VERSION, args=[2]))

    assert response.status_code == 200
    codes = [change.code for change in response.context["page"]]
    assert codes == ["F02", "F03", "F04", "F05", "F06", "F07", "F08", "F09", "F10"]
    page = response.content.decode()
    assert f'href="{reverse("facilities:detail", args=["F09"])}"' in page
    assert "Gia Lâm → Hà Đông" in page
    assert "Gốm sứ → Dệt may" in page
    assert f'href="{reverse(VERSION, args=[2])}?kind=moved_unit"' in page


@pytest.mark.parametrize(
    ("kind", "codes"),
    [
        ("moved_unit", ["F04", "F09"]),
        ("changed_sector", ["F05", "F09"]),
        ("new", ["F10"]),
        ("reopened", ["F02"]),
        ("closed", ["F03"]),
        ("out_of_scope", ["F06"]),
        ("back_in_scope", ["F07"]),
        ("other", ["F08"]),
        ("unchanged", ["F02", "F03", "F04", "F05", "F06", "F07", "F08", "F09", "F10"]),  # not a stored kind: all
        ("nonsense", ["F02", "F03", "F04", "F05", "F06", "F07", "F08", "F09", "F10"]),
    ],
)
def test_the_changes_filter_by_kind(staff_client, register, kind, codes):
    _import(_file(0))
    _import(_file(1))

    response = staff_client.get(reverse(VERSION, args=[2]), {"kind": kind})

    assert [change.code for change in response.context["page"]] == codes


def test_a_deleted_facility_keeps_its_change_row_without_a_link(staff_client, register):
    _import(csv_bytes([good_row("F01")]))
    Facility.objects.filter(code="F01").delete()

    response = staff_client.get(reverse(VERSION, args=[1]))

    assert [change.code for change in response.context["page"]] == ["F01"]
    assert reverse("facilities:detail", args=["F01"]) not in response.content.decode()


@pytest.mark.parametrize(("language", "headers"), [("en", ["Code", "Name"]), ("vi", ["Mã", "Tên"])])
def test_a_version_names_the_facility_column_as_the_register_does(staff_client, register, language, headers):
    """A facility's name ("Tên", as the register's list heads it), not a person's ("Họ và tên")."""
    assert problems(_import(csv_bytes([good_row("F01")]))) == []
    staff_client.cookies["django_language"] = language

    page = staff_client.get(reverse(VERSION, args=[1])).content.decode()

    assert re.findall(r'<th scope="col">([^<]*)</th>', page)[:2] == headers
    assert "Họ và tên" not in page


def test_an_unknown_version_is_not_found(staff_client, db):
    assert staff_client.get(reverse(VERSION, args=[7])).status_code == 404


@pytest.mark.parametrize("name", [VERSIONS, VERSION])
def test_only_who_may_see_the_register_sees_the_versions(client, outsider, staff_user, register, name):
    _versions(1)
    url = reverse(name, args=[1] if name == VERSION else [])

    assert client.get(url).status_code == 302  # to the sign-in page
    client.force_login(outsider)
    assert client.get(url).status_code == 403
    staff_user.user_permissions.add(*_permission("view_facility"))
    client.force_login(staff_user)
    assert client.get(url).status_code == 200


def _permission(codename: str):
    return Permission.objects.filter(content_type__app_label="facilities", codename=codename)


# Savepoint and release (ATOMIC_REQUESTS), session, user, the user's and the groups' permissions,
# then the page: the count and the rows (the list); the version, the count and the rows (a version).
LIST_QUERIES = 8
VERSION_QUERIES = 9


@pytest.mark.parametrize("versions", [2, 20])
def test_the_list_query_count_does_not_grow(staff_client, register, django_assert_num_queries, versions):
    _versions(versions)
    with django_assert_num_queries(LIST_QUERIES):
        assert staff_client.get(reverse(VERSIONS)).status_code == 200


@pytest.mark.parametrize("rows", [2, 60])
def test_a_version_query_count_does_not_grow(staff_client, register, django_assert_num_queries, rows):
    version = _versions(1, rows=rows)
    for kind in ("", "new"):
        with django_assert_num_queries(VERSION_QUERIES):
            assert staff_client.get(reverse(VERSION, args=[version.number]), {"kind": kind}).status_code == 200
