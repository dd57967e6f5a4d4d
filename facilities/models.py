"""The register: administrative units, production areas, sectors, facilities.

Dates are inclusive on the start and exclusive on the end:
a unit with ``valid_until`` 2013-12-31 is valid on that day (the last day),
a facility with ``closed_on`` 2014-03-01 is no longer open on that day.
"""

import datetime
from collections.abc import Callable

from django.db import models
from django.db.models import Q
from django.dispatch import Signal
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from cpdash.models import COUNT_VALIDATORS, IMPORTED_PERMISSIONS, Searchable


def unit_valid_q(day: datetime.date) -> Q:
    """Units that exist on ``day`` (valid_from ≤ day ≤ valid_until), as a Q for
    filters and for conditional aggregates over several days."""
    return Q(Q(valid_from__lte=day), Q(valid_until__isnull=True) | Q(valid_until__gte=day))


class AdministrativeUnitQuerySet(models.QuerySet):
    def valid_on(self, day: datetime.date) -> "AdministrativeUnitQuerySet":
        """Units that exist on ``day`` (unit_valid_q())."""
        return self.filter(unit_valid_q(day))


class AdministrativeUnit(Searchable):
    """A district, rural district or town, with its People's Committee.

    Units begin and end (Từ Liêm split in 2014; Vietnam dropped the district
    level on 2025-07-01), so every count of units is "as of a date".
    """

    class Kind(models.TextChoices):
        URBAN_DISTRICT = "urban_district", _("urban district (quận)")
        RURAL_DISTRICT = "rural_district", _("rural district (huyện)")
        TOWN = "town", _("town (thị xã)")

    name = models.CharField(_("name"), max_length=100, unique=True)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    committee_name = models.CharField(
        _("People's Committee"),
        max_length=150,
        blank=True,
        help_text=_("Official name of the unit's People's Committee, e.g. “UBND huyện Gia Lâm”."),
    )
    valid_from = models.DateField(_("valid from"))
    valid_until = models.DateField(
        _("valid until"), null=True, blank=True, help_text=_("Last day the unit existed; empty while it exists.")
    )

    objects = AdministrativeUnitQuerySet.as_manager()

    history = HistoricalRecords(excluded_fields=["search_text"])

    class Meta:
        verbose_name = _("administrative unit")
        verbose_name_plural = _("administrative units")
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_until__isnull=True) | Q(valid_until__gte=models.F("valid_from")),
                name="unit_valid_until_after_valid_from",
                violation_error_message=_("A unit cannot end before it begins."),
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def is_valid_on(self, day: datetime.date) -> bool:
        return self.valid_from <= day and (self.valid_until is None or day <= self.valid_until)


class Sector(Searchable):
    """An industrial sector (admin-managed list), e.g. “Cơ khí”, “Dệt may”."""

    name = models.CharField(_("name"), max_length=100, unique=True)

    history = HistoricalRecords(excluded_fields=["search_text"])

    class Meta:
        verbose_name = _("sector")
        verbose_name_plural = _("sectors")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class ProductionArea(Searchable):
    """An industrial zone/park, industrial cluster or craft village in a unit."""

    class Kind(models.TextChoices):
        INDUSTRIAL_ZONE = "industrial_zone", _("industrial zone (KCN)")
        INDUSTRIAL_CLUSTER = "industrial_cluster", _("industrial cluster (CCN)")
        CRAFT_VILLAGE = "craft_village", _("craft village (làng nghề)")

    name = models.CharField(_("name"), max_length=150, unique=True)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    unit = models.ForeignKey(
        AdministrativeUnit, on_delete=models.PROTECT, related_name="areas", verbose_name=_("administrative unit")
    )
    products = models.CharField(_("main products"), max_length=200, blank=True)

    history = HistoricalRecords(excluded_fields=["search_text"])

    class Meta:
        verbose_name = _("production area")
        verbose_name_plural = _("production areas")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


#: Sent after facilities were written in bulk (bulk_create/bulk_update send no post_save),
#: with ``codes``: the codes of the facilities written; optionally ``ids`` (their ids, same
#: facilities) and ``created`` (True: all new; False: existing ones whose register fields
#: changed; None or absent: unknown). Apps that keep data derived from the register listen
#: (programmes/pathway.py); the register knows nothing of them.
facilities_written = Signal()


def open_q(day: datetime.date, prefix: str = "") -> Q:
    """Facilities operating on ``day``: opened on or before it (or unknown) and not
    closed on or before it. A Q, for filters and for conditional aggregates over
    several days; ``prefix`` reaches the facility through a relation ("facility__")."""
    return Q(
        Q(**{f"{prefix}opened_on__isnull": True}) | Q(**{f"{prefix}opened_on__lte": day}),
        Q(**{f"{prefix}closed_on__isnull": True}) | Q(**{f"{prefix}closed_on__gt": day}),
    )


def counted_q(day: datetime.date, prefix: str = "") -> Q:
    """The facilities the industrial-facility targets count on ``day``: in scope and
    open then (docs/indicators.md, "Who is counted"). ``prefix`` as for open_q().

    Written once: the indicators, the facility list's statuses, the drill-downs and
    the pathway's counts all use it (or FacilityQuerySet.counted_on()).
    """
    return Q(**{f"{prefix}in_scope": True}) & open_q(day, prefix)


class FacilityQuerySet(models.QuerySet):
    def in_scope(self) -> "FacilityQuerySet":
        """Facilities that count toward the industrial-facility targets."""
        return self.filter(in_scope=True)

    def open_on(self, day: datetime.date) -> "FacilityQuerySet":
        """Facilities operating on ``day`` (open_q())."""
        return self.filter(open_q(day))

    def counted_on(self, day: datetime.date) -> "FacilityQuerySet":
        """Facilities the targets count on ``day``: in scope and open (counted_q())."""
        return self.filter(counted_q(day))


class Facility(Searchable):
    """An industrial production facility: enterprise, cooperative or craft household."""

    SEARCH_SOURCE = ("code", "name")

    class Kind(models.TextChoices):
        ENTERPRISE = "enterprise", _("enterprise")
        COOPERATIVE = "cooperative", _("cooperative")
        HOUSEHOLD = "household", _("craft household")

    code = models.CharField(
        _("code"), max_length=20, unique=True, help_text=_("Business registration or tax code; unique.")
    )
    name = models.CharField(_("name"), max_length=255)
    sector = models.ForeignKey(Sector, on_delete=models.PROTECT, related_name="facilities", verbose_name=_("sector"))
    unit = models.ForeignKey(
        AdministrativeUnit,
        on_delete=models.PROTECT,
        related_name="facilities",
        verbose_name=_("administrative unit"),
    )
    area = models.ForeignKey(
        ProductionArea,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="facilities",
        verbose_name=_("production area"),
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.ENTERPRISE)
    employees = models.PositiveIntegerField(_("employees"), null=True, blank=True, validators=COUNT_VALIDATORS)
    in_scope = models.BooleanField(
        _("counts toward targets"),
        default=True,
        help_text=_("Whether the facility counts toward the industrial-facility targets."),
    )
    opened_on = models.DateField(_("opened on"), null=True, blank=True)
    closed_on = models.DateField(_("closed on"), null=True, blank=True)

    objects = FacilityQuerySet.as_manager()

    history = HistoricalRecords(excluded_fields=["search_text"])

    class Meta:
        verbose_name = _("facility")
        default_permissions = IMPORTED_PERMISSIONS  # imported from spreadsheets: Admins only
        verbose_name_plural = _("facilities")
        ordering = ["name", "code"]
        indexes = [models.Index(fields=["unit", "sector"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(closed_on__isnull=True)
                | Q(opened_on__isnull=True)
                | Q(closed_on__gte=models.F("opened_on")),
                name="facility_closed_after_opened",
                violation_error_message=_("A facility cannot close before it opens."),
            ),
            models.CheckConstraint(condition=~Q(code=""), name="facility_code_not_empty"),
            models.CheckConstraint(condition=~Q(name=""), name="facility_name_not_empty"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"

    def is_open_on(self, day: datetime.date) -> bool:
        """open_q() for this one facility, without a query."""
        return (self.opened_on is None or self.opened_on <= day) and (self.closed_on is None or self.closed_on > day)

    def not_open_reason(
        self, day: datetime.date, format_day: Callable[[datetime.date], str] = datetime.date.isoformat
    ) -> str | None:
        """Why nothing can be recorded here on ``day`` (not yet opened, or closed);
        None when the facility was open. ``format_day`` writes the dates."""
        if self.is_open_on(day):
            return None
        if self.opened_on and day < self.opened_on:
            return gettext("%(facility)s had not opened yet on %(day)s (it opened on %(opened)s).") % {
                "facility": self,
                "day": format_day(day),
                "opened": format_day(self.opened_on),
            }
        return gettext("%(facility)s had closed by %(day)s (it closed on %(closed)s).") % {
            "facility": self,
            "day": format_day(day),
            "closed": format_day(self.closed_on),
        }
