"""A slip undone, in Chromium: a staff member deletes a survey from its page, sees what goes
with it, confirms, and "Undo" in the message brings it back with its options."""

import pytest
from django.core.management import call_command
from django.db.models import Count

from programmes.models import CPOption, Survey
from tests.browser.conftest import DEMO_PASSWORDS, sign_in

# One worker runs every test that starts servers (see tests/browser/conftest.py).
pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.xdist_group("servers")]


def test_a_survey_deleted_by_mistake_comes_back_with_undo(live_server, page):
    call_command("load_demo", facilities=800, verbosity=0, password=DEMO_PASSWORDS)
    survey = Survey.objects.annotate(n=Count("options")).filter(n__gte=1).order_by("pk").first()
    pk, options = survey.pk, survey.n
    sign_in(page, live_server, "staff", "staff-demo-2015")

    page.goto(f"{live_server.url}/record/surveys/{pk}/")
    page.get_by_role("link", name="Xóa bản ghi này…").click()
    page.wait_for_load_state("networkidle")
    assert "Các mục bị xóa kèm theo" in page.content()
    page.get_by_role("button", name="Xóa").click()
    page.wait_for_load_state("networkidle")

    assert page.url.endswith("/record/surveys/")
    assert "đã bị xóa" in page.locator(".messages").inner_text()
    assert not Survey.objects.filter(pk=pk).exists()

    page.get_by_role("button", name="Hoàn tác").click()
    page.wait_for_load_state("networkidle")

    assert page.url.endswith(f"/record/surveys/{pk}/")
    assert "đã được khôi phục" in page.locator(".messages").inner_text()
    assert CPOption.objects.filter(survey_id=pk).count() == options
    assert page.console_problems == []


def test_back_to_a_deleted_survey_s_page_says_so_and_offers_undo(live_server, page):
    """Back past the confirmation to the survey's page: asked again (never cached), not its old
    form from the browser's cache, whose Save would be lost."""
    call_command("load_demo", facilities=800, verbosity=0, password=DEMO_PASSWORDS)
    pk = Survey.objects.order_by("pk").values_list("pk", flat=True).first()
    sign_in(page, live_server, "staff", "staff-demo-2015")
    page.goto(f"{live_server.url}/record/surveys/{pk}/")
    page.get_by_role("link", name="Xóa bản ghi này…").click()
    page.wait_for_load_state("networkidle")
    page.get_by_role("button", name="Xóa").click()
    page.wait_for_load_state("networkidle")

    page.go_back()
    page.go_back()
    page.wait_for_load_state("networkidle")

    assert page.url.endswith("/record/surveys/")
    assert "đã bị xóa lúc" in page.locator(".messages").inner_text()
    page.set_viewport_size({"width": 390, "height": 844})  # a phone: a button a finger hits
    assert page.get_by_role("button", name="Hoàn tác").bounding_box()["height"] >= 44
    page.get_by_role("button", name="Hoàn tác").click()
    page.wait_for_load_state("networkidle")
    assert Survey.objects.filter(pk=pk).exists()
    assert page.console_problems == []
