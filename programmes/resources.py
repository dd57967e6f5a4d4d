"""Imports of past programme records from spreadsheets, for the admin: outreach
activities with their attendance, CP surveys with their options and support,
CP solutions with their resource savings, and CP specialists.

Each file row belongs to one *record* (an activity, a survey, a solution, a
specialist), found by its natural key; rows with the same key are the same
record. A row may also carry one *child* of its record (an attendance, a CP
option and/or a technical support, a resource saving). Re-importing a file
matches records and children by key, so nothing is duplicated.

They run through the engine every import shares (cpdash.imports.ImportEngine,
through RecordResource), with the whole file as one chunk: a record's rows may be
anywhere in the file.

An import is all or nothing: every row is read and checked first, and nothing
is written unless the whole file is valid; then everything is written in one
transaction. A confirm reads the stored records and writes under its kind's
import lock, and the natural keys are unique in the database, so confirms of
one file at the same time store each record once (docs/import.md).
Lookups are preloaded (facilities by the codes in the file, units,
the stored records in the file's date range), so queries do not grow with rows.
A file of at least cpdash.database.ANALYZE_THRESHOLD rows ends with ANALYZE of the
tables written (PostgreSQL only).
Row numbers in messages are spreadsheet rows: the header is row 1.
Columns and rules are documented in docs/import.md.
"""

import datetime
import re
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.core.validators import DecimalValidator
from django.db import models
from django.db.models import Model
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from import_export import widgets
from import_export.fields import Field
from import_export.results import Result

from cpdash import imports
from cpdash.dates import local_day
from cpdash.imports import (
    NEW,
    SKIP,
    UPDATE,
    AliasWidget,
    Child,
    DayWidget,
    ImportRecord,
    ImportRow,
    NameIndex,
    NameWidget,
    PendingChildren,
    RecordResult,
    RowProblem,
    TextWidget,
    WholeNumberWidget,
    cell_text,
    exact_key,
)
from cpdash.imports import row_problems as _row_problems
from facilities.models import AdministrativeUnit, Facility
from programmes import pathway
from programmes.models import (
    OUTREACH_COUNT_VALIDATORS,
    Attendance,
    CPOption,
    Evidence,
    FacilityPathway,
    MeasureUnit,
    OptionCategory,
    OutreachActivity,
    Resource,
    ResourceSaving,
    SavingStep,
    Solution,
    Specialist,
    Stage,
    Survey,
    TechnicalSupport,
    VerifiedSavingStep,
    facility_not_open,
    left_after_unit_ended,
    left_before_appointed,
    saving_problems,
    saving_value_problems,
    support_problems,
    unit_not_valid,
    verification_problems,
)

__all__ = ["NEW", "SKIP", "UPDATE", "Child", "RecordResult", "TextWidget"]  # shared with cpdash.imports

# Vietnamese names of the choices, folded (see cpdash.imports.alias_key), as the
# department's spreadsheets write them. Codes and English labels are always accepted.
VIETNAMESE_ALIASES: dict[str, dict[str, str]] = {
    "activity_kind": {
        "hoi nghi": OutreachActivity.Kind.SYMPOSIUM,
        "toa dam": OutreachActivity.Kind.SYMPOSIUM,
        "hoi thao": OutreachActivity.Kind.WORKSHOP,
        "tap huan": OutreachActivity.Kind.TRAINING,
        "dao tao": OutreachActivity.Kind.TRAINING,
        "to roi": OutreachActivity.Kind.LEAFLETS,
        "phat to roi": OutreachActivity.Kind.LEAFLETS,
        "bao cao ket qua": OutreachActivity.Kind.RESULTS_REPORT,
        "truyen thong": OutreachActivity.Kind.MEDIA,
    },
    "option_category": {
        "quan ly noi vi": OptionCategory.GOOD_HOUSEKEEPING,
        "thay doi nguyen lieu": OptionCategory.INPUT_CHANGE,
        "thay the nguyen lieu": OptionCategory.INPUT_CHANGE,
        "kiem soat qua trinh": OptionCategory.PROCESS_CONTROL,
        "cai tien thiet bi": OptionCategory.EQUIPMENT_MODIFICATION,
        "thay doi cong nghe": OptionCategory.TECHNOLOGY_CHANGE,
        "doi moi cong nghe": OptionCategory.TECHNOLOGY_CHANGE,
        "tuan hoan tai su dung": OptionCategory.RECOVERY_REUSE,
        "thu hoi tai su dung": OptionCategory.RECOVERY_REUSE,
        "san xuat san pham phu": OptionCategory.BY_PRODUCTS,
        "san pham phu": OptionCategory.BY_PRODUCTS,
        "cai tien san pham": OptionCategory.PRODUCT_MODIFICATION,
    },
    "option_state": {
        "da xac dinh": CPOption.State.IDENTIFIED,
        "xac dinh": CPOption.State.IDENTIFIED,
        "da thuc hien": CPOption.State.IMPLEMENTED,
        "thuc hien": CPOption.State.IMPLEMENTED,
        "loai bo": CPOption.State.REJECTED,
        "khong thuc hien": CPOption.State.REJECTED,
    },
    "support_kind": {
        "ky thuat": TechnicalSupport.Kind.TECHNIQUE,
        "cong nghe": TechnicalSupport.Kind.TECHNOLOGY,
        "kiem soat qua trinh san xuat": TechnicalSupport.Kind.PROCESS_CONTROL,
        "kiem soat quy trinh san xuat": TechnicalSupport.Kind.PROCESS_CONTROL,
    },
    "resource": {
        "nang luong": Resource.ENERGY,
        "dien": Resource.ENERGY,
        "nguyen lieu": Resource.RAW_MATERIAL,
        "nguyen vat lieu": Resource.RAW_MATERIAL,
        "nhien lieu": Resource.FUEL,
        "nuoc": Resource.WATER,
    },
    "measure_unit": {"m³": MeasureUnit.M3, "tan": MeasureUnit.TONNE, "lit": MeasureUnit.LITRE},
    "stage": {
        "da xac dinh": Stage.IDENTIFIED,
        "xac dinh": Stage.IDENTIFIED,
        "chi xac dinh": Stage.IDENTIFIED,
        "da thuc hien": Stage.IMPLEMENTED,
        "thuc hien": Stage.IMPLEMENTED,
        "da ap dung": Stage.IMPLEMENTED,
        "da kiem chung": Stage.VERIFIED,
        "kiem chung": Stage.VERIFIED,
        "da xac minh": Stage.VERIFIED,
        "xac minh": Stage.VERIFIED,
    },
    "evidence": {
        "tu bao cao": Evidence.SELF_REPORTED,
        "co so tu bao cao": Evidence.SELF_REPORTED,
        "tu khai": Evidence.SELF_REPORTED,
        "uoc tinh": Evidence.ESTIMATED,
        "ky su uoc tinh": Evidence.ESTIMATED,
        "chuyen gia uoc tinh": Evidence.ESTIMATED,
        "do dac": Evidence.MEASURED,
        "do thuc te": Evidence.MEASURED,
        "cong to": Evidence.MEASURED,
        "hoa don": Evidence.MEASURED,
        "kiem toan": Evidence.AUDITED,
        "da kiem toan": Evidence.AUDITED,
    },
}


# --- Reading one cell -------------------------------------------------------


def _message(error: ValidationError) -> str:
    return " ".join(error.messages)


#: "kWh/t", "kWh per tonne", "kWh trên tấn sản phẩm", "kg / 1.000 m vải": a unit, then what it is per.
_PER = re.compile(r"(?P<unit>.+?)\s*(?:/|\s(?:per|trên|tren)\s)\s*(?P<per>.+)", re.IGNORECASE)


def split_per_unit(text: str) -> tuple[str, str]:
    """A unit cell as (unit, what it is per): ("kWh", "t") for "kWh/t"; ("kWh", "") for "kWh"."""
    match = _PER.fullmatch(text.strip())
    if match is None:
        return text.strip(), ""
    return match["unit"].strip(), match["per"].strip()


class MeasureUnitCell(AliasWidget):
    """A unit of consumption (MeasureUnit, spelled as AliasWidget reads it), perhaps written
    with what it is per ("kWh/t", "kWh per tonne", "kWh trên tấn sản phẩm"): the unit is
    read here; SolutionResource moves the rest to product_unit. ``per_column``: whether the
    file has a product_unit column (set per import); without one, an unknown unit's
    message says what to write where."""

    def __init__(self) -> None:
        super().__init__(
            VIETNAMESE_ALIASES["measure_unit"],
            _("Unknown unit “%(value)s”: use one of %(choices)s."),
            choices=MeasureUnit,
        )
        self.per_column = True

    def clean(self, value, row=None, **kwargs) -> str | None:
        unit, _per = split_per_unit(cell_text(value))
        try:
            return super().clean(unit, row, **kwargs)
        except ValueError as error:
            if self.per_column:
                raise
            explained = gettext(
                "Write the unit of consumption here, e.g. kWh, and what it is per in a product_unit column, e.g. t."
            )
            raise ValueError(f"{error} {explained}") from error


class PastDayCell(DayWidget):
    """A date (see DayWidget) that is not after today: these are past records."""

    def __init__(self, missing: str | None = None):
        super().__init__()
        self.missing = missing

    def clean(self, value, row=None, **kwargs) -> datetime.date | None:
        day = super().clean(value, row, **kwargs)
        if day is None:
            if self.missing:
                raise ValueError(self.missing)
            return None
        today = timezone.localdate()
        if day > today:
            raise ValueError(
                _("%(day)s is in the future (today is %(today)s): only past records can be imported.")
                % {"day": local_day(day), "today": local_day(today)}
            )
        return day


_PLAIN_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)")


class AmountCell(widgets.Widget):
    """A number ≥ 0 that fits ``model_field`` (a DecimalField), or None for an
    empty cell. Text uses a point for decimals and no thousands separator: in
    Vietnamese "1.500" is fifteen hundred, in English one and a half."""

    def __init__(self, model_field: models.DecimalField):
        super().__init__()
        self.places = model_field.decimal_places
        self.validator = DecimalValidator(model_field.max_digits, model_field.decimal_places)

    def clean(self, value, row=None, **kwargs) -> Decimal | None:
        text = cell_text(value)
        if not text:
            return None
        number = self._number(value, text)
        if number < 0:
            raise ValueError(_("“%(value)s” is negative: write zero or more.") % {"value": text})
        try:
            self.validator(number)
        except ValidationError as error:
            raise ValueError(_message(error)) from error
        return number

    def _number(self, value: object, text: str) -> Decimal:
        if isinstance(value, float):
            # Excel's binary floats: 0.1 + 0.2 arrives as 0.30000000000000004.
            number = Decimal(repr(value))
            rounded = round(number, self.places)
            return rounded if abs(rounded - number) < Decimal("1e-9") else number
        if isinstance(value, int) and not isinstance(value, bool):
            return Decimal(value)
        plain = text.replace(" ", "").replace("\u00a0", "")
        if _PLAIN_NUMBER.fullmatch(plain):
            try:
                return Decimal(plain)
            except InvalidOperation:
                pass
        raise ValueError(
            _(
                "“%(value)s” is not a number: write digits, a point for decimals and no thousands "
                "separator (e.g. 1500000 or 2.5)."
            )
            % {"value": text}
        )

    def render(self, value, obj=None, **kwargs) -> str:
        return "" if value is None else f"{value:f}"


class PercentCell(AmountCell):
    """A percentage from 0 to 100 (a trailing "%" is allowed), or None for an empty cell."""

    def clean(self, value, row=None, **kwargs) -> Decimal | None:
        text = cell_text(value)
        if isinstance(value, str) and text.endswith("%"):
            value = text[:-1].strip()
        number = super().clean(value, row, **kwargs)
        if number is not None and number > 100:
            raise ValueError(_("“%(value)s” is over 100: write a percentage from 0 to 100.") % {"value": text})
        return number


class FacilityCell(widgets.Widget):
    """A facility by its code; ``index`` (code → facility) is filled once per
    import from the codes in the file. None for an empty cell, unless
    ``missing`` (the message then) is given."""

    def __init__(self, missing: str | None = None):
        super().__init__()
        self.missing = missing
        self.index: dict[str, Facility] = {}

    def clean(self, value, row=None, **kwargs) -> Facility | None:
        code = cell_text(value)
        if not code:
            if self.missing:
                raise ValueError(self.missing)
            return None
        facility = self.index.get(code)
        if facility is None:
            raise ValueError(_("No facility has the code “%(value)s”.") % {"value": code})
        return facility

    def render(self, value, obj=None, **kwargs) -> str:
        return "" if value is None else str(value)


def _unit_cell(missing: str | None = None) -> NameWidget:
    return NameWidget(_("Unknown administrative unit “%(value)s”."), missing)


def _column(name: str, widget: widgets.Widget) -> Field:
    return Field(attribute=name, column_name=name, widget=widget)


def _decimal_field(model: type[Model], name: str) -> models.DecimalField:
    return model._meta.get_field(name)


# --- The resources ----------------------------------------------------------

_Row = ImportRow


def add_problems(row: ImportRow, problems: list[tuple[str, str]], columns: dict[str, str]) -> None:
    """The problems a record rule (programmes/models.py, "Record rules") found, on the row:
    each on the column of its field (``columns``: field → column; else the column of the
    field's name)."""
    for field, message in problems:
        row.add_error(columns.get(field, field), message)


class RecordResource(imports.RecordResource):
    """The import by natural key (cpdash.imports.RecordResource) of past programme
    records: facilities named by code and units by name are looked up once, and what
    is written refreshes the CP pathway of the facilities it names. The records' rules
    are the models' (programmes/models.py, "Record rules"), called on the values read."""

    def _read_cells(self, row: ImportRow) -> None:
        """The cells, then: a unit named with the record's date existed that day (formed
        by then, not split, merged or ended): unit_not_valid, the models' rule."""
        super()._read_cells(row)
        unit, day = row.values.get("unit"), row.values.get(getattr(self, "date_column", ""))
        if isinstance(unit, AdministrativeUnit) and isinstance(day, datetime.date):
            add_problems(row, unit_not_valid(unit, day), {})

    def _load_lookups(self, rows: list[ImportRow]) -> None:
        """Facilities by the codes in the file, and units: one query each."""
        for column_field in self.fields.values():
            widget = column_field.widget
            column = column_field.column_name
            if column not in self.present:
                continue
            if isinstance(widget, FacilityCell):
                # A code with a NUL character cannot be stored (PostgreSQL refuses it even
                # in a query): leave it out, and its row reports an unknown facility.
                codes = {cell_text(row.cells.get(column)) for row in rows} - {""}
                codes = {code for code in codes if "\x00" not in code}
                widget.index = Facility.objects.order_by().in_bulk(codes, field_name="code")
            elif isinstance(widget, NameWidget):
                widget.index = NameIndex.build(AdministrativeUnit.objects.all())

    def write(self, records: list[ImportRecord], pending: dict[type[Model], PendingChildren]) -> None:
        with pathway.deferred():
            super().write(records, pending)
            # Bulk writes send no signals: the pathway of every facility written is refreshed here.
            pathway.touch_records([r.obj for r in records if r.status in (NEW, UPDATE) or r.children_touched])
            pathway.touch_records(obj for c in pending.values() for obj in (*c.create, *c.update))

    def analyzed_models(self) -> list[type[Model]]:
        written = self.written_models()
        tracked = any(model in pathway.TRACKED for model in written)
        on_pathway = [FacilityPathway, SavingStep, VerifiedSavingStep] if tracked else []
        return [*super().analyzed_models(), *on_pathway]


class OutreachActivityResource(RecordResource):
    """One row per (activity, facility). Rows with the same kind, title and date
    are one activity; a row without facility_code is the activity alone."""

    kind = _column(
        "kind",
        AliasWidget(
            VIETNAMESE_ALIASES["activity_kind"],
            _("Unknown kind “%(value)s”: use one of %(choices)s."),
            choices=OutreachActivity.Kind,
            missing=_("Missing kind."),
        ),
    )
    title = _column("title", TextWidget(_("Missing title."), max_length=255))
    held_on = _column("held_on", PastDayCell(_("Missing date.")))
    organiser = _column("organiser", TextWidget(max_length=200))
    unit = _column("unit", _unit_cell())
    venue = _column("venue", TextWidget(max_length=200))
    participants = _column("participants", WholeNumberWidget(OUTREACH_COUNT_VALIDATORS))
    quantity = _column("quantity", WholeNumberWidget(OUTREACH_COUNT_VALIDATORS))
    facility_code = _column("facility_code", FacilityCell())
    people = _column("people", WholeNumberWidget(OUTREACH_COUNT_VALIDATORS))

    model = OutreachActivity
    record_fields = {
        "kind": "kind",
        "title": "title",
        "held_on": "held_on",
        "organiser": "organiser",
        "unit": "unit",
        "venue": "venue",
        "participants": "participants",
        "quantity": "quantity",
    }
    key_columns = ("kind", "title", "held_on")
    date_column = "held_on"
    required_columns = ("kind", "title", "held_on")
    children = (
        Child(
            Attendance,
            link="activity",
            fields={"facility_code": "facility", "people": "people"},
            key_column="facility_code",
            required={"facility_code": _("Missing facility code: “people” needs a facility.")},
            repeated=_("%(value)s is already listed for this activity in row %(row)d."),
        ),
    )
    notes = (
        _(
            "One row per facility that attended an activity. Rows with the same kind, title and date are "
            "one activity: write its other columns once, or the same on each row. A row without "
            "facility_code records an activity alone (e.g. leaflets)."
        ),
        _(
            "Re-importing matches activities by kind, title and date, and attendance by activity and "
            "facility: nothing is duplicated."
        ),
    )
    template_rows = (
        {
            "kind": "workshop",
            "title": "Hội thảo sản xuất sạch hơn ngành gốm sứ",
            "held_on": "2012-06-14",
            "organiser": "Sở Công Thương Hà Nội",
            "unit": "Gia Lâm",
            "venue": "UBND huyện Gia Lâm",
            "participants": 85,
            "facility_code": "0101234567",
            "people": 2,
        },
        {
            "kind": "workshop",
            "title": "Hội thảo sản xuất sạch hơn ngành gốm sứ",
            "held_on": "2012-06-14",
            "facility_code": "0101234568",
            "people": 1,
        },
        {
            "kind": "leaflets",
            "title": "Tờ rơi về sản xuất sạch hơn",
            "held_on": "2012-09-01",
            "organiser": "Sở Công Thương Hà Nội",
            "quantity": 5000,
        },
    )

    class Meta:
        name = _("Outreach activities with attendance")

    def check_row(self, row: _Row) -> None:
        facility, day = row.values.get("facility_code"), row.values.get("held_on")
        add_problems(row, facility_not_open(facility, day), {"facility": "facility_code"})


class SurveyResource(RecordResource):
    """Rows with the same facility and date are one survey; each row may add one
    CP option and/or one kind of technical support to it."""

    facility_code = _column("facility_code", FacilityCell(_("Missing facility code.")))
    surveyed_on = _column("surveyed_on", PastDayCell(_("Missing date.")))
    surveyors = _column("surveyors", TextWidget(max_length=255))
    findings = _column("findings", TextWidget())
    option_category = _column(
        "option_category",
        AliasWidget(
            VIETNAMESE_ALIASES["option_category"],
            _("Unknown option category “%(value)s”: use one of %(choices)s."),
            choices=OptionCategory,
        ),
    )
    option_description = _column("option_description", TextWidget(max_length=500))
    option_state = _column(
        "option_state",
        AliasWidget(
            VIETNAMESE_ALIASES["option_state"],
            _("Unknown option state “%(value)s”: use one of %(choices)s."),
            choices=CPOption.State,
        ),
    )
    support_kind = _column(
        "support_kind",
        AliasWidget(
            VIETNAMESE_ALIASES["support_kind"],
            _("Unknown kind of support “%(value)s”: use one of %(choices)s."),
            choices=TechnicalSupport.Kind,
        ),
    )
    support_given_on = _column("support_given_on", PastDayCell())
    support_description = _column("support_description", TextWidget(max_length=500))

    column_labels = {
        "option_category": _("Option category"),
        "option_description": _("Option description"),
        "option_state": _("Option state"),
        "support_kind": _("Support kind"),
        "support_given_on": _("Support given on"),
        "support_description": _("Support description"),
    }
    model = Survey
    record_fields = {
        "facility_code": "facility",
        "surveyed_on": "surveyed_on",
        "surveyors": "surveyors",
        "findings": "findings",
    }
    key_columns = ("facility_code", "surveyed_on")
    date_column = "surveyed_on"
    required_columns = ("facility_code", "surveyed_on")
    children = (
        Child(
            CPOption,
            link="survey",
            fields={"option_category": "category", "option_description": "description", "option_state": "state"},
            key_column="option_description",
            also_keyed_by=("option_category",),
            required={"option_category": _("Missing option category: the row has other option cells.")},
            repeated=_("Option “%(value)s” is already listed for this survey in row %(row)d."),
        ),
        Child(
            TechnicalSupport,
            link="survey",
            fields={"support_kind": "kind", "support_given_on": "given_on", "support_description": "description"},
            key_column="support_kind",
            required={"support_kind": _("Missing kind of support: the row has other support cells.")},
            repeated=_("Support of kind “%(value)s” is already listed for this survey in row %(row)d."),
        ),
    )
    notes = (
        _(
            "Rows with the same facility_code and surveyed_on are one survey: write surveyors and findings "
            "once, or the same on each row. Each row may add one CP option (option_… columns) and/or one "
            "kind of technical support (support_… columns); leave those cells empty for a survey alone."
        ),
        _(
            "Re-importing matches surveys by facility and date, options by category and description, support "
            "by kind: nothing is duplicated."
        ),
        _(
            "option_description may be empty when the survey names only the option's category; "
            "support_given_on may be empty when the day is not known: the support then counts from the "
            "survey's date."
        ),
    )
    template_rows = (
        {
            "facility_code": "0101234567",
            "surveyed_on": "2013-04-10",
            "surveyors": "Nguyễn Văn An; Trần Thị Bình",
            "findings": "Lò nung tiêu thụ nhiều than",
            "option_category": "good_housekeeping",
            "option_description": "Cách nhiệt lò nung",
            "option_state": "implemented",
            "support_kind": "technique",
            "support_given_on": "2013-05-20",
            "support_description": "Hướng dẫn vận hành lò",
        },
        {
            "facility_code": "0101234567",
            "surveyed_on": "2013-04-10",
            "option_category": "technology_change",
            "option_description": "Chuyển sang lò nung khí gas",
            "option_state": "identified",
        },
    )

    class Meta:
        name = _("CP surveys with options and support")

    def check_row(self, row: _Row) -> None:
        facility, surveyed_on = row.values.get("facility_code"), row.values.get("surveyed_on")
        add_problems(row, facility_not_open(facility, surveyed_on), {"facility": "facility_code"})
        given_on = row.values.get("support_given_on")
        add_problems(row, support_problems(surveyed_on, facility, given_on), {"given_on": "support_given_on"})


#: Other names of SolutionResource's columns (normalised headers, cpdash.imports.normalize_header).
SOLUTION_HEADERS = {
    "%_tiet_kiem": "saved_percent",
    "tiet_kiem_%": "saved_percent",
    "tiet_kiem_(%)": "saved_percent",
    "ty_le_tiet_kiem": "saved_percent",
    "muc_tiet_kiem": "saved_percent",
    "%_saved": "saved_percent",
    "saved_%": "saved_percent",
    "saving_%": "saved_percent",
    "saving_(%)": "saved_percent",
    "giai_doan": "stage",
    "ngay_kiem_chung": "verified_on",
    "ngay_xac_minh": "verified_on",
    "bang_chung": "evidence",
    "muc_do_bang_chung": "evidence",
    "nguon_so_lieu": "evidence",
}
PRODUCT_UNIT_LENGTH = ResourceSaving._meta.get_field("product_unit").max_length
#: The columns of ResourceSaving's fields that are named otherwise (for the rules' problems).
SAVING_COLUMNS = {"reported_percent": "saved_percent"}


class SolutionResource(RecordResource):
    """Rows with the same facility, date and description are one solution; each
    row may add the saving of one resource to it."""

    facility_code = _column("facility_code", FacilityCell(_("Missing facility code.")))
    implemented_on = _column("implemented_on", PastDayCell(_("Missing date.")))
    category = _column(
        "category",
        AliasWidget(
            VIETNAMESE_ALIASES["option_category"],
            _("Unknown category “%(value)s”: use one of %(choices)s."),
            choices=OptionCategory,
        ),
    )
    description = _column("description", TextWidget(_("Missing description."), max_length=500))
    stage = _column(
        "stage",
        AliasWidget(
            VIETNAMESE_ALIASES["stage"], _("Unknown stage “%(value)s”: use one of %(choices)s."), choices=Stage
        ),
    )
    verified_on = _column("verified_on", PastDayCell())
    investment = _column("investment", AmountCell(_decimal_field(Solution, "investment")))
    annual_saving = _column("annual_saving", AmountCell(_decimal_field(Solution, "annual_saving")))
    co2_avoided = _column("co2_avoided", AmountCell(_decimal_field(Solution, "co2_avoided")))
    resource = _column(
        "resource",
        AliasWidget(
            VIETNAMESE_ALIASES["resource"], _("Unknown resource “%(value)s”: use one of %(choices)s."), choices=Resource
        ),
    )
    unit = _column("unit", MeasureUnitCell())
    product_unit = _column("product_unit", TextWidget(max_length=50))
    baseline = _column("baseline", AmountCell(_decimal_field(ResourceSaving, "baseline")))
    after = _column("after", AmountCell(_decimal_field(ResourceSaving, "after")))
    saved_percent = _column("saved_percent", PercentCell(_decimal_field(ResourceSaving, "reported_percent")))
    evidence = _column(
        "evidence",
        AliasWidget(
            VIETNAMESE_ALIASES["evidence"], _("Unknown evidence “%(value)s”: use one of %(choices)s."), choices=Evidence
        ),
    )

    model = Solution
    record_fields = {
        "facility_code": "facility",
        "implemented_on": "implemented_on",
        "description": "description",
        "category": "category",
        "stage": "stage",
        "verified_on": "verified_on",
        "investment": "investment",
        "annual_saving": "annual_saving",
        "co2_avoided": "co2_avoided",
    }
    key_columns = ("facility_code", "implemented_on", "description")
    date_column = "implemented_on"
    required_columns = ("facility_code", "implemented_on", "category", "description")
    header_aliases = SOLUTION_HEADERS
    record_required = {"category": _("Missing category.")}
    children = (
        Child(
            ResourceSaving,
            link="solution",
            fields={
                "resource": "resource",
                "unit": "unit",
                "product_unit": "product_unit",
                "baseline": "baseline",
                "after": "after",
                "saved_percent": "reported_percent",
                "evidence": "evidence",
            },
            key_column="resource",
            # unit too, unless the saving is only a reported percentage: _check_saving().
            required={"resource": _("Missing resource: the row has other saving cells.")},
            repeated=_("%(value)s is already measured for this solution in row %(row)d."),
        ),
    )
    notes = (
        _(
            "Rows with the same facility_code, implemented_on and description are one solution: write "
            "category, investment, annual_saving and co2_avoided once, or the same on each row. Each row "
            "may add the saving of one resource (resource, unit, product_unit, baseline, after: "
            "consumption per unit of product before and after)."
        ),
        _(
            "unit may say what it is per: “kWh/t” or “kWh per tonne” is unit kWh and product_unit t "
            "(an empty product_unit cell is filled in; a different one is an error)."
        ),
        _(
            "A saving known only as a percentage (no measured baseline) goes in saved_percent, with baseline "
            "and after empty; unit may then be empty. It is shown as reported, without a measured baseline."
        ),
        _(
            "stage: identified (only identified: not yet applying CP; implemented_on is then the day it "
            "was identified), implemented, or verified (after a period: verified_on gives the day, and only "
            "a verified solution has one). evidence, per saving: self_reported, estimated (by an engineer), "
            "measured (metered data or invoices) or audited. Both columns are optional: an empty cell or a "
            "file without them records implemented and self-reported."
        ),
        _(
            "Re-importing matches solutions by facility, date and description, and savings by resource: "
            "nothing is duplicated."
        ),
    )
    template_rows = (
        {
            "facility_code": "0101234567",
            "implemented_on": "2013-09-01",
            "category": "equipment_modification",
            "description": "Cách nhiệt lò nung",
            "investment": 150000000,
            "annual_saving": 60000000,
            "co2_avoided": "12.5",
            "stage": "verified",
            "verified_on": "2014-03-01",
            "resource": "energy",
            "unit": "kWh",
            "product_unit": "t sản phẩm",
            "baseline": 420,
            "after": 380,
            "evidence": "measured",
        },
        {
            "facility_code": "0101234567",
            "implemented_on": "2013-09-01",
            "description": "Cách nhiệt lò nung",
            "resource": "fuel",
            "unit": "kg",
            "product_unit": "t sản phẩm",
            "baseline": 95,
            "after": 80,
        },
        {
            "facility_code": "0101234567",
            "implemented_on": "2013-09-01",
            "description": "Cách nhiệt lò nung",
            "resource": "water",
            "saved_percent": 6,
            "evidence": "self_reported",
        },
    )

    class Meta:
        name = _("CP solutions with resource savings")

    def check_row(self, row: _Row) -> None:
        facility, day = row.values.get("facility_code"), row.values.get("implemented_on")
        add_problems(row, facility_not_open(facility, day), {"facility": "facility_code"})
        # Each value alone; the saving as a whole once it is resolved (_resolve_child).
        add_problems(row, saving_value_problems(row.values.get("baseline"), row.values.get("after")), {})

    def _read_cells(self, row: ImportRow) -> None:
        super()._read_cells(row)
        self._read_per_unit(row)

    def after_resolve(self, records: list[ImportRecord]) -> None:
        """The stage and the day of verification agree, as the solution will be stored
        (a stored one with the file's cells applied): Solution's check constraints."""
        super().after_resolve(records)
        for record in records:
            solution, row = record.obj, record.rows[0]
            if solution is None or any(row.errors for row in record.rows):
                continue
            problems = verification_problems(solution.stage, solution.implemented_on, solution.verified_on)
            add_problems(row, problems, {"verified_on": "verified_on" if "verified_on" in self.present else "stage"})

    def _load_lookups(self, rows: list[ImportRow]) -> None:
        super()._load_lookups(rows)
        # How the unit cells read depends on the file's columns: said here, before any row is read.
        self.fields["unit"].widget.per_column = "product_unit" in self.present

    def _read_per_unit(self, row: ImportRow) -> None:
        """A unit written with what it is per ("kWh/t"): the unit cell was read as kWh;
        "t" fills an empty product_unit cell and must match a filled one."""
        if not row.read("unit"):
            return
        written = cell_text(row.cells.get("unit"))
        _unit, per = split_per_unit(written)
        if not per:
            return
        if "product_unit" not in self.present:
            del row.values["unit"]
            row.add_error(
                "unit",
                gettext(
                    "“%(value)s” says what the unit is per, and the file has no product_unit column: write "
                    "the unit of consumption here, e.g. kWh, and what it is per in a product_unit column, e.g. t."
                )
                % {"value": written},
            )
            return
        if not row.read("product_unit"):
            return
        product_unit = row.values["product_unit"]
        if not product_unit:
            if len(per) > PRODUCT_UNIT_LENGTH:
                row.add_error(
                    "unit",
                    gettext("“%(per)s” is too long for a product unit (at most %(length)d characters).")
                    % {"per": per, "length": PRODUCT_UNIT_LENGTH},
                )
                return
            row.values["product_unit"] = per
        elif exact_key(product_unit) != exact_key(per):
            row.add_error(
                "product_unit",
                gettext(
                    "unit “%(unit)s” is per “%(per)s” but product_unit is “%(product_unit)s”: "
                    "give what it is per once, or the same in both."
                )
                % {"unit": written, "per": per, "product_unit": product_unit},
            )

    def _resolve_child(self, record: ImportRecord, row: ImportRow, child: Child, pending: PendingChildren) -> str:
        """Also checks the saving as it will be stored (a stored one with the file's cells
        applied): saving_problems, the model's rule."""
        status = super()._resolve_child(record, row, child, pending)
        if status == SKIP:
            return status
        saving = (pending.create if status == NEW else pending.update)[-1]
        problems = saving_problems(saving.baseline, saving.after, saving.reported_percent, saving.unit)
        add_problems(row, [(f, m) for f, m in problems if SAVING_COLUMNS.get(f, f) not in row.errors], SAVING_COLUMNS)
        return status


class SpecialistResource(RecordResource):
    """One row per specialist, found by unit, name and appointment date."""

    unit = _column("unit", _unit_cell(_("Missing administrative unit.")))
    name = _column("name", TextWidget(_("Missing name."), max_length=150))
    position = _column("position", TextWidget(max_length=150))
    appointed_on = _column("appointed_on", PastDayCell(_("Missing date.")))
    left_on = _column("left_on", PastDayCell())

    model = Specialist
    record_fields = {
        "unit": "unit",
        "name": "name",
        "appointed_on": "appointed_on",
        "position": "position",
        "left_on": "left_on",
    }
    key_columns = ("unit", "name", "appointed_on")
    date_column = "appointed_on"
    required_columns = ("unit", "name", "appointed_on")
    one_row_per_record = True
    repeated_record = _("Also in row %(row)d (same unit, name and appointed_on): list each specialist once.")
    notes = (
        _(
            "One row per specialist. Re-importing matches specialists by unit, name and appointed_on: "
            "position and left_on are updated, nothing is duplicated."
        ),
        _(
            "left_on is the first day the specialist is no longer in post, not the last day in post: "
            "a specialist whose last day was 31/12/2013 left on 01/01/2014. Leave it empty while in post."
        ),
        _(
            "A post ends with its People's Committee: left_on is at the latest the day after the unit's last "
            "day (01/07/2025 for a district, which the 2025 reform ended)."
        ),
    )
    template_rows = (
        {
            "unit": "Gia Lâm",
            "name": "Nguyễn Thị Hoa",
            "position": "Chuyên viên phòng Kinh tế",
            "appointed_on": "2012-03-01",
            "left_on": "",
        },
    )

    class Meta:
        name = _("CP specialists")

    def check_row(self, row: _Row) -> None:
        values = row.values
        problems = [
            *left_before_appointed(values.get("appointed_on"), values.get("left_on")),
            *left_after_unit_ended(values.get("unit"), values.get("left_on")),
        ]
        add_problems(row, problems, {})


def row_problems(result: Result, resource_class: type[RecordResource]) -> list[RowProblem]:
    """Every problem of an import result, by row, then in column order."""
    return _row_problems(result, resource_class.columns())
