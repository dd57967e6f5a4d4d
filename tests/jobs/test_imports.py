"""ImportKind: once the last row is read the job says it is finishing, and the import's
resource may say what it finishes (jobs.imports)."""

import pytest
from django.core.files.base import ContentFile
from import_export.results import Result

from jobs.imports import ImportKind
from jobs.models import Job
from jobs.progress import Progress
from tests.jobs.conftest import make_job

pytestmark = pytest.mark.django_db


class Resource:
    """Reads its rows as the import engines do, noting the job's phase after each, then
    says what it finishes through ``phase``."""

    def __init__(self, progress, phase, job_progress: Progress, seen: list):
        self.progress, self.phase, self.job_progress, self.seen = progress, phase, job_progress, seen

    def import_data(self, dataset, dry_run, user, file_name) -> Result:
        for _row in dataset:
            self.progress()
            self.seen.append(self.job_progress.doing)
        if not dry_run:
            self.phase("Finishing: updating the pathway")
            self.seen.append(self.job_progress.doing)
        return Result()


def import_kind(job_progress: Progress, seen: list) -> ImportKind:
    return ImportKind(
        name="tests.import",
        title="Test import",
        resource=lambda progress, phase: Resource(progress, phase, job_progress, seen),
        problems=lambda result: [],
        summary=lambda result: {},
        permissions=(),
        finishing="Finishing: writing the last rows",
    )


def uploaded_job(user, step: str) -> Job:
    job = make_job(user, step=step, upload_name="list.csv")
    job.params["format"] = ".csv"
    job.upload.save("list.csv", ContentFile(b"code,name\nA,a\nB,b\nC,c\n"))
    return job


def test_the_run_says_it_is_finishing_once_its_last_row_is_read(admin_user):
    seen = []
    job = uploaded_job(admin_user, "run")
    progress = Progress(job)

    import_kind(progress, seen).kind().run(job, progress)

    assert seen == ["", "", "Finishing: writing the last rows", "Finishing: updating the pathway"]
    assert progress.counts["written"] == 3


def test_the_check_says_it_is_finishing_once_its_last_row_is_read(admin_user):
    seen = []
    job = uploaded_job(admin_user, "check")
    progress = Progress(job)

    import_kind(progress, seen).kind().check(job, progress)

    assert seen == ["", "", "Finishing the check"]
    assert progress.counts["validated"] == 3
