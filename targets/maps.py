"""The dashboard's map of units: one target's value per unit as of a date (and, with a
second date, the change in points), the units valid on that date, drawn with their
imported boundaries or as a tile grid (docs/dashboard.md, "The map of units").

The figures are the unit breakdown of the indicators engine
(selectors.breakdowns_as_of(by="unit")): one query for every unit's numerator and
denominator, so the map's values are the breakdown's, and its rows add up to the city's.
"""

import dataclasses
import datetime
from collections.abc import Sequence

from django.db.models import QuerySet, Subquery

from cpdash.database import in_vietnamese_order
from facilities.models import AdministrativeUnit
from targets import map_charts, selectors
from targets.arithmetic import round1
from targets.dashboard import Scope, facility_list_url, is_unit_indicator
from targets.figures import BreakdownRow
from targets.models import Indicator, Target

SHAPES, TILES, TABLE = "shapes", "tiles", "table"
WHOLE_CITY = Scope()


@dataclasses.dataclass(frozen=True)
class MapUnit:
    """One unit on the map. ``value``: percent numerator ÷ denominator (a saving target: its
    median saving), None without data; ``before_*`` the same on the compare date (None when
    the unit did not exist then or had no data), ``change`` value − before in points."""

    unit_id: int
    name: str
    code: str
    grid_row: int | None
    grid_col: int | None
    numerator: int
    denominator: int
    value: float | None
    url: str
    before_numerator: int | None = None
    before_denominator: int | None = None
    before_value: float | None = None

    @property
    def change(self) -> float | None:
        if self.value is None or self.before_value is None:
            return None
        return round1(self.value - self.before_value)

    @property
    def placed(self) -> bool:
        return self.grid_row is not None and self.grid_col is not None


@dataclasses.dataclass(frozen=True)
class UnitMap:
    """What the map draws. ``units``: those of the map's level valid on ``as_of``, by name;
    ``elsewhere``: breakdown rows counted in units not drawn (of the other level, or no
    longer valid), listed under the map's table so that every counted facility shows;
    ``boundaries``: {unit id: GeoJSON geometry} when every unit drawn has one."""

    target_id: int
    indicator: str
    label: str
    as_of: datetime.date
    compare: datetime.date | None
    units: list[MapUnit]
    elsewhere: list[BreakdownRow]
    boundaries: dict[int, dict]

    @property
    def drawn_as(self) -> str:
        if self.units and self.boundaries:
            return SHAPES
        if any(unit.placed for unit in self.units):
            return TILES
        return TABLE

    @property
    def unplaced(self) -> list[MapUnit]:
        """Units the tile grid cannot draw: no square given, or a square another unit of the date has."""
        if self.drawn_as != TILES:
            return []
        taken: set[tuple[int, int]] = set()
        left = []
        for unit in self.units:
            square = (unit.grid_row, unit.grid_col)
            if not unit.placed or square in taken:
                left.append(unit)
            taken.add(square)
        return left

    @property
    def is_saving(self) -> bool:
        return self.indicator == Indicator.SAVING


def map_units(as_of: datetime.date) -> QuerySet[AdministrativeUnit]:
    """The units a map of ``as_of`` draws: those valid then, of the highest level that has
    any (districts until 2025-06-30, wards and communes after), with their boundary. 1 query."""
    top = AdministrativeUnit.objects.valid_on(as_of).order_by("-level").values("level")[:1]
    return (
        AdministrativeUnit.objects.valid_on(as_of)
        .filter(level=Subquery(top))
        .select_related("boundary")
        .only("pk", "name", "code", "grid_row", "grid_col", "boundary__geometry")
        .order_by(in_vietnamese_order("name"), "pk")
    )


def _urls(target: Target, as_of: datetime.date, scope: Scope, unit_id: int) -> str:
    """The facilities behind a unit's figure: its numerator's (the target's list) as of the date;
    for specialist coverage, the unit's facilities counted then."""
    query = {key: value for key, value in scope.query().items() if key != "unit"}
    if is_unit_indicator(target.indicator):
        return facility_list_url(unit=unit_id, as_of=as_of.isoformat(), **query)
    return facility_list_url(target=target.pk, unit=unit_id, as_of=as_of.isoformat(), **query)


def unit_map(
    *,
    target: Target,
    as_of: datetime.date,
    compare: datetime.date | None = None,
    scope: Scope = WHOLE_CITY,
    known: dict[tuple[int, datetime.date], list[BreakdownRow]] | None = None,
) -> UnitMap:
    """``target`` per unit as of ``as_of`` (``target`` as the dashboard counts it: narrowed to its
    filters by dashboard.scoped_targets()), and on ``compare`` when given.

    Queries, whatever the data: 1 for the units, then breakdowns_as_of(by="unit")'s (2 for a
    facility target: counts and names; +1 for a saving target's medians, +1 for specialist
    coverage's unit counts); as many again with ``compare``.
    """
    units = list(map_units(as_of))
    rows = {row.key: row for row in _unit_rows(target, as_of, known or {})}
    before = {row.key: row for row in _unit_rows(target, compare, known or {})} if compare is not None else {}
    drawn = []
    for unit in units:
        row = rows.get(unit.pk)
        earlier = before.get(unit.pk)
        drawn.append(
            MapUnit(
                unit_id=unit.pk,
                name=unit.name,
                code=unit.code,
                grid_row=unit.grid_row,
                grid_col=unit.grid_col,
                numerator=row.numerator if row else 0,
                denominator=row.denominator if row else 0,
                value=row.value if row else None,
                url=_urls(target, as_of, scope, unit.pk),
                before_numerator=earlier.numerator if earlier else None,
                before_denominator=earlier.denominator if earlier else None,
                before_value=earlier.value if earlier else None,
            )
        )
    shown = {unit.pk for unit in units}
    boundaries = {unit.pk: _geometry(unit) for unit in units}
    return UnitMap(
        target_id=target.pk,
        indicator=target.indicator,
        label=str(Indicator(target.indicator).label),
        as_of=as_of,
        compare=compare,
        units=drawn,
        elsewhere=[row for key, row in rows.items() if key not in shown],
        boundaries=boundaries if units and all(boundaries.values()) else {},
    )


def _unit_rows(
    target: Target, day: datetime.date, known: dict[tuple[int, datetime.date], list[BreakdownRow]]
) -> list[BreakdownRow]:
    """``target`` by unit on ``day``: from ``known`` (the dashboard's breakdown of its focus
    target), else counted (selectors.breakdowns_as_of)."""
    if (target.pk, day) in known:
        return known[(target.pk, day)]
    return selectors.breakdowns_as_of(targets=[target], as_of=day, by="unit")[target.pk]


def _geometry(unit: AdministrativeUnit) -> dict | None:
    try:
        return unit.boundary.geometry
    except AdministrativeUnit.boundary.RelatedObjectDoesNotExist:
        return None


# --- On the dashboard ---------------------------------------------------------------------------------


def chosen_target(targets: Sequence[Target], asked: str | None, focus_id: int | None) -> Target | None:
    """The target the map colours by: the one asked for (``?map=ID``) among the dashboard's,
    else the focus target, else the first."""
    by_id = {str(target.pk): target for target in targets}
    if asked and asked in by_id:
        return by_id[asked]
    if focus_id is not None and str(focus_id) in by_id:
        return by_id[str(focus_id)]
    return next(iter(targets), None)


def dashboard_map(
    *,
    targets: Sequence[Target],
    scope: Scope,
    as_of: datetime.date,
    focus_id: int | None,
    asked: str | None,
    compare: datetime.date | None,
    language: str,
    known: dict[tuple[int, datetime.date], list[BreakdownRow]] | None = None,
) -> dict:
    """The map's part of the dashboard's context: the map of the chosen target (``asked``:
    ``?map=ID``) among the dashboard's ``targets`` (narrowed to its filters), its figure JSON,
    and the targets to choose from. Queries: unit_map()'s, none for the rows by unit the
    dashboard has ``known`` already (its focus target's)."""
    target = chosen_target(targets, asked, focus_id)
    if target is None:
        return {}
    found = unit_map(target=target, as_of=as_of, compare=compare, scope=scope, known=known)
    return {
        "unit_map": found,
        "map_figure": map_charts.map_figure(found, language=language),
        "map_targets": [(t.pk, t.get_indicator_display(), t.scope_label()) for t in targets],
    }
