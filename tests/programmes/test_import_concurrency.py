"""Imports of the same past records confirmed at once store each record once
(defect D5 of issue 10: 20 simultaneous confirms of one file stored 5 copies of
each activity). The natural keys are unique in the database (programmes/models.py)
and a confirm holds its kind's import lock (cpdash.database.lock_imports_of)."""

import threading

import pytest
from django.db import connection

from cpdash import database
from programmes.models import CPOption, OutreachActivity, Solution, Specialist, Survey
from programmes.resources import (
    OutreachActivityResource,
    RecordResource,
    SolutionResource,
    SpecialistResource,
    SurveyResource,
)
from tests.programmes.test_import_records import (
    activity_rows,
    make_register,
    problems,
    run,
    solution_rows,
    specialist_rows,
    stored_counts,
    survey_rows,
)

#: resource → (a file of a few records with details, the model of its records)
FILES = {
    OutreachActivityResource: (lambda: activity_rows(10), OutreachActivity),
    SurveyResource: (lambda: survey_rows(10), Survey),
    SolutionResource: (lambda: solution_rows(10), Solution),
    SpecialistResource: (lambda: specialist_rows(4), Specialist),
}
RESOURCES = list(FILES)
MEANWHILE = (
    "Some of these records were saved by someone else while this import ran, so nothing was written. "
    "Upload the file again: the records stored now will be found and not duplicated."
)


def _once(resource: type[RecordResource]) -> tuple[int, ...]:
    """What one import of the resource's file stores, counted by stored_counts()."""
    rows = FILES[resource][0]()
    assert problems(run(resource, rows), resource) == []
    return stored_counts()


# --- A record stored between the import's reads and its writes (both databases) -------------


class Race:
    """Once armed, the next import has another writer store ``rows`` right after it read
    the stored records: the SQLite side of a race, and what a writer that takes no import
    lock (a staff form, the admin) can still do on PostgreSQL."""

    def __init__(self) -> None:
        self.rows: list[dict] | None = None
        self.staged = False

    def arm(self, rows: list[dict]) -> None:
        self.rows = rows


@pytest.fixture
def race(monkeypatch) -> Race:
    race = Race()
    match_stored = RecordResource._match_stored

    def match_then_store(self, records):
        match_stored(self, records)
        if race.rows is not None:
            rows, race.rows = race.rows, None
            assert problems(run(type(self), rows), type(self)) == []
            race.staged = True

    monkeypatch.setattr(RecordResource, "_match_stored", match_then_store)
    return race


@pytest.mark.django_db
@pytest.mark.parametrize("resource", RESOURCES, ids=lambda r: r.__name__)
def test_a_record_stored_meanwhile_is_not_stored_again(resource, race):
    make_register()
    expected = _once(resource)
    resource.model.objects.all().delete()  # details go with their records (CASCADE)
    assert stored_counts() == (0,) * 8
    rows = FILES[resource][0]()
    race.arm(rows)

    result = run(resource, rows)

    assert race.staged
    assert problems(result, resource) == [(None, "", MEANWHILE)]
    assert stored_counts() == expected  # the other writer's copy, and nothing of this import


@pytest.mark.django_db
def test_an_option_added_meanwhile_to_a_stored_survey_is_not_added_again(race):
    """The surveys are found again, and both imports add the same options to them: the
    option's key (survey and description) decides."""
    make_register()
    rows = FILES[SurveyResource][0]()
    alone = [dict(row, option_category="", option_description="", option_state="") for row in rows]
    assert problems(run(SurveyResource, alone), SurveyResource) == []
    surveys = Survey.objects.count()
    race.arm(rows)

    result = run(SurveyResource, rows)

    assert race.staged
    assert problems(result, SurveyResource) == [(None, "", MEANWHILE)]
    assert (Survey.objects.count(), CPOption.objects.count()) == (surveys, 10)


# --- Two confirms at once, each on its own connection (PostgreSQL) ---------------------------


def _confirm_at_once(resource: type[RecordResource], count: int, monkeypatch) -> list:
    """``count`` threads import the same file together: each waits for the others after
    reading its lookups (before the lock and the stored records), so that all are inside
    their transactions at the same time. Bounded: 30 s for the start, 120 s in all."""
    rows = FILES[resource][0]()
    start = threading.Barrier(count, timeout=30)
    load_lookups = RecordResource._load_lookups

    def load_then_wait(self, filled):
        load_lookups(self, filled)
        start.wait()

    results: list = [None] * count

    def confirm(index: int) -> None:
        try:
            results[index] = run(resource, rows)
        except BaseException as error:  # reported by the test, not lost in the thread
            results[index] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=confirm, args=(i,)) for i in range(count)]
    with monkeypatch.context() as patch:
        patch.setattr(RecordResource, "_load_lookups", load_then_wait)
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads), "a confirm never finished"
    return results


@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite has one writer at a time")
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("resource", RESOURCES, ids=lambda r: r.__name__)
def test_confirms_at_the_same_time_store_one_copy(resource, monkeypatch):
    make_register()
    results = _confirm_at_once(resource, 4, monkeypatch)

    for result in results:
        assert not isinstance(result, BaseException), result
        assert problems(result, resource) == []  # the later confirms found the records: no error
    added = sorted(len(result.added) for result in results)
    assert added[:-1] == [0, 0, 0]  # one confirm added the records, the others matched them
    assert added[-1] == resource.model.objects.count() > 0
    written = stored_counts()
    resource.model.objects.all().delete()
    assert written == _once(resource)  # the same as one import, details included


@pytest.mark.skipif(connection.vendor != "postgresql", reason="advisory locks are PostgreSQL's")
@pytest.mark.django_db
def test_the_lock_is_one_per_kind_of_record():
    keys = {database.import_lock_key(model) for model in (OutreachActivity, Survey, Solution, Specialist)}
    assert len(keys) == 4
    assert all(-(2**31) <= part < 2**31 for key in keys for part in key)
    with connection.cursor() as cursor:
        assert database.lock_imports_of(Survey)
        cursor.execute(
            "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid() "
            "AND classid::int = %s AND objid::int = %s",
            database.import_lock_key(Survey),
        )
        assert cursor.fetchone() == (1,)


@pytest.mark.django_db
def test_a_dry_run_takes_no_lock(monkeypatch):
    make_register()
    taken = []
    monkeypatch.setattr("cpdash.imports.lock_imports_of", lambda model, using: taken.append(model))
    run(SurveyResource, survey_rows(5), dry_run=True)
    assert taken == []
    run(SurveyResource, survey_rows(5))
    assert taken == [Survey]
