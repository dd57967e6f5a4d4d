"""The CP pathway funnel (targets/funnel.py): counts, conversions, medians and comparisons,
against hand-computed worlds and the facility list's status filters, on SQLite and PostgreSQL."""

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db import connection

from facilities.models import counted_q
from programmes.models import FacilityPathway, SavingStep, TechnicalSupport
from targets import funnel
from targets.facility_filters import STEP_STATUSES, FacilityFilter, facility_register
from targets.queries import reached_q
from tests import builders as b

D = dt.date


def _counts(result: funnel.Funnel) -> dict[str, int]:
    return {step.key: step.facilities for step in result.steps}


class TestInterviewYear:
    """The interview year as of 2012-12-31 (tests/targets/conftest.py), worked out by hand:
    100 in scope; 15 aware; 2 surveyed (F010, F011, on 2012-05-01, their first contact);
    1 supported (F010, 2012-06-01); 6 applying (2012-09-01), all of them with a saving of
    at least 5 % from that day; 1 replicating (F014 on 2012-05-30, before its solution)."""

    def test_counts(self, interview_year):
        result = funnel.pathway_funnel(as_of=D(2012, 12, 31))
        assert _counts(result) == {
            "in_scope": 100,
            "aware": 15,
            "surveyed": 2,
            "supported": 1,
            "applying": 6,
            "saving_reached": 6,
            "replicating": 1,
        }

    def test_went_on_conversion_and_otherwise(self, interview_year):
        steps = {s.key: s for s in funnel.pathway_funnel(as_of=D(2012, 12, 31)).steps}
        assert (steps["aware"].went_on, steps["aware"].conversion) == (15, 15.0)
        assert (steps["surveyed"].went_on, steps["surveyed"].conversion, steps["surveyed"].otherwise) == (2, 13.3, 0)
        assert (steps["supported"].went_on, steps["supported"].conversion) == (1, 50.0)
        # F010 applied after its support; five applied without any.
        assert (steps["applying"].went_on, steps["applying"].conversion, steps["applying"].otherwise) == (1, 100.0, 5)
        assert (steps["saving_reached"].went_on, steps["saving_reached"].otherwise) == (6, 0)
        # F014 replicated the model before its own solution reached 5 %: not "went on".
        assert (steps["replicating"].went_on, steps["replicating"].otherwise) == (0, 1)
        assert steps["in_scope"].went_on is None and steps["in_scope"].conversion is None

    def test_medians(self, interview_year):
        steps = {s.key: s for s in funnel.pathway_funnel(as_of=D(2012, 12, 31)).steps}
        assert steps["aware"].median_days is None  # when a facility came in scope is not known
        assert steps["surveyed"].median_days == 0  # the survey was their first contact
        assert steps["supported"].median_days == 31  # 1 May → 1 June
        assert steps["applying"].median_days == 92  # 1 June → 1 September
        assert steps["saving_reached"].median_days == 0
        assert steps["replicating"].median_days is None

    def test_a_year_earlier(self, interview_year):
        """On 2011-12-31: also ``closed_before`` (closed in 2012) and ``closed_on`` count; 5 of
        F000–F004 and ``closed_before`` were at the 2011 workshop."""
        result = funnel.pathway_funnel(as_of=D(2012, 12, 31), compare=D(2011, 12, 31))
        earlier = {s.key: s.facilities for s in result.earlier}
        assert earlier == {
            "in_scope": 102,
            "aware": 6,
            "surveyed": 0,
            "supported": 0,
            "applying": 0,
            "saving_reached": 0,
            "replicating": 0,
        }
        changes = {step.key: change for step, _before, change, _points in result.rows}
        assert changes == {
            "in_scope": -2,
            "aware": 9,
            "surveyed": 2,
            "supported": 1,
            "applying": 6,
            "saving_reached": 6,
            "replicating": 1,
        }
        aware = next(row for row in result.rows if row[0].key == "aware")
        assert aware[3] == 9.1  # 6 of 102 a year earlier: 5.9 %

    def test_one_query_for_two_days(self, interview_year, django_assert_num_queries):
        with django_assert_num_queries(1):
            funnel.pathway_funnel(as_of=D(2012, 12, 31), compare=D(2011, 12, 31))

    def test_a_higher_saving(self, interview_year):
        """Savings 5.0, 5.5, 6.0, 6.5, 7.0 and 8.0 %: 3 reach 6.5 %."""
        result = funnel.pathway_funnel(as_of=D(2012, 12, 31), saving_min=Decimal("6.5"))
        assert result.step("saving_reached").facilities == 3

    @pytest.mark.parametrize("day", [D(2011, 12, 31), D(2012, 12, 31), D(2013, 12, 31)])
    @pytest.mark.parametrize("scoped", [False, True])
    def test_every_bar_equals_the_facility_list_behind_it(self, interview_year, day, scoped):
        """The drill-down: the list filtered by each step's status has exactly the bar's facilities."""
        scope = {"sector": interview_year.sectors[1].pk} if scoped else {}
        result = funnel.pathway_funnel(as_of=day, sector_id=scope.get("sector"))
        for step in result.steps:
            data = {"as_of": day.isoformat(), "status": STEP_STATUSES[step.key].value, **scope}
            listed = FacilityFilter(data, queryset=facility_register())
            assert listed.is_valid(), listed.errors
            assert listed.qs.count() == step.facilities, step.key

    @pytest.mark.parametrize("by", list(funnel.FUNNEL_BREAKDOWNS))
    def test_each_steps_breakdown_rows_sum_to_the_city(self, interview_year, by):
        day = D(2012, 12, 31)
        city = _counts(funnel.pathway_funnel(as_of=day))
        groups = funnel.funnel_by(as_of=day, by=by)
        assert len(groups) > 1 or by == "unit"
        for key in funnel.STEPS:
            assert sum(next(s for s in steps if s.key == key).facilities for steps in groups.values()) == city[key]


@pytest.fixture
def supported_world(db):
    """Four facilities surveyed on 2012-01-01 and supported 10, 20, 40 and 100 days later
    (the last on 2012-04-10); a fifth supported without a known day (its survey's: 0 days)
    is out of scope. The median of 10, 20, 40, 100 is (20 + 40) ÷ 2 = 30 days; by 2012-02-28
    only the first three are supported: the median of 10, 20, 40 is 20."""
    surveyed_on = D(2012, 1, 1)
    for gap in (40, 10, 100, 20):
        survey = b.survey(b.facility(), surveyed_on=surveyed_on)
        TechnicalSupport.objects.create(
            survey=survey, kind=TechnicalSupport.Kind.TECHNIQUE, given_on=surveyed_on + dt.timedelta(days=gap)
        )
    survey = b.survey(b.facility(in_scope=False), surveyed_on=surveyed_on)
    TechnicalSupport.objects.create(survey=survey, kind=TechnicalSupport.Kind.TECHNIQUE)


def test_median_days_even_and_odd(supported_world):
    result = funnel.pathway_funnel(as_of=D(2012, 12, 31), compare=D(2012, 2, 28))
    now, then = result.step("supported"), next(s for s in result.earlier if s.key == "supported")
    assert (now.facilities, now.went_on, now.median_days) == (4, 4, 30.0)
    assert (then.facilities, then.went_on, then.median_days) == (3, 3, 20.0)


def test_a_day_before_any_step_has_counts_and_no_medians(supported_world):
    """On a day when the facilities were in scope but none had been surveyed, the counts are
    there and every median is None (PostgreSQL reads the medians from the rows that went on
    to some step: that day has none)."""
    result = funnel.pathway_funnel(as_of=D(2012, 12, 31), compare=D(2011, 12, 31))
    assert result.earlier[0].facilities == 4
    assert [step.facilities for step in result.earlier[1:]] == [0] * (len(result.earlier) - 1)
    assert [step.median_days for step in result.earlier] == [None] * len(result.earlier)
    assert result.step("supported").median_days == 30.0


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the medians' statement is PostgreSQL's")
def test_the_medians_read_only_the_rows_with_a_first_contact(supported_world):
    """Every step comes after a first contact: the medians leave the rows without one (most of
    a register) before joining the saving steps, and stay those of test_median_days_even_and_odd."""
    sql, _params, _names = funnel.funnel_sql([D(2012, 12, 31)], saving_min=funnel.DEFAULT_SAVING_MIN)
    assert "FROM c WHERE m1 IS NOT NULL AND (" in sql[sql.index("m AS (") :]
    assert funnel.pathway_funnel(as_of=D(2012, 12, 31)).step("supported").median_days == 30.0


def test_median_of_a_half_day(db):
    """Gaps of 1 and 2 days: the median is 1.5 on both databases."""
    for gap in (1, 2):
        survey = b.survey(b.facility(), surveyed_on=D(2012, 1, 1))
        TechnicalSupport.objects.create(
            survey=survey, kind=TechnicalSupport.Kind.TECHNIQUE, given_on=D(2012, 1, 1) + dt.timedelta(days=gap)
        )
    assert funnel.pathway_funnel(as_of=D(2012, 12, 31)).step("supported").median_days == 1.5


def test_an_empty_register(db):
    result = funnel.pathway_funnel(as_of=D(2012, 12, 31))
    assert all(step.facilities == 0 for step in result.steps)
    assert all(step.conversion is None for step in result.steps)


@pytest.fixture
def demo(db):
    passwords = ["admin=a-Demo-pass-1", "manager=m-Demo-pass-2", "staff=s-Demo-pass-3"]
    call_command("load_demo", facilities=500, password=passwords, verbosity=0, stdout=io.StringIO())


def test_the_demo_funnel_equals_the_pathway_counted_step_by_step(demo):
    """The demo programme at the end of 2012 and of 2013 (units split on 2014-01-01 after it):
    each bar equals a plain count of the pathway rows counted on the day at that step, and each
    step's breakdown by unit adds up to it."""
    for day in (D(2012, 12, 31), D(2013, 12, 31), D(2014, 6, 30)):
        _check_demo_day(day)


def _check_demo_day(day: dt.date) -> None:
    counted = FacilityPathway.objects.filter(counted_q(day))
    reached = SavingStep.objects.filter(reached_q(funnel.DEFAULT_SAVING_MIN), since__lte=day)
    expected = {
        "in_scope": counted.count(),
        "aware": counted.filter(aware_on__lte=day).count(),
        "surveyed": counted.filter(surveyed_on__lte=day).count(),
        "supported": counted.filter(supported_on__lte=day).count(),
        "applying": counted.filter(applying_on__lte=day).count(),
        "saving_reached": counted.filter(saving_steps__in=reached).count(),
        "replicating": counted.filter(replicated_on__lte=day).count(),
    }
    result = funnel.pathway_funnel(as_of=day, saving_min=funnel.DEFAULT_SAVING_MIN)
    assert _counts(result) == expected
    assert expected["aware"] > expected["surveyed"] > 0 and expected["applying"] > 0
    by_unit = funnel.funnel_by(as_of=day, by="unit")
    for i, key in enumerate(funnel.STEPS):
        assert sum(steps[i].facilities for steps in by_unit.values()) == expected[key]
