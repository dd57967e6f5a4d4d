"""Filters of the facility pages, and the queries they filter.

Both lists filter querysets annotated by the indicators engine
(targets/queries.py): ``aware_since`` is a facility's first awareness contact
of any kind, ``applying_since`` its first CP solution, each ``queries.NEVER``
when there is none. A facility's status on a day D is the one the indicators
count: in scope, open on D, and aware (applying) when its ``aware_since``
(``applying_since``) is on or before D; "never reached" when it had no
contact at all by D. Closed and out-of-scope facilities have no status on D.
"""

import datetime
from decimal import Decimal

import django_filters
from django import forms
from django.db import models
from django.db.models import Case, Count, Exists, FloatField, OuterRef, Q, QuerySet, Subquery, Value, When
from django.db.models.functions import Cast
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cpdash.dates import AsOfFilter
from cpdash.filters import AnyYesNo, LocalNumberFilter
from cpdash.text import fold
from facilities.forms import NameFilter, UnitFilter
from facilities.models import AdministrativeUnit, Facility, ProductionArea, Sector, counted_q, member_on_q
from programmes.models import FacilityPathway, SavingStep
from targets.funnel import DEFAULT_SAVING_MIN
from targets.models import Indicator, Target
from targets.queries import ON_FACILITY, applying_since, aware_since, name_of, reached_q, with_pathway
from targets.selectors import facilities_never_reached, records_behind


class Status(models.TextChoices):
    """A facility's status on a day, as the awareness and application indicators count it."""

    AWARE = "aware", _("aware")
    APPLYING = "applying", _("applying")
    NEVER_REACHED = "never_reached", _("never reached")
    NOT_COUNTED = "not_counted", _("not counted (closed, not yet open or out of scope)")
    # The steps of the CP pathway funnel (targets/funnel.py) that are not a status above.
    COUNTED = "counted", _("in scope (counted toward targets)")
    SURVEYED = "surveyed", _("surveyed")
    SUPPORTED = "supported", _("given technical support")
    SAVING_REACHED = "saving_reached", _("saving reached")
    REPLICATING = "replicating", _("replicating a demonstration model")


#: The statuses counted above a list (a facility that is applying is also aware).
FILTER_STATUSES = [(s.value, s.label) for s in (Status.AWARE, Status.APPLYING, Status.NEVER_REACHED)]
#: The funnel's steps (funnel.STEPS) as the list's status filter values, in the funnel's order.
STEP_STATUSES = {
    "in_scope": Status.COUNTED,
    "aware": Status.AWARE,
    "surveyed": Status.SURVEYED,
    "supported": Status.SUPPORTED,
    "applying": Status.APPLYING,
    "saving_reached": Status.SAVING_REACHED,
    "replicating": Status.REPLICATING,
}
#: Every status a list can be filtered by.
STATUS_CHOICES = [
    *FILTER_STATUSES,
    *((s.value, s.label) for s in STEP_STATUSES.values() if s not in (Status.AWARE, Status.APPLYING)),
]
#: The pathway column of each step status (on the facility's pathway row of the day).
_STEP_COLUMNS = {
    Status.SURVEYED: "surveyed_on",
    Status.SUPPORTED: "supported_on",
    Status.REPLICATING: "replicated_on",
}


def status_q(status: str, day: datetime.date, saving_min: Decimal | None = None) -> Q:
    """Facilities (annotated as by with_status()) with ``status`` on ``day``: aware,
    applying or never reached (see the module docstring), or at a step of the pathway
    funnel (targets/funnel.py): counted, surveyed, supported, replicating — the step's
    first day on the facility's pathway row of ``day`` — or saving reached (a best saving
    of at least ``saving_min`` percent, default funnel.DEFAULT_SAVING_MIN, by ``day``)."""
    if status == Status.COUNTED:
        return counted_q(day)
    if status in _STEP_COLUMNS:
        return counted_q(day) & Q(**{f"{ON_FACILITY}{_STEP_COLUMNS[status]}__lte": day})
    if status == Status.SAVING_REACHED:
        minimum = DEFAULT_SAVING_MIN if saving_min is None else saving_min
        steps = SavingStep.objects.filter(reached_q(minimum), facility=OuterRef("pk"), since__lte=day)
        return counted_q(day) & Exists(steps)
    if status == Status.AWARE:
        return counted_q(day) & Q(aware_since__lte=day)
    if status == Status.APPLYING:
        return counted_q(day) & Q(applying_since__lte=day)
    if status == Status.NEVER_REACHED:
        return counted_q(day) & Q(aware_since__gt=day)
    raise ValueError(status)


def status_on(day: datetime.date) -> Case:
    """Each facility's Status value on ``day`` (applying rather than aware: it is both)."""
    return Case(
        When(status_q(Status.APPLYING, day), then=Value(Status.APPLYING.value)),
        When(status_q(Status.AWARE, day), then=Value(Status.AWARE.value)),
        When(status_q(Status.NEVER_REACHED, day), then=Value(Status.NEVER_REACHED.value)),
        default=Value(Status.NOT_COUNTED.value),
        output_field=models.CharField(),
    )


def facility_register() -> QuerySet[Facility]:
    """Every facility, with what the register list shows: sector, unit and area
    loaded; ordered by code. with_status() adds the status on a day."""
    return Facility.objects.select_related("sector", "unit", "area").order_by("code")


def with_status(facilities: QuerySet[Facility], day: datetime.date) -> QuerySet[Facility]:
    """``facilities`` joined to their pathway row of ``day`` (queries.pathway_on(): the
    unit and area type they were in then, as ``pathway__unit_id``…), with
    ``aware_since``, ``applying_since`` and ``status`` on ``day`` annotated, and the names
    of the unit and area they were in then (``unit_name``, ``area_name``: place_names(),
    worked out for the rows read only)."""
    names = place_names()
    return with_pathway(facilities, day).annotate(
        aware_since=aware_since(),
        applying_since=applying_since(),
        status=status_on(day),
        unit_name=names["unit_name"],
        area_name=names["area_name"],
    )


def status_counts(facilities: QuerySet[Facility], day: datetime.date) -> dict[str, int]:
    """How many of ``facilities`` (from facility_register()) there are, and how many
    are aware, applying and never reached on ``day``: {"total", "counted", "aware",
    "applying", "never_reached"}. 1 query.

    The whole register (no filter) is counted on the pathway alone: every facility has
    exactly one pathway row a day (its memberships follow each other without gap), which
    holds what the counts read; joined to the facilities, the count read both tables
    (122 ms against 33 ms at 100,000 facilities on PostgreSQL: performance-history.md)."""
    if not facilities.query.where:
        counted = counted_q(day)
        return FacilityPathway.objects.filter(member_on_q(day)).aggregate(
            total=Count("pk"),
            counted=Count("pk", filter=counted),
            aware=Count("pk", filter=counted & Q(aware_on__lte=day)),
            applying=Count("pk", filter=counted & Q(applying_on__lte=day)),
            never_reached=Count("pk", filter=counted & ~Q(aware_on__lte=day)),
        )
    return facilities.order_by().aggregate(
        total=Count("pk"),
        counted=Count("pk", filter=counted_q(day)),
        **{status: Count("pk", filter=status_q(status, day)) for status, _label in FILTER_STATUSES},
    )


def awareness_coverage_by(field: str, day: datetime.date) -> QuerySet:
    """Awareness coverage per value of ``field`` (e.g. "sector_id"): rows of
    {field: value, "coverage": percent 0–100 of the group's in-scope facilities
    open on ``day`` that are aware by then} — the awareness indicator per group,
    read from the pathway."""
    return (
        FacilityPathway.objects.filter(counted_q(day))
        .values(field)
        .annotate(
            coverage=Cast(Count("pk", filter=Q(aware_on__lte=day)), FloatField())
            * Value(100.0)
            / Cast(Count("pk"), FloatField())
        )
        .order_by()
    )


def awareness_coverage(field: str, day: datetime.date) -> Case:
    """Each facility's group coverage from awareness_coverage_by(): 1 query, whatever the number
    of facilities; None for a group with no facility counted on ``day``.

    Why not a correlated subquery: it would count the whole group again for every
    facility listed (seconds for a few thousand facilities); here each facility's
    first contact is worked out once, and the few group figures (one per sector or
    unit) are joined to the list in SQL by a CASE expression.
    """
    groups = awareness_coverage_by(field, day)
    # The group the facility was in on ``day``: its pathway row then (with_pathway()).
    whens = [When(**{f"pathway__{field}": row[field]}, then=Value(row["coverage"])) for row in groups]
    return Case(*whens, default=Value(None), output_field=FloatField())


def place_names() -> dict[str, Subquery]:
    """``sector_name``, ``unit_name`` and ``area_name`` (None: no area) of each facility, as
    its pathway row of the day (with_pathway()) has them: the unit and area it was in that
    day, which its unit's coverage and the unit filter read too (its register entry names
    where it is now). As sub-selects rather than joins.

    For a page of a list sorted by a computed value: with the joins, PostgreSQL sorted
    every row before joining the page's rows (a LIMIT does not reach a Sort below a
    join), all of them at full width and spilling to disk; a sub-select of the select
    list is evaluated after the Sort and the LIMIT, for the page's rows alone, and the
    Sort keeps the page's rows only (top-N)."""
    return {
        "sector_name": name_of(Sector, "pathway__sector_id"),
        "unit_name": name_of(AdministrativeUnit, "pathway__unit_id"),
        "area_name": name_of(ProductionArea, "pathway__area_id"),
    }


def reach_next(
    *, as_of: datetime.date, sector_id: int | None = None, unit_id: int | None = None, area_kind: str = ""
) -> QuerySet[Facility]:
    """In-scope facilities open on ``as_of`` and never reached by then
    (selectors.facilities_never_reached), those of the sector, then the unit,
    with the lowest awareness coverage first; ties by code.

    Annotated with ``sector_coverage`` and ``unit_coverage`` (percent 0–100,
    see awareness_coverage_by()): the coverages are of whole sectors and units,
    whatever the filters; and with place_names() (the sector, unit and area are not
    loaded). 2 queries to build (the coverages), 1 to list.
    """
    return (
        facilities_never_reached(as_of=as_of, sector_id=sector_id, unit_id=unit_id, area_kind=area_kind)
        .select_related(None)
        .annotate(
            sector_coverage=awareness_coverage("sector_id", as_of),
            unit_coverage=awareness_coverage("unit_id", as_of),
            **place_names(),
        )
        .order_by("sector_coverage", "unit_coverage", "code")
    )


# --- Filter sets ------------------------------------------------------------------------------


class _AsOfFilterSet(django_filters.FilterSet):
    """A filter set whose other filters read the day ``as_of`` (default: today)."""

    as_of = AsOfFilter(label=_("as of"), method="keep", help_text=_("Status on this day; empty: today."))

    @property
    def as_of_day(self) -> datetime.date:
        """The day asked for, or today when none was given. A date the as-of policy
        refuses (cpdash.dates) is a form error: the page says why and lists nothing."""
        cleaned = getattr(self.form, "cleaned_data", None) or {}
        return cleaned.get("as_of") or timezone.localdate()

    def keep(self, queryset: QuerySet, name: str, value: object) -> QuerySet:
        """Filters that only parameterise others leave the queryset as it is."""
        return queryset


def _sector_filter() -> NameFilter:
    return NameFilter(queryset=Sector.objects.all(), label=_("sector"), empty_label=_("any"))


#: The area type value of the facilities outside any production area: the breakdowns' row
#: "not in a production area" drills down to them.
NO_AREA = "none"


def _area_kind_filter(field_name: str = "area__kind", **kwargs) -> django_filters.ChoiceFilter:
    kwargs.setdefault("choices", ProductionArea.Kind.choices)
    return django_filters.ChoiceFilter(field_name=field_name, label=_("area type"), empty_label=_("any"), **kwargs)


class FacilityFilter(_AsOfFilterSet):
    """The register list's filters. Query parameters: ``q`` (code or name, diacritics
    ignored), ``sector``, ``unit``, ``area`` (ids), ``area_kind``, ``kind``,
    ``in_scope`` (true/false), ``as_of`` (YYYY-MM-DD), ``status`` (aware, applying,
    never_reached on ``as_of``, or a step of the pathway funnel: counted, surveyed,
    supported, saving_reached — with ``saving_min``, percent —, replicating), ``target``
    (id: the facilities behind that target's numerator on ``as_of``)."""

    q = django_filters.CharFilter(label=_("search"), method="search", help_text=_("Code or name."))
    sector = _sector_filter()
    # Unit, area and area type: where the facility was on the as-of day (its unit membership).
    unit = UnitFilter(method="filter_unit")
    area = NameFilter(
        queryset=ProductionArea.objects.all(),
        label=_("production area"),
        empty_label=_("any"),
        method="filter_area",
    )
    area_kind = _area_kind_filter(
        field_name="pathway__area_kind",
        choices=[*ProductionArea.Kind.choices, (NO_AREA, _("not in a production area"))],
        method="filter_area_kind",
    )
    kind = django_filters.ChoiceFilter(choices=Facility.Kind.choices, label=_("kind"), empty_label=_("any"))
    in_scope = django_filters.BooleanFilter(label=_("counts toward targets"), widget=AnyYesNo)
    status = django_filters.ChoiceFilter(
        choices=STATUS_CHOICES, label=_("status"), method="filter_status", empty_label=_("any")
    )
    saving_min = LocalNumberFilter(
        label=_("saving reached (%)"),
        method="keep",
        min_value=0,
        max_value=100,
        help_text=_("For the status “saving reached”: the saving, in percent, a facility has reached (default 5)."),
    )
    target = django_filters.ModelChoiceFilter(
        queryset=Target.objects.exclude(indicator=Indicator.SPECIALIST_COVERAGE).select_related(
            "phase", "sector", "unit_scope"
        ),
        method="filter_target",
        widget=forms.HiddenInput,
        error_messages={"invalid_choice": _("There is no such target, or it does not count facilities.")},
    )

    class Meta:
        model = Facility
        fields: list[str] = []

    def filter_queryset(self, queryset: QuerySet[Facility]) -> QuerySet[Facility]:
        return super().filter_queryset(with_status(queryset, self.as_of_day))

    # Unit, area and area type: where the facility was on the as-of day (its unit membership).
    def filter_unit(self, queryset: QuerySet[Facility], name: str, value: AdministrativeUnit) -> QuerySet[Facility]:
        return queryset.filter(pathway__unit_id=value.pk)

    def filter_area(self, queryset: QuerySet[Facility], name: str, value: ProductionArea) -> QuerySet[Facility]:
        return queryset.filter(pathway__area_id=value.pk)

    def filter_area_kind(self, queryset: QuerySet[Facility], name: str, value: str) -> QuerySet[Facility]:
        return queryset.filter(pathway__area_kind="" if value == NO_AREA else value)

    def search(self, queryset: QuerySet[Facility], name: str, value: str) -> QuerySet[Facility]:
        term = fold(value)
        return queryset.filter(search_text__icontains=term) if term else queryset

    def filter_status(self, queryset: QuerySet[Facility], name: str, value: str) -> QuerySet[Facility]:
        saving_min = self.form.cleaned_data.get("saving_min")
        return queryset.filter(status_q(value, self.as_of_day, saving_min))

    def filter_target(self, queryset: QuerySet[Facility], name: str, value: Target) -> QuerySet[Facility]:
        behind = records_behind(target=value, as_of=self.as_of_day)
        return queryset.filter(pk__in=behind.values("pk"))


class ReachNextFilter(_AsOfFilterSet):
    """Filters of the "who to reach next" list: ``as_of``, ``sector``, ``unit``, ``area_kind``.

    The list itself is reach_next() for those values; the queryset given to the
    filter set is not used.
    """

    sector = _sector_filter()
    unit = UnitFilter()
    area_kind = _area_kind_filter()

    class Meta:
        model = Facility
        fields: list[str] = []

    def filter_queryset(self, queryset: QuerySet[Facility]) -> QuerySet[Facility]:
        data = self.form.cleaned_data
        return reach_next(
            as_of=self.as_of_day,
            sector_id=data["sector"].pk if data.get("sector") else None,
            unit_id=data["unit"].pk if data.get("unit") else None,
            area_kind=data.get("area_kind") or "",
        )
