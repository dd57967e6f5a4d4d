"""Optimistic concurrency: a save based on an outdated copy of a record is refused.

An edit form carries, in a hidden field, the record's version when the form
was opened: the id of its latest history entry (django-simple-history writes
one on every save, delete, admin revert and import). On the post the version
is read again, under a row lock where the database has them; if it differs,
someone else saved meanwhile and the form is invalid with ``STALE_MESSAGE``,
keeping what the user typed. One mechanism for the staff forms
(``VersionedFormMixin``) and every admin change form (``VersionedAdminMixin``).
"""

import contextlib
import contextvars
from collections.abc import Iterator

from django import forms
from django.contrib.admin.utils import flatten_fieldsets
from django.core.exceptions import ValidationError
from django.db import connections, router
from django.db.models import Model
from django.utils.translation import gettext_lazy as _

VERSION_FIELD = "record_version"
STALE_MESSAGE = _(
    "Someone else changed this record since you opened it; your changes were not saved. Reload to see their version."
)


def current_version(instance: Model, *, lock: bool = False) -> str:
    """The id of ``instance``'s latest history entry as text; "" for an unsaved
    record or one without history (e.g. demo data). One query; two with
    ``lock``, which first locks the record's row until the transaction ends
    (only inside a transaction, on databases with row locks), so that two
    simultaneous posts cannot both pass the check."""
    if instance.pk is None:
        return ""
    model = type(instance)
    if lock and connections[router.db_for_write(model)].in_atomic_block:
        list(model._default_manager.select_for_update().filter(pk=instance.pk).values_list("pk", flat=True))
    history = model.history.model.objects.filter(**{model._meta.pk.attname: instance.pk})
    latest = history.order_by("-history_id").values_list("history_id", flat=True).first()
    return "" if latest is None else str(latest)


#: (model, pk, version): a version that counts as the record's current one while this context runs.
_also_current: contextvars.ContextVar[tuple | None] = contextvars.ContextVar("also_current", default=None)


@contextlib.contextmanager
def also_current(model: type[Model], pk, version: str) -> Iterator[None]:
    """Within the block, a form opened on ``version`` of ``model``'s record ``pk`` is not
    outdated, though a newer version was written: one the same action wrote (the admin's revert
    of a deleted record restores it first, writing its own entry, then saves the form)."""
    token = _also_current.set((model, str(pk), version))
    try:
        yield
    finally:
        _also_current.reset(token)


def is_current(instance: Model, opened: str) -> bool:
    """Whether a form opened on version ``opened`` of ``instance`` may save over it (checked
    under a row lock: current_version())."""
    if (type(instance), str(instance.pk), opened) == _also_current.get():
        return True
    return opened == current_version(instance, lock=True)


def version_field() -> forms.CharField:
    return forms.CharField(required=False, widget=forms.HiddenInput)


class VersionedFormMixin:
    """For ModelForms editing a record with history: adds the hidden version
    field and refuses a post whose version is no longer the record's."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if VERSION_FIELD not in self.fields:
            self.fields[VERSION_FIELD] = version_field()
        if not self.is_bound:
            self.initial[VERSION_FIELD] = current_version(self.instance)

    def clean(self) -> dict:
        if self.instance.pk is not None:
            opened = self.data.get(self.add_prefix(VERSION_FIELD), "")
            if not is_current(self.instance, opened):
                self.add_error(None, ValidationError(STALE_MESSAGE, code="stale"))
        return super().clean()


class VersionedModelForm(VersionedFormMixin, forms.ModelForm):
    """The admin's base form: the version field is declared so that the admin's
    form factory and fieldsets know it."""

    record_version = version_field()


class VersionedAdminMixin:
    """For ModelAdmins: change forms (and simple-history's revert form) carry
    the version and refuse an outdated save. Put before the ModelAdmin class."""

    form = VersionedModelForm

    def get_fields(self, request, obj=None) -> list[str]:
        return [name for name in super().get_fields(request, obj) if name != VERSION_FIELD]

    def get_fieldsets(self, request, obj=None) -> list:
        """The hidden version field at the end of the first fieldset, when the user can save."""
        fieldsets = list(super().get_fieldsets(request, obj))
        if not fieldsets or VERSION_FIELD in flatten_fieldsets(fieldsets):
            return fieldsets
        if obj is None or not self.has_change_permission(request, obj):
            return fieldsets
        name, options = fieldsets[0]
        fieldsets[0] = (name, {**options, "fields": [*options["fields"], VERSION_FIELD]})
        return fieldsets
