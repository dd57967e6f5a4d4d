"""programmes/migrations/0006_natural_keys.py on a database that already holds copies:
it refuses, names them and changes nothing; once they are merged it applies, and it
reverses without losing a row. 0009_exact_savings converts the savings and their steps
from floats to decimals and back. 0012_reported_savings adds reported percentages (lost
backwards)."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import IntegrityError, connection, transaction
from django.db.migrations.executor import MigrationExecutor

from programmes import pathway
from programmes.models import OutreachActivity, ResourceSaving, SavingStep, Survey
from tests import builders

BEFORE = [("programmes", "0005_import_permission")]
NATURAL_KEYS = [("programmes", "0006_natural_keys")]
FLOAT_SAVINGS = [("programmes", "0008_specialist_left_on_meaning")]
EXACT_SAVINGS = [("programmes", "0009_exact_savings")]


def migrate(targets: list[tuple[str, str]]) -> None:
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)


@pytest.fixture
def without_natural_keys(transactional_db, monkeypatch):
    """The programmes tables as before 0006 (the rows stay); the latest schema again afterwards.
    The pathway's tables then are not today's (0009_pathway_per_membership): today's code does
    not write them meanwhile, and 0009 derives them again."""
    monkeypatch.setattr(pathway, "touch", lambda facility_ids: None)
    latest = [key for key in MigrationExecutor(connection).loader.graph.leaf_nodes() if key[0] == "programmes"]
    migrate(BEFORE)
    yield
    Survey.objects.all().delete()
    OutreachActivity.objects.all().delete()
    migrate(latest)


def test_the_migration_names_the_copies_and_changes_nothing(without_natural_keys):
    survey = builders.survey()
    copies = [Survey.objects.create(facility=survey.facility, surveyed_on=survey.surveyed_on) for _ in range(2)]
    activity = builders.activity(title="CP workshop", held_on=dt.date(2012, 6, 14))
    twin = builders.activity(title="CP workshop", held_on=dt.date(2012, 6, 14))
    builders.activity(title="cp workshop", held_on=dt.date(2012, 6, 14))  # differs in case: not a copy

    with pytest.raises(RuntimeError) as refused:
        migrate(NATURAL_KEYS)

    message = str(refused.value)
    assert "Nothing was changed." in message
    assert f"ids {survey.pk}, {copies[0].pk}, {copies[1].pk}" in message
    assert f"workshop, CP workshop, 2012-06-14: ids {activity.pk}, {twin.pk}" in message
    assert "CP surveys (1 group(s) of copies; key: facility_id, surveyed_on)" in message
    assert "Merge each group in the admin" in message
    assert (Survey.objects.count(), OutreachActivity.objects.count()) == (3, 3)
    # Not applied: a copy can still be stored.
    Survey.objects.create(facility=survey.facility, surveyed_on=survey.surveyed_on)


def test_once_merged_the_migration_applies_and_reverses(without_natural_keys):
    survey = builders.survey()
    copy = Survey.objects.create(facility=survey.facility, surveyed_on=survey.surveyed_on)
    copy.delete()  # merged by hand

    migrate(NATURAL_KEYS)
    with pytest.raises(IntegrityError), transaction.atomic():
        Survey.objects.create(facility=survey.facility, surveyed_on=survey.surveyed_on)

    migrate(BEFORE)
    Survey.objects.create(facility=survey.facility, surveyed_on=survey.surveyed_on)
    assert Survey.objects.count() == 2


@pytest.fixture
def latest_afterwards(transactional_db):
    yield
    migrate([key for key in MigrationExecutor(connection).loader.graph.leaf_nodes() if key[0] == "programmes"])


def _stored(sql: str) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return sorted(cursor.fetchall())


SAVINGS = "SELECT saving_percent FROM programmes_resourcesaving"
STEPS = "SELECT resource, best, previous FROM programmes_savingstep"


def test_exact_savings_converts_the_rows_both_ways(latest_afterwards):
    facility = builders.facility()
    builders.solution(facility, savings={"energy": (1, Decimal("0.937")), "water": (10, Decimal("9.2"))})
    builders.solution(facility, savings={"energy": (1, Decimal("0.936"))}, implemented_on=dt.date(2013, 1, 1))

    migrate(FLOAT_SAVINGS)
    # Floats again, computed by the database from baseline and after, with binary noise
    # (6.2999999999999945 and 6.399999999999995 here, as in issue 11).
    floats = [value for (value,) in _stored(SAVINGS)]
    assert floats == pytest.approx([6.3, 6.4, 8.0], abs=1e-9)
    assert {6.3, 6.4} - set(floats)
    # The steps written again from them: 8 on water and on any resource, 6.3 then 6.4 on energy.
    steps = [(resource, float(best), previous) for resource, best, previous in _stored(STEPS)]
    assert steps == [
        ("", pytest.approx(8.0), None),
        ("energy", floats[0], None),
        ("energy", floats[1], floats[0]),
        ("water", pytest.approx(8.0), None),
    ]

    migrate(EXACT_SAVINGS)
    savings = [Decimal(str(value)) for (value,) in _stored(SAVINGS)]
    assert savings == [Decimal("6.3"), Decimal("6.4"), Decimal("8")]
    # Read as stored: the steps' table of 0009 (0010_pathway_per_membership gives it a row per membership).
    steps = [
        (resource, Decimal(str(best)), None if previous is None else Decimal(str(previous)))
        for resource, best, previous in _stored(STEPS)
    ]
    assert steps == [
        ("", Decimal("8"), None),
        ("energy", Decimal("6.3"), None),
        ("energy", Decimal("6.4"), Decimal("6.3")),
        ("water", Decimal("8"), None),
    ]

    migrate([key for key in MigrationExecutor(connection).loader.graph.leaf_nodes() if key[0] == "programmes"])
    assert SavingStep.objects.count() == 4  # the latest pathway derived again


BEFORE_REPORTED = [("programmes", "0011_survey_details_optional")]
REPORTED = [("programmes", "0012_reported_savings")]


def test_reported_savings_apply_and_reverse(latest_afterwards):
    facility = builders.facility()
    solution = builders.solution(facility, savings={"energy": (1, Decimal("0.937"))})
    ResourceSaving.objects.create(solution=solution, resource="water", reported_percent=Decimal("6.35"))

    migrate(BEFORE_REPORTED)
    # Backwards the reported percentage is lost: the saving is "not measured yet".
    assert [(r, None if v is None else Decimal(str(v))) for r, v in _stored(RESOURCES)] == [
        ("energy", Decimal("6.3")),
        ("water", None),
    ]

    migrate(REPORTED)
    assert [(r, None if v is None else Decimal(str(v))) for r, v in _stored(RESOURCES)] == [
        ("energy", Decimal("6.3")),
        ("water", None),
    ]
    with connection.cursor() as cursor:
        cursor.execute("UPDATE programmes_resourcesaving SET reported_percent = 4.5 WHERE resource = 'water'")
    assert Decimal(str(_stored(RESOURCES)[1][1])) == Decimal("4.5")
    with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE programmes_resourcesaving SET reported_percent = 4.5 WHERE resource = 'energy'")


RESOURCES = "SELECT resource, saving_percent FROM programmes_resourcesaving"


BEFORE_CONTACT_YEARS = [("programmes", "0015_pathway_measured")]
CONTACT_YEARS = [("programmes", "0016_contact_years")]


def test_contact_years_are_derived_from_the_records_and_reverse(latest_afterwards):
    """0016 writes the pathway again with each facility's contact years: 2012 (a survey) and
    2013 (a solution) for one facility, none for another; backwards the column goes."""
    reached, other = builders.facility(), builders.facility()
    builders.survey(reached, surveyed_on=dt.date(2012, 5, 1))
    builders.solution(reached, savings={"energy": (100, 94)}, implemented_on=dt.date(2013, 2, 1))
    migrate(BEFORE_CONTACT_YEARS)
    columns = connection.introspection.get_table_description(connection.cursor(), "programmes_facilitypathway")
    assert "contact_years" not in [c.name for c in columns]
    migrate(CONTACT_YEARS)
    assert _stored("SELECT facility_id, contact_years FROM programmes_facilitypathway") == [
        (reached.pk, (1 << 12) | (1 << 13)),
        (other.pk, 0),
    ]
    assert _stored("SELECT COUNT(*) FROM programmes_savingstep") == [(2,)]  # energy and any resource
