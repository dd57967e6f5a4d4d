"""The pathway engine gives the old engine's answers (correlated subqueries over the
records, kept in targets/legacy_*.py until this test has passed on both databases)
at a hundred as-of dates over the demo data: cards, breakdowns, series, savings,
completeness, outputs and the facilities behind each figure."""

import datetime as dt
import io

import pytest
from django.core.management import call_command

from programmes.models import Programme
from targets import legacy_selectors as old
from targets import selectors as new
from targets.models import Indicator

FACILITIES = 800


def _dates() -> list[dt.date]:
    """100 dates from before the programme to 2026, month ends and odd days."""
    days = [dt.date(2010, 6, 30) + dt.timedelta(days=61 * i + (i % 7)) for i in range(100)]
    return sorted(set(days))


@pytest.fixture
def demo(db):
    call_command("load_demo", facilities=FACILITIES, stdout=io.StringIO())
    return Programme.objects.get()


def test_cards_at_a_hundred_dates(demo):
    targets = list(new.programme_targets(demo))
    assert len(_dates()) == 100
    for day in _dates():
        assert new.targets_as_of(targets=targets, as_of=day) == old.targets_as_of(targets=targets, as_of=day), day


@pytest.mark.parametrize("by", sorted(new.BREAKDOWNS))
def test_breakdowns(demo, by):
    targets = list(new.programme_targets(demo))
    for day in _dates()[::10]:
        assert new.targets_as_of(targets=targets, as_of=day, by=by) == old.targets_as_of(
            targets=targets, as_of=day, by=by
        ), (day, by)


def test_series_savings_completeness_outputs(demo):
    targets = list(new.programme_targets(demo))
    for day in _dates()[::5]:
        for freq in ("quarter", "year"):
            assert new.series_for_targets(targets=targets, as_of=day, freq=freq) == old.series_for_targets(
                targets=targets, as_of=day, freq=freq
            ), (day, freq)
        assert new.savings_by_resource(as_of=day) == old.savings_by_resource(as_of=day), day
        assert new.data_completeness(as_of=day) == old.data_completeness(as_of=day), day
        start = dt.date(day.year, 1, 1)
        assert new.outputs_for_period(start=start, end=day) == old.outputs_for_period(start=start, end=day), day
    day = dt.date(2015, 12, 31)
    assert new.series_for_targets(targets=targets, as_of=day) == old.series_for_targets(targets=targets, as_of=day)


def test_facilities_behind(demo):
    targets = list(new.programme_targets(demo))
    for day in _dates()[::4]:
        for target in targets:
            for denominator in (False, True):
                kwargs = {"target": target, "as_of": day, "denominator": denominator}
                fields = ["pk", "since"] + (["saving"] if target.indicator == Indicator.SAVING else [])
                if target.indicator == Indicator.SPECIALIST_COVERAGE:
                    fields = ["pk", "specialist"]
                found = list(new.records_behind(**kwargs).values_list(*fields))
                assert found == list(old.records_behind(**kwargs).values_list(*fields)), (day, target, denominator)
        assert list(new.facilities_never_reached(as_of=day).values_list("pk", "since")) == list(
            old.facilities_never_reached(as_of=day).values_list("pk", "since")
        )
    aware = new.facilities_behind(indicator=Indicator.AWARENESS, as_of=dt.date(2015, 12, 31))
    assert aware.count() > 100  # the comparison above compared real sets
