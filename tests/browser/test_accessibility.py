"""Issue 12: every page type passes axe-core with no critical or serious violation, in
Vietnamese and English, at 1366×768 and on a 390×844 phone, in the journeys of a manager,
a staff member and an admin; and no page scrolls sideways on the phone.

axe-core is the copy bundled with axe-playwright-python (no network). One live server, one
Chromium and one demo load for the whole walk: each page is opened once per language, checked
at the desktop width, then at the phone width after a resize.
"""

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.core.management import call_command

from facilities.models import Facility, RegisterVersion
from jobs.models import Job
from programmes.models import OutreachActivity, Phase, Solution, Survey
from tests.browser.conftest import DEMO_PASSWORDS, sign_in, wait_until

# One worker runs every test that starts servers (see tests/browser/conftest.py).
pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.xdist_group("servers")]

DESKTOP = {"width": 1366, "height": 768}
PHONE = {"width": 390, "height": 844}
LANGUAGES = ("vi", "en")
#: What the issue allows: none of these.
FORBIDDEN = ("critical", "serious")

AXE = Axe()


def _journeys() -> dict[str, list[str]]:
    """Each role's pages, one of every type it uses (the anonymous ones under "")."""
    phase = Phase.objects.get(programme__slug="hanoi-cp", starts_on__year=2011)
    facility = Facility.objects.order_by("code").first()
    version = RegisterVersion.objects.order_by("number").first()
    job = Job.objects.create(kind="tests.a11y", title="Nhập danh sách cơ sở", status=Job.Status.DONE)
    records = [
        f"/record/activities/{OutreachActivity.objects.order_by('pk').first().pk}/",
        f"/record/surveys/{Survey.objects.order_by('pk').first().pk}/",
        f"/record/solutions/{Solution.objects.order_by('pk').first().pk}/",
    ]
    return {
        "": ["/accounts/login/", "/no-such-page/"],
        "manager": [
            "/",
            # A phase half-way (projections, range bands); the default one is in the phone test below.
            f"/dashboard/?phase={phase.pk}&as_of=2013-12-31",
            "/reports/2012/",
            "/facilities/",
            f"/facilities/{facility.code}/",
            "/facilities/reach-next/",
            "/facilities/register-versions/",
            *([f"/facilities/register-versions/{version.number}/"] if version else []),
            "/jobs/",
        ],
        "staff": [
            "/",
            "/record/activities/",
            "/record/activities/new/",
            "/record/surveys/",
            "/record/surveys/new/",
            "/record/solutions/",
            "/record/solutions/new/",
            "/record/replications/",
            "/record/replications/new/",
            "/record/specialists/",
            "/record/specialists/new/",
            *records,
        ],
        "admin": [
            "/",
            "/admin/",
            "/admin/facilities/facility/",
            "/admin/facilities/facility/import/",
            f"/jobs/{job.pk}/",
        ],
    }


def _wait_for_charts(page) -> None:
    wait_until(page, "document.querySelectorAll('.chart').length === document.querySelectorAll('.chart-drawn').length")


def _problems(page, where: str) -> list[str]:
    """The page's critical and serious axe violations, and a sideways scroll, as lines to read."""
    found = []
    for violation in AXE.run(page).response["violations"]:
        if violation["impact"] in FORBIDDEN:
            targets = "; ".join(" ".join(node["target"]) for node in violation["nodes"][:5])
            found.append(f"{where}: {violation['id']} ({violation['impact']}, {len(violation['nodes'])}): {targets}")
    overflow = page.evaluate("document.scrollingElement.scrollWidth - window.innerWidth")
    if overflow > 0:
        found.append(f"{where}: scrolls sideways by {overflow} px")
    return found


def _walk(browser, live_server, language: str, role: str, paths: list[str]) -> list[str]:
    context = browser.new_context(locale="vi-VN", viewport=DESKTOP)
    context.add_cookies([{"name": "django_language", "value": language, "url": live_server.url}])
    page = context.new_page()
    found = []
    if role:
        sign_in(page, live_server, role, f"{role}-demo-2015")
    for path in paths:
        page.set_viewport_size(DESKTOP)
        page.goto(f"{live_server.url}{path}")
        _wait_for_charts(page)
        found += _problems(page, f"{role or 'anonymous'} {language} {DESKTOP['width']} {path}")
        page.set_viewport_size(PHONE)
        # Everything folded opened too (the menu, the filters, the charts' tables), at the narrowest width.
        page.evaluate("document.querySelectorAll('details').forEach((d) => { d.open = true; })")
        page.wait_for_timeout(150)  # Plotly redraws its charts on the resize event
        found += _problems(page, f"{role or 'anonymous'} {language} {PHONE['width']} {path}")
    context.close()
    return found


def test_every_page_type_passes_axe_at_both_widths_in_both_languages(live_server, browser, db):
    call_command("load_demo", facilities=500, verbosity=0, password=DEMO_PASSWORDS)
    journeys = _journeys()
    found = []
    for language in LANGUAGES:
        for role, paths in journeys.items():
            found += _walk(browser, live_server, language, role, paths)
    assert found == [], "\n".join(found)


def test_the_check_can_fail(live_server, page):
    """A control without a name is reported (critical), and so is a page wider than the phone."""
    page.set_viewport_size(PHONE)
    page.goto(f"{live_server.url}/accounts/login/")
    page.evaluate(
        """() => { const i = document.createElement("input"); i.style.width = "600px";
                   document.querySelector("main").append(i); }"""
    )
    found = _problems(page, "login")
    assert any(" label (critical" in line for line in found), found
    assert any("scrolls sideways" in line for line in found), found


def test_the_menu_folds_on_a_phone_and_opens_without_any_script(live_server, browser, admin_user):
    context = browser.new_context(locale="vi-VN", viewport=PHONE, java_script_enabled=False)
    page = context.new_page()
    sign_in(page, live_server, "admin", "admin-pass-123")
    dashboard = page.locator('.topbar nav a[href="/dashboard/"]')
    assert not dashboard.is_visible()
    page.click(".topbar .menu > summary")
    assert dashboard.is_visible()
    # Over the page, inside the screen, in the dark bar's colours.
    box = dashboard.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]
    page.set_viewport_size(DESKTOP)
    page.goto(f"{live_server.url}/")
    # A wide screen shows the menu as it is, no button to press.
    assert dashboard.is_visible()
    assert not page.locator(".topbar .menu > summary").is_visible()
    context.close()


def test_a_phone_shows_the_figures_on_the_first_screen(live_server, browser):
    call_command("load_demo", facilities=500, verbosity=0, password=DEMO_PASSWORDS)
    context = browser.new_context(locale="vi-VN", viewport=PHONE)
    page = context.new_page()
    sign_in(page, live_server, "manager", "manager-demo-2015")
    page.goto(f"{live_server.url}/dashboard/")
    _wait_for_charts(page)
    # The first line of figures and the first card's value, above the fold; the filters folded.
    assert page.locator(".summary").bounding_box()["y"] < PHONE["height"] / 2
    assert page.locator(".card .value").first.bounding_box()["y"] < PHONE["height"]
    assert not page.locator("#id_phase").is_visible()
    page.click(".filter-panel > summary")
    assert page.locator("#id_phase").is_visible()
    # Charts as wide as the screen allows, and no Plotly toolbar over their titles.
    chart = page.locator(".card .chart").first.bounding_box()
    assert chart["x"] >= 0 and chart["x"] + chart["width"] <= PHONE["width"]
    assert page.locator(".modebar").count() == 0
    # The default phase's dashboard passes axe too (the walk above opens a phase half-way).
    assert _problems(page, "manager vi 390 /dashboard/") == []
    context.close()
