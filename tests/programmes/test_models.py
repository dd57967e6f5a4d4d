import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max

from programmes import forms
from programmes.models import (
    Attendance,
    CPOption,
    OutreachActivity,
    Phase,
    Programme,
    Replication,
    ResourceSaving,
    Solution,
    Specialist,
    Survey,
)
from tests import builders

pytestmark = pytest.mark.django_db

D = dt.date(2015, 6, 30)


# --- Counts are never negative --------------------------------------------


@pytest.mark.parametrize("field", ["participants", "quantity"])
def test_negative_activity_counts_refused(field):
    with pytest.raises(IntegrityError), transaction.atomic():
        builders.activity(**{field: -1})


def test_negative_attendance_people_refused():
    obj = builders.activity()
    with pytest.raises(IntegrityError), transaction.atomic():
        Attendance.objects.create(activity=obj, facility=builders.facility(), people=-1)


def test_zero_counts_accepted():
    obj = builders.activity(participants=0, quantity=0)
    assert Attendance.objects.create(activity=obj, facility=builders.facility(), people=0).people == 0


def test_duplicate_attendance_refused():
    facility = builders.facility()
    obj = builders.activity(facilities=[facility])
    with pytest.raises(IntegrityError), transaction.atomic():
        Attendance.objects.create(activity=obj, facility=facility)
    assert Attendance.objects.filter(activity=obj).count() == 1


def test_same_facility_may_attend_two_activities():
    facility = builders.facility()
    builders.activity(facilities=[facility])
    builders.activity(facilities=[facility])
    assert Attendance.objects.filter(facility=facility).count() == 2


def test_full_clean_reports_duplicate_attendance():
    facility = builders.facility()
    obj = builders.activity(facilities=[facility])
    with pytest.raises(ValidationError) as excinfo:
        Attendance(activity=obj, facility=facility, people=1).full_clean()
    assert "This facility is already listed for this activity." in excinfo.value.messages


# --- Periods end after they start ----------------------------------------


def test_specialist_leaving_before_appointment_refused():
    with pytest.raises(IntegrityError), transaction.atomic():
        builders.specialist(appointed_on=dt.date(2014, 1, 2), left_on=dt.date(2014, 1, 1))


def test_programme_ending_before_start_refused():
    with pytest.raises(IntegrityError), transaction.atomic():
        builders.programme(starts_on=dt.date(2011, 1, 1), ends_on=dt.date(2010, 12, 31))


def test_phase_ending_before_start_refused():
    prog = builders.programme()
    with pytest.raises(IntegrityError), transaction.atomic():
        builders.phase(prog, starts_on=dt.date(2016, 1, 1), ends_on=dt.date(2015, 12, 31))


def test_phase_name_unique_in_programme():
    prog = builders.programme()
    builders.phase(prog, name="to 2015")
    with pytest.raises(IntegrityError), transaction.atomic():
        builders.phase(prog, name="to 2015")
    assert builders.phase(builders.programme("other"), name="to 2015").pk is not None


def test_full_clean_reports_phase_ending_before_start():
    obj = Phase(
        programme=builders.programme(), name="late", starts_on=dt.date(2016, 1, 1), ends_on=dt.date(2015, 12, 31)
    )
    with pytest.raises(ValidationError) as excinfo:
        obj.full_clean()
    assert excinfo.value.message_dict == {"ends_on": ["It ends on 31/12/2015, before it starts on 01/01/2016."]}


def test_full_clean_reports_specialist_leaving_before_appointment():
    obj = Specialist(
        unit=builders.unit(), name="Nguyễn Văn A", appointed_on=dt.date(2014, 1, 2), left_on=dt.date(2014, 1, 1)
    )
    with pytest.raises(ValidationError) as excinfo:
        obj.full_clean()
    assert excinfo.value.message_dict == {
        "left_on": ["A specialist cannot leave before being appointed (on 02/01/2014)."]
    }


# --- Specialist.objects.in_post_on ---------------------------------------


def test_in_post_on():
    unit = builders.unit()
    staying = builders.specialist(unit, appointed_on=dt.date(2012, 1, 1))
    leaving = builders.specialist(unit, appointed_on=dt.date(2012, 1, 1), left_on=D)
    appointed_that_day = builders.specialist(unit, appointed_on=D)
    builders.specialist(unit, appointed_on=D + dt.timedelta(days=1))

    assert set(Specialist.objects.in_post_on(D)) == {staying, appointed_that_day}
    assert set(Specialist.objects.in_post_on(D - dt.timedelta(days=1))) == {staying, leaving}


# --- ResourceSaving ------------------------------------------------------


def _saving(baseline, after, resource="energy", solution=None):
    return ResourceSaving.objects.create(
        solution=solution or builders.solution(), resource=resource, unit="kWh", baseline=baseline, after=after
    )


@pytest.mark.parametrize("baseline", [0, -5])
def test_saving_baseline_must_be_positive(baseline):
    with pytest.raises(IntegrityError), transaction.atomic():
        _saving(baseline, None)


def test_saving_after_cannot_be_negative():
    with pytest.raises(IntegrityError), transaction.atomic():
        _saving(100, -1)


def test_saving_after_needs_baseline():
    with pytest.raises(IntegrityError), transaction.atomic():
        _saving(None, 5)


def test_saving_with_neither_value_accepted():
    obj = _saving(None, None)
    obj.refresh_from_db()
    assert obj.saving_percent is None


def test_duplicate_resource_per_solution_refused():
    sol = builders.solution(savings={"energy": (100, 94)})
    with pytest.raises(IntegrityError), transaction.atomic():
        _saving(100, 90, solution=sol)
    assert _saving(100, 90, resource="water", solution=sol).pk is not None


def test_full_clean_reports_baseline_not_positive():
    obj = ResourceSaving(solution=builders.solution(), resource="energy", unit="kWh", baseline=0, after=0)
    with pytest.raises(ValidationError) as excinfo:
        obj.full_clean()
    assert "Baseline consumption must be above zero." in excinfo.value.messages


def _reported(percent, **fields) -> ResourceSaving:
    fields.setdefault("solution", builders.solution())
    return ResourceSaving.objects.create(resource="water", reported_percent=percent, **fields)


@pytest.mark.parametrize(("percent", "shown"), [("6.35", "6.4%"), ("0", "0.0%"), ("100", "100.0%"), ("6.3000", "6.3%")])
def test_a_reported_saving_is_the_saving_when_nothing_is_measured(percent, shown):
    obj = _reported(Decimal(percent))
    obj.refresh_from_db()
    assert obj.saving_percent == Decimal(percent)
    assert ResourceSaving.objects.filter(pk=obj.pk, saving_percent=Decimal(percent)).exists()
    assert (obj.unit, obj.has_measured_baseline) == ("", False)
    assert str(obj) == f"water: {shown} (reported, no measured baseline)"  # as every page writes a saving


def test_a_measured_saving_has_a_measured_baseline():
    obj = _saving(100, 94)
    assert obj.has_measured_baseline
    assert _saving(100, None, resource="water").has_measured_baseline  # measured before, not yet after


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        (
            {"unit": "kWh", "baseline": 100, "after": 94},
            "A saving is either measured (baseline and after) or reported as a percentage, not both.",
        ),
        (
            {"unit": "kWh", "baseline": 100},
            "A saving is either measured (baseline and after) or reported as a percentage, not both.",
        ),
    ],
)
def test_a_saving_both_measured_and_reported_is_refused(fields, message):
    with pytest.raises(IntegrityError), transaction.atomic():
        _reported(Decimal(6), **fields)
    obj = ResourceSaving(solution=builders.solution(), resource="water", reported_percent=6, **fields)
    with pytest.raises(ValidationError) as excinfo:
        obj.full_clean()
    assert message in excinfo.value.messages


@pytest.mark.parametrize("percent", ["-0.0001", "100.0001"])
def test_a_reported_saving_is_a_percentage(percent):
    with pytest.raises(IntegrityError), transaction.atomic():
        _reported(Decimal(percent))


def test_a_baseline_needs_a_unit():
    with pytest.raises(IntegrityError), transaction.atomic():
        ResourceSaving.objects.create(solution=builders.solution(), resource="energy", baseline=100, after=94)
    obj = ResourceSaving(solution=builders.solution(), resource="energy", baseline=100, after=94)
    with pytest.raises(ValidationError) as excinfo:
        obj.full_clean()
    assert excinfo.value.message_dict == {
        "unit": ["Choose the unit of consumption, or give only the reported saving (%)."]
    }


@pytest.mark.parametrize(
    ("baseline", "after", "expected"),
    [
        (100, 94, "6.0000"),
        (3, 2, "33.3333"),  # rounded half up to 4 places
        (3, 1, "66.6667"),
        (Decimal("1.5"), 0, "100.0000"),
        (10, 12, "-20.0000"),  # consumption rose
        (100, 100, "0.0000"),
        # Exact, not 6.300000000000002, 6.399999999999995 and 7.999999999999998 as floats.
        (100, Decimal("93.7"), "6.3000"),
        (1, Decimal("0.936"), "6.4000"),
        (10, Decimal("9.2"), "8.0000"),
    ],
)
def test_saving_percent_is_computed_by_the_database(baseline, after, expected):
    obj = _saving(baseline, after)
    obj.refresh_from_db()
    assert obj.saving_percent == Decimal(expected)
    assert str(obj.saving_percent) == expected
    # The value is in the table, so filters and aggregates can compare it exactly.
    assert ResourceSaving.objects.filter(pk=obj.pk, saving_percent=Decimal(expected)).exists()
    assert ResourceSaving.objects.filter(pk=obj.pk, saving_percent__gte=Decimal(expected)).exists()
    assert not ResourceSaving.objects.filter(pk=obj.pk, saving_percent__gt=Decimal(expected)).exists()
    assert obj.saving_percent == forms.saving_percent(Decimal(baseline), Decimal(after))


def test_the_largest_rise_in_consumption_fits_the_saving_column():
    """NUMERIC(26, 4) holds the saving of the smallest baseline and a huge after (−10²⁰ %):
    PostgreSQL would refuse the row on an overflow. (SQLite computes it as a float: 15
    significant digits, and cannot read back an ``after`` of 18 significant digits.)"""
    obj = _saving(Decimal("0.000001"), Decimal("999999999999"))
    obj.refresh_from_db()
    assert obj.saving_percent == pytest.approx(Decimal("-99999999999899999900"), rel=Decimal("1e-14"))


def test_saving_percent_is_null_until_after_is_measured():
    obj = _saving(100, None)
    obj.refresh_from_db()
    assert obj.saving_percent is None
    obj.after = Decimal("94")
    obj.save()
    obj.refresh_from_db()
    assert obj.saving_percent == Decimal("6.0000")


def test_saving_never_exceeds_100_percent():
    """after ≥ 0 and baseline > 0 bound the saving at 100%: the only ways past
    it are refused by the constraints."""
    sol = builders.solution()
    _saving(Decimal("0.000001"), 0, solution=sol)
    _saving(Decimal("999999999999.999999"), 0, resource="fuel", solution=sol)
    for baseline, after in [(100, -1), (-100, 50), (-100, 0)]:
        with pytest.raises(IntegrityError), transaction.atomic():
            _saving(baseline, after, resource="water", solution=sol)
    top = ResourceSaving.objects.aggregate(top=Max("saving_percent"))["top"]
    assert top == Decimal(100)


def test_zero_baseline_with_after_refused_by_the_constraint():
    with pytest.raises(IntegrityError), transaction.atomic():
        _saving(0, 0)


# --- Replication.clean ---------------------------------------------------


def test_replication_at_host_refused_by_clean():
    model = builders.demonstration()
    obj = Replication(model=model, facility=model.host, replicated_on=model.started_on)
    with pytest.raises(ValidationError) as excinfo:
        obj.full_clean()
    assert excinfo.value.message_dict["facility"] == ["The host facility cannot replicate its own model."]


def test_replication_before_model_refused_by_clean():
    model = builders.demonstration(started_on=dt.date(2012, 3, 1))
    obj = Replication(model=model, facility=builders.facility(), replicated_on=dt.date(2012, 2, 29))
    with pytest.raises(ValidationError) as excinfo:
        obj.full_clean()
    assert excinfo.value.message_dict["replicated_on"] == [
        "A replication cannot predate the model it copies, which started on 01/03/2012."
    ]


def test_replication_on_the_model_start_day_accepted():
    model = builders.demonstration(started_on=dt.date(2012, 3, 1))
    Replication(model=model, facility=builders.facility(), replicated_on=dt.date(2012, 3, 1)).full_clean()


def test_duplicate_replication_refused():
    elsewhere = builders.facility()
    model = builders.demonstration(replicated_at=[elsewhere])
    with pytest.raises(IntegrityError), transaction.atomic():
        Replication.objects.create(model=model, facility=elsewhere, replicated_on=dt.date(2013, 1, 1))


# --- Solution ------------------------------------------------------------


@pytest.mark.parametrize(
    ("investment", "annual_saving", "expected"),
    [
        (Decimal("100000000"), Decimal("40000000"), Decimal("2.5")),
        (Decimal("100000000"), Decimal("30000000"), Decimal("3.3")),
        (Decimal("0"), Decimal("1000"), Decimal("0.0")),
        (None, Decimal("1000"), None),
        (Decimal("1000"), None, None),
        (Decimal("1000"), Decimal("0"), None),
        (Decimal("1000"), Decimal("-5"), None),
    ],
)
def test_payback_years(investment, annual_saving, expected):
    assert Solution(investment=investment, annual_saving=annual_saving).payback_years == expected


@pytest.mark.parametrize("field", ["investment", "co2_avoided"])
def test_negative_solution_amounts_refused(field):
    with pytest.raises(IntegrityError), transaction.atomic():
        builders.solution(**{field: -1})


# --- Searchable ----------------------------------------------------------


def test_activity_search_text_covers_title_organiser_and_venue():
    obj = builders.activity(title="Hội thảo SXSH", organiser="Sở Công Thương", venue="Đông Anh")
    assert OutreachActivity.objects.get(pk=obj.pk).search_text == "hoi thao sxsh so cong thuong dong anh"


def test_specialist_search_text_follows_update_fields_save():
    obj = builders.specialist(name="Old")
    obj.name = "Trần Thị Bình"
    obj.save(update_fields=["name"])
    assert Specialist.objects.get(pk=obj.pk).search_text == "tran thi binh"


def test_str():
    prog = builders.programme(name="Hanoi CP programme")
    assert str(builders.phase(prog, name="to 2015")) == "Hanoi CP programme: to 2015"
    assert str(builders.activity(title="Workshop", held_on=dt.date(2012, 6, 1))) == "Workshop (01/06/2012)"
    assert str(Programme.objects.get()) == "Hanoi CP programme"


# --- Natural keys: one record per key (defect D5 of issue 10) ------------------------------


def _copy(obj):
    """Store ``obj`` again under a new primary key, every other field the same."""
    obj.pk = obj.id = None
    obj._state.adding = True
    obj.save()


NATURAL_KEYS = {
    "activity": lambda: builders.activity(title="CP workshop"),
    "survey": lambda: builders.survey(),
    "option": lambda: CPOption.objects.create(
        survey=builders.survey(), category="good_housekeeping", description="Fix steam leaks"
    ),
    "solution": lambda: builders.solution(),
    "specialist": lambda: builders.specialist(name="Nguyễn Thị Hoa"),
}


@pytest.mark.parametrize("make", list(NATURAL_KEYS.values()), ids=list(NATURAL_KEYS))
def test_a_record_cannot_be_stored_twice(make):
    obj = make()
    model = type(obj)
    with pytest.raises(IntegrityError), transaction.atomic():
        _copy(obj)
    assert model.objects.count() == 1


def test_records_that_differ_in_their_key_are_kept_apart():
    survey = builders.survey()
    builders.survey(survey.facility, surveyed_on=survey.surveyed_on + dt.timedelta(days=1))
    solution = builders.solution()
    builders.solution(solution.facility, implemented_on=solution.implemented_on, description="Recover heat")
    assert (Survey.objects.count(), Solution.objects.count()) == (2, 2)


def test_a_form_names_the_natural_key_it_would_repeat():
    survey = builders.survey()
    copy = Survey(facility=survey.facility, surveyed_on=survey.surveyed_on)
    with pytest.raises(ValidationError, match="already has a CP survey on this date"):
        copy.validate_constraints()
