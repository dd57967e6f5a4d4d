"""The demo programme's activity, year by year 2011–2015.

Each year (programmes.demo_data.YEARS) holds its outreach events, CP surveys,
awareness records and demonstration-model replications; then attendance is
drawn so that the facilities reached since 2011 make the year's share of the
in-scope facilities open at year end, and CP solutions so that the applying
facilities make theirs. Reached means: attended an activity, was surveyed, or
has an awareness record — the evidence the indicators count. Every applying
facility was reached first. All dates of a year's records fall in that year,
so planning a later year never changes an earlier year's shares.
"""

import datetime as dt
import math
import random
from dataclasses import dataclass, field
from decimal import Decimal

from facilities.models import Facility
from programmes import demo_data as data
from programmes.management.demo_register import Register, random_day, weighted_sample
from programmes.models import (
    Attendance,
    AwarenessRecord,
    CPOption,
    DemonstrationModel,
    OutreachActivity,
    Replication,
    Resource,
    ResourceSaving,
    Solution,
    Survey,
    TechnicalSupport,
)

Kind = OutreachActivity.Kind
ROWS_PER_PARTICIPANT = 0.5  # facilities listed per participant at a reference-size event
REPORT_DAYS = {"quý I năm": (4, 10), "6 tháng đầu năm": (7, 10), "9 tháng năm": (10, 12), "năm": (12, 20)}
REPEAT_SOLUTION_SHARE = 0.12  # earlier appliers that add a solution in a later year
GAS_KILN = "Chuyển lò nung than sang lò nung gas"


@dataclass
class ActivityData:
    """Unsaved instances, in the order they must be saved."""

    activities: list[OutreachActivity] = field(default_factory=list)
    attendances: list[Attendance] = field(default_factory=list)
    awareness_records: list[AwarenessRecord] = field(default_factory=list)
    surveys: list[Survey] = field(default_factory=list)
    options: list[CPOption] = field(default_factory=list)
    supports: list[TechnicalSupport] = field(default_factory=list)
    demonstrations: list[DemonstrationModel] = field(default_factory=list)
    replications: list[Replication] = field(default_factory=list)
    solutions: list[Solution] = field(default_factory=list)
    savings: list[ResourceSaving] = field(default_factory=list)


@dataclass
class Event:
    """An outreach event that facilities attend, while its attendance is drawn."""

    activity: OutreachActivity
    focus: data.Focus
    capacity: int  # facility rows at most
    new: list[Facility] = field(default_factory=list)  # reached for the first time here


def open_through(facility: Facility, start: dt.date, end: dt.date) -> bool:
    """Open on every day from ``start`` to ``end``."""
    return (facility.opened_on is None or facility.opened_on <= start) and (
        facility.closed_on is None or facility.closed_on > end
    )


def spread_days(rng: random.Random, year: int, count: int) -> list[dt.date]:
    """``count`` working days spread over February–mid-December, in order."""
    start, end = dt.date(year, 2, 1), dt.date(year, 12, 10)
    slot = (end - start).days // max(count, 1)
    days = []
    for i in range(count):
        day = start + dt.timedelta(days=i * slot + rng.randint(0, max(slot - 1, 0)))
        days.append(day + dt.timedelta(days=max(0, 7 - day.weekday()) if day.weekday() >= 5 else 0))
    return days


def draw_baseline(rng: random.Random, low: float, high: float) -> Decimal:
    """A baseline consumption per unit of product between ``low`` and ``high``, 3 decimals."""
    return Decimal(str(round(rng.uniform(low, high), 3)))


def draw_saving_percent(rng: random.Random) -> float:
    """A saving in percent shaped like the interview's: 5–8 for most, a few below or above."""
    draw = rng.random()
    if draw < 0.86:
        return rng.uniform(5.0, 8.0)
    if draw < 0.95:
        return rng.uniform(2.0, 4.9)
    return rng.uniform(8.5, 14.0)


class ActivityPlanner:
    """Plans 2011–2015 over a register; ``scale`` is its size over 3,000."""

    def __init__(self, rng: random.Random, register: Register, scale: float) -> None:
        self.rng = rng
        self.register = register
        self.scale = scale
        self.out = ActivityData()
        self.by_code = {f.code: f for f in register.facilities}
        self.in_scope = [f for f in register.facilities if f.in_scope]
        self.reached: dict[str, dt.date] = {}  # code → first contact
        self.applied: dict[str, dt.date] = {}  # code → first CP solution
        self.surveys_of: dict[str, list[Survey]] = {}
        self.options_of: dict[int, list[CPOption]] = {}  # id(survey) → its options
        self.solution_keys: set[tuple] = set()
        self.demonstration: DemonstrationModel | None = None

    def plan(self) -> ActivityData:
        for year_plan in data.YEARS:
            self._plan_year(year_plan)
        return self.out

    def _plan_year(self, plan: data.YearPlan) -> None:
        events = self._events(plan)
        if plan.year == data.DEMONSTRATION_STARTED_ON.year:
            self._artisan_demonstration()
        self._surveys(plan)
        self._replications(plan)
        self._awareness_records(plan)
        self._attendance(plan, events)
        self._solutions(plan)
        self._repeat_solutions(plan)

    # Counting, as the indicators do: in-scope facilities open on the day.

    def _open_in_scope(self, day: dt.date) -> list[Facility]:
        return [f for f in self.in_scope if f.is_open_on(day)]

    def _missing(self, share: float, done: dict[str, dt.date], day: dt.date) -> int:
        """Facilities still to add to ``done`` for it to hold ``share`` of the
        in-scope facilities open on ``day``."""
        denominator = self._open_in_scope(day)
        count = sum(1 for f in denominator if done.get(f.code, dt.date.max) <= day)
        return round(share * len(denominator)) - count

    def _reach(self, facility: Facility, day: dt.date) -> None:
        if day < self.reached.get(facility.code, dt.date.max):
            self.reached[facility.code] = day

    def _area_name(self, facility: Facility) -> str | None:
        spec = self.register.area_spec_of.get(facility.code)
        return spec.name if spec else None

    def _in_village(self, facility: Facility) -> bool:
        spec = self.register.area_spec_of.get(facility.code)
        return spec is not None and spec.kind == data.VILLAGE

    def _matches(self, focus: data.Focus, facility: Facility) -> bool:
        spec = self.register.area_spec_of.get(facility.code)
        return (
            (not focus.area_kinds or (spec is not None and spec.kind in focus.area_kinds))
            and (not focus.areas or (spec is not None and spec.name in focus.areas))
            and (not focus.sectors or facility.sector.name in focus.sectors)
        )

    # Outreach activities.

    def _events(self, plan: data.YearPlan) -> list[Event]:
        """Adds the year's activities; returns those that facilities attend."""
        rng, year = self.rng, plan.year
        for n, (copies, day) in enumerate(
            zip(plan.leaflets, spread_days(rng, year, len(plan.leaflets)), strict=True), 1
        ):
            title = data.EVENT_TITLES[Kind.LEAFLETS].format(n=n, year=year)
            self._activity(Kind.LEAFLETS, title, day, data.ORGANISER_DEPARTMENT, quantity=copies)
        for period in plan.reports:
            title = data.EVENT_TITLES[Kind.RESULTS_REPORT].format(period=period, year=year)
            self._activity(Kind.RESULTS_REPORT, title, dt.date(year, *REPORT_DAYS[period]), data.ORGANISER_DEPARTMENT)
        for key, day in zip(plan.media, spread_days(rng, year, len(plan.media)), strict=True):
            self._focused_activity(Kind.MEDIA, data.FOCI[key], day, year)
        events = []
        for kind, specs in (
            (Kind.SYMPOSIUM, plan.symposia),
            (Kind.WORKSHOP, plan.workshops),
            (Kind.TRAINING, plan.trainings),
        ):
            for (participants, key), day in zip(specs, spread_days(rng, year, len(specs)), strict=True):
                focus = data.FOCI[key]
                activity = self._focused_activity(kind, focus, day, year, participants=participants)
                capacity = max(2, round(participants * ROWS_PER_PARTICIPANT * self.scale))
                events.append(Event(activity, focus, capacity))
        return events

    def _focused_activity(self, kind: str, focus: data.Focus, day: dt.date, year: int, **fields) -> OutreachActivity:
        title = data.EVENT_TITLES[kind].format(label=focus.label, year=year)
        if any(a.title == title for a in self.out.activities):
            title = f"{title} (lần 2)"
        organiser = data.ORGANISER_DEPARTMENT if kind == Kind.SYMPOSIUM else data.ORGANISER_CENTRE
        unit_name = focus.unit
        if unit_name in data.TU_LIEM_SUCCESSORS and day < data.TU_LIEM_SPLIT:
            unit_name = data.TU_LIEM
        unit = self.register.units[unit_name] if unit_name else None
        return self._activity(kind, title, day, organiser, unit=unit, venue=focus.venue, **fields)

    def _activity(self, kind: str, title: str, day: dt.date, organiser: str, **fields) -> OutreachActivity:
        activity = OutreachActivity(kind=kind, title=title, held_on=day, organiser=organiser, **fields)
        self.out.activities.append(activity)
        return activity

    # Attendance: new contacts up to the year's share, then returning facilities.

    def _attendance(self, plan: data.YearPlan, events: list[Event]) -> None:
        year_start, year_end = dt.date(plan.year, 1, 1), dt.date(plan.year, 12, 31)
        candidates = [f for f in self.in_scope if f.code not in self.reached and open_through(f, year_start, year_end)]

        def weight(f: Facility) -> float:
            # The programme worked through villages, parks and clusters, and
            # some years through chosen sectors.
            in_area = f.code in self.register.area_spec_of
            return (3 if f.sector.name in plan.focus_sectors else 1) * (2 if in_area else 1)

        need = self._missing(plan.reached_share, self.reached, year_end)
        for facility in weighted_sample(self.rng, candidates, weight, need):
            self._assign(facility, events)
        for event in sorted(events, key=lambda e: e.activity.held_on):
            self._fill(event)

    def _assign(self, facility: Facility, events: list[Event]) -> None:
        """Puts a newly reached facility in an event meant for it, if any has room."""
        free = [e for e in events if len(e.new) < e.capacity] or events
        matching = [e for e in free if self._matches(e.focus, facility)]
        specific = [e for e in matching if e.focus.area_kinds or e.focus.areas or e.focus.sectors]
        pool = specific or matching or free
        event = self.rng.choices(pool, weights=[max(e.capacity - len(e.new), 1) for e in pool])[0]
        event.new.append(facility)

    def _fill(self, event: Event) -> None:
        """Attendance rows: the event's new facilities, facilities reached
        before it that it suits, and now and then an out-of-scope guest."""
        rng, day = self.rng, event.activity.held_on
        for facility in event.new:
            self._reach(facility, day)
        new_codes = {f.code for f in event.new}
        returning = [
            self.by_code[code]
            for code, first in self.reached.items()
            if first < day and code not in new_codes and self._matches(event.focus, self.by_code[code])
        ]
        returning = [f for f in returning if f.is_open_on(day)]
        attendees = event.new + rng.sample(returning, min(len(returning), max(event.capacity - len(event.new), 0)))
        guests = [f for f in self.register.facilities if not f.in_scope and f.is_open_on(day)]
        if guests and rng.random() < 0.3:
            attendees.append(rng.choice(guests))
        people = [rng.choices((1, 2, 3), weights=(55, 35, 10))[0] for _ in attendees]
        # Participants also come from agencies and unregistered firms: never fewer than listed.
        event.activity.participants = max(event.activity.participants, sum(people))
        for facility, count in zip(attendees, people, strict=True):
            self.out.attendances.append(Attendance(activity=event.activity, facility=facility, people=count))

    # Surveys, options and technical support.

    def _surveys(self, plan: data.YearPlan) -> None:
        year = plan.year
        for area_name, count in plan.surveys:
            done = sum(
                1 for s in self.out.surveys if s.surveyed_on.year == year and self._area_name(s.facility) == area_name
            )
            chosen = self._survey_targets(area_name, count - done, year)
            days = sorted(random_day(self.rng, dt.date(year, 2, 10), dt.date(year, 11, 30)) for _ in chosen)
            for facility, day in zip(chosen, days, strict=True):
                self._survey(facility, day)

    def _survey_targets(self, area_name: str | None, count: int, year: int) -> list[Facility]:
        """Facilities to survey in ``area_name`` (None: outside any area),
        rather ones already reached; falls back on craft villages, then anyone."""
        start, end = dt.date(year, 1, 1), dt.date(year, 12, 31)
        eligible = [f for f in self.in_scope if f.code not in self.surveys_of and open_through(f, start, end)]
        chosen: list[Facility] = []
        for keep in (
            lambda f: self._area_name(f) == area_name,
            self._in_village,
            lambda f: True,
        ):
            taken = {f.code for f in chosen}
            pool = [f for f in eligible if keep(f) and f.code not in taken]
            chosen += weighted_sample(self.rng, pool, lambda f: 3 if f.code in self.reached else 1, count - len(chosen))
            if len(chosen) >= count:
                break
        return chosen

    def _survey(self, facility: Facility, day: dt.date, must_find: tuple[str, str] | None = None) -> Survey:
        rng = self.rng
        process = data.PROCESSES.get(facility.sector.name, "sản xuất")
        survey = Survey(
            facility=facility,
            surveyed_on=day,
            surveyors=rng.choice(data.SURVEYORS),
            findings=rng.choice(data.FINDINGS).format(process=process),
        )
        self.out.surveys.append(survey)
        self.surveys_of.setdefault(facility.code, []).append(survey)
        self._reach(facility, day)
        self._options(survey, must_find)
        kinds = rng.sample(list(TechnicalSupport.Kind), rng.randint(1, 3))
        for kind in sorted(kinds):
            given_on = day + dt.timedelta(days=rng.randint(20, 90))
            self.out.supports.append(
                TechnicalSupport(survey=survey, kind=kind, given_on=given_on, description=data.SUPPORT_TEXTS[kind])
            )
        return survey

    def _options(self, survey: Survey, must_find: tuple[str, str] | None) -> None:
        rng = self.rng
        categories = weighted_sample(
            rng, list(data.CATEGORY_WEIGHTS), data.CATEGORY_WEIGHTS.__getitem__, rng.randint(3, 6)
        )
        found = [(c, rng.choice(data.OPTION_TEXTS[c])) for c in categories if not must_find or c != must_find[0]]
        if must_find:
            found.insert(0, must_find)
        options = [
            CPOption(
                survey=survey,
                category=category,
                description=description,
                state=CPOption.State.REJECTED if rng.random() < 0.15 else CPOption.State.IDENTIFIED,
            )
            for category, description in found
        ]
        if must_find:
            options[0].state = CPOption.State.IDENTIFIED
        self.out.options += options
        self.options_of[id(survey)] = options

    # The demonstration model and its replications.

    def _artisan_demonstration(self) -> None:
        """Đào Viết Bình's gas-fired kiln at Kim Lan: surveyed, then built with
        the department's support, with measured savings."""
        artisan = self.by_code[data.ARTISAN_CODE]
        survey = self._survey(artisan, data.ARTISAN_SURVEYED_ON, must_find=("technology_change", GAS_KILN))
        self.demonstration = DemonstrationModel(
            host=artisan,
            name=data.DEMONSTRATION_NAME,
            technology=data.DEMONSTRATION_TECHNOLOGY,
            started_on=data.DEMONSTRATION_STARTED_ON,
            results=data.DEMONSTRATION_RESULTS,
        )
        self.out.demonstrations.append(self.demonstration)
        self.options_of[id(survey)][0].state = CPOption.State.IMPLEMENTED
        solution = self._solution(
            artisan, data.DEMONSTRATION_STARTED_ON, "technology_change", GAS_KILN, survey, self.demonstration
        )
        self._saving(solution, Resource.FUEL, "TOE", Decimal("0.520"), 7.6, "t sản phẩm gốm")
        self._saving(solution, Resource.RAW_MATERIAL, "t", Decimal("1.180"), 6.4, "t sản phẩm gốm")

    def _replications(self, plan: data.YearPlan) -> None:
        """Kim Lan and Bát Tràng households copy the kiln, after visiting it."""
        if not plan.replications or self.demonstration is None:
            return
        year, rng = plan.year, self.rng
        start, end = dt.date(year, 1, 1), dt.date(year, 12, 31)
        replicated = {r.facility.code for r in self.out.replications} | {data.ARTISAN_CODE}
        pool = [
            f
            for f in self.in_scope
            if self._area_name(f) in (data.KIM_LAN, data.BAT_TRANG)
            and f.kind != Facility.Kind.ENTERPRISE
            and f.code not in replicated
            and f.code not in self.applied
            and open_through(f, start, end)
        ]
        chosen = weighted_sample(rng, pool, lambda f: 3 if self._area_name(f) == data.KIM_LAN else 1, plan.replications)
        for facility in chosen:
            day = random_day(rng, dt.date(year, 3, 1), dt.date(year, 11, 30))
            visit = max(day - dt.timedelta(days=rng.randint(30, 120)), dt.date(year, 1, 2))
            self.out.awareness_records.append(
                AwarenessRecord(facility=facility, recorded_on=visit, source=data.DEMONSTRATION_VISIT)
            )
            self._reach(facility, visit)
            self.out.replications.append(
                Replication(model=self.demonstration, facility=facility, replicated_on=day, notes=data.REPLICATION_NOTE)
            )
            solution = self._solution(
                facility, day, "technology_change", f"{GAS_KILN} theo mô hình trình diễn", None, self.demonstration
            )
            self._saving(solution, Resource.FUEL, "TOE", self._baseline(0.35, 0.7), self._percent(), "t sản phẩm gốm")

    def _awareness_records(self, plan: data.YearPlan) -> None:
        """A few facilities known to be aware from a questionnaire, visit or letter."""
        if not plan.awareness_records:
            return
        start, end = dt.date(plan.year, 1, 1), dt.date(plan.year, 12, 31)
        pool = [f for f in self.in_scope if f.code not in self.reached and open_through(f, start, end)]
        count = max(1, round(plan.awareness_records * self.scale))
        for facility in self.rng.sample(pool, min(count, len(pool))):
            day = random_day(self.rng, start, dt.date(plan.year, 11, 30))
            source = self.rng.choice(data.AWARENESS_SOURCES)
            self.out.awareness_records.append(AwarenessRecord(facility=facility, recorded_on=day, source=source))
            self._reach(facility, day)

    # CP solutions and their savings.

    def _solutions(self, plan: data.YearPlan) -> None:
        """New applying facilities, up to the year's share: half of them, where
        possible, surveyed facilities implementing options the survey found."""
        year = plan.year
        need = self._missing(plan.applying_share, self.applied, dt.date(year, 12, 31))
        if need <= 0:
            return
        cutoff = dt.date(year, 10, 31)  # reached late in the year: no solution yet
        candidates = [
            self.by_code[code]
            for code, first in self.reached.items()
            if first <= cutoff and code not in self.applied and self.by_code[code].in_scope
        ]
        candidates = [f for f in candidates if f.is_open_on(dt.date(year, 12, 31))]
        surveyed = [f for f in candidates if self._survey_before(f, dt.date(year, 10, 15))]
        others = [f for f in candidates if not self._survey_before(f, dt.date(year, 10, 15))]
        self.rng.shuffle(surveyed)
        self.rng.shuffle(others)
        half = math.ceil(need / 2)
        chosen = surveyed[:half] + others[: need - min(half, len(surveyed))]
        chosen += surveyed[half : half + need - len(chosen)]
        for facility in chosen:
            self._apply(facility, year)

    def _survey_before(self, facility: Facility, day: dt.date) -> Survey | None:
        surveys = [s for s in self.surveys_of.get(facility.code, ()) if s.surveyed_on <= day]
        return max(surveys, key=lambda s: s.surveyed_on) if surveys else None

    def _apply(self, facility: Facility, year: int) -> None:
        """One or two solutions, a month or more after the survey or first contact."""
        rng = self.rng
        survey = self._survey_before(facility, dt.date(year, 10, 15))
        basis = survey.surveyed_on if survey else self.reached[facility.code]
        start = max(basis + dt.timedelta(days=30), dt.date(year, 1, 15))
        day = random_day(rng, start, min(start + dt.timedelta(days=200), dt.date(year, 12, 20)))
        options = [o for o in self.options_of.get(id(survey), ()) if o.state == CPOption.State.IDENTIFIED]
        if options:
            for option in rng.sample(options, min(len(options), rng.choice((1, 1, 2)))):
                option.state = CPOption.State.IMPLEMENTED
                self._measured_solution(facility, day, option.category, option.description, survey)
        else:
            category = rng.choices(list(data.CATEGORY_WEIGHTS), weights=list(data.CATEGORY_WEIGHTS.values()))[0]
            self._measured_solution(facility, day, category, rng.choice(data.OPTION_TEXTS[category]), None)

    def _repeat_solutions(self, plan: data.YearPlan) -> None:
        """Some facilities that applied CP in earlier years take a further step."""
        start, end = dt.date(plan.year, 1, 1), dt.date(plan.year, 12, 20)
        earlier = [self.by_code[code] for code, first in self.applied.items() if first < start]
        for facility in earlier:
            if self.rng.random() >= REPEAT_SOLUTION_SHARE or not open_through(facility, start, end):
                continue
            category = self.rng.choices(list(data.CATEGORY_WEIGHTS), weights=list(data.CATEGORY_WEIGHTS.values()))[0]
            description = self.rng.choice(data.OPTION_TEXTS[category])
            self._measured_solution(facility, random_day(self.rng, start, end), category, description, None)

    def _measured_solution(
        self, facility: Facility, day: dt.date, category: str, description: str, survey: Survey | None
    ) -> None:
        key = (facility.code, day, category, description)
        if key in self.solution_keys:
            return
        solution = self._solution(facility, day, category, description, survey, None)
        self._savings(solution, facility)

    def _solution(
        self,
        facility: Facility,
        day: dt.date,
        category: str,
        description: str,
        survey: Survey | None,
        demonstration: DemonstrationModel | None,
    ) -> Solution:
        investment, annual_saving, co2 = self._money(facility)
        solution = Solution(
            facility=facility,
            implemented_on=day,
            category=category,
            description=description,
            investment=investment,
            annual_saving=annual_saving,
            co2_avoided=co2,
            survey=survey,
            demonstration=demonstration,
        )
        self.out.solutions.append(solution)
        self.solution_keys.add((facility.code, day, category, description))
        if day < self.applied.get(facility.code, dt.date.max):
            self.applied[facility.code] = day
        return solution

    def _money(self, facility: Facility) -> tuple[Decimal, Decimal, Decimal | None]:
        """Investment and annual saving in VND (payback 0.4–3.5 years), CO₂ t/year."""
        rng = self.rng
        low, high = {
            Facility.Kind.HOUSEHOLD: (5e6, 80e6),
            Facility.Kind.COOPERATIVE: (20e6, 300e6),
        }.get(facility.kind, (50e6, 2e9))
        investment = round(math.exp(rng.uniform(math.log(low), math.log(high))), -3)
        annual_saving = round(investment / rng.uniform(0.4, 3.5), -3)
        # About 0.5 kg CO₂ per 1,000 VND of energy saved.
        co2 = None if rng.random() < 0.3 else Decimal(annual_saving * rng.uniform(3e-7, 6e-7)).quantize(Decimal("0.01"))
        return Decimal(investment), Decimal(annual_saving), co2

    def _savings(self, solution: Solution, facility: Facility) -> None:
        """Energy, raw material and fuel per unit of product (one or more), sometimes water."""
        rng = self.rng
        product_unit = next(s.product_unit for s in data.SECTORS if s.name == facility.sector.name)
        resources = [
            r
            for r, p in ((Resource.ENERGY, 0.8), (Resource.RAW_MATERIAL, 0.5), (Resource.FUEL, 0.5))
            if rng.random() < p
        ]
        for resource in resources or [Resource.ENERGY]:
            unit, low, high = {
                Resource.ENERGY: ("kWh", 150, 1500),
                Resource.RAW_MATERIAL: ("t", 1.02, 1.5),
                Resource.FUEL: rng.choice((("kg", 100, 600), ("TOE", 0.05, 0.4), ("L", 20, 200))),
            }[resource]
            self._saving(solution, resource, unit, self._baseline(low, high), self._percent(), product_unit)
        if rng.random() < 0.15:
            self._saving(solution, Resource.WATER, "m3", self._baseline(2, 40), rng.uniform(5, 15), product_unit)

    def _baseline(self, low: float, high: float) -> Decimal:
        return draw_baseline(self.rng, low, high)

    def _percent(self) -> float:
        return draw_saving_percent(self.rng)

    def _saving(
        self, solution: Solution, resource: str, unit: str, baseline: Decimal, percent: float, product_unit: str
    ) -> None:
        after = (baseline * Decimal(1 - percent / 100)).quantize(Decimal("0.000001"))
        # Solutions from late 2015 are not all measured yet: "unknown" is not "no saving".
        if solution.implemented_on >= dt.date(2015, 10, 1) and self.rng.random() < 0.3:
            after = None
        self.out.savings.append(
            ResourceSaving(
                solution=solution,
                resource=resource,
                unit=unit,
                product_unit=product_unit,
                baseline=baseline,
                after=after,
            )
        )
