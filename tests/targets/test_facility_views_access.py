"""Who may open the facility pages: signed in, with facilities.view_facility (or a superuser)."""

import pytest
from django.contrib.auth.context_processors import PermWrapper
from django.template.loader import render_to_string
from django.urls import reverse

from tests import builders
from tests.programmes.conftest import grant

pytestmark = pytest.mark.django_db

PAGES = ["list", "detail", "reach_next", "list_csv", "reach_next_xlsx"]


def page_url(page: str) -> str:
    if page == "detail":
        return reverse("facilities:detail", args=[builders.facility(code="0101234567").code])
    if page == "list_csv":
        return reverse("facilities:list") + "?_export=csv"
    if page == "reach_next_xlsx":
        return reverse("facilities:reach_next") + "?_export=xlsx"
    return reverse(f"facilities:{page}")


@pytest.mark.parametrize("page", PAGES)
def test_anonymous_is_sent_to_sign_in(client, page):
    url = page_url(page)
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(f"{reverse('login')}?next=")


@pytest.mark.parametrize("page", PAGES)
def test_signed_in_without_permission_is_forbidden(client, outsider, page):
    client.force_login(outsider)
    assert client.get(page_url(page)).status_code == 403


@pytest.mark.parametrize("page", PAGES)
def test_another_permission_is_not_enough(client, staff_user, page):
    client.force_login(grant(staff_user, "facilities.change_facility", "programmes.view_survey"))
    assert client.get(page_url(page)).status_code == 403


@pytest.mark.parametrize("page", PAGES)
def test_view_permission_opens_the_page(client, staff_user, page):
    client.force_login(grant(staff_user, "facilities.view_facility"))
    response = client.get(page_url(page))
    assert response.status_code == 200
    if not page.endswith(("csv", "xlsx")):
        assert "css/tables.css" in response.content.decode()


@pytest.mark.parametrize("page", PAGES)
def test_superuser_passes(admin_client, page):
    assert admin_client.get(page_url(page)).status_code == 200


def test_unknown_facility_is_404(admin_client):
    assert admin_client.get(reverse("facilities:detail", args=["NO-SUCH-CODE"])).status_code == 404


def test_a_code_with_a_slash_has_its_page(admin_client):
    facility = builders.facility(code="12/2015/ĐKKD")
    url = reverse("facilities:detail", args=[facility.code])
    assert admin_client.get(url).status_code == 200


def test_nav_links_only_with_the_permission(rf, staff_user, outsider):
    def nav(user) -> str:
        return render_to_string("facilities/_nav.html", {"perms": PermWrapper(user)})

    assert nav(outsider).strip() == ""
    html = nav(grant(staff_user, "facilities.view_facility"))
    assert reverse("facilities:list") in html
    assert reverse("facilities:reach_next") in html
