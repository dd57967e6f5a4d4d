"""A fast generator of Hanoi-shaped data sets for the benchmark, at any size.

Shaped like ``manage.py load_demo`` (programmes/demo_data.py and
programmes/management/demo_*.py) — the same units (Từ Liêm split on
2014-01-01; the 2025 reform's commune-level units exist, but the facilities
are not moved to them: the bench's figures are of 2011–2015), sectors,
production areas, programme, phases and targets, the same year plan
2011–2015 — but built for 10⁶ facilities: rows are plain tuples with explicit
ids, written with PostgreSQL ``COPY`` (or ``executemany`` on SQLite), and the
activity records scale with the register (more events, surveys, solutions
and demonstration models, not bigger ones).

What one gets, per size N (see ``Generator.summary()`` after a run):

- N facilities: 70% in production areas (scaled from the demo's
  3,000-facility area sizes), 4% out of scope, 9% closing before 2020, 7%
  opening after 2015; ``search_text`` filled as ``Searchable`` does;
- per year, the demo's events repeated N/3,000 times (about 50 facilities
  each), so that the in-scope facilities reached since 2011 make 5.5% of
  those open at the end of 2011 … 39% at the end of 2015 (data.YEARS), with
  returning facilities and a few out-of-scope guests;
- surveys (about 1% of facilities a year, with CP options and 1–3 kinds of
  technical support), awareness records, one demonstration model per 3,000
  facilities and its replications;
- CP solutions with resource savings at about 6% of the facilities by the end
  of 2015 (APPLYING_SHARE), most saving 5–8%, some late-2015 ones not yet
  measured;
- the CP specialists of the People's Committees as in the demo.

Deterministic: a seeded ``random.Random``. The simple-history tables stay empty.
"""

import bisect
import datetime as dt
import heapq
import io
import itertools
import math
import random
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from cpdash.bulk import copy_text
from cpdash.text import fold
from facilities.models import AdministrativeUnit, Facility, ProductionArea, Sector
from programmes import demo_data as data
from programmes.management.demo_activity import draw_baseline, draw_saving_percent
from programmes.models import (
    Attendance,
    AwarenessRecord,
    CPOption,
    DemonstrationModel,
    OutreachActivity,
    Phase,
    Programme,
    Replication,
    ResourceSaving,
    Solution,
    Specialist,
    Survey,
    TechnicalSupport,
)
from targets.models import Target

SEED = 20151231
#: Tables with at least this many rows get their plain indexes built after the COPY.
DEFER_INDEXES_FROM = 50_000
#: Facilities applying CP (a solution implemented) among the in-scope facilities
#: open at the end of each year, cumulative: about 6% by the end of 2015.
APPLYING_SHARE = {2011: 0.008, 2012: 0.022, 2013: 0.036, 2014: 0.049, 2015: 0.062}
OUT_OF_SCOPE_SHARE = 0.04
CLOSED_SHARE = 0.09
LAST_CLOSING = dt.date(2019, 12, 31)
ROWS_PER_PARTICIPANT = 0.5  # facilities listed per participant of an event
GUEST_SHARE = 0.3  # events with an out-of-scope guest
REPEAT_SOLUTION_SHARE = 0.12
FACILITIES_PER_MODEL = 3000  # one demonstration model per this many facilities
REPORT_DAYS = {"quý I năm": (4, 10), "6 tháng đầu năm": (7, 10), "9 tháng năm": (10, 12), "năm": (12, 20)}
GAS_KILN = "Chuyển lò nung than sang lò nung gas"
MODEL_TECHNOLOGIES = (
    ("Lò nung gốm bằng khí gas", data.DEMONSTRATION_TECHNOLOGY),
    ("Lò hơi tầng sôi đốt sinh khối", "Lò hơi tầng sôi đốt trấu, mùn cưa thay lò đốt than"),
    ("Thu hồi nhiệt khí thải", "Bộ trao đổi nhiệt thu hồi khí thải lò sấy"),
    ("Tuần hoàn nước nhuộm", "Hệ thống lọc và tuần hoàn nước sau nhuộm"),
)
KINDS = (Facility.Kind.ENTERPRISE, Facility.Kind.COOPERATIVE, Facility.Kind.HOUSEHOLD)
ENTERPRISE, COOPERATIVE, HOUSEHOLD = range(3)
KIND_VALUES = [kind.value for kind in KINDS]
SUPPORT_KINDS = [kind.value for kind in TechnicalSupport.Kind]


@dataclass
class Table:
    """Rows for one model: ``columns`` are attnames, in the order of each row tuple."""

    model: type
    columns: tuple[str, ...]
    rows: list[tuple] = field(default_factory=list)


def _open_on(opened: dt.date | None, closed: dt.date | None, day: dt.date) -> bool:
    return (opened is None or opened <= day) and (closed is None or closed > day)


def _random_day(rng: random.Random, start: dt.date, end: dt.date) -> dt.date:
    """A day in [start, end], both inclusive."""
    first = start.toordinal()
    return dt.date.fromordinal(first + int(rng.random() * (max(end.toordinal() - first, 0) + 1)))


def _picker(items: Sequence, weights: Sequence[float]) -> Callable[[random.Random], object]:
    """A weighted draw of one of ``items`` (random.choices without rebuilding its table each call)."""
    cumulative = list(itertools.accumulate(weights))
    total = cumulative[-1]
    items = list(items)
    return lambda rng: items[bisect.bisect_right(cumulative, rng.random() * total)]


PEOPLE = _picker((1, 2, 3), (55, 35, 10))
CATEGORY = _picker(list(data.CATEGORY_WEIGHTS), list(data.CATEGORY_WEIGHTS.values()))


def _weekday(day: dt.date) -> dt.date:
    """The Monday after a Saturday or Sunday, else the day."""
    return day + dt.timedelta(days=7 - day.weekday()) if day.weekday() >= 5 else day


class Generator:
    """Builds the tables for ``size`` facilities; ``tables()`` yields them parents first.

    Facilities are numbered 1..size; per facility, parallel lists hold what the
    planning needs (dates, scope, area, sector, unit, kind).
    """

    def __init__(self, size: int, seed: int = SEED) -> None:
        if size < 100:
            raise ValueError("at least 100 facilities")
        self.size = size
        self.scale = size / data.REFERENCE_SIZE
        self.rng = random.Random(seed)
        self.fold_cache: dict[str, str] = {}
        self.counts: dict[str, int] = {}

    # --- Small tables ---------------------------------------------------------------------------

    def _reference_tables(self) -> list[Table]:
        # The demo's units, the 2025 reform's commune-level ones included: they exist today, so an
        # import of facilities open today has units to name (facilities.models.register_unit_problem).
        # The facilities stay in the districts (the reform's moves are not generated): every figure up
        # to 2025 is the demo's.
        unit_specs = (*data.UNITS, *data.COMMUNE_UNITS)
        self.unit_ids = {spec.name: i for i, spec in enumerate(unit_specs, 1)}
        self.unit_names = [spec.name for spec in data.UNITS]
        units = Table(
            AdministrativeUnit,
            (
                "id",
                "search_text",
                "code",
                "name",
                "kind",
                "committee_name",
                "parent_id",
                "valid_from",
                "valid_until",
                "grid_row",
                "grid_col",
            ),
        )
        for spec, pk in zip(unit_specs, self.unit_ids.values(), strict=True):
            units.rows.append(
                (
                    pk,
                    fold(spec.name),
                    "",
                    spec.name,
                    spec.kind,
                    f"{data.COMMITTEE_PREFIX[spec.kind]} {spec.name}",
                    None,
                    spec.valid_from,
                    spec.valid_until,
                    None,  # no map square: the dashboard's map draws its table
                    None,
                )
            )
        self.sector_specs = list(data.SECTORS)
        self.sector_index = {spec.name: i for i, spec in enumerate(self.sector_specs)}
        sectors = Table(Sector, ("id", "search_text", "name"))
        sectors.rows = [(i + 1, fold(spec.name), spec.name) for i, spec in enumerate(self.sector_specs)]
        self.area_specs = list(data.AREAS)
        areas = Table(ProductionArea, ("id", "search_text", "name", "kind", "unit_id", "products"))
        areas.rows = [
            (i + 1, fold(spec.name), spec.name, spec.kind, self.unit_ids[spec.unit], spec.products)
            for i, spec in enumerate(self.area_specs)
        ]
        programme = Table(Programme, ("id", "slug", "name", "starts_on", "ends_on", "description"))
        programme.rows = [
            (
                1,
                data.PROGRAMME_SLUG,
                data.PROGRAMME_NAME,
                data.PHASES[0][1],
                data.PHASES[-1][2],
                data.PROGRAMME_DESCRIPTION,
            )
        ]
        phases = Table(Phase, ("id", "programme_id", "name", "starts_on", "ends_on"))
        phases.rows = [(i, 1, name, start, end) for i, (name, start, end) in enumerate(data.PHASES, 1)]
        targets = Table(
            Target,
            (
                "id",
                "phase_id",
                "indicator",
                "target_min",
                "target_max",
                "unit",
                "deadline",
                "baseline_value",
                "baseline_on",
                "saving_min",
                "saving_max",
                "resource",
                "area_kind",
                "sector_id",
                "unit_scope_id",
                "unit_level",
                "evidence",
            ),
        )
        for phase_id, (name, _start, end) in enumerate(data.PHASES, 1):
            for indicator, low, high, saving_min, saving_max in data.TARGETS[name]:
                targets.rows.append(
                    (
                        len(targets.rows) + 1,
                        phase_id,
                        indicator,
                        Decimal(low),
                        None if high is None else Decimal(high),
                        "%",
                        end,
                        Decimal(0),
                        data.TARGET_BASELINE_ON,
                        None if saving_min is None else Decimal(saving_min),
                        None if saving_max is None else Decimal(saving_max),
                        "",
                        "",
                        None,
                        None,
                        AdministrativeUnit.Level.DISTRICT.value,
                        "all",  # every saving counts, whatever its evidence
                    )
                )
        specialists = Table(Specialist, ("id", "search_text", "unit_id", "name", "position", "appointed_on", "left_on"))
        specialists.rows = [
            (i, fold(name), self.unit_ids[unit], name, position, appointed, left)
            for i, (unit, name, position, appointed, left) in enumerate(data.SPECIALISTS, 1)
        ]
        return [units, sectors, areas, programme, phases, targets, specialists]

    # --- The register ---------------------------------------------------------------------------

    def _folded(self, text: str) -> str:
        folded = self.fold_cache.get(text)
        if folded is None:
            folded = self.fold_cache[text] = fold(text)
        return folded

    def _register(self) -> Table:
        rng = self.rng
        self.opened: list[dt.date | None] = [None]  # index 0 unused: facility ids start at 1
        self.closed: list[dt.date | None] = [None]
        self.in_scope: list[bool] = [False]
        self.area: list[int] = [-1]
        self.sector: list[int] = [-1]
        self.kind: list[int] = [-1]
        self.names: list[str] = [""]
        table = Table(
            Facility,
            (
                "id",
                "search_text",
                "code",
                "name",
                "kind",
                "employees",
                "in_scope",
                "opened_on",
                "closed_on",
                "unit_id",
                "area_id",
                "sector_id",
            ),
        )
        self.name_counts: dict[str, int] = {}
        kim_lan = next(i for i, spec in enumerate(self.area_specs) if spec.name == data.KIM_LAN)
        # The artisan of the interview, host of the first demonstration model.
        self._facility(
            table,
            area=kim_lan,
            sector=self.sector_index[data.CERAMICS],
            unit="Gia Lâm",
            kind=HOUSEHOLD,
            in_scope=True,
            opened=dt.date(1996, 3, 1),
            closed=None,
            code=data.ARTISAN_CODE,
            name=(data.ARTISAN_NAME, fold(data.ARTISAN_NAME)),
        )
        for index, spec in enumerate(self.area_specs):
            count = max(3, round(spec.weight * self.scale)) - (index == kim_lan)
            sector_of = _picker([self.sector_index[name] for name, _w in spec.sectors], [w for _n, w in spec.sectors])
            kind_of = _picker(
                range(3), {data.ZONE: (100, 0, 0), data.CLUSTER: (85, 15, 0), data.VILLAGE: (6, 9, 85)}[spec.kind]
            )
            for _ in range(count):
                if len(self.opened) > self.size:
                    break
                opened, closed = self._dates()
                self._facility(
                    table,
                    area=index,
                    sector=sector_of(rng),
                    unit=self._unit_for(spec.unit, opened),
                    kind=kind_of(rng),
                    in_scope=rng.random() >= OUT_OF_SCOPE_SHARE,
                    opened=opened,
                    closed=closed,
                )
        unit_of = _picker(self.unit_names, [spec.weight for spec in data.UNITS])
        sector_of = _picker(range(len(self.sector_specs)), [spec.weight for spec in self.sector_specs])
        kind_of = _picker(range(3), (80, 8, 12))
        while len(self.opened) <= self.size:
            opened, closed = self._dates()
            self._facility(
                table,
                area=-1,
                sector=sector_of(rng),
                unit=self._unit_for(unit_of(rng), opened),
                kind=kind_of(rng),
                in_scope=rng.random() >= OUT_OF_SCOPE_SHARE,
                opened=opened,
                closed=closed,
            )
        self.ids = range(1, len(self.opened))
        self.in_scope_ids = [i for i in self.ids if self.in_scope[i]]
        self.guests = [i for i in self.ids if not self.in_scope[i]]
        self.by_area: list[list[int]] = [[] for _ in self.area_specs]
        for i in self.in_scope_ids:
            if self.area[i] >= 0:
                self.by_area[self.area[i]].append(i)
        return table

    def _unit_for(self, unit: str, opened: dt.date | None) -> str:
        """As demo_register.unit_for: Từ Liêm before the split, a successor after."""
        after_split = opened is not None and opened >= data.TU_LIEM_SPLIT
        if unit == data.TU_LIEM and after_split:
            return self.rng.choice(data.TU_LIEM_SUCCESSORS)
        if unit in data.TU_LIEM_SUCCESSORS and not after_split:
            return data.TU_LIEM
        return unit

    def _dates(self) -> tuple[dt.date | None, dt.date | None]:
        """As demo_register.FacilityMaker._dates."""
        rng = self.rng
        draw = rng.random()
        if draw < 0.06:
            opened = None
        elif draw < 0.80:
            year = 1990 + int(21 * rng.random() ** 0.6)
            opened = _random_day(rng, dt.date(year, 1, 1), dt.date(year, 12, 31))
        elif draw < 0.93:
            opened = _random_day(rng, dt.date(2011, 1, 1), dt.date(2015, 12, 31))
        else:
            opened = _random_day(rng, dt.date(2016, 1, 1), dt.date(2019, 6, 30))
        if rng.random() >= CLOSED_SHARE:
            return opened, None
        earliest = max(dt.date(2011, 3, 1), (opened or dt.date.min) + dt.timedelta(days=365))
        return opened, _random_day(rng, earliest, LAST_CLOSING) if earliest < LAST_CLOSING else None

    def _facility(
        self,
        table: Table,
        *,
        area: int,
        sector: int,
        unit: str,
        kind: int,
        in_scope: bool,
        opened: dt.date | None,
        closed: dt.date | None,
        code: str | None = None,
        name: tuple[str, str] | None = None,
    ) -> None:
        pk = len(self.opened)
        if code is None:
            # 10 digits like a tax code (households 80…, others 01…); the 8-digit part is a
            # permutation of the id, so codes are unique and not in id order.
            code = f"{'80' if kind == HOUSEHOLD else '01'}{(pk * 7919 + 1234567) % 10**8:08d}"
            if code == data.ARTISAN_CODE:
                code = "81" + code[2:]
        if name is None:
            name = self._name(kind, sector, area)
        employees = self._employees(kind, self.area_specs[area].kind if area >= 0 else "")
        table.rows.append(
            (
                pk,
                f"{code} {name[1]}"[:600],
                code,
                name[0],
                KIND_VALUES[kind],
                employees,
                in_scope,
                opened,
                closed,
                self.unit_ids[unit],
                area + 1 if area >= 0 else None,
                sector + 1,
            )
        )
        self.opened.append(opened)
        self.closed.append(closed)
        self.in_scope.append(in_scope)
        self.area.append(area)
        self.sector.append(sector)
        self.kind.append(kind)
        self.names.append(name[0])

    def _name(self, kind: int, sector: int, area: int) -> tuple[str, str]:
        """(name, folded name): as the demo's, numbered when the name is taken."""
        rng = self.rng
        spec = self.sector_specs[sector]
        area_spec = self.area_specs[area] if area >= 0 else None
        place = area_spec.place if area_spec else rng.choice(self.unit_names)
        craft = (area_spec.craft if area_spec else "") or spec.craft
        if kind == HOUSEHOLD:
            middle_names, given_names = rng.choice(data.PERSON_NAMES)
            person = f"{rng.choice(data.FAMILY_NAMES)} {rng.choice(middle_names)} {rng.choice(given_names)}"
            name = f"Hộ sản xuất {craft} {person}"
        elif kind == COOPERATIVE:
            name = f"Hợp tác xã {craft} {rng.choice((place, *data.BRANDS))}"
        else:
            brand = place if rng.random() < 0.25 else rng.choice(data.BRANDS)
            name = f"{rng.choice(data.LEGAL_FORMS)} {rng.choice(spec.trades)} {brand}"
        n = self.name_counts.get(name, 0) + 1
        self.name_counts[name] = n
        folded = self._folded(name)
        return (name, folded) if n == 1 else (f"{name} {n}", f"{folded} {n}")

    def _employees(self, kind: int, area_kind: str) -> int:
        if kind == HOUSEHOLD:
            low, high = 2, 12
        elif kind == COOPERATIVE:
            low, high = 10, 80
        else:
            low, high = {data.ZONE: (30, 1500), data.CLUSTER: (10, 300)}.get(area_kind, (5, 400))
        return round(math.exp(self.rng.uniform(math.log(low), math.log(high))))

    # --- Activity, year by year -----------------------------------------------------------------

    def _activity(self) -> list[Table]:
        self.activities = Table(
            OutreachActivity,
            (
                "id",
                "search_text",
                "kind",
                "title",
                "held_on",
                "organiser",
                "unit_id",
                "venue",
                "participants",
                "quantity",
            ),
        )
        self.attendances = Table(Attendance, ("id", "activity_id", "facility_id", "people"))
        self.awareness = Table(AwarenessRecord, ("id", "facility_id", "recorded_on", "source"))
        self.surveys = Table(Survey, ("id", "facility_id", "surveyed_on", "surveyors", "findings"))
        self.options = Table(CPOption, ("id", "survey_id", "category", "description", "state"))
        self.supports = Table(TechnicalSupport, ("id", "survey_id", "kind", "given_on", "description"))
        self.models = Table(
            DemonstrationModel, ("id", "search_text", "host_id", "name", "technology", "started_on", "results")
        )
        self.replications = Table(Replication, ("id", "model_id", "facility_id", "replicated_on", "notes"))
        self.solutions = Table(
            Solution,
            (
                "id",
                "facility_id",
                "implemented_on",
                "category",
                "description",
                "investment",
                "annual_saving",
                "co2_avoided",
                "survey_id",
                "demonstration_id",
                "stage",
                "verified_on",
            ),
        )
        self.savings = Table(
            ResourceSaving,
            (
                "id",
                "solution_id",
                "resource",
                "unit",
                "product_unit",
                "baseline",
                "after",
                "reported_percent",
                "evidence",
            ),
        )
        self.reached: dict[int, dt.date] = {}  # facility → first contact
        self.applied: dict[int, dt.date] = {}  # facility → first solution
        self.surveys_of: dict[int, list[int]] = {}  # facility → its survey ids
        self.survey_day: list[dt.date | None] = [None]
        self.survey_options: dict[int, list[list]] = {}  # survey → its options (mutable rows)
        self.focus_keys = list(data.FOCI)
        self.reached_by_focus: dict[str, list[int]] = {key: [] for key in self.focus_keys}
        self.matching_cache: dict[tuple[int, int], list[str]] = {}
        self.model_rows: list[tuple[int, dt.date]] = []  # (model id, started on)
        self.replicated: set[tuple[int, int]] = set()
        for plan in data.YEARS:
            self._year(plan)
        options = (row for rows in self.survey_options.values() for row in rows)
        self.options.rows = [(pk, *row[1:]) for pk, row in enumerate(options, 1)]
        return [
            self.activities,
            self.attendances,
            self.awareness,
            self.surveys,
            self.options,
            self.supports,
            self.models,
            self.replications,
            self.solutions,
            self.savings,
        ]

    def _year(self, plan: data.YearPlan) -> None:
        events = self._events(plan)
        self._models(plan.year)
        self._surveys(plan)
        self._replications(plan)
        self._awareness_records(plan)
        self._attendance(plan, events)
        self._solutions(plan.year)
        self._repeat_solutions(plan.year)

    def _open_in_scope(self, day: dt.date) -> list[int]:
        opened, closed = self.opened, self.closed
        return [i for i in self.in_scope_ids if _open_on(opened[i], closed[i], day)]

    def _open_through(self, i: int, start: dt.date, end: dt.date) -> bool:
        opened, closed = self.opened[i], self.closed[i]
        return (opened is None or opened <= start) and (closed is None or closed > end)

    def _missing(self, share: float, done: dict[int, dt.date], day: dt.date) -> int:
        denominator = self._open_in_scope(day)
        count = sum(1 for i in denominator if done.get(i, dt.date.max) <= day)
        return round(share * len(denominator)) - count

    def _matching(self, i: int) -> list[str]:
        """The focus keys of data.FOCI that facility ``i`` matches."""
        key = (self.area[i], self.sector[i])
        found = self.matching_cache.get(key)
        if found is None:
            area = self.area_specs[key[0]] if key[0] >= 0 else None
            sector = self.sector_specs[key[1]].name
            found = [
                name
                for name, focus in data.FOCI.items()
                if (not focus.area_kinds or (area is not None and area.kind in focus.area_kinds))
                and (not focus.areas or (area is not None and area.name in focus.areas))
                and (not focus.sectors or sector in focus.sectors)
            ]
            self.matching_cache[key] = found
        return found

    def _reach(self, i: int, day: dt.date) -> None:
        first = self.reached.get(i)
        if first is None:
            for key in self._matching(i):
                self.reached_by_focus[key].append(i)
        if first is None or day < first:
            self.reached[i] = day

    def _add_activity(self, kind: str, title: str, day: dt.date, organiser: str, **fields) -> int:
        pk = len(self.activities.rows) + 1
        unit_id = fields.get("unit_id")
        venue = fields.get("venue", "")
        self.activities.rows.append(
            [
                pk,
                fold(f"{title} {organiser} {venue}")[:600],
                kind,
                title,
                day,
                organiser,
                unit_id,
                venue,
                fields.get("participants"),
                fields.get("quantity"),
            ]
        )
        return pk

    def _days(self, year: int, count: int) -> list[dt.date]:
        start, end = dt.date(year, 2, 1), dt.date(year, 12, 10)
        return sorted(_weekday(_random_day(self.rng, start, end)) for _ in range(count))

    def _events(self, plan: data.YearPlan) -> list[list]:
        """The year's activities; returns the events facilities attend:
        [activity id, day, focus key, capacity, new facilities]."""
        year, kinds = plan.year, OutreachActivity.Kind
        copies = max(1, round(self.scale))
        # Leaflets scale as the other events do, by more distributions, not bigger ones: the demo's
        # 4,000 copies times 333 at 10⁶ facilities were more than one activity counts
        # (programmes.models.MAX_OUTREACH_COUNT), which an import of the exported rows refuses.
        leaflets = [quantity for quantity in plan.leaflets for _copy in range(copies)]
        for n, (quantity, day) in enumerate(zip(leaflets, self._days(year, len(leaflets)), strict=True), 1):
            title = data.EVENT_TITLES[kinds.LEAFLETS].format(n=n, year=year)
            self._add_activity(kinds.LEAFLETS, title, day, data.ORGANISER_DEPARTMENT, quantity=quantity)
        for period in plan.reports:
            title = data.EVENT_TITLES[kinds.RESULTS_REPORT].format(period=period, year=year)
            day = dt.date(year, *REPORT_DAYS[period])
            self._add_activity(kinds.RESULTS_REPORT, title, day, data.ORGANISER_DEPARTMENT)
        for key, day in zip(plan.media, self._days(year, len(plan.media)), strict=True):
            self._focused(kinds.MEDIA, key, day, year, "")
        events = []
        for kind, specs in (
            (kinds.SYMPOSIUM, plan.symposia),
            (kinds.WORKSHOP, plan.workshops),
            (kinds.TRAINING, plan.trainings),
        ):
            for participants, key in specs:
                for copy, day in enumerate(self._days(year, copies), 1):
                    suffix = f" (lớp {copy})" if copies > 1 else ""
                    pk = self._focused(kind, key, day, year, suffix, participants=participants)
                    capacity = max(2, round(participants * ROWS_PER_PARTICIPANT))
                    events.append([pk, day, key, capacity, []])
        return events

    def _focused(self, kind: str, key: str, day: dt.date, year: int, suffix: str, **fields) -> int:
        focus = data.FOCI[key]
        title = data.EVENT_TITLES[kind].format(label=focus.label, year=year) + suffix
        organiser = data.ORGANISER_DEPARTMENT if kind == OutreachActivity.Kind.SYMPOSIUM else data.ORGANISER_CENTRE
        unit = focus.unit
        if unit in data.TU_LIEM_SUCCESSORS and day < data.TU_LIEM_SPLIT:
            unit = data.TU_LIEM
        unit_id = self.unit_ids[unit] if unit else None
        return self._add_activity(kind, title, day, organiser, unit_id=unit_id, venue=focus.venue, **fields)

    def _attendance(self, plan: data.YearPlan, events: list[list]) -> None:
        rng = self.rng
        start, end = dt.date(plan.year, 1, 1), dt.date(plan.year, 12, 31)
        focus_sectors = {self.sector_index[name] for name in plan.focus_sectors}
        need = self._missing(plan.reached_share, self.reached, end)
        reached, area, sector = self.reached, self.area, self.sector
        keyed = (
            (rng.random() ** (1.0 / ((3 if sector[i] in focus_sectors else 1) * (2 if area[i] >= 0 else 1))), i)
            for i in self.in_scope_ids
            if i not in reached and self._open_through(i, start, end)
        )
        chosen = [i for _key, i in heapq.nlargest(max(need, 0), keyed)]
        by_focus: dict[str, list[list]] = {}
        for event in events:
            by_focus.setdefault(event[2], []).append(event)
        for i in chosen:
            self._assign(i, events, by_focus)
        for event in sorted(events, key=lambda e: e[1]):
            self._fill(event)

    def _assign(self, i: int, events: list[list], by_focus: dict[str, list[list]]) -> None:
        """A newly reached facility joins an event meant for it when one has room."""
        rng = self.rng
        keys = [key for key in self._matching(i) if key in by_focus]
        specific = [key for key in keys if key != "city"]
        for _ in range(4):
            pool = by_focus[rng.choice(specific or keys)] if keys else events
            event = rng.choice(pool)
            if len(event[4]) < event[3]:
                break
        else:
            event = rng.choice(events)
            for _ in range(8):
                if len(event[4]) < event[3]:
                    break
                event = rng.choice(events)
        event[4].append(i)

    def _fill(self, event: list) -> None:
        """Attendance rows: the new facilities, returning ones the event suits, maybe a guest."""
        rng = self.rng
        pk, day, key, capacity, new = event
        for i in new:
            self._reach(i, day)
        attendees = list(new)
        taken = set(new)
        returning = self.reached_by_focus[key]
        wanted = capacity - len(new)
        tries = 0
        while wanted > 0 and returning and tries < 4 * capacity:
            tries += 1
            i = returning[rng.randrange(len(returning))]
            if i in taken or self.reached[i] >= day or not _open_on(self.opened[i], self.closed[i], day):
                continue
            taken.add(i)
            attendees.append(i)
            wanted -= 1
        if self.guests and rng.random() < GUEST_SHARE:
            guest = self.guests[rng.randrange(len(self.guests))]
            if _open_on(self.opened[guest], self.closed[guest], day) and guest not in taken:
                attendees.append(guest)
        people = 0
        rows = self.attendances.rows
        for i in attendees:
            count = PEOPLE(rng)
            people += count
            rows.append((len(rows) + 1, pk, i, count))
        activity = self.activities.rows[pk - 1]
        activity[8] = max(activity[8] or 0, people)

    # Surveys, options and support.

    def _surveys(self, plan: data.YearPlan) -> None:
        year = plan.year
        start, end = dt.date(year, 1, 1), dt.date(year, 12, 31)
        area_index = {spec.name: i for i, spec in enumerate(self.area_specs)}
        for area_name, count in plan.surveys:
            pool = self.by_area[area_index[area_name]] if area_name else self.in_scope_ids
            if not pool:
                continue
            wanted = max(1, round(count * self.scale))
            chosen: set[int] = set()
            for _ in range(20 * wanted):
                if len(chosen) >= wanted:
                    break
                i = pool[self.rng.randrange(len(pool))]
                if i in chosen or i in self.surveys_of or not self._open_through(i, start, end):
                    continue
                if i not in self.reached and self.rng.random() < 2 / 3:
                    continue  # rather facilities already reached
                chosen.add(i)
            days = sorted(_random_day(self.rng, dt.date(year, 2, 10), dt.date(year, 11, 30)) for _ in chosen)
            for i, day in zip(sorted(chosen), days, strict=True):
                self._survey(i, day)

    def _survey(self, i: int, day: dt.date, must_find: tuple[str, str] | None = None) -> int:
        rng = self.rng
        pk = len(self.surveys.rows) + 1
        process = data.PROCESSES.get(self.sector_specs[self.sector[i]].name, "sản xuất")
        findings = rng.choice(data.FINDINGS).format(process=process)
        self.surveys.rows.append((pk, i, day, rng.choice(data.SURVEYORS), findings))
        self.survey_day.append(day)
        self.surveys_of.setdefault(i, []).append(pk)
        self._reach(i, day)
        count = rng.randint(3, 6)
        categories = set()
        while len(categories) < count:
            categories.add(CATEGORY(rng))
        found = [
            (c, rng.choice(data.OPTION_TEXTS[c])) for c in sorted(categories) if not must_find or c != must_find[0]
        ]
        if must_find:
            found.insert(0, must_find)
        options = self.survey_options[pk] = []
        for category, description in found:
            state = CPOption.State.REJECTED if rng.random() < 0.15 and not must_find else CPOption.State.IDENTIFIED
            options.append([0, pk, category, description, state.value])
            must_find = None
        for kind in sorted(rng.sample(SUPPORT_KINDS, rng.randint(1, 3))):
            given_on = day + dt.timedelta(days=rng.randint(20, 90))
            self.supports.rows.append((len(self.supports.rows) + 1, pk, kind, given_on, data.SUPPORT_TEXTS[kind]))
        return pk

    def _awareness_records(self, plan: data.YearPlan) -> None:
        if not plan.awareness_records:
            return
        start, end = dt.date(plan.year, 1, 1), dt.date(plan.year, 12, 31)
        wanted = max(1, round(plan.awareness_records * self.scale))
        pool = self.in_scope_ids
        chosen: set[int] = set()
        for _ in range(20 * wanted):
            if len(chosen) >= wanted:
                break
            i = pool[self.rng.randrange(len(pool))]
            if i not in self.reached and i not in chosen and self._open_through(i, start, end):
                chosen.add(i)
        for i in sorted(chosen):
            day = _random_day(self.rng, start, dt.date(plan.year, 11, 30))
            self._awareness(i, day, self.rng.choice(data.AWARENESS_SOURCES))

    def _awareness(self, i: int, day: dt.date, source: str) -> None:
        self.awareness.rows.append((len(self.awareness.rows) + 1, i, day, source))
        self._reach(i, day)

    # Demonstration models and their replications.

    def _models(self, year: int) -> None:
        """The artisan's kiln in 2012 (as the demo), and one more model per 3,000 facilities
        over 2012–2014, hosted by craft-village households and cooperatives."""
        total = max(1, round(self.size / FACILITIES_PER_MODEL))
        if year not in (2012, 2013, 2014):
            return
        rng = self.rng
        count = {2012: math.ceil(total / 3), 2013: round(total / 3), 2014: total}[year] - len(self.model_rows)
        villages = [i for i, spec in enumerate(self.area_specs) if spec.kind == data.VILLAGE and self.by_area[i]]
        hosts = set()
        if year == 2012:
            hosts.add(1)
        for _ in range(50 * max(count, 1)):
            if len(hosts) >= count:
                break
            area = self.by_area[rng.choice(villages)]
            i = area[rng.randrange(len(area))]
            if (
                self.kind[i] != ENTERPRISE
                and i not in self.applied
                and _open_on(self.opened[i], self.closed[i], dt.date(year, 12, 31))
            ):
                hosts.add(i)
        for i in sorted(hosts):
            if i == 1:
                survey = self._survey(1, data.ARTISAN_SURVEYED_ON, must_find=("technology_change", GAS_KILN))
                day, name, technology = (
                    data.DEMONSTRATION_STARTED_ON,
                    data.DEMONSTRATION_NAME,
                    data.DEMONSTRATION_TECHNOLOGY,
                )
                results = data.DEMONSTRATION_RESULTS
            else:
                survey = None
                day = _random_day(rng, dt.date(year, 3, 1), dt.date(year, 10, 31))
                label, technology = rng.choice(MODEL_TECHNOLOGIES)
                name = f"{label} – {self.names[i]}"
                results = "Giảm tiêu hao nhiên liệu và nguyên liệu trên một đơn vị sản phẩm."
            pk = len(self.models.rows) + 1
            self.models.rows.append((pk, fold(f"{name} {technology}")[:600], i, name, technology, day, results))
            self.model_rows.append((pk, day))
            if survey:
                self.survey_options[survey][0][4] = CPOption.State.IMPLEMENTED.value
            solution = self._solution(i, day, "technology_change", GAS_KILN, survey, pk)
            self._saving(solution, "fuel", "TOE", self._baseline(0.35, 0.7), self._percent(), "t sản phẩm")
            self._reach(i, day)

    def _replications(self, plan: data.YearPlan) -> None:
        if not plan.replications or not self.model_rows:
            return
        rng, year = self.rng, plan.year
        start, end = dt.date(year, 1, 1), dt.date(year, 12, 31)
        wanted = max(1, round(plan.replications * self.scale))
        villages = [i for i, spec in enumerate(self.area_specs) if spec.kind == data.VILLAGE and self.by_area[i]]
        done = 0
        for _ in range(20 * wanted):
            if done >= wanted:
                break
            model, started = self.model_rows[rng.randrange(len(self.model_rows))]
            area = self.by_area[rng.choice(villages)]
            i = area[rng.randrange(len(area))]
            if (
                self.kind[i] == ENTERPRISE
                or (model, i) in self.replicated
                or i in self.applied
                or not self._open_through(i, start, end)
            ):
                continue
            day = _random_day(rng, max(dt.date(year, 3, 1), started + dt.timedelta(days=60)), dt.date(year, 11, 30))
            visit = max(day - dt.timedelta(days=rng.randint(30, 120)), dt.date(year, 1, 2))
            self._awareness(i, visit, data.DEMONSTRATION_VISIT)
            self.replicated.add((model, i))
            self.replications.rows.append((len(self.replications.rows) + 1, model, i, day, data.REPLICATION_NOTE))
            solution = self._solution(i, day, "technology_change", f"{GAS_KILN} theo mô hình trình diễn", None, model)
            self._saving(solution, "fuel", "TOE", self._baseline(0.35, 0.7), self._percent(), "t sản phẩm")
            done += 1

    # Solutions and savings.

    def _solutions(self, year: int) -> None:
        """New applying facilities up to the year's share, half of them surveyed where possible."""
        need = self._missing(APPLYING_SHARE[year], self.applied, dt.date(year, 12, 31))
        if need <= 0:
            return
        cutoff, year_end, survey_by = dt.date(year, 10, 31), dt.date(year, 12, 31), dt.date(year, 10, 15)
        candidates = [
            i
            for i, first in self.reached.items()
            if first <= cutoff
            and i not in self.applied
            and self.in_scope[i]
            and _open_on(self.opened[i], self.closed[i], year_end)
        ]
        surveyed = [i for i in candidates if self._survey_before(i, survey_by)]
        others = [i for i in candidates if not self._survey_before(i, survey_by)]
        self.rng.shuffle(surveyed)
        self.rng.shuffle(others)
        half = math.ceil(need / 2)
        chosen = surveyed[:half] + others[: need - min(half, len(surveyed))]
        chosen += surveyed[half : half + need - len(chosen)]
        for i in chosen:
            self._apply(i, year)

    def _survey_before(self, i: int, day: dt.date) -> int | None:
        found = [pk for pk in self.surveys_of.get(i, ()) if self.survey_day[pk] <= day]
        return max(found, key=lambda pk: self.survey_day[pk]) if found else None

    def _apply(self, i: int, year: int) -> None:
        rng = self.rng
        survey = self._survey_before(i, dt.date(year, 10, 15))
        basis = self.survey_day[survey] if survey else self.reached[i]
        start = max(basis + dt.timedelta(days=30), dt.date(year, 1, 15))
        day = _random_day(rng, start, min(start + dt.timedelta(days=200), dt.date(year, 12, 20)))
        options = [o for o in self.survey_options.get(survey, ()) if o[4] == CPOption.State.IDENTIFIED]
        if options:
            for option in rng.sample(options, min(len(options), rng.choice((1, 1, 2)))):
                option[4] = CPOption.State.IMPLEMENTED.value
                self._measured(i, day, option[2], option[3], survey)
        else:
            category = CATEGORY(rng)
            self._measured(i, day, category, rng.choice(data.OPTION_TEXTS[category]), None)

    def _repeat_solutions(self, year: int) -> None:
        start, end = dt.date(year, 1, 1), dt.date(year, 12, 20)
        for i, first in list(self.applied.items()):
            if first >= start or self.rng.random() >= REPEAT_SOLUTION_SHARE or not self._open_through(i, start, end):
                continue
            category = CATEGORY(self.rng)
            self._measured(
                i, _random_day(self.rng, start, end), category, self.rng.choice(data.OPTION_TEXTS[category]), None
            )

    def _measured(self, i: int, day: dt.date, category: str, description: str, survey: int | None) -> None:
        rng = self.rng
        solution = self._solution(i, day, category, description, survey, None)
        product_unit = self.sector_specs[self.sector[i]].product_unit
        resources = [r for r, p in (("energy", 0.8), ("raw_material", 0.5), ("fuel", 0.5)) if rng.random() < p]
        for resource in resources or ["energy"]:
            unit, low, high = {
                "energy": ("kWh", 150, 1500),
                "raw_material": ("t", 1.02, 1.5),
                "fuel": rng.choice((("kg", 100, 600), ("TOE", 0.05, 0.4), ("L", 20, 200))),
            }[resource]
            self._saving(solution, resource, unit, self._baseline(low, high), self._percent(), product_unit)
        if rng.random() < 0.15:
            self._saving(solution, "water", "m3", self._baseline(2, 40), rng.uniform(5, 15), product_unit)

    def _solution(
        self, i: int, day: dt.date, category: str, description: str, survey: int | None, model: int | None
    ) -> tuple[int, dt.date]:
        rng = self.rng
        low, high = {HOUSEHOLD: (5e6, 80e6), COOPERATIVE: (20e6, 300e6)}.get(self.kind[i], (50e6, 2e9))
        investment = round(math.exp(rng.uniform(math.log(low), math.log(high))), -3)
        annual_saving = round(investment / rng.uniform(0.4, 3.5), -3)
        co2 = None if rng.random() < 0.3 else Decimal(annual_saving * rng.uniform(3e-7, 6e-7)).quantize(Decimal("0.01"))
        pk = len(self.solutions.rows) + 1
        self.solutions.rows.append(
            # Implemented, not verified: what migrated records are (docs/indicators.md, "Evidence of a saving").
            (
                pk,
                i,
                day,
                category,
                description,
                int(investment),
                int(annual_saving),
                co2,
                survey,
                model,
                "implemented",
                None,
            )
        )
        if day < self.applied.get(i, dt.date.max):
            self.applied[i] = day
        return pk, day

    def _baseline(self, low: float, high: float) -> Decimal:
        return draw_baseline(self.rng, low, high)

    def _percent(self) -> float:
        return draw_saving_percent(self.rng)  # the demo's distribution, not a copy of it

    def _saving(
        self, solution: tuple[int, dt.date], resource: str, unit: str, baseline: Decimal, percent: float, product: str
    ) -> None:
        after = (baseline * Decimal(1 - percent / 100)).quantize(Decimal("0.000001"))
        if solution[1] >= dt.date(2015, 10, 1) and self.rng.random() < 0.3:
            after = None  # late-2015 solutions are not all measured yet
        self.savings.rows.append(
            (len(self.savings.rows) + 1, solution[0], resource, unit, product, baseline, after, None, "self_reported")
        )

    # --- All of it ------------------------------------------------------------------------------

    def tables(self) -> Iterator[Table]:
        """The tables in the order they must be written; each is released once yielded."""
        yield from self._reference_tables()
        facilities = self._register()
        yield facilities
        facilities.rows = []
        activity = self._activity()
        self.activities.rows = [tuple(row) for row in self.activities.rows]
        yield from activity

    def summary(self) -> dict[str, int]:
        """Rows written per table (after a run)."""
        return dict(self.counts)


# --- Writing ------------------------------------------------------------------------------------


def _check_columns(table: Table) -> None:
    """The generator's columns are exactly the model's writable ones (none missing, none unknown)."""
    expected = {f.attname for f in table.model._meta.concrete_fields if not f.generated}
    if set(table.columns) != expected:
        raise ValueError(f"{table.model.__name__}: columns {sorted(table.columns)} ≠ {sorted(expected)}")


def copy_rows(cursor, table_name: str, columns: Sequence[str], rows: Iterable[tuple], batch: int = 100_000) -> None:
    """``COPY table (columns) FROM STDIN`` from in-memory text buffers of ``batch`` rows (psycopg2)."""
    statement = f"COPY {table_name} ({', '.join(columns)}) FROM STDIN"
    buffer = io.StringIO()
    pending = 0
    for row in rows:
        buffer.write("\t".join(map(copy_text, row)))
        buffer.write("\n")
        pending += 1
        if pending >= batch:
            buffer.seek(0)
            cursor.copy_expert(statement, buffer)
            buffer, pending = io.StringIO(), 0
    if pending:
        buffer.seek(0)
        cursor.copy_expert(statement, buffer)


def _plain_indexes(cursor, table_name: str) -> list[tuple[str, str]]:
    """(name, CREATE INDEX statement) of the table's indexes that back no constraint: dropped
    before a large COPY and built again after it, which is several times faster than
    updating them row by row. Primary keys and unique constraints stay."""
    cursor.execute(
        """
        SELECT c.relname, pg_get_indexdef(i.indexrelid)
          FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
         WHERE i.indrelid = %s::regclass
           AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid)
        """,
        [table_name],
    )
    return cursor.fetchall()


def _sqlite_value(value):
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def generate(size: int, *, seed: int = SEED, log: Callable[[str], None] = lambda message: None) -> dict[str, int]:
    """Fill the (migrated, empty) default database with ``size`` facilities and their records.

    PostgreSQL: COPY, with triggers (the foreign-key checks) off for the load —
    the generator writes parents before children, with explicit ids — then the
    id sequences are moved past the ids written. SQLite: executemany. Returns
    the rows written per table.
    """
    import time

    from django.db import connection, transaction

    generator = Generator(size, seed)
    counts: dict[str, int] = {}
    postgres = connection.vendor == "postgresql"
    with transaction.atomic(), connection.cursor() as cursor:
        if postgres:
            cursor.execute("SET LOCAL session_replication_role = replica")
            cursor.execute("SET LOCAL maintenance_work_mem = '512MB'")
        started = time.perf_counter()
        writing = 0.0
        for table in generator.tables():
            _check_columns(table)
            name = table.model._meta.db_table
            columns = [connection.ops.quote_name(c) for c in table.columns]
            write_started = time.perf_counter()
            if postgres:
                indexes = _plain_indexes(cursor, name) if len(table.rows) >= DEFER_INDEXES_FROM else []
                for index_name, _definition in indexes:
                    cursor.execute(f'DROP INDEX "{index_name}"')
                copy_rows(cursor.cursor, name, columns, table.rows)
                for _index_name, definition in indexes:
                    cursor.execute(definition)
            else:
                placeholders = ", ".join("?" for _ in columns)
                cursor.executemany(
                    f"INSERT INTO {name} ({', '.join(columns)}) VALUES ({placeholders})",
                    [tuple(map(_sqlite_value, row)) for row in table.rows],
                )
            writing += time.perf_counter() - write_started
            counts[name] = len(table.rows)
            log(f"  {name:<32} {len(table.rows):>10,} rows  ({time.perf_counter() - started:6.1f} s)")
            table.rows = []
        log(f"  of which writing ({'COPY' if postgres else 'INSERT'}): {writing:.1f} s")
        if postgres:
            for name in counts:
                cursor.execute(
                    f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), GREATEST((SELECT max(id) FROM {name}), 1))"
                )
    generator.counts = counts
    return counts
