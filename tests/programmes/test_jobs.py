"""The past-records imports as background jobs: a large upload goes to a job, which
checks, waits for the confirm and imports with the same rules; problems come back as a
sheet; confirming asks for every permission the import asks for."""

import csv
import io

import pytest

from jobs.models import Job
from jobs.tasks import CHECK, RUN, run_job
from programmes.jobs import RECORD_IMPORTS
from programmes.models import Specialist
from programmes.resources import SpecialistResource
from tests.programmes.test_admin_import_records import IMPORTS, records_register, upload  # noqa: F401 (a fixture)
from tests.programmes.test_import_records import specialist_row, table_bytes

pytestmark = pytest.mark.usefixtures("records_register")


def specialists(count: int, **overrides) -> bytes:
    rows = [specialist_row(name=f"Cán bộ {n}", **overrides) for n in range(count)]
    return table_bytes(SpecialistResource, rows)


def step(job: Job, name: str) -> Job:
    job.status, job.step = Job.Status.QUEUED, name
    job.save()
    run_job.call(str(job.pk), name)
    job.refresh_from_db()
    return job


@pytest.mark.parametrize("model", IMPORTS)
def test_a_large_upload_goes_to_a_job_of_its_kind(admin_client, settings, model):
    resource, row, _model = IMPORTS[model]
    settings.IMPORT_BACKGROUND_ROWS = 1

    response = upload(admin_client, model, table_bytes(resource, [row, row]))

    job = Job.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/jobs/{job.pk}/"
    assert job.kind == RECORD_IMPORTS[resource].name
    assert (job.status, job.step) == (Job.Status.QUEUED, CHECK)


def test_check_confirm_import(admin_user):
    job = RECORD_IMPORTS[SpecialistResource].start(specialists(3), "cb.csv", ".csv", admin_user)

    job = step(job, CHECK)
    assert job.status == Job.Status.CHECKED
    assert (job.total, job.validated) == (3, 3)
    assert job.summary["rows of new records"] == 3
    assert not Specialist.objects.exists()

    job = step(job, RUN)
    assert job.status == Job.Status.DONE
    assert job.written == 3
    assert Specialist.objects.count() == 3


def test_problems_come_back_as_the_sheet_with_a_problem_column(admin_user):
    data = specialists(2, unit="Quận 1")
    job = step(RECORD_IMPORTS[SpecialistResource].start(data, "cb.csv", ".csv", admin_user), CHECK)

    assert job.status == Job.Status.FAILED
    assert job.error_count == 2
    with job.result.open("rb") as sheet:
        lines = list(csv.reader(io.StringIO(sheet.read().decode("utf-8-sig"))))
    assert lines[0][-1] == "problems"
    assert all("Quận 1" in line[-1] for line in lines[1:])


def test_confirming_asks_every_permission_the_import_asks():
    assert set(RECORD_IMPORTS[SpecialistResource].permissions) == {
        "programmes.import_specialist",
        "programmes.add_specialist",
        "programmes.change_specialist",
    }


@pytest.mark.parametrize("resource", list(RECORD_IMPORTS))
def test_a_job_keeps_the_totals_and_problems_not_a_preview_of_every_row(resource):
    """No page shows a job's rows: its import skips the preview's diffs (cpdash.imports)."""
    engine = RECORD_IMPORTS[resource].resource(lambda: None, lambda text: None)
    assert isinstance(engine, resource) and not engine.html_diff
    assert not engine.keep_every_row() and engine.keep_every_row(retain_instance_in_row_result=True)
