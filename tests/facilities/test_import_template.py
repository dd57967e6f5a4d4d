"""The facility import's XLSX template (facilities.resources.template_xlsx): a sheet named
for what it holds, headers in the user's language that the import reads back, the code
column as Text, drop-down lists of sectors, units valid today, areas, area types, kinds
and yes/no, example rows in the user's language, and a notes sheet."""

import datetime as dt
import io

import openpyxl
import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import translation

from facilities.models import Facility
from facilities.resources import COLUMNS, FacilityXLSX, column_label
from tests import builders
from tests.facilities.conftest import problems, run_import

TEMPLATE_URL = "admin:facilities_facility_import_template"


def template(client, language: str) -> tuple[bytes, openpyxl.Workbook]:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    response = client.get(reverse(TEMPLATE_URL), {"format": "xlsx"})
    assert response.status_code == 200
    return response.content, openpyxl.load_workbook(io.BytesIO(response.content))


def drop_downs(book: openpyxl.Workbook) -> dict[str, list[str]]:
    """Header of each validated column of the data sheet → the values its list offers."""
    sheet = book.worksheets[0]
    headers = [cell.value for cell in sheet[1]]
    found = {}
    for validation in sheet.data_validations.dataValidation:
        assert validation.type == "list"
        column = openpyxl.utils.column_index_from_string(str(validation.sqref).split(":")[0][:-1])
        source, cells = validation.formula1.split("!")
        lists = book[source.strip("'")]
        found[headers[column - 1]] = [c.value for (c,) in lists[cells.replace("$", "").replace(":", ":")]]
    return found


def test_vietnamese_template(admin_client, register):
    ended = builders.unit("Từ Liêm", valid_until=dt.date(2013, 12, 31))  # ended: not offered as a unit
    builders.unit("Bắc Từ Liêm", valid_from=dt.date(2014, 1, 1)).predecessors.add(ended)  # but as an earlier one

    _, book = template(admin_client, "vi")

    sheet = book.worksheets[0]
    assert sheet.title == "Danh sách cơ sở"
    headers = [cell.value for cell in sheet[1]]
    assert headers[:4] == ["Mã", "Tên cơ sở", "Ngành", "Đơn vị hành chính"]
    assert sheet.column_dimensions["A"].number_format == "@"
    assert sheet["A2"].value == "0101234567" and sheet["A2"].number_format == "@"
    example = dict(zip(headers, (c.value for c in sheet[2]), strict=True))
    assert example["Loại hình"] == "hộ sản xuất"
    assert example["Ngày bắt đầu hoạt động"] == dt.datetime(2010, 3, 15)
    lists = drop_downs(book)
    assert lists["Ngành"] == ["Cơ khí", "Dệt may", "Gốm sứ"]
    assert "Từ Liêm" not in lists["Đơn vị hành chính"] and "Gia Lâm" in lists["Đơn vị hành chính"]
    assert lists["Đơn vị trước đây"] == ["Từ Liêm"]
    assert lists["Loại hình"] == ["doanh nghiệp", "hợp tác xã", "hộ sản xuất"]
    assert len(lists["Loại khu vực"]) == 3
    assert lists["Tính vào mục tiêu"] == ["có", "không"]
    assert example["Loại khu vực"] in lists["Loại khu vực"]
    notes = book.worksheets[-1]
    assert [r[0] for r in notes.iter_rows(min_row=2, max_row=1 + len(COLUMNS), values_only=True)] == headers
    assert all(r[2] for r in notes.iter_rows(min_row=2, max_row=1 + len(COLUMNS), values_only=True))
    assert "Tablib Dataset" not in book.sheetnames


def test_english_template(admin_client, register):
    _, book = template(admin_client, "en")

    sheet = book.worksheets[0]
    assert sheet.title == "Facility list"
    with translation.override("en"):
        assert [cell.value for cell in sheet[1]] == [column_label(c) for c in COLUMNS]
    assert drop_downs(book)["Type of facility"] == ["enterprise", "cooperative", "craft household"]


@pytest.mark.parametrize("language", ["vi", "en"])
def test_the_filled_template_imports_back(admin_client, register, language):
    data, _ = template(admin_client, language)

    with translation.override(language):
        result = run_import(data, FacilityXLSX)

    assert problems(result) == []
    pottery = Facility.objects.get(code="0101234567")
    assert pottery.kind == Facility.Kind.HOUSEHOLD
    assert pottery.area.name == "Bát Tràng"
    assert pottery.opened_on == dt.date(2010, 3, 15)
    assert Facility.objects.get(code="0105556667").unit.name == "Đông Anh"


def test_the_template_costs_three_queries(admin_client, register, django_assert_num_queries):
    # Sectors, units, areas; + the session, the user, and the request's savepoint and its release.
    with django_assert_num_queries(3 + 4):
        template(admin_client, "vi")


def test_the_examples_name_units_valid_today_and_import_back(admin_client, register):
    """After the 2025 reform, Gia Lâm (a district) has ended: the example names the ward that
    holds its name, without the craft village that lay in the district; the rows import."""
    from facilities.models import AdministrativeUnit

    AdministrativeUnit.objects.filter(name__in=["Gia Lâm", "Đông Anh"]).update(valid_until=dt.date(2025, 6, 30))
    builders.unit("Xã Gia Lâm", kind=AdministrativeUnit.Kind.COMMUNE, valid_from=dt.date(2025, 7, 1))
    data, book = template(admin_client, "en")
    sheet = book.worksheets[0]
    headers = [cell.value for cell in sheet[1]]
    examples = [dict(zip(headers, (c.value for c in row), strict=True)) for row in sheet.iter_rows(min_row=2)]
    with translation.override("en"):
        unit, area = column_label("unit"), column_label("production_area")
    assert [(e[unit], e[area]) for e in examples] == [("Xã Gia Lâm", None), ("Hà Đông", None)]
    with translation.override("en"):
        assert problems(run_import(data, FacilityXLSX)) == []
