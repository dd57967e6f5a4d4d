"""The downloadable XLSX templates of the imports by natural key (cpdash.import_templates):
a sheet named for what it holds, headers in the user's language that the import reads
back, code columns as Text, drop-down lists of choices, a notes sheet."""

import io

import openpyxl
import pytest
from django.conf import settings
from django.contrib import admin
from django.urls import reverse
from django.utils import translation

from cpdash.admin import RecordImportMixin

pytestmark = pytest.mark.django_db

IMPORT_ADMINS = {
    f"{model._meta.app_label}_{model._meta.model_name}": model_admin
    for model, model_admin in admin.site._registry.items()
    if isinstance(model_admin, RecordImportMixin)
}


def workbook(client, key: str, language: str) -> openpyxl.Workbook:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    response = client.get(reverse(f"admin:{key}_import_template"), {"format": "xlsx"})
    assert response.status_code == 200
    return openpyxl.load_workbook(io.BytesIO(response.content))


def test_every_import_by_natural_key_is_covered():
    assert len(IMPORT_ADMINS) >= 9  # units, sectors, areas, programmes, phases, targets, 4 kinds of records


@pytest.mark.parametrize("key", sorted(IMPORT_ADMINS))
@pytest.mark.parametrize("language", ["vi", "en"])
def test_the_headers_are_in_the_users_language_and_read_back(admin_client, key, language):
    resource = IMPORT_ADMINS[key].record_resource

    book = workbook(admin_client, key, language)

    sheet = book.worksheets[0]
    headers = [cell.value for cell in sheet[1]]
    with translation.override(language):
        assert sheet.title == str(resource.get_display_name())[:31].replace("/", " ")
        assert headers == [resource.column_label(c) for c in resource.columns()]
    assert resource.read_headers(headers) == resource.columns()
    assert sheet.max_row == 1 + len(resource.template_rows)
    assert "Tablib" not in " ".join(book.sheetnames)


@pytest.mark.parametrize("key", sorted(IMPORT_ADMINS))
def test_choices_are_drop_down_lists_and_codes_are_text(admin_client, key):
    resource = IMPORT_ADMINS[key].record_resource
    with translation.override("vi"):
        columns = resource.template_columns()

    book = workbook(admin_client, key, "vi")

    sheet = book.worksheets[0]
    validated = {str(dv.sqref).split(":")[0][:-1] for dv in sheet.data_validations.dataValidation}
    letters = {c.name: openpyxl.utils.get_column_letter(i) for i, c in enumerate(columns, 1)}
    assert validated == {letters[c.name] for c in columns if c.choices}
    for column in columns:
        if column.text:
            assert sheet.column_dimensions[letters[column.name]].number_format == "@"
            assert sheet[f"{letters[column.name]}2"].number_format == "@"
    notes = book.worksheets[-1]
    assert [row[0] for row in notes.iter_rows(min_row=2, max_row=1 + len(columns), values_only=True)] == [
        c.header for c in columns
    ]


def test_an_activity_template_in_vietnamese_says_its_kinds_in_vietnamese(admin_client):
    resource = IMPORT_ADMINS["programmes_outreachactivity"].record_resource

    book = workbook(admin_client, "programmes_outreachactivity", "vi")

    sheet = book.worksheets[0]
    with translation.override("vi"):
        column = [cell.value for cell in sheet[1]].index(resource.column_label("kind")) + 1
    listed = [row[0] for row in book.worksheets[1].iter_rows(min_row=2, values_only=True) if row[0]]
    assert sheet.cell(row=2, column=column).value in listed
    assert "workshop" not in listed
    assert "hội thảo" in listed
