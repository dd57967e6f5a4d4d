"""The CP pathway funnel: how many facilities stand at each step, as of any dates.

Steps, in order (STEPS): in scope → aware → surveyed → supported → applying →
saving reached → replicating. A facility **stands at a step** on day D when it
is counted on D (in scope and open, in the scope asked: the unit it was in
then) and the pathway's first day of that step (FacilityPathway) is on or
before D; "in scope" is every facility counted. So the bars equal the
indicators' figures (aware = the awareness numerator, applying = the
application numerator) and the facility list's step filters
(targets/facility_filters.py).

Facilities do not all walk the steps in order (many apply CP without a
survey), so between two steps the funnel says how many of the facilities at
the earlier step **went on** to the next one (reached it on or after the day
they reached the earlier one, by D): the conversion is went on ÷ facilities
at the earlier step, and the **median time** between the two steps (days) is
over those facilities. Those at a step without having gone through the one
before it are counted apart (``otherwise``).

Counted in the database in one query, however many days (a comparison asks
two) and facilities: the pathway rows in scope are read once, joined to the
list of days, and every figure is a COUNT … FILTER of one date comparison.
Medians: PostgreSQL's percentile_cont; SQLite ranks the gaps with window
functions (ROW_NUMBER, COUNT over the step) and averages the middle one or
two, which is the same interpolation at the median. Definitions:
docs/indicators.md, "The pathway funnel".
"""

import dataclasses
import datetime
from collections.abc import Sequence
from decimal import Decimal

from django.db import connections, router
from django.db.models import F, IntegerField, Value
from django.utils.translation import gettext_lazy as _

from programmes.models import FacilityPathway
from targets import arithmetic
from targets.figures import _AsDict
from targets.models import Indicator, Target
from targets.queries import bucket_of, facilities_in_scope, saving_reached, scope_q

#: The steps, in order, each with the pathway column of its first day ("" for "in scope": the
#: facilities counted; "reached": the saving step that first reached the qualifying saving).
STEPS: dict[str, str] = {
    "in_scope": "",
    "aware": "aware_on",
    "surveyed": "surveyed_on",
    "supported": "supported_on",
    "applying": "applying_on",
    "saving_reached": "reached__since",
    "replicating": "replicated_on",
}
STEP_LABELS = {
    "in_scope": _("in scope"),
    "aware": _("aware of CP"),
    "surveyed": _("surveyed"),
    "supported": _("given technical support"),
    "applying": _("applying CP"),
    "saving_reached": _("reaching the target saving"),
    "replicating": _("replicating a demonstration model"),
}
#: The saving a facility must reach for "saving reached" when the phase sets none: the lower end
#: of the national strategy's 5–8 % for 2015.
DEFAULT_SAVING_MIN = Decimal(5)
#: Breakdowns of the funnel's counts (the dashboard's filters): name → pathway field.
FUNNEL_BREAKDOWNS = {"sector": "sector_id", "unit": "unit_id", "area_type": "area_kind"}


@dataclasses.dataclass(frozen=True)
class FunnelStep(_AsDict):
    """One step of the funnel on a day.

    ``facilities``: at this step. ``went_on``: of the facilities at the previous step,
    those that reached this one on or after the day they reached it (None on the first
    step); ``conversion``: went_on ÷ the previous step's facilities, percent 0–100 (None
    when the previous step is empty); ``otherwise``: at this step without having gone
    through the previous one first; ``median_days``: the median number of days from the
    previous step to this one among those that went on (None without any, and for the step
    from "in scope" to "aware": when a facility came in scope is rarely known).
    """

    key: str
    label: str
    facilities: int
    went_on: int | None
    conversion: float | None
    otherwise: int
    median_days: float | None


@dataclasses.dataclass(frozen=True)
class Funnel(_AsDict):
    """The funnel on ``as_of`` and, when asked, on ``compare`` (``earlier``: its steps), for
    facilities reaching ``saving_min`` percent at the "saving reached" step."""

    as_of: datetime.date
    saving_min: Decimal
    steps: list[FunnelStep]
    compare: datetime.date | None = None
    earlier: list[FunnelStep] | None = None

    @property
    def rows(self) -> list[tuple[FunnelStep, FunnelStep | None, int | None, float | None]]:
        """(step on as_of, the same step on compare or None, change in facilities, change in
        conversion in percentage points), for tables."""
        earlier = self.earlier or [None] * len(self.steps)
        return [(step, before, *step_change(step, before)) for step, before in zip(self.steps, earlier, strict=True)]

    def step(self, key: str) -> FunnelStep:
        return next(step for step in self.steps if step.key == key)


def step_change(step: FunnelStep, before: FunnelStep | None) -> tuple[int | None, float | None]:
    """(change in facilities, change in conversion in percentage points) from ``before`` to ``step``."""
    if before is None:
        return None, None
    return step.facilities - before.facilities, arithmetic.difference(step.conversion, before.conversion)


def _went_on(i: int) -> str:
    """SQL: the facility reached step i on or after step i − 1, both by the day."""
    if i == 1:
        return "m1 <= day"
    return f"m{i - 1} <= day AND m{i} <= day AND m{i} >= m{i - 1}"


def funnel_sql(
    days: Sequence[datetime.date],
    *,
    saving_min: Decimal,
    sector_id: int | None = None,
    unit_id: int | None = None,
    area_kind: str = "",
    by: str | None = None,
    using: str = "default",
) -> tuple[str, list, list[str]]:
    """The one statement of the funnel: (SQL, parameters, names of its columns).

    One row per day (``part``: its index in ``days``) — and per group of the pathway
    field ``by`` (e.g. "unit_id"), without medians, when ``by`` is given — with ``n0``…
    (facilities at each step), ``w1``… (went on to the step) and, without ``by``,
    ``d2``… (median days from the previous step; none from "in scope").
    """
    vendor = connections[using].vendor
    dates = {f"m{i}": F(column) for i, column in enumerate(STEPS.values()) if column}
    rows = (
        facilities_in_scope()
        .filter(scope_q(sector_id=sector_id, unit_id=unit_id, area_kind=area_kind))
        .annotate(reached=saving_reached(saving_min))
        .values(
            opened=F("opened_on"),
            closed=F("closed_on"),
            bucket=bucket_of(by) if by else Value(None, output_field=IntegerField()),
            **dates,
        )
        .order_by()
    )
    inner, params = rows.query.get_compiler(using=using).as_sql()
    steps = range(1, len(STEPS))
    params = [*params, *(value for part, day in enumerate(days) for value in (part, day))]
    counted = (
        "SELECT d.part AS part, d.day AS day, f.* FROM f JOIN d ON (f.opened IS NULL OR f.opened <= d.day) "
        "AND (f.closed IS NULL OR f.closed > d.day)"
    )
    # PostgreSQL: f and c inlined where they are read (see the medians below).
    inline = " NOT MATERIALIZED" if vendor == "postgresql" else ""
    ctes = [
        f"f AS{inline} ({inner})",
        f"d (part, day) AS (VALUES {', '.join(['(%s, %s)'] * len(days))})",
        f"c AS{inline} ({counted})",
    ]
    counts = [
        "COUNT(*) AS n0",
        *(f"COUNT(*) FILTER (WHERE m{i} <= day) AS n{i}" for i in steps),
        *(f"COUNT(*) FILTER (WHERE {_went_on(i)}) AS w{i}" for i in steps),
    ]
    keys = ["part", "bucket"]
    names = [*keys, *(f"n{i}" for i in range(len(STEPS))), *(f"w{i}" for i in steps)]
    if by:
        sql = f"WITH {', '.join(ctes)} SELECT part, bucket, {', '.join(counts)} FROM c GROUP BY part, bucket"
        return sql, params, names
    gaps = range(2, len(STEPS))
    names += [f"d{i}" for i in gaps]
    if vendor == "postgresql":
        # Two aggregates over the same rows: the counts, which PostgreSQL adds up in parallel
        # workers, and the medians (percentile_cont, which it cannot split between workers)
        # over the rows that went on to some step: a few percent of them. One aggregate of
        # both ran in one process: 1.1-1.2 s against 0.6 s at 1,000,000 facilities
        # (docs/performance-history.md, "The funnel in parallel"). f and c NOT MATERIALIZED: each
        # aggregate reads the pathway with its own filter, not one shared copy of every row.
        medians = [
            f"percentile_cont(0.5) WITHIN GROUP (ORDER BY CAST(m{i} - m{i - 1} AS double precision)) "
            f"FILTER (WHERE {_went_on(i)}) AS d{i}"
            for i in gaps
        ]
        # Every step is reached after a first contact (m1, aware: programmes/pathway.py), so the
        # rows that went on have one: read through that first, the rows without are left before
        # the join to the saving steps (a fifth less time for two days at 1,000,000 facilities).
        went_on = " OR ".join(f"({_went_on(i)})" for i in gaps)
        ctes += [
            f"k AS (SELECT part, {', '.join(counts)} FROM c GROUP BY part)",
            f"m AS (SELECT part, {', '.join(medians)} FROM c WHERE m1 IS NOT NULL AND ({went_on}) GROUP BY part)",
        ]
        columns = ", ".join(f"k.{name}" for name in names[2 : -len(gaps)])
        sql = (
            f"WITH {', '.join(ctes)} SELECT k.part, NULL AS bucket, {columns}, "
            f"{', '.join(f'm.d{i}' for i in gaps)} FROM k LEFT JOIN m ON m.part = k.part"
        )
        return sql, params, names
    # No percentile_cont: rank each step's gaps, keep the middle one (odd count) or two (even)
    # — 2 × rank ∈ {n, n + 1, n + 2} — and average them.
    gap_rows = " UNION ALL ".join(
        f"SELECT part, {i} AS step, julianday(m{i}) - julianday(m{i - 1}) AS gap FROM c WHERE {_went_on(i)}"
        for i in gaps
    )
    ctes += [
        f"g AS ({gap_rows})",
        "r AS (SELECT part, step, gap, ROW_NUMBER() OVER (PARTITION BY part, step ORDER BY gap) AS rn, "
        "COUNT(*) OVER (PARTITION BY part, step) AS n FROM g)",
        "m AS (SELECT part, step, AVG(gap) AS median FROM r WHERE 2 * rn IN (n, n + 1, n + 2) GROUP BY part, step)",
        f"k AS (SELECT part, {', '.join(counts)} FROM c GROUP BY part)",
    ]
    medians = [f"(SELECT median FROM m WHERE m.part = k.part AND m.step = {i}) AS d{i}" for i in gaps]
    columns = ", ".join(f"k.{name}" for name in names[2 : -len(gaps)])
    sql = f"WITH {', '.join(ctes)} SELECT k.part, NULL AS bucket, {columns}, {', '.join(medians)} FROM k"
    return sql, params, names


def _run(days: Sequence[datetime.date], **kwargs) -> list[dict]:
    using = router.db_for_read(FacilityPathway)  # a raw cursor: the replica router's choice made here
    sql, params, names = funnel_sql(days, using=using, **kwargs)
    with connections[using].cursor() as cursor:
        cursor.execute(sql, params)
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def steps_of(row: dict | None) -> list[FunnelStep]:
    """The FunnelStep list of one row of funnel_sql() (None: no facility counted)."""
    row = row or {}
    counts = [row.get(f"n{i}") or 0 for i in range(len(STEPS))]
    steps = []
    for i, key in enumerate(STEPS):
        went_on = row.get(f"w{i}") or 0 if i else None
        median = row.get(f"d{i}")
        steps.append(
            FunnelStep(
                key=key,
                label=str(STEP_LABELS[key]),
                facilities=counts[i],
                went_on=went_on,
                conversion=arithmetic.round1(arithmetic.percent(went_on, counts[i - 1])) if i else None,
                otherwise=counts[i] - went_on if i else 0,
                median_days=float(median) if median is not None else None,
            )
        )
    return steps


def pathway_funnel(
    *,
    as_of: datetime.date,
    compare: datetime.date | None = None,
    saving_min: Decimal | float | None = None,
    sector_id: int | None = None,
    unit_id: int | None = None,
    area_kind: str = "",
) -> Funnel:
    """The funnel on ``as_of`` (and on ``compare`` when given) for the facilities of the
    scope. ``saving_min``: percent for "saving reached" (default DEFAULT_SAVING_MIN). 1 query."""
    minimum = Decimal(str(saving_min)) if saving_min is not None else DEFAULT_SAVING_MIN
    days = [as_of] if compare is None else [as_of, compare]
    found = {
        row["part"]: row
        for row in _run(days, saving_min=minimum, sector_id=sector_id, unit_id=unit_id, area_kind=area_kind)
    }
    return Funnel(
        as_of=as_of,
        saving_min=minimum,
        steps=steps_of(found.get(0)),
        compare=compare,
        earlier=steps_of(found.get(1)) if compare is not None else None,
    )


def funnel_by(
    *,
    as_of: datetime.date,
    by: str,
    saving_min: Decimal | float | None = None,
    sector_id: int | None = None,
    unit_id: int | None = None,
    area_kind: str = "",
) -> dict[object, list[FunnelStep]]:
    """The funnel's counts per sector, unit (the one each facility was in on ``as_of``) or
    area type (None: outside any production area): {group key: steps, without medians}.
    The groups' counts add up to pathway_funnel()'s. 1 query."""
    rows = _run(
        [as_of],
        saving_min=Decimal(str(saving_min)) if saving_min is not None else DEFAULT_SAVING_MIN,
        sector_id=sector_id,
        unit_id=unit_id,
        area_kind=area_kind,
        by=FUNNEL_BREAKDOWNS[by],
    )
    return {row["bucket"]: steps_of(row) for row in rows}


def saving_min_of(targets: Sequence[Target]) -> Decimal:
    """The saving "saving reached" asks for on a dashboard of ``targets``: the qualifying
    saving of its "applying with the target saving" target (a city-wide one first), else
    DEFAULT_SAVING_MIN."""
    found = [t for t in targets if t.indicator == Indicator.APPLICATION_WITH_SAVING and t.saving_min is not None]
    found.sort(key=lambda t: bool(t.sector_id or t.unit_scope_id or t.area_kind))
    return found[0].qualifying_saving() if found else DEFAULT_SAVING_MIN
