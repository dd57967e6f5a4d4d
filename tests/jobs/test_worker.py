"""The queue end to end: a job started in one transaction is run by `manage.py db_worker`
(the command production runs; here in --batch mode, which stops once the queue is empty)."""

import pytest
from django.core.management import call_command

from jobs.models import Job
from jobs.tasks import CHECK, RUN, start
from tests.jobs.conftest import make_job

pytestmark = pytest.mark.django_db(transaction=True)


def work_the_queue() -> None:
    call_command("db_worker", "--batch", "--no-startup-delay", "--interval", "0", verbosity=0)


def test_the_worker_runs_the_check_then_the_confirmed_run(admin_user):
    job = make_job(admin_user)
    start(job, CHECK)

    work_the_queue()
    job.refresh_from_db()
    assert job.status == Job.Status.CHECKED

    start(job, RUN)
    work_the_queue()
    job.refresh_from_db()
    assert job.status == Job.Status.DONE
    assert job.written == 3
