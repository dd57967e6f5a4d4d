"""What an import changes in the register: the kinds of change of one facility
(facilities.models.change_kinds, no database), the counts and rows of a crafted
import (FacilityResource), all or nothing, and the version a moment used."""

import datetime as dt

import pytest
from django.contrib.auth.models import User
from django.urls import reverse
from django.utils import timezone

from facilities import resources
from facilities.models import (
    AdministrativeUnit,
    Change,
    Facility,
    RegisterChange,
    RegisterVersion,
    Sector,
    change_kinds,
)
from facilities.resources import CHANGE_COMPARED, FacilityCSV, FacilityResource
from tests import builders
from tests.facilities.conftest import csv_bytes, good_row, problems, run_import

# --- One facility, no database -------------------------------------------------------------------

STORED = {
    "name": "Cơ sở",
    "sector_id": 1,
    "unit_id": 1,
    "area_id": None,
    "kind": "enterprise",
    "employees": 10,
    "in_scope": True,
    "opened_on": dt.date(2010, 1, 1),
    "closed_on": None,
}


def kinds(before: dict | None = STORED, **after: object) -> list[Change]:
    return change_kinds(before, {**STORED, **after}, CHANGE_COMPARED)


def test_every_compared_field_is_a_stored_field():
    assert set(CHANGE_COMPARED) == set(STORED)


@pytest.mark.parametrize(
    ("before", "after", "expected"),
    [
        (None, {}, [Change.NEW]),
        (STORED, {}, [Change.UNCHANGED]),
        (STORED, {"closed_on": dt.date(2015, 1, 1)}, [Change.CLOSED]),
        ({**STORED, "closed_on": dt.date(2015, 1, 1)}, {"closed_on": None}, [Change.REOPENED]),
        # A closing date corrected is neither closed nor reopened.
        ({**STORED, "closed_on": dt.date(2015, 1, 1)}, {"closed_on": dt.date(2016, 1, 1)}, [Change.OTHER]),
        (STORED, {"unit_id": 2}, [Change.MOVED_UNIT]),
        (STORED, {"sector_id": 2}, [Change.CHANGED_SECTOR]),
        (STORED, {"in_scope": False}, [Change.OUT_OF_SCOPE]),
        ({**STORED, "in_scope": False}, {"in_scope": True}, [Change.BACK_IN_SCOPE]),
        (STORED, {"name": "Cơ sở mới"}, [Change.OTHER]),
        (STORED, {"employees": None}, [Change.OTHER]),
        (STORED, {"opened_on": dt.date(2009, 1, 1)}, [Change.OTHER]),
        (
            STORED,
            {"unit_id": 2, "sector_id": 3, "in_scope": False, "name": "x", "closed_on": dt.date(2020, 1, 1)},
            [Change.CLOSED, Change.MOVED_UNIT, Change.CHANGED_SECTOR, Change.OUT_OF_SCOPE, Change.OTHER],
        ),
    ],
)
def test_change_kinds(before, after, expected):
    assert kinds(before, **after) == expected


# --- A crafted import ----------------------------------------------------------------------------

CLOSED = {"closed_on": "2014-01-01"}
# code → (the row first imported, the row imported again); None: not in that file.
CRAFTED = {
    "F01": ({}, {}),  # unchanged
    "F02": (CLOSED, {}),  # reopened
    "F03": ({}, {"closed_on": "2015-06-30"}),  # closed
    "F04": ({}, {"unit": "Đông Anh"}),  # moved unit
    "F05": ({}, {"sector": "Cơ khí"}),  # changed sector
    "F06": ({}, {"in_scope": "no"}),  # out of scope
    "F07": ({"in_scope": "no"}, {"in_scope": "yes"}),  # back in scope
    "F08": ({}, {"employees": "40"}),  # other
    "F09": ({}, {"unit": "Hà Đông", "sector": "Dệt may"}),  # moved unit and changed sector
    "F10": (None, {}),  # new
    "F11": ({}, None),  # not in the second file: untouched
}
EXPECTED_COUNTS = {
    Change.NEW: 1,
    Change.REOPENED: 1,
    Change.CLOSED: 1,
    Change.MOVED_UNIT: 2,
    Change.CHANGED_SECTOR: 2,
    Change.OUT_OF_SCOPE: 1,
    Change.BACK_IN_SCOPE: 1,
    Change.OTHER: 1,
    Change.UNCHANGED: 1,
}


def _file(which: int, extra: list[dict] | None = None) -> bytes:
    rows = [good_row(code, **rows[which]) for code, rows in CRAFTED.items() if rows[which] is not None]
    rows.insert(3, {})  # a blank row: not a facility, counted in no kind
    return csv_bytes(rows + (extra or []))


def _import(data: bytes, dry_run: bool = False, user: User | None = None, name: str = "register.csv"):
    dataset = FacilityCSV().create_dataset(data)
    return FacilityResource().import_data(dataset, dry_run=dry_run, user=user, file_name=name)


@pytest.fixture
def first(register) -> RegisterVersion:
    result = _import(_file(0), name="first.csv")
    assert problems(result) == []
    return result.register_version


def test_a_first_import_is_version_one_all_new(first):
    assert first.number == 1
    assert dict(first.counts()) == {**dict.fromkeys(Change, 0), Change.NEW: 10}
    assert first.file_name == "first.csv"
    assert set(first.changes.values_list("code", flat=True)) == {f"F{n:02d}" for n in range(1, 12)} - {"F10"}
    assert first.changes.filter(new=True).count() == 10


def test_the_dry_run_counts_each_kind_and_writes_nothing(first):
    result = _import(_file(1), dry_run=True)

    assert problems(result) == []
    assert result.register_changes == EXPECTED_COUNTS
    assert result.register_version is None
    assert list(RegisterVersion.objects.values_list("number", flat=True)) == [1]
    assert RegisterChange.objects.filter(version__number=2).count() == 0


def test_the_import_stores_its_version_with_counts_and_a_row_per_facility_changed(first, admin_user):
    result = _import(_file(1), user=admin_user, name="second.xlsx")

    version = RegisterVersion.objects.get(number=2)
    assert result.register_version == version
    assert result.register_changes == EXPECTED_COUNTS
    assert dict(version.counts()) == EXPECTED_COUNTS
    assert (version.imported_by, version.file_name) == (admin_user, "second.xlsx")
    assert version.imported_at >= first.imported_at
    changes = version.changes.select_related("facility", "unit_before", "unit_after")
    rows = {change.code: change for change in changes}
    assert {code: [k.value for k in change.kinds()] for code, change in rows.items()} == {
        "F02": ["reopened"],
        "F03": ["closed"],
        "F04": ["moved_unit"],
        "F05": ["changed_sector"],
        "F06": ["out_of_scope"],
        "F07": ["back_in_scope"],
        "F08": ["other"],
        "F09": ["moved_unit", "changed_sector"],
        "F10": ["new"],
    }
    assert all(change.facility.code == code for code, change in rows.items())
    both = RegisterChange.objects.select_related("unit_before", "unit_after", "sector_before", "sector_after").get(
        version=version, code="F09"
    )
    assert [str(x) for x in (both.unit_before, both.unit_after, both.sector_before, both.sector_after)] == [
        "Gia Lâm",
        "Hà Đông",
        "Gốm sứ",
        "Dệt may",
    ]
    moved = rows["F04"]
    assert (moved.unit_before.name, moved.unit_after.name) == ("Gia Lâm", "Đông Anh")
    assert moved.sector_before_id is None and moved.sector_after_id is None  # only what changed
    assert rows["F10"].unit_before_id is None


def test_an_unchanged_import_is_a_version_of_unchanged_facilities(first):
    result = _import(_file(0))

    assert result.register_version.number == 2
    assert dict(result.register_version.counts()) == {**dict.fromkeys(Change, 0), Change.UNCHANGED: 10}
    assert not result.register_version.changes.exists()


def test_a_bad_row_writes_no_version_and_no_change(first):
    facilities_before = list(Facility.objects.order_by("code").values_list("code", "closed_on", "unit_id"))

    result = _import(_file(1, extra=[good_row("F99", sector="Không có")]))

    assert problems(result) == [(13, "sector", "Unknown sector “Không có”.")]
    assert result.register_version is None
    assert list(RegisterVersion.objects.values_list("number", flat=True)) == [1]
    assert not RegisterChange.objects.exclude(version=first).exists()
    assert list(Facility.objects.order_by("code").values_list("code", "closed_on", "unit_id")) == facilities_before


def test_a_write_failing_in_a_later_chunk_takes_back_the_version_and_the_earlier_chunks(first, monkeypatch):
    monkeypatch.setattr(resources, "CHUNK", 3)
    written = []
    real_write = FacilityResource._write

    def write(self, chunk):
        written.append(len(chunk.new) + len(chunk.updated))
        if len(written) == 3:
            raise RuntimeError("disk full")
        real_write(self, chunk)

    monkeypatch.setattr(FacilityResource, "_write", write)

    result = run_import(_file(1))

    assert result.has_errors()
    assert len(written) == 3  # two chunks were written before the failure
    assert list(RegisterVersion.objects.values_list("number", flat=True)) == [1]
    assert RegisterChange.objects.count() == 10  # the first version's alone
    assert Facility.objects.get(code="F04").unit.name == "Gia Lâm"


def test_the_next_version_follows_the_last(first):
    assert _import(_file(1)).register_version.number == 2
    assert _import(_file(0)).register_version.number == 3


# --- The version a moment used ----------------------------------------------------------------


def test_a_moment_used_the_latest_version_imported_before_it(db):
    versions = [RegisterVersion.begin(user=None) for _ in range(3)]
    moments = [timezone.make_aware(dt.datetime(2024, 1, day, 12)) for day in (1, 2, 3)]
    for version, moment in zip(versions, moments, strict=True):
        version.imported_at = moment
        version.save()

    assert RegisterVersion.objects.as_of(moments[0] - dt.timedelta(seconds=1)) is None
    assert RegisterVersion.objects.as_of(moments[0]) == versions[0]
    assert RegisterVersion.objects.as_of(moments[1] + dt.timedelta(hours=1)) == versions[1]
    assert RegisterVersion.objects.as_of(timezone.now()) == versions[2]


def test_a_version_names_its_number_and_day(db, settings):
    settings.TIME_ZONE = "Asia/Ho_Chi_Minh"
    version = RegisterVersion.begin(user=None)
    version.imported_at = dt.datetime(2024, 3, 4, 20, 0, tzinfo=dt.UTC)  # 5 March in Hanoi
    assert str(version) == "register version 1 of 05/03/2024"  # day first, in both languages


def test_deleting_a_facility_keeps_its_change_rows_by_code_and_removes_its_pathway(first):
    """RegisterChange.facility and the pathway's facility have no database constraint (an
    import's commit would check every new row again): Django's on_delete does their work."""
    from programmes.models import FacilityPathway

    facility = Facility.objects.get(code="F01")
    assert FacilityPathway.objects.filter(facility=facility).exists()

    facility.delete()

    change = first.changes.select_related("facility").get(code="F01")
    assert change.facility is None  # its id kept, naming no row
    assert not FacilityPathway.objects.filter(facility_id=facility.pk).exists()


def test_a_facility_restored_from_its_history_is_named_by_its_changes_again(first, client, admin_user):
    facility = Facility.objects.get(code="F01")
    pk = facility.pk
    facility.delete()
    client.force_login(admin_user)
    client.cookies["django_language"] = "en"
    page = reverse("register:version", args=[first.number])
    assert "(deleted since)" in client.get(page, {"kind": "new"}).content.decode()

    Facility.history.filter(id=pk, history_type="-").get().instance.save()  # as the admin's revert does

    shown = client.get(page, {"kind": "new"}).content.decode()
    assert facility.name in shown
    assert "(deleted since)" not in shown
    assert reverse("facilities:detail", args=["F01"]) in shown


def _second_change(first: dict, second: dict) -> RegisterChange:
    """The change row of ``second``'s import, after ``first``'s (both of one facility)."""
    assert problems(_import(csv_bytes([first]), name="first.csv")) == []
    assert problems(_import(csv_bytes([second]), name="second.csv")) == []
    return RegisterChange.objects.get(version__number=2, code=second["code"])


def test_deleting_a_sector_clears_it_from_the_change_rows_and_keeps_them(register):
    """RegisterChange's units and sectors before and after have no database constraint
    either (copies of the facility's own, checked by its constraints): deleting a sector that
    no facility is in any more clears it from the change rows (Django's SET_NULL); the rows stay."""
    builders.sector("Giấy")
    change = _second_change(good_row("F1", sector="Giấy"), good_row("F1", sector="Cơ khí"))
    assert change.changed_sector and change.sector_before.name == "Giấy"

    Sector.objects.get(name="Giấy").delete()

    change.refresh_from_db()
    assert (change.sector_before_id, change.sector_after.name, change.changed_sector) == (None, "Cơ khí", True)


def test_deleting_a_unit_clears_it_from_the_change_rows_and_keeps_them(register):
    """As for sectors: a unit that no facility or membership names any more (its only facility
    moved and was then deleted) is cleared from the change rows when deleted; the rows stay."""
    builders.unit("Sóc Sơn")
    change = _second_change(good_row("F1", unit="Sóc Sơn", production_area="", area_type=""), good_row("F1"))
    facility = Facility.objects.get(code="F1")
    pk = facility.pk
    facility.delete()
    assert change.moved_unit and change.unit_before.name == "Sóc Sơn"

    AdministrativeUnit.objects.get(name="Sóc Sơn").delete()

    change.refresh_from_db()
    # The deleted facility's id stays (naming no row), as a facility restored would be named again.
    assert (change.unit_before_id, change.unit_after.name, change.facility_id) == (None, "Gia Lâm", pk)


def test_deleting_a_version_deletes_its_change_rows(first):
    assert RegisterChange.objects.filter(version=first).count() == 10

    first.delete()

    assert RegisterChange.objects.count() == 0
