"""Forms to record the programme's work outside the admin.

Every form validates everything before anything is written. A record with
rows (a survey's options and support, a solution's savings, an activity's
attendance) is one form that owns its rows: it is valid only when all rows
are, and ``save()`` writes the record and its rows in one transaction.

Facilities are typed by code (helped by the search script), never picked
from a <select> of the whole register: a city holds 10⁴–10⁵ of them.
"""

import datetime
import re
import secrets
from collections import Counter
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from cpdash.concurrency import VersionedFormMixin
from cpdash.database import in_vietnamese_order
from cpdash.dates import DayTextInput, not_in_future
from cpdash.numbers import LocalIntegerField, local_formfield, parse_number
from facilities.forms import group_units
from facilities.models import AdministrativeUnit, Facility
from programmes import pathway
from programmes.models import (
    OUTREACH_COUNT_VALIDATORS,
    SAVING_QUANTUM,
    Attendance,
    CPOption,
    DemonstrationModel,
    FormSubmission,
    OutreachActivity,
    Replication,
    Resource,
    ResourceSaving,
    Solution,
    Specialist,
    Survey,
    TechnicalSupport,
    facility_not_open,
)

# --- Plain helpers (no database) -----------------------------------------

_CODE_SEPARATORS = re.compile(r"[\s,;]+")


def parse_codes(text: str | None) -> list[str]:
    """Facility codes from pasted text (a spreadsheet column, a list typed by hand).

    Codes are separated by line breaks, spaces, tabs, commas or semicolons;
    blanks are dropped and a repeated code is kept once, in first-seen order.
    """
    codes = (code for code in _CODE_SEPARATORS.split(text or "") if code)
    return list(dict.fromkeys(codes))


def saving_percent(baseline: Decimal | None, after: Decimal | None) -> Decimal | None:
    """The relative drop in consumption, percent: (baseline − after) / baseline × 100,
    rounded half up to SAVING_PLACES decimals.

    The database's ``ResourceSaving.saving_percent`` formula; None until both
    values are known and the baseline is above zero.
    """
    if baseline is None or after is None or baseline <= 0:
        return None
    try:
        return ((baseline - after) * 100 / baseline).quantize(SAVING_QUANTUM, rounding=ROUND_HALF_UP)
    except InvalidOperation:  # too many digits to store (the row is refused for its values)
        return None


def _decimal(text: object) -> Decimal | None:
    """``text`` as a Decimal, read as the user's language writes numbers (cpdash/numbers.py,
    as the fields read it); None when it is not a number."""
    if isinstance(text, Decimal):
        return text if text.is_finite() else None
    try:
        return parse_number(str(text or ""))
    except ValueError:
        return None


# --- Fields and widgets ----------------------------------------------------


#: A record's date: typed and shown day first in both languages (cpdash.dates.DayTextInput).
DayInput = DayTextInput


class FacilityField(forms.ModelChoiceField):
    """A facility typed by its code in a text input that the search script
    completes; cleans to the Facility in one query."""

    widget = forms.TextInput
    default_error_messages = {"invalid_choice": gettext_lazy("No facility has the code “%(value)s”.")}

    def __init__(self, **kwargs) -> None:
        kwargs.setdefault("label", gettext_lazy("facility (code)"))
        kwargs.setdefault("help_text", gettext_lazy("Type part of the facility's name or its code to search."))
        super().__init__(Facility.objects.all(), to_field_name="code", **kwargs)
        self.widget.attrs.update(
            {"data-facility-search": "", "list": "facility-options", "autocomplete": "off", "maxlength": 20}
        )

    def to_python(self, value):
        return super().to_python(value.strip() if isinstance(value, str) else value)


# --- Base forms ----------------------------------------------------------------

SUBMISSION_FIELD = "submission"


class AlreadySaved(Exception):
    """A second post of a create form whose first post saved: nothing was written."""


class SubmitOnceMixin:
    """For the forms that create a record: a double submit saves once.

    An unbound form for a new record carries a fresh random token in a hidden field.
    ``save()`` inserts the token in FormSubmission (unique) first, in the transaction
    that writes the record: a second post of the same form, or two posts at once,
    find it taken, and that ``save()`` raises AlreadySaved having written nothing.
    ``already_saved()`` answers before validation, so that the view can say so
    instead of showing the form's errors (e.g. the survey now stored on that day).
    A post without a token (a page opened before this check existed) saves as
    before; the natural keys in programmes/models.py still refuse an exact copy.
    """

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.creating = self.instance.pk is None
        if self.creating:
            self.fields[SUBMISSION_FIELD] = forms.CharField(required=False, max_length=64, widget=forms.HiddenInput)
            if not self.is_bound:
                self.initial[SUBMISSION_FIELD] = secrets.token_urlsafe(32)

    def submission_token(self) -> str:
        """The token posted with the form ("" when none)."""
        if not (self.creating and self.is_bound):
            return ""
        return str(self.data.get(self.add_prefix(SUBMISSION_FIELD), "")).strip()

    def already_saved(self) -> bool:
        """Whether this post's token was saved by an earlier post (one query; none without a token)."""
        token = self.submission_token()
        return bool(token) and FormSubmission.objects.filter(token=token[:64]).exists()

    def save(self, commit: bool = True):
        # The token and the record in one transaction: a refused INSERT (the token, or a natural key
        # stored meanwhile) rolls back this block alone, and the caller's transaction goes on.
        with transaction.atomic():
            token = self.cleaned_data.get(SUBMISSION_FIELD) if self.creating else ""
            if token:
                now = timezone.now()
                try:
                    with transaction.atomic():
                        FormSubmission.objects.create(token=token, created_at=now)
                except IntegrityError:
                    raise AlreadySaved from None
                FormSubmission.objects.filter(created_at__lt=now - FormSubmission.KEPT).delete()
            return super().save(commit)


class LabelledRowMixin:
    """Forms shown as rows of a table (a formset's forms: they have a prefix) have no
    <label> beside their inputs, only the column's header: each input gets its field's
    label as its accessible name, so that a screen reader says what it is."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if self.prefix:
            for field in self.fields.values():
                field.widget.attrs.setdefault("aria-label", capfirst(str(field.label)))


class RecordForm(LabelledRowMixin, forms.ModelForm):
    """Base of the record forms.

    ``past_dates`` names date fields that refuse days after today (their
    pickers stop at today). The record's rules (a facility open on the record's
    day, a unit that existed then, support not before its survey, a saving's
    values…) are the model's: its clean() (programmes/models.py, "Record rules"),
    which the form runs, as the admin and, through the same rule functions, the
    imports do.
    """

    past_dates: tuple[str, ...] = ()
    #: Fields that keep the record's value (a new one's: the model's default) when the post
    #: does not carry them at all: a page opened before they were added, or a client that
    #: does not know them (the evidence levels: implemented, self-reported).
    kept_when_absent: tuple[str, ...] = ()

    def __init_subclass__(cls, **kwargs) -> None:
        # Quantities are typed the way the user's language writes numbers (cpdash/numbers.py):
        # before ModelFormMetaclass reads the subclass's Meta.
        meta = cls.__dict__.get("Meta")
        if meta is not None and not hasattr(meta, "formfield_callback"):
            meta.formfield_callback = staticmethod(local_formfield)
        super().__init_subclass__(**kwargs)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        absent = [name for name in self.kept_when_absent if self.is_bound and self.add_prefix(name) not in self.data]
        if absent:
            self.data = self.data.copy()
            for name in absent:
                self.data[self.add_prefix(name)] = getattr(self.instance, name)
        today = timezone.localdate()
        # A new record (not a row of one: an empty row must stay empty) is most often of today.
        new = not self.is_bound and self.instance.pk is None and self.prefix is None
        for name in self.past_dates:
            field = self.fields[name]
            field.widget = DayInput(attrs=field.widget.attrs)  # not after today: not_in_future says so
            field.widget.is_required = field.required
            field.validators.append(not_in_future)
            if new and field.required:
                self.initial[name] = self.initial.get(name) or today
        unit = self.fields.get("unit")
        if isinstance(unit, forms.ModelChoiceField) and unit.queryset.model is AdministrativeUnit:
            group_units(unit)
        if self.instance.pk:
            for name, field in self.fields.items():
                if isinstance(field, FacilityField):
                    # The text input shows the code, not the primary key; the help text names it.
                    facility = getattr(self.instance, name)
                    self.initial[name] = facility.code
                    field.help_text = _("Now: %(facility)s. Type part of a name or a code to change it.") % {
                        "facility": facility
                    }

    def _update_errors(self, errors: ValidationError) -> None:
        """The model's rules (Model.clean()), less those on a field that failed its own
        validation (a rule then read it empty), and on the form's fields only: a rule on
        a field the form does not show is the form's own error."""
        if hasattr(errors, "error_dict"):
            kept: dict[str, list[ValidationError]] = {}
            for name, messages in errors.error_dict.items():
                if name != NON_FIELD_ERRORS and name in self._errors:
                    continue
                kept.setdefault(name if name in self.fields else NON_FIELD_ERRORS, []).extend(messages)
            if not kept:
                return
            errors = ValidationError(kept)
        super()._update_errors(errors)


class LabelledFormSetMixin:
    """The formset's own inputs (delete, order) named too (LabelledRowMixin)."""

    def add_fields(self, form: forms.Form, index: int | None) -> None:
        super().add_fields(form, index)
        for name in (forms.formsets.DELETION_FIELD_NAME, forms.formsets.ORDERING_FIELD_NAME):
            if name in form.fields:
                form.fields[name].widget.attrs.setdefault("aria-label", capfirst(str(form.fields[name].label)))


class LabelledInlineFormSet(LabelledFormSetMixin, forms.BaseInlineFormSet):
    pass


class OneRowPerValueFormSet(LabelledInlineFormSet):
    """Rows of a record where ``unique_field`` may appear once (one saving per
    resource, one support per kind); a repeat is refused with a message that
    names the repeated values."""

    unique_field = ""
    repeated_message = ""

    def kept_forms(self) -> list[forms.Form]:
        """Rows that will be kept: stored or filled in, not marked for deletion
        (an untouched blank row has empty ``cleaned_data``)."""
        return [
            form for form in self.forms if getattr(form, "cleaned_data", None) and not self._should_delete_form(form)
        ]

    def clean(self) -> None:
        counts = Counter(form.cleaned_data.get(self.unique_field) for form in self.kept_forms())
        repeated = [value for value, count in counts.items() if value and count > 1]
        if repeated:
            labels = dict(self.model._meta.get_field(self.unique_field).flatchoices)
            raise ValidationError(
                str(self.repeated_message) % {"values": ", ".join(str(labels.get(v, v)) for v in repeated)},
                code="repeated",
            )
        super().clean()


class RecordWithRowsForm(RecordForm):
    """A record and its rows (inline formsets in ``rowset_classes``, by prefix),
    valid together and saved together in one transaction."""

    rowset_classes: dict[str, type[forms.BaseInlineFormSet]] = {}

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        data = self.data if self.is_bound else None
        self.rowsets = {
            prefix: rowset_class(data, instance=self.instance, prefix=prefix)
            for prefix, rowset_class in self.rowset_classes.items()
        }

    def clean(self) -> dict:
        cleaned = super().clean()
        # The record as typed, before its rows are checked: their rules read it (support
        # not before the survey's day, given while its facility was open).
        forms.models.construct_instance(self, self.instance, self._meta.fields, self._meta.exclude)
        valid = [rowset.is_valid() for rowset in self.rowsets.values()]  # every rowset gets its errors
        if not all(valid):
            raise ValidationError(_("Some rows need correcting: see the messages next to them."), code="rows")
        return cleaned

    def save(self, commit: bool = True):
        """Save the record and all its rows, or nothing (``commit`` is ignored: rows need a saved record)."""
        with pathway.deferred():
            record = super().save()
            for rowset in self.rowsets.values():
                rowset.instance = record
                rowset.save()
        return record


# --- CP surveys ----------------------------------------------------------------


class CPOptionForm(RecordForm):
    class Meta:
        model = CPOption
        fields = ("category", "description", "state")


class TechnicalSupportForm(RecordForm):
    past_dates = ("given_on",)

    class Meta:
        model = TechnicalSupport
        fields = ("kind", "given_on", "description")


class TechnicalSupportFormSet(OneRowPerValueFormSet):
    unique_field = "kind"
    repeated_message = gettext_lazy("Each kind of support is recorded once per survey; repeated: %(values)s.")


CPOptionFormSet = forms.inlineformset_factory(
    Survey, CPOption, form=CPOptionForm, formset=LabelledInlineFormSet, extra=3, can_delete=True
)
SupportFormSet = forms.inlineformset_factory(
    Survey,
    TechnicalSupport,
    form=TechnicalSupportForm,
    formset=TechnicalSupportFormSet,
    # A row for each kind of support (one of each per survey): the three can be recorded in one
    # save, where a single empty row took two more saves.
    extra=len(TechnicalSupport.Kind.choices),
    max_num=len(TechnicalSupport.Kind.choices),
    can_delete=True,
)


class SurveyForm(SubmitOnceMixin, VersionedFormMixin, RecordWithRowsForm):
    """A CP survey of one facility, with the options it found and the support given."""

    facility = FacilityField()
    past_dates = ("surveyed_on",)
    rowset_classes = {"options": CPOptionFormSet, "supports": SupportFormSet}

    class Meta:
        model = Survey
        fields = ("facility", "surveyed_on", "surveyors", "findings")
        widgets = {"findings": forms.Textarea(attrs={"rows": 4})}


# --- CP solutions ----------------------------------------------------------------


class ResourceSavingForm(RecordForm):
    """The saving of one resource: consumption per unit of product before and after
    (measured), or only the percentage the facility reported; never both. Consumption
    that rose (after above baseline: a negative saving) is saved only once confirmed."""

    confirm_rise = forms.BooleanField(
        required=False, label=gettext_lazy("Yes: consumption rose after implementation. Save it.")
    )

    class Meta:
        model = ResourceSaving
        fields = ("resource", "unit", "product_unit", "baseline", "after", "reported_percent", "evidence")

    kept_when_absent = ("evidence",)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for name in ("baseline", "after", "reported_percent"):
            value = self.initial.get(name)
            if isinstance(value, Decimal):
                # 94 rather than the column's 94.000000, written as the language writes numbers
                self.initial[name] = value.quantize(Decimal(1)) if value == value.to_integral() else value.normalize()

    def clean(self) -> dict:
        """The saving's rules are the model's (ResourceSaving.clean()); here only the
        confirmation that consumption rose."""
        cleaned = super().clean()
        baseline, after = cleaned.get("baseline"), cleaned.get("after")
        if (
            baseline is not None
            and baseline > 0
            and after is not None
            and after > baseline
            and not cleaned.get("confirm_rise")
        ):
            self.add_error(
                None,
                ValidationError(
                    _(
                        "After implementation (%(after)s) is above the baseline (%(baseline)s): consumption "
                        "rose, a saving of %(saving)s%%. Check the two values; if they are right, tick the box "
                        "below and save again."
                    ),
                    code="rise",
                    params={
                        "after": number_format(after, use_l10n=True),
                        "baseline": number_format(baseline, use_l10n=True),
                        "saving": number_format(saving_percent(baseline, after), 1, use_l10n=True),
                    },
                ),
            )
        return cleaned

    def has_error_rise(self) -> bool:
        """Whether the row waits for the confirmation that consumption rose (the template shows the box)."""
        return self.has_error(NON_FIELD_ERRORS, "rise")

    def saving(self) -> Decimal | None:
        """Percent saving of the row as typed (bound) or as stored: the measured one, else the
        reported one; None when neither is known."""
        if self.is_bound:
            measured = saving_percent(_decimal(self["baseline"].value()), _decimal(self["after"].value()))
            return measured if measured is not None else _decimal(self["reported_percent"].value())
        return self.instance.saving_percent if self.instance.pk else None

    def saving_is_reported(self) -> bool:
        """Whether saving() is a reported percentage rather than a measured one."""
        if self.is_bound:
            return self.saving() is not None and _decimal(self["baseline"].value()) is None
        return (
            bool(self.instance.pk)
            and self.instance.saving_percent is not None
            and not (self.instance.has_measured_baseline)
        )


class ResourceSavingFormSet(OneRowPerValueFormSet):
    unique_field = "resource"
    repeated_message = gettext_lazy("Each resource is measured once per solution; repeated: %(values)s.")


SavingFormSet = forms.inlineformset_factory(
    Solution,
    ResourceSaving,
    form=ResourceSavingForm,
    formset=ResourceSavingFormSet,
    extra=len(Resource.choices),
    max_num=len(Resource.choices),
    can_delete=True,
)


class SolutionForm(SubmitOnceMixin, VersionedFormMixin, RecordWithRowsForm):
    """A CP solution at a facility (identified, implemented or verified), with its measured
    savings and how each is known (evidence).

    The survey it came from is chosen among the facility's own surveys.
    """

    facility = FacilityField()
    past_dates = ("implemented_on", "verified_on")
    kept_when_absent = ("stage",)
    rowset_classes = {"savings": SavingFormSet}

    class Meta:
        model = Solution
        fields = (
            "facility",
            "implemented_on",
            "stage",
            "verified_on",
            "category",
            "description",
            "investment",
            "annual_saving",
            "co2_avoided",
            "survey",
            "demonstration",
        )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        survey = self.fields["survey"]
        same_facility = self._facility_filter()
        survey.queryset = (
            Survey.objects.filter(same_facility).select_related("facility") if same_facility else Survey.objects.none()
        )
        survey.help_text = _(
            "Only the facility's own surveys are listed: they appear once the facility is saved, "
            "or when the solution is recorded from its survey."
        )

    def _facility_filter(self) -> Q | None:
        """Surveys of the facility typed in, stored, or of the survey given as initial."""
        if self.is_bound:
            code = str(self.data.get(self.add_prefix("facility"), "")).strip()
            # A NUL cannot be sent to PostgreSQL; the facility field refuses the code itself.
            return Q(facility__code=code) if code and "\x00" not in code else None
        if self.instance.pk:
            return Q(facility_id=self.instance.facility_id)
        initial_survey = self.initial.get("survey")
        return Q(facility_id=initial_survey.facility_id) if isinstance(initial_survey, Survey) else None


# --- Outreach activities and their attendance ------------------------------------


class AttendanceRowForm(LabelledRowMixin, forms.Form):
    """One facility's attendance, by code; the activity form resolves all codes at once."""

    facility = forms.CharField(
        label=gettext_lazy("facility code"),
        max_length=20,
        widget=forms.TextInput(attrs={"readonly": True, "class": "code"}),
    )
    # The model field's ceiling (Attendance.people), which these rows, written in bulk, would not run.
    people = LocalIntegerField(
        label=gettext_lazy("people"), min_value=0, validators=OUTREACH_COUNT_VALIDATORS, initial=1, localize=True
    )

    #: The resolved facility, for display; set by OutreachActivityForm.
    facility_obj: Facility | None = None

    def clean_facility(self) -> str:
        return self.cleaned_data["facility"].strip()


# A few hundred rows at most: each row posts two fields and Django refuses a
# post of more than DATA_UPLOAD_MAX_NUMBER_FIELDS (1,000); larger lists are pasted.
class LabelledFormSet(LabelledFormSetMixin, forms.BaseFormSet):
    pass


AttendanceRowFormSet = forms.formset_factory(
    AttendanceRowForm,
    formset=LabelledFormSet,
    extra=0,
    can_delete=True,
    max_num=450,
    validate_max=True,
    absolute_max=450,
)


class OutreachActivityForm(SubmitOnceMixin, VersionedFormMixin, RecordForm):
    """An outreach activity with the facilities that attended.

    Rows come from the search script or from codes pasted in ``paste`` (each
    pasted facility sends one person; codes already listed are skipped). All
    codes are resolved in one query; while any is unknown, listed twice, or
    names a facility not open on the activity's date, nothing is saved.
    """

    past_dates = ("held_on",)
    paste = forms.CharField(
        label=gettext_lazy("Paste facility codes"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 6, "spellcheck": "false", "class": "code"}),
        help_text=gettext_lazy(
            "One code per line, e.g. a column copied from a spreadsheet. Blank lines, spaces, tabs, "
            "commas, semicolons and repeated codes are ignored."
        ),
    )

    class Meta:
        model = OutreachActivity
        fields = ("kind", "title", "held_on", "organiser", "unit", "venue", "participants", "quantity")

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.existing = self._existing_attendance()
        initial = [{"facility": a.facility.code, "people": a.people} for a in self.existing.values()]
        self.attendance = AttendanceRowFormSet(
            self.data if self.is_bound else None, prefix="attendance", initial=initial
        )
        by_code = {a.facility.code: a.facility for a in self.existing.values()}
        for row in self.attendance:
            row.facility_obj = by_code.get(row["facility"].value())
        self.plan: list[tuple[Facility, int]] = []

    def _existing_attendance(self) -> dict[int, Attendance]:
        """Stored attendance by facility id (one query; none for a new activity)."""
        if not self.instance.pk:
            return {}
        rows = self.instance.attendances.select_related("facility").order_by(
            in_vietnamese_order("facility__name"), "facility__code"
        )
        return {a.facility_id: a for a in rows}

    def clean(self) -> dict:
        cleaned = super().clean()
        self.attendance.is_valid()
        rows = self._kept_rows()
        listed = {code for _row, code, _people in rows}
        pasted = [code for code in parse_codes(cleaned.get("paste")) if code not in listed]
        found = Facility.objects.in_bulk([*listed, *pasted], field_name="code")
        self._check_rows(rows, found)
        self._check_pasted(pasted, found)
        plan = [(found[code], people) for _row, code, people in rows if code in found]
        plan += [(found[code], 1) for code in pasted if code in found]
        self._check_open(plan, cleaned.get("held_on"))
        if not self.attendance.is_valid():
            self.add_error(None, _("Some attendance rows need correcting: see the messages next to them."))
        self.plan = plan
        return cleaned

    def _kept_rows(self) -> list[tuple[AttendanceRowForm, str, int]]:
        """(row, code, people) of rows that are filled in, valid so far and not marked for deletion."""
        return [
            (row, row.cleaned_data["facility"], row.cleaned_data["people"])
            for row in self.attendance
            if row.is_valid() and "facility" in row.cleaned_data and not self.attendance._should_delete_form(row)
        ]

    def _check_rows(self, rows: list, found: dict[str, Facility]) -> None:
        """Mark rows whose code is unknown; refuse a facility listed twice, by name."""
        for row, code, _people in rows:
            row.facility_obj = found.get(code)
            if code not in found:
                row.add_error("facility", _("No facility has the code “%(value)s”.") % {"value": code})
        counts = Counter(code for _row, code, _people in rows if code in found)
        twice = [str(found[code]) for code, count in counts.items() if count > 1]
        if twice:
            self.add_error(
                None,
                _("These facilities are listed more than once: %(names)s. Keep one row for each.")
                % {"names": "; ".join(twice)},
            )

    def _check_pasted(self, pasted: list[str], found: dict[str, Facility]) -> None:
        unknown = [code for code in pasted if code not in found]
        if unknown:
            message = ngettext(
                "Unknown facility code: %(codes)s. Nothing was saved: correct or remove it and save again.",
                "Unknown facility codes: %(codes)s. Nothing was saved: correct or remove them and save again.",
                len(unknown),
            )
            self.add_error("paste", message % {"codes": ", ".join(unknown)})

    def _check_open(self, plan: list[tuple[Facility, int]], day: datetime.date | None) -> None:
        if not day:
            return
        for facility, _people in plan:
            for _field, problem in facility_not_open(facility, day):
                self.add_error(None, problem)

    def save(self, commit: bool = True) -> OutreachActivity:
        """Save the activity and make its attendance match the rows, or save nothing
        (``commit`` is ignored: attendance needs a saved activity)."""
        with pathway.deferred():
            activity = super().save()
            self._save_attendance(activity)
            pathway.touch_records([activity])  # bulk writes below send no signals
        return activity

    def _save_attendance(self, activity: OutreachActivity) -> None:
        wanted = {facility.pk: people for facility, people in self.plan}
        gone = [a.pk for facility_id, a in self.existing.items() if facility_id not in wanted]
        if gone:
            Attendance.objects.filter(pk__in=gone).delete()
        changed = [a for fid, a in self.existing.items() if fid in wanted and a.people != wanted[fid]]
        for attendance in changed:
            attendance.people = wanted[attendance.facility_id]
        # The *_with_history writes record the change with the signed-in user (from
        # simple-history's middleware); the delete above records it through signals.
        if changed:
            bulk_update_with_history(changed, Attendance, ["people"])
        added = [
            Attendance(activity=activity, facility_id=fid, people=people)
            for fid, people in wanted.items()
            if fid not in self.existing
        ]
        if added:
            bulk_create_with_history(added, Attendance)


# --- Specialists, demonstration models ------------------------------------------


class AppointmentForm(SubmitOnceMixin, RecordForm):
    """A CP specialist appointed in a unit's People's Committee."""

    past_dates = ("appointed_on",)

    class Meta:
        model = Specialist
        fields = ("unit", "name", "position", "appointed_on")


class SpecialistForm(VersionedFormMixin, RecordForm):
    """A specialist's record corrected: a name mistyped, the wrong unit or day (the model's rules
    apply as when appointed: the unit existing then, one per unit, name and day)."""

    past_dates = ("appointed_on", "left_on")

    class Meta:
        model = Specialist
        fields = ("unit", "name", "position", "appointed_on", "left_on")


class DepartureForm(VersionedFormMixin, RecordForm):
    """The day a specialist left the post (empty while in post)."""

    past_dates = ("left_on",)

    class Meta:
        model = Specialist
        fields = ("left_on",)


class DemonstrationForm(SubmitOnceMixin, VersionedFormMixin, RecordForm):
    """A demonstration model at its host facility (the host's pathway counts it from its start)."""

    host = FacilityField(label=gettext_lazy("host facility (code)"))
    past_dates = ("started_on",)

    class Meta:
        model = DemonstrationModel
        fields = ("host", "name", "technology", "started_on", "results")


class ReplicationForm(SubmitOnceMixin, VersionedFormMixin, RecordForm):
    """A demonstration model copied at another facility."""

    facility = FacilityField()
    past_dates = ("replicated_on",)

    class Meta:
        model = Replication
        fields = ("model", "facility", "replicated_on", "notes")
