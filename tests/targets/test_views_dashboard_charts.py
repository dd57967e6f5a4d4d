"""Issue 12: every chart on the dashboard is named for assistive technology and has its
numbers as a table one click away (a <details> under it), written as the language writes them."""

import re

import pytest
from django.urls import reverse

DASHBOARD = "targets:dashboard"


def _figures(content: str) -> list[str]:
    return re.findall(r"<figure\b.*?</figure>", content, flags=re.S)


@pytest.mark.parametrize(("language", "share", "date"), [("vi", "15,0%", "31/12/2012"), ("en", "15.0%", "31/12/2012")])
def test_every_chart_is_a_named_figure_with_its_numbers_as_a_table(
    manager_client, interview_year, language, share, date
):
    manager_client.cookies["django_language"] = language
    response = manager_client.get(reverse(DASHBOARD), {"phase": interview_year.phase.pk, "as_of": "2012-12-31"})
    content = response.content.decode()
    figures = _figures(content)
    charts = content.count('class="chart"')
    # Every chart is inside a figure with a name of its own: the cards', the three breakdowns, the
    # outputs, the pathway funnel and the map of units.
    assert len(figures) == len(response.context["cards"]) + 3 + 1 + 1 + 1
    # (The map's figure holds only its table when no unit of the date has a square or a shape.)
    assert charts == len(figures) - (0 if 'data-figure="unit-map"' in content else 1)
    assert all(re.match(r'<figure class="chart-figure" aria-label="[^"]{10,}"', figure) for figure in figures)
    assert len({re.search(r'aria-label="([^"]*)"', figure).group(1) for figure in figures}) == len(figures)
    # The trend, breakdown and map charts carry their table; the outputs chart's stands above it,
    # the funnel's below it.
    tables = [figure for figure in figures if "<details" in figure]
    assert len(tables) == len(figures) - 2
    awareness = next(c for c in response.context["cards"] if c.result.indicator == "awareness")
    trend = next(figure for figure in figures if f'data-figure="{awareness.figure_id}"' in figure)
    # The last point of the series: the as-of day, 15 of 100 facilities aware.
    assert re.search(rf"<th scope=\"row\">{re.escape(date)}</th><td class=\"num\">{re.escape(share)}</td>", trend)
    assert "15 / 100" in trend


def test_a_breakdown_table_lists_its_groups_highest_first_linked_to_their_facilities(manager_client, interview_year):
    manager_client.cookies["django_language"] = "vi"
    response = manager_client.get(reverse(DASHBOARD), {"phase": interview_year.phase.pk, "as_of": "2012-12-31"})
    (by_sector,) = [chart for chart in response.context["breakdown_charts"] if chart.by == "sector"]
    shown = [row.value for row, _url in by_sector.table_rows if row.value is not None]
    assert shown == sorted(shown, reverse=True) and shown
    figure = next(f for f in _figures(response.content.decode()) if 'data-figure="by-sector"' in f)
    row, url = by_sector.table_rows[0]
    assert "?target=" in url and "sector=" in url
    assert f'<th scope="row"><a href="{url.replace("&", "&amp;")}">{row.label}</a></th>' in figure
    assert '<th scope="col">Ngành</th>' in figure
