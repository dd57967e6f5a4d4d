"""What the programme does: its periods, outreach, surveys, support, CP
solutions with their savings (measured or reported), demonstration models, specialists.

Every record is dated so that indicators can be computed as of any day.
"""

import datetime
from collections.abc import Callable, Iterable
from decimal import ROUND_HALF_UP, Decimal

from django.core.exceptions import NON_FIELD_ERRORS, ObjectDoesNotExist, ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.deconstruct import deconstructible
from django.utils.formats import number_format
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from cpdash.dates import local_day
from cpdash.models import IMPORTED_PERMISSIONS, Searchable
from cpdash.numbers import number_text
from facilities.models import AdministrativeUnit, Facility, ProductionArea, UnitMembership

# --- Record rules ---------------------------------------------------------------------------------
#
# Each rule a record must keep is written once, here: a function of plain values (no query)
# that returns the record's problems as (model field, message) pairs; none when it is right.
# The models' clean() calls them, so the staff forms (programmes/forms.py) and the admin,
# which validate through the model, refuse what they refuse; the imports
# (programmes/resources.py, programmes/reference_resources.py) call them on the values a
# row has read, with their column for each field, and the demo loader checks its records
# with the models' clean(). ``format_day`` writes the dates; by default as the user's language
# does (local_day, 31/12/2015): the forms, the admin and the imports (which read ISO or day first)
# all say so.

#: A rule's finding: the model field it concerns ("" for the record as a whole) and the message.
Problem = tuple[str, str]
DayFormat = Callable[[datetime.date], str]


def raise_problems(problems: Iterable[Problem]) -> None:
    """Raise the problems as one ValidationError by field (nothing when there are none)."""
    by_field: dict[str, list[str]] = {}
    for field, message in problems:
        by_field.setdefault(field or NON_FIELD_ERRORS, []).append(message)
    if by_field:
        raise ValidationError(by_field)


def related(obj: models.Model, name: str) -> models.Model | None:
    """The object ``obj``'s foreign key ``name`` names, or None when it names none yet
    (a form's record before its field is filled in)."""
    try:
        return getattr(obj, name)
    except ObjectDoesNotExist:
        return None


def facility_not_open(
    facility: Facility | None, day: datetime.date | None, field: str = "facility", format_day: DayFormat = local_day
) -> list[Problem]:
    """Nothing is recorded at a facility on a day it was not open (not yet opened, or closed)."""
    if facility is None or day is None:
        return []
    problem = facility.not_open_reason(day, format_day)
    return [(field, problem)] if problem else []


def unit_not_valid(
    unit: AdministrativeUnit | None, day: datetime.date | None, format_day: DayFormat = local_day
) -> list[Problem]:
    """A record names a unit only on a day the unit existed (formed by then, not split,
    merged or ended). Reads the unit's successors only when it had ended."""
    if unit is None or day is None:
        return []
    problem = unit.not_valid_reason(day, format_day)
    return [("unit", problem)] if problem else []


def ends_before_starts(
    starts_on: datetime.date | None, ends_on: datetime.date | None, format_day: DayFormat = local_day
) -> list[Problem]:
    """A programme or a phase does not end before it starts."""
    if starts_on and ends_on and ends_on < starts_on:
        message = gettext("It ends on %(ends)s, before it starts on %(starts)s.") % {
            "ends": format_day(ends_on),
            "starts": format_day(starts_on),
        }
        return [("ends_on", message)]
    return []


def left_before_appointed(
    appointed_on: datetime.date | None, left_on: datetime.date | None, format_day: DayFormat = local_day
) -> list[Problem]:
    """A specialist does not leave before being appointed."""
    if left_on and appointed_on and left_on < appointed_on:
        message = gettext("A specialist cannot leave before being appointed (on %(day)s).") % {
            "day": format_day(appointed_on)
        }
        return [("left_on", message)]
    return []


def left_after_unit_ended(
    unit: AdministrativeUnit | None, left_on: datetime.date | None, format_day: DayFormat = local_day
) -> list[Problem]:
    """A post in a unit's People's Committee ends with the unit (the 2025 reform ended every
    district's): the first day no longer in post is at the latest the day after the unit's last."""
    if unit is None or left_on is None or unit.valid_until is None:
        return []
    latest = unit.valid_until + datetime.timedelta(days=1)
    if left_on <= latest:
        return []
    message = gettext(
        "%(unit)s no longer existed after %(end)s, and the post ended with it: the first day no longer "
        "in post is %(latest)s at the latest (leave the day empty if the specialist stayed until then)."
    ) % {"unit": unit, "end": format_day(unit.valid_until), "latest": format_day(latest)}
    return [("left_on", message)]


def support_before_survey(
    surveyed_on: datetime.date | None, given_on: datetime.date | None, format_day: DayFormat = local_day
) -> list[Problem]:
    """Support is not given before the survey it follows."""
    if given_on and surveyed_on and given_on < surveyed_on:
        message = gettext("Support given on %(given)s, before the survey on %(surveyed)s.") % {
            "given": format_day(given_on),
            "surveyed": format_day(surveyed_on),
        }
        return [("given_on", message)]
    return []


def _ends_after_starts(prefix: str, start: str, end: str, message) -> models.CheckConstraint:
    return models.CheckConstraint(
        condition=Q(**{f"{end}__isnull": True}) | Q(**{f"{end}__gte": F(start)}),
        name=f"{prefix}_{end}_after_{start}",
        violation_error_message=message,
    )


class Programme(models.Model):
    """A cleaner-production programme, e.g. Hanoi's CP programme 2011–2020."""

    slug = models.SlugField(_("slug"), unique=True)
    name = models.CharField(_("name"), max_length=200)
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"))
    description = models.TextField(_("description"), blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("programme")
        verbose_name_plural = _("programmes")
        ordering = ["-starts_on"]
        constraints = [
            _ends_after_starts("programme", "starts_on", "ends_on", _("A programme cannot end before it starts."))
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        raise_problems(ends_before_starts(self.starts_on, self.ends_on))


class Phase(models.Model):
    """A phase of a programme (e.g. “to 2015”, “2016–2020”) that targets belong to."""

    programme = models.ForeignKey(
        Programme, on_delete=models.CASCADE, related_name="phases", verbose_name=_("programme")
    )
    name = models.CharField(_("name"), max_length=100)
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"))

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("phase")
        verbose_name_plural = _("phases")
        ordering = ["programme", "starts_on"]
        constraints = [
            _ends_after_starts("phase", "starts_on", "ends_on", _("A phase cannot end before it starts.")),
            models.UniqueConstraint(fields=["programme", "name"], name="phase_unique_name_in_programme"),
        ]

    def __str__(self) -> str:
        return f"{self.programme}: {self.name}"

    def clean(self) -> None:
        raise_problems(ends_before_starts(self.starts_on, self.ends_on))


class SpecialistQuerySet(models.QuerySet):
    def in_post_on(self, day: datetime.date) -> "SpecialistQuerySet":
        """Specialists appointed on or before ``day`` who had not left by it, in a unit that still
        existed (a post ends with its People's Committee: Specialist.out_of_post_on)."""
        return self.filter(
            Q(appointed_on__lte=day),
            Q(left_on__isnull=True) | Q(left_on__gt=day),
            Q(unit__valid_until__isnull=True) | Q(unit__valid_until__gte=day),
        )


class Specialist(Searchable):
    """A CP specialist in a unit's People's Committee."""

    unit = models.ForeignKey(
        AdministrativeUnit, on_delete=models.PROTECT, related_name="specialists", verbose_name=_("administrative unit")
    )
    name = models.CharField(_("name"), max_length=150)
    position = models.CharField(_("position"), max_length=150, blank=True)
    appointed_on = models.DateField(_("appointed on"))
    #: The first day NOT in post (so in post on D means appointed_on ≤ D < left_on): see
    #: docs/indicators.md, "People's Committee specialist coverage".
    left_on = models.DateField(
        _("left on (first day no longer in post)"),
        null=True,
        blank=True,
        help_text=_(
            "The first day the specialist is no longer in post: from that day on, the unit no longer counts "
            "them (the last day in post is the day before). Leave empty while in post."
        ),
    )

    objects = SpecialistQuerySet.as_manager()

    history = HistoricalRecords(excluded_fields=["search_text"])

    class Meta:
        verbose_name = _("CP specialist")
        default_permissions = IMPORTED_PERMISSIONS  # imported from spreadsheets: Admins only
        verbose_name_plural = _("CP specialists")
        ordering = ["unit", "-appointed_on"]
        constraints = [
            _ends_after_starts(
                "specialist", "appointed_on", "left_on", _("A specialist cannot leave before being appointed.")
            ),
            # The import's natural key (programmes/resources.py): one specialist per unit, name and day.
            models.UniqueConstraint(
                fields=["unit", "name", "appointed_on"],
                name="specialist_once_per_unit_name_day",
                violation_error_message=_(
                    "This specialist is already recorded in this unit with this appointment date."
                ),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} — {self.unit}"

    @property
    def out_of_post_on(self) -> datetime.date | None:
        """The first day no longer in post: ``left_on``, or the day after the unit's last day
        when the unit ended first (a post ends with its People's Committee; the 2025 reform
        ended every district's). None while in post with no end in sight."""
        ends = self.unit.valid_until + datetime.timedelta(days=1) if self.unit.valid_until else None
        return min((day for day in (self.left_on, ends) if day), default=None)

    @property
    def ended_with_unit(self) -> bool:
        """The post ends (or ended) with its unit, before any departure recorded."""
        return self.out_of_post_on is not None and self.out_of_post_on != self.left_on

    def clean(self) -> None:
        unit = related(self, "unit")
        raise_problems(
            [
                *unit_not_valid(unit, self.appointed_on),
                *left_before_appointed(self.appointed_on, self.left_on),
                *left_after_unit_ended(unit, self.left_on),
            ]
        )


#: The most people or copies an outreach activity counts: its participants, the copies it issued
#: (leaflets), the people from one facility. Far above any the department holds (the demo's
#: largest: 4,000 leaflets), yet a count above it is a typing mistake (digits typed twice, a phone
#: number), which PostgreSQL's integer maximum (cpdash.models.MAX_COUNT) let through.
MAX_OUTREACH_COUNT = 1_000_000


@deconstructible
class CountCeiling(MaxValueValidator):
    """A MaxValueValidator whose message writes both numbers as the language does ("1.000.000"),
    not Django's "Ensure this value is less than or equal to 1000000.". A MaxValueValidator still,
    so that Django adds no limit of the database's beside it (IntegerField.validators)."""

    message = _("%(value)s is too many for one activity: at most %(limit)s.")

    def __call__(self, value) -> None:
        if self.compare(value, self.limit_value):
            raise ValidationError(
                self.message,
                code=self.code,
                params={"value": number_text(value), "limit": number_text(self.limit_value)},
            )


#: Validators of the outreach counts, on the model fields (the staff forms and the admin run them)
#: and on their import columns (programmes/resources.py): each refuses the same count, saying so alike.
OUTREACH_COUNT_VALIDATORS = [CountCeiling(MAX_OUTREACH_COUNT)]


class OutreachActivity(Searchable):
    """An awareness-raising activity; facilities that took part are its attendance."""

    SEARCH_SOURCE = ("title", "organiser", "venue")

    class Kind(models.TextChoices):
        SYMPOSIUM = "symposium", _("symposium")
        WORKSHOP = "workshop", _("workshop")
        TRAINING = "training", _("training")
        LEAFLETS = "leaflets", _("leaflet distribution")
        RESULTS_REPORT = "results_report", _("results report")
        MEDIA = "media", _("media")

    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    title = models.CharField(_("title"), max_length=255)
    held_on = models.DateField(_("date"))
    organiser = models.CharField(_("organiser"), max_length=200, blank=True)
    unit = models.ForeignKey(
        AdministrativeUnit,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="activities",
        verbose_name=_("administrative unit"),
    )
    venue = models.CharField(_("venue"), max_length=200, blank=True)
    participants = models.PositiveIntegerField(
        _("participants"),
        null=True,
        blank=True,
        validators=OUTREACH_COUNT_VALIDATORS,
        help_text=_("Number of people who took part."),
    )
    quantity = models.PositiveIntegerField(
        _("quantity"),
        null=True,
        blank=True,
        validators=OUTREACH_COUNT_VALIDATORS,
        help_text=_("Copies issued, e.g. 5,000 leaflets."),
    )

    history = HistoricalRecords(excluded_fields=["search_text"])

    class Meta:
        verbose_name = _("outreach activity")
        default_permissions = IMPORTED_PERMISSIONS  # imported from spreadsheets: Admins only
        verbose_name_plural = _("outreach activities")
        ordering = ["-held_on", "title"]
        indexes = [models.Index(fields=["held_on"])]
        constraints = [
            # The import's natural key (programmes/resources.py).
            models.UniqueConstraint(
                fields=["kind", "title", "held_on"],
                name="activity_once_per_kind_title_day",
                violation_error_message=_("An activity of this kind with this title is already recorded on this date."),
            )
        ]

    def __str__(self) -> str:
        return f"{self.title} ({self.held_on:%d/%m/%Y})"

    def clean(self) -> None:
        raise_problems(unit_not_valid(related(self, "unit"), self.held_on))


class Attendance(models.Model):
    """A facility's part in an outreach activity (one row per facility)."""

    activity = models.ForeignKey(
        OutreachActivity, on_delete=models.CASCADE, related_name="attendances", verbose_name=_("activity")
    )
    facility = models.ForeignKey(
        Facility, on_delete=models.PROTECT, related_name="attendances", verbose_name=_("facility")
    )
    people = models.PositiveIntegerField(
        _("people"), default=1, validators=OUTREACH_COUNT_VALIDATORS, help_text=_("People from this facility.")
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("attendance")
        verbose_name_plural = _("attendance")
        constraints = [
            models.UniqueConstraint(
                fields=["activity", "facility"],
                name="attendance_once_per_activity",
                violation_error_message=_("This facility is already listed for this activity."),
            )
        ]

    def __str__(self) -> str:
        return f"{self.facility} @ {self.activity}"

    def clean(self) -> None:
        activity = related(self, "activity")
        raise_problems(facility_not_open(related(self, "facility"), activity.held_on if activity else None))


class AwarenessRecord(models.Model):
    """Awareness of CP recorded at a facility by other means than an activity
    (a questionnaire, a visit, a letter answered): one dated piece of evidence."""

    facility = models.ForeignKey(
        Facility, on_delete=models.PROTECT, related_name="awareness_records", verbose_name=_("facility")
    )
    recorded_on = models.DateField(_("date"))
    source = models.CharField(_("source"), max_length=200, help_text=_("How awareness was established."))

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("awareness record")
        verbose_name_plural = _("awareness records")
        ordering = ["-recorded_on"]

    def __str__(self) -> str:
        return f"{self.facility} ({self.recorded_on:%d/%m/%Y})"


class OptionCategory(models.TextChoices):
    """The eight UNEP/UNIDO categories of CP options."""

    GOOD_HOUSEKEEPING = "good_housekeeping", _("good housekeeping")
    INPUT_CHANGE = "input_change", _("input material change")
    PROCESS_CONTROL = "process_control", _("better process control")
    EQUIPMENT_MODIFICATION = "equipment_modification", _("equipment modification")
    TECHNOLOGY_CHANGE = "technology_change", _("technology change")
    RECOVERY_REUSE = "recovery_reuse", _("on-site recovery/reuse")
    BY_PRODUCTS = "by_products", _("production of useful by-products")
    PRODUCT_MODIFICATION = "product_modification", _("product modification")


class Survey(models.Model):
    """A CP survey (assessment) of one facility."""

    facility = models.ForeignKey(Facility, on_delete=models.PROTECT, related_name="surveys", verbose_name=_("facility"))
    surveyed_on = models.DateField(_("date"))
    surveyors = models.CharField(_("surveyors"), max_length=255, blank=True)
    findings = models.TextField(_("findings"), blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("CP survey")
        default_permissions = IMPORTED_PERMISSIONS  # imported from spreadsheets: Admins only
        verbose_name_plural = _("CP surveys")
        ordering = ["-surveyed_on"]
        indexes = [models.Index(fields=["surveyed_on"])]
        constraints = [
            # The import's natural key (programmes/resources.py): a survey of a facility on a day is one
            # survey, to which options and support are added.
            models.UniqueConstraint(
                fields=["facility", "surveyed_on"],
                name="survey_once_per_facility_day",
                violation_error_message=_(
                    "This facility already has a CP survey on this date: open that survey to add to it."
                ),
            )
        ]

    def __str__(self) -> str:
        return f"{self.facility} ({self.surveyed_on:%d/%m/%Y})"

    def clean(self) -> None:
        raise_problems(facility_not_open(related(self, "facility"), self.surveyed_on))


class CPOption(models.Model):
    """A CP option found by a survey, and what became of it."""

    class State(models.TextChoices):
        IDENTIFIED = "identified", _("identified")
        IMPLEMENTED = "implemented", _("implemented")
        REJECTED = "rejected", _("rejected")

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="options", verbose_name=_("survey"))
    category = models.CharField(_("category"), max_length=30, choices=OptionCategory.choices)
    description = models.CharField(
        _("description"), max_length=500, blank=True, help_text=_("Empty when the survey names only the category.")
    )
    state = models.CharField(_("state"), max_length=20, choices=State.choices, default=State.IDENTIFIED)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("CP option")
        verbose_name_plural = _("CP options")
        constraints = [
            # The import's key of an option within its survey (programmes/resources.py).
            models.UniqueConstraint(
                fields=["survey", "category", "description"],
                name="option_once_per_survey",
                violation_error_message=_("This option is already listed for this survey."),
            )
        ]

    def __str__(self) -> str:
        return self.description or str(self.get_category_display())


class TechnicalSupport(models.Model):
    """Support given to a surveyed facility: technique, technology, or process control."""

    class Kind(models.TextChoices):
        TECHNIQUE = "technique", _("technique")
        TECHNOLOGY = "technology", _("technology")
        PROCESS_CONTROL = "process_control", _("production-process control")

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="supports", verbose_name=_("survey"))
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    given_on = models.DateField(
        _("date"),
        null=True,
        blank=True,
        help_text=_("Empty when the day is not known: the support then counts from the survey's date."),
    )
    description = models.CharField(_("description"), max_length=500, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("technical support")
        verbose_name_plural = _("technical support")
        ordering = ["-given_on"]
        constraints = [
            models.UniqueConstraint(
                fields=["survey", "kind"],
                name="support_kind_once_per_survey",
                violation_error_message=_("This kind of support is already recorded for this survey."),
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} — {self.survey}"

    def clean(self) -> None:
        survey = related(self, "survey")
        if survey is not None:
            raise_problems(support_problems(survey.surveyed_on, related(survey, "facility"), self.given_on))


def support_problems(
    surveyed_on: datetime.date | None,
    facility: Facility | None,
    given_on: datetime.date | None,
    format_day: DayFormat = local_day,
) -> list[Problem]:
    """Support is given on or after its survey, while the surveyed facility was open."""
    return support_before_survey(surveyed_on, given_on, format_day) or facility_not_open(
        facility, given_on, "given_on", format_day
    )


class DemonstrationModel(Searchable):
    """A demonstration model at a host facility, e.g. the gas-fired kiln at Kim Lan."""

    SEARCH_SOURCE = ("name", "technology")

    host = models.ForeignKey(
        Facility, on_delete=models.PROTECT, related_name="demonstrations", verbose_name=_("host facility")
    )
    name = models.CharField(_("name"), max_length=200)
    technology = models.CharField(_("technology"), max_length=200)
    started_on = models.DateField(_("started on"))
    results = models.TextField(_("results"), blank=True)

    history = HistoricalRecords(excluded_fields=["search_text"])

    class Meta:
        verbose_name = _("demonstration model")
        verbose_name_plural = _("demonstration models")
        ordering = ["-started_on"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        problems = facility_not_open(related(self, "host"), self.started_on, field="host")
        if self.pk and self.started_on:
            # A start moved after replications would leave them before their model (Replication.clean).
            first = self.replications.order_by("replicated_on").values_list("replicated_on", flat=True).first()
            if first is not None and first < self.started_on:
                message = gettext("The model cannot start after its first replication, on %(day)s.")
                problems.append(("started_on", message % {"day": local_day(first)}))
        raise_problems(problems)


class Replication(models.Model):
    """A demonstration model copied at another facility."""

    model = models.ForeignKey(
        DemonstrationModel, on_delete=models.CASCADE, related_name="replications", verbose_name=_("demonstration model")
    )
    facility = models.ForeignKey(
        Facility, on_delete=models.PROTECT, related_name="replications", verbose_name=_("facility")
    )
    replicated_on = models.DateField(_("date"))
    notes = models.CharField(_("notes"), max_length=500, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("replication")
        verbose_name_plural = _("replications")
        ordering = ["-replicated_on"]
        constraints = [
            models.UniqueConstraint(
                fields=["model", "facility"],
                name="replication_once_per_facility",
                violation_error_message=_("This facility already replicates this model."),
            )
        ]

    def __str__(self) -> str:
        return f"{self.model} → {self.facility}"

    def clean(self) -> None:
        if self.model_id and self.facility_id and self.model.host_id == self.facility_id:
            raise ValidationError({"facility": _("The host facility cannot replicate its own model.")})
        if self.model_id and self.replicated_on and self.replicated_on < self.model.started_on:
            message = gettext("A replication cannot predate the model it copies, which started on %(day)s.")
            raise ValidationError({"replicated_on": message % {"day": local_day(self.model.started_on)}})
        raise_problems(facility_not_open(related(self, "facility"), self.replicated_on))


class Stage(models.TextChoices):
    """How far a CP solution has come: only identified (not applying CP), implemented,
    or verified after a period of operation (docs/indicators.md, "Evidence of a saving")."""

    IDENTIFIED = "identified", _("identified only")
    IMPLEMENTED = "implemented", _("implemented")
    VERIFIED = "verified", _("verified after a period")


class Evidence(models.TextChoices):
    """How a saving is known, weakest first (the order ranks them: EVIDENCE_RANK)."""

    SELF_REPORTED = "self_reported", _("self-reported")
    ESTIMATED = "estimated", _("estimated by an engineer")
    MEASURED = "measured", _("measured (metered data or invoices)")
    AUDITED = "audited", _("audited")


#: Strength of each evidence level: the larger, the stronger.
EVIDENCE_RANK: dict[str, int] = {value: rank for rank, value in enumerate(Evidence.values)}


#: Refused when the stage and the day of verification disagree (verification_problems and a check constraint).
VERIFIED_ON_NEEDED = _("A verified solution needs the day it was verified; only a verified one has that day.")
VERIFIED_BEFORE_IMPLEMENTED = _("A solution cannot be verified before it was implemented.")


def verification_problems(
    stage: str, implemented_on: datetime.date | None, verified_on: datetime.date | None
) -> list[Problem]:
    """Only a verified solution has the day it was verified, and it has one, not before
    the solution was implemented."""
    if (stage == Stage.VERIFIED) != (verified_on is not None):
        return [("verified_on", str(VERIFIED_ON_NEEDED))]
    if verified_on and implemented_on and verified_on < implemented_on:
        return [("verified_on", str(VERIFIED_BEFORE_IMPLEMENTED))]
    return []


class Solution(models.Model):
    """A CP solution at a facility, with its measured savings: only identified,
    implemented, or verified after a period (``stage``). Only implemented and
    verified solutions count as applying CP; a verified one counts as verified
    from ``verified_on``."""

    facility = models.ForeignKey(
        Facility, on_delete=models.PROTECT, related_name="solutions", verbose_name=_("facility")
    )
    implemented_on = models.DateField(
        _("implemented on"), help_text=_("For a solution only identified: the day it was identified.")
    )
    stage = models.CharField(
        _("stage"),
        max_length=20,
        choices=Stage.choices,
        default=Stage.IMPLEMENTED,
        db_default=Stage.IMPLEMENTED,
        help_text=_("Only identified: not yet applying CP. Verified: checked after a period of operation."),
    )
    verified_on = models.DateField(
        _("verified on"),
        null=True,
        blank=True,
        help_text=_("Only for a verified solution: the day the saving was verified, after implementation."),
    )
    category = models.CharField(_("category"), max_length=30, choices=OptionCategory.choices)
    description = models.CharField(_("description"), max_length=500)
    investment = models.DecimalField(_("investment (VND)"), max_digits=16, decimal_places=0, null=True, blank=True)
    annual_saving = models.DecimalField(
        _("annual saving (VND)"), max_digits=16, decimal_places=0, null=True, blank=True
    )
    co2_avoided = models.DecimalField(_("CO₂ avoided (t/year)"), max_digits=12, decimal_places=2, null=True, blank=True)
    survey = models.ForeignKey(
        Survey, on_delete=models.SET_NULL, null=True, blank=True, related_name="solutions", verbose_name=_("survey")
    )
    demonstration = models.ForeignKey(
        DemonstrationModel,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="solutions",
        verbose_name=_("demonstration model"),
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("CP solution")
        default_permissions = IMPORTED_PERMISSIONS  # imported from spreadsheets: Admins only
        verbose_name_plural = _("CP solutions")
        ordering = ["-implemented_on"]
        indexes = [models.Index(fields=["implemented_on"])]
        constraints = [
            # The import's natural key (programmes/resources.py).
            models.UniqueConstraint(
                fields=["facility", "implemented_on", "description"],
                name="solution_once_per_facility_day",
                violation_error_message=_("This solution is already recorded for this facility on this date."),
            ),
            models.CheckConstraint(
                condition=Q(investment__isnull=True) | Q(investment__gte=0),
                name="solution_investment_not_negative",
                violation_error_message=_("Investment cannot be negative."),
            ),
            models.CheckConstraint(
                condition=Q(co2_avoided__isnull=True) | Q(co2_avoided__gte=0),
                name="solution_co2_not_negative",
                violation_error_message=_("CO₂ avoided cannot be negative."),
            ),
            models.CheckConstraint(
                condition=Q(stage=Stage.VERIFIED, verified_on__isnull=False)
                | ~Q(stage=Stage.VERIFIED) & Q(verified_on__isnull=True),
                name="solution_verified_on_iff_verified",
                violation_error_message=VERIFIED_ON_NEEDED,
            ),
            models.CheckConstraint(
                condition=Q(verified_on__isnull=True) | Q(verified_on__gte=F("implemented_on")),
                name="solution_verified_after_implemented",
                violation_error_message=VERIFIED_BEFORE_IMPLEMENTED,
            ),
        ]

    def __str__(self) -> str:
        return f"{self.description} — {self.facility}"

    def clean(self) -> None:
        raise_problems(
            [
                *facility_not_open(related(self, "facility"), self.implemented_on),
                *verification_problems(self.stage, self.implemented_on, self.verified_on),
            ]
        )

    @property
    def payback_years(self) -> Decimal | None:
        """Simple payback in years; None without both investment and a positive annual saving."""
        if self.investment is None or not self.annual_saving or self.annual_saving <= 0:
            return None
        return (self.investment / self.annual_saving).quantize(Decimal("0.1"))


class Resource(models.TextChoices):
    ENERGY = "energy", _("energy")
    RAW_MATERIAL = "raw_material", _("raw material")
    FUEL = "fuel", _("fuel")
    WATER = "water", _("water")


class MeasureUnit(models.TextChoices):
    """Units of consumption per unit of product; one unit for both values of a row."""

    KWH = "kWh", "kWh"
    MWH = "MWh", "MWh"
    TOE = "TOE", "TOE"
    GJ = "GJ", "GJ"
    M3 = "m3", "m³"
    TONNE = "t", "t"
    KG = "kg", "kg"
    LITRE = "L", "L"


#: Savings are percent with 4 decimal places (a millionth of the baseline), exact decimals
#: in the database and in Python. 22 digits before the point: the largest rise in
#: consumption the baseline and after fields can hold (−10²⁰ %) still fits.
SAVING_PLACES = 4
SAVING_DIGITS = 26
SAVING_QUANTUM = Decimal(1).scaleb(-SAVING_PLACES)


#: Refused when a saving gives both (saving_problems and a check constraint alike).
MEASURED_OR_REPORTED = _("A saving is either measured (baseline and after) or reported as a percentage, not both.")


def saving_value_problems(baseline: Decimal | None, after: Decimal | None) -> list[Problem]:
    """Each consumption alone: a baseline above zero, an after-implementation value not below zero."""
    problems = []
    if baseline is not None and baseline <= 0:
        problems.append(("baseline", gettext("Baseline consumption must be above zero.")))
    if after is not None and after < 0:
        problems.append(
            (
                "after",
                gettext("Consumption after implementation cannot be below zero: that would be a saving over 100%."),
            )
        )
    return problems


def saving_problems(
    baseline: Decimal | None, after: Decimal | None, reported_percent: Decimal | None, unit: str
) -> list[Problem]:
    """A saving as a whole: an after-implementation value needs a baseline; a saving is
    measured or reported, not both; and one not reported has a unit of consumption."""
    problems = []
    if after is not None and baseline is None:
        problems.append(
            ("after", gettext("Enter the baseline too: a value after implementation needs one to compare with."))
        )
    if reported_percent is not None and (baseline is not None or after is not None):
        problems.append(("reported_percent", str(MEASURED_OR_REPORTED)))
    elif reported_percent is None and not unit:
        problems.append(("unit", gettext("Choose the unit of consumption, or give only the reported saving (%).")))
    return problems


#: Follows a saving known only as the percentage the facility reported: "6,0% (reported, no measured baseline)".
REPORTED_MARK = _("reported, no measured baseline")


def round_percent(value: Decimal | float) -> Decimal:
    """A percent rounded half up to one decimal place (6.35 → 6.4): savings are exact
    decimals; a float is read as its shortest decimal, never its binary noise."""
    exact = value if isinstance(value, Decimal) else Decimal(repr(float(value)))
    return exact.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def percent(value: Decimal | float) -> str:
    """A percent 0–100 to one decimal place in the current locale, e.g. "6.0%" (no space, as
    every page writes it)."""
    return f"{number_format(round_percent(value), 1)}%"


def _quantity(value: Decimal | float | int | None) -> str:
    """A consumption as the language writes it (cpdash.numbers.number_text), thousands grouped,
    without the column's trailing zeros: 1053.000000 → "1.053" in Vietnamese, "1,053" in
    English; "?" when unknown."""
    return "?" if value is None else number_text(value)


def saving_decimal(value: Decimal | float | int | None) -> Decimal | None:
    """A saving read by raw SQL, as the Decimal the ORM gives for the field (None stays None).

    PostgreSQL returns NUMERIC as Decimal; SQLite, which has no NUMERIC arithmetic,
    returns the REAL nearest the value (or an INTEGER). Either goes through its
    shortest decimal representation, quantized to SAVING_PLACES: 6.3 → Decimal("6.3000").
    """
    if value is None:
        return None
    return Decimal(str(value)).quantize(SAVING_QUANTUM, rounding=ROUND_HALF_UP)


class ResourceSaving(models.Model):
    """The saving of one resource by a solution, percent of consumption per unit of product.

    Either *measured*: consumption per unit of product at baseline and after
    implementation, at the same facility, in ``unit``; or *reported*: only the
    percentage the facility gave (``reported_percent``), with no measured baseline.
    ``saving_percent`` is computed by the database: the measured saving when both values
    are known, else the reported one; percent 0–100 (negative when consumption rose),
    NULL when neither is known.
    """

    solution = models.ForeignKey(Solution, on_delete=models.CASCADE, related_name="savings", verbose_name=_("solution"))
    resource = models.CharField(_("resource"), max_length=20, choices=Resource.choices)
    # Blank only without a baseline (a reported percentage): saving_baseline_needs_unit.
    unit = models.CharField(_("unit"), max_length=10, choices=MeasureUnit.choices, blank=True)
    product_unit = models.CharField(
        _("per unit of product"), max_length=50, blank=True, help_text=_("e.g. “t of ceramics”, “1,000 m of fabric”.")
    )
    baseline = models.DecimalField(
        _("baseline per unit of product"), max_digits=18, decimal_places=6, null=True, blank=True
    )
    after = models.DecimalField(_("after per unit of product"), max_digits=18, decimal_places=6, null=True, blank=True)
    reported_percent = models.DecimalField(
        _("reported saving (%)"),
        max_digits=SAVING_DIGITS,
        decimal_places=SAVING_PLACES,
        null=True,
        blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
        help_text=_("Only when consumption before and after is not known: the saving as the facility reported it."),
    )
    saving_percent = models.GeneratedField(
        # PostgreSQL: exact NUMERIC arithmetic (the literal 100.0 is NUMERIC there), rounded
        # half up to SAVING_PLACES. SQLite has no NUMERIC arithmetic and stores whole-number
        # decimals as INTEGER: the REAL 100.0 keeps 1 / 3 from being 0, and ROUND() stores the
        # float nearest the 4-place decimal, which Django reads back as that Decimal.
        # Without a measured saving, the reported one (a column of the same places, never
        # both: saving_measured_or_reported).
        expression=models.functions.Coalesce(
            models.functions.Round(
                models.expressions.CombinedExpression(
                    models.F("baseline") - models.F("after"),
                    "*",
                    models.Value(100.0),
                    output_field=models.DecimalField(),
                )
                # NullIf: PostgreSQL computes generated columns before CHECK constraints,
                # so a zero baseline must give NULL here and fail the baseline > 0 check.
                / models.functions.NullIf(models.F("baseline"), models.Value(Decimal(0))),
                SAVING_PLACES,
            ),
            models.F("reported_percent"),
            output_field=models.DecimalField(max_digits=SAVING_DIGITS, decimal_places=SAVING_PLACES),
        ),
        output_field=models.DecimalField(max_digits=SAVING_DIGITS, decimal_places=SAVING_PLACES),
        db_persist=True,
        verbose_name=_("saving (%)"),
    )

    evidence = models.CharField(
        _("evidence"),
        max_length=20,
        choices=Evidence.choices,
        default=Evidence.SELF_REPORTED,
        db_default=Evidence.SELF_REPORTED,
        help_text=_("How the saving is known: self-reported, estimated by an engineer, measured, or audited."),
    )

    history = HistoricalRecords(excluded_fields=["saving_percent"])

    class Meta:
        verbose_name = _("resource saving")
        verbose_name_plural = _("resource savings")
        constraints = [
            models.UniqueConstraint(
                fields=["solution", "resource"],
                name="saving_once_per_resource",
                violation_error_message=_("This resource is already measured for this solution."),
            ),
            models.CheckConstraint(
                condition=Q(baseline__isnull=True) | Q(baseline__gt=0),
                name="saving_baseline_positive",
                violation_error_message=_("Baseline consumption must be above zero."),
            ),
            models.CheckConstraint(
                condition=Q(after__isnull=True) | Q(after__gte=0),
                name="saving_after_not_negative",
                violation_error_message=_("Consumption after implementation cannot be below zero."),
            ),
            models.CheckConstraint(
                condition=Q(after__isnull=True) | Q(baseline__isnull=False),
                name="saving_after_needs_baseline",
                violation_error_message=_("An after-implementation value needs a baseline."),
            ),
            models.CheckConstraint(
                condition=Q(baseline__isnull=True) | ~Q(unit=""),
                name="saving_baseline_needs_unit",
                violation_error_message=_("A baseline needs a unit."),
            ),
            models.CheckConstraint(
                condition=Q(reported_percent__isnull=True) | Q(baseline__isnull=True),
                name="saving_measured_or_reported",
                violation_error_message=MEASURED_OR_REPORTED,
            ),
            models.CheckConstraint(
                condition=Q(reported_percent__isnull=True) | Q(reported_percent__gte=0, reported_percent__lte=100),
                name="saving_reported_percent_range",
                violation_error_message=_("A reported saving is a percentage from 0 to 100."),
            ),
        ]

    def __str__(self) -> str:
        """As the language writes numbers (the admin's titles and inlines, the history):
        "Energy: 1,053 → 986 kWh", "Water: 6.4% (reported, no measured baseline)"."""
        if not self.has_measured_baseline and self.reported_percent is not None:
            return f"{self.get_resource_display()}: {percent(self.reported_percent)} ({REPORTED_MARK})"
        return f"{self.get_resource_display()}: {_quantity(self.baseline)} → {_quantity(self.after)} {self.unit}"

    def clean(self) -> None:
        raise_problems(
            [
                *saving_value_problems(self.baseline, self.after),
                *saving_problems(self.baseline, self.after, self.reported_percent, self.unit),
            ]
        )

    @property
    def has_measured_baseline(self) -> bool:
        """Whether the saving rests on a measured baseline, not on a percentage the facility reported.

        Figures count both alike (docs/indicators.md, "A facility's saving"); pages and exports
        mark a reported saving with REPORTED_MARK."""
        return self.baseline is not None


# --- Create forms saved once ---------------------------------------------------------------------


class FormSubmission(models.Model):
    """The one-time token of a staff form that created a record.

    A form that creates a record carries a random token in a hidden field; saving
    inserts the token here, in the transaction that writes the record, before the
    record. A second post of the same form (a double click on Save, or Back and Save
    again) finds its token taken and writes nothing: programmes/forms.py,
    ``RecordForm``. Rows older than ``KEPT`` are deleted as new ones come.
    """

    KEPT = datetime.timedelta(days=2)

    token = models.CharField(_("token"), max_length=64, unique=True)
    created_at = models.DateTimeField(_("saved at"), db_index=True)

    class Meta:
        verbose_name = _("form submission")
        verbose_name_plural = _("form submissions")

    def __str__(self) -> str:
        return self.token


# --- The CP pathway: where each facility stands, kept by programmes/pathway.py -----------------


#: The calendar years FacilityPathway.contact_years holds, one bit each (a positive bigint: 63).
CONTACT_YEARS = range(2000, 2063)


class FacilityPathway(models.Model):
    """Where one facility stands on the CP pathway while in one unit: what the targets
    count it by, and the first day of each milestone, from its register entry and its
    records.

    One row per unit membership of a facility (facilities.models.UnitMembership): a
    facility that never moved has one. The register fields (in scope, sector, unit,
    area type, kind) are copied so that every count reads this narrow table alone,
    never the wide register; ``opened_on``/``closed_on`` are the facility's opening and
    closing narrowed to the membership (the later of its opening and the day it moved
    in, the earlier of its closing and the day it moved out), so that "counted on D"
    (facilities.models.counted_q()) holds for at most one row of a facility on any day,
    in the unit it was in then. Every milestone is the earliest date of a kind of record
    (NULL: none), the same on each row of a facility, so "aware on D" is ``aware_on <=
    D``. programmes/pathway.py rewrites a facility's rows in the same transaction as
    every write to the facility, its memberships or its records; nothing else writes
    here, and reads never do (docs/indicators.md, "The pathway"). Field names are the
    register's, so counted_q() and the scope filters apply to both.
    """

    membership = models.OneToOneField(
        UnitMembership,
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="pathway",
        verbose_name=_("unit membership"),
    )
    # A copy of the membership's facility (the membership's own foreign key checks it): no
    # constraint of its own, which would check every row again at the commit of an import of
    # new facilities (docs/performance-history.md, "Writing less per facility"). Deleting the
    # facility still deletes it.
    facility = models.ForeignKey(
        Facility, on_delete=models.CASCADE, related_name="pathways", verbose_name=_("facility"), db_constraint=False
    )
    since = models.DateField(_("in this unit since"), null=True)
    until = models.DateField(_("moved out on"), null=True)
    in_scope = models.BooleanField(_("counts toward targets"))
    opened_on = models.DateField(_("opened on"), null=True)
    closed_on = models.DateField(_("closed on"), null=True)
    sector_id = models.BigIntegerField(_("sector"))
    unit_id = models.BigIntegerField(_("administrative unit"))
    area_id = models.BigIntegerField(_("production area"), null=True)
    # The unit and area by name, for a list sorted by where each facility was on its day (a join;
    # a sub-select per row was 3-7 times slower): relations over the columns above, with no
    # column or constraint of their own.
    unit = models.ForeignObject(
        AdministrativeUnit, on_delete=models.DO_NOTHING, from_fields=["unit_id"], to_fields=["id"], related_name="+"
    )
    area = models.ForeignObject(
        ProductionArea, on_delete=models.DO_NOTHING, from_fields=["area_id"], to_fields=["id"], related_name="+"
    )
    area_kind = models.CharField(_("area type"), max_length=20, blank=True)
    kind = models.CharField(_("kind"), max_length=20)
    attended_on = models.DateField(_("first outreach activity"), null=True)
    awareness_recorded_on = models.DateField(_("first awareness record"), null=True)
    surveyed_on = models.DateField(_("first CP survey"), null=True)
    supported_on = models.DateField(_("first technical support"), null=True)
    applying_on = models.DateField(_("first CP solution"), null=True)
    measured_on = models.DateField(_("first measured saving"), null=True)
    verified_on = models.DateField(_("first verified CP solution"), null=True)
    hosted_on = models.DateField(_("first demonstration model hosted"), null=True)
    replicated_on = models.DateField(_("first replication"), null=True)
    aware_on = models.DateField(_("aware of CP since"), null=True, help_text=_("The earliest contact of any kind."))
    # The facility's contacts by calendar year, one bit a year: bit n for CONTACT_YEARS[0] + n.
    contact_years = models.BigIntegerField(
        _("years with a contact"),
        default=0,
        db_default=0,
        help_text=_("The calendar years with a contact of any kind, one bit a year."),
    )

    class Meta:
        verbose_name = _("CP pathway")
        verbose_name_plural = _("CP pathways")
        indexes = [
            # The rows with a contact: every read by aware_on is of those (a day, or IS NOT NULL),
            # and a new facility, with none yet, writes no entry.
            models.Index(fields=["aware_on"], condition=Q(aware_on__isnull=False), name="pathway_aware"),
            models.Index(fields=["unit_id"]),
            # The rows with a measured saving, which the quartiles of savings join to their
            # steps: a few percent of the rows, found without reading the others.
            models.Index(fields=["measured_on"], condition=Q(measured_on__isnull=False), name="pathway_measured"),
        ]

    def __str__(self) -> str:
        return str(self.membership)


class SavingStepBase(models.Model):
    """The fields of a saving step (SavingStep, VerifiedSavingStep)."""

    resource = models.CharField(_("resource"), max_length=20, blank=True)
    since = models.DateField(_("since"))
    until = models.DateField(_("until"), null=True)
    best = models.DecimalField(_("best saving (%)"), max_digits=SAVING_DIGITS, decimal_places=SAVING_PLACES)
    previous = models.DecimalField(
        _("previous best saving (%)"), max_digits=SAVING_DIGITS, decimal_places=SAVING_PLACES, null=True
    )
    #: The evidence of the saving that is ``best`` (the strongest when several are, on the step's first day).
    evidence = models.CharField(
        _("evidence"),
        max_length=20,
        choices=Evidence.choices,
        default=Evidence.SELF_REPORTED,
        db_default=Evidence.SELF_REPORTED,
    )

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return f"{self.facility_id} {self.resource or '*'} {self.since}: {self.best}"


class SavingStep(SavingStepBase):
    """One step of a facility's best measured saving on a resource ("" = any resource).

    From ``since`` (inclusive) until ``until`` (exclusive; NULL: still), the
    largest saving among the facility's solutions implemented by then (or verified:
    not those only identified) is ``best`` percent; ``previous`` is the best before
    ``since`` (NULL on the first step). The best saving only grows, so a facility
    reached a saving of m on the one step with ``best >= m > previous`` (or no
    previous), and its saving as of D is the step with ``since <= D < until``.
    """

    # Each pathway row of the facility (one per unit membership) has the same steps, so
    # that counts join the steps to the narrow pathway table, not to the register, and a
    # step is read with the unit the facility was in on the day asked.
    pathway = models.ForeignKey(
        FacilityPathway, on_delete=models.CASCADE, related_name="saving_steps", verbose_name=_("CP pathway")
    )
    # The pathway row's facility, checked through the pathway's foreign key (see FacilityPathway.facility).
    facility = models.ForeignKey(
        Facility, on_delete=models.CASCADE, related_name="saving_steps", verbose_name=_("facility"), db_constraint=False
    )

    class Meta:
        verbose_name = _("saving step")
        verbose_name_plural = _("saving steps")
        constraints = [
            models.UniqueConstraint(fields=["pathway", "resource", "since"], name="saving_step_once_per_day"),
        ]
        indexes = [models.Index(fields=["resource", "since"])]


class VerifiedSavingStep(SavingStepBase):
    """The steps of a facility's best *verified* saving: as SavingStep, over the savings
    of verified solutions only, each from the day it was verified (``Solution.verified_on``).
    What a target counting "verified savings only" reads (Target.evidence)."""

    pathway = models.ForeignKey(
        FacilityPathway,
        on_delete=models.CASCADE,
        related_name="verified_saving_steps",
        verbose_name=_("CP pathway"),
    )
    facility = models.ForeignKey(
        Facility, on_delete=models.CASCADE, related_name="verified_saving_steps", verbose_name=_("facility")
    )

    class Meta:
        verbose_name = _("verified saving step")
        verbose_name_plural = _("verified saving steps")
        constraints = [
            models.UniqueConstraint(fields=["pathway", "resource", "since"], name="verified_step_once_per_day"),
        ]
        indexes = [models.Index(fields=["resource", "since"], name="verified_step_resource_since")]
