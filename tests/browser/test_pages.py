"""The dashboard renders in Chromium with the demo data: every chart drawn, no console error."""

import pytest
from django.core.management import call_command

from programmes.models import Phase
from tests.browser.conftest import DEMO_PASSWORDS, sign_in, wait_until

# One worker runs every test that starts servers (see tests/browser/conftest.py).
pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.xdist_group("servers")]


@pytest.fixture
def demo(db) -> str:
    """The demo data; returns the dashboard's URL path for the 2015 phase at the end of 2013."""
    call_command("load_demo", facilities=800, verbosity=0, password=DEMO_PASSWORDS)
    phase = Phase.objects.get(programme__slug="hanoi-cp", starts_on__year=2011)
    return f"/dashboard/?phase={phase.pk}&as_of=2013-12-31"


def _charts_drawn(page) -> tuple[int, int]:
    wait_until(page, "document.querySelectorAll('.chart').length === document.querySelectorAll('.chart-drawn').length")
    return page.locator(".chart").count(), page.locator(".chart-drawn").count()


def test_dashboard_draws_every_chart(live_server, page, demo):
    sign_in(page, live_server, "manager", "manager-demo-2015")
    page.goto(f"{live_server.url}{demo}")
    total, drawn = _charts_drawn(page)
    assert total >= 9
    assert drawn == total
    assert page.locator(".card").count() == 5
    assert page.console_problems == []
    # The page is in Vietnamese for a Vietnamese browser.
    assert "Mục tiêu" in page.content() or "mục tiêu" in page.content()


def test_a_bar_drills_down_to_its_facilities(live_server, page, demo):
    sign_in(page, live_server, "manager", "manager-demo-2015")
    page.goto(f"{live_server.url}{demo}")
    _charts_drawn(page)
    # Plotly's drag layer sits over the bars and turns a click at a bar's place into plotly_click.
    bar = page.locator('[data-figure="by-sector"] .bars .point path').last
    bar.scroll_into_view_if_needed()
    box = bar.bounding_box()
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.wait_for_url("**/facilities/**")
    assert "target=" in page.url and "sector=" in page.url
    assert page.console_problems == []


def test_a_funnel_bar_drills_down_to_its_facilities_on_its_date(live_server, page, demo):
    """Issue 13: the funnel compared with a year earlier; the earlier date's bar opens that date's list."""
    sign_in(page, live_server, "manager", "manager-demo-2015")
    page.goto(f"{live_server.url}{demo}&compare=2012-12-31")
    _charts_drawn(page)
    assert page.console_problems == []
    # The first trace is the earlier date's: its second bar is "aware" on 2012-12-31.
    bar = page.locator('[data-figure="funnel-figure"] .bars .point path').nth(1)
    bar.scroll_into_view_if_needed()
    box = bar.bounding_box()
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.wait_for_url("**/facilities/**")
    assert "status=aware" in page.url and "as_of=2012-12-31" in page.url


def test_results_report_draws_every_chart(live_server, page, demo):
    sign_in(page, live_server, "manager", "manager-demo-2015")
    page.goto(f"{live_server.url}/reports/2012/")
    total, drawn = _charts_drawn(page)
    assert total == 4  # targets, newly aware, surveys, the CP pathway
    assert drawn == total
    assert page.console_problems == []
    # Printed on A4, the charts keep their place in the one-column report.
    page.emulate_media(media="print")
    assert page.locator("article.report").is_visible()


def test_the_language_in_use_is_marked_on_record_pages_too(live_server, page, demo):
    """Issue 12: on record pages (forms.css styles submit buttons) the current language's
    button looked like the other one."""
    sign_in(page, live_server, "staff", "staff-demo-2015")
    for path in ("/", "/record/surveys/new/"):
        page.goto(f"{live_server.url}{path}")
        current = page.locator(".topbar .lang button[aria-current]")
        other = page.locator(".topbar .lang button:not([aria-current])")
        assert current.inner_text() == "VI"
        background = "el => getComputedStyle(el).backgroundColor"
        # Filled for the language in use, clear for the other (it used to be the reverse there).
        assert (current.evaluate(background), other.evaluate(background)) == ("rgb(255, 255, 255)", "rgba(0, 0, 0, 0)")


def test_the_first_tab_stop_skips_to_the_content(live_server, page, demo):
    """Issue 12: 13 Tab stops came before a form's first field."""
    sign_in(page, live_server, "staff", "staff-demo-2015")
    page.goto(f"{live_server.url}/record/surveys/new/")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip-link"
    assert page.evaluate("document.activeElement.textContent") == "Bỏ qua, đến nội dung chính"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.closest('main') !== null")


def test_a_district_that_ended_is_chosen_from_its_group_and_filters_the_dashboard(live_server, page, demo):
    """The unit drop-down groups units as they stand today (facilities/forms.GroupedUnits):
    after the 2025 reform the districts are under "no longer existing", each with its last
    day; chosen as of 2013, one filters the dashboard to the facilities it had then."""
    sign_in(page, live_server, "manager", "manager-demo-2015")
    page.goto(f"{live_server.url}{demo}")
    groups = page.locator("#id_unit optgroup")
    labels = [groups.nth(i).get_attribute("label") for i in range(groups.count())]
    assert labels == ["Đơn vị hành chính hiện nay", "Không còn tồn tại"]
    ended = page.locator('#id_unit optgroup[label="Không còn tồn tại"] option', has_text="Ba Đình")
    assert ended.inner_text() == "Ba Đình (đến 30/06/2025)"
    page.select_option("#id_unit", label="Ba Đình (đến 30/06/2025)")
    page.locator(".filters button[type=submit]").click()
    page.wait_for_load_state("networkidle")
    assert "unit=" in page.url
    assert "Ba Đình" in page.locator(".page-head .lead").inner_text()
    # The district existed on 2013-12-31: figures, not the "did not exist on that day" notice.
    assert "Ngày đó không có cơ sở nào thuộc đơn vị này" not in page.locator(".completeness").inner_text()
    assert page.locator(".card").count() == 5
    assert page.console_problems == []


def test_the_chart_toolbar_speaks_vietnamese(live_server, page, demo):
    """plotly.js ships no Vietnamese: its toolbar said "Download plot as a PNG" on a Vietnamese page."""
    sign_in(page, live_server, "manager", "manager-demo-2015")
    page.goto(f"{live_server.url}{demo}")
    _charts_drawn(page)
    titles = page.eval_on_selector_all(".modebar-btn", "buttons => buttons.map(b => b.getAttribute('data-title'))")
    assert "Tải biểu đồ về dưới dạng ảnh PNG" in titles
    assert not [title for title in titles if title in ("Download plot as a PNG", "Zoom in", "Autoscale")]
    assert page.console_problems == []
