"""``manage.py import_facilities``: same import as the admin, from a file path."""

import io
import time
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from facilities.models import Facility, RegisterVersion
from tests.facilities.conftest import csv_bytes, good_row, rows_of, xlsx_bytes


def run(path: Path, *args: str) -> tuple[str, str]:
    """(stdout, stderr) of the command; CommandError propagates."""
    out, err = io.StringIO(), io.StringIO()
    call_command("import_facilities", str(path), *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def test_csv_is_imported(register, tmp_path):
    out, _ = run(write(tmp_path, "list.csv", csv_bytes(rows_of(3))))

    assert out.startswith("Imported: 3 new, 0 updated, 0 unchanged or blank")
    assert Facility.objects.count() == 3


def test_reimport_updates_by_code(register, tmp_path):
    run(write(tmp_path, "list.csv", csv_bytes(rows_of(3))))
    rows = rows_of(3)
    rows[0]["name"] = "Renamed"

    out, _ = run(write(tmp_path, "again.csv", csv_bytes(rows)))

    assert out.startswith("Imported: 0 new, 1 updated, 2 unchanged or blank")
    assert Facility.objects.count() == 3
    assert Facility.objects.get(code="F00001").name == "Renamed"


def test_xlsx_is_read_by_extension(register, tmp_path):
    out, _ = run(write(tmp_path, "LIST.XLSX", xlsx_bytes(rows_of(2))))

    assert "2 new" in out
    assert Facility.objects.count() == 2


def test_dry_run_writes_nothing(register, tmp_path):
    out, _ = run(write(tmp_path, "list.csv", csv_bytes(rows_of(2))), "--dry-run")

    assert out.startswith("Dry run, nothing written: 2 new")
    assert not Facility.objects.exists()


def test_row_errors_are_printed_and_nothing_is_written(register, tmp_path):
    rows = [good_row("F1"), good_row("F2", sector="Hóa chất"), good_row("F1"), good_row("F4", closed_on="01/01/2000")]
    path = write(tmp_path, "list.csv", csv_bytes(rows))
    err = io.StringIO()

    with pytest.raises(CommandError, match="3 problems: nothing was imported"):
        call_command("import_facilities", str(path), stdout=io.StringIO(), stderr=err)

    assert err.getvalue().splitlines() == [
        "Row 3, sector: Unknown sector “Hóa chất”.",
        "Row 4, code: Code “F1” is also in row 2: list each facility once.",
        "Row 5, closed_on: Closed on 01/01/2000, before it opened on 15/03/2010.",
    ]
    assert not Facility.objects.exists()


def test_errors_also_fail_a_dry_run(register, tmp_path):
    path = write(tmp_path, "list.csv", csv_bytes([good_row("F1", name="")]))

    with pytest.raises(CommandError, match="1 problem: nothing was imported"):
        run(path, "--dry-run")


def test_missing_column_is_reported_for_the_file(register, tmp_path):
    path = write(tmp_path, "list.csv", csv_bytes([good_row()], header=("code", "name", "unit")))
    err = io.StringIO()

    with pytest.raises(CommandError):
        call_command("import_facilities", str(path), stderr=err)

    assert err.getvalue().startswith("File: Missing column(s): sector.")


def test_non_utf8_file_gives_a_clear_message(register, tmp_path):
    data = csv_bytes([good_row("F1", name="Müller", sector="Gom su", unit="Gia Lam", production_area="Bat Trang")])
    path = write(tmp_path, "list.csv", data.decode().encode("cp1252"))

    with pytest.raises(CommandError, match="not UTF-8 text"):
        run(path)


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("list.txt", b"code", "Unsupported file type “.txt”"),
        ("header-only.csv", csv_bytes([]), "no facility rows"),
        ("missing.csv", None, "Cannot read"),
    ],
)
def test_unusable_files(register, tmp_path, name, data, message):
    path = write(tmp_path, name, data) if data is not None else tmp_path / name

    with pytest.raises(CommandError, match=message):
        run(path)


@pytest.mark.slow
def test_five_thousand_rows(register, tmp_path, capsys):
    path = write(tmp_path, "big.csv", csv_bytes(rows_of(5000)))

    started = time.perf_counter()
    out, _ = run(path)
    seconds = time.perf_counter() - started

    assert out.startswith("Imported: 5000 new")
    assert Facility.objects.count() == 5000
    with capsys.disabled():
        print(f"\n5,000-row import through manage.py import_facilities: {seconds:.2f} s")
    assert seconds < 60


def test_the_command_says_what_changed_in_the_register(register, tmp_path):
    run(write(tmp_path, "list.csv", csv_bytes(rows_of(2))))
    rows = rows_of(2)
    rows[0]["closed_on"] = "2020-01-01"

    dry, _ = run(write(tmp_path, "again.csv", csv_bytes(rows)), "--dry-run")
    out, _ = run(write(tmp_path, "again.csv", csv_bytes(rows)))

    kinds = "0 new, 0 reopened, 1 closed, 0 moved unit, 0 changed sector, 0 out of scope, 0 back in scope"
    assert dry.splitlines()[1] == f"Register changes: {kinds}, 0 other details changed, 1 unchanged."
    assert out.splitlines()[1] == f"Register version 2: {kinds}, 0 other details changed, 1 unchanged."
    assert RegisterVersion.objects.get(number=2).file_name == "again.csv"
