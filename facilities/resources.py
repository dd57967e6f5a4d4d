"""Facility-list import: the resource shared by the admin import and
``manage.py import_facilities``. Reading the file, the cell readers shared
with other imports and the problem list live in cpdash/imports.py.

The import runs through the engine every import shares
(cpdash.imports.ImportEngine: its driver reads, matches, keeps and writes the file
chunk by chunk); this module gives it the facility list's hooks: chunks of CHUNK
rows, streamed, the stored facilities of each chunk's codes, each chunk written with
COPY in a savepoint (cpdash/bulk.py) with its history, memberships, register changes
and pathway. FacilityResource is ``ImportEngine`` + import-export's ModelResource,
not a RecordResource: it stays a ModelResource for the admin's export (its Meta
fields, ``export_field`` with formula escaping), and it keeps a row as values and
tuples rather than RecordResource's ImportRow and model instance per record, which
would cost a large file several times the memory and time (docs/performance-history.md,
"Where the time went (after the bulk path)").

An import is all or nothing: one transaction, rolled back if any row is
invalid (see ``FacilityResource.begin_import``). It says what it changes in the
register, per facility (facilities.models.Change: new, closed, moved unit…): a dry
run counts, a confirmed import also writes a RegisterVersion and its RegisterChange
rows, in bulk per chunk, from the stored rows the chunk reads anyway. One that writes at least
cpdash.database.ANALYZE_THRESHOLD rows ends with ANALYZE of the tables written
(PostgreSQL only). Row numbers in messages are
spreadsheet rows: the header is row 1, the first facility row 2.
Columns and accepted values are documented in docs/import.md.
"""

import copy
import dataclasses
import datetime
import functools
import operator
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import tablib
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import BooleanField, Exists, ExpressionWrapper, OuterRef
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from import_export import resources, widgets
from import_export.exceptions import ImportError
from import_export.fields import Field
from import_export.results import Result, RowResult

from cpdash import bulk, imports
from cpdash.database import analyze_bulk, lock_imports_of, with_history
from cpdash.dates import local_day, not_in_future
from cpdash.exports import escape_formula
from cpdash.import_templates import template_workbook
from cpdash.imports import (
    FORMATS_BY_EXTENSION,  # noqa: F401 (import_facilities reads it from here)
    AliasWidget,
    DayWidget,
    NameIndex,
    NameWidget,
    RowProblem,
    TextWidget,
    WholeNumberWidget,
    YesNoWidget,
    file_row,
    normalize_header,
)
from cpdash.text import fold, vietnamese_key
from facilities import membership
from facilities.models import (
    CHANGE_FLAGS,
    PLACE_FIELDS,
    REGISTER_CHANGE_FIELDS,
    AdministrativeUnit,
    Change,
    Facility,
    ProductionArea,
    RegisterChange,
    RegisterVersion,
    Sector,
    UnitMembership,
    change_kinds,
    facilities_written,
    register_unit_problem,
    unit_names,
    unit_valid_q,
)

REQUIRED_COLUMNS = ("code", "name", "sector", "unit")
OPTIONAL_COLUMNS = (
    "production_area",
    "area_type",
    "kind",
    "employees",
    "opened_on",
    "closed_on",
    "in_scope",
    "earlier_unit",
)
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

#: Each column's name for people: the XLSX template's headers, in the user's language;
#: the import reads them back in either language (COLUMN_HEADERS).
COLUMN_LABELS = {
    "code": _("Code"),
    "name": _("Facility name"),
    "sector": _("Sector"),
    "unit": _("Administrative unit"),
    "production_area": _("Production area"),
    "area_type": _("Area type"),
    "kind": _("Type of facility"),
    "employees": _("Employees"),
    "opened_on": _("Opened on"),
    "closed_on": _("Closed on"),
    "in_scope": _("Counts toward targets"),
    "earlier_unit": _("Earlier unit"),
}
#: What goes in each column: the template's notes sheet.
COLUMN_NOTES = {
    "code": _("Business registration or tax code; a known code updates that facility. Keep leading zeros."),
    "name": _("The facility's name, as registered."),
    "sector": _("The facility's sector, as named in the register (with or without diacritics)."),
    "unit": _("The administrative unit the facility lies in, among the units valid today."),
    "production_area": _("The industrial zone, industrial cluster or craft village it lies in; empty if none."),
    "area_type": _("The production area's type, to check it; empty to skip the check."),
    "kind": _("Enterprise, cooperative or craft household; empty means enterprise."),
    "employees": _("A whole number; empty if unknown."),
    "opened_on": _("The day it started operating; empty if unknown."),
    "closed_on": _("The day it stopped operating; empty while it operates."),
    "in_scope": _("Whether it counts toward the industrial-facility targets; empty means yes."),
    "earlier_unit": _(
        "For a facility in a unit formed after it opened from several units (the 2025 reform): the one "
        "it was in before, so that its earlier figures count there. Empty if not known."
    ),
}

# Example rows for the downloadable templates (docs/import.md shows the first).
TEMPLATE_EXAMPLES = (
    {
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
        "earlier_unit": None,
    },
    {
        "code": "0105556667",
        "name": "Công ty TNHH Cơ khí Đông Anh",
        "sector": "Cơ khí",
        "unit": "Đông Anh",
        "production_area": "Thăng Long",
        "area_type": "industrial_zone",
        "kind": "enterprise",
        "employees": 250,
        "opened_on": datetime.date(2005, 1, 10),
        "closed_on": None,
        "in_scope": "yes",
        "earlier_unit": None,
    },
)


def column_label(column: str) -> str:
    """The column's name for people, in the current language."""
    return str(COLUMN_LABELS.get(column, column))


# The readers are shared with the programme-record imports (cpdash/imports.py).
FacilityFileError = imports.ImportFileError
FacilityCSV = imports.CSVFormat
FacilityXLSX = imports.XLSXFormat


# --- The resource -----------------------------------------------------------


#: Rows read, checked and written at a time: memory stays bounded whatever the size of the file.
CHUNK = 2000
#: Stored fields an import can change, as database values (ids for foreign keys).
UPDATABLE_ATTNAMES = tuple(Facility._meta.get_field(name).attname for name in UPDATABLE_FIELDS)
#: A stored facility as read per chunk (see _stored_rows).
STORED_FIELDS = ("id", "code", *UPDATABLE_ATTNAMES)
#: Compared to tell a changed row from an unchanged one (search_text follows code and name).
COMPARED = tuple(f for f in STORED_FIELDS if f != "search_text")
#: Compared to tell what changed (facilities.models.change_kinds).
CHANGE_COMPARED = tuple(f for f in COMPARED if f not in {"id", "code"})
#: The columns of a new facility's INSERT.
INSERT_FIELDS = ("code", *UPDATABLE_ATTNAMES)
#: Foreign key attname → (model field, resource field).
RELATIONS = {"sector_id": ("sector", "sector"), "unit_id": ("unit", "unit"), "area_id": ("area", "production_area")}


#: Values of STORED_FIELDS compared, from a row's values and from a stored row (itemgetters: C speed).
_compared = operator.itemgetter(*COMPARED)
_compared_stored = operator.itemgetter(*(STORED_FIELDS.index(f) for f in COMPARED))
#: A new facility's INSERT_FIELDS, from its values.
_inserted = operator.itemgetter(*INSERT_FIELDS)
_NEW, _UNCHANGED = Change.NEW.value, Change.UNCHANGED.value


_value, _message = operator.itemgetter(0), operator.itemgetter(1)  # of a Reading


def _pk(obj) -> int | None:
    """The id of the record a NameWidget found (None for an empty cell)."""
    return None if obj is None else obj.pk


@functools.cache
def _new_facility() -> dict[str, object]:
    """A new facility's values before its row is read: the model's defaults."""
    blank = Facility()
    return {f: getattr(blank, f) for f in STORED_FIELDS}


def _stored_rows(codes: set[str]) -> dict[str, tuple]:
    """code → STORED_FIELDS of the stored facilities among ``codes``: one query (PostgreSQL: the
    codes as one array parameter; SQLite: a query per 999 codes)."""
    found: dict[str, tuple] = {}
    codes_list = sorted(codes)
    if not codes_list:
        return found
    if connection.vendor == "postgresql":
        qn = connection.ops.quote_name
        columns = ", ".join(qn(Facility._meta.get_field(_field_name(f)).column) for f in STORED_FIELDS)
        # Each code looked up through the code's unique index. As ``code = ANY(codes)``, the
        # planner expects a row per code and, on a register of 10⁵, reads the whole table for
        # the chunk's 2,000 codes (20 ms a chunk against 2 ms: docs/performance-history.md, "A plan
        # that reads the register").
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT f.* FROM unnest(%s::varchar[]) AS c(code) CROSS JOIN LATERAL "
                f"(SELECT {columns} FROM {qn(Facility._meta.db_table)} WHERE {qn('code')} = c.code LIMIT 1) AS f",
                [codes_list],
            )
            found.update((row[1], row) for row in cursor.fetchall())
        return found
    size = connection.features.max_query_params or len(codes_list)
    for start in range(0, len(codes_list), size):
        rows = Facility.objects.filter(code__in=codes_list[start : start + size]).order_by()
        found.update((row[1], row) for row in rows.values_list(*STORED_FIELDS))
    return found


def _memberships(facility_ids: Sequence[int]) -> dict[int, list[tuple]]:
    """facility id → [(unit id, since, until)] of each of its unit memberships: one query (SQLite:
    one per its limit of parameters)."""
    found: dict[int, list[tuple]] = {}
    size = connection.features.max_query_params or len(facility_ids) or 1
    for start in range(0, len(facility_ids), size):
        rows = UnitMembership.objects.filter(facility_id__in=facility_ids[start : start + size]).order_by()
        for facility_id, *row in rows.values_list("facility_id", "unit_id", "since", "until"):
            found.setdefault(facility_id, []).append(tuple(row))
    return found


def _field_name(attname: str) -> str:
    return next(f.name for f in Facility._meta.concrete_fields if f.attname == attname)


def _search_text(code: str, name: str) -> str:
    """Searchable.refresh_search_text() of a facility with this code and name (bulk writes skip save())."""
    return fold(" ".join((code or "", name or "")))[:600]


_CODE_MAX = Facility._meta.get_field("code").max_length
_NAME_MAX = Facility._meta.get_field("name").max_length


@dataclass
class _Chunk:
    """Rows read together (number, cells), and what they write."""

    rows: list[tuple[int, Sequence[object]]] = field(default_factory=list)
    stored: dict[str, tuple] = field(default_factory=dict)  # code → STORED_FIELDS of the stored facilities
    new: list[tuple[tuple, Facility | None]] = field(default_factory=list)  # INSERT_FIELDS values, instance
    updated: list[dict[str, object]] = field(default_factory=list)  # STORED_FIELDS → value
    changed: set[str] = field(default_factory=set)  # the fields some updated facility changed
    # RegisterChange.row() of each updated facility, in the order of ``updated``
    update_changes: list[tuple] = field(default_factory=list)
    # (column, attname, readings) of the columns that set a field; the area_type column's readings
    readings: list[tuple[str, str, list["imports.Reading"]]] = field(default_factory=list)
    area_types: list["imports.Reading"] | None = None
    # The earlier_unit column's readings; the unit memberships of the stored facilities it names one
    # for (facility id → [(unit id, since, until)]); the earlier units to write: of new facilities
    # (position in ``new``, unit id), of stored ones (unit id → facility ids).
    earlier: list["imports.Reading"] | None = None
    memberships: dict[int, list[tuple]] = field(default_factory=dict)
    earlier_new: list[tuple[int, int]] = field(default_factory=list)
    earlier_stored: dict[int, list[int]] = field(default_factory=dict)
    # Each row's RowResult, or for a valid row when the rows are not kept its import type alone;
    # None for a blank row.
    results: list[RowResult | str | None] = field(default_factory=list)


class FacilityResource(imports.ImportEngine, resources.ModelResource):
    """Imports facilities by ``code``: new codes are created, known codes updated,
    unchanged rows skipped. Nothing is written unless every row is valid.

    Queries do not grow with rows on PostgreSQL: sectors, units, areas and
    existing codes, then a bulk write per 1,000 rows. SQLite caps a statement at
    999 parameters, so there existing codes take a query per 999 and INSERTs
    carry about 90 rows.
    """

    code = Field("code", "code", widget=TextWidget(_("Missing code."), max_length=_CODE_MAX))
    name = Field("name", "name", widget=TextWidget(_("Missing name."), max_length=_NAME_MAX))
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
    # Read-only: written to the facility's unit memberships, not to a field (facilities/membership.py);
    # exported empty (a facility has no such attribute), shown in the preview as the row gives it.
    earlier_unit = Field(
        "earlier_unit", "earlier_unit", readonly=True, widget=NameWidget(_("Unknown administrative unit “%(value)s”."))
    )

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

    def __init__(self, **kwargs):
        """``progress``, ``phase`` and ``html_diff`` as ImportEngine's (``html_diff=False`` also
        skips the preview's HTML: the command has no page to show it on)."""
        super().__init__(**kwargs)
        # Own copy: import-export writes to _meta during an import (store_instance),
        # which would otherwise leak into every later import of this class.
        self._meta = copy.copy(self._meta)
        self._meta.skip_html_diff = not self.html_diff
        self._user = None
        self._retain = False
        self._related: dict[str, dict[int, object]] = {}
        self._readers: list[tuple[str, operator.itemgetter, str, widgets.Widget, bool]] = []
        self._changes: Counter[str] = Counter()  # Change's value → facilities
        self._version: RegisterVersion | None = None

    #: A chunk reads only its stored facilities (fetch_chunk); a later chunk never reads what
    #: an earlier one wrote (a code is listed once).
    overlap_writes = True

    @property
    def chunk_size(self) -> int:
        """CHUNK rows at a time (read when the import runs)."""
        return CHUNK

    # --- The engine's hooks (cpdash.imports.ImportEngine) -------------------------------------------

    def import_transaction(self, dry_run: bool) -> transaction.Atomic:
        """One transaction, rolled back if any row is invalid or a write fails (or in a dry run)."""
        return transaction.atomic()

    def begin_import(self, dataset, result: Result, **kwargs) -> list[str] | None:
        """The file's columns (before_import), and for a confirm the lock and a new register version.

        The Result has import-export's totals, invalid rows and errors. It keeps one RowResult
        per row (with the preview's diff, and the instance when ``retain_instance_in_row_result``)
        only for the admin: with ``html_diff=False`` and no retained instances it keeps the rows
        with problems alone, so that memory does not grow with the file. A large import
        refreshes the planner statistics of the tables it wrote (cpdash.database).

        What the file changes in the register is ``result.register_changes`` (Change →
        facilities, every kind); a confirmed import's RegisterVersion is
        ``result.register_version`` (None for a dry run or a failed import). ``file_name``
        (import-export passes the upload's) is stored with the version."""
        self._user = kwargs.get("user")  # import-export passes the admin's user; None from the command
        # The day a facility the list puts in another unit or area moved there (facilities/membership.py).
        self.moved_on = kwargs.get("moved_on") or timezone.localdate()
        self._changes, self._version = Counter(), None
        self._keep_every_row = self.keep_every_row(**kwargs)
        self._retain = bool(kwargs.get("retain_instance_in_row_result"))
        result.diff_headers = self.get_diff_headers()
        result.total_rows = len(dataset)
        self._dataset = dataset
        try:
            self.before_import(dataset, **kwargs)
        except Exception as error:
            self.handle_import_error(result, error, self.raise_errors)
            return None
        if self.collect_failed_rows:
            result.add_dataset_headers(dataset.headers)
        if not self.dry_run:
            # One facility import at a time (PostgreSQL): each reads what the one before
            # wrote, so that versions follow each other and their changes add up.
            lock_imports_of(Facility)
            self._version = RegisterVersion.begin(user=self._user, file_name=kwargs.get("file_name") or "")
        return dataset.headers

    def read_chunk(self, rows: list[tuple[int, Sequence[object]]]) -> "_Chunk":
        """The chunk's cells read column by column, each distinct cell once (sectors, units,
        kinds, dates and yes/no repeat over thousands of rows): the same values and messages
        as reading each cell."""
        chunk = _Chunk(rows=rows)
        table = [cells for _, cells in rows]
        chunk.readings = [
            (column, attname, imports.read_column(widget, list(map(getter, table)), _pk if relation else None))
            for column, getter, attname, widget, relation in self._readers
        ]
        if "area_type" in self.headers:
            cells = list(map(operator.itemgetter(self.headers.index("area_type")), table))
            chunk.area_types = imports.read_column(self.fields["area_type"].widget, cells)
        if "earlier_unit" in self.headers:
            cells = list(map(operator.itemgetter(self.headers.index("earlier_unit")), table))
            chunk.earlier = imports.read_column(self.fields["earlier_unit"].widget, cells, _pk)
        return chunk

    def fetch_chunk(self, chunk: "_Chunk") -> None:
        """The stored facilities among the chunk's codes: one query, the chunk's only read.
        (The chunk before is written after it, beside this chunk's checks: a code of it that
        this chunk repeats is refused as a repeated row either way.)"""
        codes = next((reading for column, _, reading in chunk.readings if column == "code"), [])
        chunk.stored = _stored_rows({code for code, message in codes if message is None})
        if chunk.earlier is not None:
            named = {code for (code, _), (unit, _) in zip(codes, chunk.earlier, strict=True) if unit is not None}
            chunk.memberships = _memberships([chunk.stored[code][0] for code in named if code in chunk.stored])

    def match_chunk(self, chunk: "_Chunk") -> None:
        """Each row checked against its stored facility (fetch_chunk): new, changed or
        unchanged (None: a blank row)."""
        stored = chunk.stored
        area_types = chunk.area_types
        # Each row's values of the columns read, and the rows with a cell refused (the others take
        # their values as they are: _import_one).
        attnames = tuple(attname for _, attname, _ in chunk.readings)
        columns = [list(map(_value, readings)) for _, _, readings in chunk.readings]
        refused = set()
        for _column, _attname, readings in chunk.readings:
            messages = list(map(_message, readings))
            if messages.count(None) != len(messages):
                refused.update(i for i, message in enumerate(messages) if message is not None)
        row_values = zip(*columns, strict=True) if columns else [()] * len(chunk.rows)
        results, keep_rows = chunk.results, self._keep_every_row
        for index, ((number, cells), values) in enumerate(zip(chunk.rows, row_values, strict=True)):
            if imports.is_blank(cells):
                results.append(None)
                continue
            area_type = None if area_types is None else area_types[index]
            read = None if index in refused else dict(zip(attnames, values, strict=True))
            results.append(self._import_one(number, index, chunk.readings, read, area_type, stored, chunk, keep_rows))

    def keep_rows(self, chunk: "_Chunk", result: Result) -> None:
        """Totals and problems; every row only for the admin (``keep_rows``)."""
        totals, keep_rows, headers = result.totals, self._keep_every_row, self.headers
        for (number, cells), row_result in zip(chunk.rows, chunk.results, strict=True):
            if row_result.__class__ is str:  # a valid row, not kept
                totals[row_result] += 1
                continue
            if row_result is None:  # a blank row
                totals[RowResult.IMPORT_TYPE_SKIP] += 1
                if keep_rows:
                    row_result = RowResult()
                    row_result.import_type = RowResult.IMPORT_TYPE_SKIP
                    result.append_row_result(row_result)
                continue
            totals[row_result.import_type] += 1
            if row_result.validation_error is not None:
                self.failed = True
                row = dict(zip(headers, cells, strict=False))
                result.append_invalid_row(number, row, row_result.validation_error)
                if self.collect_failed_rows:
                    result.append_failed_row(row, row_result.validation_error)
                if self.raise_errors:
                    raise ImportError(row_result.validation_error, number=number, row=row)
            if keep_rows:
                result.append_row_result(row_result)

    def write_chunk(self, chunk: "_Chunk", result: Result) -> None:
        """The chunk's writes (_write) in a savepoint: a failed write leaves the transaction
        usable. Run beside the reading of the next chunk (``overlap_writes``): a failure is
        raised, for write_failed."""
        if chunk.new or chunk.updated or chunk.update_changes:
            with transaction.atomic():
                self._write(chunk)

    def write_failed(self, error: Exception, result: Result) -> None:
        """A chunk's write failed: the error in ``result`` (raised with ``raise_errors``), handled
        as it is raised, so that its traceback is the result's and an ImportError's cause."""
        try:
            raise error
        except Exception as raised:
            self.handle_import_error(result, raised, self.raise_errors)

    def end_import(self, result: Result) -> None:
        """The register's changes; a confirm's version finished, or everything taken back."""
        result.total_rows = len(self._dataset)
        self._dataset = None
        result.register_changes = {kind: self._changes[kind.value] for kind in Change}
        failed = result.has_errors() or result.has_validation_errors()
        if self._version is not None and not failed:
            self._version.finish(result.register_changes)
            # The commit checks every written row's references: most of a large import's last minute.
            self._phase(gettext("Finishing: checking and saving what was written"))
        if self.dry_run or failed:
            transaction.set_rollback(True)
            self._version = None

    def after_commit(self, result: Result) -> None:
        """Once committed: ANALYZE after a large import."""
        result.register_version = self._version
        if not (self.dry_run or result.has_errors() or result.has_validation_errors()):
            written = result.totals[RowResult.IMPORT_TYPE_NEW] + result.totals[RowResult.IMPORT_TYPE_UPDATE]
            self._phase(gettext("Finishing: updating the database statistics"))
            analyze_bulk(written, *with_history([Facility]))

    @classmethod
    def get_diff_class(cls) -> type[imports.PreviewDiff]:
        """The preview's values as the page shows numbers (employees "1.500" in Vietnamese)."""
        return imports.PreviewDiff

    def get_diff_headers(self) -> list[str]:
        """The preview's column names: the columns' labels."""
        return [column_label(c) for c in COLUMNS]

    def before_import(self, dataset: tablib.Dataset, **kwargs) -> None:
        labels = imports.label_headers(COLUMNS, column_label)  # the template's headers, in either language
        dataset.headers = [labels.get(h, h) for h in map(normalize_header, dataset.headers or [])]
        problem = _header_problem(dataset.headers)
        if problem:
            del dataset[:]  # no row can be read without its columns: report the file once
            raise ValueError(problem)
        self.fields["sector"].widget.index = NameIndex.build(Sector.objects.all())
        # With their successors: a row naming a unit that had ended says which ones succeeded it
        # (AdministrativeUnit.not_valid_reason), read here, not while a chunk is written.
        # And their predecessors, for the earlier unit a row names (_earlier_check).
        units = AdministrativeUnit.objects.prefetch_related("successors__successors", "predecessors")
        self.fields["unit"].widget.index = NameIndex.build(units)
        self.fields["earlier_unit"].widget.index = self.fields["unit"].widget.index
        self.fields["production_area"].widget.index = NameIndex.build(ProductionArea.objects.all())
        self._related = {
            name: {obj.pk: obj for objs in self.fields[name].widget.index.exact.values() for obj in objs}
            for name in ("sector", "unit", "production_area")
        }
        # The columns of the file that set a field: (column, the getter of its cell, attname, widget, is a relation).
        self._readers = [
            (
                field.column_name,
                operator.itemgetter(dataset.headers.index(field.column_name)),
                Facility._meta.get_field(field.attribute).attname,
                field.widget,
                Facility._meta.get_field(field.attribute).is_relation,
            )
            for field in self.get_import_fields()
            if not field.readonly and field.column_name in dataset.headers
        ]

    # --- Checking rows ---------------------------------------------------------------------------

    def _import_one(
        self,
        number: int,
        index: int,
        readings: list,
        read: dict | None,
        area_type: "imports.Reading | None",
        stored: dict,
        chunk: "_Chunk",
        keep_rows: bool,
    ) -> RowResult | str:
        """Checks one row (its cells read by read_chunk, ``index`` in its chunk) as import-
        export's import_row did (same values, messages and outcome), without its copies and
        diffs unless ``keep_rows``. ``read``: the row's values by attname when no cell was
        refused (None: taken from ``readings`` here, with the problems). A valid row not kept
        gives its import type alone, without a RowResult."""
        errors: dict[str, list[str]] = {}
        if read is None:
            read = {}
            for column, attname, reading in readings:
                value, message = reading[index]
                if message is None:
                    read[attname] = value
                else:
                    errors[column] = [message]
        before = stored.get(read["code"]) if "code" in read else None
        values = dict(_new_facility()) if before is None else dict(zip(STORED_FIELDS, before, strict=True))
        values.update(read)
        values["search_text"] = _search_text(values["code"], values["name"])
        moved = before is not None and values["unit_id"] != before[STORED_FIELDS.index("unit_id")]
        for column, message in self._row_checks(values, area_type, errors, number, new=before is None, moved=moved):
            errors.setdefault(column, []).append(message)
        sets_earlier = False
        if chunk.earlier is not None:
            problem, sets_earlier = self._earlier_check(values, chunk.earlier[index], errors, before, moved, chunk)
            if problem:
                errors.setdefault("earlier_unit", []).append(problem)
        if errors:
            row_result = RowResult()
            row_result.import_type = RowResult.IMPORT_TYPE_INVALID
            row_result.validation_error = ValidationError(errors)
            return row_result
        # The widgets gave only values the fields take (lengths, kinds, counts, dates, yes/no).
        # A stored facility whose earlier unit alone is new to the register is updated too.
        earlier_only = False
        if before is None:
            import_type = RowResult.IMPORT_TYPE_NEW
        elif _compared(values) == _compared_stored(before):
            earlier_only = sets_earlier
            import_type = RowResult.IMPORT_TYPE_UPDATE if earlier_only else RowResult.IMPORT_TYPE_SKIP
        else:
            import_type = RowResult.IMPORT_TYPE_UPDATE
        if sets_earlier:
            unit_id = chunk.earlier[index][0]
            if before is None:
                chunk.earlier_new.append((len(chunk.new), unit_id))
            else:
                chunk.earlier_stored.setdefault(unit_id, []).append(values["id"])
        row_result: RowResult | str = import_type
        instance = None
        if keep_rows:
            row_result = RowResult()
            row_result.import_type = import_type
            earlier_id = chunk.earlier[index][0] if chunk.earlier is not None else None
            instance = self._instance(values, before, row_result, keep_rows, earlier_id)
        # Counted by value: a str hashes in C, a Change (an Enum) in Python, at 10⁴ rows/s.
        if import_type == RowResult.IMPORT_TYPE_NEW:
            chunk.new.append((_inserted(values), instance))
            self._changes[_NEW] += 1
        elif earlier_only:
            self._changes[Change.OTHER.value] += 1
            chunk.update_changes.append(RegisterChange.row(values["id"], values["code"], [Change.OTHER], None, values))
        elif import_type == RowResult.IMPORT_TYPE_UPDATE:
            stored_values = dict(zip(STORED_FIELDS, before, strict=True))
            chunk.changed.update(f for f in UPDATABLE_ATTNAMES if values[f] != stored_values[f])
            chunk.updated.append(values)
            kinds = change_kinds(stored_values, values, CHANGE_COMPARED)
            if sets_earlier and Change.OTHER not in kinds:  # its past moves to the earlier unit too
                kinds.append(Change.OTHER)
            self._changes.update(kind.value for kind in kinds)
            chunk.update_changes.append(RegisterChange.row(values["id"], values["code"], kinds, stored_values, values))
        else:
            self._changes[_UNCHANGED] += 1
        return row_result

    def _instance(
        self, values: dict, before: tuple | None, row_result: RowResult, keep_rows: bool, earlier_id: int | None = None
    ):
        """The facility as a model instance, for the admin's preview and log (``keep_rows``), with
        the earlier unit the row names (``earlier_id``) for the preview to show."""
        if not keep_rows:
            return None
        new = before is None
        original = Facility() if new else self._facility(dict(zip(STORED_FIELDS, before, strict=True)))
        instance = self._facility(values)
        instance.earlier_unit = self._related["unit"].get(earlier_id)
        if not self._meta.skip_html_diff:
            diff = self.get_diff_class()(self, original, new)
            diff.compare_with(self, instance)
            row_result.diff = diff.as_html()
        if not new:
            row_result.original = original
        row_result.add_instance_info(instance)
        if self._retain:
            row_result.instance = instance
        return instance

    def _facility(self, values: dict) -> Facility:
        facility = Facility(**{f: v for f, v in values.items() if f not in RELATIONS})
        for attname, (name, column) in RELATIONS.items():
            setattr(facility, name, self._related[column].get(values[attname]))
        return facility

    def _row_checks(
        self, values: dict, area_type: "imports.Reading | None", errors: dict, number: int, new: bool, moved: bool
    ) -> Iterable[tuple[str, str]]:
        """(column, message) for problems no single cell shows; ``area_type`` is the row's
        area_type cell as read (None: the file has no such column); ``moved``: a stored facility
        the row puts in another unit."""
        if "code" not in errors:
            first = self.first_row(values["code"], number)
            if first != number:
                yield (
                    "code",
                    gettext("Code “%(code)s” is also in row %(row)d: list each facility once.")
                    % {
                        "code": values["code"],
                        "row": file_row(first),
                    },
                )
        opened, closed = values["opened_on"], values["closed_on"]
        dates_read = "opened_on" not in errors and "closed_on" not in errors
        for column in ("opened_on", "closed_on") if dates_read else ():
            try:
                if values[column]:
                    not_in_future(values[column])
            except ValidationError as error:
                dates_read = False
                yield (column, error.messages[0])
        if dates_read and opened and closed and closed < opened:
            dates_read = False  # the unit's check below reads the closing day
            yield (
                "closed_on",
                gettext("Closed on %(closed)s, before it opened on %(opened)s.")
                % {
                    "closed": local_day(closed),
                    "opened": local_day(opened),
                },
            )
        if (new or moved) and dates_read and "unit" not in errors:
            # A new facility's unit, or the one a stored facility moves to from the list's day
            # (facilities/membership.py), exists until its last day in the register.
            unit = self._related["unit"].get(values["unit_id"])
            problem = (
                register_unit_problem(unit, closed_on=closed, moved_on=None if new else self.moved_on) if unit else None
            )
            if problem:
                yield ("unit", problem)
        if area_type is not None and not {"production_area", "area_type"} & errors.keys():
            area = self._related["production_area"].get(values["area_id"])
            yield from self._area_type_check(area, area_type)

    def _earlier_check(
        self, values: dict, reading: "imports.Reading", errors: dict, before: tuple | None, moved: bool, chunk: "_Chunk"
    ) -> tuple[str | None, bool]:
        """The row's earlier unit (``reading``, the earlier_unit cell as read): (a problem or
        None, whether to write it to the facility's memberships). It must be one of the units
        the row's unit was formed from, after the facility opened. A new facility in a unit
        formed from one unit was in that unit anyway (membership.sync); a stored facility
        whose memberships already say where it was before is left as it is when they agree
        with the row, and the row is refused when they do not."""
        earlier_id, message = reading
        if message is not None:
            return message, False
        if earlier_id is None or {"unit", "opened_on"} & errors.keys():
            return None, False
        units = self._related["unit"]
        unit, earlier = units[values["unit_id"]], units[earlier_id]
        if moved:
            return gettext(
                "A facility moving to another unit keeps the units it was in: leave the earlier unit empty."
            ), False
        predecessors = list(unit.predecessors.all())
        if not predecessors:
            return gettext("“%(unit)s” was not formed from other units: leave the earlier unit empty.") % {
                "unit": unit.name
            }, False
        opened = values["opened_on"]
        if opened is not None and opened >= unit.valid_from:
            return gettext(
                "It opened on %(opened)s, after “%(unit)s” was formed on %(formed)s: leave the earlier unit empty."
            ) % {"opened": local_day(opened), "unit": unit.name, "formed": local_day(unit.valid_from)}, False
        if earlier.pk not in {p.pk for p in predecessors}:
            return gettext("“%(earlier)s” is not one of the units “%(unit)s” was formed from: %(units)s.") % {
                "earlier": earlier.name,
                "unit": unit.name,
                "units": unit_names(predecessors),
            }, False
        if before is None:
            return None, len(predecessors) > 1
        day = unit.valid_from - datetime.timedelta(days=1)
        then = next(
            (
                (unit_id, since)
                for unit_id, since, until in chunk.memberships.get(values["id"], ())
                if (since is None or since <= day) and (until is None or until > day)
            ),
            None,
        )
        if then is None or then[0] == earlier.pk:
            return None, False
        if then == (unit.pk, None):  # in its unit from its first day: where before is not known yet
            return None, True
        other = units.get(then[0])
        return gettext(
            "Its unit memberships put it in “%(unit)s” before %(day)s: correct them on its page in the admin."
        ) % {"unit": other.name if other else then[0], "day": local_day(unit.valid_from)}, False

    def _area_type_check(self, area: ProductionArea | None, reading: "imports.Reading") -> Iterable[tuple[str, str]]:
        expected, message = reading
        if message is not None:
            yield "area_type", message
            return
        if expected is None:
            return
        if area is None:
            yield "area_type", gettext("An area type needs a production area.")
        elif area.kind != expected:
            yield (
                "area_type",
                gettext("“%(area)s” has the area type %(kind)s, not %(expected)s.")
                % {
                    "area": area.name,
                    "kind": area.get_kind_display(),
                    "expected": ProductionArea.Kind(expected).label,
                },
            )

    # --- Writing ------------------------------------------------------------------------------------

    def _write(self, chunk: "_Chunk") -> None:
        """The chunk's new and changed facilities, their history entries ("+"/"~", the
        importing user, reason "import"), their rows of the register version and, through
        facilities_written, the data other apps derive from the register (the pathway):
        all in the caller's transaction."""
        if chunk.new:
            ids = bulk.insert(Facility, INSERT_FIELDS, [row for row, _ in chunk.new])
            _write_new_changes(self._version, ids)
            for pk, (_, instance) in zip(ids, chunk.new, strict=True):
                if instance is not None:
                    instance.pk = pk
            bulk.write_history(Facility, ids, "+", self._user, imports.IMPORT_REASON)
            membership.sync(ids, new=True)
            if chunk.earlier_new:
                earlier: dict[int, list[int]] = {}
                for position, unit_id in chunk.earlier_new:
                    earlier.setdefault(unit_id, []).append(ids[position])
                membership.set_earlier(earlier)
            codes = [row[0] for row, _ in chunk.new]
            facilities_written.send(Facility, codes=codes, ids=ids, created=True)
        if chunk.updated:
            # Only the fields some facility of this chunk changed.
            fields = [f for f in UPDATABLE_ATTNAMES if f in chunk.changed]
            bulk.update(Facility, fields, [(v["id"], *(v[f] for f in fields)) for v in chunk.updated])
            ids = [v["id"] for v in chunk.updated]
            bulk.write_history(Facility, ids, "~", self._user, imports.IMPORT_REASON)
            # A facility the list puts in another unit or area moved there on the list's day. A
            # chunk that moved none (names, employees…) leaves the memberships as they are, and
            # tells the other apps which fields changed (the pathway copies none of a name's).
            if chunk.changed & PLACE_FIELDS:
                membership.sync(ids, moved_on=self.moved_on)
            codes = [v["code"] for v in chunk.updated]
            facilities_written.send(Facility, codes=codes, ids=ids, created=False, fields=frozenset(chunk.changed))
        if chunk.earlier_stored:
            membership.set_earlier(chunk.earlier_stored)
            ids = sorted(pk for pks in chunk.earlier_stored.values() for pk in pks)
            facilities_written.send(Facility, codes=(), ids=ids, created=None)
        if chunk.update_changes:
            rows = [(self._version.pk, *row) for row in chunk.update_changes]
            bulk.insert(RegisterChange, REGISTER_CHANGE_FIELDS, rows, returning=False)

    def export_field(self, field, instance, **kwargs) -> object:
        """A cell of the admin's export, escaped so that a spreadsheet shows a
        name like "=HYPERLINK(…)" as text instead of running it (cpdash/exports.py)."""
        return escape_formula(super().export_field(field, instance, **kwargs))


def _write_new_changes(version: RegisterVersion, ids: Sequence[int]) -> None:
    """The change rows of new facilities ``ids`` (Change.NEW alone): an INSERT … SELECT from
    the rows just written, as bulk.write_history does, so that no row travels through Python."""
    qn = connection.ops.quote_name
    fields = [RegisterChange._meta.get_field(name).column for name in ("version", "facility", "code")]
    flags = [kind.value for kind in CHANGE_FLAGS]
    names = ", ".join(qn(c) for c in (*fields, *flags))
    values = ", ".join("TRUE" if flag == Change.NEW else "FALSE" for flag in flags)
    with connection.cursor() as cursor:
        for condition, params in bulk.id_filter("f.id", ids):
            cursor.execute(
                f"INSERT INTO {qn(RegisterChange._meta.db_table)} ({names}) "
                f"SELECT %s, f.id, f.code, {values} FROM {qn(Facility._meta.db_table)} f WHERE {condition}",
                [version.pk, *params],
            )


def _header_problem(headers: Sequence[str]) -> str:
    """A message about missing, unknown, repeated or blank column names; "" if none."""
    return imports.header_problem(headers, REQUIRED_COLUMNS, COLUMNS)


# --- Reporting --------------------------------------------------------------


def row_problems(result: Result) -> list[RowProblem]:
    """Every problem of an import result, by row then column order."""
    return imports.row_problems(result, COLUMNS)


def template_dataset(day: datetime.date | None = None) -> tablib.Dataset:
    """The downloadable CSV template: the header row and the workbook's example rows, in the
    current language (the page names the columns so; the import reads either language's), rows
    the import takes on ``day`` (default today: units of that day)."""
    rows = _example_rows(_template_choices(day or timezone.localdate()))
    return tablib.Dataset(*rows, headers=[column_label(c) for c in COLUMNS])


def _example_rows(choices: dict[str, list[str]]) -> list[list[object]]:
    """TEMPLATE_EXAMPLES as rows of COLUMNS, in the current language ("hộ sản xuất", "có"), with
    the sectors and units ``choices`` offers (_example_in)."""
    fields = FacilityResource.fields
    yes_no = {"yes": gettext("yes"), "no": gettext("no")}
    return [
        [
            yes_no.get(example[c], example[c])
            if c == "in_scope"
            else imports.example_label(fields[c].widget, example[c])
            for c in COLUMNS
        ]
        for example in (_example_in(example, choices) for example in TEMPLATE_EXAMPLES)
    ]


def _template_choices(day: datetime.date) -> dict[str, list[str]]:
    """The sectors, the units valid on ``day``, the units others were formed from (earlier
    units) and the production areas by name, in the order of the Vietnamese alphabet (the
    database's puts "Điện tử" after "Gốm sứ"), and yes/no. The units in one query."""
    units = AdministrativeUnit.objects.annotate(
        valid=ExpressionWrapper(unit_valid_q(day), output_field=BooleanField()),
        earlier=Exists(AdministrativeUnit.predecessors.through.objects.filter(to_administrativeunit=OuterRef("pk"))),
    ).values_list("name", "valid", "earlier")
    found = list(units)
    return {
        "sector": sorted(Sector.objects.values_list("name", flat=True), key=vietnamese_key),
        "unit": sorted({name for name, valid, _earlier in found if valid}, key=vietnamese_key),
        "earlier_unit": sorted({name for name, _valid, earlier in found if earlier}, key=vietnamese_key),
        "production_area": sorted(ProductionArea.objects.values_list("name", flat=True), key=vietnamese_key),
        "in_scope": [gettext("yes"), gettext("no")],
    }


def _example_in(example: dict, choices: dict[str, list[str]]) -> dict:
    """``example`` with a sector and a unit the drop-down lists offer, so that its rows are ones
    the import takes: where the catalogue lacks the example's unit (Gia Lâm, a district until
    2025), one whose name holds it ("Xã Gia Lâm"), else the first; its production area is left
    out unless it is listed and its unit kept (an area lies in one unit)."""
    found = dict(example)
    for column in ("sector", "unit"):
        offered = choices[column]
        if offered and found[column] not in offered:
            found[column] = next((name for name in offered if fold(found[column]) in fold(name)), offered[0])
    if found["unit"] != example["unit"] or found["production_area"] not in choices["production_area"]:
        found.update(production_area="", area_type="")
    return found


def template_xlsx(day: datetime.date) -> bytes:
    """The downloadable template as a workbook in the current language (cpdash.import_templates):
    headers the import reads back, example rows, the code column as Text, and drop-down lists
    of the sectors, of the units valid on ``day``, of the production areas, area types, kinds
    and yes/no. Three queries."""
    fields = FacilityResource.fields
    choices = _template_choices(day)
    columns = []
    for name in COLUMNS:
        column = imports.template_column(
            name, fields[name].widget, column_label(name), name in REQUIRED_COLUMNS, str(COLUMN_NOTES[name])
        )
        if name in choices:
            column = dataclasses.replace(column, choices=choices[name])
        columns.append(column)
    rows = _example_rows(choices)
    notes = (
        _(
            "Facilities are matched by code: a known code updates that facility. "
            "Nothing is imported unless every row is valid."
        ),
        _("Delete the example rows before importing. Column names may be in English or in Vietnamese."),
    )
    return template_workbook(FacilityResource.get_display_name(), columns, rows, notes)
