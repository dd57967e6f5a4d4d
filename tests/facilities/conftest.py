"""Helpers for the facility-import tests: a small register and file builders."""

import csv
import datetime as dt
import io

import openpyxl
import pytest

from facilities.models import AdministrativeUnit, ProductionArea
from facilities.resources import COLUMNS, FacilityCSV, FacilityResource, row_problems
from tests import builders


@pytest.fixture
def register(db) -> None:
    """Sectors, units and areas named as in Hanoi, with diacritics."""
    for name in ("Gốm sứ", "Cơ khí", "Dệt may"):
        builders.sector(name)
    gia_lam = builders.unit("Gia Lâm")
    dong_anh = builders.unit("Đông Anh")
    builders.unit("Hà Đông", kind=AdministrativeUnit.Kind.URBAN_DISTRICT)
    builders.area("Bát Tràng", kind=ProductionArea.Kind.CRAFT_VILLAGE, unit=gia_lam)
    builders.area("Thăng Long", kind=ProductionArea.Kind.INDUSTRIAL_ZONE, unit=dong_anh)


def good_row(code: str = "F0001", **overrides: object) -> dict[str, object]:
    """A valid row for ``register``; override any column."""
    row: dict[str, object] = {
        "code": code,
        "name": f"Cơ sở {code}",
        "sector": "Gốm sứ",
        "unit": "Gia Lâm",
        "production_area": "Bát Tràng",
        "area_type": "craft_village",
        "kind": "household",
        "employees": "12",
        "opened_on": "2010-03-15",
        "closed_on": "",
        "in_scope": "yes",
    }
    row.update(overrides)
    return row


def rows_of(count: int, start: int = 1) -> list[dict[str, object]]:
    return [good_row(f"F{n:05d}") for n in range(start, start + count)]


def csv_bytes(rows: list[dict[str, object]], encoding: str = "utf-8", header=COLUMNS) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    for row in rows:
        writer.writerow(["" if row.get(c) is None else row.get(c, "") for c in header])
    return out.getvalue().encode(encoding)


def xlsx_bytes(rows: list[dict[str, object]], header=COLUMNS) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(list(header))
    for row in rows:
        sheet.append([row.get(c) for c in header])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def run_import(data: bytes, fmt=FacilityCSV, dry_run: bool = False):
    """Import ``data`` through FacilityResource as the admin's confirm step does."""
    return FacilityResource().import_data(fmt().create_dataset(data), dry_run=dry_run)


def problems(result) -> list[tuple[int | None, str, str]]:
    """(row, column, message) for every problem of a result."""
    return [(p.row, p.column, p.message) for p in row_problems(result)]


def day(text: str) -> dt.date:
    return dt.date.fromisoformat(text)
