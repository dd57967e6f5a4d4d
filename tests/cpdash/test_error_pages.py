"""The 400, 403, 404 and 500 pages are the app's, in the user's language (Vietnamese
first), not Django's bare English ones."""

import pytest
from django.test import RequestFactory
from django.urls import reverse
from django.utils import translation
from django.views import defaults

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("language", "heading", "home"),
    [("vi", "Không tìm thấy trang", "Về trang chủ"), ("en", "Page not found", "Back to the home page")],
)
def test_404_in_the_apps_layout_and_language(client, outsider, language, heading, home):
    client.force_login(outsider)
    client.cookies["django_language"] = language
    response = client.get("/no-such-page/")
    content = response.content.decode()
    assert response.status_code == 404
    assert f"<h1>{heading}</h1>" in content and home in content
    assert 'class="topbar"' in content and f'<html lang="{language}">' in content


def test_403_says_who_to_ask(client, outsider):
    client.force_login(outsider)
    client.cookies["django_language"] = "vi"
    response = client.get(reverse("targets:dashboard"))
    assert response.status_code == 403
    assert "<h1>Không được phép</h1>" in response.content.decode()


@pytest.mark.parametrize(("view", "status"), [(defaults.bad_request, 400), (defaults.server_error, 500)])
def test_400_and_500_render_in_the_layout(view, status):
    request = RequestFactory().get("/")
    with translation.override("vi"):
        response = view(request) if view is defaults.server_error else view(request, Exception())
    content = response.content.decode()
    assert response.status_code == status
    assert 'class="topbar"' in content and 'class="error-page"' in content
    assert "Django" not in content
