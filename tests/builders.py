"""Builders for domain objects with sensible defaults; override any field.

Plain functions (not factories from a library): each returns a saved object.
"""

import datetime as dt
import itertools

from facilities.models import AdministrativeUnit, Facility, ProductionArea, Sector
from programmes import pathway
from programmes.models import (
    Attendance,
    DemonstrationModel,
    OutreachActivity,
    Phase,
    Programme,
    Replication,
    ResourceSaving,
    Solution,
    Specialist,
    Survey,
)
from targets.models import Target

_seq = itertools.count(1)


def unit(name: str | None = None, **kw) -> AdministrativeUnit:
    kw.setdefault("kind", AdministrativeUnit.Kind.RURAL_DISTRICT)
    kw.setdefault("valid_from", dt.date(2008, 8, 1))
    return AdministrativeUnit.objects.create(name=name or f"Unit {next(_seq)}", **kw)


def sector(name: str | None = None) -> Sector:
    return Sector.objects.create(name=name or f"Sector {next(_seq)}")


def area(name: str | None = None, **kw) -> ProductionArea:
    kw.setdefault("kind", ProductionArea.Kind.CRAFT_VILLAGE)
    if "unit" not in kw:
        kw["unit"] = unit()
    return ProductionArea.objects.create(name=name or f"Area {next(_seq)}", **kw)


def facility(**kw) -> Facility:
    n = next(_seq)
    kw.setdefault("code", f"F{n:06d}")
    kw.setdefault("name", f"Facility {n}")
    if "sector" not in kw:
        kw["sector"] = sector()
    if "unit" not in kw:
        kw["unit"] = unit()
    return Facility.objects.create(**kw)


def activity(facilities=(), **kw) -> OutreachActivity:
    kw.setdefault("kind", OutreachActivity.Kind.WORKSHOP)
    kw.setdefault("title", f"Workshop {next(_seq)}")
    kw.setdefault("held_on", dt.date(2012, 6, 1))
    obj = OutreachActivity.objects.create(**kw)
    Attendance.objects.bulk_create(Attendance(activity=obj, facility=f) for f in facilities)
    pathway.touch_records([obj])  # bulk_create sends no signals: as every bulk write does
    return obj


def survey(facility_obj: Facility | None = None, **kw) -> Survey:
    kw.setdefault("surveyed_on", dt.date(2012, 6, 1))
    return Survey.objects.create(facility=facility_obj or facility(), **kw)


def solution(
    facility_obj: Facility | None = None, savings: dict | None = None, evidence: str = "self_reported", **kw
) -> Solution:
    """``savings`` maps resource → (baseline, after), e.g. {"energy": (100, 94)}, each known on
    ``evidence``; ``stage="verified"`` needs ``verified_on``."""
    kw.setdefault("implemented_on", dt.date(2012, 9, 1))
    kw.setdefault("category", "good_housekeeping")
    kw.setdefault("description", "Insulate the kiln")
    obj = Solution.objects.create(facility=facility_obj or facility(), **kw)
    for resource, (baseline, after) in (savings or {}).items():
        ResourceSaving.objects.create(
            solution=obj, resource=resource, unit="kWh", baseline=baseline, after=after, evidence=evidence
        )
    return obj


def specialist(unit_obj: AdministrativeUnit | None = None, **kw) -> Specialist:
    kw.setdefault("name", f"Specialist {next(_seq)}")
    kw.setdefault("appointed_on", dt.date(2012, 1, 1))
    return Specialist.objects.create(unit=unit_obj or unit(), **kw)


def demonstration(host: Facility | None = None, replicated_at=(), **kw) -> DemonstrationModel:
    kw.setdefault("name", f"Model {next(_seq)}")
    kw.setdefault("technology", "gas-fired kiln")
    kw.setdefault("started_on", dt.date(2012, 3, 1))
    obj = DemonstrationModel.objects.create(host=host or facility(), **kw)
    for f in replicated_at:
        Replication.objects.create(model=obj, facility=f, replicated_on=kw["started_on"] + dt.timedelta(days=90))
    return obj


def programme(slug: str = "hanoi-cp", **kw) -> Programme:
    kw.setdefault("name", "Hanoi CP programme")
    kw.setdefault("starts_on", dt.date(2011, 1, 1))
    kw.setdefault("ends_on", dt.date(2020, 12, 31))
    return Programme.objects.create(slug=slug, **kw)


def phase(programme_obj: Programme | None = None, **kw) -> Phase:
    kw.setdefault("name", "to 2015")
    kw.setdefault("starts_on", dt.date(2011, 1, 1))
    kw.setdefault("ends_on", dt.date(2015, 12, 31))
    return Phase.objects.create(programme=programme_obj or programme(), **kw)


def target(phase_obj: Phase | None = None, **kw) -> Target:
    kw.setdefault("indicator", "awareness")
    kw.setdefault("target_min", 50)
    kw.setdefault("deadline", dt.date(2015, 12, 31))
    return Target.objects.create(phase=phase_obj or phase(), **kw)
