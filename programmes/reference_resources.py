"""Imports of the programme and its phases, by natural key (cpdash.imports.RecordResource),
in the admin and in ``load_demo``. Columns and rules: docs/import.md, "Importing reference tables"."""

from django.core.exceptions import ValidationError
from django.core.validators import validate_slug
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from import_export import widgets
from import_export.fields import Field

from cpdash.imports import DayWidget, ImportRow, RecordResource, TextWidget, cell_text
from facilities.reference_resources import MAX_REFERENCE_ROWS
from programmes.models import Phase, Programme, ends_before_starts

PROGRAMME_HEADERS = {
    "ma": "slug",
    "ma_chuong_trinh": "slug",
    "ten": "name",
    "ten_chuong_trinh": "name",
    "bat_dau": "starts_on",
    "tu_ngay": "starts_on",
    "ket_thuc": "ends_on",
    "den_ngay": "ends_on",
    "mo_ta": "description",
}
PHASE_HEADERS = {
    "chuong_trinh": "programme",
    "ma_chuong_trinh": "programme",
    "ten": "name",
    "giai_doan": "name",
    "bat_dau": "starts_on",
    "tu_ngay": "starts_on",
    "ket_thuc": "ends_on",
    "den_ngay": "ends_on",
}


def _column(name: str, widget: widgets.Widget) -> Field:
    return Field(attribute=name, column_name=name, widget=widget)


class SlugCell(TextWidget):
    """A programme's slug: letters, digits, "-" and "_"."""

    def clean(self, value, row=None, **kwargs) -> str:
        text = super().clean(value, row, **kwargs)
        if text:
            try:
                validate_slug(text)
            except ValidationError as error:
                raise ValueError(" ".join(error.messages)) from error
        return text


class ProgrammeCell(widgets.Widget):
    """A stored programme by its slug; ``index`` is filled once per import."""

    def __init__(self, missing: str):
        super().__init__()
        self.missing = missing
        self.index: dict[str, Programme] = {}

    def clean(self, value, row=None, **kwargs) -> Programme:
        slug = cell_text(value)
        if not slug:
            raise ValueError(self.missing)
        programme = self.index.get(slug)
        if programme is None:
            raise ValueError(gettext("No programme has the slug “%(value)s”.") % {"value": slug})
        return programme

    def render(self, value, obj=None, **kwargs) -> str:
        return "" if value is None else value.slug


def _check_dates(row: ImportRow) -> None:
    """ends_before_starts, the models' rule (programmes/models.py), on the dates read."""
    problems = ends_before_starts(row.values.get("starts_on"), row.values.get("ends_on"))
    for field, message in problems:
        row.add_error(field, message)


class ProgrammeResource(RecordResource):
    """Programmes, by slug."""

    slug = _column("slug", SlugCell(_("Missing slug."), max_length=50))
    name = _column("name", TextWidget(_("Missing name."), max_length=200))
    starts_on = _column("starts_on", DayWidget())
    ends_on = _column("ends_on", DayWidget())
    description = _column("description", TextWidget())

    model = Programme
    record_fields = {
        "slug": "slug",
        "name": "name",
        "starts_on": "starts_on",
        "ends_on": "ends_on",
        "description": "description",
    }
    key_columns = ("slug",)
    required_columns = ("slug", "name", "starts_on", "ends_on")
    record_required = {"starts_on": _("Missing start date."), "ends_on": _("Missing end date.")}
    header_aliases = PROGRAMME_HEADERS
    max_rows = MAX_REFERENCE_ROWS
    one_row_per_record = True
    repeated_record = _("Also in row %(row)d: list each programme once.")
    notes = (_("One row per programme, found by its slug (letters, digits, “-”, “_”): nothing is duplicated."),)
    template_rows = (
        {
            "slug": "hanoi-cp",
            "name": "Chương trình sản xuất sạch hơn Hà Nội",
            "starts_on": "2011-01-01",
            "ends_on": "2020-12-31",
            "description": "Áp dụng sản xuất sạch hơn trong công nghiệp đến năm 2020",
        },
    )

    class Meta:
        name = _("Programmes")

    def check_row(self, row: ImportRow) -> None:
        _check_dates(row)


class PhaseResource(RecordResource):
    """Phases, by programme (its slug) and name."""

    programme = _column("programme", ProgrammeCell(_("Missing programme (its slug).")))
    name = _column("name", TextWidget(_("Missing name."), max_length=100))
    starts_on = _column("starts_on", DayWidget())
    ends_on = _column("ends_on", DayWidget())

    model = Phase
    record_fields = {"programme": "programme", "name": "name", "starts_on": "starts_on", "ends_on": "ends_on"}
    key_columns = ("programme", "name")
    required_columns = ("programme", "name", "starts_on", "ends_on")
    record_required = {"starts_on": _("Missing start date."), "ends_on": _("Missing end date.")}
    header_aliases = PHASE_HEADERS
    max_rows = MAX_REFERENCE_ROWS
    one_row_per_record = True
    repeated_record = _("Also in row %(row)d (same programme and name): list each phase once.")
    notes = (_("One row per phase: programme is the programme's slug. Phases are found by programme and name."),)
    template_rows = (
        {"programme": "hanoi-cp", "name": "Đến 2015", "starts_on": "2011-01-01", "ends_on": "2015-12-31"},
        {"programme": "hanoi-cp", "name": "2016–2020", "starts_on": "2016-01-01", "ends_on": "2020-12-31"},
    )

    class Meta:
        name = _("Phases")

    def _load_lookups(self, rows: list[ImportRow]) -> None:
        if "programme" in self.present:
            self.fields["programme"].widget.index = Programme.objects.order_by().in_bulk(field_name="slug")

    def check_row(self, row: ImportRow) -> None:
        _check_dates(row)
