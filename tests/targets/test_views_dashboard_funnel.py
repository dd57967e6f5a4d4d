"""The dashboard's pathway funnel and comparisons between two as-of dates (issue 13, items 1 and 3)."""

import re
from urllib.parse import parse_qs, urlsplit

import pytest
from django.urls import reverse
from django.utils import formats

from tests.programmes.conftest import grant

DASHBOARD = "targets:dashboard"


@pytest.fixture
def page(manager_client, interview_year):
    def get(**params):
        return manager_client.get(reverse(DASHBOARD), {"phase": interview_year.phase.pk, **params})

    return get


def test_the_funnel_is_on_the_dashboard(page):
    response = page(as_of="2012-12-31")
    panel = response.context["funnel"]
    assert [(row.step.key, row.step.facilities) for row in panel.rows] == [
        ("in_scope", 100),
        ("aware", 15),
        ("surveyed", 2),
        ("supported", 1),
        ("applying", 6),
        ("saving_reached", 6),
        ("replicating", 1),
    ]
    content = response.content.decode()
    assert 'id="funnel-title"' in content and 'data-figure="funnel-figure"' in content
    # The table says the same as the chart, each number a link to its facilities.
    for row in panel.rows:
        assert f'<a href="{row.url.replace("&", "&amp;")}">{row.step.facilities}</a>' in content
    figure = panel.figure["data"]
    assert len(figure) == 1 and figure[0]["customdata"] == [row.url for row in panel.rows]


def test_the_saving_step_asks_for_the_phase_s_qualifying_saving(page):
    """The phase's "applying with the target saving" target qualifies at 5 %."""
    panel = page(as_of="2012-12-31").context["funnel"]
    reached = next(row for row in panel.rows if row.step.key == "saving_reached")
    assert parse_qs(urlsplit(reached.url).query)["saving_min"] == ["5"]


@pytest.mark.parametrize("params", [{}, {"sector": "first"}, {"compare": "2011-12-31"}])
def test_every_bar_drills_down_to_its_facilities(manager_client, manager, interview_year, page, params):
    if params.get("sector"):
        params = {"sector": interview_year.sectors[0].pk}
    panel = page(as_of="2012-12-31", **params).context["funnel"]
    grant(manager, "facilities.view_facility")
    manager_client.force_login(manager)
    links = [(row.url, row.step.facilities) for row in panel.rows]
    links += [(row.earlier_url, row.earlier.facilities) for row in panel.rows if row.earlier]
    for url, count in links:
        listed = manager_client.get(url)
        assert listed.status_code == 200
        assert listed.context["table"].paginator.count == count, url


@pytest.mark.parametrize("scoped", [False, True])
def test_the_never_reached_link_lists_the_facilities_counted_in_the_scope(
    manager_client, manager, interview_year, page, scoped
):
    params = {"sector": interview_year.sectors[0].pk} if scoped else {}
    response = page(as_of="2012-12-31", **params)
    never = response.context["completeness"].never_reached
    url = response.context["never_reached_url"]
    assert f'<a href="{url.replace("&", "&amp;")}">' in response.content.decode()
    grant(manager, "facilities.view_facility")
    manager_client.force_login(manager)
    listed = manager_client.get(url)
    assert listed.context["table"].paginator.count == never
    if scoped:  # fewer than the whole city's
        assert never < page(as_of="2012-12-31").context["completeness"].never_reached


def test_a_scope_without_facilities_says_none_never_reached(manager_client, page):
    from tests import builders

    manager_client.cookies["django_language"] = "en"
    content = page(as_of="2012-12-31", sector=builders.sector().pk).content.decode()
    assert "<strong>0 (0%) have never been reached</strong>" in content
    assert "None%" not in content


def test_a_comparison_shows_the_change_on_cards(page):
    """Awareness: 15 of 100 (15 %) on 2012-12-31, 6 of 102 (5.9 %) on 2011-12-31: +9.1 points, +9."""
    response = page(as_of="2012-12-31", compare="2011-12-31")
    assert response.status_code == 200
    card = next(c for c in response.context["cards"] if c.result.indicator == "awareness")
    assert (card.earlier.numerator, card.earlier.denominator, card.earlier.value) == (6, 102, 5.9)
    assert (card.change_points, card.change_count) == (9.1, 9)
    day = formats.date_format(response.context["compare"], "SHORT_DATE_FORMAT")
    text = " ".join(response.content.decode().split())
    assert f"Since {day}: +9.1 points, +9 counted." in text
    assert f"compared with {day}" in text


def test_the_change_is_written_in_vietnamese(manager_client, page):
    manager_client.cookies["django_language"] = "vi"
    response = page(as_of="2012-12-31", compare="2011-12-31")
    text = " ".join(response.content.decode().split())
    assert "+9,1" in text


def test_a_comparison_on_the_funnel(page):
    panel = page(as_of="2012-12-31", compare="2011-12-31").context["funnel"]
    aware = next(row for row in panel.rows if row.step.key == "aware")
    assert (aware.earlier.facilities, aware.change, aware.change_points) == (6, 9, 9.1)
    assert "as_of=2011-12-31" in aware.earlier_url
    figure = panel.figure["data"]
    assert len(figure) == 2  # the earlier date's bars, then the as-of date's
    assert figure[0]["x"] == [row.earlier.facilities for row in panel.rows]


def test_a_comparison_on_the_breakdowns(page):
    """Each breakdown chart marks every group's value on the date compared with."""
    response = page(as_of="2012-12-31", compare="2011-12-31")
    for chart in response.context["breakdown_charts"]:
        bars, earlier = chart.figure["data"]
        assert earlier["type"] == "scatter"
        assert all(" · " in text for text in bars["text"])


def test_without_a_comparison_nothing_changes(page):
    response = page(as_of="2012-12-31")
    assert all(card.earlier is None for card in response.context["cards"])
    assert all(row.earlier is None for row in response.context["funnel"].rows)
    assert all(len(chart.figure["data"]) == 1 for chart in response.context["breakdown_charts"])
    assert "Since " not in response.content.decode()


def test_the_same_date_a_year_earlier_is_one_click_away(page):
    content = page(as_of="2013-06-30").content.decode()
    link = re.search(r'class="compare-shortcut" href="\?([^"]+)"', content).group(1)
    query = parse_qs(link.replace("&amp;", "&"))
    assert (query["as_of"], query["compare"]) == (["2013-06-30"], ["2012-06-30"])


@pytest.mark.parametrize(
    ("compare", "message"),
    [
        ("2999-01-01", "is in the future"),
        ("31/13/2012", "is not a date: write YYYY-MM-DD or DD/MM/YYYY."),
        ("1899-12-31", "is too early"),
    ],
)
def test_the_compare_date_follows_the_as_of_policy(page, compare, message):
    response = page(as_of="2012-12-31", compare=compare)
    assert response.status_code == 400
    assert message in " ".join(response.context["form"].errors["compare"])


def test_a_day_first_compare_date(page):
    response = page(as_of="2012-12-31", compare="31/12/2011")
    assert response.context["compare"].isoformat() == "2011-12-31"
