"""Facility-list import: reading the file, reading each cell, and the resource
shared by the admin import and ``manage.py import_facilities``.

An import is all or nothing: one transaction, rolled back if any row is
invalid (see ``FacilityResource.import_data``). Row numbers in messages are
spreadsheet rows: the header is row 1, the first facility row 2.
Columns and accepted values are documented in docs/import.md.
"""

import codecs
import copy
import csv
import datetime
import io
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

import tablib
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db.models import Model
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _
from import_export import resources, widgets
from import_export.fields import Field
from import_export.formats import base_formats
from import_export.results import Result, RowResult

from cpdash.text import fold
from facilities.models import AdministrativeUnit, Facility, ProductionArea, Sector

REQUIRED_COLUMNS = ("code", "name", "sector", "unit")
OPTIONAL_COLUMNS = ("production_area", "area_type", "kind", "employees", "opened_on", "closed_on", "in_scope")
COLUMNS = REQUIRED_COLUMNS + OPTIONAL_COLUMNS
# What an import can change on a stored facility (the code identifies it).
UPDATABLE_FIELDS = (
    "name",
    "sector",
    "unit",
    "area",
    "kind",
    "employees",
    "in_scope",
    "opened_on",
    "closed_on",
    "search_text",
)

# Folded spellings (see cpdash.text.fold; "_" and "-" read as spaces) → stored value.
KIND_ALIASES = {
    "enterprise": Facility.Kind.ENTERPRISE,
    "doanh nghiep": Facility.Kind.ENTERPRISE,
    "cooperative": Facility.Kind.COOPERATIVE,
    "hop tac xa": Facility.Kind.COOPERATIVE,
    "household": Facility.Kind.HOUSEHOLD,
    "ho gia dinh": Facility.Kind.HOUSEHOLD,
    "ho san xuat": Facility.Kind.HOUSEHOLD,
}
AREA_TYPE_ALIASES = {
    "industrial zone": ProductionArea.Kind.INDUSTRIAL_ZONE,
    "kcn": ProductionArea.Kind.INDUSTRIAL_ZONE,
    "khu cong nghiep": ProductionArea.Kind.INDUSTRIAL_ZONE,
    "industrial cluster": ProductionArea.Kind.INDUSTRIAL_CLUSTER,
    "ccn": ProductionArea.Kind.INDUSTRIAL_CLUSTER,
    "cum cong nghiep": ProductionArea.Kind.INDUSTRIAL_CLUSTER,
    "craft village": ProductionArea.Kind.CRAFT_VILLAGE,
    "lang nghe": ProductionArea.Kind.CRAFT_VILLAGE,
}
YES_NO = {"yes": True, "true": True, "1": True, "co": True, "no": False, "false": False, "0": False, "khong": False}
DATE_FORMATS = ("%Y-%m-%d", "%d/%m/%Y")  # ISO, then the Vietnamese day-first convention

# One example row for the downloadable template (docs/import.md shows the same).
TEMPLATE_EXAMPLE = {
    "code": "0101234567",
    "name": "Cơ sở gốm Minh Long",
    "sector": "Gốm sứ",
    "unit": "Gia Lâm",
    "production_area": "Bát Tràng",
    "area_type": "craft_village",
    "kind": "household",
    "employees": 12,
    "opened_on": datetime.date(2010, 3, 15),
    "closed_on": None,
    "in_scope": "yes",
}


class FacilityFileError(ValueError):
    """The uploaded file cannot be read as a table; the message says how to fix it."""


# --- Reading the file -------------------------------------------------------


def file_row(number: int) -> int:
    """Spreadsheet row of import-export's data-row ``number`` (which counts from 1
    under the header, so the first facility is spreadsheet row 2)."""
    return number + 1


def _cell_text(value: object) -> str:
    """A cell as stripped text; whole XLSX numbers lose their ".0" (12.0 → "12")."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def normalize_header(value: object) -> str:
    """``" Opened on "`` → ``"opened_on"``: headers match case- and accent-insensitively."""
    return fold(_cell_text(value)).replace(" ", "_").replace("-", "_")


def _decode(data: bytes) -> str:
    """Text of a CSV file: UTF-8 (with or without BOM) or UTF-16 with a BOM.

    Legacy 8-bit encodings (Windows-1258, cp1252) are refused rather than
    guessed: both decode any byte, so a wrong guess would import mojibake.
    """
    if data.startswith(b"PK\x03\x04"):
        raise FacilityFileError(_("This is an Excel workbook, not a CSV file: choose the xlsx format."))
    try:
        if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            return data.decode("utf-16")
        if b"\x00" in data:  # UTF-16 without a byte-order mark
            raise UnicodeDecodeError("utf-8", data, data.index(b"\x00"), len(data), "NUL byte")
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise FacilityFileError(
            _(
                "The file is not UTF-8 text (first unreadable character on line %(line)d). "
                "In Excel use “Save As → CSV UTF-8 (Comma delimited)”, or save it as UTF-8 "
                "in your editor, then upload it again."
            )
            % {"line": line}
        ) from error


def _delimiter(first_line: str) -> str:
    """Comma, or semicolon/tab when the header uses those (Excel with a Vietnamese
    locale writes semicolons, since the comma is its decimal separator)."""
    counts = {d: first_line.count(d) for d in (",", ";", "\t")}
    best = max(counts, key=counts.__getitem__)
    return best if counts[best] else ","


def _tabulate(header: Sequence[object], rows: Iterable[Sequence[object]]) -> tablib.Dataset:
    """A Dataset with one row per file row after the header (blank rows kept, so
    row numbers stay those of the file; trailing blank rows dropped).

    Raises FacilityFileError for an empty file or rows longer than the header.
    """
    names = [normalize_header(h) for h in header]
    while names and not names[-1]:
        names.pop()
    if not names:
        raise FacilityFileError(_("The file is empty: the first row must hold the column names."))
    width = len(names)
    data: list[list[object]] = []
    too_long: list[int] = []
    for number, row in enumerate(rows, start=2):
        cells = list(row)
        if any(_cell_text(v) for v in cells[width:]):
            too_long.append(number)
        data.append(cells[:width] + [None] * (width - len(cells)))
    while data and not any(_cell_text(v) for v in data[-1]):
        data.pop()
    if too_long:
        listed = ", ".join(str(n) for n in too_long[:10])
        raise FacilityFileError(
            ngettext(
                "Row %(rows)s has more cells than the header row (often a comma inside an unquoted name).",
                "Rows %(rows)s have more cells than the header row (often a comma inside an unquoted name).",
                len(too_long),
            )
            % {"rows": listed}
        )
    return tablib.Dataset(*data, headers=names)


class FacilityCSV(base_formats.CSV):
    """CSV read from bytes, so that the encoding is checked here with a clear
    message instead of failing inside import-export's text-mode temp file."""

    def is_binary(self) -> bool:
        return True

    def get_read_mode(self) -> str:
        return "rb"

    def create_dataset(self, in_stream: bytes | str, **kwargs) -> tablib.Dataset:
        text = in_stream if isinstance(in_stream, str) else _decode(in_stream)
        first_line = text.split("\n", 1)[0]
        rows = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(first_line))
        header = next(rows, [])
        return _tabulate(header, rows)


class FacilityXLSX(base_formats.XLSX):
    """First sheet of a workbook; date cells arrive as dates."""

    def create_dataset(self, in_stream: bytes) -> tablib.Dataset:
        import openpyxl  # import-export keeps format dependencies local (its issue 2004)

        try:
            book = openpyxl.load_workbook(io.BytesIO(in_stream), read_only=True, data_only=True)
        except Exception as error:
            raise FacilityFileError(
                _("This file is not an Excel workbook (.xlsx). Choose the format that matches the file.")
            ) from error
        try:
            rows = book.active.iter_rows(values_only=True)
            return _tabulate(next(rows, ()), rows)
        finally:
            book.close()


FORMATS_BY_EXTENSION: dict[str, type[base_formats.Format]] = {".csv": FacilityCSV, ".xlsx": FacilityXLSX}


# --- Reading one cell -------------------------------------------------------


def _exact_key(text: str) -> str:
    return " ".join(unicodedata.normalize("NFC", text).split()).casefold()


@dataclass
class NameIndex:
    """Objects by name: an exact match (ignoring case and spacing) wins, else a
    match with diacritics folded ("Gia Lam" → "Gia Lâm")."""

    exact: dict[str, list[Model]]
    folded: dict[str, list[Model]]

    @classmethod
    def build(cls, objects: Iterable[Model]) -> "NameIndex":
        index = cls({}, {})
        for obj in objects:
            index.exact.setdefault(_exact_key(obj.name), []).append(obj)
            index.folded.setdefault(fold(obj.name), []).append(obj)
        return index

    def find(self, text: str) -> list[Model]:
        """Candidates for ``text``: one on a match, none or several otherwise."""
        return self.exact.get(_exact_key(text)) or self.folded.get(fold(text), [])


class NameWidget(widgets.Widget):
    """A sector, unit or production area named in a cell; ``index`` is filled
    once per import (FacilityResource.before_import), so no query per row."""

    def __init__(self, unknown: str, missing: str | None = None):
        super().__init__()
        self.unknown = unknown
        self.missing = missing  # None: the cell may be empty
        self.index = NameIndex({}, {})

    def clean(self, value, row=None, **kwargs) -> Model | None:
        text = _cell_text(value)
        if not text:
            if self.missing:
                raise ValueError(self.missing)
            return None
        matches = self.index.find(text)
        if len(matches) == 1:
            return matches[0]
        if not matches:
            raise ValueError(self.unknown % {"value": text})
        names = ", ".join(sorted(f"“{m.name}”" for m in matches))
        raise ValueError(
            _("“%(value)s” matches %(names)s: write it with its diacritics.") % {"value": text, "names": names}
        )

    def render(self, value, obj=None, **kwargs) -> str:
        return "" if value is None else value.name


class TextWidget(widgets.Widget):
    """Stripped text; ``missing`` is the message when the cell is empty."""

    def __init__(self, missing: str):
        super().__init__()
        self.missing = missing

    def clean(self, value, row=None, **kwargs) -> str:
        text = _cell_text(value)
        if not text:
            raise ValueError(self.missing)
        return text


class AliasWidget(widgets.Widget):
    """A choice written as its value or a folded alias (``KIND_ALIASES``)."""

    def __init__(self, aliases: dict[str, str], invalid: str, default: str | None = None):
        super().__init__()
        self.aliases = aliases
        self.invalid = invalid
        self.default = default

    def clean(self, value, row=None, **kwargs) -> str | None:
        text = _cell_text(value)
        if not text:
            return self.default
        key = fold(text).replace("_", " ").replace("-", " ")
        if key not in self.aliases:
            raise ValueError(self.invalid % {"value": text})
        return self.aliases[key]


class DayWidget(widgets.Widget):
    """A date cell, or text as YYYY-MM-DD or DD/MM/YYYY."""

    def clean(self, value, row=None, **kwargs) -> datetime.date | None:
        if isinstance(value, datetime.datetime):
            return value.date()
        if isinstance(value, datetime.date):
            return value
        text = _cell_text(value)
        if not text:
            return None
        for date_format in DATE_FORMATS:
            try:
                return datetime.datetime.strptime(text, date_format).date()
            except ValueError:
                continue
        raise ValueError(_("“%(value)s” is not a date: write YYYY-MM-DD or DD/MM/YYYY.") % {"value": text})

    def render(self, value, obj=None, **kwargs) -> str:
        return value.isoformat() if value else ""


class WholeNumberWidget(widgets.Widget):
    """A count ≥ 0, or None for an empty cell."""

    def clean(self, value, row=None, **kwargs) -> int | None:
        text = _cell_text(value)
        if not text:
            return None
        if not text.isdigit():
            raise ValueError(_("“%(value)s” is not a whole number.") % {"value": text})
        return int(text)


class YesNoWidget(widgets.Widget):
    """yes/no, true/false, 1/0, có/không (any case); an empty cell means yes."""

    def clean(self, value, row=None, **kwargs) -> bool:
        if isinstance(value, bool):
            return value
        text = _cell_text(value)
        if not text:
            return True
        answer = YES_NO.get(fold(text))
        if answer is None:
            raise ValueError(_("“%(value)s” is not yes or no.") % {"value": text})
        return answer

    def render(self, value, obj=None, **kwargs) -> str:
        return gettext("yes") if value else gettext("no")


# --- The resource -----------------------------------------------------------


def _stored_values(facility: Facility) -> dict[str, object]:
    """Field name → value as stored (ids for foreign keys, so no query)."""
    return {name: getattr(facility, Facility._meta.get_field(name).attname) for name in UPDATABLE_FIELDS}


class FacilityResource(resources.ModelResource):
    """Imports facilities by ``code``: new codes are created, known codes updated,
    unchanged rows skipped. Nothing is written unless every row is valid.

    Queries do not grow with rows on PostgreSQL: sectors, units, areas and
    existing codes, then a bulk write per 1,000 rows. SQLite caps a statement at
    999 parameters, so there existing codes take a query per 999 and INSERTs
    carry about 90 rows.
    """

    code = Field("code", "code", widget=TextWidget(_("Missing code.")))
    name = Field("name", "name", widget=TextWidget(_("Missing name.")))
    sector = Field("sector", "sector", widget=NameWidget(_("Unknown sector “%(value)s”."), _("Missing sector.")))
    unit = Field(
        "unit",
        "unit",
        widget=NameWidget(_("Unknown administrative unit “%(value)s”."), _("Missing administrative unit.")),
    )
    production_area = Field("area", "production_area", widget=NameWidget(_("Unknown production area “%(value)s”.")))
    # Read-only: checked against the area in _row_checks, never written to the area.
    area_type = Field(
        "area__kind",
        "area_type",
        readonly=True,
        widget=AliasWidget(
            AREA_TYPE_ALIASES,
            _("Unknown area type “%(value)s”: use industrial_zone, industrial_cluster or craft_village."),
        ),
    )
    kind = Field(
        "kind",
        "kind",
        widget=AliasWidget(
            KIND_ALIASES,
            _("Unknown kind “%(value)s”: use enterprise, cooperative or household."),
            default=Facility.Kind.ENTERPRISE,
        ),
    )
    employees = Field("employees", "employees", widget=WholeNumberWidget())
    opened_on = Field("opened_on", "opened_on", widget=DayWidget())
    closed_on = Field("closed_on", "closed_on", widget=DayWidget())
    in_scope = Field("in_scope", "in_scope", widget=YesNoWidget())

    class Meta:
        model = Facility
        fields = COLUMNS
        import_id_fields = ("code",)
        use_bulk = True
        batch_size = 1000
        skip_unchanged = True
        report_skipped = True
        use_transactions = True
        name = _("Facility list")

    def __init__(self, *, progress: Callable[[], object] | None = None, html_diff: bool = True, **kwargs):
        """``progress`` is called once per row read; ``html_diff=False`` skips the
        preview's HTML (the command has no page to show it on)."""
        super().__init__(**kwargs)
        # Own copy: import-export writes to _meta during an import (store_instance),
        # which would otherwise leak into every later import of this class.
        self._meta = copy.copy(self._meta)
        self._meta.skip_html_diff = not html_diff
        self._progress = progress
        self._existing: dict[str, Facility] = {}
        self._loaded: dict[str, dict[str, object]] = {}  # code → stored values, see get_bulk_update_fields
        self._first_row_of_code: dict[str, int] = {}
        self._failed = False

    def import_data(self, dataset, dry_run=False, raise_errors=False, use_transactions=None, **kwargs) -> Result:
        """All or nothing, whoever calls: import-export rolls back on exceptions by
        default but keeps the valid rows of a file with invalid ones."""
        kwargs["rollback_on_validation_errors"] = True
        return super().import_data(dataset, dry_run=dry_run, raise_errors=raise_errors, use_transactions=True, **kwargs)

    def before_import(self, dataset: tablib.Dataset, **kwargs) -> None:
        dataset.headers = [normalize_header(h) for h in dataset.headers or []]
        problem = _header_problem(dataset.headers)
        if problem:
            del dataset[:]  # no row can be read without its columns: report the file once
            raise ValueError(problem)
        self.fields["sector"].widget.index = NameIndex.build(Sector.objects.all())
        self.fields["unit"].widget.index = NameIndex.build(AdministrativeUnit.objects.all())
        self.fields["production_area"].widget.index = NameIndex.build(ProductionArea.objects.all())
        codes = {_cell_text(code) for code in dataset["code"]} - {""}
        related = Facility.objects.select_related("sector", "unit", "area").order_by()
        self._existing = related.in_bulk(codes, field_name="code")
        self._loaded = {code: _stored_values(f) for code, f in self._existing.items()}

    def get_instance(self, instance_loader, row) -> Facility | None:
        return self._existing.get(_cell_text(row.get("code")))

    def import_row(self, row, instance_loader, **kwargs) -> RowResult:
        if any(_cell_text(v) for v in row.values()):
            row_result = super().import_row(row, instance_loader, **kwargs)
        else:
            row_result = self.get_row_result_class()()
            row_result.import_type = RowResult.IMPORT_TYPE_SKIP
        self._failed = self._failed or not row_result.is_valid()
        if self._progress:
            self._progress()
        return row_result

    def import_instance(self, instance: Facility, row, **kwargs) -> None:
        """Reads every cell, then the checks that span cells; raises one
        ValidationError keyed by column name."""
        errors: dict[str, list[str]] = {}
        try:
            super().import_instance(instance, row, **kwargs)
        except ValidationError as error:
            columns = {f.attribute: f.column_name for f in self.fields.values()}
            errors = {columns.get(key, key): messages for key, messages in error.message_dict.items()}
        for column, message in self._row_checks(instance, row, errors, kwargs["row_number"]):
            errors.setdefault(column, []).append(message)
        if errors:
            raise ValidationError(errors)

    def _row_checks(self, instance: Facility, row, errors: dict, number: int) -> Iterable[tuple[str, str]]:
        """(column, message) for problems no single cell shows."""
        if "code" not in errors:
            first = self._first_row_of_code.setdefault(instance.code, number)
            if first != number:
                yield (
                    "code",
                    gettext("Code “%(code)s” is also in row %(row)d: list each facility once.")
                    % {
                        "code": instance.code,
                        "row": file_row(first),
                    },
                )
        dates_read = not {"opened_on", "closed_on"} & errors.keys()
        if dates_read and instance.opened_on and instance.closed_on and instance.closed_on < instance.opened_on:
            yield (
                "closed_on",
                gettext("Closed on %(closed)s, before it opened on %(opened)s.")
                % {
                    "closed": instance.closed_on.isoformat(),
                    "opened": instance.opened_on.isoformat(),
                },
            )
        if "area_type" in row and not {"production_area", "area_type"} & errors.keys():
            yield from self._area_type_check(instance, row["area_type"])

    def _area_type_check(self, instance: Facility, cell: object) -> Iterable[tuple[str, str]]:
        try:
            expected = self.fields["area_type"].widget.clean(cell)
        except ValueError as error:
            yield "area_type", str(error)
            return
        if expected is None:
            return
        if instance.area is None:
            yield "area_type", gettext("An area type needs a production area.")
        elif instance.area.kind != expected:
            yield (
                "area_type",
                gettext("“%(area)s” is a %(kind)s, not a %(expected)s.")
                % {
                    "area": instance.area.name,
                    "kind": instance.area.get_kind_display(),
                    "expected": ProductionArea.Kind(expected).label,
                },
            )

    def validate_instance(self, instance: Facility, import_validation_errors=None, validate_unique=True) -> None:
        """Field checks that need no query (lengths, choices, counts ≥ 0).
        Not full_clean(): its unique, foreign-key and constraint checks cost a
        query per row, and the row checks above already cover them."""
        errors = dict(import_validation_errors or {})
        try:
            instance.clean_fields(exclude={"sector", "unit", "area", "search_text", *errors})
        except ValidationError as error:
            errors = error.update_error_dict(errors)
        if errors:
            raise ValidationError(errors)

    def before_save_instance(self, instance: Facility, row, **kwargs) -> None:
        instance.refresh_search_text()  # bulk writes skip Searchable.save()

    def get_bulk_update_fields(self) -> list[str]:
        """Only the fields some facility of this batch changed: Django's
        bulk_update builds a CASE WHEN per field and row, most of an update's cost."""
        changed = {
            name
            for facility in self.update_instances
            for name, value in _stored_values(facility).items()
            if value != self._loaded[facility.code][name]
        }
        return sorted(changed) or list(UPDATABLE_FIELDS)

    def bulk_create(self, using_transactions, dry_run, *args, **kwargs) -> None:
        if self._skip_writes(dry_run):
            self.create_instances.clear()
            return
        super().bulk_create(using_transactions, dry_run, *args, **kwargs)

    def bulk_update(self, using_transactions, dry_run, *args, **kwargs) -> None:
        if self._skip_writes(dry_run):
            self.update_instances.clear()
            return
        super().bulk_update(using_transactions, dry_run, *args, **kwargs)

    def _skip_writes(self, dry_run: bool) -> bool:
        """No batch is written when it would be rolled back anyway: after a bad
        row, or in a dry run (rows are fully checked in Python, so writing adds
        nothing but time; a write that fails for a reason Python cannot see, such
        as a code inserted meanwhile, is still caught and reported when importing)."""
        return self._failed or dry_run

    def after_import(self, dataset, result, **kwargs) -> None:
        """Skips import-export's sequence reset: imports never set ids."""


def _header_problem(headers: Sequence[str]) -> str:
    """A message about missing, unknown, repeated or blank column names; "" if none."""
    problems = []
    missing = [c for c in REQUIRED_COLUMNS if c not in headers]
    if missing:
        problems.append(gettext("Missing column(s): %(columns)s.") % {"columns": ", ".join(missing)})
    unknown = [h for h in headers if h and h not in COLUMNS]
    if unknown:
        problems.append(
            gettext("Unknown column(s): %(columns)s. The columns are: %(known)s.")
            % {"columns": ", ".join(unknown), "known": ", ".join(COLUMNS)}
        )
    repeated = sorted({h for h in headers if h and headers.count(h) > 1})
    if repeated:
        problems.append(gettext("Repeated column(s): %(columns)s.") % {"columns": ", ".join(repeated)})
    blank = [str(i) for i, h in enumerate(headers, start=1) if not h]
    if blank:
        problems.append(gettext("Column(s) %(positions)s have no name.") % {"positions": ", ".join(blank)})
    return " ".join(problems)


# --- Reporting --------------------------------------------------------------


@dataclass(frozen=True)
class RowProblem:
    """One reason an import was refused. ``row`` is the spreadsheet row (header
    = 1), None for the file as a whole; ``column`` is "" when not one column."""

    row: int | None
    column: str
    message: str

    def __str__(self) -> str:
        if self.row is None:
            return gettext("File: %(message)s") % {"message": self.message}
        if not self.column:
            return gettext("Row %(row)d: %(message)s") % {"row": self.row, "message": self.message}
        return gettext("Row %(row)d, %(column)s: %(message)s") % vars(self)


def row_problems(result: Result) -> list[RowProblem]:
    """Every problem of an import result (import-export's "errors" and "invalid
    rows" alike), by row then column order."""
    problems = [RowProblem(None, "", str(e.error)) for e in result.base_errors]
    for error_row in result.error_rows:
        problems += [RowProblem(file_row(error_row.number), "", str(e.error)) for e in error_row.errors]
    for invalid in result.invalid_rows:
        for key, messages in invalid.error_dict.items():
            column = "" if key == NON_FIELD_ERRORS else key
            problems += [RowProblem(file_row(invalid.number), column, str(m)) for m in messages]
    order = {column: i for i, column in enumerate(COLUMNS)}
    return sorted(problems, key=lambda p: (p.row or 0, order.get(p.column, -1)))


def template_dataset() -> tablib.Dataset:
    """The header row and one example row, for the downloadable template."""
    return tablib.Dataset([TEMPLATE_EXAMPLE[c] for c in COLUMNS], headers=list(COLUMNS))
