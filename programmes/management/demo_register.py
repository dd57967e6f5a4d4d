"""The demo's register and programme: units, sectors, areas, about 3,000
facilities, the programme with its phases and targets, and the CP specialists.

Everything is built as unsaved instances from a seeded ``random.Random``, so
the same seed and size give the same data; ``load_demo`` saves it by natural key.
"""

import datetime as dt
import math
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TypeVar

from facilities.models import AdministrativeUnit, Facility, ProductionArea, Sector, UnitMembership
from programmes import demo_data as data
from programmes.models import Specialist

T = TypeVar("T")

OUT_OF_SCOPE_SHARE = 0.04  # e.g. facilities below the size the programme counts
CLOSED_SHARE = 0.09
LAST_CLOSING = dt.date(2019, 12, 31)


@dataclass
class Register:
    """The register's instances, by name (facilities by code)."""

    units: dict[str, AdministrativeUnit]
    sectors: dict[str, Sector]
    areas: dict[str, ProductionArea]
    facilities: list[Facility] = field(default_factory=list)
    area_spec_of: dict[str, data.AreaSpec] = field(default_factory=dict)  # facility code → its area's spec


def weighted_sample(rng: random.Random, items: Sequence[T], weight: Callable[[T], float], k: int) -> list[T]:
    """``k`` items drawn without replacement, each with probability ∝ ``weight``
    (Efraimidis–Spirakis keys); deterministic for a seeded ``rng``."""
    keyed = [(rng.random() ** (1.0 / weight(item)), i) for i, item in enumerate(items)]
    keyed.sort(reverse=True)
    return [items[i] for _, i in keyed[: max(k, 0)]]


def random_day(rng: random.Random, start: dt.date, end: dt.date) -> dt.date:
    """A day in [start, end], both inclusive."""
    return start + dt.timedelta(days=rng.randint(0, max((end - start).days, 0)))


def build_units() -> dict[str, AdministrativeUnit]:
    """The districts and towns (Từ Liêm until its 2014 split) and, from the 2025 reform,
    their commune-level successors (demo_data.COMMUNE_UNITS)."""
    return {
        spec.name: AdministrativeUnit(
            name=spec.name,
            kind=spec.kind,
            committee_name=f"{data.COMMITTEE_PREFIX[spec.kind]} {spec.name}",
            valid_from=spec.valid_from,
            valid_until=spec.valid_until,
            grid_row=data.map_position(spec.name)[0],
            grid_col=data.map_position(spec.name)[1],
        )
        for spec in (*data.UNITS, *data.COMMUNE_UNITS)
    }


#: Areas that lie in Bắc Từ Liêm since the split: their Từ Liêm facilities go there.
NORTH_OF_TU_LIEM = frozenset(spec.name for spec in data.AREAS if spec.unit == data.TU_LIEM_SUCCESSORS[0])


def build_memberships(rng: random.Random, register: Register) -> list[UnitMembership]:
    """Where each facility was: its district (Từ Liêm's facilities, at the 2014 split, in
    Bắc Từ Liêm if their area lies there, else in either half), then from the 2025 reform
    its district's commune-level successor, which becomes its register unit. Every unit
    change is dated, so figures by unit before, between and after hold."""
    units, memberships = register.units, []
    for facility in register.facilities:
        periods: list[tuple[str, dt.date | None]] = [(facility.unit.name, None)]
        if facility.unit.name == data.TU_LIEM:
            area = facility.area.name if facility.area else ""
            north, south = data.TU_LIEM_SUCCESSORS
            periods.append((north if area in NORTH_OF_TU_LIEM else rng.choice((north, south)), data.TU_LIEM_SPLIT))
        periods.append((data.SUCCESSOR_AT_REFORM[periods[-1][0]], data.REFORM))
        for (name, since), (_next, until) in zip(periods, [*periods[1:], (None, None)], strict=True):
            memberships.append(
                UnitMembership(facility=facility, unit=units[name], area=facility.area, since=since, until=until)
            )
        facility.unit = units[periods[-1][0]]  # the register holds where it is now
    return memberships


def build_sectors() -> dict[str, Sector]:
    return {spec.name: Sector(name=spec.name) for spec in data.SECTORS}


def build_areas(units: dict[str, AdministrativeUnit]) -> dict[str, ProductionArea]:
    return {
        spec.name: ProductionArea(name=spec.name, kind=spec.kind, unit=units[spec.unit], products=spec.products)
        for spec in data.AREAS
    }


def build_register(rng: random.Random, total: int) -> Register:
    """The whole register; ``total`` facilities, area sizes scaled from 3,000."""
    units = build_units()
    register = Register(units=units, sectors=build_sectors(), areas=build_areas(units))
    FacilityMaker(rng, register).make(total)
    return register


def unit_for(rng: random.Random, unit_name: str, opened_on: dt.date | None) -> str:
    """The unit a facility is registered in. The register has one unit per
    facility: those opened before the 2014 split (or on an unknown date) keep
    Từ Liêm, those opened after it get Bắc or Nam Từ Liêm."""
    after_split = opened_on is not None and opened_on >= data.TU_LIEM_SPLIT
    if unit_name == data.TU_LIEM and after_split:
        return rng.choice(data.TU_LIEM_SUCCESSORS)
    if unit_name in data.TU_LIEM_SUCCESSORS and not after_split:
        return data.TU_LIEM
    return unit_name


class FacilityMaker:
    """Makes facilities with unique codes and readable Vietnamese names."""

    def __init__(self, rng: random.Random, register: Register) -> None:
        self.rng = rng
        self.register = register
        self.codes: set[str] = {data.ARTISAN_CODE}
        self.names: set[str] = {data.ARTISAN_NAME}
        self.sector_specs = {spec.name: spec for spec in data.SECTORS}

    def make(self, total: int) -> None:
        self._artisan()
        scale = total / data.REFERENCE_SIZE
        for spec in data.AREAS:
            count = max(3, round(spec.weight * scale)) - (spec.name == data.KIM_LAN)
            for _ in range(count):
                self._in_area(spec)
        while len(self.register.facilities) < total:
            self._outside_areas()

    def _artisan(self) -> None:
        """Đào Viết Bình's workshop at Kim Lan, host of the demonstration model."""
        kim_lan = next(spec for spec in data.AREAS if spec.name == data.KIM_LAN)
        self._add(
            kim_lan,
            code=data.ARTISAN_CODE,
            name=data.ARTISAN_NAME,
            sector=data.CERAMICS,
            unit="Gia Lâm",
            kind=Facility.Kind.HOUSEHOLD,
            employees=8,
            in_scope=True,
            opened_on=dt.date(1996, 3, 1),
            closed_on=None,
        )

    def _in_area(self, spec: data.AreaSpec) -> None:
        rng = self.rng
        sector = rng.choices([s for s, _ in spec.sectors], weights=[w for _, w in spec.sectors])[0]
        kind = self._area_kind(spec.kind)
        opened_on, closed_on = self._dates()
        self._add(
            spec,
            code=self._code(kind),
            name=self._name(kind, sector, spec.place, spec.craft),
            sector=sector,
            unit=unit_for(rng, spec.unit, opened_on),
            kind=kind,
            employees=self._employees(kind, spec.kind),
            in_scope=rng.random() >= OUT_OF_SCOPE_SHARE,
            opened_on=opened_on,
            closed_on=closed_on,
        )

    def _outside_areas(self) -> None:
        rng = self.rng
        unit_spec = rng.choices(data.UNITS, weights=[u.weight for u in data.UNITS])[0]
        sector = rng.choices(data.SECTORS, weights=[s.weight for s in data.SECTORS])[0].name
        kind = rng.choices(list(Facility.Kind), weights=(80, 8, 12))[0]
        opened_on, closed_on = self._dates()
        self._add(
            None,
            code=self._code(kind),
            name=self._name(kind, sector, unit_spec.name, ""),
            sector=sector,
            unit=unit_for(rng, unit_spec.name, opened_on),
            kind=kind,
            employees=self._employees(kind, ""),
            in_scope=rng.random() >= OUT_OF_SCOPE_SHARE,
            opened_on=opened_on,
            closed_on=closed_on,
        )

    def _add(self, spec: data.AreaSpec | None, *, sector: str, unit: str, **fields) -> None:
        register = self.register
        facility = Facility(
            sector=register.sectors[sector],
            unit=register.units[unit],
            area=register.areas[spec.name] if spec else None,
            **fields,
        )
        register.facilities.append(facility)
        if spec:
            register.area_spec_of[facility.code] = spec

    def _area_kind(self, area_kind: str) -> str:
        weights = {data.ZONE: (100, 0, 0), data.CLUSTER: (85, 15, 0), data.VILLAGE: (6, 9, 85)}[area_kind]
        return self.rng.choices(list(Facility.Kind), weights=weights)[0]

    def _dates(self) -> tuple[dt.date | None, dt.date | None]:
        """Opening (mostly before the programme, some during it, a few after;
        unknown for some) and, for about 9%, a closing day after it."""
        rng = self.rng
        draw = rng.random()
        if draw < 0.06:
            opened_on = None
        elif draw < 0.80:
            year = 1990 + int(21 * rng.random() ** 0.6)  # more recent years are likelier
            opened_on = random_day(rng, dt.date(year, 1, 1), dt.date(year, 12, 31))
        elif draw < 0.93:
            opened_on = random_day(rng, dt.date(2011, 1, 1), dt.date(2015, 12, 31))
        else:
            opened_on = random_day(rng, dt.date(2016, 1, 1), dt.date(2019, 6, 30))
        if rng.random() >= CLOSED_SHARE:
            return opened_on, None
        earliest = max(dt.date(2011, 3, 1), (opened_on or dt.date.min) + dt.timedelta(days=365))
        return opened_on, random_day(rng, earliest, LAST_CLOSING) if earliest < LAST_CLOSING else None

    def _employees(self, kind: str, area_kind: str) -> int:
        if kind == Facility.Kind.HOUSEHOLD:
            low, high = 2, 12
        elif kind == Facility.Kind.COOPERATIVE:
            low, high = 10, 80
        else:
            low, high = {data.ZONE: (30, 1500), data.CLUSTER: (10, 300)}.get(area_kind, (5, 400))
        return round(math.exp(self.rng.uniform(math.log(low), math.log(high))))

    def _code(self, kind: str) -> str:
        """10 digits like a tax code: enterprises 01… (Hanoi), households 80…"""
        prefix = "80" if kind == Facility.Kind.HOUSEHOLD else "01"
        while True:
            code = f"{prefix}{self.rng.randrange(10**8):08d}"
            if code not in self.codes:
                self.codes.add(code)
                return code

    def _name(self, kind: str, sector: str, place: str, craft: str) -> str:
        rng = self.rng
        if kind == Facility.Kind.HOUSEHOLD:
            middle_names, given_names = rng.choice(data.PERSON_NAMES)
            person = f"{rng.choice(data.FAMILY_NAMES)} {rng.choice(middle_names)} {rng.choice(given_names)}"
            name = f"Hộ sản xuất {craft or self.sector_specs[sector].craft} {person}"
        elif kind == Facility.Kind.COOPERATIVE:
            name = f"Hợp tác xã {craft or self.sector_specs[sector].craft} {rng.choice((place, *data.BRANDS))}"
        else:
            brand = place if rng.random() < 0.25 else rng.choice(data.BRANDS)
            name = f"{rng.choice(data.LEGAL_FORMS)} {rng.choice(self.sector_specs[sector].trades)} {brand}"
        return self._unique(name)

    def _unique(self, name: str) -> str:
        """Names repeat in real registers too, but a demo reads better without."""
        candidate, n = name, 1
        while candidate in self.names:
            n += 1
            candidate = f"{name} {n}"
        self.names.add(candidate)
        return candidate


def build_specialists(units: dict[str, AdministrativeUnit]) -> list[Specialist]:
    return [
        Specialist(unit=units[unit], name=name, position=position, appointed_on=appointed, left_on=left)
        for unit, name, position, appointed, left in data.SPECIALISTS
    ]
