"""Date inputs follow the app's language, not the browser's locale: day first (31/12/2015)
in Vietnamese and in English, typed in a text input (cpdash.dates.DayTextInput) that the
server reads as DATE_INPUT_FORMATS do; ISO still works (links, scripts)."""

import datetime as dt
import re

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from programmes.models import Specialist
from tests import builders

pytestmark = pytest.mark.django_db

PAGES = [
    "programmes:survey_create",
    "programmes:activity_create",
    "programmes:solution_create",
    "programmes:specialist_appoint",
    "programmes:replication_create",
    "programmes:survey_list",
]


def date_inputs(page: str) -> list[str]:
    """The <input> tags of the page's date fields (they say a day-first placeholder)."""
    return [tag for tag in re.findall(r"<input[^>]*>", page) if 'class="day"' in tag]


@pytest.mark.parametrize("language", ["vi", "en"])
@pytest.mark.parametrize("name", PAGES)
def test_every_date_input_is_day_first_text(recorder_client, language, name):
    recorder_client.cookies[settings.LANGUAGE_COOKIE_NAME] = language

    page = recorder_client.get(reverse(name)).content.decode()

    inputs = date_inputs(page)
    assert inputs
    assert 'type="date"' not in page
    for tag in inputs:
        assert 'type="text"' in tag
        assert 'pattern="' in tag
    today = f'value="{timezone.localdate():%d/%m/%Y}"'
    if name != "programmes:survey_list":
        assert any(today in tag for tag in inputs)  # a new record's date: today, day first


@pytest.mark.parametrize(("language", "placeholder"), [("vi", "nn/tt/nnnn"), ("en", "dd/mm/yyyy")])
def test_the_placeholder_is_in_the_users_language(recorder_client, language, placeholder):
    recorder_client.cookies[settings.LANGUAGE_COOKIE_NAME] = language

    page = recorder_client.get(reverse("programmes:survey_create")).content.decode()

    assert f'placeholder="{placeholder}"' in page


@pytest.mark.parametrize("language", ["vi", "en"])
@pytest.mark.parametrize("typed", ["02/03/2015", "2/3/2015", "2015-03-02"])
def test_a_day_first_date_is_read_as_such_in_both_languages(recorder_client, language, typed):
    recorder_client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    unit = builders.unit("Gia Lâm")

    response = recorder_client.post(
        reverse("programmes:specialist_appoint"),
        {"unit": unit.pk, "name": "Nguyễn Văn A", "position": "", "appointed_on": typed},
    )

    assert response.status_code == 302, response.content.decode()[:2000]
    assert Specialist.objects.get().appointed_on == dt.date(2015, 3, 2)  # 2 March, never 3 February


def test_the_dashboard_shows_its_date_day_first(client, manager_user):
    from tests.programmes.conftest import grant

    client.force_login(grant(manager_user, "targets.view_target"))
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    builders.phase(builders.programme())

    page = client.get(reverse("targets:dashboard"), {"as_of": "2015-12-31"}).content.decode()

    assert 'value="31/12/2015"' in page and 'type="date"' not in page
