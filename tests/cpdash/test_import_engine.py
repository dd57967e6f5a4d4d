"""The one import engine (cpdash.imports.ImportEngine): both kinds of import run through its
driver, chunk by chunk, with their own hooks."""

import contextlib
import sys

import pytest
import tablib
from import_export.results import Result

from cpdash.imports import WRITE_SWITCH_INTERVAL, ImportEngine, RecordResource, _SwitchInterval
from facilities.resources import FacilityResource


class Toy(ImportEngine):
    """Records what the driver asks of its hooks."""

    def __init__(self, chunk_size=None, bad=(), **kwargs):
        super().__init__(**kwargs)
        self.chunk_size, self.bad, self.calls = chunk_size, set(bad), []

    def get_result_class(self):
        return Result

    def import_transaction(self, dry_run):
        self.calls.append(("transaction", dry_run))
        return contextlib.nullcontext()

    def begin_import(self, dataset, result, **kwargs):
        self.calls.append(("begin",))
        return ["code"]

    def read_chunk(self, rows):
        self.calls.append(("read", [number for number, _ in rows]))
        return rows

    def match_chunk(self, chunk):
        repeated = [number for number, (code,) in chunk if self.first_row(code, number) != number]
        self.calls.append(("match", repeated))

    def keep_rows(self, chunk, result):
        self.failed = self.failed or any(code in self.bad for _, (code,) in chunk)

    def write_chunk(self, chunk, result):
        self.calls.append(("write", [number for number, _ in chunk]))

    def end_import(self, result):
        self.calls.append(("end",))

    def after_commit(self, result):
        self.calls.append(("after",))


ROWS = [("A",), ("B",), ("C",), ("A",), ("D",)]


def test_chunks_of_a_streamed_import_and_a_key_repeated_across_them():
    rows_read = []
    toy = Toy(chunk_size=2, progress=lambda: rows_read.append(1))

    toy.import_data(ROWS)

    assert toy.calls == [
        ("transaction", False),
        ("begin",),
        ("read", [1, 2]),
        ("match", []),
        ("write", [1, 2]),
        ("read", [3, 4]),
        ("match", [4]),  # "A" first in row 1, an earlier chunk
        ("write", [3, 4]),
        ("read", [5]),
        ("match", []),
        ("write", [5]),
        ("end",),
        ("after",),
    ]
    assert len(rows_read) == 5


def test_the_whole_file_is_one_chunk_without_a_chunk_size():
    toy = Toy()
    toy.import_data(ROWS)
    every_row = [1, 2, 3, 4, 5]
    assert [c for c in toy.calls if c[0] in {"read", "write"}] == [("read", every_row), ("write", every_row)]

    empty = Toy()
    empty.import_data([])
    assert ("read", []) in empty.calls  # an empty file is still one chunk (the lock, the phases)


class CheckingToy(Toy):
    """A whole-file import that counts each row as it checks it (as RecordResource.read_chunk)."""

    def read_chunk(self, rows):
        for number, _cells in rows:
            self.calls.append(("check", number))
            self.checked()
        return rows


def test_a_whole_file_chunk_counts_its_rows_as_they_are_checked_not_as_they_are_read_in():
    """A job's page shows rows checked: the whole file read into one chunk is not a row checked."""
    seen = []
    toy = CheckingToy(progress=lambda: seen.append(len([c for c in toy.calls if c[0] == "check"])))

    toy.import_data(ROWS)

    assert seen == [1, 2, 3, 4, 5]  # each tick after its row's check


def test_a_whole_file_record_import_ticks_while_it_checks(db, monkeypatch):
    """RecordResource: no tick before the first row is checked, one per row, blank ones too."""
    from programmes.resources import SpecialistResource

    checks = []
    resource = SpecialistResource(progress=lambda: checks.append("tick"))
    monkeypatch.setattr(resource, "check_row", lambda row: checks.append("check"))
    dataset = tablib.Dataset(
        ["Gia Lâm", "A", "", "2012-03-01", ""], ["", "", "", "", ""], ["Gia Lâm", "B", "", "2012-03-01", ""]
    )
    dataset.headers = ["unit", "name", "position", "appointed_on", "left_on"]

    resource.import_data(dataset, dry_run=True)

    assert checks == ["tick", "check", "tick", "check", "tick"]  # the blank row first


@pytest.mark.parametrize("dry_run", [False, True])
def test_no_write_after_an_invalid_row_or_in_a_dry_run(dry_run):
    toy = Toy(chunk_size=2, bad={"C"})
    toy.import_data(ROWS, dry_run=dry_run)
    writes = [c for c in toy.calls if c[0] == "write"]
    assert writes == ([] if dry_run else [("write", [1, 2])])
    assert toy.calls[-2:] == [("end",), ("after",)]


def test_both_kinds_of_import_run_through_the_engine():
    for resource in (FacilityResource, RecordResource):
        assert issubclass(resource, ImportEngine)
        assert resource.import_data is ImportEngine.import_data


def test_overlapping_imports_leave_the_switch_interval_as_they_found_it():
    """Two imports of one process overlapping their writes (in threads): the short interval holds
    while either runs, and the process's own is back once both have ended, whichever ends first
    (each setting back what it found would leave the short one behind)."""
    interval = sys.getswitchinterval()
    assert interval > WRITE_SWITCH_INTERVAL
    state = _SwitchInterval()

    try:
        state.take()  # the first import
        state.take()  # the second, while the first runs
        state.give_back()  # the first ends

        assert sys.getswitchinterval() == WRITE_SWITCH_INTERVAL
        state.give_back()  # the second ends
        assert sys.getswitchinterval() == interval
    finally:
        sys.setswitchinterval(interval)  # whatever failed, not the next tests' trouble
