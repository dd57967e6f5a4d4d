"""Programme targets, admin-managed so that a new phase needs no code.

The indicators engine (targets/indicators.py and friends) computes the actual
values; this module only says what the department aims for.
"""

import datetime
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from facilities.models import AdministrativeUnit, ProductionArea, Sector
from programmes.models import Phase, Resource


def _plain(value: Decimal) -> str:
    """50.00 → "50", 7.50 → "7.5" (Decimal from the database keeps its scale)."""
    return f"{Decimal(value).normalize():f}"


class Indicator(models.TextChoices):
    """What a target measures. Definitions are in docs/indicators.md."""

    AWARENESS = "awareness", _("facilities aware of CP")
    APPLICATION = "application", _("facilities applying CP")
    APPLICATION_WITH_SAVING = "application_with_saving", _("facilities applying CP with the target saving")
    SAVING = "saving", _("saving per unit of product at applying facilities")
    SPECIALIST_COVERAGE = "specialist_coverage", _("People's Committees with a CP specialist")


class SavingsCounted(models.TextChoices):
    """Which savings a saving target counts (Target.evidence)."""

    ALL = "all", _("all savings, with their evidence shown")
    VERIFIED = "verified", _("verified savings only")


#: The indicators whose figures are savings: the ones Target.evidence applies to.
SAVING_INDICATORS = (Indicator.SAVING, Indicator.APPLICATION_WITH_SAVING)


class Target(models.Model):
    """One target of a programme phase: a value, or a range min–max, by a deadline.

    Values are percent 0–100. ``saving_min``/``saving_max`` qualify the
    "applying with the target saving" indicator (e.g. 5–8% saving).
    """

    phase = models.ForeignKey(Phase, on_delete=models.CASCADE, related_name="targets", verbose_name=_("phase"))
    indicator = models.CharField(_("indicator"), max_length=30, choices=Indicator.choices)
    target_min = models.DecimalField(_("target (min)"), max_digits=6, decimal_places=2)
    target_max = models.DecimalField(
        _("target (max)"), max_digits=6, decimal_places=2, null=True, blank=True, help_text=_("Only for a range.")
    )
    unit = models.CharField(_("unit"), max_length=10, default="%")
    deadline = models.DateField(_("deadline"))
    baseline_value = models.DecimalField(_("baseline value"), max_digits=6, decimal_places=2, null=True, blank=True)
    baseline_on = models.DateField(_("baseline date"), null=True, blank=True)
    saving_min = models.DecimalField(
        _("qualifying saving (min %)"), max_digits=5, decimal_places=2, null=True, blank=True
    )
    saving_max = models.DecimalField(
        _("qualifying saving (max %)"), max_digits=5, decimal_places=2, null=True, blank=True
    )
    resource = models.CharField(
        _("resource"), max_length=20, choices=Resource.choices, blank=True, help_text=_("Empty: any resource.")
    )
    sector = models.ForeignKey(
        Sector, on_delete=models.PROTECT, null=True, blank=True, related_name="targets", verbose_name=_("sector")
    )
    unit_scope = models.ForeignKey(
        AdministrativeUnit,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="targets",
        verbose_name=_("administrative unit"),
    )
    area_kind = models.CharField(_("area type"), max_length=20, choices=ProductionArea.Kind.choices, blank=True)
    unit_level = models.CharField(
        _("level of units counted"),
        max_length=10,
        choices=AdministrativeUnit.Level.choices,
        default=AdministrativeUnit.Level.DISTRICT,
        help_text=_(
            "For People's Committees with a CP specialist: the level of the units counted, "
            "e.g. district level for the 2015 target, commune level after the 2025 reform."
        ),
    )

    evidence = models.CharField(
        _("savings counted"),
        max_length=10,
        choices=SavingsCounted.choices,
        default=SavingsCounted.ALL,
        db_default=SavingsCounted.ALL,
        help_text=_(
            "Saving targets only: count every saving, with how strong its evidence is shown beside, "
            "or only savings of solutions verified after a period (from the day they were verified)."
        ),
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("target")
        verbose_name_plural = _("targets")
        ordering = ["phase", "deadline", "indicator"]
        constraints = [
            models.CheckConstraint(
                condition=Q(target_max__isnull=True) | Q(target_max__gte=F("target_min")),
                name="target_max_not_below_min",
                violation_error_message=_("The upper end of a range cannot be below its lower end."),
            ),
            *(
                models.CheckConstraint(
                    condition=Q(**{f"{field}__isnull": True}) | Q(**{f"{field}__gte": 0, f"{field}__lte": 100}),
                    name=f"target_{field}_is_percent",
                    violation_error_message=_("Targets, baselines and savings are percentages between 0 and 100."),
                )
                for field in ("target_min", "target_max", "baseline_value", "saving_min", "saving_max")
            ),
            models.CheckConstraint(
                condition=Q(saving_max__isnull=True) | Q(saving_min__isnull=False) & Q(saving_max__gte=F("saving_min")),
                name="target_saving_range_ordered",
                violation_error_message=_("The qualifying saving range needs a minimum not above its maximum."),
            ),
            models.CheckConstraint(
                condition=Q(baseline_on__isnull=True) | Q(baseline_on__lte=F("deadline")),
                name="target_baseline_before_deadline",
                violation_error_message=_("The baseline date must be before the deadline."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_indicator_display()} ≥ {self.range_label} ({self.deadline:%Y})"

    @property
    def range_label(self) -> str:
        low = _plain(self.target_min)
        if self.target_max is not None and self.target_max != self.target_min:
            return f"{low}–{_plain(self.target_max)}{self.unit}"
        return f"{low}{self.unit}"

    def is_due_by(self, day: datetime.date) -> bool:
        return self.deadline <= day

    def baseline(self) -> tuple[datetime.date, Decimal]:
        """(baseline date, baseline value percent): the target's, else its phase's start and 0."""
        baseline_on = self.baseline_on or self.phase.starts_on
        value = self.baseline_value if self.baseline_value is not None else Decimal(0)
        return baseline_on, value

    def qualifying_saving(self) -> Decimal:
        """The saving (percent) a facility must reach to count for this target.

        Saving targets: their lower end (target_min). "Applying with the target
        saving": saving_min, or 0 when not set.
        """
        if self.indicator == Indicator.SAVING:
            return self.target_min
        return self.saving_min if self.saving_min is not None else Decimal(0)

    @property
    def verified_only(self) -> bool:
        """Whether the target counts only verified savings (a saving target set so)."""
        return self.indicator in SAVING_INDICATORS and self.evidence == SavingsCounted.VERIFIED

    def scope_label(self) -> str:
        """What restricts the target, e.g. "Textile, craft village (làng nghề), energy saving ≥ 5%"; "" for none.

        Needs sector and unit_scope loaded (select_related) to run no query.
        """
        parts = []
        if self.sector_id:
            parts.append(self.sector.name)
        if self.unit_scope_id:
            parts.append(self.unit_scope.name)
        if self.indicator == Indicator.SPECIALIST_COVERAGE and self.unit_level != AdministrativeUnit.Level.DISTRICT:
            parts.append(str(AdministrativeUnit.Level(self.unit_level).label))
        if self.area_kind:
            parts.append(str(ProductionArea.Kind(self.area_kind).label))
        if self.indicator in (Indicator.SAVING, Indicator.APPLICATION_WITH_SAVING):
            resource = str(Resource(self.resource).label) if self.resource else gettext("any resource")
            minimum = f"{float(self.qualifying_saving()):g}"
            parts.append(gettext("%(resource)s saving ≥ %(minimum)s%%") % {"resource": resource, "minimum": minimum})
            if self.verified_only:
                parts.append(gettext("verified savings only"))
        return ", ".join(parts)


class ReportEdition(models.Model):
    """A published edition of the results report for one year: what it said, frozen.

    ``payload``: the report as JSON text, one full report per language
    ({"vi": {…}, "en": {…}}: every figure, label, sentence and chart), written by
    targets.editions at publish time and read back as it was written; ``xlsx_vi``,
    ``xlsx_en``: its workbook in each language, the bytes sent. ``as_of``: the day
    the figures stand on (the report's end). Editions of a year are numbered from
    1; the latest is the one readers see. Published, never changed: a correction is
    a new edition (docs/reports.md).
    """

    year = models.PositiveSmallIntegerField(_("year"))
    number = models.PositiveSmallIntegerField(_("edition"))
    as_of = models.DateField(_("figures as of"))
    published_at = models.DateTimeField(_("published at"))
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="report_editions",
        verbose_name=_("published by"),
    )
    payload = models.TextField(_("content (JSON)"), editable=False)
    xlsx_vi = models.BinaryField(_("workbook (Vietnamese)"), editable=False)
    xlsx_en = models.BinaryField(_("workbook (English)"), editable=False)

    class Meta:
        verbose_name = _("report edition")
        verbose_name_plural = _("report editions")
        ordering = ["-year", "-number"]
        constraints = [models.UniqueConstraint(fields=["year", "number"], name="report_edition_number_unique")]
        permissions = [("publish_reportedition", _("Can publish the results report"))]

    def __str__(self) -> str:
        return gettext("Results report %(year)s, edition %(number)s") % {"year": self.year, "number": self.number}


class EditionRecord(models.Model):
    """A record counted in one figure of an edition: a facility (a unit for specialist
    coverage) in a numerator or a denominator, as the edition counted it.

    ``figure``: "newly_aware/numerator", "target/<target id>/denominator", … (targets.editions).
    Compared in the database with the records the same figure counts now.
    """

    edition = models.ForeignKey(ReportEdition, on_delete=models.CASCADE, related_name="records")
    figure = models.CharField(max_length=40)
    record_id = models.BigIntegerField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["edition", "figure", "record_id"], name="edition_record_unique")]

    def __str__(self) -> str:
        return f"{self.figure} #{self.record_id}"


class DigestSent(models.Model):
    """A monthly digest sent to a manager (targets/digest.py): at most one per user and month,
    so that a run of the schedule or of ``send_digest`` again never sends a second one.

    ``month``: its first day. Written in the same transaction as the e-mail is handed to the
    mail server: a failed send leaves no row, and the next run tries again."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="digests_sent", verbose_name=_("user")
    )
    month = models.DateField(_("month"))
    language = models.CharField(_("language"), max_length=10)
    sent_at = models.DateTimeField(_("sent at"), auto_now_add=True)

    class Meta:
        verbose_name = _("monthly digest sent")
        verbose_name_plural = _("monthly digests sent")
        ordering = ["-month", "user_id"]
        constraints = [models.UniqueConstraint(fields=["user", "month"], name="digest_sent_once_a_month")]

    def __str__(self) -> str:
        return f"{self.user} {self.month:%Y-%m}"


class Letterhead(models.Model):
    """The department's letterhead at the top of the report as PDF: one row (pk 1), kept by
    admins in the admin. Before an admin saves it, ``Letterhead.current()`` gives the
    defaults: Hanoi's Department of Industry and Trade, under the city's People's Committee.

    ``logo``: a PNG or JPEG image's bytes ("" for none), kept in the database so that every
    web server and worker has it without shared media; ``logo_type`` its MIME type.
    """

    SINGLETON = 1

    authority_vi = models.CharField(
        _("governing body (Vietnamese)"), max_length=200, blank=True, default="Ủy ban nhân dân thành phố Hà Nội"
    )
    authority_en = models.CharField(
        _("governing body (English)"), max_length=200, blank=True, default="Hanoi People's Committee"
    )
    name_vi = models.CharField(_("department (Vietnamese)"), max_length=200, default="Sở Công Thương Hà Nội")
    name_en = models.CharField(
        _("department (English)"), max_length=200, default="Hanoi Department of Industry and Trade"
    )
    address = models.CharField(_("address"), max_length=300, blank=True, default="331 Cầu Giấy, Hà Nội")
    contact = models.CharField(
        _("telephone, e-mail, website"), max_length=300, blank=True, default="", help_text=_("One line, optional.")
    )
    logo = models.BinaryField(_("logo"), blank=True, default=b"", editable=False)
    logo_type = models.CharField(max_length=20, blank=True, default="", editable=False)
    updated_at = models.DateTimeField(_("changed at"), auto_now=True)

    class Meta:
        verbose_name = _("letterhead")
        verbose_name_plural = _("letterhead")

    def __str__(self) -> str:
        return self.name_vi

    def save(self, *args, **kwargs) -> None:
        self.pk = self.SINGLETON
        super().save(*args, **kwargs)

    @classmethod
    def current(cls) -> "Letterhead":
        """The saved letterhead, or the defaults (unsaved: a page that reads it writes nothing). 1 query."""
        return cls.objects.filter(pk=cls.SINGLETON).first() or cls(pk=cls.SINGLETON)

    def department(self, language: str) -> str:
        """The department's name in ``language`` (Vietnamese when there is no English one)."""
        return (self.name_en if language == "en" else "") or self.name_vi

    def authority(self, language: str) -> str:
        """The governing body's name in ``language``; "" when there is none."""
        return (self.authority_en if language == "en" else "") or self.authority_vi
