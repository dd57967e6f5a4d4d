"""The facility import in the admin: upload, preview, confirm, template download."""

import csv
import datetime as dt
import html
import io
import re

import openpyxl
import pytest
from django.contrib.admin.models import LogEntry
from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from facilities.models import AdministrativeUnit, Change, Facility, RegisterVersion, Sector, UnitMembership
from facilities.resources import COLUMNS, TEMPLATE_EXAMPLES, column_label
from tests import builders
from tests.facilities.conftest import csv_bytes, good_row, rows_of, xlsx_bytes

IMPORT_URL = "admin:facilities_facility_import"
CSV, XLSX = "0", "1"  # positions in FacilityAdmin.import_formats


def upload(client, data: bytes, name: str = "list.csv", file_format: str = CSV):
    file = SimpleUploadedFile(name, data)
    return client.post(reverse(IMPORT_URL), {"import_file": file, "format": file_format, "resource": "0"})


def confirm(client, preview):
    """Posts the preview's confirm form, as the "Confirm import" button does."""
    form = preview.context["confirm_form"]
    return client.post(reverse("admin:facilities_facility_process_import"), form.initial)


def test_import_page_links_the_templates(admin_client):
    response = admin_client.get(reverse(IMPORT_URL))

    template_url = reverse("admin:facilities_facility_import_template")
    assert response.status_code == 200
    assert f'href="{template_url}"' in response.content.decode()
    assert f'href="{template_url}?format=xlsx"' in response.content.decode()


def test_csv_template_has_the_header_and_an_example(admin_client):
    response = admin_client.get(reverse("admin:facilities_facility_import_template"))

    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="facilities-template.csv"'
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeff")  # so that Excel reads it as UTF-8
    header, example, _other = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    assert header == [column_label(column) for column in COLUMNS]  # as the import page names them
    assert example[:2] == ["0101234567", "Cơ sở gốm Minh Long"]
    # The workbook's examples, in the user's language as the workbook's are.
    assert example[COLUMNS.index("kind")] == "craft household" and example[COLUMNS.index("in_scope")] == "yes"


def test_xlsx_template_has_the_header(admin_client):
    response = admin_client.get(reverse("admin:facilities_facility_import_template"), {"format": "xlsx"})

    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    assert tuple(cell.value for cell in sheet[1]) == tuple(column_label(c) for c in COLUMNS)
    assert sheet.max_row == 1 + len(TEMPLATE_EXAMPLES)


def test_template_needs_the_import_permission(client, db):
    clerk = User.objects.create_user("clerk", "clerk@example.test", "clerk-pass-123", is_staff=True)
    client.force_login(clerk)

    assert client.get(reverse("admin:facilities_facility_import_template")).status_code == 403


def test_invalid_file_shows_every_problem_and_no_confirm_button(admin_client, register):
    rows = [good_row("F1"), good_row("F2", unit="Quận 1"), good_row("F1"), good_row("F4", opened_on="2014-02-30")]

    response = upload(admin_client, csv_bytes(rows))

    page = response.content.decode()
    assert response.status_code == 200
    assert "confirm_form" not in response.context
    assert "Confirm import" not in page
    assert "3 problems: nothing can be imported" in page
    problems = [(p.row, p.column, p.message) for p in response.context["problems"]]
    assert problems == [
        (3, "unit", "Unknown administrative unit “Quận 1”."),
        (4, "code", "Code “F1” is also in row 2: list each facility once."),
        (5, "opened_on", "“2014-02-30” is not a date: write YYYY-MM-DD or DD/MM/YYYY."),
    ]
    assert "<td>Unknown administrative unit “Quận 1”.</td>" in page
    assert not Facility.objects.exists()


@pytest.mark.parametrize(
    ("language", "message"),
    [
        ("vi", "Ngày ngừng hoạt động 01/01/2019 trước ngày bắt đầu hoạt động 01/01/2020."),
        ("en", "Closed on 01/01/2019, before it opened on 01/01/2020."),
    ],
)
def test_the_preview_writes_dates_in_problems_as_the_language_does(admin_client, register, language, message):
    """Day first, as the preview's own date cells (15/03/2010), not 2019-01-01."""
    admin_client.cookies["django_language"] = language
    rows = [good_row("F1"), good_row("F2", opened_on="2020-01-01", closed_on="2019-01-01")]

    response = upload(admin_client, csv_bytes(rows))

    assert [(p.row, p.column, p.message) for p in response.context["problems"]] == [(3, "closed_on", message)]
    assert f"<td>{message}</td>" in response.content.decode()
    assert "2019-01-01" not in response.content.decode()


def test_missing_column_is_shown_as_a_file_problem(admin_client, register):
    response = upload(admin_client, csv_bytes([good_row()], header=("code", "name", "unit")))

    assert "confirm_form" not in response.context
    assert [str(p) for p in response.context["problems"]] == ["File: Missing column(s): sector."]


def test_valid_file_previews_then_imports_on_confirm(admin_client, register):
    preview = upload(admin_client, csv_bytes(rows_of(3)))

    assert preview.status_code == 200
    assert "Confirm import" in preview.content.decode()
    assert not Facility.objects.exists()  # the preview is a dry run

    response = confirm(admin_client, preview)

    assert response.status_code == 302
    assert response["Location"] == reverse("admin:facilities_facility_changelist")
    assert Facility.objects.count() == 3
    assert Facility.objects.get(code="F00001").search_text == "f00001 co so f00001"
    assert LogEntry.objects.count() == 3


def test_the_preview_shows_the_earlier_unit_a_row_names(admin_client, register):
    ward = builders.unit("Phường Gia Lâm", kind=AdministrativeUnit.Kind.WARD, valid_from=dt.date(2025, 7, 1))
    ward.predecessors.add(
        AdministrativeUnit.objects.get(name="Gia Lâm"), AdministrativeUnit.objects.get(name="Đông Anh")
    )
    row = good_row("W1", unit="Phường Gia Lâm", production_area="", area_type="", earlier_unit="gia lam")

    preview = upload(admin_client, csv_bytes([row]))

    cells = re.findall(r"<td[^>]*>(.*?)</td>", preview.content.decode(), flags=re.S)
    assert "Gia Lâm" in [html.unescape(re.sub(r"<[^>]+>", "", cell)).strip() for cell in cells]
    confirm(admin_client, preview)
    assert UnitMembership.objects.filter(facility__code="W1", unit__name="Gia Lâm", until=ward.valid_from).exists()


def test_xlsx_upload_imports(admin_client, register):
    preview = upload(admin_client, xlsx_bytes(rows_of(2)), name="list.xlsx", file_format=XLSX)

    confirm(admin_client, preview)

    assert Facility.objects.count() == 2


def test_confirm_refuses_a_file_that_became_invalid(admin_client, register):
    """Data can change between preview and confirm: nothing is written then."""
    preview = upload(admin_client, csv_bytes([good_row("F1"), good_row("F2", sector="Cơ khí")]))
    Sector.objects.filter(name="Cơ khí").delete()
    response = admin_client.get(confirm(admin_client, preview)["Location"])

    assert not Facility.objects.exists()
    assert "Nothing was imported: Row 3, sector: Unknown sector “Cơ khí”." in response.content.decode()


@pytest.mark.parametrize(
    ("data", "name", "file_format", "message"),
    [
        (
            csv_bytes([good_row(name="Müller", sector="x", unit="x", production_area="")]).decode().encode("cp1252"),
            "list.csv",
            CSV,
            "The file is not UTF-8 text",
        ),
        (b"not a workbook", "list.xlsx", XLSX, "This file is not an Excel workbook (.xlsx)."),
    ],
    ids=["cp1252-csv", "csv-as-xlsx"],
)
def test_unreadable_file_gives_a_form_error_not_a_crash(admin_client, register, data, name, file_format, message):
    response = upload(admin_client, data, name=name, file_format=file_format)

    assert response.status_code == 200
    assert message in " ".join(response.context["form"].errors["import_file"])
    assert not Facility.objects.exists()


def test_acceptance_thousand_row_xlsx_with_three_bad_rows(admin_client, register):
    """Issue 2's scenario: 1,000 rows, three bad; each error shown with its row
    number and nothing imported; the fixed file imports; importing it again
    creates no duplicate."""
    rows = rows_of(1000)
    rows[9] = good_row(rows[9]["code"], sector="Không có")  # spreadsheet row 11
    rows[499] = good_row(rows[499]["code"], opened_on="31/02/2012")  # row 501
    rows[998] = good_row(rows[998]["code"], name="")  # row 1000

    preview = upload(admin_client, xlsx_bytes(rows), name="list.xlsx", file_format=XLSX)

    assert "confirm_form" not in preview.context
    assert [(p.row, p.column) for p in preview.context["problems"]] == [
        (11, "sector"),
        (501, "opened_on"),
        (1000, "name"),
    ]
    assert not Facility.objects.exists()

    fixed = rows_of(1000)
    confirm(admin_client, upload(admin_client, xlsx_bytes(fixed), name="list.xlsx", file_format=XLSX))
    assert Facility.objects.count() == 1000

    fixed[0] = good_row(fixed[0]["code"], name="Cơ sở đổi tên")
    again = upload(admin_client, xlsx_bytes(fixed), name="list.xlsx", file_format=XLSX)
    confirm(admin_client, again)
    assert Facility.objects.count() == 1000
    assert Facility.objects.get(code=fixed[0]["code"]).name == "Cơ sở đổi tên"


# --- What the import changes in the register ---------------------------------------------------


def test_the_preview_counts_each_kind_and_the_confirm_names_the_version(admin_client, admin_user, register):
    upload_and_confirm = confirm(admin_client, upload(admin_client, csv_bytes(rows_of(3)), name="first.csv"))
    assert upload_and_confirm.status_code == 302
    rows = rows_of(4)
    rows[0]["unit"] = "Đông Anh"
    rows[1]["in_scope"] = "no"

    preview = upload(admin_client, csv_bytes(rows), name="second.csv")

    assert preview.context["result"].register_changes == {
        **dict.fromkeys(Change, 0),
        Change.NEW: 1,
        Change.MOVED_UNIT: 1,
        Change.OUT_OF_SCOPE: 1,
        Change.UNCHANGED: 1,
    }
    page = preview.content.decode()
    assert "What the import changes in the register" in page
    assert "Moved unit: <strong>1</strong>" in page
    assert list(RegisterVersion.objects.values_list("number", flat=True)) == [1]

    response = confirm(admin_client, preview)

    version = RegisterVersion.objects.get(number=2)
    assert (version.imported_by, version.file_name, version.moved_unit_count) == (admin_user, "second.csv", 1)
    messages = [str(m) for m in response.wsgi_request._messages]
    link = f'<a href="{reverse("register:version", args=[2])}">Register version 2 of'
    assert any(m.startswith(link) and "1 moved unit" in m for m in messages)
