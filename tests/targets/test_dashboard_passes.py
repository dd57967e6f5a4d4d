"""The dashboard reads the pathway in as few passes as its figures allow (targets/dashboard.py,
selectors.breakdowns_by): its three breakdowns come from one pass grouped by all three fields,
its data completeness from the funnel's first steps, its map's rows by unit from the focus
breakdown. Each shortcut must give the figures of the query it replaces, on the demo data,
before, between and after the 2014 split and the 2025 reform."""

import datetime as dt
import io

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.urls import reverse

from programmes.models import Phase, Programme
from targets import dashboard, funnel, maps, selectors

D = dt.date
DAYS = (D(2011, 6, 30), D(2012, 12, 31), D(2013, 12, 31), D(2014, 6, 30), D(2015, 12, 31), D(2026, 1, 31))


@pytest.fixture
def demo(db):
    passwords = ["admin=a-Demo-pass-1", "manager=m-Demo-pass-2", "staff=s-Demo-pass-3"]
    call_command("load_demo", facilities=500, password=passwords, verbosity=0, stdout=io.StringIO())
    programme = Programme.objects.get(slug="hanoi-cp")
    return list(selectors.programme_targets(programme))


def test_one_pass_gives_each_breakdown_as_its_own_pass_does(demo):
    """selectors.breakdowns_by() groups by sector, unit and area type at once and adds up the
    groups per breakdown; asked for one breakdown, it groups by that field alone."""
    for day in DAYS:
        together = selectors.breakdowns_by(targets=demo, as_of=day, by=dashboard.DASHBOARD_BREAKDOWNS)
        for by in dashboard.DASHBOARD_BREAKDOWNS:
            assert together[by] == selectors.breakdowns_by(targets=demo, as_of=day, by=[by])[by], (day, by)
    rows = together["sector"][demo[0].pk]
    assert rows and sum(row.denominator for row in rows) > 0


def test_breakdown_groups_add_up_to_the_card(demo):
    for day in (D(2013, 12, 31), D(2026, 1, 31)):
        results = {r.target_id: r for r in selectors.targets_as_of(targets=demo, as_of=day)}
        found = selectors.breakdowns_by(targets=demo, as_of=day, by=dashboard.DASHBOARD_BREAKDOWNS)
        for target in demo:
            if target.indicator in ("saving", "specialist_coverage"):
                continue
            for by in dashboard.DASHBOARD_BREAKDOWNS:
                rows = found[by][target.pk]
                assert sum(row.numerator for row in rows) == results[target.pk].numerator, (day, by)
                assert sum(row.denominator for row in rows) == results[target.pk].denominator, (day, by)


@pytest.mark.parametrize("scope", [{}, {"area_kind": "craft_village"}])
def test_the_funnel_gives_the_data_completeness(demo, scope):
    for day in DAYS:
        panel = funnel.pathway_funnel(as_of=day, **scope)
        shown = selectors.completeness(
            as_of=day,
            facilities=panel.step("in_scope").facilities,
            reached=panel.step("aware").facilities,
            surveyed=panel.step("surveyed").facilities,
        )
        assert shown == selectors.data_completeness(as_of=day, **scope), day


def test_the_dashboard_shows_the_completeness_counted_on_its_own(demo, client):
    client.force_login(User.objects.get(username="manager"))  # the demo's manager
    phase = Phase.objects.order_by("starts_on").first()
    response = client.get(reverse("targets:dashboard"), {"phase": phase.pk, "as_of": "2013-12-31"})
    assert response.status_code == 200
    assert response.context["completeness"] == selectors.data_completeness(as_of=D(2013, 12, 31))
    assert response.context["completeness"].reached > 0


def test_the_map_of_the_focus_target_reuses_its_breakdown(demo, django_assert_num_queries):
    target = next(t for t in demo if t.indicator == "awareness")
    day, earlier = D(2015, 12, 31), D(2013, 12, 31)
    counted = maps.unit_map(target=target, as_of=day, compare=earlier)
    known = {
        (target.pk, d): selectors.breakdowns_as_of(targets=[target], as_of=d, by="unit")[target.pk]
        for d in (day, earlier)
    }
    with django_assert_num_queries(1):  # its units alone
        reused = maps.unit_map(target=target, as_of=day, compare=earlier, known=known)
    assert reused == counted
    assert any(unit.numerator for unit in reused.units)
