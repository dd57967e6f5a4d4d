"""Tables of the facility pages (django-tables2): the register list and the
"who to reach next" invitation list. They show querysets as the filters
(targets/facility_filters.py) annotate them and run no query of their own.

Their exports are streamed from plain values (cpdash.exports): ``export_cells()``
says how the columns that are not a plain field are read (related records by
name, the status by its label).
"""

import datetime

import django_tables2 as tables
from django.utils import formats
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from cpdash.exports import Cell, choice_labels
from cpdash.tables import TEMPLATE, NumberColumn, SortedColumn
from facilities.models import Facility
from programmes.tables import PercentColumn
from targets.facility_filters import Status
from targets.queries import NEVER, ON_FACILITY


class SinceColumn(tables.Column):
    """A "since" date from the indicators engine: a short date, empty for NEVER;
    exported as a date (a real date cell in XLSX)."""

    empty_values = (None, "", NEVER)

    def render(self, value: datetime.date) -> str:
        return formats.date_format(value, "SHORT_DATE_FORMAT")

    def value(self, value: datetime.date) -> datetime.date:
        return value


def _register_cells() -> dict[str, Cell]:
    """The sector by name, the unit and area by the names annotated as the list's day has them
    (facility_filters.place_names()): what the page shows, the export says."""
    return {
        "sector": Cell.read("sector__name"),
        "unit": Cell.read("unit_name"),
        "area": Cell.read("area_name"),
    }


def _field_label(name: str) -> str:
    """A Facility field's label as django-tables2 heads a model column: capitalised, translated late."""
    return capfirst(Facility._meta.get_field(name).verbose_name)


def _code_column() -> tables.Column:
    return tables.Column(linkify=("facilities:detail", {"code": tables.A("code")}))


#: A name column keeps a readable width (tables.css, td.name): not one word per line beside wide numbers.
NAME = {"td": {"class": "name"}}


class FacilityTable(tables.Table):
    """The register: one row per facility, sortable; status as of the list's day."""

    code = _code_column()
    # Names sorted in the order of the Vietnamese alphabet ("Ba Đình" before "Ba Vì"), the name on
    # PostgreSQL through the index on (name COLLATE "vi", code): the first page reads 50 entries.
    name = SortedColumn(attrs=NAME, order_by=("name", "code"), names=("name",))
    sector = SortedColumn(order_by=("sector__name", "code"), names=("sector__name",))
    # Where the facility was on the list's day (a 2015 list: its district, not today's ward), as
    # the unit filter reads it: shown by the names facility_filters.place_names() gives the page's
    # rows, sorted through its pathway row of the day (a join).
    unit = SortedColumn(
        accessor="unit_name",
        verbose_name=_field_label("unit"),
        order_by=(f"{ON_FACILITY}unit__name", "code"),
        names=(f"{ON_FACILITY}unit__name",),
    )
    area = SortedColumn(
        accessor="area_name",
        verbose_name=_field_label("area"),
        order_by=(f"{ON_FACILITY}area__name", "code"),
        names=(f"{ON_FACILITY}area__name",),
    )
    kind = tables.Column(order_by=("kind", "code"))
    employees = NumberColumn(order_by=("employees", "code"))
    aware_since = SinceColumn(verbose_name=_("Aware since"), order_by=("aware_since", "code"))
    applying_since = SinceColumn(verbose_name=_("Applying since"), order_by=("applying_since", "code"))
    status = tables.Column(verbose_name=_("Status"), orderable=False)

    class Meta:
        model = Facility
        fields = ("code", "name", "sector", "unit", "area", "kind", "employees")
        sequence = (*fields, "aware_since", "applying_since", "status")
        template_name = TEMPLATE
        attrs = {"class": "data"}
        empty_text = _("No facility matches these filters.")

    def render_status(self, value: str) -> str:
        return Status(value).label

    def export_cells(self) -> dict[str, Cell]:
        return {**_register_cells(), "status": Cell(("status",), choice_labels(Status.choices))}


class ReachNextTable(tables.Table):
    """The invitation list, in the order reach_next() gives; coverages shown, not exported."""

    code = _code_column()
    name = tables.Column(attrs=NAME, orderable=False)
    # Their names, which reach_next() annotates (place_names()): the records are not loaded.
    sector = tables.Column(accessor="sector_name", verbose_name=_field_label("sector"))
    unit = tables.Column(accessor="unit_name", verbose_name=_field_label("unit"))
    area = tables.Column(accessor="area_name", verbose_name=_field_label("area"))
    employees = NumberColumn()
    sector_coverage = PercentColumn(verbose_name=_("Aware in sector"), exclude_from_export=True)
    unit_coverage = PercentColumn(verbose_name=_("Aware in unit"), exclude_from_export=True)

    class Meta:
        model = Facility
        fields = ("code", "name", "sector", "unit", "area", "kind", "employees")
        sequence = (*fields, "sector_coverage", "unit_coverage")
        template_name = TEMPLATE
        orderable = False
        attrs = {"class": "data"}
        empty_text = _("Every facility counted on this day has been reached.")

    def export_cells(self) -> dict[str, Cell]:
        return _register_cells()
