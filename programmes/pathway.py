"""Keeps the CP pathway (FacilityPathway, SavingStep) true on every write.

The pathway holds, per facility, the first day of each milestone and the
steps of its best measured saving, derived from its records alone. One
function derives them, ``refresh(facility_ids)``: it deletes those
facilities' rows and writes them again from the records, in SQL. Every
write to a record calls it for the facilities the write touched, in the
same transaction:

- ``save()`` and ``delete()`` of a record (staff forms, admin, cascades,
  queryset deletes) through the signal handlers below;
- bulk writes (imports, the demo loader, the attendance rows of a form),
  which send no signals, through ``touch_records()``.

Inside ``deferred()`` the facilities are collected and refreshed once, when
the block ends (an import of 50,000 attendances refreshes each facility
once, not once per row). ``rebuild()`` is refresh() for every facility:
``manage.py rebuild_pathway`` and the tests that compare the two.

Reads never write here. Why this is not a cache that can go stale:
docs/indicators.md, "The pathway".
"""

import contextlib
import contextvars
import datetime
from collections.abc import Iterable, Iterator
from decimal import Decimal

from django.db import DatabaseError, connection, models, transaction
from django.db.models.signals import post_delete, post_init, post_save

from cpdash import bulk, history
from cpdash.database import analyze
from facilities import membership
from facilities.models import Facility, ProductionArea, UnitMembership, facilities_written
from programmes.models import (
    CONTACT_YEARS,
    EVIDENCE_RANK,
    Attendance,
    AwarenessRecord,
    DemonstrationModel,
    Evidence,
    FacilityPathway,
    OutreachActivity,
    Replication,
    ResourceSaving,
    SavingStep,
    SavingStepBase,
    Solution,
    Stage,
    Survey,
    TechnicalSupport,
    VerifiedSavingStep,
)

#: Facilities refreshed per statement (SQLite allows 32,766 parameters; each id appears 11 times).
CHUNK = 1000

#: Per milestone column: the record rows (facility_id, day) it is the earliest of, as SQL.
#: ``{where…}`` become "" or a filter on the facility ids being refreshed.
_SOURCES: dict[str, str] = {
    "attended_on": (
        "SELECT a.facility_id AS facility_id, o.held_on AS day FROM {attendance} a "
        "JOIN {activity} o ON o.id = a.activity_id {where_a}"
    ),
    "awareness_recorded_on": "SELECT facility_id AS facility_id, recorded_on AS day FROM {awareness} {where}",
    "surveyed_on": "SELECT facility_id AS facility_id, surveyed_on AS day FROM {survey} {where}",
    "supported_on": (
        # A support whose day is not known counts from its survey's.
        "SELECT s.facility_id AS facility_id, COALESCE(t.given_on, s.surveyed_on) AS day FROM {support} t "
        "JOIN {survey} s ON s.id = t.survey_id {where_s}"
    ),
    # A solution only identified is not applying CP (docs/indicators.md, "Evidence of a saving").
    "applying_on": (
        f"SELECT facility_id AS facility_id, implemented_on AS day FROM {{solution}} {{where_and}} "
        f"stage <> '{Stage.IDENTIFIED}'"
    ),
    "measured_on": (
        "SELECT s.facility_id AS facility_id, s.implemented_on AS day FROM {solution} s {where_s_and} "
        f"s.stage <> '{Stage.IDENTIFIED}' AND EXISTS ("
        "SELECT 1 FROM {saving} r WHERE r.solution_id = s.id AND r.saving_percent IS NOT NULL)"
    ),
    "verified_on": (
        "SELECT facility_id AS facility_id, verified_on AS day FROM {solution} {where_and} verified_on IS NOT NULL"
    ),
    "hosted_on": "SELECT host_id AS facility_id, started_on AS day FROM {demonstration} {where_host}",
    "replicated_on": "SELECT facility_id AS facility_id, replicated_on AS day FROM {replication} {where}",
    # Not a milestone of its own: a solution identified with the facility is a contact.
    "identified_on": (
        f"SELECT facility_id AS facility_id, implemented_on AS day FROM {{solution}} {{where_and}} "
        f"stage = '{Stage.IDENTIFIED}'"
    ),
}
#: Sources that only count as a contact, with no pathway column.
CONTACT_ONLY = ("identified_on",)
#: The milestones that are a contact with the facility: "aware" is the earliest of them
#: (support, a measured saving and a verification come with a survey and a solution).
CONTACTS = (
    "attended_on",
    "awareness_recorded_on",
    "surveyed_on",
    "applying_on",
    "hosted_on",
    "replicated_on",
    *CONTACT_ONLY,
)
#: The pathway's milestone columns.
MILESTONES = tuple(name for name in _SOURCES if name not in CONTACT_ONLY)
#: Each source's index in the UNION of records (its "kind").
_KINDS = {name: kind for kind, name in enumerate(_SOURCES)}

_TABLES = {
    "attendance": Attendance,
    "activity": OutreachActivity,
    "awareness": AwarenessRecord,
    "survey": Survey,
    "support": TechnicalSupport,
    "solution": Solution,
    "saving": ResourceSaving,
    "demonstration": DemonstrationModel,
    "replication": Replication,
}


#: The register's fields copied to the pathway: (pathway column, SQL over membership u,
#: facility f and area a). Opening and closing are narrowed to the membership (FacilityPathway).
_REGISTER = (
    ("facility_id", "f.id"),
    ("since", "u.since"),
    ("until", "u.until"),
    ("in_scope", "f.in_scope"),
    (
        "opened_on",
        "CASE WHEN u.since IS NULL OR (f.opened_on IS NOT NULL AND f.opened_on >= u.since) "
        "THEN f.opened_on ELSE u.since END",
    ),
    (
        "closed_on",
        "CASE WHEN u.until IS NULL OR (f.closed_on IS NOT NULL AND f.closed_on <= u.until) "
        "THEN f.closed_on ELSE u.until END",
    ),
    ("sector_id", "f.sector_id"),
    ("unit_id", "u.unit_id"),
    ("area_id", "u.area_id"),
    ("area_kind", "COALESCE(a.kind, '')"),
    ("kind", "f.kind"),
)
#: The facility fields (attnames) _REGISTER copies, directly (f.…) or through the memberships
#: (unit and area, which the memberships follow): a change of any other field (name, code,
#: employees…) leaves the pathway as it was.
_REGISTER_SOURCES = frozenset({"in_scope", "opened_on", "closed_on", "sector_id", "unit_id", "area_id", "kind"})


def _register_from() -> str:
    """FROM the memberships u of facilities f with their areas a: one pathway row each."""
    qn = connection.ops.quote_name
    return (
        f"FROM {qn(UnitMembership._meta.db_table)} u JOIN {qn(Facility._meta.db_table)} f ON f.id = u.facility_id "
        f"LEFT JOIN {qn(ProductionArea._meta.db_table)} a ON a.id = u.area_id"
    )


def _milestones_sql(ids: list[int] | None) -> tuple[str, list[int]]:
    """INSERT … SELECT of the pathway rows of the facilities ``ids`` (every facility when
    None): their register fields, and one pass over their records grouped by facility,
    in SQL that SQLite and PostgreSQL share."""
    qn = connection.ops.quote_name
    tables = {name: qn(model._meta.db_table) for name, model in _TABLES.items()}
    marks = ", ".join(["%s"] * len(ids)) if ids is not None else ""

    def where(column: str) -> str:
        return f"WHERE {column} IN ({marks})" if ids is not None else ""

    filters = {
        "where": where("facility_id"),
        "where_a": where("a.facility_id"),
        "where_s": where("s.facility_id"),
        "where_host": where("host_id"),
        "where_s_and": f"{where('s.facility_id')} AND" if ids is not None else "WHERE",
        "where_and": f"{where('facility_id')} AND" if ids is not None else "WHERE",
    }
    union = " UNION ALL ".join(
        f"SELECT {kind} AS kind, facility_id, day FROM ({sql.format(**tables, **filters)}) AS p{kind}"
        for kind, sql in enumerate(_SOURCES.values())
    )
    contacts = ", ".join(str(_KINDS[name]) for name in CONTACTS)
    firsts = [f"MIN(CASE WHEN kind = {_KINDS[name]} THEN day END) AS m{_KINDS[name]}" for name in MILESTONES]
    firsts.append(f"MIN(CASE WHEN kind IN ({contacts}) THEN day END) AS aware")
    # The years with a contact: the sum of their distinct bits (an OR that SQLite has too).
    year = (
        "CAST(EXTRACT(YEAR FROM day) AS INTEGER)"
        if connection.vendor == "postgresql"
        else "CAST(strftime('%%Y', day) AS INTEGER)"
    )
    first, last = CONTACT_YEARS[0], CONTACT_YEARS[-1]
    bit = (
        f"CASE WHEN kind IN ({contacts}) AND {year} BETWEEN {first} AND {last} "
        f"THEN CAST(1 AS BIGINT) << ({year} - {first}) END"
    )
    firsts.append(f"CAST(SUM(DISTINCT {bit}) AS BIGINT) AS years")
    records = f"SELECT facility_id, {', '.join(firsts)} FROM ({union}) AS records GROUP BY facility_id"
    columns = ("membership_id", *(c for c, _ in _REGISTER), *MILESTONES, "aware_on", "contact_years")
    names = ", ".join(qn(name) for name in columns)
    values = ", ".join(
        [
            "u.id",
            *(sql for _, sql in _REGISTER),
            *(f"m.m{_KINDS[name]}" for name in MILESTONES),
            "m.aware",
            "COALESCE(m.years, 0)",
        ]
    )
    sql = (
        f"INSERT INTO {qn(FacilityPathway._meta.db_table)} ({names}) SELECT {values} "
        f"{_register_from()} LEFT JOIN ({records}) m ON m.facility_id = f.id {where('f.id')}"
    )
    return sql, (ids * (len(_SOURCES) + 1) if ids is not None else [])


def _write_milestones(ids: list[int] | None) -> None:
    sql, params = _milestones_sql(ids)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def _steps(
    rows: Iterable[tuple[int, str, datetime.date, Decimal, str]], model: type[SavingStepBase] = SavingStep
) -> list[SavingStepBase]:
    """The ``model`` rows (SavingStep, VerifiedSavingStep) of (facility id, resource, day,
    largest saving that day, its evidence), ordered by facility, resource and day; each
    facility also gets the steps of "any resource" (""). A step's evidence is the
    strongest among the savings equal to its best on its first day. Without their
    pathway row (see _write_steps())."""
    best: dict[tuple[int, str], SavingStepBase] = {}
    per_day: dict[tuple[int, datetime.date], tuple[Decimal, int]] = {}
    steps: list[SavingStepBase] = []

    def step(facility_id: int, resource: str, day: datetime.date, value: Decimal, evidence: str) -> None:
        last = best.get((facility_id, resource))
        if last is not None and value <= last.best:
            if last.since == day and value == last.best and EVIDENCE_RANK[evidence] > EVIDENCE_RANK[last.evidence]:
                last.evidence = evidence  # as large, on stronger evidence, the same day
            return
        if last is not None and last.since == day:
            last.best, last.evidence = value, evidence  # a larger saving the same day: the same step
            return
        new = model(
            facility_id=facility_id,
            resource=resource,
            since=day,
            best=value,
            previous=last.best if last else None,
            evidence=evidence,
        )
        if last is not None:
            last.until = day
        best[(facility_id, resource)] = new
        steps.append(new)

    for facility_id, resource, day, value, evidence in rows:
        step(facility_id, resource, day, value, evidence)
        strength = (value, EVIDENCE_RANK[evidence])
        per_day[(facility_id, day)] = max(strength, per_day.get((facility_id, day), strength))
    for (facility_id, day), (value, rank) in sorted(per_day.items()):
        step(facility_id, "", day, value, Evidence.values[rank])
    return steps


def _write_steps(ids: list[int] | None) -> None:
    """The saving steps of ``ids`` (all when None), from one read of their savings: SavingStep
    of every solution that applies CP (not only identified), from its implementation;
    VerifiedSavingStep of verified solutions, from the day each was verified."""
    savings = ResourceSaving.objects.filter(saving_percent__isnull=False).exclude(solution__stage=Stage.IDENTIFIED)
    if ids is not None:
        savings = savings.filter(solution__facility_id__in=ids)
    columns = ("solution__facility_id", "resource", "solution__implemented_on", "solution__verified_on", "evidence")
    rows = list(
        savings.values_list(*columns)
        .annotate(value=models.Max("saving_percent"))
        .values_list(*columns, "value")
        .order_by("solution__facility_id", "resource", "solution__implemented_on")
    )
    steps = _steps(((f, r, day, value, evidence) for f, r, day, _v, evidence, value in rows), SavingStep)
    verified = sorted(
        ((f, r, day, value, evidence) for f, r, _i, day, evidence, value in rows if day is not None),
        key=lambda row: row[:3],
    )
    steps += _steps(verified, VerifiedSavingStep)
    if not steps:
        return  # most refreshes: no measured saving, no need to read the pathway rows
    rows_of: dict[int, list[int]] = {}
    pathways = FacilityPathway.objects.order_by().values_list("facility_id", "membership_id")
    if ids is not None:  # refresh() passes at most CHUNK ids
        pathways = pathways.filter(facility_id__in={step.facility_id for step in steps})
    for facility_id, membership_id in pathways:
        rows_of.setdefault(facility_id, []).append(membership_id)
    # One copy of each step per pathway row of its facility (a facility that never moved has one).
    for model in (SavingStep, VerifiedSavingStep):
        copies = [
            model(pathway_id=pathway_id, **{f: getattr(step, f) for f in _STEP_FIELDS})
            for step in steps
            if type(step) is model
            for pathway_id in rows_of.get(step.facility_id, ())
        ]
        if copies:
            model.objects.bulk_create(copies, batch_size=2000)  # one row per measured day: few


_STEP_FIELDS = ("facility_id", "resource", "since", "until", "best", "previous", "evidence")


def _delete_rows(ids: list[int] | None) -> None:
    """Delete the saving steps and pathway rows of ``ids`` (all when None): one plain DELETE
    each (Django's cascade would read the rows first; nothing else points at them)."""
    qn = connection.ops.quote_name
    where = f" WHERE facility_id IN ({', '.join(['%s'] * len(ids))})" if ids is not None else ""
    with connection.cursor() as cursor:
        for model in (SavingStep, VerifiedSavingStep, FacilityPathway):
            cursor.execute(f"DELETE FROM {qn(model._meta.db_table)}{where}", ids or [])


def refresh(facility_ids: Iterable[int]) -> None:
    """Write the pathway rows and saving steps of ``facility_ids`` again from their records."""
    ids = sorted({pk for pk in facility_ids if pk is not None})
    if not ids:
        return
    # No savepoint of its own: a failure here must undo the write that called it.
    with transaction.atomic(savepoint=False):
        for start in range(0, len(ids), CHUNK):
            chunk = ids[start : start + CHUNK]
            _delete_rows(chunk)
            _write_milestones(chunk)
            _write_steps(chunk)


def _register_columns() -> tuple[str, str]:
    """The pathway's register columns and their SQL over facility f and area a."""
    qn = connection.ops.quote_name
    return ", ".join(qn(c) for c, _ in _REGISTER), ", ".join(sql for _, sql in _REGISTER)


def register_created(facility_ids: Iterable[int]) -> None:
    """The pathway rows of facilities just created (with their memberships): their
    register fields, and no milestone (no record can name a facility that did not
    exist). One INSERT … SELECT (SQLite: per cpdash.bulk.IN_CHUNK ids), for imports of
    new facilities; refresh() would compute the same rows after looking for their records."""
    ids = sorted({pk for pk in facility_ids if pk is not None})
    qn = connection.ops.quote_name
    names, values = _register_columns()
    with connection.cursor() as cursor:
        for condition, params in bulk.id_filter(("u.facility_id", "f.id"), ids):
            cursor.execute(
                f"INSERT INTO {qn(FacilityPathway._meta.db_table)} ({qn('membership_id')}, {names}) "
                f"SELECT u.id, {values} {_register_from()} WHERE {condition}",
                params,
            )


def register_changed(facility_ids: Iterable[int]) -> None:
    """The register fields of these facilities changed, not their records: copy the
    fields to their pathway rows (one UPDATE … FROM; SQLite per cpdash.bulk.IN_CHUNK ids).
    A facility with a membership that has no pathway row yet (it moved) gets refresh()."""
    ids = sorted({pk for pk in facility_ids if pk is not None})
    qn = connection.ops.quote_name
    table = qn(FacilityPathway._meta.db_table)
    memberships = qn(UnitMembership._meta.db_table)
    assignments = ", ".join(f"{qn(column)} = {sql}" for column, sql in _REGISTER if column != "facility_id")
    missing: set[int] = set()
    with connection.cursor() as cursor:
        for condition, params in bulk.id_filter((f"{table}.facility_id", "u.facility_id", "f.id"), ids):
            cursor.execute(
                f"UPDATE {table} SET {assignments} {_register_from()} "
                f"WHERE {table}.membership_id = u.id AND {condition}",
                params,
            )
        for (rows, row_params), (members, member_params) in bulk.id_filters(("p.facility_id", "u.facility_id"), ids):
            cursor.execute(
                f"SELECT DISTINCT u.facility_id FROM {memberships} u LEFT JOIN {table} p ON p.membership_id = u.id "
                f"AND {rows} WHERE p.membership_id IS NULL AND {members}",
                [*row_params, *member_params],
            )
            missing.update(row[0] for row in cursor.fetchall())
    refresh(missing)


def rebuild() -> None:
    """Write the whole pathway again from the records (manage.py rebuild_pathway)."""
    with transaction.atomic():
        if membership.ensure():
            # Memberships written for a register loaded without them (bench, fixtures): without
            # statistics the planner takes the table for empty and joins it row by row (51 s
            # instead of 1 s at 100,000 facilities).
            analyze(UnitMembership)
        _delete_rows(None)
        _write_milestones(None)
        _write_steps(None)


def derive_in_migration(apps) -> None:
    """For migrations (their RunPython, with their ``apps``): rebuild() the pathway when
    facilities are stored and the pathway is empty (its tables were just recreated).

    rebuild() is today's code and reads today's columns: run by a migration older than
    the latest schema it can fail. It then writes nothing (a savepoint) and a later
    migration that calls this too derives the pathway (0013_evidence_levels does, last).
    """
    if not apps.get_model("facilities", "Facility").objects.exists():
        return
    if apps.get_model("programmes", "FacilityPathway").objects.exists():
        return
    try:
        with transaction.atomic():
            rebuild()
    except DatabaseError:
        return  # an older schema than today's code: a later migration derives it


# --- Which facilities a write touches -----------------------------------------------------------

_pending: contextvars.ContextVar[set[int] | None] = contextvars.ContextVar("pathway_pending", default=None)


@contextlib.contextmanager
def deferred() -> Iterator[None]:
    """Collect the facilities that writes in the block touch and refresh them once at its end.

    Runs in a transaction: the records and the pathway are written together or not at all.
    Nested blocks join the outermost one.
    """
    if _pending.get() is not None:
        yield
        return
    pending: set[int] = set()
    token = _pending.set(pending)
    try:
        with transaction.atomic():
            yield
            _pending.set(None)
            refresh(pending)
    finally:
        _pending.set(None)
        _pending.reset(token)


def touch(facility_ids: Iterable[int]) -> None:
    """The facilities' records changed: refresh them now, or at the end of deferred()."""
    pending = _pending.get()
    if pending is not None:
        pending.update(pk for pk in facility_ids if pk is not None)
    else:
        refresh(facility_ids)


def facility_ids_of(record: models.Model) -> set[int]:
    """The facilities whose pathway ``record`` counts in: now and before its last save."""
    ids = {getattr(record, "_pathway_facility", None)}
    if isinstance(record, OutreachActivity):
        ids |= set(Attendance.objects.filter(activity_id=record.pk).values_list("facility_id", flat=True))
    elif isinstance(record, DemonstrationModel):
        ids.add(record.host_id)
    elif isinstance(record, TechnicalSupport):
        ids |= set(Survey.objects.filter(pk=record.survey_id).values_list("facility_id", flat=True))
    elif isinstance(record, ResourceSaving):
        ids |= set(Solution.objects.filter(pk=record.solution_id).values_list("facility_id", flat=True))
    else:
        ids.add(record.facility_id)
    ids.discard(None)
    return ids


def touch_records(records: Iterable[models.Model]) -> None:
    """Bulk writes send no signals: call this with the records written (created, changed)."""
    ids: set[int] = set()
    by_survey: set[int] = set()
    by_solution: set[int] = set()
    by_activity: set[int] = set()
    for record in records:
        if type(record) not in TRACKED:
            continue  # options, specialists: not on the pathway
        if isinstance(record, TechnicalSupport):
            by_survey.add(record.survey_id)
        elif isinstance(record, ResourceSaving):
            by_solution.add(record.solution_id)
        elif isinstance(record, OutreachActivity):
            by_activity.add(record.pk)
        elif isinstance(record, DemonstrationModel):
            ids.add(record.host_id)
        else:
            ids.add(record.facility_id)
    if by_survey:
        ids |= set(Survey.objects.filter(pk__in=by_survey).values_list("facility_id", flat=True))
    if by_solution:
        ids |= set(Solution.objects.filter(pk__in=by_solution).values_list("facility_id", flat=True))
    if by_activity:
        ids |= set(Attendance.objects.filter(activity_id__in=by_activity).values_list("facility_id", flat=True))
    touch(ids)


# --- Signals: every save() and delete() of a record -----------------------------------------------

#: Records and the field whose value before a save also needs a refresh (the record moved).
TRACKED: dict[type[models.Model], str | None] = {
    Attendance: "facility_id",
    AwarenessRecord: "facility_id",
    Survey: "facility_id",
    Solution: "facility_id",
    Replication: "facility_id",
    DemonstrationModel: "host_id",
    TechnicalSupport: None,
    ResourceSaving: None,
    OutreachActivity: None,
}


def _remember(sender, instance, **kwargs) -> None:
    field = TRACKED[sender]
    if field:
        instance._pathway_facility = instance.__dict__.get(field)


def _changed(sender, instance, **kwargs) -> None:
    if kwargs.get("raw"):
        return  # loaddata: rebuild_pathway afterwards
    if kwargs.get("created") and sender is OutreachActivity:
        return  # a new activity has no attendance yet
    touch(facility_ids_of(instance))
    _remember(sender, instance)


def _facility_saved(sender, instance, **kwargs) -> None:
    if not kwargs.get("raw"):
        touch([instance.pk])


def _area_saved(sender, instance, **kwargs) -> None:
    if not kwargs.get("raw"):  # its kind is copied to its facilities' rows
        touch(UnitMembership.objects.filter(area=instance).values_list("facility_id", flat=True))


def _facilities_written(sender, codes, ids=None, created=None, fields=None, **kwargs) -> None:
    """Facilities written in bulk: ``codes``, or their ``ids`` when the sender knows them.
    ``created`` True: they are new; False: only their register fields changed (an
    import), ``fields`` (when given) those that did; None: anything may have changed.
    Inside deferred() they wait for its end."""
    if created is False and fields is not None and not fields & _REGISTER_SOURCES:
        return  # names, codes, employees…: nothing the pathway holds
    if ids is None:
        ids = list(Facility.objects.filter(code__in=codes).values_list("pk", flat=True))
    if _pending.get() is not None or created is None:
        touch(ids)
    elif created:
        register_created(ids)
    else:
        register_changed(ids)


def _membership_written(sender, instance, **kwargs) -> None:
    if not kwargs.get("raw"):  # an admin's correction of where a facility was
        touch([instance.facility_id])


def _rows_restored(sender, rows, **kwargs) -> None:
    """cpdash.history restored the rows a deletion took with its record, in bulk."""
    touch_records(rows)


def connect() -> None:
    """Called once from ProgrammesConfig.ready(), after facilities' receivers (which keep
    the memberships a refresh reads)."""
    post_save.connect(_facility_saved, sender=Facility, dispatch_uid="pathway-facility")
    post_save.connect(_membership_written, sender=UnitMembership, dispatch_uid="pathway-membership-save")
    post_delete.connect(_membership_written, sender=UnitMembership, dispatch_uid="pathway-membership-delete")
    post_save.connect(_area_saved, sender=ProductionArea, dispatch_uid="pathway-area")
    facilities_written.connect(_facilities_written, dispatch_uid="pathway-facilities-written")
    history.rows_restored.connect(_rows_restored, dispatch_uid="pathway-rows-restored")
    for model in TRACKED:
        uid = f"pathway-{model._meta.label_lower}"
        post_init.connect(_remember, sender=model, dispatch_uid=f"{uid}-init")
        post_save.connect(_changed, sender=model, dispatch_uid=f"{uid}-save")
        post_delete.connect(_changed, sender=model, dispatch_uid=f"{uid}-delete")
