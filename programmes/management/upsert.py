"""Write unsaved model instances by natural key: insert the new, update the
changed, leave the rest, and report the table's other rows ("stale": from an
older version of the demo, or entered by hand) without touching them.
What makes ``load_demo`` idempotent while keeping the ids of unchanged rows.
"""

from collections.abc import Sequence
from dataclasses import dataclass, field

from django.db import models

from cpdash.models import Searchable

BATCH_SIZE = 500


@dataclass
class UpsertResult:
    total: int = 0
    created: int = 0
    updated: int = 0
    stale: list[int] = field(default_factory=list)  # pks of the table's rows not in ``objs``


def upsert(model: type[models.Model], objs: Sequence[models.Model], key: Sequence[str]) -> UpsertResult:
    """Save ``objs`` (unsaved instances of ``model``) matched on the fields of
    ``key``; sets each object's pk. Foreign keys may point at instances saved
    earlier in the same load. Raises ValueError on a key repeated in ``objs``."""
    fields = [f for f in model._meta.concrete_fields if not f.primary_key and not f.generated]
    key_attnames = [model._meta.get_field(name).attname for name in key]
    for obj in objs:
        _sync_foreign_keys(obj, fields)
        if isinstance(obj, Searchable):
            obj.refresh_search_text()  # bulk writes skip save()
    existing, duplicates = _existing_rows(model, key_attnames, fields)
    new, changed, seen = [], [], set()
    for obj in objs:
        obj_key = tuple(getattr(obj, name) for name in key_attnames)
        if obj_key in seen:
            raise ValueError(f"{model.__name__}: key {obj_key} appears twice in the demo data")
        seen.add(obj_key)
        row = existing.get(obj_key)
        if row is None:
            new.append(obj)
            continue
        obj.pk = row["pk"]
        obj._state.adding = False
        if any(getattr(obj, f.attname) != row[f.attname] for f in fields):
            changed.append(obj)
    # Plain bulk writes, no simple-history entries: demo data, loaded by a command
    # with no user, would only bury real changes (imports and forms record theirs).
    model.objects.bulk_create(new, batch_size=BATCH_SIZE)
    if changed:
        model.objects.bulk_update(changed, [f.name for f in fields], batch_size=BATCH_SIZE)
    stale = [row["pk"] for row_key, row in existing.items() if row_key not in seen] + duplicates
    return UpsertResult(total=len(objs), created=len(new), updated=len(changed), stale=stale)


def _existing_rows(
    model: type[models.Model], key_attnames: list[str], fields: list[models.Field]
) -> tuple[dict, list[int]]:
    """Rows already in the table by key, and the pks of rows repeating a key
    (one query; the demo tables are small). Of rows sharing a key, the oldest
    is taken for the demo's."""
    by_key: dict = {}
    duplicates = []
    for row in model.objects.order_by("pk").values("pk", *(f.attname for f in fields)):
        row_key = tuple(row[name] for name in key_attnames)
        if row_key in by_key:
            duplicates.append(row["pk"])
        else:
            by_key[row_key] = row
    return by_key, duplicates


def delete_rows(model: type[models.Model], pks: Sequence[int]) -> None:
    """Delete rows by pk, in batches that stay under SQLite's parameter limit."""
    for start in range(0, len(pks), BATCH_SIZE):
        model.objects.filter(pk__in=pks[start : start + BATCH_SIZE]).delete()


def _sync_foreign_keys(obj: models.Model, fields: list[models.Field]) -> None:
    """Copy the pk of each related instance into its ``<field>_id``: the
    instance may have been saved after it was assigned."""
    for model_field in fields:
        if model_field.is_relation and model_field.is_cached(obj):
            related = model_field.get_cached_value(obj)
            if related is not None and related.pk is None:
                raise ValueError(
                    f"{type(obj).__name__}.{model_field.name} points at an unsaved {type(related).__name__}"
                )
            setattr(obj, model_field.attname, None if related is None else related.pk)
