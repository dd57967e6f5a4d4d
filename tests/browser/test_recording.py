"""Issue 5's acceptance, in Chromium: a staff member logs a workshop with 80
facilities (pasted codes), a survey and a solution, and the dashboard's figures
move by exactly what was entered."""

import pytest
from django.core.management import call_command
from django.utils import timezone

from programmes.models import Phase
from targets import selectors
from tests.browser.conftest import DEMO_PASSWORDS, sign_in, wait_until

# One worker runs every test that starts servers (see tests/browser/conftest.py).
pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.xdist_group("servers")]


def _figures(page, live_server, phase: Phase, today) -> dict[str, tuple[int, int]]:
    """The phase's figures as the application serves them (its JSON API).

    Asked through the server, not the ORM: on in-memory SQLite the live server
    shares this thread's database connection, and using it from both threads at
    once can corrupt the connection's transaction state.
    """
    response = page.request.get(f"{live_server.url}/api/indicators.json?as_of={today.isoformat()}&programme=hanoi-cp")
    assert response.ok, response.status
    return {
        t["indicator"]: (t["numerator"], t["denominator"])
        for t in response.json()["targets"]
        if t["phase"] == phase.name
    }


def _submit(page) -> None:
    page.locator("form.record button[type=submit]").last.click()
    page.wait_for_load_state("networkidle")


def test_staff_records_a_day_and_the_dashboard_moves_by_exactly_that(live_server, page):
    call_command("load_demo", facilities=800, verbosity=0, password=DEMO_PASSWORDS)
    today = timezone.localdate()
    phase = Phase.objects.select_related("programme").get(programme__slug="hanoi-cp", starts_on__year=2016)
    fresh = list(selectors.facilities_never_reached(as_of=today).order_by("code").values_list("code", flat=True)[:82])
    workshop_codes, surveyed, applying = fresh[:80], fresh[80], fresh[81]
    sign_in(page, live_server, "staff", "staff-demo-2015")
    before = _figures(page, live_server, phase, today)

    # A workshop: search-as-you-type offers facilities, then 80 codes pasted from a spreadsheet column.
    page.goto(f"{live_server.url}/record/activities/new/")
    page.fill("#attendance-search", "gom")
    wait_until(page, "document.querySelectorAll('#attendance-options option').length > 0")
    page.select_option("#id_kind", "workshop")
    page.fill("#id_title", "Hội thảo SXSH ngành gốm")
    page.fill("#id_held_on", today.isoformat())
    page.fill("#id_participants", "120")
    page.fill("#id_paste", "\n".join(workshop_codes))
    _submit(page)
    page.goto(f"{live_server.url}/record/activities/?q=hoi thao sxsh nganh gom")
    row = page.locator("table tbody tr", has_text="Hội thảo SXSH ngành gốm")
    assert row.count() == 1
    assert "80" in row.inner_text().split("\t")  # facilities attending

    # A survey of one more facility, with one option found.
    page.goto(f"{live_server.url}/record/surveys/new/")
    page.fill("#id_facility", surveyed)
    page.fill("#id_surveyed_on", today.isoformat())
    page.fill("#id_surveyors", "Trung tâm Tiết kiệm năng lượng Hà Nội")
    page.select_option("#id_options-0-category", "good_housekeeping")
    page.fill("#id_options-0-description", "Sửa rò rỉ hơi")
    _submit(page)

    # A solution at a third: the saving shows as it is typed (6.0%).
    page.goto(f"{live_server.url}/record/solutions/new/")
    page.fill("#id_facility", applying)
    page.fill("#id_implemented_on", today.isoformat())
    page.select_option("#id_category", "technology_change")
    page.fill("#id_description", "Lò nung dùng khí")
    page.select_option("#id_savings-0-resource", "energy")
    page.select_option("#id_savings-0-unit", "kWh")
    page.fill("#id_savings-0-baseline", "100")
    page.fill("#id_savings-0-after", "94")
    saving = page.locator("[data-saving]").first
    wait_until(page, "document.querySelector('[data-saving]').textContent.includes('6')")
    assert "6" in saving.inner_text()
    # A second resource known only by the percentage the facility reported: shown as reported.
    page.select_option("#id_savings-1-resource", "water")
    page.fill("#id_savings-1-reported_percent", "4.5")
    wait_until(page, "document.querySelectorAll('[data-saving]')[1].textContent.includes('(')")
    assert "(" in page.locator("[data-saving]").nth(1).inner_text()
    _submit(page)

    after = _figures(page, live_server, phase, today)
    assert after["awareness"][0] == before["awareness"][0] + 82  # 80 attended, 1 surveyed, 1 applying
    assert after["application"][0] == before["application"][0] + 1
    assert after["awareness"][1] == before["awareness"][1]  # the register did not change
    assert page.console_problems == []

    # The manager's dashboard shows the new count, linked to the facilities behind it.
    page.click(".signout button")
    page.wait_for_load_state("networkidle")
    sign_in(page, live_server, "manager", "manager-demo-2015")
    page.goto(f"{live_server.url}/dashboard/?phase={phase.pk}&as_of={today.isoformat()}")
    numerator, denominator = after["awareness"]
    assert page.get_by_text(f"{numerator} / {denominator}").count() >= 1
