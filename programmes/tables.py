"""Tables of the recording lists (django-tables2): CP surveys, outreach activities,
CP solutions. They show the querysets of programmes/filters.py as annotated there
and run no query of their own (related rows are joined or prefetched).

Exports (cpdash.exports) give each cell's ``value``: dates as dates, numbers as
numbers, the facility as its name with its code in a column of its own, and no
edit link. They are streamed from plain values: ``export_cells()`` says how the
columns that are not a plain field are read (related records by name; a survey's
support and a solution's savings from a subquery per kind and per resource, each
a unique row, so the export stays one query).
"""

import datetime
from collections.abc import Iterable
from decimal import Decimal

import django_tables2 as tables
from django.db.models import Exists, Manager, OuterRef, Subquery
from django.utils import formats
from django.utils.html import format_html, format_html_join
from django.utils.text import capfirst
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from cpdash.exports import Cell
from cpdash.tables import TEMPLATE, NullsLastColumn, NumberColumn, SortedColumn
from facilities.models import Facility
from programmes.models import REPORTED_MARK, Resource, ResourceSaving, TechnicalSupport, percent, round_percent


def saving_text(value: Decimal | float, *, reported: bool) -> str:
    """A saving as percent() gives it, marked when the facility only reported it and no
    baseline was measured: "6.0% (reported, no measured baseline)"."""
    return f"{percent(value)} ({REPORTED_MARK})" if reported else percent(value)


class DayColumn(tables.Column):
    """A date: shown short, exported as a date (a real date cell in XLSX)."""

    def render(self, value: datetime.date) -> str:
        return formats.date_format(value, "SHORT_DATE_FORMAT")

    def value(self, value: datetime.date) -> datetime.date:
        return value


class PercentColumn(NumberColumn):
    """A percent 0–100 shown to one decimal place ("6.0%"); exported rounded, as a number."""

    def render(self, value: Decimal | float) -> str:
        return percent(value)

    def value(self, value: Decimal | float) -> Decimal:
        return round_percent(value)


class FacilityColumn(SortedColumn):
    """A record's facility: name and code, linked to the facility's page; exported as its
    name (tables add a hidden ``facility_code`` column, which only exports show). Sorted by
    name in the order of the Vietnamese alphabet, then code."""

    def __init__(self, **kwargs) -> None:
        kwargs.setdefault("linkify", ("facilities:detail", {"code": tables.A("facility__code")}))
        kwargs.setdefault("order_by", ("facility__name", "facility__code", "pk"))
        kwargs.setdefault("names", ("facility__name",))
        super().__init__(**kwargs)

    def render(self, value: Facility) -> str:
        return format_html('{} <span class="code">{}</span>', value.name, value.code)

    def value(self, value: Facility) -> str:
        return value.name


def _facility_code() -> tables.Column:
    return tables.Column(accessor="facility__code", verbose_name=_("Code"), visible=False)


class EditColumn(tables.Column):
    """A link to the record's edit page; views exclude it for users who may not change records."""

    def __init__(self, viewname: str) -> None:
        super().__init__(
            accessor="pk",
            verbose_name="",
            linkify=(viewname, (tables.A("pk"),)),
            orderable=False,
            exclude_from_export=True,
        )

    def render(self, value: int) -> str:
        return gettext("Edit")


class _Meta:
    template_name = TEMPLATE
    attrs = {"class": "data"}


class SurveyTable(tables.Table):
    """CP surveys: one row per survey, sortable except for the support given."""

    surveyed_on = DayColumn(order_by=("surveyed_on", "pk"))
    facility = FacilityColumn()
    facility_code = _facility_code()
    # Where the facility was on the survey's day (survey_rows()), not where it is now.
    unit = SortedColumn(
        accessor="unit_then", verbose_name=_("Administrative unit"), order_by=("unit_then", "pk"), names=("unit_then",)
    )
    surveyors = SortedColumn(order_by=("surveyors", "pk"), names=("surveyors",))
    option_count = NumberColumn(verbose_name=_("Options found"), order_by=("option_count", "pk"))
    implemented_count = NumberColumn(verbose_name=_("Options implemented"), order_by=("implemented_count", "pk"))
    supports = tables.Column(verbose_name=_("Support"), orderable=False, empty_values=())
    edit = EditColumn("programmes:survey_edit")

    class Meta(_Meta):
        empty_text = _("No survey matches these filters.")

    def render_supports(self, value: Manager[TechnicalSupport]) -> str:
        """The kinds of support given, in the order of TechnicalSupport.Kind ("" for none)."""
        kinds = {support.kind for support in value.all()}
        return ", ".join(str(kind.label) for kind in TechnicalSupport.Kind if kind in kinds)

    def export_cells(self) -> dict[str, Cell]:
        kinds = list(TechnicalSupport.Kind)
        labels = [str(kind.label) for kind in kinds]
        given = {
            f"export_support_{kind.value}": Exists(TechnicalSupport.objects.filter(survey=OuterRef("pk"), kind=kind))
            for kind in kinds
        }

        def supports(*flags: bool) -> str:
            return ", ".join(label for label, flag in zip(labels, flags, strict=True) if flag)

        return {
            "facility": Cell.read("facility__name"),
            "unit": Cell.read("unit_then"),
            "supports": Cell(tuple(given), supports, given),
        }


class ActivityTable(tables.Table):
    """Outreach activities: one row per activity, sortable."""

    held_on = DayColumn(order_by=("held_on", "pk"))
    kind = tables.Column(order_by=("kind", "pk"))
    title = SortedColumn(order_by=("title", "pk"), names=("title",))
    unit = NullsLastColumn(order_by=("unit__name", "pk"), names=("unit__name",))
    participants = NumberColumn(order_by=("participants", "pk"))
    quantity = NumberColumn(order_by=("quantity", "pk"))
    facility_count = NumberColumn(verbose_name=_("Facilities attending"), order_by=("facility_count", "pk"))
    edit = EditColumn("programmes:activity_edit")

    class Meta(_Meta):
        empty_text = _("No outreach activity matches these filters.")

    def export_cells(self) -> dict[str, Cell]:
        return {"unit": Cell.read("unit__name")}


class SolutionTable(tables.Table):
    """CP solutions: one row per solution, sortable except for the resources measured."""

    implemented_on = DayColumn(order_by=("implemented_on", "pk"))
    facility = FacilityColumn()
    facility_code = _facility_code()
    category = tables.Column(order_by=("category", "pk"))
    description = SortedColumn(order_by=("description", "pk"), names=("description",))
    investment = NumberColumn(order_by=("investment", "pk"))
    best_saving = PercentColumn(verbose_name=_("Best saving"), order_by=("best_saving", "pk"))
    savings = tables.Column(verbose_name=_("Resources measured"), orderable=False, empty_values=())
    edit = EditColumn("programmes:solution_edit")

    class Meta(_Meta):
        empty_text = _("No CP solution matches these filters.")

    def render_best_saving(self, value: Decimal, record) -> str:
        """The best saving, marked when no measured saving of the solution reaches it (from the
        prefetched savings: no query)."""
        measured = (s.saving_percent for s in record.savings.all() if s.has_measured_baseline)
        return saving_text(value, reported=value not in {m for m in measured if m is not None})

    def value_best_saving(self, value: Decimal) -> Decimal:
        """Exported as a number, as PercentColumn does; the savings column says which are reported."""
        return round_percent(value)

    def render_savings(self, value: Manager[ResourceSaving]) -> str:
        """Each resource with its saving per unit of product, or "not measured yet"."""
        return format_html(
            '<ul class="savings">{}</ul>',
            format_html_join("", "<li>{}: {}</li>", _savings(value.all(), html=True)),
        )

    def value_savings(self, value: Manager[ResourceSaving]) -> str:
        """As shown, on one line: "Energy: 6.0%; Water: not measured yet"."""
        return "; ".join(f"{label}: {cell}" for label, cell in _savings(value.all(), html=False))

    def export_cells(self) -> dict[str, Cell]:
        # In the order of the page's savings (by resource value): one saving per resource at most.
        resources = sorted(Resource, key=lambda resource: resource.value)
        labels = [capfirst(str(resource.label)) for resource in resources]
        not_measured = gettext("not measured yet")
        reads: dict[str, Exists | Subquery] = {}
        for resource in resources:
            saving = ResourceSaving.objects.filter(solution=OuterRef("pk"), resource=resource)
            reads[f"export_saving_{resource.value}"] = Exists(saving)
            reads[f"export_saving_{resource.value}_percent"] = Subquery(saving.values("saving_percent")[:1])
            reads[f"export_saving_{resource.value}_reported"] = Exists(saving.filter(baseline__isnull=True))

        def savings(*values: object) -> str:
            triples = zip(labels, values[::3], values[1::3], values[2::3], strict=True)
            return "; ".join(
                f"{label}: {not_measured if saved is None else saving_text(saved, reported=reported)}"
                for label, recorded, saved, reported in triples
                if recorded
            )

        return {
            "facility": Cell.read("facility__name"),
            "best_saving": Cell(("best_saving",), lambda best: None if best is None else round_percent(best)),
            "savings": Cell(tuple(reads), savings, reads),
        }


def _savings(savings: Iterable[ResourceSaving], *, html: bool) -> list[tuple[str, str]]:
    """(resource label, saving) pairs; the saving wrapped in a number span when ``html``."""
    pairs = []
    for saving in savings:
        reported = not saving.has_measured_baseline
        if saving.saving_percent is None:
            cell = gettext("not measured yet")
        elif html:
            cell = format_html('<span class="num">{}</span>', saving_text(saving.saving_percent, reported=reported))
        else:
            cell = saving_text(saving.saving_percent, reported=reported)
        pairs.append((capfirst(saving.get_resource_display()), cell))
    return pairs
