"""Query builders behind the indicators: expressions and querysets, no evaluation.

Each facility-based indicator reduces to a "since" date per facility — the
first day it counted (first contact, first solution, first solution with the
qualifying saving) — or NEVER. entered_on() folds those dates, the opening
date and the target's scope into one date, left_on() is the closing date: a
facility counts on day D when entered_on ≤ D < left_on. Computed once per
facility in an inner query, two plain comparisons per day then give the
numerators and denominators of any number of days in one query.

Savings quartiles are ranked with window functions (RowNumber, Count over the
partition) and filtered in the database to the few ranks the interpolation
needs, which works alike on SQLite and PostgreSQL (no percentile_cont).

These live here and not as Facility QuerySet methods because facilities/ and
programmes/ belong to other work streams; each function takes and returns
querysets or expressions so it composes like one. Definitions:
docs/indicators.md.
"""

import datetime
from collections.abc import Sequence

from django.db.models import (
    Case,
    Count,
    DateField,
    Exists,
    Expression,
    F,
    FloatField,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
    Window,
)
from django.db.models.functions import Ceil, Coalesce, Floor, Greatest, Least, RowNumber

from facilities.models import AdministrativeUnit, Facility
from programmes.models import (
    Attendance,
    AwarenessRecord,
    DemonstrationModel,
    Replication,
    ResourceSaving,
    Solution,
    Specialist,
    Survey,
)
from targets.arithmetic import QUARTILES

#: "Since" date of a facility that never counted: later than any as-of date.
NEVER = datetime.date(9999, 12, 31)
#: Opening date of a facility whose opening is unknown: earlier than any as-of date.
FIRST_DAY = datetime.date(1, 1, 1)

#: Awareness contacts: where each comes from, and the date that counts.
#: (source name → (model, field pointing to the facility, date field))
CONTACT_SOURCES: dict[str, tuple[type, str, str]] = {
    "attendance": (Attendance, "facility", "activity__held_on"),
    "survey": (Survey, "facility", "surveyed_on"),
    "awareness_record": (AwarenessRecord, "facility", "recorded_on"),
    "solution": (Solution, "facility", "implemented_on"),
    "replication": (Replication, "facility", "replicated_on"),
    "demonstration_host": (DemonstrationModel, "host", "started_on"),
}


def earliest(queryset: QuerySet, facility_field: str, date_field: str) -> Coalesce:
    """Earliest ``date_field`` among ``queryset`` rows of the outer facility, or NEVER."""
    rows = queryset.filter(**{facility_field: OuterRef("pk")}).order_by(date_field).values(date_field)[:1]
    return Coalesce(Subquery(rows, output_field=DateField()), Value(NEVER), output_field=DateField())


def contact_dates() -> dict[str, Coalesce]:
    """Per awareness source, the facility's first contact date from it (or NEVER)."""
    return {
        name: earliest(model.objects.all(), facility_field, date_field)
        for name, (model, facility_field, date_field) in CONTACT_SOURCES.items()
    }


def aware_since() -> Least:
    """A facility's first awareness contact of any kind (or NEVER): the earliest of contact_dates()."""
    return Least(*contact_dates().values(), output_field=DateField())


def applying_since() -> Coalesce:
    """The day a facility implemented its first CP solution (or NEVER)."""
    return earliest(Solution.objects.all(), "facility", "implemented_on")


def _savings_filter(resource: str, prefix: str = "") -> Q:
    return Q(**{f"{prefix}resource": resource}) if resource else Q()


def saving_reached_since(minimum: float, resource: str = "") -> Coalesce:
    """The first day a facility implemented a solution whose measured saving on
    ``resource`` (any resource when "") is at least ``minimum`` percent (or NEVER)."""
    solutions = Solution.objects.filter(
        _savings_filter(resource, "savings__"), savings__saving_percent__gte=float(minimum)
    )
    return earliest(solutions, "facility", "implemented_on")


def saving_measured_since(resource: str = "") -> Coalesce:
    """The first day a facility implemented a solution with a measured saving on ``resource`` (or NEVER)."""
    solutions = Solution.objects.filter(_savings_filter(resource, "savings__"), savings__saving_percent__isnull=False)
    return earliest(solutions, "facility", "implemented_on")


def facility_saving(as_of: datetime.date, resource: str = "") -> Subquery:
    """A facility's saving as of ``as_of``: percent, the largest measured saving on
    ``resource`` (any resource when "") among its solutions implemented on or before
    ``as_of``; NULL when none is measured."""
    rows = (
        ResourceSaving.objects.filter(
            _savings_filter(resource),
            solution__facility=OuterRef("pk"),
            solution__implemented_on__lte=as_of,
            saving_percent__isnull=False,
        )
        .order_by("-saving_percent")
        .values("saving_percent")[:1]
    )
    return Subquery(rows, output_field=FloatField())


def entered_on(sinces: Sequence[Expression], scope: Q) -> Expression:
    """The first day a facility counts: the latest of its ``sinces`` dates and its
    opening (FIRST_DAY when unknown); NEVER when outside ``scope``.

    With left_on(), "counts on D" is ``entered_on ≤ D < left_on``: the same as
    open_q(D) and every since date ≤ D, as two plain date comparisons.
    """
    opened = Coalesce("opened_on", Value(FIRST_DAY), output_field=DateField())
    entered = Greatest(*sinces, opened, output_field=DateField()) if sinces else opened
    if scope:
        return Case(When(scope, then=entered), default=Value(NEVER), output_field=DateField())
    return entered


def left_on() -> Coalesce:
    """The day a facility closed (it is no longer open that day), or NEVER."""
    return Coalesce("closed_on", Value(NEVER), output_field=DateField())


def open_q(day: datetime.date) -> Q:
    """Facility.objects.open_on(day) as a Q, for conditional aggregates over several days."""
    return Q(Q(opened_on__isnull=True) | Q(opened_on__lte=day), Q(closed_on__isnull=True) | Q(closed_on__gt=day))


def counted_q(day: datetime.date, since: str, within: str | None = None) -> Q:
    """Open on ``day`` and counted by then: annotation ``since`` (and ``within``, if given) ≤ day.

    For filtering a queryset annotated with a "since" date (e.g. aware_since());
    the selectors count with entered_on()/left_on() instead, which is the same set.
    """
    q = open_q(day) & Q(**{f"{since}__lte": day})
    if within:
        q &= Q(**{f"{within}__lte": day})
    return q


def scope_q(*, sector_id: int | None = None, unit_id: int | None = None, area_kind: str = "") -> Q:
    """Facilities of a sector, a unit and/or a production-area type; Q() for no restriction."""
    q = Q()
    if sector_id:
        q &= Q(sector_id=sector_id)
    if unit_id:
        q &= Q(unit_id=unit_id)
    if area_kind:
        q &= Q(area__kind=area_kind)
    return q


def facilities_in_scope() -> QuerySet[Facility]:
    """All facilities that count toward targets (open or not; open-ness is per day)."""
    return Facility.objects.in_scope().order_by()


def specialist_on(day: datetime.date) -> Exists:
    """Whether the outer unit's People's Committee had a CP specialist in post on ``day``."""
    return Exists(Specialist.objects.in_post_on(day).filter(unit=OuterRef("pk")))


def unit_valid_q(day: datetime.date) -> Q:
    """AdministrativeUnit.objects.valid_on(day) as a Q, for conditional aggregates over several days."""
    return Q(Q(valid_from__lte=day), Q(valid_until__isnull=True) | Q(valid_until__gte=day))


def units_in_scope(unit_id: int | None = None) -> QuerySet[AdministrativeUnit]:
    """All units (valid or not; validity is per day), or only ``unit_id``."""
    units = AdministrativeUnit.objects.order_by()
    return units.filter(pk=unit_id) if unit_id else units


def best_savings(facilities: QuerySet[Facility], *, as_of: datetime.date, resource: str = "") -> QuerySet:
    """One ResourceSaving row per facility of ``facilities`` with a measured saving as of
    ``as_of``: the row facility_saving() reads (its largest saving on ``resource``,
    any when ""; ties go to the lowest id).

    Working from the savings rows rather than a subquery per facility keeps the
    cost in proportion to the savings measured, not to the register.
    """
    measured = ResourceSaving.objects.filter(
        _savings_filter(resource), solution__implemented_on__lte=as_of, saving_percent__isnull=False
    )
    better = measured.filter(solution__facility=OuterRef("solution__facility")).filter(
        Q(saving_percent__gt=OuterRef("saving_percent"))
        | Q(saving_percent=OuterRef("saving_percent"), pk__lt=OuterRef("pk"))
    )
    return measured.filter(solution__facility__in=facilities.values("pk")).filter(~Exists(better))


def ranked_savings(
    facilities: QuerySet[Facility],
    *,
    as_of: datetime.date,
    resource: str = "",
    part: int = 0,
    bucket: str | None = None,
) -> QuerySet:
    """Only the rows the quartiles of facility savings need: at most 6 per bucket.

    The savings of ``facilities`` as of ``as_of`` (best_savings()), ranked
    within each value of the facility field ``bucket`` (e.g. "sector_id"; one
    bucket when None), filtered in the database to the ranks
    arithmetic.quantile_ranks() interpolates between. Rows are dicts:
    ``part`` (the given tag, so that several requests can share a UNION),
    ``bucket``, ``rank`` (1-based), ``count`` (facilities in the bucket) and
    ``saving`` (percent).
    """
    rows = best_savings(facilities, as_of=as_of, resource=resource).annotate(
        part=Value(part, output_field=IntegerField()),
        bucket=F(f"solution__facility__{bucket}") if bucket else Value(None, output_field=IntegerField()),
    )
    window = {"partition_by": [F("bucket")]} if bucket else {}
    ranked = rows.annotate(
        saving=F("saving_percent"),
        rank=Window(RowNumber(), order_by=[F("saving_percent").asc(), F("pk").asc()], **window),
        count=Window(Count("pk"), **window),
    )
    wanted = Q()
    for fraction in QUARTILES:
        position = (F("count") - 1) * Value(fraction)
        wanted |= Q(rank=Floor(position) + 1) | Q(rank=Ceil(position) + 1)
    return ranked.filter(wanted).values("part", "bucket", "rank", "count", "saving")
