"""Imports of units, sectors and production areas (facilities/reference_resources.py):
templates that import back, row errors by spreadsheet row, all or nothing, upsert by
natural key, references between rows of one file, and flat query counts."""

import csv
import datetime as dt
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cpdash.imports import CSVFormat, XLSXFormat, row_problems
from facilities.models import AdministrativeUnit, ProductionArea, Sector
from facilities.reference_resources import ProductionAreaResource, SectorResource, UnitResource
from tests import builders

pytestmark = pytest.mark.django_db

UNIT_HEADER = ["code", "name", "kind", "committee_name", "parent", "valid_from", "valid_until", "predecessors"]


def csv_bytes(header: list[str], rows: list[list[object]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode()


def run(resource_class, data: bytes, *, dry_run: bool = False, fmt=CSVFormat):
    dataset = fmt().create_dataset(data)
    result = resource_class().import_data(dataset, dry_run=dry_run)
    return result, [str(p) for p in row_problems(result, resource_class.columns())]


def test_the_templates_import_back_in_both_formats():
    builders.unit("Gia Lâm")
    builders.unit("Đông Anh")
    for resource_class in (UnitResource, SectorResource, ProductionAreaResource):
        for fmt in (CSVFormat, XLSXFormat):
            dataset = resource_class.template_dataset()
            data = dataset.export("xlsx") if fmt is XLSXFormat else dataset.export("csv").encode()
            result, problems = run(resource_class, data, fmt=fmt)
            assert problems == [], (resource_class, fmt, problems)
            assert not result.has_validation_errors()
    ward = AdministrativeUnit.objects.get(name="Thượng Cát")
    assert ward.parent.name == "Bắc Từ Liêm"
    assert ward.kind == AdministrativeUnit.Kind.WARD
    assert [u.name for u in AdministrativeUnit.objects.get(name="Bắc Từ Liêm").predecessors.all()] == ["Từ Liêm"]
    assert ProductionArea.objects.get(name="Bát Tràng").kind == ProductionArea.Kind.CRAFT_VILLAGE
    assert set(Sector.objects.values_list("name", flat=True)) == {"Gốm sứ", "Dệt may"}


def test_units_refer_to_rows_of_the_same_file_in_any_order_and_to_stored_units():
    builders.unit("Từ Liêm", kind="rural_district", valid_until=dt.date(2013, 12, 31))
    data = csv_bytes(
        UNIT_HEADER,
        [
            ["", "Phúc Diễn", "phường", "", "Bắc Từ Liêm", "2014-01-01", "", ""],
            ["021", "Bắc Từ Liêm", "quận", "UBND quận Bắc Từ Liêm", "", "2014-01-01", "2025-06-30", "Từ Liêm"],
            ["019", "Nam Từ Liêm", "Quận", "", "", "01/01/2014", "30/06/2025", "tu liem"],
            ["", "Mỹ Đình 1", "phường", "", "019", "2014-01-01", "", ""],
        ],
    )
    result, problems = run(UnitResource, data)
    assert problems == []
    assert result.totals["new"] == 4
    assert AdministrativeUnit.objects.get(name="Phúc Diễn").parent.code == "021"
    assert AdministrativeUnit.objects.get(name="Mỹ Đình 1").parent.name == "Nam Từ Liêm"
    assert AdministrativeUnit.objects.get(code="019").predecessors.get().name == "Từ Liêm"
    assert AdministrativeUnit.objects.get(name="Mỹ Đình 1").level == AdministrativeUnit.Level.COMMUNE
    # Again: nothing changes; then a change of parent and of predecessors is an update.
    result, problems = run(UnitResource, data)
    assert problems == [] and result.totals["skip"] == 4
    changed = csv_bytes(UNIT_HEADER, [["", "Mỹ Đình 1", "phường", "", "021", "2014-01-01", "", ""]])
    result, problems = run(UnitResource, changed)
    assert problems == [] and result.totals["update"] == 1
    assert AdministrativeUnit.objects.get(name="Mỹ Đình 1").parent.code == "021"


def test_row_errors_are_named_by_row_and_nothing_is_written():
    data = csv_bytes(
        UNIT_HEADER,
        [
            ["", "Gia Lâm", "huyện", "", "", "2008-08-01", "", ""],
            ["", "Kim Lan", "xã", "", "Hà Nam", "2008-08-01", "", ""],
            ["", "Bát Tràng", "làng", "", "", "2008-08-01", "", ""],
            ["", "Đa Tốn", "xã", "", "Gia Lâm", "2010-01-01", "2009-12-31", "Không Có"],
            ["", "Gia Lâm", "huyện", "", "", "2008-08-01", "", ""],
            ["", "Dương Xá", "xã", "", "Kim Lan", "2008-08-01", "", ""],
        ],
    )
    _result, problems = run(UnitResource, data)
    assert AdministrativeUnit.objects.count() == 0
    assert any(p.startswith("Row 3, parent:") and "Hà Nam" in p for p in problems)
    assert any(p.startswith("Row 4, kind:") and "làng" in p for p in problems)
    assert any(p.startswith("Row 5, valid_until:") for p in problems)
    assert any(p.startswith("Row 5, predecessors:") and "Không Có" in p for p in problems)
    assert any(p.startswith("Row 6:") and "row 2" in p for p in problems)
    assert any(p.startswith("Row 7, parent:") and "district level" in p for p in problems)


def test_a_code_updates_the_unit_of_that_name_and_kind_without_one():
    gia_lam = builders.unit("Gia Lâm", kind="rural_district")
    data = csv_bytes(["Mã", "Tên", "Loại", "Hiệu lực từ"], [["018", "Gia Lâm", "huyện", "2008-08-01"]])
    result, problems = run(UnitResource, data)
    assert problems == [] and result.totals["update"] == 1
    gia_lam.refresh_from_db()
    assert gia_lam.code == "018"
    # Without a code, the row finds it by name and kind and keeps its code.
    data = csv_bytes(["name", "kind", "valid_from", "code"], [["gia lâm", "rural_district", "2008-08-01", ""]])
    result, problems = run(UnitResource, data)
    assert problems == []
    gia_lam.refresh_from_db()
    assert gia_lam.code == "018" and AdministrativeUnit.objects.count() == 1


def test_too_many_rows_are_refused(settings, monkeypatch):
    monkeypatch.setattr(SectorResource, "max_rows", 2)
    _result, problems = run(SectorResource, csv_bytes(["name"], [["A"], ["B"], ["C"]]))
    assert problems and "at most 2 rows" in problems[0]
    assert Sector.objects.count() == 0


def test_areas_name_units_by_code_or_name():
    builders.unit("Sơn Tây", kind="town", code="269")
    builders.unit("Sơn Tây", kind="ward")
    data = csv_bytes(
        ["name", "kind", "unit", "products"],
        [["Làng nghề A", "lang nghe", "269", "Gỗ"], ["Làng nghề B", "craft_village", "Sơn Tây", ""]],
    )
    _result, problems = run(ProductionAreaResource, data)
    assert len(problems) == 1 and problems[0].startswith("Row 3, unit:") and "official code" in problems[0]
    assert ProductionArea.objects.count() == 0  # all or nothing
    _result, problems = run(
        ProductionAreaResource, csv_bytes(["ten", "loai", "dia ban"], [["Làng nghề A", "làng nghề", "269"]])
    )
    assert problems == []
    assert ProductionArea.objects.get(name="Làng nghề A").unit.code == "269"


def test_queries_do_not_grow_with_rows():
    def unit_rows(prefix: str, districts: int) -> list[list[object]]:
        out = []
        for d in range(districts):
            district = f"{prefix} {d}"
            out.append(["", district, "quận", "", "", "2008-08-01", "", ""])
            out += [["", f"{district}-{w}", "phường", "", district, "2008-08-01", "", district] for w in range(4)]
        return out

    counts = []
    for prefix, districts in (("Quận A", 2), ("Quận B", 12)):
        with CaptureQueriesContext(connection) as context:
            _result, problems = run(UnitResource, csv_bytes(UNIT_HEADER, unit_rows(prefix, districts)))
        assert problems == []
        counts.append(len(context.captured_queries))
    assert AdministrativeUnit.objects.count() == 70
    assert counts[0] == counts[1]
