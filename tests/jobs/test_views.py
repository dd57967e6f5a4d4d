"""A job's pages: only its owner sees them; confirm and cancel move it once."""

import pytest
from django.urls import reverse
from django_tasks_db.models import DBTaskResult

from jobs.models import Job
from jobs.tasks import RUN
from tests.jobs.conftest import make_job

pytestmark = pytest.mark.django_db


def test_the_owner_sees_the_job_and_its_counts(admin_client, admin_user, django_assert_num_queries):
    job = make_job(admin_user, status=Job.Status.CHECKING, step="check", total=1200, validated=300)

    with django_assert_num_queries(5):  # the request's savepoint and its release, session, user, job (with its owner)
        response = admin_client.get(reverse("jobs:detail", args=[job.pk]))

    page = response.content.decode()
    assert response.status_code == 200
    assert "1,200" in page and "300" in page
    assert reverse("jobs:status", args=[job.pk]) in page  # polled while it runs
    assert reverse("jobs:cancel", args=[job.pk]) in page


def test_the_problems_shown_say_how_many_there_are_grouped(admin_client, admin_user):
    problems = [f"Row {n}: the sector is unknown." for n in range(2, 102)]
    job = make_job(admin_user, status=Job.Status.FAILED, error_count=2500, problems=problems)
    page = admin_client.get(reverse("jobs:detail", args=[job.pk])).content.decode()
    assert "The first 100 of 2,500 problems:" in page


def test_status_answers_json(admin_client, admin_user):
    job = make_job(admin_user, status=Job.Status.RUNNING, total=10, written=4)

    payload = admin_client.get(reverse("jobs:status", args=[job.pk])).json()

    assert payload["status"] == "running"
    assert (payload["total"], payload["written"], payload["finished"]) == (10, 4, False)


def test_a_finishing_job_says_what_it_does(admin_client, admin_user, django_assert_num_queries):
    job = make_job(
        admin_user, status=Job.Status.RUNNING, total=10, validated=10, written=10, phase="Finishing: the pathway"
    )

    with django_assert_num_queries(5):
        response = admin_client.get(reverse("jobs:detail", args=[job.pk]))
    payload = admin_client.get(reverse("jobs:status", args=[job.pk])).json()

    page = response.content.decode()
    assert '<p class="job-phase" data-job-field="phase" aria-live="polite">Finishing: the pathway</p>' in page
    assert '<progress max="10" data-job-progress>' in page  # no value: busy, not full and stopped
    assert (payload["phase"], payload["validated"], payload["written"]) == ("Finishing: the pathway", 10, 10)


def test_a_job_counting_rows_shows_no_phase(admin_client, admin_user):
    job = make_job(admin_user, status=Job.Status.RUNNING, total=10, validated=10, written=4)

    page = admin_client.get(reverse("jobs:detail", args=[job.pk])).content.decode()

    assert 'data-job-field="phase" aria-live="polite" hidden>' in page
    assert '<progress max="10" value="4" data-job-progress>' in page


@pytest.mark.parametrize("name", ["jobs:detail", "jobs:status", "jobs:download"])
def test_another_users_job_is_not_found(client, admin_user, manager_user, name):
    job = make_job(admin_user)
    client.force_login(manager_user)

    assert client.get(reverse(name, args=[job.pk])).status_code == 404


def test_signed_out_users_are_sent_to_sign_in(client, admin_user):
    job = make_job(admin_user)

    response = client.get(reverse("jobs:detail", args=[job.pk]))

    assert response.status_code == 302 and reverse("login") in response["Location"]


def test_the_list_shows_only_the_users_jobs(client, admin_user, manager_user):
    make_job(admin_user, kind="tests.counting")
    mine = Job.objects.create(kind="tests.failing", title="Mine", user=manager_user)
    client.force_login(manager_user)

    page = client.get(reverse("jobs:list")).content.decode()

    assert "Mine" in page and reverse("jobs:detail", args=[mine.pk]) in page
    assert "A tests.counting job" not in page


@pytest.mark.parametrize(("language", "header"), [("en", "Created"), ("vi", "Tạo lúc")])
def test_the_list_heads_the_time_a_job_was_made(admin_client, admin_user, language, header):
    """The column's context keeps it apart from the history's kind of change ("Created": "Tạo mới")."""
    make_job(admin_user, kind="tests.counting")
    admin_client.cookies["django_language"] = language

    page = admin_client.get(reverse("jobs:list")).content.decode()

    assert f'<th scope="col">{header}</th>' in page


def test_confirm_queues_the_run_once(admin_client, admin_user):
    job = make_job(admin_user, status=Job.Status.CHECKED, step="check")
    url = reverse("jobs:confirm", args=[job.pk])

    admin_client.post(url)
    admin_client.post(url)  # a double click

    job.refresh_from_db()
    assert (job.status, job.step) == (Job.Status.QUEUED, RUN)
    assert DBTaskResult.objects.count() == 1


def test_confirm_needs_the_kinds_permission(client, manager_user):
    job = make_job(manager_user, status=Job.Status.CHECKED, step="check")
    client.force_login(manager_user)

    response = client.post(reverse("jobs:confirm", args=[job.pk]))

    assert response.status_code == 403
    job.refresh_from_db()
    assert job.status == Job.Status.CHECKED


def test_confirm_is_a_post(admin_client, admin_user):
    job = make_job(admin_user, status=Job.Status.CHECKED)

    assert admin_client.get(reverse("jobs:confirm", args=[job.pk])).status_code == 405


@pytest.mark.parametrize("status", [Job.Status.QUEUED, Job.Status.CHECKED])
def test_cancel_before_the_work_runs_cancels_at_once(admin_client, admin_user, status):
    job = make_job(admin_user, status=status)

    admin_client.post(reverse("jobs:cancel", args=[job.pk]))

    job.refresh_from_db()
    assert job.status == Job.Status.CANCELLED
    assert job.finished_at is not None


def test_cancel_while_running_asks_the_worker(admin_client, admin_user):
    job = make_job(admin_user, status=Job.Status.RUNNING)

    admin_client.post(reverse("jobs:cancel", args=[job.pk]))

    job.refresh_from_db()
    assert job.status == Job.Status.RUNNING and job.cancel_requested


def test_cancel_after_the_end_changes_nothing(admin_client, admin_user):
    job = make_job(admin_user, status=Job.Status.DONE)

    admin_client.post(reverse("jobs:cancel", args=[job.pk]))

    job.refresh_from_db()
    assert job.status == Job.Status.DONE and not job.cancel_requested


def test_download_sends_the_result_file(admin_client, admin_user):
    from django.core.files.base import ContentFile

    job = make_job(admin_user, status=Job.Status.FAILED, result_name="list-problems.csv")
    job.result.save("x.csv", ContentFile(b"code,problems\r\n"), save=True)

    response = admin_client.get(reverse("jobs:download", args=[job.pk]))

    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b"code,problems\r\n"
    assert 'filename="list-problems.csv"' in response["Content-Disposition"]


def test_download_without_a_file_is_not_found(admin_client, admin_user):
    job = make_job(admin_user)

    assert admin_client.get(reverse("jobs:download", args=[job.pk])).status_code == 404
