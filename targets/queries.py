"""Query builders behind the indicators: expressions and querysets, no evaluation.

Every facility-based figure reads the CP pathway (programmes.models.FacilityPathway,
SavingStep), which holds each facility's first day of each milestone and the steps
of its best saving, kept true by every write (programmes/pathway.py). A figure is
then a count over facilities joined to their pathway: no correlated subquery over
the records.

Each facility-based indicator reduces to a "since" date per facility — the first
day it counted (first contact, first solution, first solution with the qualifying
saving) — or NEVER. entered_on() folds those dates, the opening date and the
target's scope into one date, left_on() is the closing date: a facility counts on
day D when entered_on ≤ D < left_on, the same set as Facility.objects.counted_on(D)
with every since date ≤ D. Computed once per facility in an inner query, two plain
comparisons per day then give the numerators and denominators of any number of
days in one query.

Savings quartiles are ranked with window functions (RowNumber, Count over the
partition) over the saving steps valid on the day, and filtered in the database
to the few ranks the interpolation needs, which works alike on SQLite and
PostgreSQL (no percentile_cont). Definitions: docs/indicators.md.
"""

import datetime
from collections.abc import Sequence
from decimal import Decimal

from django.db import connections
from django.db.models import (
    Case,
    DateField,
    Exists,
    Expression,
    F,
    FilteredRelation,
    IntegerField,
    Model,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce, Greatest, NullIf

from facilities.models import AdministrativeUnit, member_on_q
from programmes.models import Attendance, FacilityPathway, SavingStep, SavingStepBase, Specialist, VerifiedSavingStep
from targets.arithmetic import QUARTILES

#: "Since" date of a facility that never counted: later than any as-of date.
NEVER = datetime.date(9999, 12, 31)
#: Opening date of a facility whose opening is unknown: earlier than any as-of date.
FIRST_DAY = datetime.date(1, 1, 1)

#: Awareness contacts: each source and the pathway field holding the facility's first contact from it.
CONTACT_SOURCES: dict[str, str] = {
    "attendance": "attended_on",
    "survey": "surveyed_on",
    "awareness_record": "awareness_recorded_on",
    "solution": "applying_on",
    "replication": "replicated_on",
    "demonstration_host": "hosted_on",
}


#: How a Facility queryset annotated with pathway_on() reaches its pathway row; the engine
#: counts over FacilityPathway itself ("").
ON_FACILITY = "pathway__"


def pathway_on(day: datetime.date) -> FilteredRelation:
    """On a Facility queryset: the facility's pathway row of ``day`` (the one of its unit
    membership then: exactly one for any day). Annotate it as "pathway" (ON_FACILITY) before
    reading milestones or filtering by unit or area type through it."""
    return FilteredRelation("pathways", condition=member_on_q(day, "pathways__"))


def with_pathway(facilities: QuerySet, day: datetime.date) -> QuerySet:
    """``facilities`` joined to their pathway row of ``day`` (pathway_on()), once."""
    if "pathway" in facilities.query._filtered_relations:
        return facilities
    return facilities.annotate(pathway=pathway_on(day))


def milestone(field: str, prefix: str = ON_FACILITY) -> Coalesce:
    """The facility's first day of the pathway milestone ``field`` (e.g. "surveyed_on"), or NEVER.

    ``prefix``: "pathway__" on a Facility queryset (the default), "" on FacilityPathway.
    """
    return Coalesce(F(f"{prefix}{field}"), Value(NEVER), output_field=DateField())


def contact_dates(prefix: str = ON_FACILITY) -> dict[str, Coalesce]:
    """Per awareness source, the facility's first contact date from it (or NEVER)."""
    return {name: milestone(field, prefix) for name, field in CONTACT_SOURCES.items()}


def aware_since(prefix: str = ON_FACILITY) -> Coalesce:
    """A facility's first awareness contact of any kind (or NEVER)."""
    return milestone("aware_on", prefix)


def applying_since(prefix: str = ON_FACILITY) -> Coalesce:
    """The day a facility implemented its first CP solution (or NEVER)."""
    return milestone("applying_on", prefix)


def measured_since(prefix: str = ON_FACILITY) -> Coalesce:
    """The day a facility's first saving was measured, on any resource (or NEVER): the
    ``since`` of its first saving step on "" (saving_measured()), kept on the pathway row."""
    return milestone("measured_on", prefix)


def surveyed_since(prefix: str = ON_FACILITY) -> Coalesce:
    """The day a facility was first surveyed (or NEVER)."""
    return milestone("surveyed_on", prefix)


def reached_q(minimum: Decimal | float, resource: str = "", prefix: str = "") -> Q:
    """Saving steps on ``resource`` ("" = any) on which a best saving first reached ``minimum``
    percent: at most one per facility (the best saving only grows)."""
    minimum = Decimal(str(minimum))  # savings are exact decimals: 5 reaches 5, not 4.999999999999999
    return Q(**{f"{prefix}resource": resource, f"{prefix}best__gte": minimum}) & (
        Q(**{f"{prefix}previous__isnull": True}) | Q(**{f"{prefix}previous__lt": minimum})
    )


def measured_q(resource: str = "", prefix: str = "") -> Q:
    """The first saving step of each facility on ``resource`` ("" = any): when a saving was first measured."""
    return Q(**{f"{prefix}resource": resource, f"{prefix}previous__isnull": True})


# Evidence levels: ``verified`` reads the steps of verified savings only (VerifiedSavingStep,
# Target.evidence "verified only") instead of every saving's (SavingStep).


def step_model(verified: bool = False) -> type[SavingStepBase]:
    """The saving steps of every saving, or of verified savings only."""
    return VerifiedSavingStep if verified else SavingStep


def step_relation(verified: bool = False) -> str:
    """FacilityPathway's relation to step_model(verified)."""
    return "verified_saving_steps" if verified else "saving_steps"


def saving_reached(minimum: Decimal | float, resource: str = "", verified: bool = False) -> FilteredRelation:
    """On FacilityPathway: the saving step of reached_q(), joined without repeating a
    facility. Annotate it under a name N; N__since is then the day (NULL: never)."""
    relation = step_relation(verified)
    return FilteredRelation(relation, condition=reached_q(minimum, resource, f"{relation}__"))


def saving_measured(resource: str = "", verified: bool = False) -> FilteredRelation:
    """On FacilityPathway: the step of measured_q() (see saving_reached())."""
    relation = step_relation(verified)
    return FilteredRelation(relation, condition=measured_q(resource, f"{relation}__"))


def step_since(condition: Q, verified: bool = False) -> Coalesce:
    """On a Facility queryset: the ``since`` of the facility's step meeting ``condition``
    (reached_q(), measured_q()), or NEVER. A subquery per facility: for lists, not counts."""
    steps = step_model(verified).objects.filter(condition, facility_id=OuterRef("pk"))
    steps = steps.order_by("since").values("since")[:1]
    return Coalesce(Subquery(steps, output_field=DateField()), Value(NEVER), output_field=DateField())


def since_of(relation: str) -> Coalesce:
    """The ``since`` day of a saving_reached()/saving_measured() relation annotated as ``relation``, or NEVER."""
    return Coalesce(F(f"{relation}__since"), Value(NEVER), output_field=DateField())


def steps_on(day: datetime.date, resource: str = "", verified: bool = False) -> QuerySet[SavingStepBase]:
    """The saving steps valid on ``day`` on ``resource`` ("" = any): each facility's best saving then."""
    steps = step_model(verified).objects
    return steps.filter(Q(until__isnull=True) | Q(until__gt=day), resource=resource, since__lte=day)


def name_of(model: type[Model], field: str) -> Subquery:
    """The name of the ``model`` row that the outer row's ``field`` names (NULL for none), as
    a sub-select: looked up per row the outer query keeps (after its grouping, or after its
    sort and limit), where a join would come before them."""
    return Subquery(model.objects.filter(pk=OuterRef(field)).order_by().values("name"))


def facility_saving(as_of: datetime.date, resource: str = "", verified: bool = False) -> Subquery:
    """A facility's saving as of ``as_of``: percent, the largest measured saving on
    ``resource`` (any resource when "") among its solutions implemented on or before
    ``as_of`` (verified by then, when ``verified``); NULL when none is measured."""
    return Subquery(steps_on(as_of, resource, verified).filter(facility=OuterRef("pk")).values("best")[:1])


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


def reached_on(sinces: Sequence[Expression], scope: Q) -> Expression:
    """The day a facility met every milestone of ``sinces`` (the latest of them), whatever its
    opening and the unit it was in; NEVER when outside ``scope``. entered_on() is this or the
    first day of the facility's pathway row, whichever is later."""
    reached = Greatest(*sinces, output_field=DateField()) if len(sinces) > 1 else sinces[0]
    return Case(When(scope, then=reached), default=Value(NEVER), output_field=DateField()) if scope else reached


def left_on() -> Coalesce:
    """The day a facility closed (it is no longer open that day), or NEVER."""
    return Coalesce("closed_on", Value(NEVER), output_field=DateField())


def scope_q(*, sector_id: int | None = None, unit_id: int | None = None, area_kind: str = "") -> Q:
    """Pathway rows of a sector, a unit and/or a production-area type; Q() for no restriction.
    The unit and the area type are those of the row's membership: counted on a day, the
    unit the facility was in then. On a Facility queryset annotated with pathway_on(D):
    through(scope_q(…), ON_FACILITY)."""
    q = Q()
    if sector_id:
        q &= Q(sector_id=sector_id)
    if unit_id:
        q &= Q(unit_id=unit_id)
    if area_kind:
        q &= Q(area_kind=area_kind)
    return q


def facilities_in_scope() -> QuerySet[FacilityPathway]:
    """The pathway rows of all facilities that count toward targets (open or not; open-ness is
    per day): what every count reads, a narrow table instead of the register."""
    return FacilityPathway.objects.filter(in_scope=True).order_by()


def first_rows() -> QuerySet[FacilityPathway]:
    """One pathway row per facility, in scope or not: its first membership's (a facility's
    memberships tile time and the first has no start: facilities/membership.py). What a
    count of distinct facilities by their milestones reads, without COUNT(DISTINCT …)."""
    return FacilityPathway.objects.filter(since__isnull=True).order_by()


def first_rows_aware_by(day: datetime.date) -> QuerySet[FacilityPathway]:
    """first_rows() of the facilities aware by ``day``: the only ones a count of contacts up to
    ``day`` can count (a contact by then is a first contact by then: ``aware_on``). A third of
    the rows at 1,000,000 facilities (docs/performance-history.md, "Facilities reached per year")."""
    return first_rows().filter(aware_on__lte=day)


def specialist_on(day: datetime.date) -> Exists:
    """Whether the outer unit's People's Committee had a CP specialist in post on ``day``."""
    return Exists(Specialist.objects.in_post_on(day).filter(unit=OuterRef("pk")))


def units_in_scope(unit_id: int | None = None) -> QuerySet[AdministrativeUnit]:
    """All units (valid or not; validity is per day), or only ``unit_id``."""
    units = AdministrativeUnit.objects.order_by()
    return units.filter(pk=unit_id) if unit_id else units


def bucket_of(field: str, prefix: str = "") -> Expression:
    """A breakdown's group key: the pathway field, with "no production area" as NULL (not "")."""
    return NullIf(F(f"{prefix}{field}"), Value("")) if field == "area_kind" else F(f"{prefix}{field}")


def through(q: Q, prefix: str) -> Q:
    """``q``, a condition on facilities, as a condition on a model pointing to them
    through ``prefix`` (e.g. "facility__"): so that a query can start from the few
    rows of that model and join each to its facility, instead of filtering by a
    subquery over the whole register."""
    moved = Q()
    moved.connector, moved.negated = q.connector, q.negated
    moved.children = [through(c, prefix) if isinstance(c, Q) else (f"{prefix}{c[0]}", c[1]) for c in q.children]
    return moved


def ranked_savings(
    requests: Sequence[tuple[datetime.date, str, Q, bool]], bucket: str | None = None, *, using: str = "default"
) -> tuple[str, list]:
    """SQL (and its parameters) of only the rows the quartiles of facility savings need.

    ``requests``: (day, resource, facility condition, verified only) tuples; a request's
    facilities are those meeting its condition and counted on its day. Their best savings on the
    day (the saving steps valid then) are ranked within each value of the facility
    field ``bucket`` (e.g. "sector_id"; one bucket when None), and only the ranks
    arithmetic.quantile_ranks() interpolates between are returned: rows of (part —
    the request's index —, bucket, rank (1-based), count (facilities in the bucket),
    saving (percent)).

    One statement for any number of days: the requests sharing a resource and a
    condition read their steps (joined to the facilities once) against a list of
    days, instead of one ranked subquery per day each joining the whole register.
    SQLite ranks with window functions, and the filter |rank − 1 − (count − 1) × q| < 1
    keeps exactly floor and ceiling of each quartile's position; PostgreSQL sorts each
    group's savings once into an array and picks those ranks from it (the same rows,
    in a third of the time at 100,000 facilities: docs/performance-history.md, "The engine after
    the 1,000,000-facility profile").
    ``using``: the database alias the SQL is written for.
    """
    postgres = connections[using].vendor == "postgresql"
    groups: dict[tuple[str, Q, bool], list[tuple[int, datetime.date]]] = {}
    for part, (day, resource, condition, verified) in enumerate(requests):
        groups.setdefault((resource, condition, verified), []).append((part, day))
    ctes, selects, params = [], [], []
    for index, ((resource, condition, verified), days) in enumerate(groups.items()):
        steps = (
            step_model(verified)
            .objects.filter(resource=resource)
            # Every row with steps has a first measured (verified) saving; said, the planner hashes
            # only those pathway rows (a few percent) instead of the whole table.
            .filter(
                through(
                    condition & Q(in_scope=True, **{f"{'verified' if verified else 'measured'}_on__isnull": False}),
                    "pathway__",
                )
            )
            .values(
                "id",
                "best",
                "since",
                "until",
                opened=F("pathway__opened_on"),
                closed=F("pathway__closed_on"),
                bucket=bucket_of(bucket, "pathway__") if bucket else Value(None, output_field=IntegerField()),
            )
            .order_by()
        )
        steps_sql, steps_params = steps.query.get_compiler(using=using).as_sql()
        # PostgreSQL: the steps read once into memory, then matched with each day (an index scan
        # per day would fetch the same rows again for every day).
        ctes.append(f"s{index} AS {'MATERIALIZED ' if postgres else ''}({steps_sql})")
        params.extend(steps_params)
        ctes.append(f"d{index} (part, day) AS (VALUES {', '.join(['(%s, %s)'] * len(days))})")
        params.extend(value for part_day in days for value in part_day)
        valid = (
            f"FROM s{index} s JOIN d{index} d ON s.since <= d.day AND (s.until IS NULL OR s.until > d.day) "
            f"AND (s.opened IS NULL OR s.opened <= d.day) AND (s.closed IS NULL OR s.closed > d.day)"
        )
        if postgres:
            # Each day's savings sorted once into an array, of which only the wanted ranks leave:
            # a third of the time of two window passes over every (day, step) pair.
            ranks = ", ".join(
                f"{rounding}((g.n - 1) * {fraction}) + 1" for fraction in QUARTILES for rounding in ("floor", "ceil")
            )
            selects.append(
                f"SELECT g.part AS part, g.bucket AS bucket, r.rank AS rank, g.n AS count, g.sorted[r.rank] AS saving "
                f"FROM (SELECT d.part AS part, s.bucket AS bucket, COUNT(*) AS n, "
                f"ARRAY_AGG(s.best ORDER BY s.best) AS sorted {valid} GROUP BY d.part, s.bucket) g "
                f"CROSS JOIN LATERAL (SELECT DISTINCT rank::integer AS rank FROM UNNEST(ARRAY[{ranks}]) AS rank) r"
            )
        else:
            selects.append(
                f"SELECT d.part AS part, s.bucket AS bucket, s.best AS saving, "
                f"ROW_NUMBER() OVER (PARTITION BY d.part, s.bucket ORDER BY s.best, s.id) AS rank, "
                f"COUNT(*) OVER (PARTITION BY d.part, s.bucket) AS count {valid}"
            )
    if postgres:
        return f"WITH {', '.join(ctes)} {' UNION ALL '.join(selects)}", params
    wanted = " OR ".join(f"ABS(rank - 1 - (count - 1) * {fraction}) < 1" for fraction in QUARTILES)
    sql = (
        f"WITH {', '.join(ctes)} SELECT part, bucket, rank, count, saving "
        f"FROM ({' UNION ALL '.join(selects)}) ranked WHERE {wanted}"
    )
    return sql, params


def listed_people() -> Subquery:
    """On an OutreachActivity queryset: the people on the activity's attendance list of
    facilities (NULL without a list). A subquery per activity, so that a sum over the
    activities stays one query, without a join that would repeat their own figures."""
    listed = (
        Attendance.objects.filter(activity=OuterRef("pk"))
        .order_by()
        .values("activity")
        .annotate(people=Sum("people"))
        .values("people")
    )
    return Subquery(listed, output_field=IntegerField())
