"""prune_jobs: old finished jobs go, with their files; running and recent ones stay."""

import datetime

import pytest
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.utils import timezone

from jobs.models import Job
from tests.jobs.conftest import make_job

pytestmark = pytest.mark.django_db


def test_old_finished_jobs_and_their_files_are_deleted(admin_user):
    long_ago = timezone.now() - datetime.timedelta(days=40)
    old = make_job(admin_user, status=Job.Status.DONE, finished_at=long_ago)
    old.result.save("r.csv", ContentFile(b"x"), save=True)
    recent = make_job(admin_user, status=Job.Status.DONE, finished_at=timezone.now())
    running = make_job(admin_user, status=Job.Status.RUNNING)
    path = old.result.path

    call_command("prune_jobs", days=30, verbosity=0)

    assert set(Job.objects.values_list("pk", flat=True)) == {recent.pk, running.pk}
    assert not old.result.storage.exists(path)
