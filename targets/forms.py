"""The dashboard's filters, read from the query string so a link can be shared."""

import datetime

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cpdash.dates import AsOfField, day_text
from facilities.forms import NameChoiceField, UnitField
from facilities.models import AdministrativeUnit, ProductionArea, Sector
from programmes.models import Phase
from targets.dashboard import Scope, current_phase


class DashboardForm(forms.Form):
    phase = forms.ModelChoiceField(
        label=_("Programme phase"), queryset=Phase.objects.select_related("programme"), required=False
    )
    as_of = AsOfField(label=_("As of"), required=False)
    # Another as-of date to set beside it (the same policy); the map reads it too.
    compare = AsOfField(label=_("Compare with"), required=False)
    sector = NameChoiceField(label=_("Sector"), queryset=Sector.objects.all(), required=False)
    unit = UnitField(label=_("Administrative unit"), queryset=AdministrativeUnit.objects.all(), required=False)
    area_kind = forms.ChoiceField(
        label=_("Area type"), choices=[("", _("All")), *ProductionArea.Kind.choices], required=False
    )
    # The target whose rows by unit the page shows ("Where we stand"); its label names it in errors.
    focus = forms.IntegerField(label=_("Target in focus"), required=False, widget=forms.HiddenInput, min_value=1)

    def chosen_phase(self) -> Phase | None:
        """The phase asked for, else the one running on the as-of date (a manager checking the
        end of 2015 means the 2011–2015 targets), else the latest started by then; for a date
        before every phase, the one running today."""
        phase = self.cleaned_data.get("phase")
        if phase:
            return phase
        return current_phase(self.chosen_as_of()) or current_phase(timezone.localdate())

    def chosen_as_of(self) -> datetime.date:
        """The date asked for, else today: what was recorded today shows at once (a phase
        that is over shows where its targets ended up by now)."""
        return self.cleaned_data.get("as_of") or timezone.localdate()

    def chosen_compare(self) -> datetime.date | None:
        """The date to compare with, or None."""
        return self.cleaned_data.get("compare")

    def show_chosen(self, phase: Phase | None, as_of: datetime.date) -> None:
        """Show the phase and the date in use in the form's inputs, also when the query
        string left them out (the defaults), instead of an empty choice and date; the
        date day first, as its input takes it (cpdash.dates.DayTextInput)."""
        data = self.data.copy()
        if phase and not data.get("phase"):
            data["phase"] = str(phase.pk)
        data["as_of"] = day_text(as_of)  # day first, also when the link said 2015-12-31
        self.data = data

    def scope(self) -> Scope:
        data = self.cleaned_data
        return Scope(sector=data.get("sector"), unit=data.get("unit"), area_kind=data.get("area_kind") or "")
