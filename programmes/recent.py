"""What a staff member recorded lately, for the home page (targets.home)."""

import dataclasses
import datetime

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Model, OuterRef, Subquery
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from programmes.models import OutreachActivity, Solution, Survey

#: The kinds of record shown: model, what its label reads, its edit page, its name.
RECENT_KINDS: tuple[tuple[type[Model], tuple[str, ...], str, str], ...] = (
    (Survey, ("facility",), "programmes:survey_edit", _("CP survey")),
    (OutreachActivity, (), "programmes:activity_edit", _("Outreach activity")),
    (Solution, ("facility",), "programmes:solution_edit", _("CP solution")),
)


@dataclasses.dataclass(frozen=True)
class RecentRecord:
    kind: str
    label: str
    url: str
    created_at: datetime.datetime


def recent_records(*, user: AbstractBaseUser, limit: int = 5) -> list[RecentRecord]:
    """The last ``limit`` surveys, activities and solutions ``user`` created (their history's
    "+" entries) that still exist, newest first. One query per kind."""
    found: list[RecentRecord] = []
    for model, related, url_name, kind in RECENT_KINDS:
        created = model.history.filter(history_user=user, history_type="+")
        records = (
            model.objects.filter(pk__in=created.values("id"))
            .annotate(created_at=Subquery(created.filter(id=OuterRef("pk")).values("history_date")[:1]))
            .select_related(*related)
            .order_by("-created_at", "-pk")[:limit]
        )
        found += [RecentRecord(str(kind), str(r), reverse(url_name, args=[r.pk]), r.created_at) for r in records]
    return sorted(found, key=lambda r: r.created_at, reverse=True)[:limit]
