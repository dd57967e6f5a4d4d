"""Keeps each facility's unit memberships (UnitMembership) true to the register.

A facility's memberships tile time: the first has no start, each ends the day
the next begins, and the last (no end) names its register unit and area
(Facility.unit, Facility.area). ``sync()`` restores that after any write of
the register, in a few set-based statements per chunk of facilities:

- a facility without memberships gets one for all time;
- a facility whose last membership names another unit or area than its
  register entry has **moved** when the writer says from when (``moved_on``,
  after that membership began): the membership ends that day and a new one
  begins; otherwise the register entry was **corrected** and the last
  membership takes its unit and area (its past stays as it was).

``move()`` moves facilities on a day: it writes their register entries and
calls sync(). ``plan()`` and ``apply()`` end units (a split, a merge, the
2025 end of districts) and move their facilities to the units that follow,
by a mapping of facility codes or all to one unit. Nothing here opens a
transaction of its own beyond the caller's: a failure undoes the write that
called it.
"""

import datetime
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db import connection, transaction
from django.db.models import Q
from django.utils.translation import gettext, ngettext

from cpdash import bulk
from cpdash.dates import local_day
from facilities.models import AdministrativeUnit, Facility, UnitMembership, facilities_written


def _tables() -> tuple[str, str]:
    qn = connection.ops.quote_name
    return qn(UnitMembership._meta.db_table), qn(Facility._meta.db_table)


def _differs(memberships: str) -> str:
    """SQL: the membership names another unit or area than the register's facility f."""
    return f"({memberships}.unit_id <> f.unit_id OR COALESCE({memberships}.area_id, 0) <> COALESCE(f.area_id, 0))"


def sync(facility_ids: Iterable[int], moved_on: datetime.date | None = None, *, new: bool = False) -> set[int]:
    """Make the memberships of ``facility_ids`` end in their register unit and area (see
    the module's docstring); ``moved_on``: the day the facilities that changed unit or
    area moved (None: their entries were corrected). ``new``: the facilities were just
    created (one membership each for all time, nothing else to compare). The ids whose
    memberships changed."""
    ids = sorted({pk for pk in facility_ids if pk is not None})
    memberships, facilities = _tables()
    changed: set[int] = set()
    with transaction.atomic(savepoint=False), connection.cursor() as cursor:
        if new:
            chains = _chains()
            for condition, params in bulk.id_filter("f.id", ids):
                cursor.execute(
                    f"INSERT INTO {memberships} (facility_id, unit_id, area_id, since, until) "
                    f"SELECT f.id, f.unit_id, f.area_id, NULL, NULL FROM {facilities} f WHERE {condition}",
                    params,
                )
                if chains:
                    _before_formed(cursor, chains, condition, params)
            return set(ids)
        # Memberships and facilities each read by the ids (bulk.id_filter), neither of them whole.
        for condition, params in bulk.id_filter((f"{memberships}.facility_id", "f.id"), ids):
            if moved_on is not None:
                cursor.execute(
                    f"UPDATE {memberships} SET until = %s FROM {facilities} f "
                    f"WHERE {memberships}.facility_id = f.id AND {memberships}.until IS NULL "
                    f"AND {_differs(memberships)} AND ({memberships}.since IS NULL OR {memberships}.since < %s) "
                    f"AND {condition} RETURNING {memberships}.facility_id",
                    [moved_on, moved_on, *params],
                )
                moving = [row[0] for row in cursor.fetchall()]
                for moved, moved_params in bulk.id_filter("f.id", moving) if moving else ():
                    cursor.execute(
                        f"INSERT INTO {memberships} (facility_id, unit_id, area_id, since, until) "
                        f"SELECT f.id, f.unit_id, f.area_id, %s, NULL FROM {facilities} f WHERE {moved}",
                        [moved_on, *moved_params],
                    )
                changed.update(moving)
            cursor.execute(
                f"UPDATE {memberships} SET unit_id = f.unit_id, area_id = f.area_id FROM {facilities} f "
                f"WHERE {memberships}.facility_id = f.id AND {memberships}.until IS NULL "
                f"AND {_differs(memberships)} AND {condition} RETURNING {memberships}.facility_id",
                params,
            )
            changed.update(row[0] for row in cursor.fetchall())
    return changed


@dataclass(frozen=True)
class _Before:
    """A unit ``formed_unit`` formed on ``formed_on`` from the one unit ``earlier_unit`` (valid
    from ``earlier_since``): where its new facilities were before it was formed. ``earliest``:
    ``earlier_unit`` was formed from no one unit in turn, so its membership starts with the
    facility's first day."""

    formed_unit: int
    earlier_unit: int
    earlier_since: datetime.date
    formed_on: datetime.date
    earliest: bool


def _chains() -> list[_Before]:
    """Each unit formed from exactly one other, back through the units that one was formed
    from while each was formed from exactly one (Phường Bắc Từ Liêm ← Bắc Từ Liêm ← Từ Liêm).
    One query (the "formed from" pairs with both units' first days): a city has a few
    hundred units."""
    through = AdministrativeUnit.predecessors.through.objects.values_list(
        "from_administrativeunit_id",
        "to_administrativeunit_id",
        "from_administrativeunit__valid_from",
        "to_administrativeunit__valid_from",
    )
    formed_from: dict[int, list[tuple[int, datetime.date, datetime.date]]] = {}
    for unit, earlier, formed_on, earlier_since in through:
        formed_from.setdefault(unit, []).append((earlier, formed_on, earlier_since))
    chains: list[_Before] = []
    for unit in formed_from:
        current, seen = unit, {unit}
        while len(formed_from.get(current, ())) == 1:
            earlier, formed_on, earlier_since = formed_from[current][0]
            if earlier in seen:  # a cycle in the units' "formed from": stop there
                break
            earliest = len(formed_from.get(earlier, ())) != 1
            chains.append(_Before(unit, earlier, earlier_since, formed_on, earliest))
            current = earlier
            seen.add(earlier)
    return chains


def _chains_sql(chains: list[_Before]) -> tuple[str, list]:
    """The WITH clause naming _chains() as a table ``c``, and its parameters."""
    rows = ", ".join(["(%s, %s, %s, %s, %s)"] * len(chains))
    values = [v for c in chains for v in (c.formed_unit, c.earlier_unit, c.earlier_since, c.formed_on, int(c.earliest))]
    return f"WITH c (formed_unit, earlier_unit, earlier_since, formed_on, earliest) AS (VALUES {rows}) ", values


def _insert_chain(
    cursor, chains: list[_Before], unit: str, condition: str, params: list, *, area: str = "f.area_id", join: str = ""
) -> None:
    """For each facility f (``condition`` over f) that opened before the unit ``unit`` (SQL
    over f) was formed from one other unit, a membership in each unit of the chain before it
    (_chains()), the earliest from the facility's first day, in the production area ``area``
    (SQL over f and what ``join`` joins)."""
    memberships, facilities = _tables()
    formed, values = _chains_sql(chains)
    cursor.execute(
        f"{formed}INSERT INTO {memberships} (facility_id, unit_id, area_id, since, until) "
        f"SELECT f.id, c.earlier_unit, {area}, "
        "CASE WHEN c.earliest = 1 OR f.opened_on >= c.earlier_since THEN NULL ELSE c.earlier_since END, c.formed_on "
        f"FROM {facilities} f {join} JOIN c ON c.formed_unit = {unit} "
        f"WHERE (f.opened_on IS NULL OR f.opened_on < c.formed_on) AND {condition}",
        [*values, *params],
    )


def _before_formed(cursor, chains: list[_Before], condition: str, params: list) -> None:
    """New facilities (``condition`` over f) in a unit formed after they opened (or on an
    unknown day) from one other unit were in that unit before (_chains()): their membership
    in it starts the day it was formed, and one in each unit before it covers the time
    before, from the facility's first day. A unit formed from several others says nothing
    of which one a facility was in: its facilities stay in it from their first day, unless
    the register says (set_earlier())."""
    memberships, facilities = _tables()
    formed, values = _chains_sql(chains)
    # The membership in the unit first (at most one without a start: membership_one_first).
    cursor.execute(
        f"{formed}UPDATE {memberships} "
        f"SET since = (SELECT MAX(c.formed_on) FROM c WHERE c.formed_unit = {memberships}.unit_id) "
        f"WHERE {memberships}.until IS NULL AND {memberships}.since IS NULL "
        f"AND {memberships}.facility_id IN (SELECT f.id FROM {facilities} f JOIN c ON c.formed_unit = f.unit_id "
        f"WHERE (f.opened_on IS NULL OR f.opened_on < c.formed_on) AND {condition})",
        [*values, *params],
    )
    _insert_chain(cursor, chains, "f.unit_id", condition, params)


def set_earlier(earlier: dict[int, list[int]]) -> None:
    """The register says which unit each facility was in before its unit was formed:
    ``earlier`` maps a unit to the ids of the facilities that were in it. Each of those
    facilities' first membership, in its register unit (formed after it opened, from
    several units: which one it was in is not known otherwise), starts the day that unit
    was formed; a membership in the earlier unit covers the time before, from the
    facility's first day, or, when the earlier unit was itself formed after the facility
    opened from one other unit, from that day, with the units before it (_chains()). Those
    earlier memberships take the production area of the facility's first membership in its
    unit (where it was then, not where it is now). The import checks all this before
    (facilities/resources.py). A few statements per earlier unit, whatever the number of
    facilities."""
    memberships, facilities = _tables()
    units = connection.ops.quote_name(AdministrativeUnit._meta.db_table)
    chains = _chains()
    formed_from_one = {link.formed_unit for link in chains}
    # The facility's first membership in its unit, once it starts the day the unit was formed.
    first_there = (
        f"JOIN {units} u ON u.id = f.unit_id JOIN {memberships} m ON m.facility_id = f.id AND m.since = u.valid_from"
    )
    with connection.cursor() as cursor:
        for condition, params in bulk.id_filter("f.id", sorted({pk for ids in earlier.values() for pk in ids})):
            cursor.execute(
                f"UPDATE {memberships} SET since = (SELECT u.valid_from FROM {units} u "
                f"WHERE u.id = {memberships}.unit_id) WHERE {memberships}.since IS NULL "
                f"AND {memberships}.facility_id IN (SELECT f.id FROM {facilities} f WHERE {condition})",
                params,
            )
        for unit_id, ids in sorted(earlier.items()):
            chained = unit_id in formed_from_one
            # Its first day in the earlier unit e: e's first day when e was formed from one unit after
            # the facility opened (the units before it then follow), else none.
            first = (
                "CASE WHEN f.opened_on IS NULL OR f.opened_on < e.valid_from THEN e.valid_from END"
                if chained
                else "NULL"
            )
            for condition, params in bulk.id_filter("f.id", sorted(ids)):
                cursor.execute(
                    f"INSERT INTO {memberships} (facility_id, unit_id, area_id, since, until) "
                    f"SELECT f.id, e.id, m.area_id, {first}, u.valid_from FROM {facilities} f {first_there} "
                    f"JOIN {units} e ON e.id = %s WHERE {condition}",
                    [unit_id, *params],
                )
                if chained:  # the unit's id as a literal: an int
                    _insert_chain(
                        cursor, chains, str(int(unit_id)), condition, params, area="m.area_id", join=first_there
                    )


def ensure(facility_ids: Iterable[int] | None = None) -> int:
    """Give every facility of ``facility_ids`` (every facility when None) without a
    membership one for all time: for rows written without the register's writers
    (fixtures, bulk_create in the demo loader) before the pathway is rebuilt. How many
    memberships it wrote."""
    memberships, facilities = _tables()
    # The facilities without one are found before the first row is written (EXCEPT reads both
    # sides first): a NOT EXISTS over the table being filled, planned as a scan per facility
    # on a table the statistics call empty, re-read the growing table for every row (quadratic:
    # 11 minutes and counting at 1,000,000 facilities).
    sql = (
        f"INSERT INTO {memberships} (facility_id, unit_id, area_id, since, until) "
        f"SELECT f.id, f.unit_id, f.area_id, NULL, NULL FROM {facilities} f "
        f"JOIN (SELECT id FROM {facilities} EXCEPT SELECT facility_id FROM {memberships}) missing "
        f"ON missing.id = f.id"
    )
    written = 0
    with connection.cursor() as cursor:
        if facility_ids is None:
            cursor.execute(sql)
            return cursor.rowcount
        for condition, params in bulk.id_filter("f.id", sorted(set(facility_ids))):
            cursor.execute(f"{sql} WHERE {condition}", params)
            written += cursor.rowcount
    return written


def move(facility_ids: Iterable[int], *, unit_id: int, on: datetime.date, reason: str) -> list[int]:
    """Move the facilities ``facility_ids`` to the unit ``unit_id`` from the day ``on``
    (their memberships before it stay); each keeps its production area if the area
    lies in the new unit, else has none. Writes their register entries with a history
    entry giving ``reason`` and tells the apps that keep derived data
    (facilities_written). The ids of the facilities moved."""
    ids = sorted({pk for pk in facility_ids if pk is not None})
    if not ids:
        return []
    with transaction.atomic():
        facilities = Facility.objects.filter(pk__in=ids)
        facilities.exclude(area__unit_id=unit_id).update(area=None)
        facilities.update(unit_id=unit_id)
        bulk.write_history(Facility, ids, "~", None, reason)
        sync(ids, moved_on=on)
        facilities_written.send(sender=Facility, codes=(), ids=ids, created=None)
    return ids


def facility_saved(sender, instance: Facility, raw: bool = False, **kwargs) -> None:
    """post_save of a facility (admin, forms, tests): its memberships follow its unit
    and area, moved on ``instance.moved_on`` if the writer set it (the admin's "moved
    on" field), else corrected."""
    if not raw:
        sync([instance.pk], moved_on=getattr(instance, "moved_on", None), new=kwargs.get("created", False))


@dataclass
class Reorganisation:
    """Units that end on the day before ``on`` (split, merged or ended), the units that
    take their facilities from ``on`` and which facility goes where: ``moves`` maps a
    successor unit to the ids of the facilities moving there. plan() builds it and says
    what is wrong; apply() writes it."""

    units: list[AdministrativeUnit]
    on: datetime.date
    moves: dict[AdministrativeUnit, list[int]] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)

    @property
    def successors(self) -> list[AdministrativeUnit]:
        return sorted(self.moves, key=lambda unit: unit.name)


def plan(
    units: Iterable[AdministrativeUnit],
    *,
    on: datetime.date,
    default: AdministrativeUnit | None = None,
    mapping: dict[str, str] | None = None,
) -> Reorganisation:
    """What ending ``units`` on the day before ``on`` does: each facility in them then
    (its current membership) moves to the unit ``mapping`` names for its code (a unit's
    official code or name), else to ``default``. 3 queries, plus one per unknown unit name."""
    units = sorted(units, key=lambda unit: unit.name)
    result = Reorganisation(units, on)
    for unit in units:
        if on <= unit.valid_from:
            result.problems.append(
                gettext("%(unit)s was formed on %(start)s: it can only end after that day.")
                % {"unit": unit, "start": local_day(unit.valid_from)}
            )
        elif unit.valid_until is not None and unit.valid_until < on - datetime.timedelta(days=1):
            result.problems.append(
                gettext("%(unit)s already ended on %(end)s.") % {"unit": unit, "end": local_day(unit.valid_until)}
            )
    ended = {unit.pk for unit in units}
    facilities = dict(
        Facility.objects.filter(memberships__until__isnull=True, memberships__unit_id__in=ended).values_list(
            "code", "pk"
        )
    )
    targets: dict[str, AdministrativeUnit] = {}
    wanted = set((mapping or {}).values())
    if wanted:
        candidates = AdministrativeUnit.objects.filter(Q(code__in=wanted) | Q(name__in=wanted)).exclude(pk__in=ended)
        for unit in candidates:
            for key in (unit.code, unit.name):
                if key in wanted:
                    targets.setdefault(key, unit)
    unknown_codes = sorted(set(mapping or {}) - set(facilities))
    if unknown_codes:
        result.problems.append(
            gettext("These facility codes are not in the units that end: %(codes)s.")
            % {"codes": ", ".join(unknown_codes[:20])}
        )
    unknown_units = sorted(wanted - set(targets))
    if unknown_units:
        result.problems.append(
            gettext("Unknown administrative units in the mapping: %(units)s.") % {"units": ", ".join(unknown_units)}
        )
    unmapped = []
    for code, pk in sorted(facilities.items()):
        target = targets.get((mapping or {}).get(code, "")) or default
        if target is None:
            unmapped.append(code)
            continue
        result.moves.setdefault(target, []).append(pk)
    if unmapped:
        result.problems.append(
            ngettext(
                "%(count)d facility has no unit to move to (%(codes)s): list it in the mapping or choose a unit "
                "for the others.",
                "%(count)d facilities have no unit to move to (%(codes)s…): list them in the mapping or choose a "
                "unit for the others.",
                len(unmapped),
            )
            % {"count": len(unmapped), "codes": ", ".join(unmapped[:10])}
        )
    for target in result.moves:
        problem = target.not_valid_reason(on)
        if problem:
            result.problems.append(problem)
    return result


def apply(reorganisation: Reorganisation) -> None:
    """End the units on the day before ``on``, record the successors as formed from
    them, and move the facilities (their past stays in the old units). All or nothing."""
    if reorganisation.problems:
        raise ValueError(reorganisation.problems)
    last_day = reorganisation.on - datetime.timedelta(days=1)
    names = ", ".join(str(unit) for unit in reorganisation.units)
    with transaction.atomic():
        for unit in reorganisation.units:
            unit.valid_until = last_day
            unit.save(update_fields=["valid_until"])
        for successor, ids in reorganisation.moves.items():
            successor.predecessors.add(*reorganisation.units)
            move(ids, unit_id=successor.pk, on=reorganisation.on, reason=f"{names} → {successor} ({reorganisation.on})")
