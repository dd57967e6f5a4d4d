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

``move()`` moves facilities on a day (a unit split, merged or ended): it
writes their register entries and calls sync(). Nothing here opens a
transaction of its own beyond the caller's: a failure undoes the write that
called it.
"""

import datetime
from collections.abc import Iterable

from django.db import connection, transaction

from cpdash import bulk
from facilities.models import Facility, UnitMembership, facilities_written


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
        for condition, params in bulk.id_filter("f.id", ids):
            if new:
                cursor.execute(
                    f"INSERT INTO {memberships} (facility_id, unit_id, area_id, since, until) "
                    f"SELECT f.id, f.unit_id, f.area_id, NULL, NULL FROM {facilities} f WHERE {condition}",
                    params,
                )
                changed.update(ids)
                continue
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


def ensure(facility_ids: Iterable[int] | None = None) -> None:
    """Give every facility of ``facility_ids`` (every facility when None) without a
    membership one for all time: for rows written without the register's writers
    (fixtures, bulk_create in the demo loader) before the pathway is rebuilt."""
    memberships, facilities = _tables()
    sql = (
        f"INSERT INTO {memberships} (facility_id, unit_id, area_id, since, until) "
        f"SELECT f.id, f.unit_id, f.area_id, NULL, NULL FROM {facilities} f "
        f"WHERE NOT EXISTS (SELECT 1 FROM {memberships} e WHERE e.facility_id = f.id)"
    )
    with connection.cursor() as cursor:
        if facility_ids is None:
            cursor.execute(sql)
            return
        for condition, params in bulk.id_filter("f.id", sorted(set(facility_ids))):
            cursor.execute(f"{sql} AND {condition}", params)


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
