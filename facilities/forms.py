"""Form fields of the register that other apps' forms and filters share."""

import datetime

import django_filters
from django import forms
from django.forms.models import ModelChoiceIterator, ModelChoiceIteratorValue
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cpdash.dates import local_day
from cpdash.text import vietnamese_key
from facilities.models import AdministrativeUnit


class GroupedUnits(ModelChoiceIterator):
    """A unit field's choices in groups: the units that exist today, then those not formed yet,
    then those that no longer exist, each of the last two with its date; in the order of the
    Vietnamese alphabet within each (cpdash.text.vietnamese_key). After the 2025 reform
    the 30 districts are no longer units of today, but a record of their days (a 2015 activity,
    a filter on 2015) still picks one. One query, as a plain field's; read when drawn, in the
    user's language."""

    def __iter__(self):
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        today = timezone.localdate()
        groups: dict[str, list] = {"today": [], "later": [], "ended": []}
        for unit in self.queryset:
            group, label = _group_of(unit, today)
            groups[group].append((ModelChoiceIteratorValue(self.field.prepare_value(unit), unit), label))
        titles = {
            "today": _("Administrative units today"),
            "later": _("Not formed yet"),
            "ended": _("No longer existing"),
        }
        for key, choices in groups.items():
            if choices:
                yield (titles[key], sorted(choices, key=lambda choice: choice[0].instance.name_key))


def _group_of(unit: AdministrativeUnit, today: datetime.date) -> tuple[str, str]:
    if unit.valid_until is not None and unit.valid_until < today:
        return "ended", _("%(unit)s (until %(day)s)") % {"unit": unit.name, "day": local_day(unit.valid_until)}
    if unit.valid_from > today:
        return "later", _("%(unit)s (from %(day)s)") % {"unit": unit.name, "day": local_day(unit.valid_from)}
    return "today", unit.name


class UnitField(forms.ModelChoiceField):
    """An administrative unit, its choices grouped (GroupedUnits)."""

    iterator = GroupedUnits


def group_units(field: forms.ModelChoiceField) -> None:
    """Give a model form's unit field grouped choices (GroupedUnits)."""
    field.iterator = GroupedUnits
    field.widget.choices = field.choices


class _UnitFilterField(django_filters.fields.ModelChoiceField):
    iterator = GroupedUnits


class UnitFilter(django_filters.ModelChoiceFilter):
    """A filter on an administrative unit, its choices grouped (GroupedUnits), in name order;
    labelled "administrative unit", "any" when none is chosen, as every list's."""

    field_class = _UnitFilterField

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("queryset", AdministrativeUnit.objects.order_by("name"))
        kwargs.setdefault("label", gettext_lazy("administrative unit"))
        kwargs.setdefault("empty_label", gettext_lazy("any"))
        super().__init__(*args, **kwargs)


class InNameOrder(ModelChoiceIterator):
    """A field's choices in the order of the Vietnamese alphabet (cpdash.text.vietnamese_key), not
    in the database's (code points: "Điện tử" after "Gốm sứ"). For the short lists of the
    register (sectors, production areas): sorted once drawn, one query as before."""

    def __iter__(self):
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        choices = [self.choice(obj) for obj in self.queryset]
        yield from sorted(choices, key=lambda choice: vietnamese_key(str(choice[1])))


class NameChoiceField(forms.ModelChoiceField):
    """A choice of a record by name, in the order of the Vietnamese alphabet (InNameOrder)."""

    iterator = InNameOrder


class _NameFilterField(django_filters.fields.ModelChoiceField):
    iterator = InNameOrder


class NameFilter(django_filters.ModelChoiceFilter):
    """A filter on a record chosen by name, in the order of the Vietnamese alphabet (InNameOrder)."""

    field_class = _NameFilterField
