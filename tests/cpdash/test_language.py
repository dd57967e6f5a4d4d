"""Vietnamese first: the language is the user's choice (the VI/EN switch), else
settings.LANGUAGE_CODE; never the browser's Accept-Language (cpdash.middleware)."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


@pytest.fixture
def vietnamese_default(settings):
    settings.LANGUAGE_CODE = "vi"  # production's default (the tests run in English)


def test_an_english_browser_opens_in_vietnamese(client, vietnamese_default):
    response = client.get(reverse("login"), HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")

    assert response.headers["Content-Language"] == "vi"
    assert '<html lang="vi">' in response.content.decode()


def test_the_switch_is_remembered_for_a_year(client, vietnamese_default, settings):
    response = client.post(reverse("set_language"), {"language": "en", "next": reverse("login")})

    cookie = response.cookies[settings.LANGUAGE_COOKIE_NAME]
    assert cookie.value == "en"
    assert cookie["max-age"] == 365 * 24 * 60 * 60
    page = client.get(reverse("login"), HTTP_ACCEPT_LANGUAGE="vi")
    assert page.headers["Content-Language"] == "en"
