"""Facility imports as background jobs: check, confirm, import; problems as a sheet;
cancel; the admin's hand-over of a large upload."""

import csv
import io

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from facilities.jobs import FACILITY_IMPORT
from facilities.models import Facility, RegisterVersion
from jobs import progress as progress_module
from jobs.models import Job
from jobs.tasks import CHECK, RUN, run_job
from programmes.models import FacilityPathway
from tests.facilities.conftest import csv_bytes, good_row, rows_of, xlsx_bytes

pytestmark = pytest.mark.usefixtures("register")


def checked(job: Job) -> Job:
    run_job.call(str(job.pk), CHECK)
    job.refresh_from_db()
    return job


def imported(job: Job) -> Job:
    checked(job)
    job.status = Job.Status.QUEUED
    job.step = RUN
    job.save()
    run_job.call(str(job.pk), RUN)
    job.refresh_from_db()
    return job


def test_the_upload_is_kept_privately_under_a_random_name(admin_user, settings):
    job = FACILITY_IMPORT.start(csv_bytes(rows_of(3)), "../../etc/passwd.csv", ".csv", admin_user)

    path = job.upload.path
    assert path.startswith(str(settings.PRIVATE_MEDIA_ROOT))
    assert "passwd" not in path
    assert (job.status, job.step, job.upload_name) == (Job.Status.QUEUED, CHECK, "../../etc/passwd.csv")


def test_the_check_counts_and_writes_nothing(admin_user):
    job = checked(FACILITY_IMPORT.start(csv_bytes(rows_of(3)), "list.csv", ".csv", admin_user))

    assert job.status == Job.Status.CHECKED
    assert (job.total, job.validated, job.written) == (3, 3, 0)
    assert job.summary["new facilities"] == 3
    assert job.summary["facilities: new"] == 3
    assert job.summary["facilities: moved unit"] == 0
    assert "register version" not in job.summary  # nothing written yet
    assert not Facility.objects.exists()
    assert not RegisterVersion.objects.exists()


def test_the_run_says_what_changed_and_names_its_register_version(admin_user):
    imported(FACILITY_IMPORT.start(csv_bytes(rows_of(3)), "first.csv", ".csv", admin_user))
    rows = rows_of(3)
    rows[0]["sector"] = "Cơ khí"

    job = imported(FACILITY_IMPORT.start(csv_bytes(rows), "second.csv", ".csv", admin_user))

    assert job.status == Job.Status.DONE
    assert (job.summary["facilities: changed sector"], job.summary["facilities: unchanged"]) == (1, 2)
    assert job.summary["register version"] == 2
    version = RegisterVersion.objects.get(number=2)
    assert (version.imported_by, version.file_name, version.changed_sector_count) == (admin_user, "second.csv", 1)


def test_the_confirmed_import_writes_with_history_and_pathway(admin_user):
    job = imported(FACILITY_IMPORT.start(xlsx_bytes(rows_of(3)), "list.xlsx", ".xlsx", admin_user))

    assert job.status == Job.Status.DONE
    assert (job.validated, job.written, job.phase) == (3, 3, "")  # the check's count kept; finished
    assert Facility.objects.count() == 3
    assert FacilityPathway.objects.count() == 3
    assert {h.history_user for h in Facility.history.all()} == {admin_user}


def test_a_file_with_problems_fails_and_gives_the_sheet_back_with_a_problem_column(admin_user):
    rows = [good_row("F1"), good_row("F2", sector="Không có"), good_row("F3", opened_on="hôm qua")]
    job = checked(FACILITY_IMPORT.start(csv_bytes(rows), "list.csv", ".csv", admin_user))

    assert job.status == Job.Status.FAILED
    assert job.error_count == 2 and len(job.problems) == 2
    assert "nothing was imported" in job.message
    assert job.result_name == "list-problems.csv"
    with job.result.open("rb") as sheet:
        lines = list(csv.reader(io.StringIO(sheet.read().decode("utf-8-sig"))))
    assert lines[0][-1] == "problems"
    assert [line[0] for line in lines[1:]] == ["F1", "F2", "F3"]
    assert lines[1][-1] == ""
    assert "Không có" in lines[2][-1] and lines[2][-1].startswith("sector:")
    assert lines[3][-1].startswith("opened_on:")
    assert not Facility.objects.exists()


def test_the_problem_sheet_of_a_workbook_is_a_workbook(admin_user):
    job = checked(FACILITY_IMPORT.start(xlsx_bytes([good_row("F1", unit="Nowhere")]), "list.xlsx", ".xlsx", admin_user))

    with job.result.open("rb") as sheet:
        rows = list(openpyxl.load_workbook(io.BytesIO(sheet.read())).active.values)
    assert rows[0][-1] == "problems"
    assert "Nowhere" in rows[1][-1]


def test_an_unreadable_file_fails_with_the_readers_message(admin_user):
    job = checked(FACILITY_IMPORT.start(b"\xff\xfe\x00garbage", "list.xlsx", ".xlsx", admin_user))

    assert job.status == Job.Status.FAILED
    assert "not an Excel workbook" in job.message


def test_a_cancel_during_the_import_writes_nothing(admin_user, monkeypatch):
    job = FACILITY_IMPORT.start(csv_bytes(rows_of(5)), "list.csv", ".csv", admin_user)
    checked(job)
    calls = []

    def cancel_at_the_fourth_row(progress):
        calls.append(1)
        if len(calls) == 4:
            raise progress_module.JobCancelled

    monkeypatch.setattr(progress_module.Progress, "check", cancel_at_the_fourth_row)
    job.status, job.step = Job.Status.QUEUED, RUN
    job.save()

    run_job.call(str(job.pk), RUN)

    job.refresh_from_db()
    assert job.status == Job.Status.CANCELLED
    assert not Facility.objects.exists()
    assert not Facility.history.exists()


# --- The admin hands a large upload to a job ---------------------------------------


def upload(client, data: bytes, name: str, file_format: str):
    file = SimpleUploadedFile(name, data)
    url = reverse("admin:facilities_facility_import")
    return client.post(url, {"import_file": file, "format": file_format, "resource": "0"})


@pytest.mark.parametrize(
    ("name", "file_format", "build"), [("list.csv", "0", csv_bytes), ("list.xlsx", "1", xlsx_bytes)]
)
def test_a_large_upload_goes_to_a_job(admin_client, settings, name, file_format, build):
    settings.IMPORT_BACKGROUND_ROWS = 3

    response = upload(admin_client, build(rows_of(4)), name, file_format)

    job = Job.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("jobs:detail", args=[job.pk])
    assert (job.status, job.step, job.upload_name) == (Job.Status.QUEUED, CHECK, name)
    assert not Facility.objects.exists()


def test_a_small_upload_is_previewed_in_the_request(admin_client, settings):
    settings.IMPORT_BACKGROUND_ROWS = 3

    response = upload(admin_client, csv_bytes(rows_of(3)), "list.csv", "0")

    assert response.status_code == 200
    assert "confirm_form" in response.context
    assert not Job.objects.exists()


def test_an_invalid_upload_form_is_not_a_job(admin_client, settings):
    settings.IMPORT_BACKGROUND_ROWS = 0
    url = reverse("admin:facilities_facility_import")

    response = admin_client.post(url, {"format": "0", "resource": "0"})  # no file

    assert response.status_code == 200
    assert not Job.objects.exists()
