"""Large XLSX exports as jobs: the worker writes what the page would have sent, as its
user; CSV always streams; small XLSX stays in the request."""

import io

import openpyxl
import pytest
from django.contrib.auth.models import Group, Permission
from django.urls import reverse

from cpdash.roles import MANAGERS, ensure_groups
from jobs.exports import KIND
from jobs.models import Job
from jobs.tasks import RUN, run_job
from tests.responses import body
from tests.targets.test_facility_filters import build_register

pytestmark = pytest.mark.django_db

REGISTER = reverse("facilities:list")
SURVEYS = reverse("programmes:survey_list")


@pytest.fixture
def world():
    return build_register()


def sheet_rows(data: bytes) -> list[tuple]:
    return list(openpyxl.load_workbook(io.BytesIO(data)).active.values)


@pytest.mark.parametrize("url", [REGISTER, SURVEYS])
def test_a_large_xlsx_is_written_by_a_job_with_the_pages_rows(admin_client, settings, world, url):
    params = {"_export": "xlsx", "sort": "-name"} if url == REGISTER else {"_export": "xlsx"}
    direct = sheet_rows(body(admin_client.get(url, params)))
    settings.EXPORT_BACKGROUND_ROWS = len(direct) - 2  # header excluded: one row too many

    admin_client.cookies["django_language"] = "vi"  # chosen with the VI/EN switch
    response = admin_client.get(url, params)

    job = Job.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("jobs:detail", args=[job.pk])
    assert (job.kind, job.status, job.step, job.total) == (KIND, Job.Status.QUEUED, RUN, len(direct) - 1)
    assert job.params["language"] == "vi"
    job.params["language"] = "en"  # compare with the English export above
    job.save()

    run_job.call(str(job.pk), RUN)

    job.refresh_from_db()
    assert job.status == Job.Status.DONE
    assert job.written == len(direct) - 1
    assert job.result_name.endswith(".xlsx")
    with job.result.open("rb") as result:
        assert sheet_rows(result.read()) == direct


def test_csv_always_streams(admin_client, settings, world):
    settings.EXPORT_BACKGROUND_ROWS = 0

    response = admin_client.get(REGISTER, {"_export": "csv"})

    assert response.status_code == 200 and response.streaming
    assert not Job.objects.exists()


def test_a_user_who_lost_the_permission_gets_no_file(client, settings, world, manager_user):
    ensure_groups()
    manager_user.groups.add(Group.objects.get(name=MANAGERS))
    client.force_login(manager_user)
    settings.EXPORT_BACKGROUND_ROWS = 0
    client.get(REGISTER, {"_export": "xlsx"})
    job = Job.objects.get()
    manager_user.groups.clear()
    manager_user.user_permissions.remove(*Permission.objects.all())

    run_job.call(str(job.pk), RUN)

    job.refresh_from_db()
    assert job.status == Job.Status.FAILED
    assert "can no longer be exported" in job.message
    assert not job.result
