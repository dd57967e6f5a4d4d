"""Filters of the recording lists (CP surveys, outreach activities, CP solutions),
and the querysets they filter.

Each ``*_rows()`` gives the records with what their table shows already in SQL:
related rows joined or prefetched, counts and the best saving annotated, so a
list or an export costs the same number of queries for 3 records or 3,000.

Free-text search (``q``) ignores diacritics where a folded column exists
(``search_text``, see cpdash.models.Searchable): the term is folded and matched
with ``icontains``. Text without a folded column (surveyors, a solution's
description) can only be matched as typed (and folded, which finds text
written without diacritics): "trung tam" does not find "Trung tâm" there.

Filters on the records' children (options, support, attendance, savings) use
``Exists`` rather than a join, so that they never multiply rows or disturb the
annotated counts.
"""

from decimal import Decimal

import django_filters
from django.db.models import Count, Exists, Max, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.utils.translation import gettext_lazy as _

from cpdash.dates import DayTextInput
from cpdash.filters import AnyYesNo
from cpdash.text import fold
from facilities.forms import NameFilter, UnitFilter
from facilities.models import AdministrativeUnit, ProductionArea, Sector, memberships_then
from programmes.models import (
    Attendance,
    CPOption,
    OptionCategory,
    OutreachActivity,
    Resource,
    ResourceSaving,
    Solution,
    Survey,
    TechnicalSupport,
)

# --- The rows the lists show --------------------------------------------------------------------


def survey_rows() -> QuerySet[Survey]:
    """Every survey, newest first, with its facility loaded, ``unit_then`` (the name of the
    unit its facility was in on the survey's day), ``option_count`` (CP options found) and
    ``implemented_count`` (of them implemented) annotated and its support prefetched (1 more
    query)."""
    return (
        Survey.objects.select_related("facility")
        .prefetch_related(Prefetch("supports", TechnicalSupport.objects.only("pk", "survey_id", "kind")))
        .annotate(
            unit_then=Subquery(memberships_then("surveyed_on").values("unit__name")[:1]),
            option_count=Count("options"),
            implemented_count=Count("options", filter=Q(options__state=CPOption.State.IMPLEMENTED)),
        )
        .order_by("-surveyed_on", "-pk")
    )


def activity_rows() -> QuerySet[OutreachActivity]:
    """Every outreach activity, newest first, with its unit loaded and ``facility_count``
    (facilities attending) annotated."""
    return (
        OutreachActivity.objects.select_related("unit")
        .annotate(facility_count=Count("attendances"))
        .order_by("-held_on", "-pk")
    )


def solution_rows() -> QuerySet[Solution]:
    """Every CP solution, newest first, with its facility loaded,
    ``best_saving`` (the largest saving_percent of its resources, percent; None when none is
    measured) annotated and its savings prefetched (1 more query)."""
    return (
        Solution.objects.select_related("facility")
        .prefetch_related(Prefetch("savings", ResourceSaving.objects.order_by("resource", "pk")))
        .annotate(best_saving=Max("savings__saving_percent"))
        .order_by("-implemented_on", "-pk")
    )


# --- Filters shared by the lists --------------------------------------------------------------


def _date_from(field: str) -> django_filters.DateFilter:
    return django_filters.DateFilter(
        field_name=field,
        lookup_expr="gte",
        label=_("from"),
        widget=DayTextInput,
    )


def _date_to(field: str) -> django_filters.DateFilter:
    return django_filters.DateFilter(
        field_name=field,
        lookup_expr="lte",
        label=_("to"),
        widget=DayTextInput,
    )


def _sector(field: str) -> NameFilter:
    return NameFilter(field_name=field, queryset=Sector.objects.all(), label=_("sector"), empty_label=_("any"))


def _unit_then(day: str) -> UnitFilter:
    """The records whose facility was in the unit on the record's ``day`` (its membership then,
    facilities.models.memberships_then): the units as they were, before a split or the 2025 reform."""

    def in_unit(queryset: QuerySet, name: str, value: AdministrativeUnit) -> QuerySet:
        return queryset.filter(Exists(memberships_then(day).filter(unit=value)))

    return UnitFilter(method=in_unit)


def _area_kind_then(day: str) -> django_filters.ChoiceFilter:
    """The records whose facility was in a production area of this type on the record's ``day``."""

    def in_area_kind(queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.filter(Exists(memberships_then(day).filter(area__kind=value)))

    return django_filters.ChoiceFilter(
        choices=ProductionArea.Kind.choices, label=_("area type"), empty_label=_("any"), method=in_area_kind
    )


def _search(help_text: str) -> django_filters.CharFilter:
    return django_filters.CharFilter(label=_("search"), method="search", help_text=help_text)


def _has(queryset: QuerySet, children: QuerySet, wanted: bool = True) -> QuerySet:
    """``queryset`` narrowed to the records with (``wanted``) or without any of ``children``,
    which must be filtered on the parent as ``OuterRef("pk")``."""
    exists = Exists(children)
    return queryset.filter(exists if wanted else ~exists)


# --- CP surveys ----------------------------------------------------------------------------------


class SurveyFilter(django_filters.FilterSet):
    """The survey list's filters. Query parameters: ``q`` (the facility's code or name,
    diacritics ignored, or the surveyors), ``date_from`` and ``date_to`` (YYYY-MM-DD,
    inclusive), ``sector`` of the facility and ``unit`` it was in on the survey's day (ids),
    ``area_kind`` of its production area that day, ``implemented`` (true/false: has a CP option
    implemented), ``support`` (a kind of technical support given)."""

    q = _search(_("Facility code or name, or surveyors."))
    date_from = _date_from("surveyed_on")
    date_to = _date_to("surveyed_on")
    sector = _sector("facility__sector")
    unit = _unit_then("surveyed_on")
    area_kind = _area_kind_then("surveyed_on")
    implemented = django_filters.BooleanFilter(
        label=_("options implemented"), method="filter_implemented", widget=AnyYesNo
    )
    support = django_filters.ChoiceFilter(
        choices=TechnicalSupport.Kind.choices, label=_("support"), method="filter_support", empty_label=_("any")
    )

    class Meta:
        model = Survey
        fields: list[str] = []

    def search(self, queryset: QuerySet[Survey], name: str, value: str) -> QuerySet[Survey]:
        term = fold(value)
        if not term:
            return queryset
        return queryset.filter(
            Q(facility__search_text__icontains=term)
            | Q(surveyors__icontains=value.strip())
            | Q(surveyors__icontains=term)
        )

    def filter_implemented(self, queryset: QuerySet[Survey], name: str, value: bool) -> QuerySet[Survey]:
        implemented = CPOption.objects.filter(survey=OuterRef("pk"), state=CPOption.State.IMPLEMENTED)
        return _has(queryset, implemented, value)

    def filter_support(self, queryset: QuerySet[Survey], name: str, value: str) -> QuerySet[Survey]:
        return _has(queryset, TechnicalSupport.objects.filter(survey=OuterRef("pk"), kind=value))


# --- Outreach activities -------------------------------------------------------------------------


class ActivityFilter(django_filters.FilterSet):
    """The activity list's filters. Query parameters: ``q`` (title, organiser or venue,
    diacritics ignored), ``kind``, ``date_from`` and ``date_to`` (YYYY-MM-DD, inclusive),
    ``unit`` (id), ``attended`` (true/false: at least one facility attending recorded)."""

    q = _search(_("Title, organiser or venue."))
    kind = django_filters.ChoiceFilter(choices=OutreachActivity.Kind.choices, label=_("kind"), empty_label=_("any"))
    date_from = _date_from("held_on")
    date_to = _date_to("held_on")
    unit = UnitFilter(field_name="unit")
    attended = django_filters.BooleanFilter(
        label=_("facilities attending recorded"), method="filter_attended", widget=AnyYesNo
    )

    class Meta:
        model = OutreachActivity
        fields: list[str] = []

    def search(self, queryset: QuerySet[OutreachActivity], name: str, value: str) -> QuerySet[OutreachActivity]:
        term = fold(value)
        return queryset.filter(search_text__icontains=term) if term else queryset

    def filter_attended(
        self, queryset: QuerySet[OutreachActivity], name: str, value: bool
    ) -> QuerySet[OutreachActivity]:
        return _has(queryset, Attendance.objects.filter(activity=OuterRef("pk")), value)


# --- CP solutions --------------------------------------------------------------------------------


class SolutionFilter(django_filters.FilterSet):
    """The solution list's filters. Query parameters: ``q`` (the facility's code or name,
    diacritics ignored, or the description), ``date_from`` and ``date_to`` (implemented,
    YYYY-MM-DD, inclusive), ``category``, ``sector`` of the facility and ``unit`` it was in on
    the day of the solution (ids),
    ``resource`` (a resource the solution's savings record), ``min_saving`` (percent: a
    measured saving of at least this much on some resource)."""

    q = _search(_("Facility code or name, or description."))
    date_from = _date_from("implemented_on")
    date_to = _date_to("implemented_on")
    category = django_filters.ChoiceFilter(choices=OptionCategory.choices, label=_("category"), empty_label=_("any"))
    sector = _sector("facility__sector")
    unit = _unit_then("implemented_on")
    resource = django_filters.ChoiceFilter(
        choices=Resource.choices, label=_("resource"), method="filter_resource", empty_label=_("any")
    )
    min_saving = django_filters.NumberFilter(
        label=_("saving at least (%)"),
        method="filter_min_saving",
        help_text=_("On some resource, per unit of product."),
    )

    class Meta:
        model = Solution
        fields: list[str] = []

    def search(self, queryset: QuerySet[Solution], name: str, value: str) -> QuerySet[Solution]:
        term = fold(value)
        if not term:
            return queryset
        return queryset.filter(
            Q(facility__search_text__icontains=term)
            | Q(description__icontains=value.strip())
            | Q(description__icontains=term)
        )

    def filter_resource(self, queryset: QuerySet[Solution], name: str, value: str) -> QuerySet[Solution]:
        return _has(queryset, ResourceSaving.objects.filter(solution=OuterRef("pk"), resource=value))

    def filter_min_saving(self, queryset: QuerySet[Solution], name: str, value: Decimal) -> QuerySet[Solution]:
        # Exact decimals (10 → 9.2 is 8.0000 %, not 7.999999999999998): no tolerance needed.
        reaching = ResourceSaving.objects.filter(solution=OuterRef("pk"), saving_percent__gte=value)
        return _has(queryset, reaching)
