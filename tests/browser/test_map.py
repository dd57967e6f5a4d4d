"""The map of units in Chromium with the demo data: drawn at a 2013 date and at a 2026 date,
as a tile grid and from imported shapes, and never a request outside the server."""

import json

import pytest
from django.core.management import call_command

from facilities import boundaries
from facilities.models import AdministrativeUnit
from programmes.models import Phase
from tests.browser.conftest import DEMO_PASSWORDS, sign_in, wait_until

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.xdist_group("servers")]

MAP_DRAWN = "document.querySelector('#map .chart.chart-drawn') !== null"


@pytest.fixture
def demo(db) -> dict[int, str]:
    """The demo data; {year of a phase's start: its dashboard path without the date}."""
    call_command("load_demo", facilities=500, verbosity=0, password=DEMO_PASSWORDS)
    phases = Phase.objects.filter(programme__slug="hanoi-cp")
    return {phase.starts_on.year: f"/dashboard/?phase={phase.pk}" for phase in phases}


def _offline(page, live_server) -> list[str]:
    """Every request the page makes to anywhere but the live server: recorded and refused."""
    outside: list[str] = []

    def check(route):
        url = route.request.url
        if url.startswith(live_server.url) or url.startswith(("data:", "blob:")):
            route.continue_()
        else:
            outside.append(url)
            route.abort()

    page.route("**/*", check)
    return outside


def _figure(page) -> dict:
    return json.loads(page.locator("#unit-map").text_content())


def _shapes_for_every_unit() -> None:
    """A square of our own for every unit (a code where it has none): no third-party shapes."""
    units = list(AdministrativeUnit.objects.order_by("pk"))
    for unit in units:
        if not unit.code:
            unit.code = f"T{unit.pk}"
            unit.save()
    geometries = {}
    for i, unit in enumerate(units):
        x, y = 105.3 + 0.08 * (i % 10), 20.6 + 0.08 * (i // 10)
        ring = [[x, y], [x + 0.07, y], [x + 0.07, y + 0.07], [x, y + 0.07], [x, y]]
        geometries[unit.code] = {"type": "Polygon", "coordinates": [ring]}
    boundaries.store(boundaries.BoundaryFile(geometries=geometries), {u.code: u for u in units}, user=None)


@pytest.mark.parametrize("shapes", [False, True], ids=["tiles", "shapes"])
def test_the_map_is_drawn_in_2013_and_2026_without_leaving_the_server(live_server, page, demo, shapes):
    if shapes:
        _shapes_for_every_unit()
    outside = _offline(page, live_server)
    sign_in(page, live_server, "manager", "manager-demo-2015")
    drawn = {}
    # 29 units in 2013 (Từ Liêm not yet split), 30 wards and communes in the demo's 2026.
    for year, day, units in ((2011, "2013-06-30", 29), (2016, "2026-06-30", 30)):
        page.goto(f"{live_server.url}{demo[year]}&as_of={day}")
        wait_until(page, MAP_DRAWN)
        figure = _figure(page)
        kinds = {trace["type"] for trace in figure["data"]}
        assert kinds == ({"choropleth", "scattergeo"} if shapes else {"heatmap"})
        text = json.dumps(figure, ensure_ascii=False)
        drawn[day] = text
        # The map has its table equivalent and its accessible name.
        assert page.locator("#map details table tbody tr").count() == units
        # (A named figure, not role="img" on the chart: Plotly's toolbar holds buttons.)
        assert page.locator("#map figure.chart-figure").get_attribute("aria-label")
    # 2013: Từ Liêm, before its split; 2026: the wards and communes of the reform.
    assert "Từ Liêm" in drawn["2013-06-30"] and "Bắc Từ Liêm" not in drawn["2013-06-30"]
    assert "Phường Bắc Từ Liêm" in drawn["2026-06-30"] and "Xã Gia Lâm" in drawn["2026-06-30"]
    assert outside == []
    assert page.console_problems == []


def test_a_square_opens_its_units_facilities(live_server, page, demo):
    outside = _offline(page, live_server)
    sign_in(page, live_server, "manager", "manager-demo-2015")
    page.goto(f"{live_server.url}{demo[2011]}&as_of=2013-12-31")
    wait_until(page, MAP_DRAWN)
    # Gia Lâm's square: row 3, column 7 of the demo's grid (programmes/demo_data.GRID).
    figure = _figure(page)
    url = figure["data"][0]["customdata"][3][7]
    assert "unit=" in url
    page.locator("#map .chart").scroll_into_view_if_needed()
    # The middle of cell (row 3, column 7), where plotly's own axes put it.
    x, y = page.evaluate(
        """() => {
          const el = document.querySelector('#map .chart'), box = el.getBoundingClientRect();
          const xa = el._fullLayout.xaxis, ya = el._fullLayout.yaxis;
          return [box.left + xa._offset + xa.l2p(7), box.top + ya._offset + ya.l2p(3)];
        }"""
    )
    page.mouse.move(x, y)
    page.mouse.click(x, y)
    page.wait_for_url("**/facilities/**")
    assert page.url == f"{live_server.url}{url}"
    assert outside == []


def test_on_a_phone_the_squares_show_their_values_and_the_funnel_table_fits(live_server, page, demo):
    page.set_viewport_size({"width": 390, "height": 844})
    sign_in(page, live_server, "manager", "manager-demo-2015")
    page.goto(f"{live_server.url}{demo[2011]}&as_of=2013-12-31")
    wait_until(page, MAP_DRAWN)
    figure = _figure(page)
    drawn = page.evaluate(
        """() => {
          const el = document.querySelector('#map .chart');
          return {text: el.data[1].text, colorbar: el._fullData[1].colorbar.orientation, title: el.layout.title.text};
        }"""
    )
    # static/js/charts.js laid the figure's phone part over it: values alone, the colour bar under the map.
    assert drawn == {"text": figure["phone"]["data"][1]["text"], "colorbar": "h", "title": ""}
    assert "<br>" not in drawn["text"][3][7]
    # The funnel's table fits the screen: nothing to scroll sideways.
    assert page.evaluate(
        "(() => { const box = document.querySelector('#funnel .table-scroll'); "
        "return box.scrollWidth <= box.clientWidth; })()"
    )
    assert page.console_problems == []
