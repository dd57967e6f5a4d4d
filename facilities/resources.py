"""Facility-list import: the resource shared by the admin import and
``manage.py import_facilities``. Reading the file, the cell readers shared
with other imports and the problem list live in cpdash/imports.py.

An import is all or nothing: one transaction, rolled back if any row is
invalid (see ``FacilityResource.import_data``). One that writes at least
cpdash.database.ANALYZE_THRESHOLD rows ends with ANALYZE of the tables written
(PostgreSQL only). Row numbers in messages are
spreadsheet rows: the header is row 1, the first facility row 2.
Columns and accepted values are documented in docs/import.md.
"""

import copy
import datetime
from collections.abc import Callable, Iterable, Sequence

import tablib
from django.core.exceptions import ValidationError
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from import_export import resources, widgets
from import_export.fields import Field
from import_export.results import Result, RowResult

from cpdash import imports
from cpdash.database import analyze_bulk, with_history
from cpdash.exports import escape_formula
from cpdash.imports import (
    FORMATS_BY_EXTENSION,  # noqa: F401 (import_facilities reads it from here)
    AliasWidget,
    DayWidget,
    NameIndex,
    NameWidget,
    RowProblem,
    TextWidget,
    WholeNumberWidget,
    file_row,
    normalize_header,
)
from cpdash.imports import cell_text as _cell_text
from cpdash.text import fold
from facilities.models import AdministrativeUnit, Facility, ProductionArea, Sector, facilities_written

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


# The readers are shared with the programme-record imports (cpdash/imports.py).
FacilityFileError = imports.ImportFileError
FacilityCSV = imports.CSVFormat
FacilityXLSX = imports.XLSXFormat


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
        self._user = None

    def import_data(self, dataset, dry_run=False, raise_errors=False, use_transactions=None, **kwargs) -> Result:
        """All or nothing, whoever calls: import-export rolls back on exceptions by
        default but keeps the valid rows of a file with invalid ones. A large import
        refreshes the planner statistics of the tables it wrote (cpdash.database)."""
        kwargs["rollback_on_validation_errors"] = True
        self._user = kwargs.get("user")  # import-export passes the admin's user; None from the command
        result = super().import_data(
            dataset, dry_run=dry_run, raise_errors=raise_errors, use_transactions=True, **kwargs
        )
        if not (dry_run or result.has_errors() or result.has_validation_errors()):
            written = result.totals[RowResult.IMPORT_TYPE_NEW] + result.totals[RowResult.IMPORT_TYPE_UPDATE]
            analyze_bulk(written, *with_history([Facility]))
        return result

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

    def bulk_create(self, using_transactions, dry_run, raise_errors, batch_size=None, result=None) -> None:
        """import-export's bulk_create, with a history entry per facility (cpdash.imports)."""
        try:
            if not self._skip_writes(dry_run):
                imports.create_with_history(self.create_instances, Facility, self._user, batch_size)
                facilities_written.send(Facility, codes=[f.code for f in self.create_instances])
        except Exception as error:
            self.handle_import_error(result, error, raise_errors)
        finally:
            self.create_instances.clear()

    def bulk_update(self, using_transactions, dry_run, raise_errors, batch_size=None, result=None) -> None:
        """import-export's bulk_update, with a history entry per facility (cpdash.imports)."""
        try:
            if not self._skip_writes(dry_run) and self.update_instances:
                fields = self.get_bulk_update_fields()
                imports.update_with_history(self.update_instances, Facility, fields, self._user, batch_size)
                facilities_written.send(Facility, codes=[f.code for f in self.update_instances])
        except Exception as error:
            self.handle_import_error(result, error, raise_errors)
        finally:
            self.update_instances.clear()

    def _skip_writes(self, dry_run: bool) -> bool:
        """No batch is written when it would be rolled back anyway: after a bad
        row, or in a dry run (rows are fully checked in Python, so writing adds
        nothing but time; a write that fails for a reason Python cannot see, such
        as a code inserted meanwhile, is still caught and reported when importing)."""
        return self._failed or dry_run

    def after_import(self, dataset, result, **kwargs) -> None:
        """Skips import-export's sequence reset: imports never set ids."""

    def export_field(self, field, instance, **kwargs) -> object:
        """A cell of the admin's export, escaped so that a spreadsheet shows a
        name like "=HYPERLINK(…)" as text instead of running it (cpdash/exports.py)."""
        return escape_formula(super().export_field(field, instance, **kwargs))


def _header_problem(headers: Sequence[str]) -> str:
    """A message about missing, unknown, repeated or blank column names; "" if none."""
    return imports.header_problem(headers, REQUIRED_COLUMNS, COLUMNS)


# --- Reporting --------------------------------------------------------------


def row_problems(result: Result) -> list[RowProblem]:
    """Every problem of an import result, by row then column order."""
    return imports.row_problems(result, COLUMNS)


def template_dataset() -> tablib.Dataset:
    """The header row and one example row, for the downloadable template."""
    return tablib.Dataset([TEMPLATE_EXAMPLE[c] for c in COLUMNS], headers=list(COLUMNS))
