"""The register: administrative units, production areas, sectors, facilities.

Dates are inclusive on the start and exclusive on the end:
a unit with ``valid_until`` 2013-12-31 is valid on that day (the last day),
a facility with ``closed_on`` 2014-03-01 is no longer open on that day.
"""

import datetime
from collections.abc import Callable, Iterable

from django.conf import settings
from django.core.validators import MaxValueValidator
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.db.models.functions import Collate
from django.dispatch import Signal
from django.utils import formats, timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from cpdash.database import VIETNAMESE
from cpdash.dates import local_day
from cpdash.models import COUNT_VALIDATORS, IMPORTED_PERMISSIONS, Searchable
from cpdash.text import vietnamese_key


def unit_valid_q(day: datetime.date) -> Q:
    """Units that exist on ``day`` (valid_from ≤ day ≤ valid_until), as a Q for
    filters and for conditional aggregates over several days."""
    return Q(Q(valid_from__lte=day), Q(valid_until__isnull=True) | Q(valid_until__gte=day))


#: Largest row or column of the tile-grid map.
GRID_MAX = 999


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
        # The admin's column and form read the field's own name, not its output field's.
        verbose_name=_("level"),
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
    # The tile-grid map (docs/dashboard.md, "The map of units"): a square per unit, placed
    # roughly where the unit lies; row 0 is the top (north), column 0 the left (west).
    grid_row = models.PositiveSmallIntegerField(
        _("map row"),
        null=True,
        blank=True,
        validators=[MaxValueValidator(GRID_MAX)],
        help_text=_("Row of the unit's square on the tile-grid map, 0 at the top (north); empty: not on it."),
    )
    grid_col = models.PositiveSmallIntegerField(
        _("map column"),
        null=True,
        blank=True,
        validators=[MaxValueValidator(GRID_MAX)],
        help_text=_("Column of the unit's square on the tile-grid map, 0 at the left (west); empty: not on it."),
    )
    objects = AdministrativeUnitQuerySet.as_manager()

    history = HistoricalRecords(excluded_fields=["search_text", "level"])

    class Meta:
        verbose_name = _("administrative unit")
        verbose_name_plural = _("administrative units")
        ordering = [Collate("name", VIETNAMESE)]  # in the order of the Vietnamese alphabet
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

    @property
    def name_key(self) -> tuple:
        """The name's key in the order of the Vietnamese alphabet (cpdash.text.vietnamese_key)."""
        return vietnamese_key(self.name)

    def is_valid_on(self, day: datetime.date) -> bool:
        return self.valid_from <= day and (self.valid_until is None or day <= self.valid_until)

    def not_valid_reason(
        self,
        day: datetime.date,
        format_day: Callable[[datetime.date], str] = local_day,
    ) -> str | None:
        """Why nothing can name this unit on ``day`` (it did not exist yet, or no longer);
        None when it existed then. ``format_day`` writes the dates (default: as the user's
        language does, 31/12/2015)."""
        if self.is_valid_on(day):
            return None
        if day < self.valid_from:
            return gettext("%(unit)s did not exist yet on %(day)s (it was formed on %(start)s).") % {
                "unit": self,
                "day": format_day(day),
                "start": format_day(self.valid_from),
            }
        successors = unit_names(self.successors_on(day))
        message = gettext("%(unit)s no longer existed on %(day)s (its last day was %(end)s).") % {
            "unit": self,
            "day": format_day(day),
            "end": format_day(self.valid_until),
        }
        if successors:
            message += " " + gettext("It was succeeded by %(units)s.") % {"units": successors}
        return message

    def successors_on(self, day: datetime.date) -> list["AdministrativeUnit"]:
        """The units that followed this one and existed on ``day``: through successors that had
        ended by then too (Từ Liêm → Bắc Từ Liêm, which ended in 2025 → Phường Bắc Từ Liêm), so that
        a message names units one can still choose. Its direct successors when none of them leads
        to a unit of that day. A query per unit followed unless prefetched ("successors__successors")."""
        found: list[AdministrativeUnit] = []
        seen = {self.pk}
        level = list(self.successors.all())
        for _depth in range(5):  # reforms a decade apart: a few steps at most
            later = []
            for unit in level:
                if unit.pk in seen:
                    continue
                seen.add(unit.pk)
                if unit.is_valid_on(day):
                    found.append(unit)
                elif unit.valid_until is not None and unit.valid_until < day:
                    later.extend(unit.successors.all())
            if not later:
                break
            level = later
        return found or list(self.successors.all())

    def records_elsewhere(self, start: datetime.date | None, end: datetime.date | None) -> str | None:
        """Where a list of this unit's records between ``start`` and ``end`` (None: no bound)
        sends the user for the days the unit did not exist: before it was formed, the units it
        was formed from; after it ended, those that followed it (a record is in the unit of its
        day: memberships_then()). None when the unit existed all of that time, or had no
        predecessor before it."""
        notes = []
        # Predecessors are read only when the dates asked start before the unit was formed.
        predecessors = unit_names(self.predecessors.all()) if start is None or start < self.valid_from else ""
        if predecessors:
            notes.append(
                gettext("Records before %(day)s, when %(unit)s was formed, are under %(units)s.")
                % {"day": local_day(self.valid_from), "unit": self, "units": predecessors}
            )
        if self.valid_until is not None and (end is None or end > self.valid_until):
            successors = unit_names(self.successors.all())
            values = {"day": local_day(self.valid_until), "unit": self, "units": successors}
            if successors:
                notes.append(gettext("Records after %(day)s, when %(unit)s ended, are under %(units)s.") % values)
            else:
                notes.append(gettext("%(unit)s ended on %(day)s: no record is in it after that day.") % values)
        return " ".join(notes) or None


def unit_names(units: Iterable[AdministrativeUnit]) -> str:
    """The units' names, comma-separated, in the order of the Vietnamese alphabet (name_key)."""
    return ", ".join(unit.name for unit in sorted(units, key=lambda unit: unit.name_key))


def register_unit_problem(
    unit: AdministrativeUnit, *, closed_on: datetime.date | None, moved_on: datetime.date | None = None
) -> str | None:
    """Why ``unit`` cannot be the register unit of a facility that is new there, or moved there on
    ``moved_on``, and closes on ``closed_on`` (None: open): None when it can.

    A facility stays in its register unit until its last day in the register, the day before it
    closed or else today, so the unit must exist then: a facility still open in a district that
    ended in 2025 would count in no unit of today. Moved, the unit must also exist on the day it
    moved there. A unit formed after a new facility opened is fine: the register knows where
    facilities are, and the facility was in a predecessor before. The admin's form and the import
    both ask this (facilities/admin.py, facilities/resources.py)."""
    if moved_on is not None:
        problem = unit.not_valid_reason(moved_on)
        if problem:
            return problem
    last_day = closed_on - datetime.timedelta(days=1) if closed_on else timezone.localdate()
    return unit.not_valid_reason(last_day)


class Imported(models.Model):
    """What an admin's import keeps of itself: when, by whom (None once the account is gone),
    from which file."""

    imported_at = models.DateTimeField(_("imported at"))
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("imported by"),
    )
    file_name = models.CharField(_("file"), max_length=255, blank=True)

    class Meta:
        abstract = True


class UnitBoundary(Imported):
    """A unit's boundary for the map: a GeoJSON geometry (Polygon or MultiPolygon, longitude
    then latitude), imported by admins from a file keyed by official codes
    (facilities/boundaries.py); the app ships none. Its own table, so that the units
    read everywhere else (a facility's unit, lists, imports) do not carry it."""

    unit = models.OneToOneField(
        AdministrativeUnit,
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="boundary",
        verbose_name=_("administrative unit"),
    )
    geometry = models.JSONField(_("boundary"))

    class Meta:
        verbose_name = _("unit boundary")
        verbose_name_plural = _("unit boundaries")
        default_permissions = ("view", "change")  # written by the boundary import only

    def __str__(self) -> str:
        return str(self.unit_id)


class Sector(Searchable):
    """An industrial sector (admin-managed list), e.g. “Cơ khí”, “Dệt may”."""

    name = models.CharField(_("name"), max_length=100, unique=True)

    history = HistoricalRecords(excluded_fields=["search_text"])

    class Meta:
        verbose_name = _("sector")
        verbose_name_plural = _("sectors")
        ordering = [Collate("name", VIETNAMESE)]  # in the order of the Vietnamese alphabet

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
        ordering = [Collate("name", VIETNAMESE)]  # in the order of the Vietnamese alphabet

    def __str__(self) -> str:
        return self.name


#: Sent after facilities were written in bulk (bulk_create/bulk_update send no post_save),
#: with ``codes``: the codes of the facilities written; optionally ``ids`` (their ids, same
#: facilities), ``created`` (True: all new; False: existing ones whose register fields
#: changed; None or absent: unknown) and, with ``created`` False, ``fields``: the attnames
#: of the fields that changed (absent: any may have). Apps that keep data derived from the
#: register listen (programmes/pathway.py); the register knows nothing of them.
facilities_written = Signal()

#: The register fields that say where a facility is: a change of either is a move, which
#: its unit memberships follow (facilities/membership.py).
PLACE_FIELDS = frozenset({"unit_id", "area_id"})


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


def memberships_then(day: str, facility: str = "facility_id") -> "models.QuerySet[UnitMembership]":
    """For a subquery over records: the membership current on the outer row's ``day`` (a
    field name) of its facility (``facility``, a field name). A record's unit and area are
    where its facility was that day, not where it is now: a 2015 survey in Gia Lâm district
    stays there after the 2025 reform moved its facility to a commune."""
    return UnitMembership.objects.filter(member_on_q(OuterRef(day)), facility=OuterRef(facility))


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
    # No index of its own: the (unit, sector) index below serves every lookup by unit, and an
    # import writes one index entry fewer per facility (docs/performance-history.md, "Writing
    # beside reading").
    unit = models.ForeignKey(
        AdministrativeUnit,
        on_delete=models.PROTECT,
        db_index=False,
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
        db_index=False,  # Meta.indexes: the facilities in an area, not those in none
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

    # History is read by facility (its id) and by date: the entries' code, sector, unit and area
    # need no index of their own, which every import would write (docs/performance-history.md,
    # "Writing less per facility").
    history = HistoricalRecords(excluded_fields=["search_text"], no_db_index=["code", "sector", "unit", "area"])

    class Meta:
        verbose_name = _("facility")
        default_permissions = IMPORTED_PERMISSIONS  # imported from spreadsheets: Admins only
        verbose_name_plural = _("facilities")
        # In the order of the Vietnamese alphabet, then by code; on PostgreSQL through the index
        # facility_name_vi (migration 0013), which Django's state does not hold: PostgreSQL only.
        ordering = [Collate("name", VIETNAMESE), "code"]
        indexes = [
            models.Index(fields=["unit", "sector"]),
            # Only the facilities in an area: every lookup by area names one (``area = …``, the
            # area's deletion), and an import of facilities in none writes no entry for them.
            models.Index(fields=["area"], condition=Q(area__isnull=False), name="facility_area"),
        ]
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

    def not_open_reason(self, day: datetime.date, format_day: Callable[[datetime.date], str] = local_day) -> str | None:
        """Why nothing can be recorded here on ``day`` (not yet opened, or closed);
        None when the facility was open. ``format_day`` writes the dates (default: as the
        user's language does, 31/12/2015)."""
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
        db_index=False,  # Meta.indexes, as Facility.area
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
        indexes = [models.Index(fields=["area"], condition=Q(area__isnull=False), name="membership_area")]
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
        """As the admin names it (its delete page lists a facility's): "0101234567 · Gia Lâm
        (… – 30/06/2025)": its first and last day in the unit (``until`` is the day it moved
        out), as the language writes dates; "…" where open."""
        return f"{self.facility.code} · {self.unit.name} ({self.period()})"

    def period(self) -> str:
        """Its first and last day in the unit, "… – 30/06/2025" (``until`` is the day it moved
        out), as the language writes dates; "…" where open."""
        since = local_day(self.since) if self.since else "…"
        until = local_day(self.until - datetime.timedelta(days=1)) if self.until else "…"
        return f"{since} – {until}"

    def is_current_on(self, day: datetime.date) -> bool:
        return (self.since is None or self.since <= day) and (self.until is None or day < self.until)


# --- Register versions: what each import of the facility list changed ----------------------------


class Change(models.TextChoices):
    """What an import did to one facility (docs/import.md, "What changed in the register").
    A facility can change in several ways at once (moved unit and changed sector); NEW and
    UNCHANGED come alone."""

    NEW = "new", _("new")
    REOPENED = "reopened", _("reopened")
    CLOSED = "closed", _("closed")
    MOVED_UNIT = "moved_unit", _("moved unit")
    CHANGED_SECTOR = "changed_sector", _("changed sector")
    OUT_OF_SCOPE = "out_of_scope", _("out of scope")
    BACK_IN_SCOPE = "back_in_scope", _("back in scope")
    OTHER = "other", _("other details changed")
    UNCHANGED = "unchanged", _("unchanged")


#: The kinds a stored change row can have (an unchanged facility is counted, not stored).
CHANGE_FLAGS = tuple(kind for kind in Change if kind is not Change.UNCHANGED)
#: Stored fields whose change has a kind of its own; a change of any other is Change.OTHER.
_TOLD = {"closed_on", "unit_id", "sector_id", "in_scope"}


def change_kinds(before: dict | None, after: dict, fields: Iterable[str]) -> list[Change]:
    """What an import does to one facility: ``before`` its stored values (None: a new
    facility), ``after`` the values imported, both by attname; ``fields`` the attnames
    compared. Never empty: [Change.UNCHANGED] when nothing differs.

    A closing date set is CLOSED, one cleared REOPENED, one moved to another day OTHER."""
    if before is None:
        return [Change.NEW]
    kinds = []
    closed_before, closed_after = before["closed_on"], after["closed_on"]
    if closed_before is None and closed_after is not None:
        kinds.append(Change.CLOSED)
    elif closed_before is not None and closed_after is None:
        kinds.append(Change.REOPENED)
    if before["unit_id"] != after["unit_id"]:
        kinds.append(Change.MOVED_UNIT)
    if before["sector_id"] != after["sector_id"]:
        kinds.append(Change.CHANGED_SECTOR)
    if before["in_scope"] and not after["in_scope"]:
        kinds.append(Change.OUT_OF_SCOPE)
    elif after["in_scope"] and not before["in_scope"]:
        kinds.append(Change.BACK_IN_SCOPE)
    other_date = closed_before is not None and closed_after is not None and closed_before != closed_after
    if other_date or any(before[f] != after[f] for f in fields if f not in _TOLD):
        kinds.append(Change.OTHER)
    return kinds or [Change.UNCHANGED]


def changes_text(counts: dict[Change, int]) -> str:
    """ "3 new, 0 reopened, …": ``counts`` (Change → facilities) in a line."""
    return ", ".join(f"{count} {kind.label}" for kind, count in counts.items())


class RegisterVersionQuerySet(models.QuerySet):
    def as_of(self, moment: datetime.datetime) -> "RegisterVersion | None":
        """The register version that figures computed at ``moment`` used: the latest
        imported at or before it; None before the first import."""
        return self.filter(imported_at__lte=moment).order_by("-number").first()


class RegisterVersion(Imported):
    """One import of the facility list, numbered 1, 2, … in the order they were written,
    with how many facilities it changed in each way (Change). Written in the import's
    transaction, with its RegisterChange rows: a dry run or a failed import leaves none;
    a confirmed import that changes nothing still makes one (all unchanged)."""

    number = models.PositiveIntegerField(_("number"), unique=True)
    new_count = models.PositiveIntegerField(Change.NEW.label, default=0)
    reopened_count = models.PositiveIntegerField(Change.REOPENED.label, default=0)
    closed_count = models.PositiveIntegerField(Change.CLOSED.label, default=0)
    moved_unit_count = models.PositiveIntegerField(Change.MOVED_UNIT.label, default=0)
    changed_sector_count = models.PositiveIntegerField(Change.CHANGED_SECTOR.label, default=0)
    out_of_scope_count = models.PositiveIntegerField(Change.OUT_OF_SCOPE.label, default=0)
    back_in_scope_count = models.PositiveIntegerField(Change.BACK_IN_SCOPE.label, default=0)
    other_count = models.PositiveIntegerField(Change.OTHER.label, default=0)
    unchanged_count = models.PositiveIntegerField(Change.UNCHANGED.label, default=0)

    objects = RegisterVersionQuerySet.as_manager()

    class Meta:
        verbose_name = _("register version")
        verbose_name_plural = _("register versions")
        default_permissions = ("view",)  # written by imports only
        ordering = ["-number"]

    def __str__(self) -> str:
        return gettext("register version %(number)d of %(day)s") % {
            "number": self.number,
            "day": formats.date_format(timezone.localtime(self.imported_at), "SHORT_DATE_FORMAT"),
        }

    @classmethod
    def begin(cls, *, user, file_name: str = "") -> "RegisterVersion":
        """The next version, for an import about to write (its counts come with finish()).
        Callers hold the facility import lock (cpdash.database.lock_imports_of), so that
        two imports cannot take the same number on PostgreSQL; the unique number refuses
        the second elsewhere."""
        number = (cls.objects.aggregate(last=models.Max("number"))["last"] or 0) + 1
        return cls.objects.create(
            number=number,
            imported_at=timezone.now(),
            imported_by=user if getattr(user, "pk", None) else None,
            file_name=(file_name or "")[:255],
        )

    def finish(self, counts: dict[Change, int]) -> None:
        """Stores ``counts`` (Change → facilities) and the time the import ended."""
        for kind in Change:
            setattr(self, f"{kind.value}_count", counts.get(kind, 0))
        self.imported_at = timezone.now()
        self.save(update_fields=["imported_at", *(f"{kind.value}_count" for kind in Change)])

    def counts(self) -> list[tuple[Change, int]]:
        """(kind, facilities) for every kind, in Change's order."""
        return [(kind, getattr(self, f"{kind.value}_count")) for kind in Change]


def _logged_reference(to: type[models.Model], verbose_name) -> models.ForeignKey:
    """A register change's unit or sector before or after (see RegisterChange's comment)."""
    return models.ForeignKey(
        to,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=verbose_name,
        db_index=False,
        db_constraint=False,
    )


class RegisterChange(models.Model):
    """What one register version did to one facility: its kinds (one flag per Change but
    UNCHANGED), and the unit and sector before and after when they changed. Written in
    bulk with the import (facilities/resources.py); ``code`` keeps the row readable if
    the facility is deleted later."""

    # Indexes cost every import's writes: the version is found through the unique (version,
    # code) index, a facility's rows through their own (a deleted facility's are kept); units
    # and sectors, which are not deleted once facilities name them, need none. Like the version
    # and the facility, the units and sectors before and after have no database constraint:
    # they are copies of the facility's own, which its constraints checked, and a log entry's
    # (a constraint would queue four checks per change row at the commit of every import).
    # Deleting a unit or a sector clears them (Django's SET_NULL).
    version = models.ForeignKey(
        RegisterVersion,
        on_delete=models.CASCADE,
        related_name="changes",
        verbose_name=_("register version"),
        db_index=False,
        db_constraint=False,  # written with its version, in its transaction; deleting one deletes its changes
    )
    # A log entry, as the facility's history is: no database constraint (simple-history gives its
    # entries none either), so that the commit of an import of 10⁵ new facilities does not check
    # each row's facility and version again. Deleting the facility leaves its id here, naming no
    # row (the version's page reads it through a join: "(deleted since)"), and ``code`` stays; a
    # facility restored from its history comes back with its id, and its change rows name it again.
    facility = models.ForeignKey(
        Facility,
        on_delete=models.DO_NOTHING,
        null=True,
        related_name="+",
        verbose_name=_("facility"),
        db_constraint=False,
    )
    code = models.CharField(_("code"), max_length=20)
    new = models.BooleanField(Change.NEW.label, default=False)
    reopened = models.BooleanField(Change.REOPENED.label, default=False)
    closed = models.BooleanField(Change.CLOSED.label, default=False)
    moved_unit = models.BooleanField(Change.MOVED_UNIT.label, default=False)
    changed_sector = models.BooleanField(Change.CHANGED_SECTOR.label, default=False)
    out_of_scope = models.BooleanField(Change.OUT_OF_SCOPE.label, default=False)
    back_in_scope = models.BooleanField(Change.BACK_IN_SCOPE.label, default=False)
    other = models.BooleanField(Change.OTHER.label, default=False)
    unit_before = _logged_reference(AdministrativeUnit, _("unit before"))
    unit_after = _logged_reference(AdministrativeUnit, _("unit after"))
    sector_before = _logged_reference(Sector, _("sector before"))
    sector_after = _logged_reference(Sector, _("sector after"))

    class Meta:
        verbose_name = _("register change")
        verbose_name_plural = _("register changes")
        default_permissions = ("view",)  # written by imports only
        ordering = ["version", "code"]
        constraints = [models.UniqueConstraint(fields=["version", "code"], name="register_change_once_per_version")]

    def __str__(self) -> str:
        return f"{self.code}: {', '.join(str(kind.label) for kind in self.kinds())}"

    def kinds(self) -> list[Change]:
        return [kind for kind in CHANGE_FLAGS if getattr(self, kind.value)]

    @staticmethod
    def row(facility_id: int, code: str, kinds: Iterable[Change], before: dict | None, after: dict) -> tuple:
        """The values of ROW_FIELDS (without the version) for one facility's change."""
        kinds = set(kinds)
        moved, resectored = Change.MOVED_UNIT in kinds, Change.CHANGED_SECTOR in kinds
        return (
            facility_id,
            code,
            *(kind in kinds for kind in CHANGE_FLAGS),
            before["unit_id"] if moved else None,
            after["unit_id"] if moved else None,
            before["sector_id"] if resectored else None,
            after["sector_id"] if resectored else None,
        )


#: The columns of RegisterChange.row(), after the version's.
REGISTER_CHANGE_FIELDS = (
    "version_id",
    "facility_id",
    "code",
    *(kind.value for kind in CHANGE_FLAGS),
    "unit_before_id",
    "unit_after_id",
    "sector_before_id",
    "sector_after_id",
)
