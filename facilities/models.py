"""The register: administrative units, production areas, sectors, facilities.

Dates are inclusive on the start and exclusive on the end:
a unit with ``valid_until`` 2013-12-31 is valid on that day (the last day),
a facility with ``closed_on`` 2014-03-01 is no longer open on that day.
"""

import datetime
from collections.abc import Callable

from django.db import models
from django.db.models import Exists, OuterRef, Q
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
    """A unit of local government with its People's Committee: until 2025-06-30 a
    district, rural district or town (district level), and the wards, communes and
    townships within them (commune level); since 2025-07-01 wards and communes only.

    Units begin and end (Từ Liêm split in 2014; Vietnam dropped the district
    level on 2025-07-01), so every count of units is "as of a date". A unit's
    ``predecessors`` are the units it was formed from (Bắc Từ Liêm from Từ Liêm);
    its ``parent`` the unit it lies in, if any (a ward in its district).
    """

    class Level(models.TextChoices):
        DISTRICT = "district", _("district level (quận, huyện, thị xã)")
        COMMUNE = "commune", _("commune level (phường, xã, thị trấn)")

    class Kind(models.TextChoices):
        URBAN_DISTRICT = "urban_district", _("urban district (quận)")
        RURAL_DISTRICT = "rural_district", _("rural district (huyện)")
        TOWN = "town", _("town (thị xã)")
        WARD = "ward", _("ward (phường)")
        COMMUNE = "commune", _("commune (xã)")
        TOWNSHIP = "township", _("township (thị trấn)")

    #: The kinds of the district level; every other kind is of the commune level.
    DISTRICT_KINDS = (Kind.URBAN_DISTRICT, Kind.RURAL_DISTRICT, Kind.TOWN)

    code = models.CharField(
        _("official code"),
        max_length=10,
        blank=True,
        default="",
        help_text=_("The statistics office's (GSO) code of the unit, e.g. “018” for Gia Lâm; unique."),
    )
    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    level = models.GeneratedField(
        expression=models.Case(
            models.When(kind__in=DISTRICT_KINDS, then=models.Value(Level.DISTRICT.value)),
            default=models.Value(Level.COMMUNE.value),
        ),
        output_field=models.CharField(_("level"), max_length=10, choices=Level.choices),
        db_persist=True,
    )
    committee_name = models.CharField(
        _("People's Committee"),
        max_length=150,
        blank=True,
        help_text=_("Official name of the unit's People's Committee, e.g. “UBND huyện Gia Lâm”."),
    )
    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        verbose_name=_("lies in"),
        help_text=_("The unit this one lies in, if any: a ward's district."),
    )
    predecessors = models.ManyToManyField(
        "self",
        symmetrical=False,
        blank=True,
        related_name="successors",
        verbose_name=_("formed from"),
        help_text=_("The units this one was formed from (split, merged or renamed)."),
    )
    valid_from = models.DateField(_("valid from"))
    valid_until = models.DateField(
        _("valid until"), null=True, blank=True, help_text=_("Last day the unit existed; empty while it exists.")
    )

    objects = AdministrativeUnitQuerySet.as_manager()

    history = HistoricalRecords(excluded_fields=["search_text", "level"])

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
            models.UniqueConstraint(
                fields=["code"],
                condition=~Q(code=""),
                name="unit_code_unique",
                violation_error_message=_("Another unit has this official code."),
            ),
            models.UniqueConstraint(
                fields=["name", "kind"],
                name="unit_name_kind_unique",
                violation_error_message=_("Another unit of this kind has this name."),
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def is_valid_on(self, day: datetime.date) -> bool:
        return self.valid_from <= day and (self.valid_until is None or day <= self.valid_until)

    def not_valid_reason(
        self, day: datetime.date, format_day: Callable[[datetime.date], str] = datetime.date.isoformat
    ) -> str | None:
        """Why nothing can name this unit on ``day`` (it did not exist yet, or no longer);
        None when it existed then. ``format_day`` writes the dates."""
        if self.is_valid_on(day):
            return None
        if day < self.valid_from:
            return gettext("%(unit)s did not exist yet on %(day)s (it was formed on %(start)s).") % {
                "unit": self,
                "day": format_day(day),
                "start": format_day(self.valid_from),
            }
        successors = ", ".join(sorted(str(unit) for unit in self.successors.all()))
        message = gettext("%(unit)s no longer existed on %(day)s (its last day was %(end)s).") % {
            "unit": self,
            "day": format_day(day),
            "end": format_day(self.valid_until),
        }
        if successors:
            message += " " + gettext("It was succeeded by %(units)s.") % {"units": successors}
        return message


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


def member_on_q(day: datetime.date, prefix: str = "") -> Q:
    """Unit memberships (UnitMembership, or rows keeping their ``since``/``until``)
    current on ``day``: since ≤ day (or no start) and day < until (or no end)."""
    return Q(
        Q(**{f"{prefix}since__isnull": True}) | Q(**{f"{prefix}since__lte": day}),
        Q(**{f"{prefix}until__isnull": True}) | Q(**{f"{prefix}until__gt": day}),
    )


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

    def in_unit_on(self, day: datetime.date, unit_id: int) -> "FacilityQuerySet":
        """Facilities that were in the unit ``unit_id`` on ``day`` (their membership then)."""
        return self.filter(
            Exists(UnitMembership.objects.filter(member_on_q(day), facility=OuterRef("pk"), unit_id=unit_id))
        )

    def in_area_kind_on(self, day: datetime.date, area_kind: str) -> "FacilityQuerySet":
        """Facilities that were in a production area of type ``area_kind`` on ``day``."""
        return self.filter(
            Exists(UnitMembership.objects.filter(member_on_q(day), facility=OuterRef("pk"), area__kind=area_kind))
        )


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


class UnitMembership(models.Model):
    """Where a facility was: its administrative unit and production area from ``since``
    (inclusive; empty: from its first day in the register) until ``until`` (exclusive:
    the day it was somewhere else; empty: still there).

    A facility's memberships follow each other without gap or overlap, and the last one
    is its register unit and area (Facility.unit, Facility.area): facilities/membership.py
    keeps them so on every write of the register, and moves facilities when units split,
    merge or end. Breakdowns, filters and drill-downs by unit as of a day use the
    membership of that day, so a move never rewrites the past.
    """

    facility = models.ForeignKey(
        Facility, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("facility")
    )
    unit = models.ForeignKey(
        AdministrativeUnit,
        on_delete=models.PROTECT,
        related_name="memberships",
        verbose_name=_("administrative unit"),
    )
    area = models.ForeignKey(
        ProductionArea,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="memberships",
        verbose_name=_("production area"),
    )
    since = models.DateField(_("in this unit since"), null=True, blank=True, help_text=_("Empty: from the start."))
    until = models.DateField(
        _("moved out on"),
        null=True,
        blank=True,
        help_text=_("The first day the facility was no longer in this unit; empty while it is."),
    )

    class Meta:
        verbose_name = _("unit membership")
        verbose_name_plural = _("unit memberships")
        ordering = ["facility", models.F("since").asc(nulls_first=True)]
        constraints = [
            models.CheckConstraint(
                condition=Q(since__isnull=True) | Q(until__isnull=True) | Q(until__gt=models.F("since")),
                name="membership_until_after_since",
                violation_error_message=_("A facility cannot move out of a unit before it moved in."),
            ),
            models.UniqueConstraint(
                fields=["facility"], condition=Q(until__isnull=True), name="membership_one_current"
            ),
            models.UniqueConstraint(fields=["facility"], condition=Q(since__isnull=True), name="membership_one_first"),
        ]

    def __str__(self) -> str:
        return f"{self.facility_id}: {self.unit_id} [{self.since or '…'}, {self.until or '…'})"

    def is_current_on(self, day: datetime.date) -> bool:
        return (self.since is None or self.since <= day) and (self.until is None or day < self.until)
