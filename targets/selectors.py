"""Selectors: every figure a manager sees, as of any date, computed in the database.

Public functions are keyword-only and return plain data (targets/figures.py)
or querysets (for tracing). The number of queries each makes is fixed: it
depends on the targets configured, never on the number of facilities or
records. Counting happens in SQL (conditional aggregates over per-facility
"since" dates read from the CP pathway, window functions for quartiles, see
targets/queries.py); the
arithmetic on the counts is targets/arithmetic.py. Definitions:
docs/indicators.md.
"""

import bisect
import datetime
import functools
import itertools
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.db import connections, router
from django.db.models import (
    Case,
    Count,
    DateField,
    F,
    FilteredRelation,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.constants import LOOKUP_SEP
from django.db.models.functions import Cast, Coalesce, ExtractYear, Greatest
from django.db.models.lookups import GreaterThan
from django.utils.translation import gettext as _

from cpdash.database import in_vietnamese_order
from facilities.models import AdministrativeUnit, Facility, ProductionArea, Sector, counted_q, unit_valid_q
from programmes.models import (
    CONTACT_YEARS,
    Attendance,
    AwarenessRecord,
    DemonstrationModel,
    OutreachActivity,
    Programme,
    Replication,
    Resource,
    SavingStep,
    Solution,
    Specialist,
    Survey,
    TechnicalSupport,
    saving_decimal,
)
from targets import arithmetic
from targets.arithmetic import Status
from targets.figures import BreakdownRow, Completeness, SavingStats, SeriesPoint, TargetResult
from targets.models import Indicator, Target
from targets.queries import (
    ON_FACILITY,
    applying_since,
    aware_since,
    bucket_of,
    contact_dates,
    entered_on,
    facilities_in_scope,
    facility_saving,
    first_rows,
    first_rows_aware_by,
    left_on,
    listed_people,
    measured_q,
    measured_since,
    ranked_savings,
    reached_on,
    reached_q,
    saving_measured,
    saving_reached,
    scope_q,
    since_of,
    specialist_on,
    step_since,
    surveyed_since,
    through,
    units_in_scope,
    with_pathway,
)

#: Breakdown name (the API's and command's ``by``) → the facility field it groups by.
BREAKDOWNS: dict[str, str] = {
    "sector": "sector_id",
    "unit": "unit_id",
    "area_type": "area_kind",
    "kind": "kind",
}
#: Series frequencies accepted by indicator_series(), and the Trunc kind of each.
TRUNC = {"month": "month", "quarter": "quarter", "year": "year"}
FREQUENCIES = tuple(TRUNC)
#: At most this many periods in a series (SQLite allows 500 terms in a UNION).
MAX_PERIODS = 240
#: At most this many conditional counts in one SELECT (PostgreSQL allows 1,664 columns).
MAX_AGGREGATES = 600
#: Resources a saving is reported for by savings_by_resource().
SAVING_RESOURCES = (Resource.ENERGY, Resource.RAW_MATERIAL, Resource.FUEL)


# --- How a target counts ------------------------------------------------------------------------


@dataclass(frozen=True)
class _FacilityCounting:
    """A facility-based target: a facility counts on day D when its ``entered``
    annotation (queries.entered_on(): in scope, open, and counted by then) is ≤ D
    and its ``left`` annotation (closing day, or NEVER) is > D; likewise for the
    denominator with ``denominator_entered``. The ``scope`` is kept for the
    quartile queries and tracing."""

    scope: Q
    entered: str
    denominator_entered: str
    #: Annotation: the day the facility met the numerator's milestones, wherever it was (queries.reached_on()).
    reached: str

    def numerator_q(self, day: datetime.date) -> Q:
        return Q(**{f"{self.entered}__lte": day, f"{LEFT}__gt": day})

    def denominator_q(self, day: datetime.date) -> Q:
        return Q(**{f"{self.denominator_entered}__lte": day, f"{LEFT}__gt": day})

    def kept_q(self, day: datetime.date, earlier: datetime.date) -> Q:
        """Counted on ``day`` and already on ``earlier``, so not newly counted on ``day``: the
        facility, not its pathway row. A facility that moved to another unit in between (the
        2025 reform moved most of Hanoi's) counts on ``day`` by a row that starts with the move
        (``since`` after ``earlier``, its ``opened_on`` that day); it was counted on ``earlier``
        if it had met the milestones by then, since nothing is recorded at a facility on a day
        it is not open (programmes.models)."""
        row_then = Q(**{f"{self.entered}__lte": earlier})
        moved_in = Q(since__gt=earlier, opened_on=F("since"), **{f"{self.reached}__lte": earlier})
        return self.numerator_q(day) & (row_then | moved_in)


@dataclass(frozen=True)
class _UnitCounting:
    """Specialist coverage: a unit counts on day D when valid on D and annotation
    ``specialist[D]`` (a specialist in post on D) is true."""

    scope: Q
    specialist: dict[datetime.date, str]

    def numerator_q(self, day: datetime.date) -> Q:
        return self.denominator_q(day) & Q(**{self.specialist[day]: True})

    def denominator_q(self, day: datetime.date) -> Q:
        return self.scope & unit_valid_q(day)

    def kept_q(self, day: datetime.date, earlier: datetime.date) -> Q:
        return self.numerator_q(day) & self.numerator_q(earlier)


#: Annotation holding the day a facility closed (NEVER while open).
LEFT = "left"


class _Plan:
    """Collects what a batch of targets needs (annotations, conditional counts),
    then runs it in a fixed number of queries.

    Per facility, one ``entered`` date per distinct (scope, "since" dates)
    and one ``left`` date are computed once, in an inner query; the
    conditional counts then only compare those dates with each day.
    """

    def __init__(self) -> None:
        # FilteredRelation objects are bound to the query that uses them: one per query.
        self.relations: dict[str, Callable[[], FilteredRelation]] = {}
        self.facility_annotations: dict[str, object] = {LEFT: left_on()}
        self.unit_annotations: dict[str, object] = {}
        self.facility_counts: dict[str, Q] = {}
        self.unit_counts: dict[str, Q] = {}
        self._aliases: dict[tuple, str] = {}
        self._counted: dict[tuple[bool, Q], str] = {}
        #: "entered" aliases that follow a milestone (non-empty "since" dates): see run().
        self._after_milestone: set[str] = set()

    def _alias(self, key: tuple, registry: dict[str, object], factory) -> str:
        if key not in self._aliases:
            alias = f"a{len(self._aliases)}"
            self._aliases[key] = alias
            registry[alias] = factory()
        return self._aliases[key]

    def _entered(self, scope: Q, sinces: tuple[tuple, ...]) -> str:
        """Alias of queries.entered_on() for ``scope`` and the "since" dates keyed by ``sinces``."""
        alias = self._alias(
            ("entered", scope, sinces),
            self.facility_annotations,
            lambda: entered_on([self._since(key) for key in sinces], scope),
        )
        if sinces:
            self._after_milestone.add(alias)
        return alias

    def _reached(self, scope: Q, sinces: tuple[tuple, ...]) -> str:
        """Alias of queries.reached_on() for ``scope`` and the "since" dates keyed by ``sinces``."""
        alias = self._alias(
            ("reached", scope, sinces),
            self.facility_annotations,
            lambda: reached_on([self._since(key) for key in sinces], scope),
        )
        self._after_milestone.add(alias)
        return alias

    def _since(self, key: tuple):
        """The "since" date a _since_keys() key stands for (a saving's joins the steps it needs)."""
        kind, *args = key
        if kind == "aware":
            return aware_since(prefix="")
        if kind == "applying":
            return applying_since(prefix="")
        if kind == "measured" and not args[0] and not args[1]:  # any resource, any evidence
            return measured_since(prefix="")  # a column: no join to the saving steps
        factory = saving_reached if kind == "reached" else saving_measured
        relation = self._alias(key, self.relations, lambda: functools.partial(factory, *args))
        return since_of(relation)

    def counting(self, target: Target, days: Iterable[datetime.date]) -> _FacilityCounting | _UnitCounting:
        if target.indicator == Indicator.SPECIALIST_COVERAGE:
            specialist = {
                day: self._alias(("specialist", day), self.unit_annotations, lambda day=day: specialist_on(day))
                for day in days
            }
            units = Q(level=target.unit_level)
            return _UnitCounting(units & Q(pk=target.unit_scope_id) if target.unit_scope_id else units, specialist)
        scope = scope_q(sector_id=target.sector_id, unit_id=target.unit_scope_id, area_kind=target.area_kind)
        numerator, denominator = _since_keys(target)
        sinces = tuple(sorted({*numerator, *denominator}))
        return _FacilityCounting(
            scope, self._entered(scope, sinces), self._entered(scope, denominator), self._reached(scope, sinces)
        )

    def count(self, target: Target, counting, name: str, condition: Q) -> str:
        """The alias of the count of rows meeting ``condition``: targets asking the same count
        (every share's denominator is the open facilities; two phases' awareness targets count
        alike) share one aggregate, 22 instead of 40 for the demo's nine targets."""
        units = isinstance(counting, _UnitCounting)
        key = (units, condition)
        if key not in self._counted:
            registry = self.unit_counts if units else self.facility_counts
            self._counted[key] = alias = f"t{target.pk}_{name}"
            registry[alias] = condition
        return self._counted[key]

    def facilities(self) -> QuerySet[Facility]:
        """The facilities counted, joined to the saving steps the counts need."""
        return facilities_in_scope().annotate(**{alias: make() for alias, make in self.relations.items()})

    def run(self) -> dict[str, int]:
        """One query for facility counts and one for unit counts (more only past MAX_AGGREGATES).

        A facility counted from a milestone (aware, applying, a saving) has had a contact by
        then: every milestone comes from a record that is a contact (programmes/pathway.py,
        CONTACTS; a saving step starts on its solution's implementation, a verification after
        it), so its pathway row has ``aware_on``. Those counts are taken over the rows with a
        contact alone, in the same statement as the counts of open facilities over every row:
        at 100,000 facilities a third of the rows, not every row, is joined to the saving steps
        and compared with each numerator (docs/performance-history.md, "Numerators over the facilities
        reached")."""
        contact = {alias for alias, q in self.facility_counts.items() if _compared(q) & self._after_milestone}
        counts = _aggregate(self.facilities(), self.facility_annotations, self.facility_counts, contact)
        counts.update(_aggregate(units_in_scope(), self.unit_annotations, self.unit_counts))
        return counts

    def run_cumulative(
        self, aliases: set[str], *, as_of: datetime.date, freq: str
    ) -> dict[str, Callable[[datetime.date], int]]:
        """For each "entered" alias, how many facilities count on any period end of ``freq``
        up to ``as_of``: one query, grouped by period, however many periods.

        Counted on D ⇔ entered ≤ D < left, so count(D) = #(entered ≤ D) − #(max(entered, left) ≤ D):
        two cumulative sums of per-period counts. The sums add up at most MAX_PERIODS
        group counts per alias (arithmetic on counts, not a loop over facilities).
        """
        if not aliases:
            return {}
        kind = TRUNC[freq]
        ordered = sorted(aliases)

        def dates(rows: QuerySet, indices: Sequence[int]) -> QuerySet:
            """``rows`` with the "came" and "gone" dates of the aliases at ``indices`` in
            ``ordered`` (names of their own: the plan's aliases are a0, a1, …)."""
            rows = rows.annotate(**{ordered[i]: self.facility_annotations[ordered[i]] for i in indices})
            rows = rows.annotate(**{LEFT: left_on()})
            rows = rows.annotate(**{f"gone{i}": Greatest(F(ordered[i]), F(LEFT)) for i in indices})
            return rows.annotate(**{f"came{i}": F(ordered[i]) for i in indices})

        # Every facility is read once; each of its dates is then counted per period (at most
        # MAX_PERIODS rows per date column leave the database).
        using = router.db_for_read(Facility)
        postgres = connections[using].vendor == "postgresql"
        # PostgreSQL: each date truncated as a timestamp. Given a date, DATE_TRUNC takes the
        # time-zone-aware variant, converting every date to the session's time zone and back (a
        # tenth of this query's time at 1,000,000 facilities); a date's midnight has none to convert.
        period, period_params = connections[using].ops.date_trunc_sql(kind, "day::timestamp" if postgres else "day", ())
        if postgres:
            # Each row's dates unnested in place: no copy of the rows to a work table read once
            # per date column (a third less time at 100,000 facilities), and parallel workers.
            # A "gone" date (max(entered, left)) is on or before as_of only for a facility that
            # left by then: only those rows unnest theirs, in a second, filtered read (a fifth less
            # time at 1,000,000 facilities than unnesting every row's). The dates are unnested in
            # the select list (a ProjectSet, beside the part numbers, zipped) and grouped once over
            # all reads: PostgreSQL then aggregates in every parallel worker, where a LATERAL
            # UNNEST per row, grouped per read, ran each read's aggregate in one process (half the
            # time at 100,000 facilities: docs/performance-history.md, "The series in parallel").
            # A date after a milestone is NEVER on a row without a first contact (see run()):
            # those dates are read from the rows with one alone, joined to the saving steps there.
            branches, arguments = [], [*period_params]
            everyone = self.facilities()
            for contact, base in ((False, everyone), (True, everyone.filter(aware_on__isnull=False))):
                indices = [i for i, alias in enumerate(ordered) if (alias in self._after_milestone) is contact]
                if not indices:
                    continue
                rows = dates(base, indices)
                for prefix, read, first in (("came", rows, 0), ("gone", rows.filter(**{f"{LEFT}__lte": as_of}), 1)):
                    names = [f"{prefix}{i}" for i in indices]
                    inner, params = read.values(*names).query.get_compiler(using=using).as_sql()
                    parts = [str(2 * i + first) for i in indices]
                    # One date a row (the open facilities' opening): read as it is, not unnested
                    # (a fifth less time at 1,000,000 facilities).
                    dated = (
                        f"{names[0]} AS day, {parts[0]} AS part"
                        if len(names) == 1
                        else f"UNNEST(ARRAY[{', '.join(names)}]) AS day, UNNEST(ARRAY[{', '.join(parts)}]) AS part"
                    )
                    branches.append(f"SELECT part, day FROM (SELECT {dated} FROM ({inner}) f) days WHERE day <= %s")
                    arguments += [*params, as_of]
            sql = f"SELECT part, {period} AS period, COUNT(*) FROM ({' UNION ALL '.join(branches)}) d GROUP BY 1, 2"
        else:
            columns = [column for i in range(len(ordered)) for column in (f"came{i}", f"gone{i}")]
            rows = dates(self.facilities(), range(len(ordered)))
            inner, params = rows.values(*columns).query.get_compiler(using=using).as_sql()
            unpivot = " UNION ALL ".join(
                f"SELECT {n} AS part, {column} AS day FROM f" for n, column in enumerate(columns)
            )
            sql = (
                f"WITH f AS ({inner}) SELECT part, {period} AS period, COUNT(*) FROM ({unpivot}) days "
                f"WHERE day <= %s GROUP BY part, {period}"
            )
            arguments = [*params, *period_params, as_of, *period_params]
        signs = [(alias, sign) for alias in ordered for sign in (1, -1)]
        changes: dict[str, dict[datetime.date, int]] = {alias: defaultdict(int) for alias in aliases}
        with connections[using].cursor() as cursor:
            cursor.execute(sql, arguments)
            for part, starts, count in cursor.fetchall():
                alias, sign = signs[part]
                changes[alias][_as_date(starts)] += sign * count
        return {alias: _running_count(changes[alias], kind) for alias in aliases}

    def run_by(self, fields: Sequence[str], only: set[str]) -> tuple[list[dict], list[dict]]:
        """The counts named in ``only``, grouped by every one of ``fields`` at once: (facility
        rows, each with its group's key per field as ``bucket0``, ``bucket1``…, unit rows grouped
        by unit as ``bucket``, only when "unit_id" is among ``fields``). One query each."""
        facility_counts = {alias: q for alias, q in self.facility_counts.items() if alias in only}
        unit_counts = {alias: q for alias, q in self.unit_counts.items() if alias in only}
        facility_rows = _aggregate_by(self.facilities(), self.facility_annotations, fields, facility_counts)
        unit_rows = (
            _aggregate_by(units_in_scope(), self.unit_annotations, ["pk"], unit_counts) if "unit_id" in fields else []
        )
        return facility_rows, [{**row, "bucket": row["bucket0"]} for row in unit_rows]


def _as_date(value) -> datetime.date:
    """A truncated date as the backend returns it (SQLite: a string or datetime)."""
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, str):
        return datetime.date.fromisoformat(value[:10])
    return value


def _period_start(day: datetime.date, kind: str) -> datetime.date:
    """The first day of ``day``'s month, quarter or year: what Trunc(kind) gives in SQL."""
    if kind == "year":
        return day.replace(month=1, day=1)
    if kind == "quarter":
        return day.replace(month=(day.month - 1) // 3 * 3 + 1, day=1)
    return day.replace(day=1)


def _running_count(changes: dict[datetime.date, int], kind: str) -> Callable[[datetime.date], int]:
    """count(D): the sum of ``changes`` of periods starting on or before D's period."""
    starts = sorted(changes)
    totals = list(itertools.accumulate(changes[start] for start in starts))

    def count(day: datetime.date) -> int:
        position = bisect.bisect_right(starts, _period_start(day, kind))
        return totals[position - 1] if position else 0

    return count


def _compared(condition: Q) -> set[str]:
    """The names (annotations, fields) ``condition`` compares."""
    names: set[str] = set()
    for child in condition.children:
        names |= _compared(child) if isinstance(child, Q) else {child[0].split(LOOKUP_SEP, 1)[0]}
    return names


def _aggregate(
    base: QuerySet, annotations: dict, conditions: dict[str, Q], contact: Iterable[str] = ()
) -> dict[str, int]:
    """Count the rows of ``base`` meeting each condition, in one query per MAX_AGGREGATES conditions.

    The conditions named in ``contact`` hold only for pathway rows with a first contact
    (``aware_on``): those are counted over such rows alone, beside the others in the same
    statement, and each of the two aggregates joins only what its own conditions compare."""
    if set(annotations) & set(conditions):
        raise ValueError("An aggregate cannot share its name with an annotation it filters on.")
    contact = set(contact)
    items = list(conditions.items())
    counts: dict[str, int] = {}
    for start in range(0, len(items), MAX_AGGREGATES):
        chunk = dict(items[start : start + MAX_AGGREGATES])
        groups = [(base, [alias for alias in chunk if alias not in contact])]
        if contact:
            groups.append((base.filter(aware_on__isnull=False), [alias for alias in chunk if alias in contact]))
        # No LIMIT fence around the annotated rows (the engine's counts once needed one against
        # correlated subqueries; pathway columns are plain): the planner may then flatten them and
        # count in parallel workers, 1.5-2x faster on PostgreSQL at 100,000 facilities.
        parts = [
            (
                _annotated(rows, annotations, [chunk[alias] for alias in aliases]),
                {a: Count("pk", filter=chunk[a]) for a in aliases},
            )
            for rows, aliases in groups
            if aliases
        ]
        if len(parts) == 1:
            rows, aggregates = parts[0]
            counts.update(rows.aggregate(**aggregates))
            continue
        # One row each: a constant is not grouped by (Value has no GROUP BY columns).
        using = router.db_for_read(base.model)
        compiled = [
            rows.annotate(one=Value(1)).values("one").annotate(**aggregates).query.get_compiler(using=using).as_sql()
            for rows, aggregates in parts
        ]
        sql = " CROSS JOIN ".join(f"({inner}) p{i}" for i, (inner, _params) in enumerate(compiled))
        with connections[using].cursor() as cursor:
            cursor.execute(f"SELECT * FROM {sql}", [param for _inner, params in compiled for param in params])
            names = [column[0] for column in cursor.description]
            counts.update((name, value) for name, value in zip(names, cursor.fetchone(), strict=True) if name != "one")
    return counts


def _annotated(rows: QuerySet, annotations: dict, conditions: Iterable[Q]) -> QuerySet:
    """``rows`` with the ``annotations`` that ``conditions`` compare (and only those: each joins
    what it needs, a saving's steps for instance)."""
    compared = set().union(*(_compared(q) for q in conditions))
    return rows.annotate(**{name: value for name, value in annotations.items() if name in compared})


def _aggregate_by(base: QuerySet, annotations: dict, fields: Sequence[str], conditions: dict[str, Q]) -> list[dict]:
    """The counts of _aggregate() per combination of values of ``fields``: rows of
    {"bucket0": value of the first field, "bucket1": …, alias: count, ...}."""
    if not conditions:
        return []
    counts = {alias: Count("pk", filter=q) for alias, q in conditions.items()}
    buckets = {f"bucket{i}": bucket_of(field) for i, field in enumerate(fields)}
    return list(base.annotate(**annotations).annotate(**buckets).values(*buckets).annotate(**counts).order_by(*buckets))


def _rolled_up(rows: list[dict], position: int, aliases: Iterable[str]) -> list[dict]:
    """``rows`` of _aggregate_by() grouped by its ``position``-th field alone: each group's
    counts, the sum of the counts of its finer groups (at most sectors × units × area types
    of them, whatever the number of facilities), as {"bucket": value, alias: count}."""
    found: dict[object, dict] = {}
    for row in rows:
        key = row[f"bucket{position}"]
        group = found.setdefault(key, {"bucket": key, **dict.fromkeys(aliases, 0)})
        for alias in aliases:
            group[alias] += row[alias]
    return [found[key] for key in sorted(found, key=lambda key: (key is None, key))]


def _since_keys(target: Target) -> tuple[tuple[tuple, ...], tuple[tuple, ...]]:
    """Keys of the "since" dates a facility-based target needs: (numerator's, denominator's).

    A facility counts in the numerator from the latest of both, in the
    denominator from the latest of the denominator's (none: all open facilities).
    """
    if target.indicator == Indicator.AWARENESS:
        return (("aware",),), ()
    if target.indicator == Indicator.APPLICATION:
        return (("applying",),), ()
    # Target.evidence: verified savings only read the verified steps (the last key part).
    reached = ("reached", target.qualifying_saving(), target.resource, target.verified_only)
    if target.indicator == Indicator.APPLICATION_WITH_SAVING:
        return (reached,), ()
    return (reached,), (("measured", target.resource, target.verified_only),)


# --- Quartiles ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class _QuartileRequest:
    """Quartiles of facility savings on ``day`` among facilities in ``scope`` (open on ``day``)."""

    day: datetime.date
    resource: str
    scope: Q
    verified: bool = False  # verified savings only (Target.evidence)


def _quartiles(
    requests: Sequence[_QuartileRequest], bucket: str | None = None
) -> list[dict[object, tuple[int, tuple[Decimal | None, Decimal | None, Decimal | None]]]]:
    """For each request, {bucket value (None without ``bucket``): (count, (q1, median, q3))},
    the quartiles exact Decimal percent.

    One query (queries.ranked_savings); at most 6 rows per request and bucket leave the database.
    Its rows are raw: PostgreSQL gives NUMERIC as Decimal, SQLite (no NUMERIC arithmetic)
    gives the REAL nearest it, so both are read through their shortest decimal and quantized
    to the column's places (saving_decimal()).
    """
    # Requests asked twice (two phases' saving targets of the same scope, on the same days) are
    # ranked once: half the quartiles' work for the programme's headline figures.
    unique = list(dict.fromkeys(requests))
    answers: list[dict] = [{} for _ in unique]
    if not unique:
        return answers
    using = router.db_for_read(SavingStep)  # a raw cursor: the replica router's choice made here
    sql, params = ranked_savings([(r.day, r.resource, r.scope, r.verified) for r in unique], bucket, using=using)
    ranked: dict[tuple, dict[int, Decimal]] = defaultdict(dict)
    sizes: dict[tuple, int] = {}
    with connections[using].cursor() as cursor:
        cursor.execute(sql, params)
        for part, key, rank, count, saving in cursor.fetchall():
            ranked[(part, key)][rank] = saving_decimal(saving)
            sizes[(part, key)] = count
    for (part, key), values in ranked.items():
        answers[part][key] = (sizes[(part, key)], arithmetic.quartiles(values, sizes[(part, key)]))
    part_of = {request: part for part, request in enumerate(unique)}
    return [answers[part_of[request]] for request in requests]


_NO_QUARTILES: tuple[int, tuple[None, None, None]] = (0, (None, None, None))


# --- Targets as of a date -----------------------------------------------------------------------


def programme_targets(programme: Programme) -> QuerySet[Target]:
    """The programme's targets, in phase and deadline order, then in the order of Indicator
    (awareness, application, …), with what their labels need."""
    indicator_order = Case(
        *(When(indicator=value, then=Value(i)) for i, value in enumerate(Indicator.values)), default=Value(99)
    )
    return (
        Target.objects.filter(phase__programme=programme)
        .select_related("phase", "sector", "unit_scope")
        .order_by("phase__starts_on", "deadline", indicator_order, "pk")
    )


def indicators_as_of(*, programme: Programme, as_of: datetime.date, by: str | None = None) -> list[TargetResult]:
    """Every target of ``programme`` as of ``as_of``, with breakdown rows when ``by`` is given.

    ``by``: one of BREAKDOWNS ("sector", "unit", "area_type", "kind"). Queries:
    1 for the targets, then targets_as_of()'s.
    """
    return targets_as_of(targets=list(programme_targets(programme)), as_of=as_of, by=by)


def targets_as_of(*, targets: Sequence[Target], as_of: datetime.date, by: str | None = None) -> list[TargetResult]:
    """Each target as of ``as_of``: value, status, projection and what it will take.

    ``targets`` need phase, sector and unit_scope loaded (programme_targets()).
    Queries, whatever the data: 1 for facility counts if any target counts
    facilities, 1 for unit counts if any counts units, 1 for quartiles if any
    is a saving target; with ``by``, as many again for the breakdown.
    """
    if by is not None and by not in BREAKDOWNS:
        raise ValueError(by)
    year_ago = arithmetic.add_months(as_of, -arithmetic.TREND_MONTHS)
    plan = _Plan()
    aliases: dict[int, dict[str, str]] = {}
    countings = {}
    for target in targets:
        counting = plan.counting(target, (as_of, year_ago))
        countings[target.pk] = counting
        aliases[target.pk] = {
            "num": plan.count(target, counting, "num", counting.numerator_q(as_of)),
            "den": plan.count(target, counting, "den", counting.denominator_q(as_of)),
            "num_ago": plan.count(target, counting, "num_ago", counting.numerator_q(year_ago)),
            "den_ago": plan.count(target, counting, "den_ago", counting.denominator_q(year_ago)),
            "kept": plan.count(target, counting, "kept", counting.kept_q(as_of, year_ago)),
        }
    counts = plan.run()

    savings = [t for t in targets if t.indicator == Indicator.SAVING]
    requests = [
        _QuartileRequest(day, t.resource, countings[t.pk].scope, t.verified_only)
        for t in savings
        for day in (as_of, year_ago)
    ]
    answers = _quartiles(requests) if requests else []
    quartiles = {
        t.pk: (answers[2 * i].get(None, _NO_QUARTILES), answers[2 * i + 1].get(None, _NO_QUARTILES))
        for i, t in enumerate(savings)
    }
    breakdowns = _breakdowns(plan, aliases, targets, savings, countings, as_of, [by])[by] if by else {}

    results = []
    for target in targets:
        found = {name: counts[alias] for name, alias in aliases[target.pk].items()}
        results.append(_result(target, as_of, found, quartiles.get(target.pk), breakdowns.get(target.pk)))
    return results


def breakdowns_as_of(*, targets: Sequence[Target], as_of: datetime.date, by: str) -> dict[int, list[BreakdownRow]]:
    """Only the breakdown rows of targets_as_of(by=…): {target id: rows}, without the
    city-wide counts a caller already has. Queries: see _breakdowns()."""
    return breakdowns_by(targets=targets, as_of=as_of, by=[by])[by]


def breakdowns_by(
    *, targets: Sequence[Target], as_of: datetime.date, by: Sequence[str]
) -> dict[str, dict[int, list[BreakdownRow]]]:
    """breakdowns_as_of() for several breakdowns at once: {breakdown: {target id: rows}}, the
    facilities read in one pass whatever the number of breakdowns. Queries: see _breakdowns()."""
    unknown = [name for name in by if name not in BREAKDOWNS]
    if unknown:
        raise ValueError(unknown[0])
    plan = _Plan()
    aliases: dict[int, dict[str, str]] = {}
    countings = {}
    for target in targets:
        counting = plan.counting(target, (as_of,))
        countings[target.pk] = counting
        aliases[target.pk] = {
            "num": plan.count(target, counting, "num", counting.numerator_q(as_of)),
            "den": plan.count(target, counting, "den", counting.denominator_q(as_of)),
        }
    savings = [t for t in targets if t.indicator == Indicator.SAVING]
    return _breakdowns(plan, aliases, targets, savings, countings, as_of, by)


def target_as_of(*, target: Target, as_of: datetime.date, by: str | None = None) -> TargetResult:
    """One target as of ``as_of`` (see targets_as_of())."""
    return targets_as_of(targets=[target], as_of=as_of, by=by)[0]


def _result(
    target: Target,
    as_of: datetime.date,
    counts: dict[str, int],
    quartiles: tuple | None,
    breakdown: list[BreakdownRow] | None,
) -> TargetResult:
    numerator, denominator = counts["num"], counts["den"]
    saving = target.indicator == Indicator.SAVING
    q1 = q3 = share = None
    if saving:
        (_, (q1, value, q3)), (_, (_, value_ago, _)) = quartiles
        share = arithmetic.percent(numerator, denominator)
        needed = arithmetic.needed_for_median(measured=denominator, reaching=numerator)
    else:
        value = arithmetic.percent(numerator, denominator)
        value_ago = arithmetic.percent(counts["num_ago"], counts["den_ago"])
        needed = arithmetic.needed_count(target=target.target_min, numerator=numerator, denominator=denominator)
    baseline_on, baseline = target.baseline()
    expected = arithmetic.expected_now(
        as_of=as_of,
        baseline_on=baseline_on,
        baseline_value=baseline,
        deadline=target.deadline,
        target=target.target_min,
    )
    status = arithmetic.status(value=value, expected=expected, target=float(target.target_min))
    projected = arithmetic.project(value_now=value, value_year_ago=value_ago, as_of=as_of, deadline=target.deadline)
    r = arithmetic.round1
    return TargetResult(
        target_id=target.pk,
        indicator=target.indicator,
        label=str(Indicator(target.indicator).label),
        scope=target.scope_label(),
        phase=target.phase.name,
        unit=target.unit,
        as_of=as_of,
        value=r(value),
        numerator=numerator,
        denominator=denominator,
        target_min=float(target.target_min),
        target_max=float(target.target_max) if target.target_max is not None else None,
        deadline=target.deadline,
        baseline=float(baseline),
        baseline_on=baseline_on,
        expected_now=r(expected),
        status=status.value,
        status_label=str(Status(status).label),
        value_year_ago=r(value_ago),
        projected_at_deadline=r(projected),
        needed_facilities=needed,
        needed_per_month=r(arithmetic.needed_per_month(needed=needed, as_of=as_of, deadline=target.deadline)),
        current_per_month=r(arithmetic.current_per_month(numerator - counts["kept"])),
        q1=r(q1),
        q3=r(q3),
        share_reaching=r(share),
        breakdown=breakdown,
    )


# --- Breakdowns ---------------------------------------------------------------------------------


def _breakdowns(
    plan: _Plan,
    aliases: dict[int, dict[str, str]],
    targets: Sequence[Target],
    savings: Sequence[Target],
    countings: dict,
    as_of: datetime.date,
    bys: Sequence[str],
) -> dict[str, dict[int, list[BreakdownRow]]]:
    """Per breakdown of ``bys``, per target, its rows: 1 query for facilities grouped by every
    breakdown's field at once (each breakdown then adds up its groups: _rolled_up()), 1 for
    units (with "unit" only), and per breakdown 1 for the group names (sector, unit) and 1 for
    the medians of saving targets. Groups outside a target's scope are left out.

    One pass over the pathway grouped by sector, unit and area type together costs about what
    one grouped by sector alone does, where three passes cost three times as much (PostgreSQL
    at 1,000,000 facilities; GROUPING SETS, which PostgreSQL does not aggregate in parallel,
    took longer than the three: docs/performance-history.md, "The dashboard in fewer passes")."""
    fields = [BREAKDOWNS[by] for by in bys]
    wanted = {aliases[t.pk][name] for t in targets for name in ("num", "den")}
    facility_rows, unit_rows = plan.run_by(fields, wanted)
    counted = sorted(wanted & set(plan.facility_counts))
    requests = [_QuartileRequest(as_of, t.resource, countings[t.pk].scope, t.verified_only) for t in savings]
    found: dict[str, dict[int, list[BreakdownRow]]] = {}
    for position, by in enumerate(bys):
        grouped = _rolled_up(facility_rows, position, counted)
        units = unit_rows if by == "unit" else []
        labels = _bucket_labels(by, [row["bucket"] for row in grouped] + [row["bucket"] for row in units])
        quartiles = _quartiles(requests, bucket=fields[position]) if requests else []
        medians = dict(zip([t.pk for t in savings], quartiles, strict=True))
        found[by] = {
            target.pk: _breakdown_rows(target, aliases[target.pk], by, grouped, units, labels, medians)
            for target in targets
        }
    return found


def _breakdown_rows(
    target: Target, aliases: dict[str, str], by: str, grouped: list[dict], unit_rows: list[dict], labels, medians
) -> list[BreakdownRow]:
    """``target``'s rows of the breakdown ``by``: its groups' counts, and their medians
    (``medians``: target id → bucket → quartiles) for a saving target."""
    units = target.indicator == Indicator.SPECIALIST_COVERAGE
    if units and by != "unit":
        return []
    num, den = aliases["num"], aliases["den"]
    rows = []
    for row in unit_rows if units else grouped:
        if not row[den]:
            continue
        if target.pk in medians:
            value = medians[target.pk].get(row["bucket"], _NO_QUARTILES)[1][1]
        else:
            value = arithmetic.percent(row[num], row[den])
        rows.append(BreakdownRow(row["bucket"], labels[row["bucket"]], row[num], row[den], arithmetic.round1(value)))
    return sorted(rows, key=lambda row: (row.key is None, row.label))


def _bucket_labels(by: str, keys: list) -> dict:
    """Display label of each group key (one query for sector or unit names, none for choices)."""
    if by in ("sector", "unit"):
        model = Sector if by == "sector" else AdministrativeUnit
        names = dict(model.objects.filter(pk__in={k for k in keys if k is not None}).values_list("pk", "name"))
        return {key: names.get(key, "") for key in keys}
    choices = ProductionArea.Kind if by == "area_type" else Facility.Kind
    return {key: str(choices(key).label) if key else _("not in a production area") for key in keys}


# --- Series -------------------------------------------------------------------------------------


def series_start(target: Target) -> datetime.date:
    """Where a target's series starts: its baseline date, else its phase's start."""
    return target.baseline()[0]


def indicator_series(
    *, target: Target, as_of: datetime.date, freq: str = "month", start: datetime.date | None = None
) -> list[SeriesPoint]:
    """One target's indicator at each period end from ``start`` (default: baseline) to ``as_of``.

    ``freq``: "month", "quarter" or "year"; the last point is ``as_of`` itself.
    Queries: see series_for_targets() (1, plus 1 for a saving target).
    """
    return series_for_targets(targets=[target], as_of=as_of, freq=freq, start=start)[target.pk]


def series_for_targets(
    *,
    targets: Sequence[Target],
    as_of: datetime.date,
    freq: str = "month",
    start: datetime.date | None = None,
    saving_freq: str | None = None,
) -> dict[int, list[SeriesPoint]]:
    """Series for several targets at once: {target id: [SeriesPoint, …]} in period order.

    ``saving_freq`` (default ``freq``): the periods of saving targets, whose medians cost
    a sort of every measured facility per point ("year" on the dashboard: a saving per
    unit of product moves audit by audit, and 16 year ends cost a quarter of 64 quarters).

    Queries, whatever the data: 1 for all facility counts, 1 for all unit
    counts, 1 for the medians of saving targets (more only past MAX_AGGREGATES
    counts). Raises ValueError for an unknown ``freq`` or
    more than MAX_PERIODS periods.
    """
    if freq not in FREQUENCIES or (saving_freq or freq) not in FREQUENCIES:
        raise ValueError(freq)
    if saving_freq and FREQUENCIES.index(saving_freq) < FREQUENCIES.index(freq):
        raise ValueError(saving_freq)  # its days are read from the counts per period of ``freq``
    days_by_target = {
        t.pk: arithmetic.period_ends(
            start or series_start(t), as_of, (saving_freq or freq) if t.indicator == Indicator.SAVING else freq
        )
        for t in targets
    }
    if any(len(days) > MAX_PERIODS for days in days_by_target.values()):
        raise ValueError(freq)
    plan = _Plan()
    unit_aliases: dict[int, list[tuple[str, str]]] = {}
    entered: dict[int, tuple[str, str]] = {}
    requests: list[_QuartileRequest] = []
    request_index: dict[int, int] = {}
    for target in targets:
        days = days_by_target[target.pk]
        counting = plan.counting(target, days)
        if isinstance(counting, _UnitCounting):
            unit_aliases[target.pk] = [
                (
                    plan.count(target, counting, f"num{i}", counting.numerator_q(day)),
                    plan.count(target, counting, f"den{i}", counting.denominator_q(day)),
                )
                for i, day in enumerate(days)
            ]
        else:
            entered[target.pk] = (counting.entered, counting.denominator_entered)
        if target.indicator == Indicator.SAVING:
            request_index[target.pk] = len(requests)
            requests.extend(
                _QuartileRequest(day, target.resource, counting.scope, target.verified_only) for day in days
            )
    counted = plan.run_cumulative({alias for pair in entered.values() for alias in pair}, as_of=as_of, freq=freq)
    counts = _aggregate(units_in_scope(), plan.unit_annotations, plan.unit_counts)
    answers = _quartiles(requests) if requests else []
    series: dict[int, list[SeriesPoint]] = {}
    for target in targets:
        points = []
        for i, day in enumerate(days_by_target[target.pk]):
            if target.pk in entered:
                num, den = (counted[alias](day) for alias in entered[target.pk])
            else:
                num, den = (counts[alias] for alias in unit_aliases[target.pk][i])
            if target.pk in request_index:
                value = answers[request_index[target.pk] + i].get(None, _NO_QUARTILES)[1][1]
            else:
                value = arithmetic.percent(num, den)
            points.append(SeriesPoint(day, num, den, arithmetic.round1(value)))
        series[target.pk] = points
    return series


# --- Savings, completeness, outputs -------------------------------------------------------------


def savings_by_resource(
    *,
    as_of: datetime.date,
    minimum: Decimal | float = 5,
    resources: Sequence[str] = SAVING_RESOURCES,
    sector_id: int | None = None,
    unit_id: int | None = None,
    area_kind: str = "",
) -> list[SavingStats]:
    """Per resource ("" = any), the savings of in-scope facilities open on ``as_of``:
    quartiles, and how many reach ``minimum`` percent. 2 queries."""
    scope = scope_q(sector_id=sector_id, unit_id=unit_id, area_kind=area_kind)
    relations, conditions = {}, {}
    for i, resource in enumerate(resources):
        relations[f"measured_step{i}"] = saving_measured(resource)
        relations[f"reached_step{i}"] = saving_reached(minimum, resource)
        conditions[f"measured{i}"] = scope & counted_q(as_of) & Q(**{f"measured_step{i}__since__lte": as_of})
        conditions[f"reached{i}"] = scope & counted_q(as_of) & Q(**{f"reached_step{i}__since__lte": as_of})
    # Every count needs a saving step, and a row with one has a first measured day: only those
    # rows (a few percent of the register) are joined to the steps and counted.
    rows = facilities_in_scope().filter(measured_on__isnull=False)
    counts = _aggregate(rows.annotate(**relations), {}, conditions)
    answers = _quartiles([_QuartileRequest(as_of, resource, scope) for resource in resources])
    stats = []
    for i, resource in enumerate(resources):
        _, (q1, median, q3) = answers[i].get(None, _NO_QUARTILES)
        measured, reaching = counts[f"measured{i}"], counts[f"reached{i}"]
        r = arithmetic.round1
        stats.append(
            SavingStats(
                resource=resource,
                measured=measured,
                q1=r(q1),
                median=r(median),
                q3=r(q3),
                minimum=float(minimum),
                reaching=reaching,
                share_reaching=r(arithmetic.percent(reaching, measured)),
            )
        )
    return stats


def data_completeness(
    *, as_of: datetime.date, sector_id: int | None = None, unit_id: int | None = None, area_kind: str = ""
) -> Completeness:
    """How many in-scope facilities open on ``as_of`` were never reached, or never surveyed. 1 query."""
    scope = scope_q(sector_id=sector_id, unit_id=unit_id, area_kind=area_kind) & counted_q(as_of)
    counts = _aggregate(
        facilities_in_scope(),
        {"aware_since": aware_since(prefix=""), "surveyed_since": surveyed_since(prefix="")},
        {
            "facilities": scope,
            "reached": scope & Q(aware_since__lte=as_of),
            "surveyed": scope & Q(surveyed_since__lte=as_of),
        },
    )
    return completeness(
        as_of=as_of, facilities=counts["facilities"], reached=counts["reached"], surveyed=counts["surveyed"]
    )


def completeness(*, as_of: datetime.date, facilities: int, reached: int, surveyed: int) -> Completeness:
    """The Completeness of ``facilities`` counted on ``as_of`` of which ``reached`` had a contact
    and ``surveyed`` a survey by then: data_completeness()'s, or the pathway funnel's first three
    steps (the dashboard's, which has counted them already). No query."""
    never_reached, never_surveyed = facilities - reached, facilities - surveyed
    return Completeness(
        as_of=as_of,
        facilities=facilities,
        reached=reached,
        never_reached=never_reached,
        never_reached_percent=arithmetic.round1(arithmetic.percent(never_reached, facilities)),
        surveyed=surveyed,
        never_surveyed=never_surveyed,
        never_surveyed_percent=arithmetic.round1(arithmetic.percent(never_surveyed, facilities)),
    )


def outputs_for_period(*, start: datetime.date, end: datetime.date) -> dict[str, int]:
    """What the programme produced from ``start`` to ``end`` (both inclusive). 6 queries for a
    calendar year of CONTACT_YEARS, 7 for another period (its facilities reached read from its
    records).

    Keys: leaflets (copies issued), leaflet_distributions, results_reports,
    symposia, workshops, trainings, media; two counts of people at the symposia,
    workshops and trainings: participants (reported by each activity, its
    ``participants``: everyone who took part) and listed_people (on the activities'
    attendance lists of facilities, the sum of ``Attendance.people``: only people
    from facilities named); facilities_reached (distinct facilities with any awareness contact in the
    period, in scope or not), facilities_newly_reached (of those, first ever
    contact in the period), surveys, facilities_supported (distinct facilities
    given technical support), demonstration_models (started),
    replications. Counts of facilities are of distinct facilities.
    """
    activities = OutreachActivity.objects.filter(held_on__range=(start, end)).aggregate(**_activity_outputs())
    facilities = _facility_outputs(start, end)
    surveys = Survey.objects.filter(surveyed_on__range=(start, end)).count()
    demonstration_models = DemonstrationModel.objects.filter(started_on__range=(start, end)).count()
    replications = Replication.objects.filter(replicated_on__range=(start, end)).count()
    return {
        **activities,
        **facilities,
        "surveys": surveys,
        "demonstration_models": demonstration_models,
        "replications": replications,
    }


def outputs_by_year(*, years: Sequence[int], as_of: datetime.date) -> dict[int, dict[str, int]]:
    """outputs_for_period() of each calendar year of ``years`` (consecutive), the last one cut
    at ``as_of``: {year: outputs}. 6 queries, each grouped by year or one pass for every year,
    however many years (7 when a year is not a whole year of CONTACT_YEARS by ``as_of``: cut at
    it, after it or outside them, its facilities reached are read from its records)."""
    found: dict[int, dict[str, int]] = {year: dict.fromkeys(OUTPUT_KEYS, 0) for year in years}
    if not years:
        return found
    start, end = datetime.date(years[0], 1, 1), min(datetime.date(years[-1], 12, 31), as_of)

    def add(rows: Iterable[dict]) -> None:
        for row in rows:
            found[int(row.pop("year"))].update({key: value or 0 for key, value in row.items()})

    def year_of(day) -> Cast:
        # An integer: PostgreSQL's EXTRACT gives a numeric, slower to group and to compare for
        # UNION (a fifth of these queries' time at 1,000,000 facilities:
        # docs/performance-history.md, "The funnel in parallel, and years as integers").
        return Cast(ExtractYear(day), IntegerField())

    def per_year(records: QuerySet, day, **counts) -> Iterable[dict]:
        return records.annotate(year=year_of(day)).values("year").annotate(**counts).order_by()

    add(per_year(OutreachActivity.objects.filter(held_on__range=(start, end)), "held_on", **_activity_outputs()))
    supported = TechnicalSupport.objects.alias(day=support_day()).filter(day__range=(start, end))
    add(per_year(supported, support_day(), facilities_supported=Count("survey__facility", distinct=True)))
    add(per_year(Survey.objects.filter(surveyed_on__range=(start, end)), "surveyed_on", surveys=Count("pk")))
    add(
        per_year(
            DemonstrationModel.objects.filter(started_on__range=(start, end)),
            "started_on",
            demonstration_models=Count("pk"),
        )
    )
    add(
        per_year(
            Replication.objects.filter(replicated_on__range=(start, end)), "replicated_on", replications=Count("pk")
        )
    )
    # Distinct facilities, each read once, on its first pathway row (one a facility), in one pass
    # for every year: newly reached (first contact in the year, up to as_of) and, in a whole year
    # (by as_of) of CONTACT_YEARS, reached (the year's bit). Other years (the as-of year, cut at
    # as_of): the UNION of their (facility, year) pairs from the records, counted per year.
    whole = [year for year in years if datetime.date(year, 12, 31) <= as_of and year in CONTACT_YEARS]
    counts = {
        f"new{year}": Count(
            "pk", filter=Q(aware_on__range=(datetime.date(year, 1, 1), min(datetime.date(year, 12, 31), end)))
        )
        for year in years
    }
    counts.update({f"y{year}": Count("pk", filter=_reached_in(year)) for year in whole})
    counted = first_rows_aware_by(end).aggregate(**counts)
    add({"year": year, "facilities_newly_reached": counted[f"new{year}"]} for year in years)
    add({"year": year, "facilities_reached": counted[f"y{year}"]} for year in whole)
    rest = [year for year in years if year not in whole]
    if not rest:
        return found
    start = datetime.date(rest[0], 1, 1)
    contacts = [
        records.filter(**{f"{day}__range": (start, end)})
        .annotate(year=year_of(day))
        .order_by()
        .values_list(facility, "year")
        for records, day, facility in (
            (Attendance.objects.all(), "activity__held_on", "facility_id"),
            (Survey.objects.all(), "surveyed_on", "facility_id"),
            (AwarenessRecord.objects.all(), "recorded_on", "facility_id"),
            (DemonstrationModel.objects.all(), "started_on", "host_id"),
            (Replication.objects.all(), "replicated_on", "facility_id"),
            (Solution.objects.all(), "implemented_on", "facility_id"),
        )
    ]
    using = router.db_for_read(Attendance)
    pairs, params = contacts[0].union(*contacts[1:]).query.get_compiler(using=using).as_sql()
    with connections[using].cursor() as cursor:
        cursor.execute(f"SELECT year, COUNT(*) FROM ({pairs}) pairs GROUP BY year", params)
        add({"year": year, "facilities_reached": count} for year, count in cursor.fetchall() if year in rest)
    return found


def _reached_in(year: int) -> GreaterThan:
    """A pathway row's facility had a contact in ``year`` (one of CONTACT_YEARS)."""
    return GreaterThan(F("contact_years").bitand(1 << (year - CONTACT_YEARS[0])), 0)


#: The keys of outputs_for_period() and outputs_by_year().
OUTPUT_KEYS = (
    "leaflets",
    "leaflet_distributions",
    "results_reports",
    "symposia",
    "workshops",
    "trainings",
    "media",
    "participants",
    "listed_people",
    "facilities_reached",
    "facilities_newly_reached",
    "facilities_supported",
    "surveys",
    "demonstration_models",
    "replications",
)


def _activity_outputs() -> dict:
    """The aggregates of outreach activities in outputs_for_period()."""
    kinds = OutreachActivity.Kind
    events = (kinds.SYMPOSIUM, kinds.WORKSHOP, kinds.TRAINING)
    return {
        "leaflets": Sum("quantity", filter=Q(kind=kinds.LEAFLETS), default=0),
        "leaflet_distributions": Count("pk", filter=Q(kind=kinds.LEAFLETS)),
        "results_reports": Count("pk", filter=Q(kind=kinds.RESULTS_REPORT)),
        "symposia": Count("pk", filter=Q(kind=kinds.SYMPOSIUM)),
        "workshops": Count("pk", filter=Q(kind=kinds.WORKSHOP)),
        "trainings": Count("pk", filter=Q(kind=kinds.TRAINING)),
        "media": Count("pk", filter=Q(kind=kinds.MEDIA)),
        "participants": Sum("participants", filter=Q(kind__in=events), default=0),
        "listed_people": Sum(listed_people(), filter=Q(kind__in=events), default=0),
    }


def support_day() -> Coalesce:
    """The day a technical support counts from: its own, else (not known) its survey's."""
    return Coalesce("given_on", "survey__surveyed_on", output_field=DateField())


def _facility_outputs(start: datetime.date, end: datetime.date) -> dict[str, int]:
    """Distinct facilities reached, newly reached and given technical support in [start, end]: 2
    queries for a calendar year of CONTACT_YEARS, 3 for another period.

    Reached: in a calendar year, the facilities with that year among their pathway's contact
    years; in another period, read from its records (a facility's contacts in a period are
    not a pathway milestone) as one UNION of facility ids. Newly reached: first contact in
    the period, from the pathway.
    """
    supported = TechnicalSupport.objects.alias(day=support_day()).filter(day__range=(start, end))
    year = start.year
    if (start, end) == (datetime.date(year, 1, 1), datetime.date(year, 12, 31)) and year in CONTACT_YEARS:
        # Both from the first pathway rows, in one pass.
        counted = first_rows_aware_by(end).aggregate(
            reached=Count("pk", filter=_reached_in(year)), newly=Count("pk", filter=Q(aware_on__range=(start, end)))
        )
        reached, newly_reached = counted["reached"], counted["newly"]
    else:
        contacts = [
            Attendance.objects.filter(activity__held_on__range=(start, end)).order_by().values_list("facility_id"),
            Survey.objects.filter(surveyed_on__range=(start, end)).order_by().values_list("facility_id"),
            AwarenessRecord.objects.filter(recorded_on__range=(start, end)).order_by().values_list("facility_id"),
            DemonstrationModel.objects.filter(started_on__range=(start, end)).order_by().values_list("host_id"),
            Replication.objects.filter(replicated_on__range=(start, end)).order_by().values_list("facility_id"),
            Solution.objects.filter(implemented_on__range=(start, end)).order_by().values_list("facility_id"),
        ]
        reached = contacts[0].union(*contacts[1:]).count()
        # One row per facility: one that moved unit has a pathway row per unit.
        newly_reached = first_rows().filter(aware_on__range=(start, end)).count()
    return {
        "facilities_reached": reached,
        "facilities_newly_reached": newly_reached,
        "facilities_supported": supported.aggregate(n=Count("survey__facility", distinct=True))["n"],
    }


# --- Tracing ------------------------------------------------------------------------------------


def facilities_behind(
    *,
    indicator: str,
    as_of: datetime.date,
    sector_id: int | None = None,
    unit_id: int | None = None,
    area_kind: str = "",
    saving_min: Decimal | float | None = None,
    resource: str = "",
    denominator: bool = False,
    verified: bool = False,
) -> QuerySet[Facility]:
    """The facilities in a facility-based indicator's numerator (or denominator) on ``as_of``.

    Annotated with ``since`` (the day the facility first counted) and, for
    awareness, ``first_<source>`` for each CONTACT_SOURCES entry (NEVER when
    none: see queries.NEVER); for savings, ``saving`` (percent as of
    ``as_of``). ``saving_min``: the qualifying saving for "application with
    saving" and "saving" (the target's lower end); ``verified``: verified savings
    only (Target.evidence). Ordered by code.
    """
    facilities = (
        with_pathway(Facility.objects.counted_on(as_of), as_of)
        .filter(through(scope_q(sector_id=sector_id, unit_id=unit_id, area_kind=area_kind), ON_FACILITY))
        .select_related("sector", "unit", "area")
        .order_by("code")
    )
    if indicator == Indicator.AWARENESS:
        facilities = facilities.annotate(
            since=aware_since(), **{f"first_{name}": date for name, date in contact_dates().items()}
        )
    elif indicator == Indicator.APPLICATION:
        facilities = facilities.annotate(since=applying_since())
    elif indicator in (Indicator.APPLICATION_WITH_SAVING, Indicator.SAVING):
        step = (
            measured_q(resource)
            if denominator and indicator == Indicator.SAVING
            else reached_q(saving_min or 0, resource)
        )
        facilities = facilities.annotate(
            since=step_since(step, verified), saving=facility_saving(as_of, resource, verified)
        )
    else:
        raise ValueError(indicator)
    if denominator and indicator != Indicator.SAVING:
        return facilities
    return facilities.filter(since__lte=as_of)


def units_behind(
    *, as_of: datetime.date, unit_id: int | None = None, level: str | None = None, denominator: bool = False
) -> QuerySet:
    """Units valid on ``as_of`` (of ``level``, any when None) with a CP specialist in post then
    (all valid units when ``denominator``).

    Annotated with ``specialist`` (the name of one specialist in post, or None). Ordered by name, in
    the order of the Vietnamese alphabet.
    """
    in_post = Specialist.objects.in_post_on(as_of).filter(unit=OuterRef("pk")).order_by("appointed_on")
    units = (
        AdministrativeUnit.objects.valid_on(as_of)
        .annotate(specialist=Subquery(in_post.values("name")[:1]))
        .order_by(in_vietnamese_order("name"))
    )
    if unit_id:
        units = units.filter(pk=unit_id)
    if level:
        units = units.filter(level=level)
    return units if denominator else units.filter(specialist__isnull=False)


def records_behind(*, target: Target, as_of: datetime.date, denominator: bool = False) -> QuerySet:
    """The facilities (units for specialist coverage) behind ``target``'s numerator on ``as_of``."""
    if target.indicator == Indicator.SPECIALIST_COVERAGE:
        return units_behind(as_of=as_of, unit_id=target.unit_scope_id, level=target.unit_level, denominator=denominator)
    return facilities_behind(
        indicator=target.indicator,
        as_of=as_of,
        sector_id=target.sector_id,
        unit_id=target.unit_scope_id,
        area_kind=target.area_kind,
        saving_min=target.qualifying_saving(),
        resource=target.resource,
        denominator=denominator,
        verified=target.verified_only,
    )


def facilities_never_reached(
    *, as_of: datetime.date, sector_id: int | None = None, unit_id: int | None = None, area_kind: str = ""
) -> QuerySet[Facility]:
    """In-scope facilities open on ``as_of`` with no contact at all by then (data completeness)."""
    return (
        with_pathway(Facility.objects.counted_on(as_of), as_of)
        .filter(through(scope_q(sector_id=sector_id, unit_id=unit_id, area_kind=area_kind), ON_FACILITY))
        .annotate(since=aware_since())
        .filter(since__gt=as_of)
        .select_related("sector", "unit", "area")
        .order_by("code")
    )


def default_programme(as_of: datetime.date) -> Programme | None:
    """The programme running on ``as_of`` (latest start first), else the latest; None when there is none."""
    running = Case(When(starts_on__lte=as_of, ends_on__gte=as_of, then=Value(0)), default=Value(1))
    return Programme.objects.order_by(running, "-starts_on", "pk").first()
