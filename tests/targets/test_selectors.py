"""targets.selectors on hand-computed fixtures (tests/targets/conftest.py).

Every expected number is worked out by hand in the fixture's docstring or
in a comment; the same assertions run on SQLite and PostgreSQL.
"""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.db.models import Q
from django.test.utils import CaptureQueriesContext

from facilities.models import Facility, ProductionArea
from programmes.models import Attendance, OutreachActivity, ResourceSaving, SavingStep
from targets import selectors
from targets.figures import BreakdownRow, SeriesPoint
from targets.models import Indicator
from targets.queries import NEVER
from tests import builders as b
from tests.targets.conftest import make_targets

D = dt.date
AS_OF = D(2012, 12, 31)
pytestmark = pytest.mark.django_db


def by_indicator(results):
    return {r.indicator: r for r in results}


class TestInterviewYear:
    """15 % aware, 6 % applying with savings of 5–8 %, as of 2012-12-31."""

    @pytest.fixture
    def results(self, interview_year):
        return by_indicator(selectors.indicators_as_of(programme=interview_year.programme, as_of=AS_OF))

    def test_awareness(self, results):
        r = results["awareness"]
        # 15 of the 100 open in-scope facilities; the straight line from 0 % (2011-01-01)
        # to 50 % (2015-12-31) is at 730/1,825 = 0.4 of the way: 20 %. 15 < 17 (85 % of 20).
        assert (r.value, r.numerator, r.denominator) == (15.0, 15, 100)
        assert (r.expected_now, r.status) == (20.0, "off_track")
        assert r.status_label == "off track"
        # A year earlier: F000–F004 and the facility closed since, of 102 open then: 5.9 %.
        # (15 − 5.882) / 12 a month over 35.975 months left: 42.3 % at the deadline.
        assert (r.value_year_ago, r.projected_at_deadline) == (5.9, 42.3)
        # 50 − 15 = 35 more, 0.97 a month; 10 newly counted in the last 12 months.
        assert (r.needed_facilities, r.needed_per_month, r.current_per_month) == (35, 1.0, 0.8)
        assert (r.target_min, r.target_max, r.deadline, r.baseline, r.baseline_on) == (
            50.0,
            None,
            D(2015, 12, 31),
            0.0,
            D(2011, 1, 1),
        )
        assert r.breakdown is None

    def test_application(self, results):
        r = results["application"]
        assert (r.value, r.numerator, r.denominator, r.expected_now, r.status) == (6.0, 6, 100, 10.0, "off_track")
        # From 0 % a year earlier: 0.5 a month → 6 + 0.5 × 35.975 = 24.0.
        assert (r.value_year_ago, r.projected_at_deadline) == (0.0, 24.0)
        assert (r.needed_facilities, r.needed_per_month, r.current_per_month) == (19, 0.5, 0.5)

    def test_application_with_saving(self, results):
        r = results["application_with_saving"]
        # All six applying facilities save at least 5 %.
        assert (r.value, r.numerator, r.denominator, r.status, r.needed_facilities) == (6.0, 6, 100, "off_track", 19)
        assert r.scope == "any resource saving ≥ 5%"

    def test_saving_is_a_range_target_met_by_the_median(self, results):
        r = results["saving"]
        # Facility savings 5.0, 5.5, 6.0, 6.5, 7.0 (F005: the better of 7.0 and 4.0), 8.0:
        # median 6.25, quartiles 5.625 and 6.875; all six reach 5 %.
        assert (r.value, r.q1, r.q3) == (6.3, 5.6, 6.9)
        assert (r.numerator, r.denominator, r.share_reaching) == (6, 6, 100.0)
        assert (r.target_min, r.target_max, r.unit) == (5.0, 8.0, "%")
        assert (r.expected_now, r.status) == (2.0, "met")
        # Nothing was measured a year earlier: no trend to project.
        assert (r.value_year_ago, r.projected_at_deadline) == (None, None)
        assert (r.needed_facilities, r.needed_per_month, r.current_per_month) == (0, 0.0, 0.5)
        assert r.scope == "energy saving ≥ 5%"

    def test_specialist_coverage(self, results):
        r = results["specialist_coverage"]
        # 10 of 29 units (Ba Vì's specialist left that very day); 70 % × 0.4 = 28 % expected.
        assert (r.value, r.numerator, r.denominator, r.expected_now, r.status) == (34.5, 10, 29, 28.0, "on_track")
        # 0 % a year earlier: a steep trend, capped at 100 %.
        assert (r.value_year_ago, r.projected_at_deadline) == (0.0, 100.0)
        # ceil(70 % × 29) = 21 units: 11 more, 0.3 a month.
        assert (r.needed_facilities, r.needed_per_month, r.current_per_month) == (11, 0.3, 0.8)

    def test_order_and_labels(self, results, interview_year):
        assert list(results) == [
            "awareness",
            "application",
            "application_with_saving",
            "saving",
            "specialist_coverage",
        ]
        assert results["awareness"].label == "facilities aware of CP"
        assert results["awareness"].phase == "to 2015"
        assert results["awareness"].target_id == interview_year.targets["awareness"].pk

    def test_query_count(self, interview_year, django_assert_num_queries):
        # Targets, facility counts, unit counts, quartiles.
        with django_assert_num_queries(4):
            selectors.indicators_as_of(programme=interview_year.programme, as_of=AS_OF)

    def test_counts_from_a_milestone_read_only_the_rows_with_a_contact(self, interview_year, monkeypatch):
        """One statement: the counts of open facilities over every pathway row, those counted from
        a milestone (aware, applying, a saving) over the rows with a first contact alone — the same
        numbers as counting every condition over every row."""
        targets = list(selectors.programme_targets(interview_year.programme))
        statements = []
        aggregate = selectors._aggregate
        monkeypatch.setattr(selectors, "_aggregate", lambda *a, **k: statements.append((a, k)) or aggregate(*a, **k))
        selectors.targets_as_of(targets=targets, as_of=AS_OF)
        (base, annotations, conditions, contact), _units = [args for args, _kwargs in statements]
        # Every numerator compares a date after a milestone; the shares' denominators do not.
        facility_targets = [t for t in targets if t.indicator != Indicator.SPECIALIST_COVERAGE]
        assert {f"t{t.pk}_num" for t in facility_targets} <= set(contact) < set(conditions)
        shares = [t for t in targets if t.indicator in (Indicator.AWARENESS, Indicator.APPLICATION)]
        assert {f"t{t.pk}_den" for t in shares}.isdisjoint(contact)
        with CaptureQueriesContext(connection) as queries:
            split = aggregate(base, annotations, conditions, contact)
        (statement,) = queries.captured_queries
        assert '"aware_on" IS NOT NULL' in statement["sql"]
        assert split == aggregate(base, annotations, conditions)
        # 15 aware, 6 applying of 100 (the fixture): the rows with no contact count only as open.
        assert split[f"t{interview_year.targets['awareness'].pk}_num"] == 15

    def test_as_dict_is_json_ready(self, results):
        row = results["saving"].as_dict()
        assert row["deadline"] == "2015-12-31"
        assert row["as_of"] == "2012-12-31"
        assert row["value"] == 6.3


class TestDates:
    def test_facility_opened_after_the_date_counts_from_its_opening(self, interview_year):
        aware = interview_year.targets["awareness"]
        assert selectors.target_as_of(target=aware, as_of=AS_OF).denominator == 100
        # By mid-2013 the new facility is open and reached (2013-04-01): 16 of 101.
        later = selectors.target_as_of(target=aware, as_of=D(2013, 6, 30))
        assert (later.numerator, later.denominator) == (16, 101)

    def test_facility_closed_before_the_date_is_not_counted(self, interview_year):
        codes = set(selectors.facilities_behind(indicator="awareness", as_of=AS_OF).values_list("code", flat=True))
        assert codes == {f"F{i:03d}" for i in range(15)}
        # It counted while open (aware since the 2011 workshop).
        assert selectors.facilities_behind(indicator="awareness", as_of=D(2012, 5, 31)).filter(code="X2").exists()

    def test_closed_on_the_date_is_closed(self, interview_year):
        assert (
            not selectors.facilities_behind(indicator="awareness", as_of=AS_OF, denominator=True)
            .filter(code="X3")
            .exists()
        )
        assert selectors.facilities_behind(indicator="awareness", as_of=AS_OF - dt.timedelta(days=1)).count() == 15

    def test_counted_on_is_in_scope_and_is_open_on(self, interview_year):
        """The SQL rule and the one-object rule (used by forms) agree."""
        facilities = list(Facility.objects.all())
        for day in (D(2012, 5, 31), D(2012, 6, 1), AS_OF, D(2013, 3, 1)):
            expected = {f for f in facilities if f.in_scope and f.is_open_on(day)}
            assert set(Facility.objects.counted_on(day)) == expected

    def test_before_anything_happened(self, interview_year):
        r = selectors.target_as_of(target=interview_year.targets["awareness"], as_of=D(2010, 12, 31))
        # Before the baseline date the expected value is the baseline itself.
        assert (r.value, r.numerator, r.denominator, r.expected_now, r.status) == (0.0, 0, 102, 0.0, "on_track")

    def test_after_the_deadline_expected_is_the_target(self, interview_year):
        r = selectors.target_as_of(target=interview_year.targets["application"], as_of=D(2016, 6, 30))
        # F000–F002, F005, F010, F014 and F003 (2013): 7 of 101.
        assert (r.numerator, r.denominator, r.expected_now, r.status) == (7, 101, 25.0, "off_track")
        assert (r.needed_facilities, r.needed_per_month) == (19, None)


class TestCountingOnce:
    def test_a_facility_reached_by_several_activities_counts_once(self, db):
        phase = b.phase()
        target = b.target(phase, indicator="awareness", target_min=50)
        reached, other = b.facility(), b.facility()
        for month in range(1, 6):
            b.activity([reached], held_on=D(2012, month, 1))
        b.survey(reached)
        b.solution(reached)
        r = selectors.target_as_of(target=target, as_of=AS_OF)
        assert (r.numerator, r.denominator, r.value) == (1, 2, 50.0)
        assert other.pk not in set(selectors.records_behind(target=target, as_of=AS_OF).values_list("pk", flat=True))

    def test_every_kind_of_contact_counts(self, interview_year):
        rows = {
            f.code: f for f in selectors.facilities_behind(indicator="awareness", as_of=AS_OF).filter(code__gte="F010")
        }
        assert rows["F010"].first_survey == D(2012, 5, 1)
        assert rows["F012"].first_awareness_record == D(2012, 7, 1)
        assert rows["F013"].first_attendance == D(2012, 8, 1)  # leaflets addressed to it
        assert rows["F014"].first_replication == D(2012, 5, 30)
        assert rows["F014"].first_survey == NEVER
        assert rows["F014"].since == D(2012, 5, 30)


class TestSplitAndSpecialists:
    @pytest.fixture
    def coverage(self, hanoi_units):
        """19 units with a specialist throughout; Từ Liêm's (its record never closed);
        Ba Vì's leaves on 2014-01-01; Nam Từ Liêm's arrives on 2014-03-01."""
        for name in list(hanoi_units)[:19]:
            if name != "Ba Vì":
                b.specialist(hanoi_units[name], appointed_on=D(2012, 1, 1))
        b.specialist(hanoi_units["Sóc Sơn"], appointed_on=D(2012, 1, 1))  # the 19th, instead of Ba Vì
        b.specialist(hanoi_units["Từ Liêm"], appointed_on=D(2012, 1, 1))
        b.specialist(hanoi_units["Ba Vì"], appointed_on=D(2012, 1, 1), left_on=D(2014, 1, 1))
        b.specialist(hanoi_units["Nam Từ Liêm"], appointed_on=D(2014, 3, 1))
        phase = b.phase()
        return b.target(phase, indicator="specialist_coverage", target_min=70, baseline_on=D(2011, 1, 1))

    def test_29_units_in_2013_and_30_in_2014(self, coverage):
        on = {day: selectors.target_as_of(target=coverage, as_of=day) for day in (D(2013, 12, 31), D(2014, 1, 1))}
        # 19 + Từ Liêm + Ba Vì = 21 of 29 on the last day of 2013: met.
        assert (on[D(2013, 12, 31)].numerator, on[D(2013, 12, 31)].denominator) == (21, 29)
        assert on[D(2013, 12, 31)].value == 72.4
        assert on[D(2013, 12, 31)].status == "met"
        # From 2014: Từ Liêm no longer exists, Ba Vì's specialist has left: 19 of 30.
        assert (on[D(2014, 1, 1)].numerator, on[D(2014, 1, 1)].denominator, on[D(2014, 1, 1)].value) == (19, 30, 63.3)

    def test_a_new_unit_gains_a_specialist(self, coverage):
        r = selectors.target_as_of(target=coverage, as_of=D(2014, 6, 30))
        assert (r.numerator, r.denominator, r.value) == (20, 30, 66.7)
        # ceil(70 % × 30) = 21: one more unit.
        assert r.needed_facilities == 1

    def test_by_unit_follows_the_split(self, coverage):
        before = selectors.target_as_of(target=coverage, as_of=D(2013, 12, 31), by="unit").breakdown
        after = selectors.target_as_of(target=coverage, as_of=D(2014, 6, 30), by="unit").breakdown
        assert len(before) == 29 and len(after) == 30
        assert "Từ Liêm" in {row.label for row in before} - {row.label for row in after}
        rows = {row.label: row for row in after}
        assert (rows["Nam Từ Liêm"].numerator, rows["Nam Từ Liêm"].value) == (1, 100.0)
        assert (rows["Bắc Từ Liêm"].numerator, rows["Bắc Từ Liêm"].value) == (0, 0.0)
        assert sum(row.numerator for row in after) == 20

    def test_not_broken_down_by_sector(self, coverage):
        assert selectors.target_as_of(target=coverage, as_of=D(2014, 6, 30), by="sector").breakdown == []

    def test_specialist_who_left(self, interview_year):
        target = interview_year.targets["specialist_coverage"]
        # Ba Vì's specialist left on 2012-12-31: in post the day before, not that day.
        assert selectors.target_as_of(target=target, as_of=D(2012, 12, 30)).numerator == 11
        assert selectors.target_as_of(target=target, as_of=AS_OF).numerator == 10
        names = set(selectors.units_behind(as_of=AS_OF).values_list("name", flat=True))
        assert "Ba Vì" not in names and "Từ Liêm" in names and len(names) == 10

    def test_scoped_to_one_unit(self, interview_year):
        units = interview_year.units
        target = b.target(
            interview_year.phase, indicator="specialist_coverage", target_min=100, unit_scope=units["Ba Vì"]
        )
        r = selectors.target_as_of(target=target, as_of=D(2012, 6, 30))
        assert (r.numerator, r.denominator, r.status, r.scope) == (1, 1, "met", "Ba Vì")
        assert selectors.target_as_of(target=target, as_of=AS_OF).numerator == 0


class TestEmptyDenominators:
    def test_nothing_in_the_register(self, db):
        targets = make_targets(b.phase())
        results = by_indicator(selectors.targets_as_of(targets=list(targets.values()), as_of=AS_OF))
        for r in results.values():
            assert (r.value, r.numerator, r.denominator, r.status) == (None, 0, 0, "no_data")
            assert r.projected_at_deadline is None
            assert r.needed_facilities == 0
        assert (results["saving"].q1, results["saving"].q3, results["saving"].share_reaching) == (None, None, None)

    def test_no_facility_in_a_scope(self, interview_year):
        empty = b.sector("Empty sector")
        target = b.target(interview_year.phase, indicator="awareness", target_min=50, sector=empty)
        r = selectors.target_as_of(target=target, as_of=AS_OF, by="sector")
        assert (r.value, r.status, r.breakdown) == (None, "no_data", [])

    def test_applying_facilities_without_a_measured_saving(self, db):
        target = b.target(b.phase(), indicator="saving", target_min=5, target_max=8)
        b.solution(b.facility(), savings={"energy": (100, None)})
        r = selectors.target_as_of(target=target, as_of=AS_OF)
        assert (r.value, r.denominator, r.status) == (None, 0, "no_data")


class TestRangeAndSavings:
    @pytest.fixture
    def phase(self, db):
        return b.phase()

    def test_above_the_range_is_met(self, phase):
        target = b.target(phase, indicator="saving", target_min=5, target_max=8)
        for after in (90, 88, 95):  # 10, 12, 5 %
            b.solution(b.facility(), savings={"energy": (100, after)})
        r = selectors.target_as_of(target=target, as_of=AS_OF)
        assert (r.value, r.q1, r.q3, r.status, r.target_max) == (10.0, 7.5, 11.0, "met", 8.0)

    def test_below_the_range(self, phase):
        target = b.target(phase, indicator="saving", target_min=5, target_max=8, baseline_on=D(2011, 1, 1))
        for after in (97, 96, 94):  # 3, 4, 6 %
            b.solution(b.facility(), savings={"energy": (100, after)})
        r = selectors.target_as_of(target=target, as_of=AS_OF)
        # Median 4 % against 2 % expected: on track, not met; 2 of 3 must reach 5 %, 1 does.
        assert (r.value, r.status, r.numerator, r.denominator, r.share_reaching) == (4.0, "on_track", 1, 3, 33.3)
        assert r.needed_facilities == 1

    def test_qualifying_saving_and_resource(self, phase):
        energy = b.target(
            phase, indicator="application_with_saving", target_min=25, saving_min=5, saving_max=8, resource="energy"
        )
        anything = b.target(phase, indicator="application_with_saving", target_min=25, saving_min=5, saving_max=8)
        b.solution(b.facility(), savings={"energy": (100, 97)})  # 3 %: applying, not with the target saving
        b.solution(b.facility(), savings={"raw_material": (200, 188)})  # 6 % of raw material
        b.solution(b.facility(), savings={"energy": (100, 94), "fuel": (10, 9.9)})  # 6 % energy
        b.facility()
        results = {r.target_id: r for r in selectors.targets_as_of(targets=[energy, anything], as_of=AS_OF)}
        assert (results[energy.pk].numerator, results[energy.pk].denominator) == (1, 4)
        assert (results[anything.pk].numerator, results[anything.pk].value) == (2, 50.0)

    def test_a_saving_counts_from_its_solution_date(self, phase):
        target = b.target(phase, indicator="application_with_saving", target_min=25, saving_min=5)
        facility = b.facility()
        b.solution(facility, savings={"energy": (100, 98)}, implemented_on=D(2012, 3, 1))
        b.solution(facility, savings={"energy": (100, 93)}, implemented_on=D(2013, 3, 1))
        assert selectors.target_as_of(target=target, as_of=AS_OF).numerator == 0
        assert selectors.target_as_of(target=target, as_of=D(2013, 3, 1)).numerator == 1

    def test_savings_by_resource(self, interview_year, django_assert_num_queries):
        b.solution(interview_year.facilities[20], savings={"fuel": (10, 9)})  # 10 % fuel
        with django_assert_num_queries(2):
            stats = {s.resource: s for s in selectors.savings_by_resource(as_of=AS_OF, minimum=5)}
        energy = stats["energy"]
        assert (energy.measured, energy.q1, energy.median, energy.q3, energy.reaching) == (6, 5.6, 6.3, 6.9, 6)
        assert (stats["fuel"].measured, stats["fuel"].median, stats["fuel"].share_reaching) == (1, 10.0, 100.0)
        assert (stats["raw_material"].measured, stats["raw_material"].median) == (0, None)


class TestExactSavings:
    """Issue 11: the middle savings 6.30 and 6.40 (baseline 1, after 0.937 and 0.936). As
    floats they were 6.2999999999999945 and 6.399999999999995, their median 6.349999999999994,
    shown 6.3; as decimals the median is exactly 6.35, shown 6.4."""

    @pytest.fixture
    def target(self, db):
        target = b.target(b.phase(), indicator="saving", target_min=5, target_max=8, resource="energy")
        for after in ("0.95", "0.937", "0.936", "0.92"):  # 5.00, 6.30, 6.40 and 8.00 %
            b.solution(b.facility(), savings={"energy": (Decimal(1), Decimal(after))})
        return target

    def test_savings_and_steps_are_exact_decimals(self, target):
        savings = sorted(ResourceSaving.objects.values_list("saving_percent", flat=True))
        assert savings == [Decimal("5.0000"), Decimal("6.3000"), Decimal("6.4000"), Decimal("8.0000")]
        assert all(isinstance(value, Decimal) for value in savings)
        steps = sorted(SavingStep.objects.filter(resource="energy").values_list("best", flat=True))
        assert steps == savings

    def test_the_median_is_exactly_6_35(self, target, django_assert_num_queries):
        scope = Q()
        with django_assert_num_queries(1):
            (answer,) = selectors._quartiles([selectors._QuartileRequest(AS_OF, "energy", scope)])
        count, (q1, median, q3) = answer[None]
        assert count == 4
        # Ranks 5.00, 6.30, 6.40, 8.00: positions 0.75, 1.5 and 2.25.
        assert (q1, median, q3) == (Decimal("5.975"), Decimal("6.35"), Decimal("6.8"))
        assert all(isinstance(value, Decimal) for value in (q1, median, q3))

    def test_a_request_asked_twice_is_ranked_once(self, target, monkeypatch):
        """Two targets of the same scope ask for the same quartiles on the same day (two phases'
        saving targets in the programme's headline): one ranking in the SQL, both answered."""
        asked = []
        ranked_savings = selectors.ranked_savings
        monkeypatch.setattr(
            selectors,
            "ranked_savings",
            lambda requests, *a, **k: asked.append(requests) or ranked_savings(requests, *a, **k),
        )
        energy = selectors._QuartileRequest(AS_OF, "energy", Q())
        earlier = selectors._QuartileRequest(dt.date(2000, 1, 1), "energy", Q())
        answers = selectors._quartiles([energy, earlier, selectors._QuartileRequest(AS_OF, "energy", Q())])
        assert [len(requests) for requests in asked] == [2]
        assert answers[0] == answers[2] == {None: (4, (Decimal("5.975"), Decimal("6.35"), Decimal("6.8")))}
        assert answers[1] == {}

    def test_the_median_is_shown_6_4(self, target):
        r = selectors.target_as_of(target=target, as_of=AS_OF)
        assert (r.value, r.q1, r.q3, r.numerator, r.denominator) == (6.4, 6.0, 6.8, 4, 4)
        stats = selectors.savings_by_resource(as_of=AS_OF, resources=["energy"], minimum=Decimal("6.4"))[0]
        assert (stats.median, stats.measured) == (6.4, 4)
        # 6.40 reaches 6.4 exactly (no float tolerance): 6.40 and 8.00.
        assert stats.reaching == 2


class TestBreakdowns:
    def test_by_sector_rolls_up_to_the_total(self, interview_year):
        r = selectors.target_as_of(target=interview_year.targets["awareness"], as_of=AS_OF, by="sector")
        # Aware F000–F014 by i % 4: 4, 4, 4, 3 of 25 each; rows sorted by name.
        assert r.breakdown == [
            BreakdownRow(interview_year.sectors[2].pk, "Chế biến thực phẩm", 4, 25, 16.0),
            BreakdownRow(interview_year.sectors[0].pk, "Cơ khí", 4, 25, 16.0),
            BreakdownRow(interview_year.sectors[1].pk, "Dệt may", 4, 25, 16.0),
            BreakdownRow(interview_year.sectors[3].pk, "Gốm sứ", 3, 25, 12.0),
        ]
        assert sum(row.numerator for row in r.breakdown) == r.numerator
        assert sum(row.denominator for row in r.breakdown) == r.denominator

    def test_by_area_type(self, interview_year):
        r = selectors.target_as_of(target=interview_year.targets["awareness"], as_of=AS_OF, by="area_type")
        assert [(row.key, row.numerator, row.denominator, row.value) for row in r.breakdown] == [
            ("craft_village", 10, 10, 100.0),
            ("industrial_zone", 5, 10, 50.0),
            (None, 0, 80, 0.0),
        ]
        assert r.breakdown[-1].label == "not in a production area"

    def test_by_kind(self, interview_year):
        r = selectors.target_as_of(target=interview_year.targets["application"], as_of=AS_OF, by="kind")
        # Households are F009, F019, … F099: none applies.
        assert [(row.key, row.numerator, row.denominator) for row in r.breakdown] == [
            ("household", 0, 10),
            ("enterprise", 6, 90),
        ]

    def test_saving_by_sector_has_medians(self, interview_year):
        r = selectors.target_as_of(target=interview_year.targets["saving"], as_of=AS_OF, by="sector")
        # Sector 0: F000 5.0; sector 1: F001 5.5, F005 7.0; sector 2: F002 6.0, F010 6.5, F014 8.0.
        assert [(row.label, row.numerator, row.denominator, row.value) for row in r.breakdown] == [
            ("Chế biến thực phẩm", 3, 3, 6.5),
            ("Cơ khí", 1, 1, 5.0),
            ("Dệt may", 2, 2, 6.3),
        ]

    def test_saving_by_area_type_keeps_facilities_outside_areas(self, interview_year):
        b.solution(interview_year.facilities[20], savings={"energy": (100, 91)})  # 9 %, in no area
        r = selectors.target_as_of(target=interview_year.targets["saving"], as_of=AS_OF, by="area_type")
        # Kim Lan: F000 5.0, F001 5.5, F002 6.0, F005 7.0; Quang Minh: F010 6.5, F014 8.0.
        assert [(row.key, row.numerator, row.denominator, row.value) for row in r.breakdown] == [
            ("craft_village", 4, 4, 5.8),
            ("industrial_zone", 2, 2, 7.3),
            (None, 1, 1, 9.0),
        ]

    def test_all_targets_by_unit_in_a_fixed_number_of_queries(self, interview_year, django_assert_num_queries):
        # Targets, counts (facilities, units), quartiles; by unit: facilities, units, names, medians.
        with django_assert_num_queries(8):
            results = by_indicator(
                selectors.indicators_as_of(programme=interview_year.programme, as_of=AS_OF, by="unit")
            )
        assert [(row.label, row.numerator, row.denominator) for row in results["awareness"].breakdown] == [
            ("Gia Lâm", 15, 100)
        ]
        assert len(results["specialist_coverage"].breakdown) == 29

    def test_unknown_breakdown(self, interview_year):
        with pytest.raises(ValueError):
            selectors.indicators_as_of(programme=interview_year.programme, as_of=AS_OF, by="colour")


class TestScopes:
    def test_sector_scope(self, interview_year):
        target = b.target(interview_year.phase, indicator="awareness", target_min=50, sector=interview_year.sectors[3])
        r = selectors.target_as_of(target=target, as_of=AS_OF)
        assert (r.numerator, r.denominator, r.scope) == (3, 25, "Gốm sứ")

    def test_area_type_scope_leaves_other_targets_whole(self, interview_year):
        village = b.target(
            interview_year.phase, indicator="awareness", target_min=50, area_kind=ProductionArea.Kind.CRAFT_VILLAGE
        )
        results = {
            r.target_id: r
            for r in selectors.targets_as_of(targets=[village, interview_year.targets["awareness"]], as_of=AS_OF)
        }
        assert (results[village.pk].numerator, results[village.pk].denominator) == (10, 10)
        # Facilities outside any area still count for the unscoped target in the same query.
        assert results[interview_year.targets["awareness"].pk].denominator == 100

    def test_unit_scope(self, interview_year):
        target = b.target(
            interview_year.phase, indicator="awareness", target_min=50, unit_scope=interview_year.units["Mê Linh"]
        )
        assert selectors.target_as_of(target=target, as_of=AS_OF).denominator == 0


class TestSeries:
    def test_monthly_from_the_baseline(self, interview_year, django_assert_num_queries):
        target = interview_year.targets["awareness"]
        with django_assert_num_queries(1):
            points = selectors.indicator_series(target=target, as_of=AS_OF)
        assert len(points) == 24
        by_day = {p.day: p for p in points}
        # Five reached by the 2011 workshop, plus the facility that closed in June 2012.
        assert by_day[D(2011, 6, 30)] == SeriesPoint(D(2011, 6, 30), 6, 102, 5.9)
        assert by_day[D(2011, 5, 31)].numerator == 0
        # April 2012: + F005–F009 at the symposium; May: + F010, F011 surveyed, F014 replicated.
        assert [by_day[D(2012, m, 30 if m in (4, 6) else 31)].numerator for m in (4, 5, 6)] == [11, 14, 13]
        assert points[-1] == SeriesPoint(AS_OF, 15, 100, 15.0)

    def test_series_ends_agree_with_indicators_as_of(self, interview_year):
        for indicator, target in interview_year.targets.items():
            last = selectors.indicator_series(target=target, as_of=AS_OF, freq="quarter")[-1]
            r = selectors.target_as_of(target=target, as_of=AS_OF)
            assert (last.numerator, last.denominator, last.value) == (r.numerator, r.denominator, r.value), indicator

    def test_every_point_of_all_series_at_once_agrees_with_indicators_as_of(self, interview_year):
        """The series of all targets share one query (their dates side by side): each point
        must still be the target's own figure on that day."""
        targets = list(interview_year.targets.values())
        series = selectors.series_for_targets(targets=targets, as_of=D(2013, 6, 30), freq="quarter")
        for target in targets:
            for point in series[target.pk]:
                r = selectors.target_as_of(target=target, as_of=point.day)
                assert (point.numerator, point.denominator, point.value) == (r.numerator, r.denominator, r.value), (
                    target.indicator,
                    point.day,
                )

    def test_saving_series_has_medians(self, interview_year, django_assert_num_queries):
        with django_assert_num_queries(2):
            points = selectors.indicator_series(target=interview_year.targets["saving"], as_of=AS_OF, freq="year")
        assert points == [SeriesPoint(D(2011, 12, 31), 0, 0, None), SeriesPoint(AS_OF, 6, 6, 6.3)]

    def test_all_targets_at_once_in_three_queries(self, interview_year, django_assert_num_queries):
        targets = list(interview_year.targets.values())
        with django_assert_num_queries(3):
            series = selectors.series_for_targets(targets=targets, as_of=D(2015, 12, 31), freq="month")
        assert all(len(points) == 60 for points in series.values())
        # Từ Liêm is gone by 2015: 9 of 30.
        last = series[interview_year.targets["specialist_coverage"].pk][-1]
        assert (last.numerator, last.denominator) == (9, 30)

    @pytest.mark.skipif(connection.vendor != "postgresql", reason="the unnested reads are PostgreSQL's")
    def test_dates_after_a_milestone_are_read_from_the_rows_with_a_contact(self, interview_year):
        """The open facilities' dates from every row, one date a row, not unnested; the dates
        after a milestone (aware, applying, savings) from the rows with a first contact alone."""
        targets = list(interview_year.targets.values())
        with CaptureQueriesContext(connection) as queries:
            selectors.series_for_targets(targets=targets, as_of=D(2015, 12, 31), freq="month")
        (counts,) = [q["sql"] for q in queries.captured_queries if q["sql"].startswith("SELECT part")]
        # Four reads: came and gone dates, of every row and of the rows with a contact.
        assert counts.count('"aware_on" IS NOT NULL') == 2
        assert counts.count("UNNEST(ARRAY[") == 4  # dates and their parts, zipped, in the two reads of several

    def test_saving_targets_at_their_own_frequency(self, interview_year, django_assert_num_queries):
        """The dashboard draws savings medians per year beside monthly counts: the saving
        target's points are the year ends, each its own figure; the others stay monthly."""
        targets = list(interview_year.targets.values())
        saving = interview_year.targets["saving"]
        with django_assert_num_queries(3):
            series = selectors.series_for_targets(
                targets=targets, as_of=D(2015, 6, 30), freq="month", saving_freq="year"
            )
        days = [point.day for point in series[saving.pk]]
        assert days == [D(2011, 12, 31), D(2012, 12, 31), D(2013, 12, 31), D(2014, 12, 31), D(2015, 6, 30)]
        assert series[saving.pk] == selectors.indicator_series(target=saving, as_of=D(2015, 6, 30), freq="year")
        assert len(series[interview_year.targets["awareness"].pk]) > 40
        for point in series[saving.pk]:
            r = selectors.target_as_of(target=saving, as_of=point.day)
            assert (point.numerator, point.denominator, point.value) == (r.numerator, r.denominator, r.value)

    def test_saving_frequency_not_finer_than_the_counts(self, interview_year):
        with pytest.raises(ValueError):
            selectors.series_for_targets(
                targets=list(interview_year.targets.values()), as_of=AS_OF, freq="year", saving_freq="month"
            )

    def test_bad_frequency(self, interview_year):
        with pytest.raises(ValueError):
            selectors.indicator_series(target=interview_year.targets["awareness"], as_of=AS_OF, freq="week")


class TestCompletenessAndOutputs:
    def test_never_reached_apart_from_not_aware(self, interview_year, django_assert_num_queries):
        with django_assert_num_queries(1):
            c = selectors.data_completeness(as_of=AS_OF)
        assert (c.facilities, c.reached, c.never_reached, c.never_reached_percent) == (100, 15, 85, 85.0)
        assert (c.surveyed, c.never_surveyed, c.never_surveyed_percent) == (2, 98, 98.0)
        never = selectors.facilities_never_reached(as_of=AS_OF)
        assert never.count() == 85 and not never.filter(code="F014").exists()

    def test_empty_register(self, db):
        c = selectors.data_completeness(as_of=AS_OF)
        assert (c.facilities, c.never_reached_percent) == (0, None)

    def test_outputs_by_year_are_each_years_outputs(self, interview_year, django_assert_num_queries):
        """The dashboard's outputs table: every year in 6 queries, grouped by year or one pass for
        every year (7 when a year is not whole by the as-of day, cut at it or after it: its
        facilities reached read from its records), each year's the same as outputs_for_period() of that
        year (the last cut at the as-of day)."""
        found = {}
        for as_of, queries in ((D(2012, 8, 15), 7), (D(2012, 12, 31), 6), (D(2010, 6, 30), 7)):
            with django_assert_num_queries(queries):
                found[as_of] = selectors.outputs_by_year(years=[2010, 2011, 2012], as_of=as_of)
            assert found[as_of] == {
                year: selectors.outputs_for_period(start=D(year, 1, 1), end=min(D(year, 12, 31), as_of))
                for year in (2010, 2011, 2012)
            }
        cut, whole = found[D(2012, 8, 15)][2012], found[D(2012, 12, 31)][2012]
        assert 0 < cut["facilities_reached"] <= whole["facilities_reached"]
        assert cut["symposia"] > 0
        assert found[D(2010, 6, 30)][2012]["facilities_reached"] == 0
        assert selectors.outputs_by_year(years=[], as_of=D(2012, 8, 15)) == {}

    def test_outputs_of_the_year(self, interview_year, django_assert_num_queries):
        with django_assert_num_queries(6):
            outputs = selectors.outputs_for_period(start=D(2012, 1, 1), end=AS_OF)
        assert outputs == {
            "leaflets": 5000,
            "leaflet_distributions": 1,
            "results_reports": 3,
            "symposia": 3,
            "workshops": 1,
            "trainings": 0,
            "media": 0,
            "participants": 120 + 100 + 90 + 650,
            # One person each from F000–F009 on the first symposium's list; F013's row is a
            # leaflet's address, not an event's attendance.
            "listed_people": 10,
            # F000–F014; F000–F004 were first reached in 2011.
            "facilities_reached": 15,
            "facilities_newly_reached": 10,
            "surveys": 2,
            "facilities_supported": 1,
            "demonstration_models": 1,
            "replications": 1,
        }

    def test_outputs_of_an_empty_period(self, interview_year):
        outputs = selectors.outputs_for_period(start=D(2010, 1, 1), end=D(2010, 12, 31))
        assert set(outputs.values()) == {0}

    def test_outputs_count_activities_by_kind(self, db):
        b.activity(kind=OutreachActivity.Kind.TRAINING, held_on=D(2012, 1, 1), participants=25)
        assert selectors.outputs_for_period(start=D(2012, 1, 1), end=D(2012, 1, 1))["participants"] == 25

    def test_participants_reported_and_people_listed_are_both_counted(self, db, django_assert_num_queries):
        """Issue 11: the 2012 workshop reported 140 participants; its attendance list names
        facilities sending 75 people. Both are outputs, each saying what it counts."""
        kinds = OutreachActivity.Kind
        workshop = b.activity([b.facility() for _ in range(25)], kind=kinds.WORKSHOP, participants=140)
        Attendance.objects.filter(activity=workshop).update(people=3)  # 25 facilities × 3 people
        # A symposium without a list, one with a list but no reported figure, a leaflet's addresses.
        b.activity(kind=kinds.SYMPOSIUM, participants=200)
        listed = b.activity([b.facility(), b.facility()], kind=kinds.SYMPOSIUM)
        Attendance.objects.filter(activity=listed).update(people=4)
        b.activity([b.facility()], kind=kinds.LEAFLETS, quantity=500)
        b.activity([b.facility()], kind=kinds.TRAINING, participants=30, held_on=D(2013, 1, 1))  # another year
        with django_assert_num_queries(6):
            outputs = selectors.outputs_for_period(start=D(2012, 1, 1), end=D(2012, 12, 31))
        assert (outputs["participants"], outputs["listed_people"]) == (140 + 200, 75 + 8)


class TestTracing:
    def test_records_behind_each_target(self, interview_year):
        t = interview_year.targets
        codes = {
            name: list(selectors.records_behind(target=t[name], as_of=AS_OF).values_list("code", flat=True))
            for name in ("application", "application_with_saving", "saving")
        }
        assert codes["application"] == ["F000", "F001", "F002", "F005", "F010", "F014"]
        assert codes["application_with_saving"] == codes["saving"] == codes["application"]
        savings = {f.code: f.saving for f in selectors.records_behind(target=t["saving"], as_of=AS_OF)}
        assert savings["F005"] == 7.0
        assert selectors.records_behind(target=t["saving"], as_of=AS_OF, denominator=True).count() == 6
        assert selectors.records_behind(target=t["specialist_coverage"], as_of=AS_OF).count() == 10
        assert selectors.records_behind(target=t["specialist_coverage"], as_of=AS_OF, denominator=True).count() == 29

    def test_default_programme(self, db):
        old = b.programme("old", starts_on=D(2001, 1, 1), ends_on=D(2005, 12, 31))
        new = b.programme("new", starts_on=D(2016, 1, 1), ends_on=D(2020, 12, 31))
        assert selectors.default_programme(D(2003, 1, 1)) == old
        assert selectors.default_programme(D(2012, 1, 1)) == new
        assert selectors.default_programme(D(2017, 1, 1)) == new
