"""The admin's import screens in the user's language (Vietnamese first): import-export's own
strings (it ships no Vietnamese; cpdash's catalogue has them), the app's title instead of
Django's, a preview that shows labels instead of codes and counts the rows before the confirm."""

import re

import pytest
from django.conf import settings
from django.urls import reverse

from tests.facilities.conftest import csv_bytes, good_row
from tests.facilities.test_admin_import import confirm, upload


@pytest.fixture
def vietnamese(admin_client):
    admin_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "vi"
    return admin_client


def visible_text(page: str) -> str:
    page = re.sub(r"<(script|style)\b.*?</\1>", " ", page, flags=re.S)
    return " ".join(re.sub(r"<[^>]+>", " ", page).split())


def test_the_import_page_in_vietnamese(vietnamese):
    changelist = visible_text(vietnamese.get(reverse("admin:facilities_facility_changelist")).content.decode())
    page = visible_text(vietnamese.get(reverse("admin:facilities_facility_import")).content.decode())

    assert "Nhập dữ liệu" in changelist and " Import " not in f" {changelist} "
    assert "Chương trình sản xuất sạch hơn" in page
    assert "Trang quản trị cho Django" not in page and "Django" not in page
    assert "Sẽ nhập các cột sau: Mã, Tên cơ sở, Ngành, Đơn vị hành chính" in page
    assert "Tệp cần nhập" in page and "Định dạng" in page
    # The required columns by the template's Vietnamese headers, not by their English codes.
    assert "Các cột bắt buộc: Mã, Tên cơ sở, Ngành, Đơn vị hành chính." in page
    assert "code, name, sector, unit" not in page
    for english in ("This importer", "Submit", "File to import", "Import"):
        assert english not in page


def test_the_preview_in_vietnamese_shows_labels_and_counts_before_the_confirm(vietnamese, register):
    confirm(vietnamese, upload(vietnamese, csv_bytes([good_row("F3", name="Old name"), good_row("F4")])))
    rows = [
        good_row("F1"),
        good_row("F2", kind="enterprise", production_area="Thăng Long", area_type="KCN", unit="Đông Anh"),
        good_row("F3"),
        good_row("F4"),
    ]

    response = upload(vietnamese, csv_bytes(rows))

    page = response.content.decode()
    text = visible_text(page)
    counts = "2 dòng mới 1 dòng cập nhật bản ghi đã có 1 dòng không đổi hoặc trống 0 dòng có lỗi"
    assert counts in text
    assert text.index(counts) < text.index("Xác nhận nhập")  # before the confirm's table
    headers = re.findall(r"<th>([^<]*)</th>", page)
    assert {"Mã", "Tên cơ sở", "Loại hình", "Loại khu vực", "Tính vào mục tiêu"} <= set(headers)
    for code in ("industrial_zone", "craft_village", "enterprise", "household", "2010-03-15"):
        assert code not in text
    assert "hộ sản xuất" in text and "doanh nghiệp" in text and "15/03/2010" in text
    assert "css/admin-import.css" in page  # names on one line (white-space: nowrap)
    for english in ("Below is a preview", "Confirm import", " New ", " Update "):
        assert english not in f" {text} "
    assert " Mới " in text and " Cập nhật " in text


def test_the_confirm_says_it_in_vietnamese(vietnamese, register):
    response = confirm(vietnamese, upload(vietnamese, csv_bytes([good_row("F1")])))

    page = visible_text(vietnamese.get(response["Location"]).content.decode())
    assert "Nhập dữ liệu xong: 1 mới, 0 cập nhật, 0 xóa và 0 bỏ qua (cơ sở)." in page
    assert "Import finished" not in page


def test_the_preview_in_english_counts_rows_too(admin_client, register):
    response = upload(admin_client, csv_bytes([good_row("F1"), good_row("F2")]))

    text = visible_text(response.content.decode())
    assert "2 new rows" in text and "0 rows with errors" in text
    assert "craft village (làng nghề)" in text and "craft_village" not in text
    assert "Type of facility" in text


@pytest.mark.parametrize(
    ("language", "columns"),
    [
        ("en", [("2", "Employees"), ("3", "Production area")]),
        ("vi", [("2", "Số lao động"), ("3", "Khu vực sản xuất")]),
    ],
)
def test_the_problems_name_each_column_as_the_template_heads_it(admin_client, register, language, columns):
    """The problems' Column is the column's header in the user's language (the template's, and
    the one the import reads), not the field's name (employees, production_area)."""
    admin_client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    rows = [good_row("F1", employees="12.5"), good_row("F2", production_area="Nowhere")]

    response = upload(admin_client, csv_bytes(rows))

    page = response.content.decode()
    assert re.findall(r"<td>(\d+)</td>\s*<td>([^<]*)</td>", page) == columns
    assert [(p.row, p.column) for p in response.context["problems"]] == [(2, "employees"), (3, "production_area")]
