"""Imports of past programme records from spreadsheets, for the admin: outreach
activities with their attendance, CP surveys with their options and support,
CP solutions with their resource savings, and CP specialists.

Each file row belongs to one *record* (an activity, a survey, a solution, a
specialist), found by its natural key; rows with the same key are the same
record. A row may also carry one *child* of its record (an attendance, a CP
option and/or a technical support, a resource saving). Re-importing a file
matches records and children by key, so nothing is duplicated.

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
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

import tablib
from django.contrib.auth import get_permission_codename
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.core.validators import DecimalValidator, MaxLengthValidator
from django.db import DatabaseError, IntegrityError, models, router, transaction
from django.db.models import Model
from django.utils import timezone, translation
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from import_export import resources, widgets
from import_export.fields import Field
from import_export.results import Error, Result, RowResult

from cpdash.database import analyze_bulk, lock_imports_of, with_history
from cpdash.imports import (
    DayWidget,
    NameIndex,
    NameWidget,
    RowProblem,
    alias_key,
    bounded_count,
    cell_text,
    create_with_history,
    exact_key,
    file_row,
    header_problem,
    normalize_header,
    update_with_history,
)
from cpdash.imports import row_problems as _row_problems
from cpdash.models import Searchable
from cpdash.text import is_ascii_digits
from facilities.models import AdministrativeUnit, Facility
from programmes import pathway
from programmes.models import (
    Attendance,
    CPOption,
    FacilityPathway,
    MeasureUnit,
    OptionCategory,
    OutreachActivity,
    Resource,
    ResourceSaving,
    SavingStep,
    Solution,
    Specialist,
    Survey,
    TechnicalSupport,
)

NEW, UPDATE, SKIP = RowResult.IMPORT_TYPE_NEW, RowResult.IMPORT_TYPE_UPDATE, RowResult.IMPORT_TYPE_SKIP

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
}


# --- Reading one cell -------------------------------------------------------


def _message(error: ValidationError) -> str:
    return " ".join(error.messages)


class TextCell(widgets.Widget):
    """Stripped text of at most ``max_length`` characters; "" when empty, unless
    ``missing`` (the message for an empty cell) is given."""

    def __init__(self, max_length: int | None, missing: str | None = None):
        super().__init__()
        self.validator = MaxLengthValidator(max_length) if max_length else None
        self.missing = missing

    def clean(self, value, row=None, **kwargs) -> str:
        text = cell_text(value)
        if not text and self.missing:
            raise ValueError(self.missing)
        try:
            if self.validator:
                self.validator(text)
        except ValidationError as error:
            raise ValueError(_message(error)) from error
        return text

    def render(self, value, obj=None, **kwargs) -> str:
        return value or ""


class ChoiceCell(widgets.Widget):
    """A choice written as its code, its English label, its label in the current
    language, or a Vietnamese alias from VIETNAMESE_ALIASES; case, spacing,
    "_"/"-" and diacritics do not matter. None for an empty cell."""

    def __init__(self, choices: type[models.TextChoices], aliases: str, invalid: str, missing: str | None = None):
        super().__init__()
        self.choices = choices
        self.extra = VIETNAMESE_ALIASES.get(aliases, {})
        self.invalid = invalid  # with %(value)s and %(choices)s
        self.missing = missing
        self._aliases: dict[str, str] | None = None  # built on first use, in the request's language

    def aliases(self) -> dict[str, str]:
        """Folded spelling → code."""
        found = {alias_key(key): value for key, value in self.extra.items()}
        for language in ("en", translation.get_language() or "en"):
            with translation.override(language):
                found.update({alias_key(str(label)): value for value, label in self.choices.choices})
        found.update({alias_key(value): value for value in self.choices.values})
        return found

    def clean(self, value, row=None, **kwargs) -> str | None:
        text = cell_text(value)
        if not text:
            if self.missing:
                raise ValueError(self.missing)
            return None
        if self._aliases is None:
            self._aliases = self.aliases()
        code = self._aliases.get(alias_key(text))
        if code is None:
            raise ValueError(self.invalid % {"value": text, "choices": ", ".join(self.choices.values)})
        return code

    def render(self, value, obj=None, **kwargs) -> str:
        return str(self.choices(value).label) if value else ""


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
                % {"day": day.isoformat(), "today": today.isoformat()}
            )
        return day


class CountCell(widgets.Widget):
    """A whole number from 0 to MAX_COUNT, or None for an empty cell."""

    def clean(self, value, row=None, **kwargs) -> int | None:
        text = cell_text(value)
        if not text:
            return None
        if re.fullmatch(r"-\d+(\.\d*)?", text):
            raise ValueError(_("“%(value)s” is negative: write zero or more.") % {"value": text})
        if not is_ascii_digits(text):
            raise ValueError(_("“%(value)s” is not a whole number.") % {"value": text})
        return bounded_count(text)

    def render(self, value, obj=None, **kwargs) -> str:
        return "" if value is None else str(value)


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


# --- Rows, records and children --------------------------------------------


@dataclass(frozen=True)
class Child:
    """One object of ``model`` that a row may carry for its record (linked by the
    foreign key ``link``): the row carries it when any of its columns is filled."""

    model: type[Model]
    link: str
    fields: dict[str, str]  # column → model field
    key_column: str  # identifies the child within its record
    required: dict[str, str]  # column → message when the row has this child but not that cell
    repeated: str  # message with %(row)d, the row where the child first appears, and %(value)s


@dataclass
class _Row:
    number: int  # import-export's data-row number: spreadsheet row − 1
    cells: dict[str, object]
    values: dict[str, object] = field(default_factory=dict)  # read cells, by column
    errors: dict[str, list[str]] = field(default_factory=dict)
    record: "_Record | None" = None
    status: str = SKIP

    def add_error(self, column: str, message: str) -> None:
        self.errors.setdefault(column or NON_FIELD_ERRORS, []).append(str(message))

    def filled(self, column: str) -> bool:
        return bool(cell_text(self.cells.get(column)))

    def read(self, *columns: str) -> bool:
        """Whether every one of ``columns`` was read without a problem."""
        return all(c in self.values for c in columns)


@dataclass
class _Record:
    key: tuple
    rows: list[_Row]
    obj: Model | None = None
    status: str = SKIP
    changed: set[str] = field(default_factory=set)
    children_touched: bool = False
    child_rows: dict[tuple, _Row] = field(default_factory=dict)  # (model, key) → first row


@dataclass
class _Pending:
    """Children to write, per model: new ones, and changed ones with their fields."""

    create: list[Model] = field(default_factory=list)
    update: list[Model] = field(default_factory=list)
    fields: set[str] = field(default_factory=set)


class RecordResult(Result):
    """An import-export Result that also names the records added and changed
    (for the admin's history: one entry per record, not per row)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.added: list[Model] = []
        self.changed: list[Model] = []


def _key_part(value: object) -> Hashable:
    """How a key cell compares: objects by id, text ignoring case and spacing."""
    if isinstance(value, Model):
        return value.pk
    if isinstance(value, str):
        return exact_key(value)
    return value


def _plain(value: object) -> object:
    return value.pk if isinstance(value, Model) else value


def _empty(model: type[Model], name: str) -> object:
    """What an empty cell stores: NULL, the field's default, or ""."""
    model_field = model._meta.get_field(name)
    if model_field.null:
        return None
    if model_field.has_default():
        return model_field.get_default()
    return ""


def _stored(obj: Model, name: str) -> object:
    return getattr(obj, obj._meta.get_field(name).attname)


def _apply(obj: Model, values: dict[str, object]) -> set[str]:
    """Sets ``values`` (field → value) on ``obj``; returns the fields that changed."""
    changed = set()
    for name, value in values.items():
        if obj.pk is None or _plain(value) != _stored(obj, name):
            changed.add(name)
            setattr(obj, name, value)
    return changed


# --- The resources ----------------------------------------------------------


class RecordResource(resources.Resource):
    """Base of the four imports. A subclass declares its columns as Fields, and:

    - ``model``, the record's model; ``record_fields``, column → field of the
      record; ``key_columns``, the columns of its natural key (among them);
      ``date_column``, the key's date (stored records are preloaded by its range);
    - ``required_columns`` (must be in the header) and ``record_required``
      (column → message when no row of a record fills it);
    - ``children`` (see Child); ``one_row_per_record`` when a repeated key is a
      mistake rather than more children;
    - ``check_row`` for checks that span cells; ``notes`` for the import page;
      ``template_rows`` for the downloadable template.
    """

    model: type[Model]
    record_fields: dict[str, str]
    key_columns: tuple[str, ...]
    date_column: str
    required_columns: tuple[str, ...]
    record_required: dict[str, str] = {}
    children: tuple[Child, ...] = ()
    one_row_per_record = False
    repeated_record = ""  # message for one_row_per_record, with %(row)d
    notes: tuple[str, ...] = ()
    template_rows: tuple[dict[str, object], ...] = ()

    @classmethod
    def get_result_class(cls) -> type[RecordResult]:
        return RecordResult

    @classmethod
    def get_display_name(cls) -> str:
        return getattr(cls._meta, "name", None) or cls.__name__

    @classmethod
    def columns(cls) -> list[str]:
        return [f.column_name for f in cls.fields.values()]

    @classmethod
    def written_models(cls) -> list[type[Model]]:
        return [cls.model, *(child.model for child in cls.children)]

    @classmethod
    def import_permissions(cls) -> tuple[str, ...]:
        """What importing asks, beside import-export's "import_<model>": adding and changing
        every model the import writes (it also updates records it finds again)."""
        return tuple(
            f"{model._meta.app_label}.{get_permission_codename(action, model._meta)}"
            for model in cls.written_models()
            for action in ("add", "change")
        )

    def __init__(self, *, progress: Callable[[], object] | None = None, **kwargs):
        """``progress`` is called once per row read (a background job's counts: jobs.imports)."""
        super().__init__(**kwargs)
        self._progress = progress

    @classmethod
    def template_dataset(cls) -> tablib.Dataset:
        """The header row and example rows, for the downloadable template."""
        columns = cls.columns()
        rows = [[row.get(c, "") for c in columns] for row in cls.template_rows]
        return tablib.Dataset(*rows, headers=columns)

    # --- the import -----------------------------------------------------------

    def import_data(self, dataset: tablib.Dataset, dry_run: bool = False, raise_errors: bool = False, **kwargs):
        """Reads and checks every row; writes only when the whole file is valid and
        ``dry_run`` is false. Always all or nothing, whatever the caller asks.

        A confirm (not ``dry_run``) runs in one transaction that holds the lock of this
        kind of import (cpdash.database.lock_imports_of) from before it reads the stored
        records until it ends: imports of the same file confirmed at once run one after
        the other, and the later ones find what the first wrote (docs/import.md)."""
        if dry_run:
            return self._import(dataset, dry_run=True, **kwargs)
        with transaction.atomic(using=router.db_for_write(self.model), savepoint=False):
            return self._import(dataset, dry_run=False, **kwargs)

    def _import(self, dataset: tablib.Dataset, dry_run: bool, **kwargs) -> "RecordResult":
        self._user = kwargs.get("user")  # import-export passes the admin's user; None from a command
        result = self.get_result_class()()
        result.diff_headers = self.columns()
        headers = [normalize_header(h) for h in dataset.headers or []]
        problem = header_problem(headers, self.required_columns, self.columns())
        if problem:
            result.append_base_error(Error(ValueError(problem)))
            return result
        self.present = set(headers)
        self._stored_children: dict[type[Model], dict[tuple, Model]] = {}
        rows = [_Row(number, dict(zip(headers, values, strict=False))) for number, values in enumerate(dataset, 1)]
        filled = [row for row in rows if any(cell_text(v) for v in row.cells.values())]
        self._load_lookups(filled)
        progress = self._progress or (lambda: None)
        for _blank in range(len(rows) - len(filled)):
            progress()  # blank rows, read too
        for row in filled:
            self._read_cells(row)
            self._check_unit(row)
            self.check_row(row)
            progress()
        records = self._group(filled)
        if not dry_run:
            lock_imports_of(self.model, using=router.db_for_write(self.model))
        self._match_stored(records)
        pending = {child.model: _Pending() for child in self.children}
        for record in records:
            self._resolve(record, pending)
        for row in rows:
            self._add_row_result(result, row)
        if result.has_validation_errors() or dry_run:
            return result
        try:
            with pathway.deferred():
                self._write(records, pending)
        except IntegrityError:
            # A natural key (or a detail's key) stored meanwhile by a writer that holds no
            # import lock: a staff form, the admin, or an import on SQLite.
            message = gettext(
                "Some of these records were saved by someone else while this import ran, so nothing was "
                "written. Upload the file again: the records stored now will be found and not duplicated."
            )
            result.append_base_error(Error(ValueError(message)))
            return result
        except DatabaseError as error:
            message = gettext("The database refused the import, so nothing was written: %(error)s")
            result.append_base_error(Error(ValueError(message % {"error": error})))
            return result
        # A large file: fresh planner statistics for what it wrote, the pathway included (cpdash.database).
        written = self.written_models()
        on_pathway = (FacilityPathway, SavingStep) if any(model in pathway.TRACKED for model in written) else ()
        analyze_bulk(len(filled), *with_history(written), *on_pathway)
        result.added = [r.obj for r in records if r.status == NEW]
        result.changed = [r.obj for r in records if r.status != NEW and (r.changed or r.children_touched)]
        return result

    def check_row(self, row: _Row) -> None:
        """Checks that span cells; adds errors to ``row``."""

    def _check_unit(self, row: _Row) -> None:
        """A unit named with the record's date existed that day (formed by then, not
        split, merged or ended), as the forms check (RecordForm.unit_on)."""
        unit, day = row.values.get("unit"), row.values.get(self.date_column)
        if isinstance(unit, AdministrativeUnit) and day:
            problem = unit.not_valid_reason(day)
            if problem:
                row.add_error("unit", problem)

    def _load_lookups(self, rows: list[_Row]) -> None:
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

    def _read_cells(self, row: _Row) -> None:
        for column_field in self.fields.values():
            column = column_field.column_name
            if column not in self.present:
                continue
            try:
                row.values[column] = column_field.widget.clean(row.cells.get(column))
            except ValueError as error:
                row.add_error(column, str(error))

    def _group(self, rows: list[_Row]) -> list[_Record]:
        """Records by natural key, in file order; rows whose key cannot be read
        belong to none."""
        records: dict[tuple, _Record] = {}
        for row in rows:
            if not row.read(*self.key_columns):
                continue
            key = tuple(_key_part(row.values[c]) for c in self.key_columns)
            record = records.get(key)
            if record is None:
                records[key] = record = _Record(key, [])
            elif self.one_row_per_record:
                row.add_error("", self.repeated_record % {"row": file_row(record.rows[0].number)})
                continue
            record.rows.append(row)
            row.record = record
        return list(records.values())

    def _match_stored(self, records: list[_Record]) -> None:
        """Finds each record's stored twin: one query over the file's date range."""
        if not records:
            return
        days = [record.rows[0].values[self.date_column] for record in records]
        date_field = self.record_fields[self.date_column]
        stored: dict[tuple, list[Model]] = {}
        for obj in self.model.objects.order_by().filter(**{f"{date_field}__range": (min(days), max(days))}):
            key = tuple(_key_part(_stored(obj, self.record_fields[c])) for c in self.key_columns)
            stored.setdefault(key, []).append(obj)
        for record in records:
            matches = stored.get(record.key, [])
            if len(matches) > 1:
                record.rows[0].add_error(
                    "",
                    gettext("%(count)d stored %(records)s match this row: merge them in the admin first.")
                    % {"count": len(matches), "records": self.model._meta.verbose_name_plural},
                )
            elif matches:
                record.obj = matches[0]
        self._stored_children = self._load_children([r.obj for r in records if r.obj is not None], days)

    def _load_children(self, parents: list[Model], days: list) -> dict[type[Model], dict[tuple, Model]]:
        """Stored children of ``parents``, by (parent id, child key): one query per kind."""
        found: dict[type[Model], dict[tuple, Model]] = {child.model: {} for child in self.children}
        if not parents:
            return found
        ids = {parent.pk for parent in parents}
        date_field = self.record_fields[self.date_column]
        for child in self.children:
            link_id = child.model._meta.get_field(child.link).attname
            query = {f"{child.link}__{date_field}__range": (min(days), max(days))}
            for obj in child.model.objects.order_by().filter(**query):
                if getattr(obj, link_id) in ids:
                    key = _key_part(_stored(obj, child.fields[child.key_column]))
                    found[child.model][(getattr(obj, link_id), key)] = obj
        return found

    def _resolve(self, record: _Record, pending: dict[type[Model], _Pending]) -> None:
        """The record's values from its rows, what changes, and its children."""
        values = {name: record.rows[0].values[c] for c, name in self.record_fields.items() if c in self.key_columns}
        for column, name in self.record_fields.items():
            if column in self.key_columns or column not in self.present:
                continue
            values[name] = self._record_value(record, column, name)
        if record.obj is None:
            record.obj = self.model()
            record.status = NEW
            _apply(record.obj, values)
        else:
            # The key matched: keep the stored spelling of its cells (title, name…).
            keys = {self.record_fields[c] for c in self.key_columns}
            record.changed = _apply(record.obj, {k: v for k, v in values.items() if k not in keys})
            record.status = UPDATE if record.changed else SKIP
            if isinstance(record.obj, Searchable) and record.changed & set(record.obj.SEARCH_SOURCE):
                record.obj.refresh_search_text()
                record.changed.add("search_text")
        for index, row in enumerate(record.rows):
            statuses = {record.status if index == 0 else SKIP}
            for child in self.children:
                statuses.add(self._resolve_child(record, row, child, pending[child.model]))
            row.status = NEW if NEW in statuses else UPDATE if UPDATE in statuses else SKIP

    def _record_value(self, record: _Record, column: str, name: str) -> object:
        """The one value the record's rows give for ``column`` (empty cells give
        none); a different value in a later row is an error on that row."""
        chosen: tuple[object, _Row] | None = None
        for row in record.rows:
            value = row.values.get(column)
            if value is None or value == "":
                continue
            if chosen is None:
                chosen = (value, row)
            elif _plain(value) != _plain(chosen[0]):
                row.add_error(
                    column,
                    gettext(
                        "Row %(row)d gives “%(value)s” for the same %(record)s: repeat that value or leave "
                        "this cell empty."
                    )
                    % {
                        "row": file_row(chosen[1].number),
                        "value": self.fields[column].widget.render(chosen[0]),
                        "record": self.model._meta.verbose_name,
                    },
                )
        if chosen is not None:
            return chosen[0]
        if column in self.record_required and not any(column in row.errors for row in record.rows):
            record.rows[0].add_error(column, self.record_required[column])
        return _empty(self.model, name)

    def _resolve_child(self, record: _Record, row: _Row, child: Child, pending: _Pending) -> str:
        """The status of the ``child`` this row carries (SKIP when none)."""
        columns = [c for c in child.fields if c in self.present]
        if not any(row.filled(c) for c in columns):
            return SKIP
        missing = [c for c in child.required if not row.filled(c) and c not in row.errors]
        for column in missing:
            row.add_error(column, child.required[column])
        if missing or not row.read(*columns):
            return SKIP
        key = _key_part(row.values[child.key_column])
        first = record.child_rows.setdefault((child.model, key), row)
        if first is not row:
            value = self.fields[child.key_column].widget.render(row.values[child.key_column])
            row.add_error(child.key_column, child.repeated % {"row": file_row(first.number), "value": value})
            return SKIP
        values = {name: row.values[c] for c, name in child.fields.items() if c in columns}
        values = {name: _empty(child.model, name) if v is None or v == "" else v for name, v in values.items()}
        stored = None if record.status == NEW else self._stored_children[child.model].get((record.obj.pk, key))
        if stored is None:
            pending.create.append(child.model(**{child.link: record.obj}, **values))
            record.children_touched = True
            return NEW
        changed = _apply(stored, values)
        if not changed:
            return SKIP
        pending.update.append(stored)
        pending.fields |= changed
        record.children_touched = True
        return UPDATE

    def _add_row_result(self, result: Result, row: _Row) -> None:
        row_result = self.get_row_result_class()()
        if row.errors:
            row_result.import_type = RowResult.IMPORT_TYPE_INVALID
            row_result.validation_error = ValidationError(row.errors)
            result.append_invalid_row(row.number, row.cells, row_result.validation_error)
        else:
            row_result.import_type = row.status
            row_result.diff = [
                f.widget.render(row.values.get(f.column_name)) if f.column_name in row.values else ""
                for f in self.fields.values()
            ]
            if row.record is not None:
                row_result.instance = row.record.obj
        result.increment_row_result_total(row_result)
        result.append_row_result(row_result)

    def _write(self, records: list[_Record], pending: dict[type[Model], _Pending]) -> None:
        """Bulk writes: new records, changed records, then each kind of child."""
        new = [r.obj for r in records if r.status == NEW]
        for obj in new:
            if isinstance(obj, Searchable):
                obj.refresh_search_text()  # bulk_create skips Searchable.save()
        create_with_history(new, self.model, self._user)
        changed = [r for r in records if r.status == UPDATE]
        if changed:
            fields = sorted(set().union(*(r.changed for r in changed)))
            update_with_history([r.obj for r in changed], self.model, fields, self._user)
        for model, children in pending.items():
            create_with_history(children.create, model, self._user)
            update_with_history(children.update, model, sorted(children.fields), self._user)
        # Bulk writes send no signals: the pathway of every facility written is refreshed here.
        pathway.touch_records([r.obj for r in records if r.status in (NEW, UPDATE) or r.children_touched])
        pathway.touch_records(obj for children in pending.values() for obj in (*children.create, *children.update))


class OutreachActivityResource(RecordResource):
    """One row per (activity, facility). Rows with the same kind, title and date
    are one activity; a row without facility_code is the activity alone."""

    kind = _column(
        "kind",
        ChoiceCell(
            OutreachActivity.Kind,
            "activity_kind",
            _("Unknown kind “%(value)s”: use one of %(choices)s."),
            _("Missing kind."),
        ),
    )
    title = _column("title", TextCell(255, _("Missing title.")))
    held_on = _column("held_on", PastDayCell(_("Missing date.")))
    organiser = _column("organiser", TextCell(200))
    unit = _column("unit", _unit_cell())
    venue = _column("venue", TextCell(200))
    participants = _column("participants", CountCell())
    quantity = _column("quantity", CountCell())
    facility_code = _column("facility_code", FacilityCell())
    people = _column("people", CountCell())

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
        if facility and day:
            problem = facility.not_open_reason(day)
            if problem:
                row.add_error("facility_code", problem)


class SurveyResource(RecordResource):
    """Rows with the same facility and date are one survey; each row may add one
    CP option and/or one kind of technical support to it."""

    facility_code = _column("facility_code", FacilityCell(_("Missing facility code.")))
    surveyed_on = _column("surveyed_on", PastDayCell(_("Missing date.")))
    surveyors = _column("surveyors", TextCell(255))
    findings = _column("findings", TextCell(None))
    option_category = _column(
        "option_category",
        ChoiceCell(
            OptionCategory, "option_category", _("Unknown option category “%(value)s”: use one of %(choices)s.")
        ),
    )
    option_description = _column("option_description", TextCell(500))
    option_state = _column(
        "option_state",
        ChoiceCell(CPOption.State, "option_state", _("Unknown option state “%(value)s”: use one of %(choices)s.")),
    )
    support_kind = _column(
        "support_kind",
        ChoiceCell(
            TechnicalSupport.Kind, "support_kind", _("Unknown kind of support “%(value)s”: use one of %(choices)s.")
        ),
    )
    support_given_on = _column("support_given_on", PastDayCell())
    support_description = _column("support_description", TextCell(500))

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
            required={
                "option_category": _("Missing option category: the row has other option cells."),
                "option_description": _("Missing option description: the row has other option cells."),
            },
            repeated=_("Option “%(value)s” is already listed for this survey in row %(row)d."),
        ),
        Child(
            TechnicalSupport,
            link="survey",
            fields={"support_kind": "kind", "support_given_on": "given_on", "support_description": "description"},
            key_column="support_kind",
            required={
                "support_kind": _("Missing kind of support: the row has other support cells."),
                "support_given_on": _("Missing support date: the row has other support cells."),
            },
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
            "Re-importing matches surveys by facility and date, options by description, support by kind: "
            "nothing is duplicated."
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
        if row.read("facility_code", "surveyed_on"):
            problem = row.values["facility_code"].not_open_reason(row.values["surveyed_on"])
            if problem:
                row.add_error("facility_code", problem)
        given_on = row.values.get("support_given_on")
        if given_on and row.read("surveyed_on") and given_on < row.values["surveyed_on"]:
            row.add_error(
                "support_given_on",
                gettext("Support given on %(given)s, before the survey on %(surveyed)s.")
                % {"given": given_on.isoformat(), "surveyed": row.values["surveyed_on"].isoformat()},
            )
        elif given_on and row.read("facility_code"):
            problem = row.values["facility_code"].not_open_reason(given_on)
            if problem:
                row.add_error("support_given_on", problem)


class SolutionResource(RecordResource):
    """Rows with the same facility, date and description are one solution; each
    row may add the saving of one resource to it."""

    facility_code = _column("facility_code", FacilityCell(_("Missing facility code.")))
    implemented_on = _column("implemented_on", PastDayCell(_("Missing date.")))
    category = _column(
        "category",
        ChoiceCell(OptionCategory, "option_category", _("Unknown category “%(value)s”: use one of %(choices)s.")),
    )
    description = _column("description", TextCell(500, _("Missing description.")))
    investment = _column("investment", AmountCell(_decimal_field(Solution, "investment")))
    annual_saving = _column("annual_saving", AmountCell(_decimal_field(Solution, "annual_saving")))
    co2_avoided = _column("co2_avoided", AmountCell(_decimal_field(Solution, "co2_avoided")))
    resource = _column(
        "resource",
        ChoiceCell(Resource, "resource", _("Unknown resource “%(value)s”: use one of %(choices)s.")),
    )
    unit = _column(
        "unit", ChoiceCell(MeasureUnit, "measure_unit", _("Unknown unit “%(value)s”: use one of %(choices)s."))
    )
    product_unit = _column("product_unit", TextCell(50))
    baseline = _column("baseline", AmountCell(_decimal_field(ResourceSaving, "baseline")))
    after = _column("after", AmountCell(_decimal_field(ResourceSaving, "after")))

    model = Solution
    record_fields = {
        "facility_code": "facility",
        "implemented_on": "implemented_on",
        "description": "description",
        "category": "category",
        "investment": "investment",
        "annual_saving": "annual_saving",
        "co2_avoided": "co2_avoided",
    }
    key_columns = ("facility_code", "implemented_on", "description")
    date_column = "implemented_on"
    required_columns = ("facility_code", "implemented_on", "category", "description")
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
            },
            key_column="resource",
            required={
                "resource": _("Missing resource: the row has other saving cells."),
                "unit": _("Missing unit: the row has other saving cells."),
            },
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
            "resource": "energy",
            "unit": "kWh",
            "product_unit": "t sản phẩm",
            "baseline": 420,
            "after": 380,
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
    )

    class Meta:
        name = _("CP solutions with resource savings")

    def check_row(self, row: _Row) -> None:
        if row.read("facility_code", "implemented_on"):
            problem = row.values["facility_code"].not_open_reason(row.values["implemented_on"])
            if problem:
                row.add_error("facility_code", problem)
        baseline, after = row.values.get("baseline"), row.values.get("after")
        if baseline is not None and baseline <= 0:
            row.add_error("baseline", gettext("Baseline consumption must be above zero."))
        if after is not None and baseline is None and row.read("baseline"):
            row.add_error("after", gettext("An after-implementation value needs a baseline."))


class SpecialistResource(RecordResource):
    """One row per specialist, found by unit, name and appointment date."""

    unit = _column("unit", _unit_cell(_("Missing administrative unit.")))
    name = _column("name", TextCell(150, _("Missing name.")))
    position = _column("position", TextCell(150))
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
        left_on = row.values.get("left_on")
        if left_on and row.read("appointed_on") and left_on < row.values["appointed_on"]:
            row.add_error(
                "left_on",
                gettext("A specialist cannot leave before being appointed (on %(day)s).")
                % {"day": row.values["appointed_on"].isoformat()},
            )


def row_problems(result: Result, resource_class: type[RecordResource]) -> list[RowProblem]:
    """Every problem of an import result, by row, then in column order."""
    return _row_problems(result, resource_class.columns())
