"""Selectors for the managers' dashboard, on top of the indicators engine.

Everything here counts in the database; the number of queries depends on
the number of targets and years shown, never on the number of facilities.
"""

import copy
import dataclasses
import datetime
from collections.abc import Sequence

from django.db.models import Case, Count, Exists, IntegerField, OuterRef, Q, QuerySet, Value, When
from django.http import QueryDict
from django.urls import reverse
from django.utils import formats
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _

from cpdash.database import in_vietnamese_order
from facilities.models import AdministrativeUnit, ProductionArea, Sector, counted_q
from programmes.models import FacilityPathway, Phase, Specialist
from targets import arithmetic, charts, funnel, selectors
from targets.arithmetic import Status
from targets.evidence import saving_evidence
from targets.facility_filters import NO_AREA, STEP_STATUSES
from targets.figures import BreakdownRow, SavingEvidence, SeriesPoint, TargetResult
from targets.models import Indicator, Target

#: The breakdowns the dashboard draws, in order.
DASHBOARD_BREAKDOWNS = ("sector", "unit", "area_type")


@dataclasses.dataclass(frozen=True)
class Scope:
    """The dashboard's filters on facilities: empty means the whole city."""

    sector: Sector | None = None
    unit: AdministrativeUnit | None = None
    area_kind: str = ""

    def __bool__(self) -> bool:
        return bool(self.sector or self.unit or self.area_kind)

    @property
    def sector_id(self) -> int | None:
        return self.sector.pk if self.sector else None

    @property
    def unit_id(self) -> int | None:
        return self.unit.pk if self.unit else None

    def label(self) -> str:
        """ "Cơ khí · Gia Lâm · craft village" — empty for the whole city."""
        kind = ProductionArea.Kind(self.area_kind).label if self.area_kind else ""
        return " · ".join(str(part) for part in (self.sector, self.unit, kind) if part)

    def query(self) -> dict[str, str]:
        """The filters as query-string parameters of the facility list."""
        params = {"sector": self.sector_id, "unit": self.unit_id, "area_kind": self.area_kind}
        return {key: str(value) for key, value in params.items() if value}


def phase_targets(phase: Phase) -> list[Target]:
    """The phase's targets in display order, with what their labels need. 1 query."""
    return list(selectors.programme_targets(phase.programme).filter(phase=phase))


def scoped_targets(targets: Sequence[Target], scope: Scope) -> list[Target]:
    """Copies of ``targets`` narrowed to ``scope`` where the target itself is not
    already narrower (in memory, nothing saved), so every figure on a filtered
    dashboard answers "this target, for these facilities"."""
    if not scope:
        return list(targets)
    narrowed = []
    for target in targets:
        clone = copy.copy(target)
        clone._state = copy.copy(target._state)
        clone._state.fields_cache = dict(target._state.fields_cache)
        # Assigning the objects (not ids) keeps labels free of extra queries.
        if not target.sector_id and scope.sector:
            clone.sector = scope.sector
        if not target.unit_scope_id and scope.unit:
            clone.unit_scope = scope.unit
        clone.area_kind = target.area_kind or scope.area_kind
        narrowed.append(clone)
    return narrowed


def breakdowns(
    targets: Sequence[Target], results: Sequence[TargetResult], *, as_of: datetime.date
) -> dict[str, dict[int, TargetResult]]:
    """{breakdown name: {target id: its result (from ``results``) with breakdown rows}} for
    DASHBOARD_BREAKDOWNS: one pass over the pathway for all three (selectors.breakdowns_by),
    independent of data size; the city-wide figures are not counted again."""
    found = selectors.breakdowns_by(targets=targets, as_of=as_of, by=DASHBOARD_BREAKDOWNS)
    return {
        by: {r.target_id: dataclasses.replace(r, breakdown=found[by][r.target_id]) for r in results}
        for by in DASHBOARD_BREAKDOWNS
    }


def _per_unit(counts: dict[int, int]) -> Case | Value:
    """A unit's count from ``counts`` (unit id → count, from one grouped query), 0 when none."""
    whens = [When(pk=unit_id, then=Value(count)) for unit_id, count in counts.items()]
    return Case(*whens, default=Value(0), output_field=IntegerField()) if whens else Value(0)


def units_overview(*, as_of: datetime.date, scope: Scope = Scope()) -> QuerySet[AdministrativeUnit]:
    """Units valid on ``as_of``, each annotated with, over its in-scope facilities
    open then (narrowed by ``scope``): ``facility_count``, ``aware_count`` (at
    least one contact by then), ``applying_count`` (a CP solution by then), and
    ``has_specialist`` (a CP specialist in post in its People's Committee). 2 queries.

    The counts come from one pass over the pathway grouped by unit; the units' queryset
    then carries them as values, so that the table still sorts in SQL. (A count per unit
    as a correlated subquery read the pathway once per unit and count: 2.3 s at 1,000,000
    facilities, against 0.4 s for the grouped pass; docs/performance-history.md, "The dashboard in
    fewer passes".)
    """
    rows = FacilityPathway.objects.filter(counted_q(as_of)).order_by()
    if scope.sector_id:
        rows = rows.filter(sector_id=scope.sector_id)
    if scope.area_kind:
        rows = rows.filter(area_kind=scope.area_kind)
    if scope.unit_id:
        rows = rows.filter(unit_id=scope.unit_id)
    counts = rows.values("unit_id").annotate(
        facilities=Count("pk"),
        aware=Count("pk", filter=Q(aware_on__lte=as_of)),
        applying=Count("pk", filter=Q(applying_on__lte=as_of)),
    )
    found = {name: {} for name in ("facilities", "aware", "applying")}
    for row in counts:
        for name, per_unit in found.items():
            per_unit[row["unit_id"]] = row[name]
    units = AdministrativeUnit.objects.valid_on(as_of)
    if scope.unit_id:
        units = units.filter(pk=scope.unit_id)
    return units.annotate(
        facility_count=_per_unit(found["facilities"]),
        aware_count=_per_unit(found["aware"]),
        applying_count=_per_unit(found["applying"]),
        has_specialist=Exists(Specialist.objects.in_post_on(as_of).filter(unit=OuterRef("pk"))),
    ).order_by(in_vietnamese_order("name"))


def years_of(phase: Phase, as_of: datetime.date) -> list[int]:
    """Calendar years of ``phase`` up to ``as_of`` (at least the as-of year's, if in the phase)."""
    last = min(phase.ends_on, as_of).year
    return list(range(phase.starts_on.year, last + 1))


def is_unit_indicator(indicator: str) -> bool:
    """Specialist coverage counts units, not facilities: its evidence is the units table."""
    return indicator == Indicator.SPECIALIST_COVERAGE


#: Fewer counted than this and a figure is flagged: one facility moves it by 5 points or more.
SMALL_SAMPLE = 20


@dataclasses.dataclass(frozen=True)
class Summary:
    """The dashboard's first line: how many targets are behind (at risk or off track),
    which, and where they stand against what is expected by now."""

    total: int
    behind: list[TargetResult]
    met: int
    on_track: int
    no_data: int


def current_phase(today: datetime.date) -> Phase | None:
    """The phase running ``today``, else the latest started; None before any. 1 query."""
    running = Case(When(ends_on__gte=today, then=Value(1)), default=Value(0), output_field=IntegerField())
    phases = Phase.objects.select_related("programme").filter(starts_on__lte=today)
    return phases.annotate(running=running).order_by("-running", "-starts_on", "-pk").first()


def home_summary(today: datetime.date) -> tuple[Phase | None, Summary | None]:
    """The current phase (current_phase) and its targets' summary as of ``today``, for the
    managers' home page: (None, None) before any phase, (phase, None) when it has no target."""
    phase = current_phase(today)
    targets = phase_targets(phase) if phase else []
    if not targets:
        return phase, None
    return phase, summary(selectors.targets_as_of(targets=targets, as_of=today))


def summary(results: Sequence[TargetResult]) -> Summary:
    statuses = [r.status for r in results]
    return Summary(
        total=len(results),
        behind=[r for r in results if r.status in (Status.AT_RISK, Status.OFF_TRACK)],
        met=statuses.count(Status.MET),
        on_track=statuses.count(Status.ON_TRACK),
        no_data=statuses.count(Status.NO_DATA),
    )


# --- The page -------------------------------------------------------------------------------------

#: Output counts shown per year, in order (key of outputs_for_period → label).
OUTPUT_LABELS = {
    "leaflets": _("Leaflets issued"),
    "results_reports": _("Results reports"),
    "symposia": _("Symposia"),
    "workshops": _("Workshops"),
    "trainings": _("Trainings"),
    "participants": _("Participants reported by the activities"),
    "listed_people": _("People on the attendance lists of facilities"),
    "facilities_reached": _("Facilities reached"),
    "facilities_newly_reached": _("Facilities newly reached"),
    "surveys": _("CP surveys"),
    "facilities_supported": _("Facilities given technical support"),
    "demonstration_models": _("Demonstration models"),
    "replications": _("Replications"),
}
#: The outputs drawn as a chart (events and surveys; leaflets would dwarf them).
CHARTED_OUTPUTS = ("symposia", "workshops", "trainings", "results_reports", "surveys", "replications")
#: A monthly series up to this many months, quarterly beyond.
MONTHLY_UP_TO = 36


@dataclasses.dataclass(frozen=True)
class Card:
    """One target on the dashboard: its result, its trend figure, where its evidence is."""

    result: TargetResult
    colour: str
    figure_id: str
    figure: dict
    evidence_url: str
    #: The trend chart's points, also shown as its table.
    points: Sequence[SeriesPoint] = ()
    #: Saving targets: how strong the savings behind the figure are (targets/evidence.py).
    saving_evidence: SavingEvidence | None = None
    #: The same target on the date compared with (None: no comparison asked).
    earlier: TargetResult | None = None

    @property
    def change_points(self) -> float | None:
        """The value's change since the date compared with, in points (percentage points;
        for a saving target, of the median saving); None without a value on both dates."""
        return arithmetic.difference(self.result.value, self.earlier.value) if self.earlier else None

    @property
    def change_count(self) -> int | None:
        """The numerator's change since the date compared with (facilities; units for
        specialist coverage); None without a comparison."""
        return None if self.earlier is None else self.result.numerator - self.earlier.numerator

    @property
    def range_width(self) -> float:
        """Width of a range target's band on the 0–100 bullet (0 for a single value)."""
        if self.result.target_max is None:
            return 0.0
        return self.result.target_max - self.result.target_min


@dataclasses.dataclass(frozen=True)
class BreakdownChart:
    by: str
    title: str
    figure_id: str
    figure: dict
    #: (group, its facilities' list URL), also shown as the chart's table.
    rows: Sequence[tuple[BreakdownRow, str]] = ()
    #: The table's first column: "Sector", "Administrative unit", "Area type".
    heading: str = ""

    @property
    def table_rows(self) -> list[tuple[BreakdownRow, str]]:
        """The groups as the chart shows them, highest first; groups without data last."""
        return sorted(self.rows, key=lambda pair: (pair[0].value is None, -(pair[0].value or 0)))


def facility_list_url(**params) -> str:
    """The facility list filtered by ``params`` (empty values dropped)."""
    query = urlencode({key: value for key, value in params.items() if value not in (None, "")})
    return f"{reverse('facilities:list')}?{query}"


def series_frequency(start: datetime.date, as_of: datetime.date) -> str:
    months = (as_of.year - start.year) * 12 + as_of.month - start.month
    return "month" if months <= MONTHLY_UP_TO else "quarter"


def year_earlier_query(params: QueryDict, as_of: datetime.date) -> str:
    """The dashboard's query string ``params`` with ``compare`` set to ``as_of`` a year earlier
    (and ``as_of`` written out): the "same date a year earlier" shortcut."""
    query = params.copy()
    query["as_of"] = as_of.isoformat()
    query["compare"] = arithmetic.add_months(as_of, -12).isoformat()
    return query.urlencode()


def dashboard_data(
    *,
    phase: Phase,
    as_of: datetime.date,
    scope: Scope,
    focus_id: int | None,
    language: str,
    compare: datetime.date | None = None,
) -> dict:
    """Everything the dashboard shows, as plain data and figure JSON; with ``compare``, the
    cards, breakdowns and funnel also on that date, and their changes since.

    Queries: fixed by the number of targets and years shown (see the pinned
    count in tests/targets/test_views_dashboard.py), never by data size; a comparison
    adds a fixed number (the targets on that date, the focus target's breakdowns).
    """
    targets = scoped_targets(phase_targets(phase), scope)
    if not targets:
        return {"cards": [], "results": []}
    results = selectors.targets_as_of(targets=targets, as_of=as_of)
    strength = saving_evidence(targets=targets, as_of=as_of)
    earlier = {r.target_id: r for r in selectors.targets_as_of(targets=targets, as_of=compare)} if compare else {}
    start = min(selectors.series_start(t) for t in targets)
    series = selectors.series_for_targets(
        targets=targets, as_of=as_of, freq=series_frequency(start, as_of), saving_freq="year"
    )
    cards = [
        Card(
            result=result,
            colour=charts.status_colour(result.status),
            figure_id=f"trend-{result.target_id}",
            figure=charts.figure_json(charts.trend_figure(result, series[result.target_id], language=language)),
            points=series[result.target_id],
            evidence_url=(
                "#units"
                if is_unit_indicator(result.indicator)
                else facility_list_url(target=result.target_id, as_of=as_of.isoformat(), **scope.query())
            ),
            saving_evidence=strength.get(result.target_id),
            earlier=earlier.get(result.target_id),
        )
        for result in results
    ]
    facility_results = [r for r in results if not is_unit_indicator(r.indicator)]
    focus = next((r for r in facility_results if r.target_id == focus_id), None) or next(iter(facility_results), None)
    years = years_of(phase, as_of)
    outputs = selectors.outputs_by_year(years=years, as_of=as_of)
    breakdown_charts, unit_rows = _breakdown_charts(
        targets, focus, as_of=as_of, scope=scope, language=language, compare=compare
    )
    panel = funnel_panel(
        as_of=as_of, compare=compare, scope=scope, saving_min=funnel.saving_min_of(targets), language=language
    )
    return {
        "cards": cards,
        "results": results,
        "summary": summary(results),
        "small_sample": SMALL_SAMPLE,
        "focus": focus,
        "focus_targets": facility_results,
        "breakdown_charts": breakdown_charts,
        # The focus target's rows by unit, for the map when it shows that target (maps.dashboard_map).
        "unit_rows": unit_rows,
        "targets": targets,
        "funnel": panel,
        # Its first steps are data_completeness()'s counts, read again in no query.
        "never_reached_url": facility_list_url(status="never_reached", as_of=as_of.isoformat(), **scope.query()),
        "completeness": selectors.completeness(
            as_of=as_of,
            facilities=panel.funnel.step("in_scope").facilities,
            reached=panel.funnel.step("aware").facilities,
            surveyed=panel.funnel.step("surveyed").facilities,
        ),
        "units": units_overview(as_of=as_of, scope=scope),
        "years": years,
        "output_rows": [(label, [outputs[year].get(key, 0) for year in years]) for key, label in OUTPUT_LABELS.items()],
        "outputs_figure": charts.figure_json(
            charts.outputs_figure(outputs, {key: str(OUTPUT_LABELS[key]) for key in CHARTED_OUTPUTS}, language=language)
        ),
    }


# --- The pathway funnel -----------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class FunnelRow:
    """One step of the funnel on the dashboard: on the as-of date and (``earlier``) on the date
    compared with, each with the list of its facilities; the change in facilities and in
    conversion (points) between them."""

    step: funnel.FunnelStep
    url: str
    earlier: funnel.FunnelStep | None
    earlier_url: str
    change: int | None
    change_points: float | None


@dataclasses.dataclass(frozen=True)
class FunnelPanel:
    funnel: funnel.Funnel
    rows: list[FunnelRow]
    figure: dict


def funnel_step_url(key: str, *, day: datetime.date, scope: Scope, saving_min) -> str:
    """The facility list of the funnel step ``key`` on ``day``: the facilities behind its bar."""
    params = {"status": STEP_STATUSES[key].value, "as_of": day.isoformat(), **scope.query()}
    if key == "saving_reached":
        params["saving_min"] = f"{saving_min.normalize():f}"
    return facility_list_url(**params)


def funnel_panel(
    *, as_of: datetime.date, compare: datetime.date | None, scope: Scope, saving_min, language: str
) -> FunnelPanel:
    """The pathway funnel of ``scope`` on ``as_of`` (and ``compare``): table rows with the links
    behind every bar, and its chart. 1 query (funnel.pathway_funnel)."""
    found = funnel.pathway_funnel(
        as_of=as_of,
        compare=compare,
        saving_min=saving_min,
        sector_id=scope.sector_id,
        unit_id=scope.unit_id,
        area_kind=scope.area_kind,
    )
    rows = [
        FunnelRow(
            step=step,
            url=funnel_step_url(step.key, day=as_of, scope=scope, saving_min=found.saving_min),
            earlier=before,
            earlier_url=(
                funnel_step_url(step.key, day=compare, scope=scope, saving_min=found.saving_min) if compare else ""
            ),
            change=change,
            change_points=points,
        )
        for step, before, change, points in found.rows
    ]
    figure = charts.funnel_figure(
        found.steps,
        [row.url for row in rows],
        label=formats.date_format(as_of, "SHORT_DATE_FORMAT"),
        earlier=found.earlier,
        earlier_urls=[row.earlier_url for row in rows],
        earlier_label=formats.date_format(compare, "SHORT_DATE_FORMAT") if compare else "",
        title=str(_("The CP pathway")),
        language=language,
    )
    return FunnelPanel(funnel=found, rows=rows, figure=charts.figure_json(figure))


def _breakdown_charts(
    targets: Sequence[Target],
    focus: TargetResult | None,
    *,
    as_of: datetime.date,
    scope: Scope,
    language: str,
    compare: datetime.date | None = None,
) -> tuple[list[BreakdownChart], dict[tuple[int, datetime.date], list[BreakdownRow]]]:
    """The focus target by sector, unit and area type: sorted bars, each a link to its facilities;
    with ``compare``, each group's value on that date beside it and the change since. Also its
    rows by unit, by (target id, day), which the map of the same target reuses (maps.unit_map)."""
    if focus is None:
        return [], {}
    focus_targets = [t for t in targets if t.pk == focus.target_id]
    titles = {"sector": _("By sector"), "unit": _("By administrative unit"), "area_type": _("By area type")}
    headings = {"sector": _("Sector"), "unit": _("Administrative unit"), "area_type": _("Area type")}
    params = {"sector": "sector", "unit": "unit", "area_type": "area_kind"}
    before = selectors.breakdowns_by(targets=focus_targets, as_of=compare, by=DASHBOARD_BREAKDOWNS) if compare else {}
    found = []
    by_unit = {}
    for by, by_result in breakdowns(focus_targets, [focus], as_of=as_of).items():
        result = by_result[focus.target_id]
        rows = result.breakdown or []
        urls = [
            facility_list_url(
                target=focus.target_id,
                as_of=as_of.isoformat(),
                # An area type's None is "not in a production area" (facility_filters.NO_AREA).
                **{**scope.query(), params[by]: row.key if row.key is not None or by != "area_type" else NO_AREA},
            )
            for row in rows
        ]
        earlier = {row.key: row for row in before[by][focus.target_id]} if compare else {}
        if by == "unit":
            by_unit[(focus.target_id, as_of)] = rows
            if compare:
                by_unit[(focus.target_id, compare)] = before[by][focus.target_id]
        figure = charts.breakdown_figure(
            result,
            rows,
            title=str(titles[by]),
            urls=urls,
            language=language,
            earlier=[earlier.get(row.key) for row in rows] if compare else None,
            earlier_label=formats.date_format(compare, "SHORT_DATE_FORMAT") if compare else "",
        )
        found.append(
            BreakdownChart(
                by=by,
                title=str(titles[by]),
                figure_id=f"by-{by}",
                figure=charts.figure_json(figure),
                rows=list(zip(rows, urls, strict=True)),
                heading=str(headings[by]),
            )
        )
    return found, by_unit
