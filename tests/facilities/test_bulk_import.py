"""The bulk write path of FacilityResource.import_data writes what the per-row path
wrote: the facilities, one history entry per facility written (by the importing user,
reason "import"), and pathway rows equal to a rebuild from the records; and an invalid
row anywhere in the file, even after chunks were written, leaves nothing written."""

import datetime as dt
import sys
import threading
import time

import pytest
from django.db import DatabaseError, connection
from django.db.models import F
from django.forms.models import model_to_dict
from django.utils import timezone, translation

from cpdash import imports
from cpdash.imports import WRITE_SWITCH_INTERVAL
from facilities import resources
from facilities.models import Facility
from facilities.resources import FacilityCSV, FacilityResource
from programmes import pathway
from programmes.models import FacilityPathway, SavingStep
from tests import builders
from tests.facilities.conftest import csv_bytes, good_row, problems

# The two ways callers use the resource: the admin (per-row preview and retained
# instances) and the command or a background job (html_diff=False: counts and problems).
MODES = {
    "admin": ({}, {"retain_instance_in_row_result": True}),
    "command": ({"html_diff": False}, {}),
}


def run(rows, user=None, mode="command", dry_run=False):
    resource_kwargs, import_kwargs = MODES[mode]
    dataset = FacilityCSV().create_dataset(csv_bytes(rows))
    return FacilityResource(**resource_kwargs).import_data(dataset, dry_run=dry_run, user=user, **import_kwargs)


def facilities() -> dict[str, dict]:
    return {f.code: model_to_dict(f, exclude=["id"]) | {"search_text": f.search_text} for f in Facility.objects.all()}


def history() -> list[tuple]:
    entries = Facility.history.order_by("code", "history_id")
    fields = ("code", "name", "sector_id", "unit_id", "area_id", "kind", "employees", "in_scope", "opened_on")
    return list(entries.values_list("history_type", "history_user_id", "history_change_reason", *fields, "closed_on"))


def pathway_rows() -> tuple[list, list]:
    return (
        sorted(FacilityPathway.objects.values_list(*[f.attname for f in FacilityPathway._meta.concrete_fields])),
        sorted(SavingStep.objects.values_list("facility_id", "resource", "since", "best", "previous", "until")),
    )


def state() -> tuple:
    return facilities(), history(), pathway_rows()


@pytest.fixture
def first_import(register, admin_user):
    """F1–F3 imported by the admin; F2 then has a survey and a measured saving (pathway milestones)."""
    result = run([good_row("F1"), good_row("F2"), good_row("F3")], user=admin_user)
    assert problems(result) == []
    f2 = Facility.objects.get(code="F2")
    builders.survey(f2, surveyed_on=dt.date(2012, 6, 1))
    builders.solution(f2, savings={"energy": (100, 94)})


@pytest.mark.parametrize("mode", MODES)
def test_new_updated_unchanged_and_blank_rows(first_import, admin_user, mode):
    rows = [
        good_row("F1"),  # unchanged
        good_row("F2", unit="Đông Anh", production_area="Thăng Long", area_type="kcn", kind="", in_scope="no"),
        good_row("F3", name="Renamed", employees="", closed_on="2020-01-01"),
        {},  # blank
        good_row("F4", sector="Cơ khí", production_area="", area_type=""),
    ]

    result = run(rows, user=admin_user, mode=mode)

    assert problems(result) == []
    assert [result.totals[t] for t in ("new", "update", "skip", "invalid")] == [1, 2, 2, 0]
    if mode == "admin":  # one RowResult per row, with the preview's diff and the instance written
        assert [r.import_type for r in result.rows] == ["skip", "update", "update", "skip", "new"]
        assert result.rows[4].instance.pk == Facility.objects.get(code="F4").pk
        assert result.rows[2].object_repr == "Renamed (F3)"
        assert all(len(r.diff) == len(result.diff_headers) for r in result.rows if r.diff is not None)
    else:  # only the rows with problems: none
        assert result.rows == []

    stored = facilities()
    assert set(stored) == {"F1", "F2", "F3", "F4"}
    f2, f3, f4 = (Facility.objects.get(code=c) for c in ("F2", "F3", "F4"))
    assert (f2.unit.name, f2.area.name, f2.kind, f2.in_scope) == ("Đông Anh", "Thăng Long", "enterprise", False)
    assert (f3.name, f3.employees, f3.closed_on, f3.search_text) == ("Renamed", None, dt.date(2020, 1, 1), "f3 renamed")
    assert (f4.sector.name, f4.area, f4.kind, f4.employees) == ("Cơ khí", None, "household", 12)
    assert stored["F1"] == model_to_dict(Facility(**good_facility("F1")), exclude=["id"]) | {
        "search_text": "f1 co so f1"
    }

    # One entry per facility written: "+" when created, "~" when changed, by the admin, reason "import";
    # each holds the facility as it was then written.
    entries = history()
    assert [(e[0], e[1], e[2], e[3]) for e in entries] == [
        ("+", admin_user.pk, "import", "F1"),
        ("+", admin_user.pk, "import", "F2"),
        ("~", admin_user.pk, "import", "F2"),
        ("+", admin_user.pk, "import", "F3"),
        ("~", admin_user.pk, "import", "F3"),
        ("+", admin_user.pk, "import", "F4"),
    ]
    for entry in entries:
        facility = Facility.objects.get(code=entry[3])
        if entry[0] == "~" or entry[3] in {"F1", "F4"}:
            assert entry[3:] == (
                facility.code,
                facility.name,
                facility.sector_id,
                facility.unit_id,
                facility.area_id,
                facility.kind,
                facility.employees,
                facility.in_scope,
                facility.opened_on,
                facility.closed_on,
            )

    # The pathway the import kept is the one the records give.
    kept = pathway_rows()
    pathway.rebuild()
    assert kept == pathway_rows()
    # F2 moved to Đông Anh on the day of the import: a row per unit, the same milestones.
    before, row = FacilityPathway.objects.filter(facility=f2).order_by(F("since").asc(nulls_first=True))
    assert (row.surveyed_on, row.unit_id, row.in_scope, row.area_kind) == (
        dt.date(2012, 6, 1),
        f2.unit_id,
        False,
        "industrial_zone",
    )
    assert (before.since, before.until, row.since, row.until) == (
        None,
        timezone.localdate(),
        timezone.localdate(),
        None,
    )
    assert before.unit_id != f2.unit_id and before.surveyed_on == row.surveyed_on


def good_facility(code: str) -> dict:
    """The stored fields of conftest.good_row(code) as imported."""
    f = Facility.objects.get(code=code)
    return {
        "code": code,
        "name": f"Cơ sở {code}",
        "sector": f.sector,
        "unit": f.unit,
        "area": f.area,
        "kind": "household",
        "employees": 12,
        "in_scope": True,
        "opened_on": dt.date(2010, 3, 15),
        "closed_on": None,
    }


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("bad_at", [0, 4, 9])  # first chunk, a middle one, the last one
def test_an_invalid_row_anywhere_writes_nothing(first_import, admin_user, monkeypatch, mode, bad_at):
    """Chunks of 3 rows: the chunks before the bad row were written, then rolled back."""
    monkeypatch.setattr(resources, "CHUNK", 3)
    before = state()
    rows = [good_row("F1", name="Changed"), good_row("F2", employees="40")]
    rows += [good_row(f"N{n}") for n in range(8)]
    rows.insert(bad_at, good_row("BAD", opened_on="soon"))

    result = run(rows, user=admin_user, mode=mode)

    assert problems(result) == [(bad_at + 2, "opened_on", "“soon” is not a date: write YYYY-MM-DD or DD/MM/YYYY.")]
    assert result.totals["invalid"] == 1
    assert state() == before


@pytest.mark.parametrize("mode", MODES)
def test_chunks_give_the_same_result_as_one(register, admin_user, monkeypatch, mode):
    """Duplicate codes across chunks are still found, with the row they first appear in."""
    monkeypatch.setattr(resources, "CHUNK", 2)
    rows = [good_row("F1"), good_row("F2"), good_row("F3"), good_row("F1", name="Again")]

    result = run(rows, user=admin_user, mode=mode)

    assert problems(result) == [(5, "code", "Code “F1” is also in row 2: list each facility once.")]
    assert not Facility.objects.exists() and not Facility.history.exists()

    rows = [good_row(f"F{n}") for n in range(7)]
    assert problems(run(rows, user=admin_user, mode=mode)) == []
    assert Facility.objects.count() == Facility.history.count() == FacilityPathway.objects.count() == 7


@pytest.mark.parametrize("mode", MODES)
def test_chunks_of_names_alone_leave_the_pathway_as_a_rebuild_gives(first_import, admin_user, monkeypatch, mode):
    """A chunk whose facilities changed no field the pathway copies (a name, employees) writes
    neither memberships nor pathway rows; the next chunk's closing, and the last one's move,
    are followed. Chunks of one row: F1 renamed, F2 moved, F3's employees and closing day."""
    monkeypatch.setattr(resources, "CHUNK", 1)
    before = pathway_rows()
    renamed = [good_row("F1", name="Renamed"), good_row("F2"), good_row("F3", employees="40")]

    assert problems(run(renamed, user=admin_user, mode=mode)) == []
    assert Facility.objects.get(code="F1").name == "Renamed"
    assert pathway_rows() == before

    changed = [
        good_row("F1", name="Renamed"),
        good_row("F2", unit="Đông Anh", production_area="Thăng Long", area_type="kcn"),
        good_row("F3", employees="40", closed_on="2020-01-01"),
    ]
    assert problems(run(changed, user=admin_user, mode=mode)) == []
    kept = pathway_rows()
    assert kept != before
    assert FacilityPathway.objects.get(facility__code="F3").closed_on == dt.date(2020, 1, 1)
    assert FacilityPathway.objects.filter(facility__code="F2").count() == 2
    pathway.rebuild()
    assert kept == pathway_rows()


@pytest.mark.parametrize("mode", MODES)
def test_a_bad_cell_repeated_across_chunks_is_reported_on_each_row(register, admin_user, monkeypatch, mode):
    """Cells are read column by column, each distinct cell once per chunk: every row still
    gets its own problem, with its own row number and the same message."""
    monkeypatch.setattr(resources, "CHUNK", 2)
    rows = [good_row("F1", sector="Hóa chất"), good_row("F2"), good_row("F3", sector="Hóa chất")]
    rows += [good_row("F4", sector="Hóa chất", opened_on="soon")]

    result = run(rows, user=admin_user, mode=mode)

    unknown = "Unknown sector “Hóa chất”."
    assert problems(result) == [
        (2, "sector", unknown),
        (4, "sector", unknown),
        (5, "sector", unknown),
        (5, "opened_on", "“soon” is not a date: write YYYY-MM-DD or DD/MM/YYYY."),
    ]
    assert not Facility.objects.exists()


def test_a_dry_run_writes_nothing_and_counts_as_the_import(first_import):
    before = state()
    rows = [good_row("F1"), good_row("F2", name="Changed"), good_row("F9")]

    result = run(rows, dry_run=True)

    assert [result.totals[t] for t in ("new", "update", "skip")] == [1, 1, 1]
    assert state() == before


def test_names_with_tabs_backslashes_and_line_breaks_are_stored_as_read(register):
    """PostgreSQL writes new facilities with COPY's text format, which escapes these."""
    name = "Lò\tgốm \\N\\ “Bát\r\nTràng”"

    assert problems(run([good_row("F1", name=name)])) == []

    assert Facility.objects.get().name == name
    assert Facility.history.get().name == name


# --- Each chunk's writes beside the reading of the next (cpdash.imports._ChunkWrites) ----------------


def recorded_writes(monkeypatch, fail_on: int | None = None, pause: float = 0.0) -> list[str]:
    """Wraps FacilityResource._write: the name of the thread each chunk is written in; the
    ``fail_on``-th write (from 1) raises a DatabaseError; each write waits ``pause`` s first
    (so that the import's thread goes on while it is under way)."""
    threads: list[str] = []
    write = FacilityResource._write

    def recording(self, chunk):
        threads.append(threading.current_thread().name)
        time.sleep(pause)
        if len(threads) == fail_on:
            raise DatabaseError("disk full")
        write(self, chunk)

    monkeypatch.setattr(FacilityResource, "_write", recording)
    return threads


def test_chunks_are_written_in_a_thread_of_their_own_on_postgresql(register, admin_user, monkeypatch):
    """On PostgreSQL each chunk is written in the import's write thread, on the import's own
    connection and transaction (what it wrote is there after the commit, with its pathway);
    on SQLite in the import's thread."""
    monkeypatch.setattr(resources, "CHUNK", 2)
    threads = recorded_writes(monkeypatch)

    assert problems(run([good_row(f"F{n}") for n in range(5)], user=admin_user)) == []

    expected = "import-write" if connection.vendor == "postgresql" else threading.current_thread().name
    assert threads == [expected] * 3
    assert Facility.objects.count() == Facility.history.count() == FacilityPathway.objects.count() == 5
    kept = pathway_rows()
    pathway.rebuild()
    assert kept == pathway_rows()


def test_the_write_thread_gets_the_gil_back_sooner_while_chunks_overlap(register, admin_user, monkeypatch):
    """While chunks are written beside the reading of the next (PostgreSQL), the GIL's switch
    interval is WRITE_SWITCH_INTERVAL, so that the write thread goes on soon after each of its
    statements; the process's own again once the import is done. SQLite leaves it as it is."""
    monkeypatch.setattr(resources, "CHUNK", 2)
    interval = sys.getswitchinterval()
    assert interval > WRITE_SWITCH_INTERVAL
    seen = []
    write = FacilityResource._write

    def recording(self, chunk):
        seen.append(sys.getswitchinterval())
        write(self, chunk)

    monkeypatch.setattr(FacilityResource, "_write", recording)

    assert problems(run([good_row(f"F{n}") for n in range(5)], user=admin_user)) == []

    assert seen == [WRITE_SWITCH_INTERVAL if connection.vendor == "postgresql" else interval] * 3
    assert sys.getswitchinterval() == interval


def test_only_writes_shorten_the_switch_interval(register, admin_user, monkeypatch):
    """A dry run (the check before a job's import) writes nothing, so it leaves the switch
    interval alone; the import itself shortens it once per chunk written beside the reading
    (PostgreSQL), and gives it back as often."""
    monkeypatch.setattr(resources, "CHUNK", 2)
    calls = []
    monkeypatch.setattr(imports._switch_interval, "take", lambda: calls.append("take"))
    monkeypatch.setattr(imports._switch_interval, "give_back", lambda: calls.append("give back"))
    rows = [good_row(f"F{n}") for n in range(5)]

    assert problems(run(rows, user=admin_user, dry_run=True)) == []
    assert calls == []

    assert problems(run(rows, user=admin_user)) == []
    assert calls == (["take", "give back"] * 3 if connection.vendor == "postgresql" else [])


@pytest.mark.parametrize("mode", MODES)
def test_a_chunk_whose_write_fails_writes_nothing_and_stops_the_writes(first_import, admin_user, monkeypatch, mode):
    """The second chunk's write fails while the third is read: the failure is the import's
    error, the third chunk is not written, and the first chunk's rows are taken back."""
    monkeypatch.setattr(resources, "CHUNK", 2)
    before = state()
    threads = recorded_writes(monkeypatch, fail_on=2)

    result = run([good_row(f"N{n}") for n in range(6)], user=admin_user, mode=mode)

    assert result.has_errors()
    assert "disk full" in str(result.base_errors[0].error)
    assert len(threads) == 2
    assert state() == before


class Cancelled(BaseException):
    """What a cancelled job raises in the import's thread (jobs.progress.JobCancelled)."""


def test_a_cancelled_import_waits_for_its_write_and_writes_nothing(first_import, admin_user, monkeypatch):
    """Cancelled while the first chunk is being written (PostgreSQL): the import's transaction
    ends only once that write has, and takes back everything written."""
    monkeypatch.setattr(resources, "CHUNK", 2)
    before = state()
    threads = recorded_writes(monkeypatch, pause=0.2)
    rows_read = 0

    def progress():
        nonlocal rows_read
        rows_read += 1
        if rows_read == 6:  # the third chunk read: the first one's write is under way
            raise Cancelled

    dataset = FacilityCSV().create_dataset(csv_bytes([good_row(f"N{n}") for n in range(6)]))
    with pytest.raises(Cancelled):
        FacilityResource(progress=progress, html_diff=False).import_data(dataset, user=admin_user)

    # PostgreSQL: the first chunk's write was under way; SQLite wrote the first two as they were read.
    assert len(threads) == (1 if connection.vendor == "postgresql" else 2)
    assert not any(t.name == "import-write" for t in threading.enumerate())
    assert state() == before
    assert sys.getswitchinterval() > WRITE_SWITCH_INTERVAL  # set back, however the import ended


def test_a_chunk_s_checks_read_nothing_while_the_chunk_before_is_written(register, admin_user, monkeypatch):
    """Rows naming a unit that had ended say which units succeeded it: read with the units
    before the first chunk, so that no check reads the database while the chunk before is
    being written (on PostgreSQL a statement from the import's thread then raises)."""
    monkeypatch.setattr(resources, "CHUNK", 2)
    recorded_writes(monkeypatch, pause=0.1)
    ended = builders.unit("Từ Liêm", valid_until=dt.date(2013, 12, 31))
    builders.unit("Bắc Từ Liêm", valid_from=dt.date(2014, 1, 1)).predecessors.add(ended)
    rows = [good_row(f"N{n}") for n in range(4)]
    rows += [good_row("LATE", unit="Từ Liêm", production_area="", area_type="", opened_on="2014-03-01")]

    result = run(rows, user=admin_user)

    [(row, column, message)] = problems(result)
    assert (row, column) == (6, "unit") and "Bắc Từ Liêm" in message
    assert not Facility.objects.exists()


def test_a_read_while_a_chunk_is_written_is_refused(register, admin_user, monkeypatch):
    """The guard itself: a check that reads the database while the chunk before is being
    written stops the import with an error (PostgreSQL; SQLite writes each chunk at once)."""
    monkeypatch.setattr(resources, "CHUNK", 2)
    recorded_writes(monkeypatch, pause=0.2)
    checks = FacilityResource._row_checks

    def reading(self, values, *args, **kwargs):
        Facility.objects.exists()
        return checks(self, values, *args, **kwargs)

    monkeypatch.setattr(FacilityResource, "_row_checks", reading)
    rows = [good_row(f"N{n}") for n in range(4)]

    if connection.vendor != "postgresql":
        assert problems(run(rows, user=admin_user)) == []
        return
    with pytest.raises(RuntimeError, match="while one of its chunks was being written"):
        run(rows, user=admin_user)
    assert not Facility.objects.exists()


def test_a_write_thread_that_cannot_start_leaves_the_connection_as_it_was(register, admin_user, monkeypatch):
    """A write thread that cannot start (no thread left in the process) fails the import,
    and the connection is the import's alone again: no guard left on it, nothing written."""
    monkeypatch.setattr(resources, "CHUNK", 2)
    wrappers = list(connection.execute_wrappers)
    start = threading.Thread.start

    def failing(thread):
        if thread.name == "import-write":
            raise RuntimeError("can't start new thread")
        start(thread)

    monkeypatch.setattr(threading.Thread, "start", failing)
    rows = [good_row(f"N{n}") for n in range(4)]
    if connection.vendor == "postgresql":
        with pytest.raises(RuntimeError, match="can't start new thread"):
            run(rows, user=admin_user)
    else:  # SQLite writes each chunk in the import's thread
        assert problems(run(rows, user=admin_user)) == []
    assert connection.execute_wrappers == wrappers
    assert Facility.objects.count() == (0 if connection.vendor == "postgresql" else 4)


def test_chunks_are_written_in_the_import_s_language(register, admin_user, monkeypatch):
    """The write thread writes in the import's language and time zone (asgiref locals, which
    a copied context does not carry)."""
    monkeypatch.setattr(resources, "CHUNK", 2)
    seen = []
    write = FacilityResource._write

    def recording(self, chunk):
        seen.append((translation.get_language(), str(timezone.get_current_timezone())))
        write(self, chunk)

    monkeypatch.setattr(FacilityResource, "_write", recording)
    with translation.override("vi"), timezone.override(dt.UTC):
        result = run([good_row(f"N{n}") for n in range(3)], user=admin_user)

    assert problems(result) == [] and not result.has_errors()
    assert seen == [("vi", "UTC")] * 2
    assert Facility.objects.count() == 3
