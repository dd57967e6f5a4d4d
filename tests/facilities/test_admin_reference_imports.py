"""The reference tables' imports in the admin (cpdash.admin.RecordImportMixin): template
download, upload, preview, confirm, and who may import."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from facilities.models import AdministrativeUnit, Sector

CSV, XLSX = "0", "1"  # positions in RecordImportMixin.import_formats
IMPORTS = [
    "facilities_administrativeunit",
    "facilities_sector",
    "facilities_productionarea",
    "programmes_programme",
    "programmes_phase",
    "targets_target",
]


@pytest.mark.parametrize("name", IMPORTS)
def test_the_import_page_links_the_templates(admin_client, name):
    page = admin_client.get(reverse(f"admin:{name}_import"))
    assert page.status_code == 200
    template = reverse(f"admin:{name}_import_template")
    assert template in page.content.decode()
    csv_file = admin_client.get(template)
    assert csv_file["Content-Type"].startswith("text/csv") and csv_file.content.startswith("\ufeff".encode())
    xlsx_file = admin_client.get(template + "?format=xlsx")
    assert xlsx_file.content.startswith(b"PK")


def test_a_unit_file_is_previewed_then_confirmed(admin_client):
    data = (
        "Tên,Loại,Trực thuộc,Hiệu lực từ,Hình thành từ\nGia Lâm,huyện,,2008-08-01,\nBát Tràng,xã,Gia Lâm,2008-08-01,\n"
    ).encode()
    file = SimpleUploadedFile("units.csv", data)
    url = reverse("admin:facilities_administrativeunit_import")
    preview = admin_client.post(url, {"import_file": file, "format": CSV, "resource": "0"})
    assert preview.status_code == 200 and "confirm_form" in preview.context
    assert AdministrativeUnit.objects.count() == 0  # a preview writes nothing
    done = admin_client.post(
        reverse("admin:facilities_administrativeunit_process_import"), preview.context["confirm_form"].initial
    )
    assert done.status_code == 302
    assert AdministrativeUnit.objects.get(name="Bát Tràng").parent.name == "Gia Lâm"


def test_a_file_with_a_problem_shows_it_by_row_and_offers_no_confirm(admin_client):
    file = SimpleUploadedFile("sectors.csv", "name\nGốm sứ\ngốm sứ\n".encode())
    preview = admin_client.post(
        reverse("admin:facilities_sector_import"), {"import_file": file, "format": CSV, "resource": "0"}
    )
    assert [(p.row, "row 2" in p.message) for p in preview.context["problems"]] == [(3, True)]
    assert "confirm_form" not in preview.context
    assert Sector.objects.count() == 0


@pytest.mark.parametrize(
    ("language", "message"),
    [
        ("vi", "Ngày cuối cùng 31/12/2019 trước ngày đầu tiên 01/01/2020."),
        ("en", "The last day 31/12/2019 is before the first day 01/01/2020."),
    ],
)
def test_a_unit_ending_before_it_begins_is_refused_with_dates_as_the_language_does(admin_client, language, message):
    """Day first, as the preview writes dates, not 2019-12-31 (the file may have ISO)."""
    admin_client.cookies["django_language"] = language
    data = "name,kind,valid_from,valid_until\nGia Lâm,rural_district,2020-01-01,2019-12-31\n".encode()
    preview = admin_client.post(
        reverse("admin:facilities_administrativeunit_import"),
        {"import_file": SimpleUploadedFile("units.csv", data), "format": CSV, "resource": "0"},
    )
    assert [(p.row, p.column, p.message) for p in preview.context["problems"]] == [(2, "valid_until", message)]
    assert "confirm_form" not in preview.context


@pytest.mark.parametrize("name", IMPORTS)
def test_only_those_who_add_and_change_the_table_import(client, manager_user, name):
    manager_user.is_staff = True
    manager_user.save()
    client.force_login(manager_user)
    assert client.get(reverse(f"admin:{name}_import")).status_code == 403
