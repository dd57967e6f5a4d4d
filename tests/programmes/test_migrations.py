"""programmes/migrations/0006_natural_keys.py on a database that already holds copies:
it refuses, names them and changes nothing; once they are merged it applies, and it
reverses without losing a row."""

import datetime as dt

import pytest
from django.db import IntegrityError, connection, transaction
from django.db.migrations.executor import MigrationExecutor

from programmes import pathway
from programmes.models import OutreachActivity, Survey
from tests import builders

BEFORE = [("programmes", "0005_import_permission")]
NATURAL_KEYS = [("programmes", "0006_natural_keys")]


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
