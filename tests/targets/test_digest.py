"""The managers' monthly digest (targets/digest.py, docs/digest.md): who receives it and in which
language, its figures against the dashboard's and the API's, once a month, the schedule, the command.

The interview year (tests/targets/conftest.py): April 2012 holds a symposium that makes
F005–F009 aware and a results report; September 2012 the seven solutions (at six facilities),
and two status changes (awareness at risk → off track; saving no data → met).
"""

import datetime as dt
import io

import pytest
from django.contrib.auth.models import Group, User
from django.core import mail
from django.core.mail.backends.locmem import EmailBackend
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape
from django_tasks_db.models import DBTaskResult

from cpdash.models import Profile
from cpdash.roles import MANAGERS, STAFF, ensure_groups
from facilities.models import Facility
from jobs import periodic
from targets import digest
from targets.models import DigestSent

pytestmark = pytest.mark.django_db

D = dt.date
APRIL = digest.Month(D(2012, 4, 1))
SEPTEMBER = digest.Month(D(2012, 9, 1))


@pytest.fixture(autouse=True)
def groups(db):
    ensure_groups()


def make_user(name: str, group: str = MANAGERS, *, email: str | None = None, **profile) -> User:
    user = User.objects.create_user(name, f"{name}@example.test" if email is None else email, "pass-123")
    user.groups.add(Group.objects.get(name=group))
    if profile:
        Profile.objects.create(user=user, **profile)
    return user


def sent_to() -> dict[str, mail.EmailMessage]:
    return {message.to[0]: message for message in mail.outbox}


# --- Who, in which language ----------------------------------------------------------------------


def test_one_email_per_manager_in_their_language(interview_year, settings):
    settings.LANGUAGE_CODE = "vi"  # the default, as in production
    make_user("lan", language="vi")
    make_user("john", language="en")
    make_user("minh")  # never chose: the site's language
    make_user("staff", STAFF)
    make_user("quiet", language="en", monthly_digest=False)
    make_user("nomail", email="")
    User.objects.filter(pk=make_user("gone").pk).update(is_active=False)
    User.objects.create_superuser("admin", "admin@example.test", "pass-123")

    deliveries = digest.send_digests(APRIL)

    messages = sent_to()
    assert sorted(messages) == ["john@example.test", "lan@example.test", "minh@example.test"]
    assert [(d.user.username, d.language, d.outcome) for d in deliveries] == [
        ("john", "en", "sent"),
        ("lan", "vi", "sent"),
        ("minh", "vi", "sent"),
    ]
    english, vietnamese = messages["john@example.test"], messages["lan@example.test"]
    assert english.subject == "cpdash: the programme in April 2012"
    assert vietnamese.subject == "cpdash: chương trình tháng 04/2012"
    assert "Facilities newly aware of CP: 5" in english.body
    assert "Cơ sở mới nhận thức về SXSH: 5" in vietnamese.body
    # Numbers and dates as each language writes them.
    assert "10.8% against 13.3% expected now" in english.body
    assert "10,8% so với 13,3% cần đạt lúc này" in vietnamese.body
    assert "30/04/2012" in english.body and "30/04/2012" in vietnamese.body
    html, mimetype = vietnamese.alternatives[0]
    assert mimetype == "text/html"
    assert '<html lang="vi">' in html and "Cơ sở mới nhận thức về SXSH: 5" in html
    assert messages["minh@example.test"].subject == vietnamese.subject


def test_the_links_are_absolute_on_site_url(interview_year, settings):
    settings.SITE_URL = "https://cp.example.vn"
    make_user("john", language="en")
    digest.send_digests(APRIL)
    body = mail.outbox[0].body
    phase = interview_year.phase.pk
    assert f"https://cp.example.vn/dashboard/?phase={phase}&as_of=2012-04-30" in body
    assert "https://cp.example.vn/facilities/reach-next/?as_of=2012-04-30" in body
    assert "https://cp.example.vn/accounts/profile/" in body


# --- The figures ----------------------------------------------------------------------------------


def test_figures_equal_the_dashboards_and_the_apis(interview_year, client):
    john = make_user("john", language="en")
    client.force_login(john)
    built = digest.build_digest(SEPTEMBER, language="en")
    as_of = SEPTEMBER.last.isoformat()

    page = client.get(reverse("targets:dashboard"), {"phase": interview_year.phase.pk, "as_of": as_of})
    shown = page.context["summary"]
    assert [r.target_id for r in built.summary.behind] == [r.target_id for r in shown.behind]
    assert (built.summary.total, built.summary.met, built.summary.on_track, built.summary.no_data) == (
        shown.total,
        shown.met,
        shown.on_track,
        shown.no_data,
    )
    assert built.results == page.context["results"]

    api = client.get(reverse("targets:indicators"), {"as_of": as_of, "from": SEPTEMBER.first.isoformat()}).json()
    from_api = [{key: value for key, value in t.items() if key != "explain_url"} for t in api["targets"]]
    assert [r.as_dict() for r in built.results] == from_api
    assert built.outputs == api["outputs"]
    assert built.completeness.as_dict() == api["completeness"]

    # What the e-mail says is those figures.
    digest.send_digests(SEPTEMBER)
    body = mail.outbox[0].body
    assert "CP solutions implemented: 7, at 6 facilities" in body
    assert f"{api['completeness']['never_reached']} facilities counted on 30/09/2012 have never been reached" in body
    assert f"Outreach activities held: {api['outputs']['symposia'] + api['outputs']['workshops']}" in body


def test_status_changes_are_those_between_the_two_months_ends(interview_year, client):
    john = make_user("john", language="en")
    client.force_login(john)
    statuses = {}
    for day in ("2012-08-31", "2012-09-30"):
        api = client.get(reverse("targets:indicators"), {"as_of": day}).json()
        statuses[day] = {t["target_id"]: t["status"] for t in api["targets"]}
    changed = {pk for pk, status in statuses["2012-09-30"].items() if statuses["2012-08-31"][pk] != status}

    built = digest.build_digest(SEPTEMBER, language="en")

    assert {c.result.target_id for c in built.changes} == changed
    assert {c.result.indicator: (c.before, c.result.status) for c in built.changes} == {
        "awareness": ("at_risk", "off_track"),
        "saving": ("no_data", "met"),
    }
    digest.send_digests(SEPTEMBER)
    assert "facilities aware of CP: at risk → off track" in mail.outbox[0].body


def test_lists_are_capped_but_counts_are_not(interview_year, monkeypatch):
    monkeypatch.setattr(digest, "LISTED", 2)
    built = digest.build_digest(APRIL, language="en")
    assert [f.code for f in built.newly_aware] == ["F005", "F006"]
    assert built.outputs["facilities_newly_reached"] == 5
    make_user("john", language="en")
    digest.send_digests(APRIL)
    assert "… 5 in all" in mail.outbox[0].body


def test_who_to_reach_next_is_listed_with_each_facilitys_sector_and_unit(interview_year):
    built = digest.build_digest(SEPTEMBER, language="en")
    assert built.reach_next
    make_user("john", language="en")
    digest.send_digests(SEPTEMBER)
    (message,) = mail.outbox
    (html, _type) = message.alternatives[0]
    for listed in built.reach_next:
        f = Facility.objects.select_related("sector", "unit").get(code=listed.code)
        line = f"{f.code} {f.name} ({f.sector.name}, {f.unit.name})"
        assert line in message.body
        assert escape(line) in html


def test_building_a_digest_takes_a_fixed_number_of_queries(interview_year, django_assert_num_queries):
    with django_assert_num_queries(24):
        digest.build_digest(SEPTEMBER, language="vi")


def test_rendering_takes_no_query(interview_year, django_assert_num_queries):
    built = digest.build_digest(SEPTEMBER, language="vi")
    john = make_user("john")
    with django_assert_num_queries(0):
        digest.digest_message(built, john).message()


# --- Once a month ---------------------------------------------------------------------------------


def test_no_second_send_in_the_same_month(interview_year):
    make_user("lan", language="vi")
    digest.send_digests(APRIL)
    assert len(mail.outbox) == 1

    again = digest.send_digests(APRIL)

    assert len(mail.outbox) == 1
    assert [d.outcome for d in again] == ["already sent"]
    assert DigestSent.objects.get().month == APRIL.first
    # A manager who joins meanwhile gets theirs; the next month is a new digest.
    make_user("john", language="en")
    digest.send_digests(APRIL)
    digest.send_digests(SEPTEMBER)
    assert sorted((m.to[0], m.subject) for m in mail.outbox) == [
        ("john@example.test", "cpdash: the programme in April 2012"),
        ("john@example.test", "cpdash: the programme in September 2012"),
        ("lan@example.test", "cpdash: chương trình tháng 04/2012"),
        ("lan@example.test", "cpdash: chương trình tháng 09/2012"),
    ]


def test_a_failed_send_is_recorded_as_failed_and_tried_again(interview_year, monkeypatch):
    make_user("john", language="en")

    def refuse(self, messages):
        raise OSError("connection refused")

    with monkeypatch.context() as patch:
        patch.setattr(EmailBackend, "send_messages", refuse)
        assert [d.outcome for d in digest.send_digests(APRIL)] == ["failed"]
    assert not DigestSent.objects.exists()

    assert [d.outcome for d in digest.send_digests(APRIL)] == ["sent"]
    assert len(mail.outbox) == 1


# --- The schedule ---------------------------------------------------------------------------------


def queued() -> list[tuple[list, dt.datetime]]:
    rows = DBTaskResult.objects.filter(task_path=digest.send_monthly_digest.module_path, status="READY")
    return [(row.args_kwargs["args"], timezone.localtime(row.run_after)) for row in rows.order_by("run_after")]


def test_starting_the_schedule_queues_one_run_for_the_1st_of_next_month():
    assert digest.start_schedule(D(2026, 12, 6)) is True
    assert digest.start_schedule(D(2026, 12, 7)) is False  # already queued: no second chain

    [(args, run_after)] = queued()
    assert args == ["2026-12"]
    assert (run_after.date(), run_after.hour) == (D(2027, 1, 1), digest.SEND_HOUR)


def test_the_run_sends_its_month_and_queues_the_next(interview_year):
    make_user("john", language="en")

    summary = digest.send_monthly_digest.call("2012-04")

    assert summary == {"month": "2012-04", "sent": 1}
    assert [m.subject for m in mail.outbox] == ["cpdash: the programme in April 2012"]
    [(args, run_after)] = queued()
    assert args == ["2012-05"]
    assert (run_after.date(), run_after.hour) == (D(2012, 6, 1), digest.SEND_HOUR)


def test_a_failed_run_keeps_the_schedule(interview_year, monkeypatch):
    make_user("john", language="en")
    monkeypatch.setattr(EmailBackend, "send_messages", lambda self, messages: 1 / 0)
    with pytest.raises(digest.DigestNotSent):
        digest.send_monthly_digest.call("2012-04")
    assert [args for args, _ in queued()] == [["2012-05"]]


@pytest.mark.django_db(transaction=True)
def test_the_worker_runs_a_due_run(interview_year):
    """End to end: the run queued for the month just over is due; the worker sends it and
    queues the current month's, which is not due yet (the batch worker then stops)."""
    ensure_groups()
    make_user("john", language="en")
    last_month = digest.Month.of(timezone.localdate()).previous
    periodic.enqueue_once(digest.send_monthly_digest, last_month.key, run_after=timezone.now())

    call_command("db_worker", "--batch", "--no-startup-delay", "--interval", "0", verbosity=0)

    assert len(mail.outbox) == 1
    assert DigestSent.objects.get().month == last_month.first
    assert [args for args, _ in queued()] == [[last_month.next.key]]


# --- The command ----------------------------------------------------------------------------------


def run(*args: str) -> str:
    out = io.StringIO()
    call_command("send_digest", *args, stdout=out)
    return out.getvalue()


def test_the_commands_dry_run_sends_nothing(interview_year):
    make_user("john", language="en")
    output = run("--month", "2012-04", "--dry-run")
    assert "john <john@example.test> [en]: would be sent (dry run: nothing sent)" in output
    assert mail.outbox == []
    assert not DigestSent.objects.exists()


def test_the_command_sends_once(interview_year):
    make_user("john", language="en")
    assert "john <john@example.test> [en]: sent" in run("--month", "2012-04")
    assert "already sent this month" in run("--month", "2012-04")
    assert len(mail.outbox) == 1


def test_the_command_refuses_a_month_not_over_or_badly_written():
    this_month = digest.Month.of(timezone.localdate()).key
    with pytest.raises(CommandError, match="not over yet"):
        run("--month", this_month)
    with pytest.raises(CommandError, match="YYYY-MM"):
        run("--month", "11/2026")


def test_the_command_starts_the_schedule_once():
    assert "is scheduled" in run("--schedule")
    assert "already scheduled" in run("--schedule")
    assert len(queued()) == 1
