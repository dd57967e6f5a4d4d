"""The imports of past records in the admin: template download, upload,
preview, confirm, permissions (programmes/admin.py, RecordImportMixin)."""

import csv
import io

import openpyxl
import pytest
from django.contrib.admin.models import ADDITION, CHANGE, LogEntry
from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from facilities.models import Facility
from programmes.models import Attendance, OutreachActivity, Solution, Specialist, Survey
from programmes.resources import OutreachActivityResource, SolutionResource, SpecialistResource, SurveyResource
from tests.programmes.conftest import grant
from tests.programmes.test_import_records import (
    activity_row,
    make_register,
    solution_row,
    specialist_row,
    stored_counts,
    survey_row,
    table_bytes,
)


@pytest.fixture
def records_register(db) -> None:
    make_register()


CSV, XLSX = "0", "1"  # positions in RecordImportMixin.import_formats
IMPORTS = {
    # model name: (resource, a valid row, the model)
    "outreachactivity": (OutreachActivityResource, activity_row(), OutreachActivity),
    "survey": (SurveyResource, survey_row(), Survey),
    "solution": (SolutionResource, solution_row(), Solution),
    "specialist": (SpecialistResource, specialist_row(), Specialist),
}


def url(model: str, view: str) -> str:
    return reverse(f"admin:programmes_{model}_{view}")


def upload(client, model: str, data: bytes, name: str = "records.csv", file_format: str = CSV):
    file = SimpleUploadedFile(name, data)
    return client.post(url(model, "import"), {"import_file": file, "format": file_format, "resource": "0"})


def confirm(client, model: str, preview):
    """Posts the preview's confirm form, as the "Confirm import" button does."""
    return client.post(url(model, "process_import"), preview.context["confirm_form"].initial)


@pytest.mark.parametrize("model", list(IMPORTS))
def test_import_page_links_the_templates_and_explains_the_layout(admin_client, model):
    response = admin_client.get(url(model, "import"))

    page = response.content.decode()
    template_url = url(model, "import_template")
    assert response.status_code == 200
    assert f'href="{template_url}"' in page
    assert f'href="{template_url}?format=xlsx"' in page
    assert "Nothing is imported unless every row is valid." in page
    resource = IMPORTS[model][0]
    assert ", ".join(resource.column_label(c) for c in resource.columns()) in page  # as people name them


def test_changelist_shows_the_import_button(admin_client):
    response = admin_client.get(reverse("admin:programmes_outreachactivity_changelist"))

    assert url("outreachactivity", "import") in response.content.decode()


@pytest.mark.parametrize("model", list(IMPORTS))
def test_csv_template_has_the_header_and_examples(admin_client, model):
    response = admin_client.get(url(model, "import_template"))

    assert response.status_code == 200
    assert response["Content-Disposition"] == f'attachment; filename="{model}-template.csv"'
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeff")  # so that Excel reads it as UTF-8
    header, *examples = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    assert header == IMPORTS[model][0].columns()
    assert examples


@pytest.mark.parametrize("model", list(IMPORTS))
def test_xlsx_template_has_the_header(admin_client, model):
    response = admin_client.get(url(model, "import_template"), {"format": "xlsx"})

    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    resource = IMPORTS[model][0]
    assert [cell.value for cell in sheet[1]] == [resource.column_label(c) for c in resource.columns()]
    assert sheet.max_row == 1 + len(IMPORTS[model][0].template_rows)


def test_import_needs_add_and_change_on_every_model_written(client, db):
    clerk = User.objects.create_user("clerk", "clerk@example.test", "clerk-pass-123", is_staff=True)
    clerk = grant(clerk, "programmes.add_outreachactivity", "programmes.change_outreachactivity")
    client.force_login(clerk)
    assert client.get(url("outreachactivity", "import")).status_code == 403  # no import permission

    clerk = grant(clerk, "programmes.import_outreachactivity")  # the Admins' (tests/cpdash/test_import_permission.py)
    client.force_login(clerk)

    assert client.get(url("outreachactivity", "import_template")).status_code == 403
    assert client.get(url("outreachactivity", "import")).status_code == 403

    clerk = grant(clerk, "programmes.add_attendance", "programmes.change_attendance")
    client.force_login(clerk)
    assert client.get(url("outreachactivity", "import_template")).status_code == 200


def test_invalid_file_shows_every_problem_and_no_confirm_button(admin_client, records_register):
    rows = [
        activity_row("F0001"),
        activity_row("X9"),
        activity_row("F0001"),
        activity_row("F0002", held_on="2012-02-30"),
    ]

    response = upload(admin_client, "outreachactivity", table_bytes(OutreachActivityResource, rows))

    page = response.content.decode()
    assert response.status_code == 200
    assert "confirm_form" not in response.context
    assert "Confirm import" not in page
    assert "3 problems: nothing can be imported" in page
    problems = [(p.row, p.column, p.message) for p in response.context["problems"]]
    assert problems == [
        (3, "facility_code", "No facility has the code “X9”."),
        (4, "facility_code", "Cơ sở F0001 (F0001) is already listed for this activity in row 2."),
        (5, "held_on", "“2012-02-30” is not a date: write YYYY-MM-DD or DD/MM/YYYY."),
    ]
    assert "<td>No facility has the code “X9”.</td>" in page
    assert stored_counts() == (0,) * 8


def test_missing_column_is_shown_as_a_file_problem(admin_client, records_register):
    data = table_bytes(SpecialistResource, [specialist_row()], header=("name", "appointed_on"))

    response = upload(admin_client, "specialist", data)

    assert "confirm_form" not in response.context
    assert [str(p) for p in response.context["problems"]] == ["File: Missing column(s): unit."]


@pytest.mark.parametrize("model", list(IMPORTS))
def test_valid_file_previews_then_imports_on_confirm(admin_client, records_register, model):
    resource, row, record_model = IMPORTS[model]
    preview = upload(admin_client, model, table_bytes(resource, [row]))

    assert preview.status_code == 200
    assert "Confirm import" in preview.content.decode()
    assert stored_counts() == (0,) * 8  # the preview is a dry run

    response = confirm(admin_client, model, preview)

    assert response.status_code == 302
    assert response["Location"] == url(model, "changelist")
    assert record_model.objects.count() == 1
    entry = LogEntry.objects.get()
    assert (entry.action_flag, entry.object_id) == (ADDITION, str(record_model.objects.get().pk))


def test_activity_preview_shows_each_row_and_history_has_one_entry_per_activity(admin_client, records_register):
    rows = [activity_row("F0001"), activity_row("F0002"), activity_row("M0001", title="Another")]
    preview = upload(admin_client, "outreachactivity", table_bytes(OutreachActivityResource, rows))

    page = preview.content.decode()
    assert page.count('<tr class="new">') == 3
    assert "<td>Cơ sở F0002 (F0002)</td>" in page  # the facility found for the code

    response = admin_client.get(confirm(admin_client, "outreachactivity", preview)["Location"])

    assert (OutreachActivity.objects.count(), Attendance.objects.count()) == (2, 3)
    assert LogEntry.objects.filter(action_flag=ADDITION).count() == 2
    assert "Import finished: 2 outreach activities added, 0 changed." in response.content.decode()


def test_reimport_logs_a_change_of_the_activity(admin_client, records_register):
    data = table_bytes(OutreachActivityResource, [activity_row("F0001")])
    confirm(admin_client, "outreachactivity", upload(admin_client, "outreachactivity", data))
    data = table_bytes(OutreachActivityResource, [activity_row("F0001"), activity_row("F0002")])

    confirm(admin_client, "outreachactivity", upload(admin_client, "outreachactivity", data))

    assert (OutreachActivity.objects.count(), Attendance.objects.count()) == (1, 2)
    assert LogEntry.objects.filter(action_flag=CHANGE).count() == 1


def test_xlsx_upload_imports(admin_client, records_register):
    data = table_bytes(SurveyResource, [survey_row(), survey_row("F0002")], fmt="xlsx")
    preview = upload(admin_client, "survey", data, name="surveys.xlsx", file_format=XLSX)

    confirm(admin_client, "survey", preview)

    assert Survey.objects.count() == 2


def test_confirm_refuses_a_file_that_became_invalid(admin_client, records_register):
    """Data can change between preview and confirm: nothing is written then."""
    data = table_bytes(SolutionResource, [solution_row("F0001"), solution_row("M0001")])
    preview = upload(admin_client, "solution", data)
    Facility.objects.filter(code="M0001").delete()

    response = admin_client.get(confirm(admin_client, "solution", preview)["Location"])

    assert not Solution.objects.exists()
    assert "Nothing was imported: Row 3, facility_code: No facility has the code “M0001”." in (
        response.content.decode()
    )


@pytest.mark.parametrize(
    ("data", "name", "file_format", "message"),
    [
        ("kind,title\nworkshop,Müller\n".encode("cp1252"), "a.csv", CSV, "The file is not UTF-8 text"),
        (b"not a workbook", "a.xlsx", XLSX, "This file is not an Excel workbook (.xlsx)."),
    ],
    ids=["cp1252-csv", "csv-as-xlsx"],
)
def test_unreadable_file_gives_a_form_error_not_a_crash(
    admin_client, records_register, data, name, file_format, message
):
    response = upload(admin_client, "outreachactivity", data, name=name, file_format=file_format)

    assert response.status_code == 200
    assert message in " ".join(response.context["form"].errors["import_file"])
    assert not OutreachActivity.objects.exists()


def test_the_specialist_import_page_says_what_left_on_means(admin_client):
    response = admin_client.get(reverse("admin:programmes_specialist_import"))

    content = response.content.decode()
    assert "left_on is the first day the specialist is no longer in post" in content
    assert "left_on is at the latest the day after the unit&#x27;s last day" in content
