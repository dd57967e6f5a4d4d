import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from targets.models import Target
from tests import builders

pytestmark = pytest.mark.django_db


@pytest.fixture
def phase():
    return builders.phase()


def _refused(phase, **kw) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        builders.target(phase, **kw)


# --- Constraints ---------------------------------------------------------


def test_max_below_min_refused(phase):
    _refused(phase, target_min=50, target_max=49)


def test_range_and_single_value_accepted(phase):
    builders.target(phase, target_min=50, target_max=50)
    builders.target(phase, target_min=50, target_max=70)
    builders.target(phase, target_min=0)
    builders.target(phase, target_min=100)
    assert Target.objects.count() == 4


@pytest.mark.parametrize("value", [Decimal("-0.01"), Decimal("100.01"), 150])
def test_min_outside_percent_refused(phase, value):
    _refused(phase, target_min=value)


def test_max_above_100_refused(phase):
    _refused(phase, target_min=50, target_max=150)


def test_saving_max_without_min_refused(phase):
    _refused(phase, saving_max=8)


def test_saving_max_below_min_refused(phase):
    _refused(phase, saving_min=8, saving_max=5)


def test_saving_range_accepted(phase):
    obj = builders.target(phase, indicator="application_with_saving", saving_min=5, saving_max=8)
    assert (obj.saving_min, obj.saving_max) == (5, 8)
    assert builders.target(phase, saving_min=5).saving_max is None


def test_baseline_after_deadline_refused(phase):
    _refused(phase, deadline=dt.date(2015, 12, 31), baseline_on=dt.date(2016, 1, 1))


def test_baseline_on_deadline_accepted(phase):
    assert builders.target(phase, deadline=dt.date(2015, 12, 31), baseline_on=dt.date(2015, 12, 31)).pk


def test_full_clean_reports_max_below_min(phase):
    obj = Target(phase=phase, indicator="awareness", target_min=50, target_max=40, deadline=dt.date(2015, 12, 31))
    with pytest.raises(ValidationError) as excinfo:
        obj.full_clean()
    assert excinfo.value.messages == ["The upper end of a range cannot be below its lower end."]


def test_full_clean_reports_min_outside_percent(phase):
    obj = Target(phase=phase, indicator="awareness", target_min=120, deadline=dt.date(2015, 12, 31))
    with pytest.raises(ValidationError) as excinfo:
        obj.full_clean()
    assert "Targets, baselines and savings are percentages between 0 and 100." in excinfo.value.messages


# --- Labels --------------------------------------------------------------


@pytest.mark.parametrize(
    ("target_min", "target_max", "label"),
    [(50, None, "50%"), (50, 50, "50%"), (50, 70, "50–70%"), (5.5, 8, "5.5–8%")],
)
def test_range_label_of_plain_numbers(target_min, target_max, label):
    assert Target(target_min=target_min, target_max=target_max).range_label == label


def test_range_label_with_another_unit():
    assert Target(target_min=30, unit=" units").range_label == "30 units"


@pytest.mark.parametrize(
    ("target_min", "target_max", "label"),
    [
        (Decimal("50.00"), None, "50%"),
        (Decimal("50.00"), Decimal("50.00"), "50%"),
        (Decimal("50.00"), Decimal("70.00"), "50–70%"),
        (Decimal("5.50"), Decimal("8.00"), "5.5–8%"),
    ],
)
def test_range_label_of_decimals_from_the_database(target_min, target_max, label):
    assert Target(target_min=target_min, target_max=target_max).range_label == label


def test_str_after_a_round_trip(phase):
    obj = builders.target(phase, indicator="application", target_min=50, target_max=70, deadline=dt.date(2015, 12, 31))
    assert str(Target.objects.get(pk=obj.pk)) == "facilities applying CP ≥ 50–70% (2015)"


def test_str_before_saving(phase):
    obj = Target(phase=phase, indicator="application", target_min=50, target_max=70, deadline=dt.date(2015, 12, 31))
    assert str(obj) == "facilities applying CP ≥ 50–70% (2015)"


def test_is_due_by():
    obj = Target(deadline=dt.date(2015, 12, 31))
    assert obj.is_due_by(dt.date(2015, 12, 31))
    assert not obj.is_due_by(dt.date(2015, 12, 30))


# --- Facts about one target ----------------------------------------------


def test_baseline_defaults_to_the_phase_start_and_zero(phase):
    assert builders.target(phase).baseline() == (phase.starts_on, Decimal(0))
    given = builders.target(phase, baseline_on=dt.date(2012, 1, 1), baseline_value=Decimal("4.5"))
    assert given.baseline() == (dt.date(2012, 1, 1), Decimal("4.5"))


def test_qualifying_saving(phase):
    assert builders.target(phase, indicator="saving", target_min=5, target_max=8).qualifying_saving() == 5
    with_saving = builders.target(phase, indicator="application_with_saving", target_min=25, saving_min=6)
    assert with_saving.qualifying_saving() == 6
    assert builders.target(phase, indicator="application_with_saving", target_min=25).qualifying_saving() == 0


def test_scope_label(phase):
    sector, unit = builders.sector("Dệt may"), builders.unit("Gia Lâm")
    target = builders.target(
        phase,
        indicator="application_with_saving",
        target_min=25,
        saving_min=5,
        resource="energy",
        sector=sector,
        unit_scope=unit,
        area_kind="craft_village",
    )
    assert target.scope_label() == "Dệt may, Gia Lâm, craft village (làng nghề), energy saving ≥ 5%"
    assert builders.target(phase).scope_label() == ""
