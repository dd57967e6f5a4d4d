"""A record's change history (django-simple-history): read for a page, and a deletion undone.

``delete()`` deletes a record with the rows that go with it and stamps all their history
entries with one moment; ``restore()`` brings back exactly those rows from that moment's
entries. The staff's "Undo" and the admin's deleted records use them."""

import contextlib
import contextvars
import datetime
from collections.abc import Iterator
from dataclasses import dataclass

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import CASCADE, SET_NULL, ForeignObjectRel, Model, Q, QuerySet
from django.dispatch import Signal
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cpdash import bulk
from cpdash.imports import IMPORT_REASON

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


#: The change reason of the entries restore() writes. Reasons are stored as such codes, in no
#: language, and shown in the reader's (reason_label()).
RESTORE_REASON = "restore"
REASON_LABELS = {IMPORT_REASON: gettext_lazy("import"), RESTORE_REASON: gettext_lazy("restored after its deletion")}


def reason_label(reason: str | None) -> str:
    """A history entry's change reason as the reader's language says it ("" for none)."""
    return str(REASON_LABELS.get(reason or "", reason or ""))


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
                reason=reason_label(newer.history_change_reason),
            )
        )
    return changes


# --- Deleting a record, and undoing that ---------------------------------------------

#: Sent with ``rows`` (model instances) when restore() writes rows again in bulk, which sends no
#: post_save: whoever derives data from them (programmes.pathway) brings it up to date.
rows_restored = Signal()

#: The moment of the deletion under way in this context, if any (one_moment()).
_moment: contextvars.ContextVar[datetime.datetime | None] = contextvars.ContextVar("deletion_moment", default=None)


class NotRestored(Exception):
    """A deletion that cannot be undone; the message says why, in the user's language, and
    ``code`` which case it is: "missing" (no such deletion), "restored" (undone already),
    "parent" (deleted with a record that is still deleted), "invalid" (its rows would no
    longer be valid)."""

    def __init__(self, message: str, code: str = "invalid") -> None:
        super().__init__(message)
        self.code = code


@contextlib.contextmanager
def one_moment() -> Iterator[datetime.datetime]:
    """Every history entry written inside the block carries the same moment, the one yielded:
    a record's deletion entry and those of the rows deleted or unlinked with it, so that
    ``restore()`` finds them all and nothing else (the receiver ``stamp`` sets it)."""
    moment = timezone.now()
    token = _moment.set(moment)
    try:
        yield moment
    finally:
        _moment.reset(token)


def stamp(sender, instance, **kwargs) -> None:
    """pre_save and pre_delete receiver (cpdash.apps): inside one_moment(), the history entry
    of the write about to happen takes the block's moment (simple-history reads
    ``_history_date``)."""
    moment = _moment.get()
    if moment is not None:
        instance._history_date = moment


def _recorded(model: type[Model]) -> bool:
    """Whether simple-history keeps ``model``'s history."""
    return hasattr(model, "history") and hasattr(model.history, "model")


def _links(model: type[Model]) -> Iterator[tuple[ForeignObjectRel, bool]]:
    """The relations to ``model`` that a deletion of one of its rows follows, with whether it
    deletes the row that points (CASCADE) or only clears its link (SET_NULL); rows without a
    history of their own (derived tables) are left to whoever derives them."""
    for relation in model._meta.related_objects:
        if relation.on_delete in (CASCADE, SET_NULL) and _recorded(relation.related_model):
            yield relation, relation.on_delete is CASCADE


def _reach(record: Model) -> Iterator[tuple[ForeignObjectRel, list | None, QuerySet | None]]:
    """Each relation a deletion of ``record`` follows, level by level: with the ids of the rows
    it deletes (CASCADE), or the rows whose link it clears (SET_NULL). One query per relation."""
    level = [(type(record), [record.pk])]
    while level:
        following = []
        for model, pks in level:
            for relation, cascades in _links(model):
                rows = relation.related_model._base_manager.filter(**{f"{relation.field.name}__in": pks})
                if not cascades:
                    yield relation, None, rows
                    continue
                children = list(rows.values_list("pk", flat=True))
                if children:
                    following.append((relation.related_model, children))
                yield relation, children, None
        level = following


def what_goes_with(record: Model) -> tuple[dict[type[Model], int], dict[type[Model], int]]:
    """What deleting ``record`` deletes with it, and what it only unlinks: two maps of model
    → number of rows (the record itself not counted)."""
    deleted: dict[type[Model], int] = {}
    unlinked: dict[type[Model], int] = {}
    for relation, children, linked in _reach(record):
        model = relation.related_model
        count = len(children) if children is not None else linked.count()
        if count:
            counts = deleted if children is not None else unlinked
            counts[model] = counts.get(model, 0) + count
    return deleted, unlinked


def delete(record: Model) -> datetime.datetime:
    """Delete ``record`` and the rows that go with it, in one transaction, and return the moment
    its history entries carry (``restore()`` takes it). Links cleared by the deletion (SET_NULL)
    are each saved first, so that they too have a history entry to undo: Django clears them with
    a bare UPDATE."""
    with transaction.atomic(), one_moment() as moment:
        for relation, _children, linked in _reach(record):
            for row in linked if linked is not None else ():
                setattr(row, relation.field.attname, None)
                row.save(update_fields=[relation.field.name])
        record.delete()
    return moment


def deletions(model: type[Model], pk) -> QuerySet:
    """The deletion entries of ``model``'s row ``pk``, the last first."""
    return model.history.filter(history_type="-", **{model._meta.pk.attname: pk}).order_by(
        "-history_date", "-history_id"
    )


def restore(model: type[Model], pk: int, moment: datetime.datetime) -> Model:
    """Undo the deletion of ``model``'s row ``pk`` made at ``moment`` (``delete()``): the row as
    it was, the rows deleted with it, the links cleared (unless set again since), each checked
    by its model's rules and saved (so the usual receivers run), in one transaction.

    Raises NotRestored when there is no such deletion, when it was undone already, or when the
    rows would no longer be valid (a record stored meanwhile with the same key, say)."""
    entry = model.history.filter(history_type="-", history_date=moment, **{model._meta.pk.attname: pk}).first()
    if entry is None:
        raise NotRestored(_("There is no such deletion to undo."), "missing")
    # Undone already: the row is back, or came back and was written again since (an old Undo
    # button would bring back a version older than the last one).
    later = model.history.filter(**{model._meta.pk.attname: pk}).filter(
        Q(history_date__gt=moment) | Q(history_date=moment, history_id__gt=entry.history_id)
    )
    if model._base_manager.filter(pk=pk).exists() or later.exists():
        raise NotRestored(_("This deletion was already undone."), "restored")
    _check_parents(model, entry)
    try:
        with transaction.atomic():
            record = _save_again(entry)
            level = [(model, [pk])]
            while level:
                following = []
                for parent, pks in level:
                    for relation, cascades in _links(parent):
                        child, field = relation.related_model, relation.field
                        if cascades:
                            entries = child.history.filter(
                                history_type="-", history_date=moment, **{f"{field.attname}__in": pks}
                            ).order_by("history_id")
                            saved = _insert_again(child, entries)
                            if saved:
                                following.append((child, saved))
                        else:
                            _link_again(child, field, pks, moment)
                level = following
    except ValidationError as error:
        raise NotRestored(" ".join(error.messages)) from error
    except IntegrityError as error:
        raise NotRestored(_("It conflicts with a record stored since it was deleted.")) from error
    return record


def _parents(model: type[Model]) -> Iterator:
    """The foreign keys of ``model`` to records with a history whose deletion deletes its rows."""
    for field in model._meta.concrete_fields:
        if field.is_relation and field.remote_field.on_delete is CASCADE and _recorded(field.related_model):
            yield field


def deleted_parents(model: type[Model], entries: list) -> dict[int, str]:
    """For deletion entries of ``model``'s rows: history_id → "CP survey #12" for each row that
    belongs to a record deleted too, which restore() refuses to restore alone. One query per
    such foreign key."""
    found: dict[int, str] = {}
    for field in _parents(model):
        parent = field.related_model
        values = {getattr(e, field.attname) for e in entries} - {None}
        alive = set(parent._base_manager.filter(pk__in=values).values_list("pk", flat=True)) if values else set()
        for entry in entries:
            value = getattr(entry, field.attname)
            if value is not None and value not in alive:
                found.setdefault(entry.history_id, f"{parent._meta.verbose_name} #{value}")
    return found


def _check_parents(model: type[Model], entry) -> None:
    """Refuse to restore alone a row deleted with the record it belongs to (a survey's option)
    while that record is still deleted: restoring the record brings the row back too."""
    if parent := deleted_parents(model, [entry]).get(entry.history_id):
        raise NotRestored(
            _("It was deleted with %(record)s, which is still deleted: restore that instead.") % {"record": parent},
            "parent",
        )


def _insert_again(model: type[Model], entries) -> list:
    """The rows a deletion took with its record (``entries``, their deletion entries) written again
    at once, with their ids (an activity's thousands of attendances: one INSERT and one INSERT …
    SELECT of their history entries, not a save each), and ``rows_restored`` sent for whoever
    derives data from them (the pathway: bulk writes send no post_save). Their rules are the
    database's (keys, links); they were valid with their record, which full_clean() checked again.
    Their ids."""
    rows = [entry.instance for entry in entries]
    if not rows:
        return []
    if model.save is not Model.save:  # a save() of its own (Searchable's search_text): it runs
        return [_save_again(entry).pk for entry in entries]
    model._base_manager.bulk_create(rows)
    ids = [row.pk for row in rows]
    bulk.write_history(model, ids, "+", None, RESTORE_REASON)
    rows_restored.send(sender=model, rows=rows)
    return ids


def _save_again(entry) -> Model:
    """The row ``entry`` (a deletion's history entry) recorded, checked and saved again."""
    row = entry.instance
    row.full_clean()
    row._change_reason = RESTORE_REASON
    row.save()
    return row


def _link_again(model: type[Model], field, pks: list, moment: datetime.datetime) -> None:
    """Set ``field`` of ``model``'s rows again where the deletion at ``moment`` cleared it
    (their history entry of that moment) and no one has set it since.

    The value it had is in the row's entry before that one; a row without one (written in
    bulk, by an import or the demo loader, which leave no history per row) pointed to one of
    the rows restored here, since a deletion clears only links to the rows it deletes: the
    one, when there is one (a deletion's own record, the usual case)."""
    key = model._meta.pk.attname
    cleared = model.history.filter(history_type="~", history_date=moment, **{f"{field.attname}__isnull": True})
    ids = list(cleared.values_list(key, flat=True))
    if not ids:
        return
    # Each row's entry before the deletion (its prev_record), read for all of them at once: the newest wins.
    earlier = model.history.filter(**{f"{key}__in": ids}, history_date__lt=moment)
    before = dict(earlier.order_by("history_date", "history_id").values_list(key, field.attname))
    for row in model._base_manager.filter(pk__in=ids, **{f"{field.attname}__isnull": True}):
        value = before.get(row.pk)
        if value is None and len(pks) == 1:
            value = pks[0]
        if value in pks:
            setattr(row, field.attname, value)
            row.save(update_fields=[field.name])
