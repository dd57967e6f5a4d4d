"""The managers' monthly digest: an e-mail, in each manager's language, with where the
targets stand at the end of the month, what the month brought and who to reach next.

- ``build_digest(month, language)``: the figures, from the same selectors as the dashboard
  (so they are the dashboard's at the month's last day); a fixed number of queries.
- ``send_digests(month)``: one e-mail per manager who wants it (cpdash.models.Profile), at
  most once per manager and month (targets.models.DigestSent).
- ``send_monthly_digest``: the task the worker runs on the 1st of each month; it queues
  next month's run first (jobs/periodic.py). ``manage.py send_digest`` does the same by hand.

Why and how: docs/digest.md.
"""

import dataclasses
import datetime
import logging
from collections.abc import Sequence

from django.conf import settings
from django.contrib.auth.models import User
from django.core import mail
from django.db import transaction
from django.db.models import Case, Count, Min, Q, QuerySet, Value, When
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import formats, timezone, translation
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django_tasks import task

from cpdash.models import Profile
from cpdash.roles import managers
from facilities.models import Facility
from jobs import periodic
from programmes.models import OutreachActivity, Phase, Solution
from targets import dashboard, selectors
from targets.arithmetic import Status
from targets.dashboard import Summary
from targets.facility_filters import reach_next
from targets.figures import Completeness, TargetResult
from targets.models import DigestSent

logger = logging.getLogger(__name__)

#: Records listed per kind (activities, facilities newly aware, solutions); the counts are of all.
LISTED = 10
#: Facilities listed under "who to reach next".
REACH_NEXT = 10
#: The worker sends the digest of a month on the 1st of the next, from this hour (TIME_ZONE).
SEND_HOUR = 7


@dataclasses.dataclass(frozen=True)
class Month:
    """A calendar month, by its first day."""

    first: datetime.date

    @classmethod
    def parse(cls, text: str) -> "Month":
        """ "2026-11" → November 2026; ValueError for anything else."""
        year, _sep, month = text.strip().partition("-")
        if not (len(year) == 4 and year.isascii() and year.isdigit() and month.isascii() and month.isdigit()):
            raise ValueError(text)
        return cls(datetime.date(int(year), int(month), 1))

    @classmethod
    def of(cls, day: datetime.date) -> "Month":
        return cls(day.replace(day=1))

    @property
    def last(self) -> datetime.date:
        return self.next.first - datetime.timedelta(days=1)

    @property
    def next(self) -> "Month":
        return Month((self.first + datetime.timedelta(days=31)).replace(day=1))

    @property
    def previous(self) -> "Month":
        return Month.of(self.first - datetime.timedelta(days=1))

    @property
    def key(self) -> str:
        return f"{self.first:%Y-%m}"

    def label(self) -> str:
        """ "11/2026" in Vietnamese, "November 2026" in English (the active language's YEAR_MONTH_FORMAT)."""
        return formats.date_format(self.first, "YEAR_MONTH_FORMAT")

    def send_at(self) -> datetime.datetime:
        """When the worker sends this month's digest: the 1st of the next month at SEND_HOUR."""
        day = self.next.first
        return timezone.make_aware(datetime.datetime(day.year, day.month, day.day, SEND_HOUR))


@dataclasses.dataclass(frozen=True)
class StatusChange:
    """A target whose status at the month's end differs from the previous month's end."""

    result: TargetResult
    before: str
    before_label: str


@dataclasses.dataclass(frozen=True)
class Digest:
    """Everything one digest shows, in one language (labels are translated when built).

    ``outputs``: selectors.outputs_for_period() for the month (the dashboard's outputs);
    ``activity_count``, ``solution_count``, ``solution_facilities``: records of the month (by
    the day they were held or implemented), of which ``activities`` and ``solutions`` list at
    most LISTED; ``newly_aware``: at most LISTED of outputs["facilities_newly_reached"];
    ``reach_next``: the first REACH_NEXT of the invitation list as of the month's last day,
    of ``completeness.never_reached``.
    """

    month: Month
    language: str
    phase: Phase | None
    results: list[TargetResult]
    summary: Summary | None
    changes: list[StatusChange]
    outputs: dict[str, int]
    activity_count: int
    activities: list[OutreachActivity]
    newly_aware: list[Facility]
    solution_count: int
    solution_facilities: int
    solutions: list[Solution]
    completeness: Completeness
    reach_next: list[Facility]
    dashboard_url: str
    reach_next_url: str

    @property
    def as_of(self) -> datetime.date:
        return self.month.last


def phase_on(day: datetime.date) -> Phase | None:
    """The phase running on ``day`` (the latest started first), else the latest started by then. 1 query."""
    running = Case(When(ends_on__gte=day, then=Value(0)), default=Value(1))
    return Phase.objects.select_related("programme").filter(starts_on__lte=day).order_by(running, "-starts_on").first()


def site_url(path: str, **params) -> str:
    """``path`` as an absolute address on settings.SITE_URL, with ``params`` as its query."""
    query = urlencode({key: value for key, value in params.items() if value not in (None, "")})
    return f"{settings.SITE_URL}{path}" + (f"?{query}" if query else "")


def status_changes(before: Sequence[TargetResult], now: Sequence[TargetResult]) -> list[StatusChange]:
    """The targets of ``now`` whose status differs from ``before``'s (matched by target)."""
    earlier = {r.target_id: r.status for r in before}
    return [
        StatusChange(result=r, before=earlier[r.target_id], before_label=str(Status(earlier[r.target_id]).label))
        for r in now
        if r.target_id in earlier and earlier[r.target_id] != r.status
    ]


def _targets(phase: Phase | None, month: Month) -> tuple[list[TargetResult], Summary | None, list[StatusChange]]:
    """The phase's targets at the month's end, their summary strip, and the status changes
    since the previous month's end. 1 query for the targets, then 2 × targets_as_of()'s."""
    targets = dashboard.phase_targets(phase) if phase else []
    if not targets:
        return [], None, []
    results = selectors.targets_as_of(targets=targets, as_of=month.last)
    before = selectors.targets_as_of(targets=targets, as_of=month.previous.last)
    return results, dashboard.summary(results), status_changes(before, results)


def _newly_aware(month: Month) -> QuerySet[Facility]:
    """Facilities whose first contact (pathway ``aware_on``) falls in the month, earliest first."""
    in_month = Q(pathways__aware_on__range=(month.first, month.last))
    return (
        Facility.objects.filter(in_month)
        .annotate(aware_on=Min("pathways__aware_on", filter=in_month))
        .select_related("sector", "unit")
        .order_by("aware_on", "code")
    )


def build_digest(month: Month, *, language: str) -> Digest:
    """The digest of ``month`` in ``language``. Queries: fixed (see the pinned count in
    tests/targets/test_digest.py), whatever the number of facilities and records."""
    with translation.override(language):
        as_of = month.last
        period = (month.first, as_of)
        phase = phase_on(as_of)
        results, summary, changes = _targets(phase, month)
        activities = OutreachActivity.objects.filter(held_on__range=period).select_related("unit")
        solutions = Solution.objects.filter(implemented_on__range=period)
        solution_counts = solutions.aggregate(n=Count("pk"), facilities=Count("facility_id", distinct=True))
        dashboard_params = {"phase": phase.pk if phase else None, "as_of": as_of.isoformat()}
        return Digest(
            month=month,
            language=language,
            phase=phase,
            results=results,
            summary=summary,
            changes=changes,
            outputs=selectors.outputs_for_period(start=month.first, end=as_of),
            activity_count=activities.count(),
            activities=list(activities.order_by("held_on", "pk")[:LISTED]),
            newly_aware=list(_newly_aware(month)[:LISTED]),
            solution_count=solution_counts["n"],
            solution_facilities=solution_counts["facilities"],
            solutions=list(solutions.select_related("facility").order_by("implemented_on", "pk")[:LISTED]),
            completeness=selectors.data_completeness(as_of=as_of),
            reach_next=list(reach_next(as_of=as_of)[:REACH_NEXT]),
            dashboard_url=site_url(reverse("targets:dashboard"), **dashboard_params),
            reach_next_url=site_url(reverse("facilities:reach_next"), as_of=as_of.isoformat()),
        )


# --- The e-mail -----------------------------------------------------------------------------------


def recipients() -> QuerySet[User]:
    """Active managers with an e-mail address who have not turned the digest off, with their profile."""
    wants = Q(profile__isnull=True) | Q(profile__monthly_digest=True)
    return managers().exclude(email="").filter(wants).select_related("profile")


def digest_message(digest: Digest, user: User) -> mail.EmailMultiAlternatives:
    """``digest`` as an e-mail to ``user``: text and HTML, in the digest's language. No query."""
    with translation.override(digest.language):
        context = {
            "digest": digest,
            "user": user,
            "name": user.get_full_name() or user.get_username(),
            "small_sample": dashboard.SMALL_SAMPLE,
            "profile_url": site_url(reverse("profile")),
            "site_url": settings.SITE_URL,
        }
        subject = _("cpdash: the programme in %(month)s") % {"month": digest.month.label()}
        message = mail.EmailMultiAlternatives(
            subject=subject,
            body=render_to_string("targets/email/digest.txt", context),
            to=[user.email],
        )
        message.attach_alternative(render_to_string("targets/email/digest.html", context), "text/html")
        return message


@dataclasses.dataclass(frozen=True)
class Delivery:
    """What happened to one manager's digest: "sent", "already sent", "would send" (dry run) or "failed"."""

    user: User
    language: str
    outcome: str


def send_digests(month: Month, *, dry_run: bool = False) -> list[Delivery]:
    """Send ``month``'s digest to every recipient who has not had it; with ``dry_run``, build
    each e-mail and send nothing, record nothing. A failed send is logged, recorded as
    "failed" and tried again at the next run; the other managers still get theirs."""
    users = list(recipients())
    already = set(DigestSent.objects.filter(month=month.first).values_list("user_id", flat=True))
    built: dict[str, Digest] = {}
    deliveries = []
    with mail.get_connection() as connection:
        for user in users:
            language = Profile.of(user).language_or_default
            if user.pk in already:
                deliveries.append(Delivery(user, language, "already sent"))
                continue
            if language not in built:
                built[language] = build_digest(month, language=language)
            message = digest_message(built[language], user)
            if dry_run:
                deliveries.append(Delivery(user, language, "would send"))
                continue
            message.connection = connection
            deliveries.append(Delivery(user, language, _send_once(message, user, month, language)))
    return deliveries


def _send_once(message: mail.EmailMessage, user: User, month: Month, language: str) -> str:
    """Send ``message`` unless ``user`` has had ``month``'s digest; the record and the send
    stand or fall together (a concurrent run waits on the record's unique constraint)."""
    try:
        with transaction.atomic():
            _record, created = DigestSent.objects.get_or_create(
                user=user, month=month.first, defaults={"language": language}
            )
            if not created:
                return "already sent"
            message.send()
    except Exception:
        logger.exception("monthly digest %s to %s failed", month.key, user.get_username())
        return "failed"
    return "sent"


# --- The schedule ---------------------------------------------------------------------------------


class DigestNotSent(Exception):
    """Some digests of a run failed (the log says why); the next run tries them again."""


@task()
def send_monthly_digest(month: str) -> dict:
    """The worker's monthly run for ``month`` ("2026-11"): queues next month's run first (so a
    failure below does not end the schedule), then sends. A run taken late still sends its
    own month, and the next one, already due, follows at once."""
    this = Month.parse(month)
    schedule(this.next)
    deliveries = send_digests(this)
    outcomes = [d.outcome for d in deliveries]
    summary = {"month": month, **{outcome: outcomes.count(outcome) for outcome in set(outcomes)}}
    if "failed" in outcomes:
        raise DigestNotSent(summary)
    return summary


def schedule(month: Month) -> bool:
    """Queue the run that sends ``month``'s digest (on the 1st of the next month), unless a
    run is already queued. True when it queued one."""
    return periodic.enqueue_once(send_monthly_digest, month.key, run_after=month.send_at())


def start_schedule(today: datetime.date | None = None) -> bool:
    """Start the monthly runs if none is queued: the first sends the current month's digest
    when it is over. Run by ``manage.py send_digest --schedule`` (``make worker``)."""
    return schedule(Month.of(today or timezone.localdate()))
