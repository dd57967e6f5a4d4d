"""targets.arithmetic: plain functions, no database."""

import datetime as dt
from decimal import Decimal

import pytest

from targets import arithmetic as a
from targets.arithmetic import Status

D = dt.date


class TestPercent:
    def test_share(self):
        assert a.percent(15, 100) == 15.0
        assert a.percent(1, 3) == pytest.approx(33.333333)

    def test_empty_denominator_is_no_data_not_zero(self):
        assert a.percent(0, 0) is None

    def test_zero_numerator_is_zero(self):
        assert a.percent(0, 29) == 0.0


class TestRound1:
    @pytest.mark.parametrize(
        ("value", "expected"),
        [(6.25, 6.3), (5.625, 5.6), (6.875, 6.9), (0.15 * 100, 15.0), (34.48275862, 34.5), (-2.25, -2.3), (3, 3.0)],
    )
    def test_half_up_to_one_decimal(self, value, expected):
        assert a.round1(value) == expected

    def test_none(self):
        assert a.round1(None) is None

    def test_decimal(self):
        assert a.round1(Decimal("12.25")) == 12.3
        assert a.round1(Decimal("6.35")) == 6.4
        assert a.round1(Decimal("6.3499999999")) == 6.3
        assert a.round1(Decimal("-6.35")) == -6.4


class TestAddMonths:
    def test_back_a_year(self):
        assert a.add_months(D(2012, 12, 31), -12) == D(2011, 12, 31)

    def test_clamps_to_month_end(self):
        assert a.add_months(D(2016, 2, 29), -12) == D(2015, 2, 28)
        assert a.add_months(D(2015, 3, 31), -1) == D(2015, 2, 28)

    def test_across_years(self):
        assert a.add_months(D(2015, 11, 30), 3) == D(2016, 2, 29)


def test_months_between():
    assert a.months_between(D(2012, 12, 31), D(2015, 12, 31)) == pytest.approx(1095 / 30.4375)
    assert a.months_between(D(2015, 12, 31), D(2012, 12, 31)) < 0


class TestExpectedNow:
    line = {"baseline_on": D(2011, 1, 1), "baseline_value": 0, "deadline": D(2015, 12, 31), "target": 50}

    def test_straight_line(self):
        # 730 of 1,825 days: 0.4 of the way from 0 to 50.
        assert a.expected_now(as_of=D(2012, 12, 31), **self.line) == pytest.approx(20.0)

    def test_from_a_baseline_value(self):
        line = {**self.line, "baseline_value": 10}
        assert a.expected_now(as_of=D(2012, 12, 31), **line) == pytest.approx(26.0)

    def test_before_baseline_is_baseline(self):
        assert a.expected_now(as_of=D(2010, 6, 1), **{**self.line, "baseline_value": Decimal("3.5")}) == 3.5

    def test_after_deadline_is_target(self):
        assert a.expected_now(as_of=D(2016, 6, 1), **self.line) == 50.0
        assert a.expected_now(as_of=D(2015, 12, 31), **self.line) == 50.0


class TestProject:
    def test_trend_of_last_twelve_months(self):
        # +6 points a year = 0.5 a month, 1,095 days (35.975 months) left.
        projected = a.project(value_now=6.0, value_year_ago=0.0, as_of=D(2012, 12, 31), deadline=D(2015, 12, 31))
        assert projected == pytest.approx(6 + 0.5 * 1095 / 30.4375)
        assert a.round1(projected) == 24.0

    def test_capped_at_100_and_0(self):
        assert a.project(value_now=80, value_year_ago=10, as_of=D(2012, 1, 1), deadline=D(2020, 1, 1)) == 100.0
        assert a.project(value_now=10, value_year_ago=80, as_of=D(2012, 1, 1), deadline=D(2020, 1, 1)) == 0.0

    def test_no_data(self):
        assert a.project(value_now=None, value_year_ago=5, as_of=D(2012, 1, 1), deadline=D(2015, 1, 1)) is None
        assert a.project(value_now=5, value_year_ago=None, as_of=D(2012, 1, 1), deadline=D(2015, 1, 1)) is None

    def test_after_deadline_is_value_now(self):
        assert a.project(value_now=42.0, value_year_ago=10, as_of=D(2016, 1, 1), deadline=D(2015, 12, 31)) == 42.0

    def test_median_savings_are_decimals(self):
        projected = a.project(
            value_now=Decimal("6.35"), value_year_ago=Decimal("5.15"), as_of=D(2012, 12, 31), deadline=D(2013, 12, 31)
        )
        assert projected == pytest.approx(6.35 + 0.1 * 365 / 30.4375)


class TestStatus:
    @pytest.mark.parametrize(
        ("value", "expected", "target", "status"),
        [
            (None, 20, 50, Status.NO_DATA),
            (50, 50, 50, Status.MET),
            (60, 20, 50, Status.MET),
            (20, 20, 50, Status.ON_TRACK),
            (25, 20, 50, Status.ON_TRACK),
            (17, 20, 50, Status.AT_RISK),  # exactly 15 % below expected
            (16.99, 20, 50, Status.OFF_TRACK),
            (15, 20, 50, Status.OFF_TRACK),
            (0, 0, 50, Status.ON_TRACK),  # on the baseline day, at the baseline
            (6.25, 2, 5, Status.MET),  # a range target 5–8 % is met within it…
            (10, 2, 5, Status.MET),  # …and above it
            (4.3, 5, 5, Status.AT_RISK),
            (4, 5, 5, Status.OFF_TRACK),
        ],
    )
    def test_rules(self, value, expected, target, status):
        assert a.status(value=value, expected=expected, target=target) == status

    def test_labels_are_translatable_text(self):
        assert str(Status.OFF_TRACK.label) == "off track"


class TestNeeded:
    def test_facilities_still_to_reach(self):
        assert a.needed_count(target=Decimal("50"), numerator=15, denominator=100) == 35

    def test_rounds_up_to_whole_facilities(self):
        # 70 % of 29 units is 20.3: 21 are needed.
        assert a.needed_count(target=Decimal("70.00"), numerator=10, denominator=29) == 11

    def test_exact_without_binary_noise(self):
        assert a.needed_count(target=Decimal("25"), numerator=0, denominator=28) == 7
        assert a.needed_count(target=29, numerator=0, denominator=100) == 29

    def test_never_negative(self):
        assert a.needed_count(target=25, numerator=30, denominator=100) == 0
        assert a.needed_count(target=25, numerator=0, denominator=0) == 0

    def test_for_a_median(self):
        assert a.needed_for_median(measured=6, reaching=6) == 0
        assert a.needed_for_median(measured=6, reaching=2) == 2  # 4 of 6
        assert a.needed_for_median(measured=5, reaching=0) == 3
        assert a.needed_for_median(measured=0, reaching=0) == 0

    def test_per_month(self):
        assert a.needed_per_month(needed=35, as_of=D(2012, 12, 31), deadline=D(2015, 12, 31)) == pytest.approx(
            35 / (1095 / 30.4375)
        )
        assert a.needed_per_month(needed=0, as_of=D(2016, 1, 1), deadline=D(2015, 12, 31)) == 0.0
        assert a.needed_per_month(needed=3, as_of=D(2016, 1, 1), deadline=D(2015, 12, 31)) is None

    def test_current_rate(self):
        assert a.current_per_month(10) == pytest.approx(10 / 12)


class TestQuantiles:
    values = {rank: Decimal(value) for rank, value in {1: "5", 2: "5.5", 3: "6", 4: "6.5", 5: "7", 6: "8"}.items()}

    def test_ranks(self):
        assert a.quantile_ranks(6, Decimal("0.5")) == (3, 4, Decimal("0.5"))
        assert a.quantile_ranks(6, Decimal("0.25")) == (2, 3, Decimal("0.25"))
        assert a.quantile_ranks(5, Decimal("0.5")) == (3, 3, 0)
        assert a.quantile_ranks(1, Decimal("0.75")) == (1, 1, 0)

    def test_quartiles_like_percentile_cont(self):
        assert a.quartiles(self.values, 6) == (Decimal("5.625"), Decimal("6.25"), Decimal("6.875"))

    def test_the_median_of_two_savings_is_exact(self):
        """Issue 11: as floats the middle savings 6.30 and 6.40 were 6.300000000000002 and
        6.399999999999995, their median 6.349999999999998, shown 6.3. As decimals: 6.35, shown 6.4."""
        q1, median, q3 = a.quartiles({1: Decimal("6.3000"), 2: Decimal("6.4000")}, 2)
        assert (q1, median, q3) == (Decimal("6.325"), Decimal("6.35"), Decimal("6.375"))
        assert isinstance(median, Decimal)
        assert a.round1(median) == 6.4
        assert a.round1(6.349999999999998) == 6.3  # what the floats gave

    def test_only_the_ranks_needed(self):
        # The database returns only ranks 2, 3, 4 of 5.
        assert a.quartiles({2: 3.0, 3: 4.0, 4: 5.0}, 5) == (3.0, 4.0, 5.0)

    def test_empty(self):
        assert a.quartiles({}, 0) == (None, None, None)


class TestPeriodEnds:
    def test_months_end_on_the_as_of_date(self):
        assert a.period_ends(D(2012, 10, 15), D(2013, 1, 10), "month") == [
            D(2012, 10, 31),
            D(2012, 11, 30),
            D(2012, 12, 31),
            D(2013, 1, 10),
        ]

    def test_quarters(self):
        assert a.period_ends(D(2012, 2, 1), D(2012, 12, 31), "quarter") == [
            D(2012, 3, 31),
            D(2012, 6, 30),
            D(2012, 9, 30),
            D(2012, 12, 31),
        ]

    def test_years(self):
        assert a.period_ends(D(2011, 1, 1), D(2013, 6, 30), "year") == [
            D(2011, 12, 31),
            D(2012, 12, 31),
            D(2013, 6, 30),
        ]

    def test_sixty_months(self):
        assert len(a.period_ends(D(2011, 1, 1), D(2015, 12, 31), "month")) == 60

    def test_empty_and_single(self):
        assert a.period_ends(D(2013, 1, 1), D(2012, 1, 1), "month") == []
        assert a.period_ends(D(2012, 1, 1), D(2012, 1, 1), "year") == [D(2012, 1, 1)]


def test_roll_up_sums_numerators_and_denominators():
    # 1/1 and 1/9: the roll-up is 2/10 = 20 %, not the mean of 100 % and 11 %.
    assert a.share_sum([(1, 1), (1, 9)]) == (2, 10, 20.0)
    assert a.share_sum([]) == (0, 0, None)
