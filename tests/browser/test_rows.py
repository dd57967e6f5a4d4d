"""A survey's CP options: "Add a row" (static/js/rows.js) adds rows beyond the blank ones the
page came with, and what is typed in them is saved."""

import pytest
from django.core.management import call_command
from django.utils import timezone

from programmes.models import Survey
from tests.browser.conftest import DEMO_PASSWORDS, sign_in

# One worker runs every test that starts servers (see tests/browser/conftest.py).
pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.xdist_group("servers")]


def test_a_fourth_option_is_added_and_saved(live_server, page):
    call_command("load_demo", facilities=800, verbosity=0, password=DEMO_PASSWORDS)
    facility = Survey.objects.values_list("facility__code", flat=True).first()
    sign_in(page, live_server, "staff", "staff-demo-2015")
    page.goto(f"{live_server.url}/record/surveys/new/")
    options = page.locator('[data-rowset="options"] table.rows tbody tr')
    assert options.count() == 3
    # One row for each kind of support already: nothing to add there.
    assert page.locator('[data-rowset="supports"] [data-add-row]').count() == 0
    page.get_by_role("button", name="Thêm dòng").click()
    page.get_by_role("button", name="Thêm dòng").click()
    assert options.count() == 5
    assert page.input_value("#id_options-TOTAL_FORMS") == "5"
    page.fill("#id_facility", facility)
    page.fill("#id_surveyed_on", timezone.localdate().strftime("%d/%m/%Y"))
    page.fill("#id_surveyors", "Trung tâm Tiết kiệm năng lượng Hà Nội")
    page.select_option("#id_options-4-category", "good_housekeeping")
    page.fill("#id_options-4-description", "Thu hồi nhiệt khí thải")
    page.locator("form.record button[type=submit]").last.click()
    page.wait_for_load_state("networkidle")
    survey = Survey.objects.get(facility__code=facility, surveyed_on=timezone.localdate())
    assert list(survey.options.values_list("description", flat=True)) == ["Thu hồi nhiệt khí thải"]
    assert page.console_problems == []
