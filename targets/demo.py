"""The demo programme: Hanoi's CP programme 2011–2020, its phases and targets
(programmes/demo_data.py holds the figures), and the loading of the demo's reference
data (units, sectors, areas, programme, phases, targets) through the admin's imports.
Used by ``load_demo``."""

from collections.abc import Callable
from decimal import Decimal

import tablib
from django.core.management.base import CommandError
from django.db.models import Model
from import_export.results import RowResult

from cpdash.imports import KeyedWrite, RecordResource, RecordResult, row_problems
from facilities.models import AdministrativeUnit, ProductionArea, Sector
from facilities.reference_resources import ProductionAreaResource, SectorResource, UnitResource
from programmes import demo_data as data
from programmes.models import Phase, Programme
from programmes.reference_resources import PhaseResource, ProgrammeResource
from targets.models import Target
from targets.resources import TargetResource


def build_programme() -> tuple[Programme, list[Phase], list[Target]]:
    """Hanoi's CP programme 2011–2020, its two phases and their targets."""
    programme = Programme(
        slug=data.PROGRAMME_SLUG,
        name=data.PROGRAMME_NAME,
        starts_on=data.PHASES[0][1],
        ends_on=data.PHASES[-1][2],
        description=data.PROGRAMME_DESCRIPTION,
    )
    phases = [Phase(programme=programme, name=name, starts_on=s, ends_on=e) for name, s, e in data.PHASES]
    targets = [
        Target(
            phase=phase,
            indicator=indicator,
            target_min=Decimal(low),
            target_max=None if high is None else Decimal(high),
            saving_min=None if saving_min is None else Decimal(saving_min),
            saving_max=None if saving_max is None else Decimal(saving_max),
            deadline=phase.ends_on,
            baseline_on=data.TARGET_BASELINE_ON,
            baseline_value=Decimal(0),
        )
        for phase in phases
        for indicator, low, high, saving_min, saving_max in data.TARGETS[phase.name]
    ]
    return programme, phases, targets


# --- Loading the reference data through the imports -------------------------------------------------


def _dataset(resource_class: type[RecordResource], rows: list[dict]) -> tablib.Dataset:
    columns = resource_class.columns()
    return tablib.Dataset(*([row.get(c) for c in columns] for row in rows), headers=columns)


def _import(resource_class: type[RecordResource], rows: list[dict]) -> RecordResult:
    """``rows`` imported as an admin's file would be (same resource, checks and writes), but
    without history entries (see load_demo.load); CommandError listing the problems if any
    row is refused."""
    # No page shows the rows: the totals and problems alone (cpdash.imports, keep_every_row).
    result = resource_class(html_diff=False).import_data(_dataset(resource_class, rows), history=False)
    problems = row_problems(result, resource_class.columns())
    if problems:
        listed = "; ".join(str(p) for p in problems[:5])
        raise CommandError(f"{resource_class.__name__}: {listed}")
    return result


def _stored(model: type[Model], objs: list[Model], key: Callable[[Model], tuple], result: RecordResult):
    """Gives each built instance the id of its stored row (so that later steps can point
    at it) and says what the import did, as write_by_key() does for the other tables."""
    stored = {key(row): row for row in model.objects.order_by("pk")}
    demo = set()
    for obj in objs:
        row = stored[key(obj)]
        obj.pk, obj._state.adding = row.pk, False
        demo.add(row.pk)
    return KeyedWrite(
        total=len(objs),
        created=result.totals[RowResult.IMPORT_TYPE_NEW],
        updated=result.totals[RowResult.IMPORT_TYPE_UPDATE],
        stale=[row.pk for row in stored.values() if row.pk not in demo],
    )


def _unit_rows(units: list[AdministrativeUnit]) -> list[dict]:
    formed_from = dict.fromkeys(data.TU_LIEM_SUCCESSORS, data.TU_LIEM)
    formed_from.update({successor: district for district, successor in data.SUCCESSOR_AT_REFORM.items()})
    return [
        {
            "code": unit.code,
            "name": unit.name,
            "kind": unit.kind,
            "committee_name": unit.committee_name,
            "parent": unit.parent.name if unit.parent else "",
            "valid_from": unit.valid_from,
            "valid_until": unit.valid_until,
            "predecessors": formed_from.get(unit.name, ""),
            "grid_row": unit.grid_row,
            "grid_col": unit.grid_col,
        }
        for unit in units
    ]


def _target_rows(programme: Programme, targets: list[Target]) -> list[dict]:
    return [
        {
            "programme": programme.slug,
            "phase": target.phase.name,
            "indicator": target.indicator,
            "target_min": target.target_min,
            "target_max": target.target_max,
            "unit": target.unit,
            "deadline": target.deadline,
            "baseline_value": target.baseline_value,
            "baseline_on": target.baseline_on,
            "saving_min": target.saving_min,
            "saving_max": target.saving_max,
            "resource": target.resource,
            "sector": target.sector.name if target.sector else "",
            "unit_scope": target.unit_scope.name if target.unit_scope else "",
            "area_kind": target.area_kind,
            "unit_level": target.unit_level,
        }
        for target in targets
    ]


def import_reference_data(
    units: list[AdministrativeUnit],
    sectors: list[Sector],
    areas: list[ProductionArea],
    programme: Programme,
    phases: list[Phase],
    targets: list[Target],
) -> list[tuple[type[Model], KeyedWrite]]:
    """The demo's units, sectors, areas, programme, phases and targets, loaded through the
    admin's imports (facilities/reference_resources.py, programmes/reference_resources.py,
    targets/resources.py) as datasets; each built instance gets its stored id."""
    steps: list[tuple[type[Model], list[Model], type[RecordResource], list[dict], Callable[[Model], tuple]]] = [
        (AdministrativeUnit, units, UnitResource, _unit_rows(units), lambda u: (u.name, u.kind)),
        (Sector, sectors, SectorResource, [{"name": s.name} for s in sectors], lambda s: (s.name,)),
        (
            ProductionArea,
            areas,
            ProductionAreaResource,
            [{"name": a.name, "kind": a.kind, "unit": a.unit.name, "products": a.products} for a in areas],
            lambda a: (a.name,),
        ),
        (
            Programme,
            [programme],
            ProgrammeResource,
            [
                {
                    "slug": programme.slug,
                    "name": programme.name,
                    "starts_on": programme.starts_on,
                    "ends_on": programme.ends_on,
                    "description": programme.description,
                }
            ],
            lambda p: (p.slug,),
        ),
        (
            Phase,
            phases,
            PhaseResource,
            [
                {"programme": programme.slug, "name": p.name, "starts_on": p.starts_on, "ends_on": p.ends_on}
                for p in phases
            ],
            lambda p: (p.programme_id, p.name),
        ),
        (Target, targets, TargetResource, _target_rows(programme, targets), _target_key),
    ]
    done = []
    for model, objs, resource_class, rows, key in steps:
        for obj in objs:  # the ids of what earlier steps stored
            for field in obj._meta.concrete_fields:
                related = getattr(obj, field.name) if field.is_relation and field.is_cached(obj) else None
                if related is not None:
                    setattr(obj, field.attname, related.pk)
        done.append((model, _stored(model, objs, key, _import(resource_class, rows))))
    return done


def _target_key(target: Target) -> tuple:
    return (
        target.phase_id,
        target.indicator,
        target.sector_id,
        target.unit_scope_id,
        target.area_kind,
        target.resource,
    )
