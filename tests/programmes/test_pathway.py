"""The CP pathway (programmes/pathway.py): kept by every write equal to a rebuild from the records."""

import datetime as dt
import itertools

import pytest
from django.db import transaction
from django.db.models import F, Q
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from facilities.models import Facility
from programmes import pathway
from programmes.models import (
    Attendance,
    AwarenessRecord,
    DemonstrationModel,
    FacilityPathway,
    OutreachActivity,
    Replication,
    ResourceSaving,
    SavingStep,
    Solution,
    Survey,
    TechnicalSupport,
    VerifiedSavingStep,
)
from tests import builders as b

D = dt.date


def snapshot() -> tuple[list, list, list]:
    rows = list(FacilityPathway.objects.order_by("facility_id").values())
    steps = [
        list(
            model.objects.order_by("facility_id", "resource", "since").values(
                "facility_id", "resource", "since", "until", "best", "previous", "evidence"
            )
        )
        for model in (SavingStep, VerifiedSavingStep)
    ]
    return rows, *steps


# --- Saving steps, without a database -----------------------------------------------------------


def test_steps_follow_the_best_saving_per_resource_and_for_any():
    rows = [
        (1, "energy", D(2012, 1, 1), 3.0, "self_reported"),
        (1, "energy", D(2012, 6, 1), 2.0, "audited"),  # lower: no step
        (1, "energy", D(2013, 1, 1), 6.0, "measured"),
        (1, "fuel", D(2012, 3, 1), 5.0, "estimated"),
    ]
    steps = [(s.facility_id, s.resource, s.since, s.until, s.best, s.previous) for s in pathway._steps(rows)]
    assert steps == [
        (1, "energy", D(2012, 1, 1), D(2013, 1, 1), 3.0, None),
        (1, "energy", D(2013, 1, 1), None, 6.0, 3.0),
        (1, "fuel", D(2012, 3, 1), None, 5.0, None),
        (1, "", D(2012, 1, 1), D(2012, 3, 1), 3.0, None),
        (1, "", D(2012, 3, 1), D(2013, 1, 1), 5.0, 3.0),
        (1, "", D(2013, 1, 1), None, 6.0, 5.0),
    ]


def test_a_step_carries_the_evidence_of_its_best_saving_the_strongest_among_equals():
    rows = [
        (1, "energy", D(2012, 1, 1), 6.0, "self_reported"),
        (1, "energy", D(2012, 1, 1), 6.0, "audited"),  # as large, stronger, the same day: that step's evidence
        (1, "energy", D(2012, 1, 1), 4.0, "measured"),  # smaller: not its evidence
        (1, "energy", D(2013, 1, 1), 6.0, "audited"),  # as large later: no new step
        (1, "fuel", D(2012, 1, 1), 6.0, "estimated"),
    ]
    steps = [(s.resource, s.since, s.best, s.evidence) for s in pathway._steps(rows)]
    assert steps == [
        ("energy", D(2012, 1, 1), 6.0, "audited"),
        ("fuel", D(2012, 1, 1), 6.0, "estimated"),
        ("", D(2012, 1, 1), 6.0, "audited"),
    ]


def test_a_negative_saving_is_a_first_step():
    water, any_resource = pathway._steps([(7, "water", D(2014, 2, 2), -12.5, "self_reported")])
    assert (water.resource, water.best, water.previous, water.until) == ("water", -12.5, None, None)
    assert (any_resource.resource, any_resource.best) == ("", -12.5)


# --- Each kind of write -------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_survey_and_its_support_set_their_milestones_and_deleting_them_clears_them():
    facility = b.facility()
    survey = b.survey(facility, surveyed_on=D(2012, 5, 1))
    TechnicalSupport.objects.create(survey=survey, kind="technique", given_on=D(2012, 7, 1))
    row = FacilityPathway.objects.get(facility=facility)
    assert (row.surveyed_on, row.supported_on, row.aware_on) == (D(2012, 5, 1), D(2012, 7, 1), D(2012, 5, 1))
    survey.delete()
    row = FacilityPathway.objects.get(facility=facility)
    assert (row.surveyed_on, row.supported_on, row.aware_on) == (None, None, None)


@pytest.mark.django_db
def test_moving_an_activity_moves_its_attendees_awareness():
    first, second = b.facility(), b.facility()
    activity = b.activity([first, second], held_on=D(2012, 6, 1))
    assert set(FacilityPathway.objects.values_list("aware_on", flat=True)) == {D(2012, 6, 1)}
    activity.held_on = D(2013, 2, 1)
    activity.save()
    assert set(FacilityPathway.objects.values_list("aware_on", flat=True)) == {D(2013, 2, 1)}


@pytest.mark.django_db
def test_a_solution_moved_to_another_facility_leaves_the_first():
    first, second = b.facility(), b.facility()
    solution = b.solution(first, savings={"energy": (100, 94)})
    assert FacilityPathway.objects.get(facility=first).applying_on == solution.implemented_on
    solution.facility = second
    solution.save()
    assert FacilityPathway.objects.get(facility=first).applying_on is None
    assert not SavingStep.objects.filter(facility_id=first.pk).exists()
    assert SavingStep.objects.filter(facility_id=second.pk, resource="energy", best=6.0).exists()


@pytest.mark.django_db
def test_an_identified_solution_is_a_contact_but_not_applying_nor_a_saving():
    facility = b.facility()
    solution = b.solution(facility, stage="identified", savings={"energy": (100, 90)})
    row = FacilityPathway.objects.get(facility=facility)
    assert (row.aware_on, row.applying_on, row.measured_on) == (solution.implemented_on, None, None)
    assert not SavingStep.objects.filter(facility=facility).exists()
    solution.stage = "implemented"
    solution.save()
    row.refresh_from_db()
    assert row.applying_on == row.measured_on == solution.implemented_on
    assert SavingStep.objects.filter(facility=facility, resource="energy", best=10).exists()


@pytest.mark.django_db
def test_a_verified_solution_counts_as_verified_from_the_day_it_was_verified():
    facility = b.facility()
    solution = b.solution(
        facility, stage="verified", verified_on=D(2013, 3, 1), savings={"energy": (100, 93)}, evidence="audited"
    )
    row = FacilityPathway.objects.get(facility=facility)
    assert (row.applying_on, row.verified_on) == (solution.implemented_on, D(2013, 3, 1))
    all_steps = SavingStep.objects.filter(facility=facility).values_list("resource", "since", "best", "evidence")
    verified = VerifiedSavingStep.objects.filter(facility=facility).values_list("resource", "since", "best", "evidence")
    assert sorted(all_steps) == [("", D(2012, 9, 1), 7, "audited"), ("energy", D(2012, 9, 1), 7, "audited")]
    assert sorted(verified) == [("", D(2013, 3, 1), 7, "audited"), ("energy", D(2013, 3, 1), 7, "audited")]
    ResourceSaving.objects.filter(solution=solution).get().delete()
    assert not VerifiedSavingStep.objects.exists()


@pytest.mark.django_db
def test_a_failed_write_leaves_the_pathway_as_it_was():
    facility = b.facility()
    b.survey(facility, surveyed_on=D(2012, 5, 1))
    before = snapshot()
    with pytest.raises(RuntimeError), pathway.deferred():
        b.survey(facility, surveyed_on=D(2011, 1, 1))
        raise RuntimeError
    assert snapshot() == before


@pytest.mark.django_db
def test_deferred_refreshes_each_facility_once(django_assert_max_num_queries):
    facilities = [b.facility() for _ in range(30)]
    activity = OutreachActivity.objects.create(kind="workshop", title="W", held_on=D(2012, 1, 1))
    # Each create writes its row and its history row; the 30 facilities are then refreshed once.
    with django_assert_max_num_queries(30 * 2 + 10), pathway.deferred():
        for facility in facilities:
            Attendance.objects.create(activity=activity, facility=facility)
    assert FacilityPathway.objects.filter(attended_on=D(2012, 1, 1)).count() == 30


@pytest.mark.django_db
def test_rebuild_command_restores_a_wiped_table(capsys):
    from django.core.management import call_command

    facility = b.facility()
    b.solution(facility, savings={"energy": (100, 90), "fuel": (10, 9)})
    kept = snapshot()
    FacilityPathway.objects.all().delete()
    SavingStep.objects.all().delete()
    call_command("rebuild_pathway")
    assert snapshot() == kept
    assert "1" in capsys.readouterr().out


# --- Any sequence of writes equals a rebuild -----------------------------------------------------

DAYS = st.dates(min_value=D(2011, 1, 1), max_value=D(2016, 12, 31))
INDEX = st.integers(min_value=0, max_value=50)
OPERATIONS = st.one_of(
    st.tuples(st.just("attend"), INDEX, INDEX),
    st.tuples(st.just("unattend"), INDEX),
    st.tuples(st.just("move_activity"), INDEX, DAYS),
    st.tuples(st.just("delete_activity"), INDEX),
    st.tuples(st.just("survey"), INDEX, DAYS),
    st.tuples(st.just("redate_survey"), INDEX, DAYS),
    st.tuples(st.just("delete_survey"), INDEX),
    st.tuples(st.just("support"), INDEX, DAYS),
    st.tuples(st.just("solution"), INDEX, DAYS, st.sampled_from(["energy", "fuel", "water"]), st.integers(0, 130)),
    st.tuples(st.just("saving"), INDEX, st.integers(0, 130)),
    st.tuples(st.just("move_solution"), INDEX, INDEX),
    st.tuples(st.just("redate_solution"), INDEX, DAYS),
    st.tuples(st.just("delete_solution"), INDEX),
    st.tuples(st.just("stage"), INDEX, st.sampled_from(["identified", "implemented", "verified"]), DAYS),
    st.tuples(st.just("evidence"), INDEX, st.sampled_from(["self_reported", "estimated", "measured", "audited"])),
    st.tuples(st.just("awareness"), INDEX, DAYS),
    st.tuples(st.just("delete_awareness"), INDEX),
    st.tuples(st.just("demonstration"), INDEX, DAYS),
    st.tuples(st.just("replicate"), INDEX, INDEX, DAYS),
    st.tuples(st.just("delete_replication"), INDEX),
    st.tuples(st.just("close"), INDEX, st.none() | DAYS),
    st.tuples(st.just("scope"), INDEX, st.booleans()),
    st.tuples(st.just("area_kind"), INDEX, st.sampled_from(["craft_village", "industrial_zone"])),
    st.tuples(st.just("new_facility"), INDEX),
)


def _pick(queryset, index):
    rows = list(queryset.order_by("pk"))
    return rows[index % len(rows)] if rows else None


_numbers = itertools.count()


def apply(operation: tuple, facilities: list, activities: list) -> None:
    kind, *args = operation
    facility = facilities[args[0] % len(facilities)] if args and isinstance(args[0], int) else None
    if kind == "attend":
        activity = _pick(OutreachActivity.objects, args[1])
        if activity and not Attendance.objects.filter(activity=activity, facility=facility).exists():
            Attendance.objects.create(activity=activity, facility=facility)
    elif kind == "unattend" and (row := _pick(Attendance.objects, args[0])):
        row.delete()
    elif kind == "move_activity" and (activity := _pick(OutreachActivity.objects, args[0])):
        activity.held_on = args[1]
        activity.save()
    elif kind == "delete_activity" and (activity := _pick(OutreachActivity.objects, args[0])):
        activity.delete()
    elif kind == "survey":
        # One survey per facility and day (the natural key): a second one is the same survey.
        if not Survey.objects.filter(facility=facility, surveyed_on=args[1]).exists():
            Survey.objects.create(facility=facility, surveyed_on=args[1])
    elif kind == "redate_survey" and (survey := _pick(Survey.objects, args[0])):
        if not Survey.objects.filter(facility_id=survey.facility_id, surveyed_on=args[1]).exists():
            survey.surveyed_on = args[1]
            survey.save()
    elif kind == "delete_survey" and (survey := _pick(Survey.objects, args[0])):
        survey.delete()
    elif kind == "support" and (survey := _pick(Survey.objects, args[0])):
        TechnicalSupport.objects.update_or_create(survey=survey, kind="technique", defaults={"given_on": args[1]})
    elif kind == "solution":
        # A description of its own: facility, day and description are a solution's natural key.
        solution = Solution.objects.create(
            facility=facility, implemented_on=args[1], category="good_housekeeping", description=f"S{next(_numbers)}"
        )
        ResourceSaving.objects.create(solution=solution, resource=args[2], unit="kWh", baseline=100, after=args[3])
    elif kind == "saving" and (saving := _pick(ResourceSaving.objects, args[0])):
        saving.after = args[1]
        saving.save()
    elif kind == "move_solution" and (solution := _pick(Solution.objects, args[1])):
        solution.facility = facility
        solution.save()
    elif kind == "redate_solution" and (solution := _pick(Solution.objects, args[0])):
        solution.implemented_on = args[1]
        if solution.verified_on and solution.verified_on < args[1]:
            solution.verified_on = args[1]
        solution.save()
    elif kind == "delete_solution" and (solution := _pick(Solution.objects, args[0])):
        solution.delete()
    elif kind == "stage" and (solution := _pick(Solution.objects, args[0])):
        solution.stage = args[1]
        # Verified on a day not before implementation (the check constraint), none otherwise.
        solution.verified_on = max(args[2], solution.implemented_on) if args[1] == "verified" else None
        solution.save()
    elif kind == "evidence" and (saving := _pick(ResourceSaving.objects, args[0])):
        saving.evidence = args[1]
        saving.save()
    elif kind == "awareness":
        AwarenessRecord.objects.create(facility=facility, recorded_on=args[1], source="visit")
    elif kind == "delete_awareness" and (record := _pick(AwarenessRecord.objects, args[0])):
        record.delete()
    elif kind == "demonstration":
        DemonstrationModel.objects.create(
            host=facility, name=f"M{DemonstrationModel.objects.count()}", started_on=args[1]
        )
    elif kind == "replicate" and (model := _pick(DemonstrationModel.objects, args[1])):
        if model.host_id != facility.pk and not Replication.objects.filter(model=model, facility=facility).exists():
            Replication.objects.create(model=model, facility=facility, replicated_on=args[2])
    elif kind == "delete_replication" and (row := _pick(Replication.objects, args[0])):
        row.delete()
    elif kind == "close":
        facility.closed_on = (
            args[1] if args[1] is None or facility.opened_on is None else max(args[1], facility.opened_on)
        )
        facility.save()
    elif kind == "scope":
        facility.in_scope = args[1]
        facility.save()
    elif kind == "area_kind" and facility.area_id:
        facility.area.kind = args[1]
        facility.area.save()
    elif kind == "new_facility":
        facilities.append(b.facility(area=facility.area))


@pytest.fixture
def world(db):
    area = b.area()
    facilities = [b.facility(area=area if i % 2 else None) for i in range(4)]
    activities = [
        OutreachActivity.objects.create(kind="workshop", title=f"W{i}", held_on=D(2012, 1 + i, 1)) for i in range(2)
    ]
    return facilities, activities


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(operations=st.lists(OPERATIONS, max_size=25), deferred=st.booleans())
def test_any_sequence_of_writes_keeps_the_pathway_equal_to_a_rebuild(world, operations, deferred):
    facilities, activities = world
    with transaction.atomic():
        if deferred:
            with pathway.deferred():
                for operation in operations:
                    apply(operation, facilities, activities)
        else:
            for operation in operations:
                apply(operation, facilities, activities)
        kept = snapshot()
        pathway.rebuild()
        assert kept == snapshot()
        assert not counted_before_a_contact()
        # One row per facility has no start (its first membership's): what counts of distinct
        # facilities read (targets.queries.first_rows).
        first = FacilityPathway.objects.filter(since__isnull=True)
        assert sorted(first.values_list("facility_id", flat=True)) == sorted(
            Facility.objects.values_list("pk", flat=True)
        )
        transaction.set_rollback(True)


def counted_before_a_contact() -> list:
    """Pathway rows with a milestone but no first contact, with a date the indicators count
    from (first solution, first measured saving, a saving step) before their first contact,
    or with a saving step but no measured saving. The counts after a milestone and the
    funnel's medians read only the rows with ``aware_on`` (targets.selectors,
    targets.funnel), the saving evidence only those with ``measured_on`` (targets.evidence):
    there must be none."""
    milestones = [name for name in pathway.MILESTONES if name != "aware_on"]
    reached = Q()
    for name in milestones:
        reached |= Q(**{f"{name}__isnull": False})
    rows = FacilityPathway.objects.filter(
        (reached & Q(aware_on__isnull=True)) | Q(applying_on__lt=F("aware_on")) | Q(measured_on__lt=F("aware_on"))
    )
    found = list(rows.values("facility_id", "aware_on", *milestones))
    for model in (SavingStep, VerifiedSavingStep):
        # A step without a measured saving either: the saving evidence reads only rows with one.
        before = Q(pathway__aware_on__isnull=True) | Q(since__lt=F("pathway__aware_on"))
        steps = model.objects.filter(before | Q(pathway__measured_on__isnull=True))
        found += list(steps.values("facility_id", "since", "pathway__aware_on", "pathway__measured_on"))
    return found
