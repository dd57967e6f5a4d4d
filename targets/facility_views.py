"""The facility pages: the register list, one facility's page, who to reach next.

They live in targets, above the register and the programme's records, because
they show each facility's status as the indicators count it and are where the
dashboard drills down to (``?target=``); the register itself (facilities/) knows
nothing of them. Their URLs stay under /facilities/ (targets/facility_urls.py).

Thin views: read the query parameters through a filter set
(targets/facility_filters.py), build a table (targets/facility_tables.py), render or
export it. Query counts are fixed, whatever the number of facilities.
"""

import datetime
from dataclasses import dataclass

from django.contrib.auth.decorators import login_required, permission_required
from django.db.models import Prefetch, QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.utils.translation import gettext as _

from cpdash.exports import export_format
from cpdash.history import recent_changes
from cpdash.tables import paginate, sort
from facilities.models import Facility
from jobs.exports import export_or_job
from programmes.models import Attendance, DemonstrationModel, Replication, Solution, Survey
from targets.facility_filters import FacilityFilter, ReachNextFilter, facility_register, status_counts, with_status
from targets.facility_tables import FacilityTable, ReachNextTable
from targets.queries import NEVER, facility_saving, surveyed_since

VIEW = "facilities.view_facility"


def _bad_filters() -> HttpResponse:
    return HttpResponseBadRequest(_("The filters are not valid: correct them on the page before exporting."))


# --- The register -----------------------------------------------------------------------------


@login_required
@permission_required(VIEW, raise_exception=True)
def facility_list(request: HttpRequest) -> HttpResponse:
    """The register, filtered (FacilityFilter's parameters), sorted (``sort``), paginated
    (``page``), or exported as filtered and sorted (``_export=csv|xlsx``)."""
    filterset = FacilityFilter(request.GET, queryset=facility_register())
    valid = filterset.is_valid()
    facilities = filterset.qs if valid else Facility.objects.none()
    as_of = filterset.as_of_day
    table = FacilityTable(facilities)
    sort(table, request)
    fmt = export_format(request.GET)
    if fmt:
        if not valid:
            return _bad_filters()
        return export_or_job(request, table, fmt, f"facilities-{as_of:%Y-%m-%d}", title=_("Facilities"))
    counts = status_counts(facilities, as_of) if valid else None
    # The summary counts the table's rows ("total"): the paginator need not count them again.
    paginate(table, request, count=counts["total"] if counts else None)
    target = filterset.form.cleaned_data.get("target") if valid else None
    context = {
        "filter": filterset,
        "table": table,
        "as_of": as_of,
        "unit_not_valid": unit_not_valid(filterset, as_of),
        "counts": counts,
        "target": target,
        "target_scope": target.scope_label() if target else "",
    }
    return render(request, "facilities/facility_list.html", context)


def unit_not_valid(filterset, as_of: datetime.date) -> str | None:
    """Why the unit a list is filtered by held no facility on ``as_of`` (a district after the
    2025 reform, with the units that followed it); None when it existed then or none is chosen."""
    unit = filterset.form.cleaned_data.get("unit") if filterset.is_valid() else None
    return unit.not_valid_reason(as_of) if unit else None


# --- One facility -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Event:
    """One dated contact on a facility's timeline; ``kind`` tells the template how to show ``record``."""

    day: datetime.date
    kind: str
    record: object


#: Timeline kinds; on the same day, later kinds are listed first.
EVENT_KINDS = ("attendance", "awareness", "survey", "solution", "demonstration", "replication")


def _facility_with_history(day: datetime.date) -> QuerySet[Facility]:
    """Facilities with their status on ``day`` (``aware_since``, ``applying_since``,
    ``surveyed_since``: NEVER when none; ``saving``: percent or None; ``status``)
    and every contact prefetched: at most 11 queries for one facility."""
    surveys = Survey.objects.prefetch_related("options", "supports").order_by("-surveyed_on", "-pk")
    demonstrations = DemonstrationModel.objects.prefetch_related(
        Prefetch("replications", Replication.objects.select_related("facility").order_by("replicated_on", "pk"))
    )
    return (
        with_status(facility_register(), day)
        .annotate(surveyed_since=surveyed_since(), saving=facility_saving(day))
        .prefetch_related(
            Prefetch("attendances", Attendance.objects.select_related("activity")),
            "awareness_records",
            Prefetch("surveys", surveys),
            Prefetch("solutions", Solution.objects.prefetch_related("savings")),
            Prefetch("demonstrations", demonstrations),
            Prefetch("replications", Replication.objects.select_related("model__host")),
        )
    )


def timeline(facility: Facility) -> list[Event]:
    """``facility``'s contacts (prefetched by _facility_with_history()), newest first."""
    events = [
        *(Event(a.activity.held_on, "attendance", a) for a in facility.attendances.all()),
        *(Event(r.recorded_on, "awareness", r) for r in facility.awareness_records.all()),
        *(Event(s.surveyed_on, "survey", s) for s in facility.surveys.all()),
        *(Event(s.implemented_on, "solution", s) for s in facility.solutions.all()),
        *(Event(d.started_on, "demonstration", d) for d in facility.demonstrations.all()),
        *(Event(r.replicated_on, "replication", r) for r in facility.replications.all()),
    ]
    return sorted(events, key=lambda e: (e.day, EVENT_KINDS.index(e.kind), e.record.pk), reverse=True)


@login_required
@permission_required(VIEW, raise_exception=True)
def facility_detail(request: HttpRequest, code: str) -> HttpResponse:
    """A facility's register data (with the units it has been in, when it moved), its status
    today, the timeline of its contacts and the last changes to its register entry
    (cpdash.history: one query)."""
    today = timezone.localdate()
    facility = get_object_or_404(_facility_with_history(today), code=code)
    context = {
        "facility": facility,
        "today": today,
        "timeline": timeline(facility),
        "never": NEVER,
        "changes": recent_changes(facility.history.all()),
        # Where it has been: shown when it moved (a split, the 2025 reform, an admin's move).
        "memberships": list(facility.memberships.select_related("unit", "area")),
    }
    return render(request, "facilities/facility_detail.html", context)


# --- Who to reach next ------------------------------------------------------------------------


@login_required
@permission_required(VIEW, raise_exception=True)
def reach_next(request: HttpRequest) -> HttpResponse:
    """Facilities never reached on ``as_of`` (default today), those of the sectors and units
    with the lowest awareness coverage first; ``sector``, ``unit``, ``area_kind`` filters;
    ``_export=csv|xlsx`` gives the whole list as an invitation list."""
    filterset = ReachNextFilter(request.GET, queryset=Facility.objects.none())
    valid = filterset.is_valid()
    facilities = filterset.qs if valid else Facility.objects.none()
    as_of = filterset.as_of_day
    table = ReachNextTable(facilities)
    fmt = export_format(request.GET)
    if fmt:
        if not valid:
            return _bad_filters()
        return export_or_job(request, table, fmt, f"invitations-{as_of:%Y-%m-%d}", title=_("Invitation list"))
    paginate(table, request)
    not_valid = unit_not_valid(filterset, as_of)
    if not_valid or not valid:
        # Nothing listed because of the filters, not because everyone was reached.
        table.empty_text = _("No facility matches these filters.")
    context = {"filter": filterset, "table": table, "as_of": as_of, "unit_not_valid": not_valid}
    return render(request, "facilities/reach_next.html", context)
