"""Reading a record's change history (django-simple-history) for a page."""

import datetime
from dataclasses import dataclass

from django.contrib.auth.models import User
from django.db.models import QuerySet

#: Entries shown on a record's page; the admin's "History" page has them all.
HISTORY_SIZE = 20


@dataclass(frozen=True)
class Change:
    """One history entry: ``kind`` is "+" (created), "~" (changed) or "-" (deleted);
    ``fields`` the verbose names of the fields a change altered (empty otherwise);
    ``user`` None when no one was signed in (a command, demo data)."""

    when: datetime.datetime
    user: User | None
    kind: str
    fields: tuple[str, ...]
    reason: str


def recent_changes(history: QuerySet, *, limit: int = HISTORY_SIZE) -> list[Change]:
    """The newest ``limit`` entries of ``history`` (one record's historical
    records), newest first. One query: ``limit`` + 1 entries (the extra one to
    diff the oldest shown against) with their users."""
    entries = list(history.select_related("history_user").order_by("-history_date", "-history_id")[: limit + 1])
    labels = {f.name: str(f.verbose_name) for f in history.model.instance_type._meta.concrete_fields}
    changes = []
    for newer, older in zip(entries[:limit], [*entries[1:], None], strict=False):
        fields: tuple[str, ...] = ()
        if newer.history_type == "~" and older is not None:
            delta = newer.diff_against(older, foreign_keys_are_objs=False)
            fields = tuple(labels.get(name, name) for name in delta.changed_fields)
        changes.append(
            Change(
                when=newer.history_date,
                user=newer.history_user,
                kind=newer.history_type,
                fields=fields,
                reason=newer.history_change_reason or "",
            )
        )
    return changes
