"""Imports of the register's reference tables: administrative units, sectors and
production areas, by natural key (cpdash.imports.RecordResource), in the admin and
in ``load_demo``. Columns and rules: docs/import.md, "Importing reference tables".

A unit may name its parent and its predecessors among the rows of the same file
as well as among the stored units: new units are written parents first, and the
predecessors once every unit of the file is stored.
"""

from collections.abc import Iterable

from django.db.models import Model
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from import_export import widgets
from import_export.fields import Field

from cpdash.dates import local_day
from cpdash.imports import (
    NEW,
    SKIP,
    UPDATE,
    AliasWidget,
    DayWidget,
    ImportRecord,
    ImportRow,
    NameIndex,
    PendingChildren,
    RecordResource,
    TextWidget,
    WholeNumberWidget,
    cell_text,
    create_with_history,
    exact_key,
    file_row,
    update_with_history,
)
from cpdash.text import fold
from facilities.models import GRID_MAX, AdministrativeUnit, ProductionArea, Sector
from facilities.resources import AREA_TYPE_ALIASES

#: Rows a reference import takes: a province's units are a few hundred, the whole country's about 11,000.
MAX_REFERENCE_ROWS = 20_000

Kind = AdministrativeUnit.Kind
# Folded spellings (cpdash.imports.alias_key) → kind of unit.
UNIT_KIND_ALIASES = {
    "urban district": Kind.URBAN_DISTRICT,
    "quan": Kind.URBAN_DISTRICT,
    "rural district": Kind.RURAL_DISTRICT,
    "huyen": Kind.RURAL_DISTRICT,
    "town": Kind.TOWN,
    "thi xa": Kind.TOWN,
    "ward": Kind.WARD,
    "phuong": Kind.WARD,
    "commune": Kind.COMMUNE,
    "xa": Kind.COMMUNE,
    "township": Kind.TOWNSHIP,
    "thi tran": Kind.TOWNSHIP,
}
UNIT_KINDS_HELP = "urban_district/quận, rural_district/huyện, town/thị xã, ward/phường, commune/xã, township/thị trấn"

# Vietnamese column names (normalised: cpdash.imports.normalize_header) → column.
UNIT_HEADERS = {
    "ma": "code",
    "ma_so": "code",
    "ma_don_vi": "code",
    "ten": "name",
    "ten_don_vi": "name",
    "loai": "kind",
    "loai_don_vi": "kind",
    "ten_ubnd": "committee_name",
    "uy_ban_nhan_dan": "committee_name",
    "truc_thuoc": "parent",
    "don_vi_cap_tren": "parent",
    "hieu_luc_tu": "valid_from",
    "tu_ngay": "valid_from",
    "hieu_luc_den": "valid_until",
    "den_ngay": "valid_until",
    "hinh_thanh_tu": "predecessors",
    "don_vi_truoc": "predecessors",
    "hang_ban_do": "grid_row",
    "cot_ban_do": "grid_col",
}
SECTOR_HEADERS = {"ten": "name", "nganh": "name", "ten_nganh": "name"}
AREA_HEADERS = {
    "ten": "name",
    "loai": "kind",
    "loai_khu": "kind",
    "don_vi_hanh_chinh": "unit",
    "dia_ban": "unit",
    "san_pham": "products",
    "san_pham_chinh": "products",
}


def _column(name: str, widget: widgets.Widget) -> Field:
    return Field(attribute=name, column_name=name, widget=widget)


def _unit_label(unit: AdministrativeUnit) -> str:
    code = f", {unit.code}" if unit.code else ""
    return f"“{unit.name}” ({Kind(unit.kind).label}{code})"


class UnitCell(widgets.Widget):
    """A stored unit by its official code or its name (as NameWidget: with or
    without diacritics); ``units`` is filled once per import. None for an empty
    cell, unless ``missing`` (the message then) is given."""

    def __init__(self, missing: str | None = None):
        super().__init__()
        self.missing = missing
        self.by_code: dict[str, AdministrativeUnit] = {}
        self.names = NameIndex({}, {})

    def load(self, units: Iterable[AdministrativeUnit]) -> None:
        units = list(units)
        self.by_code = {unit.code: unit for unit in units if unit.code}
        self.names = NameIndex.build(units)

    def clean(self, value, row=None, **kwargs) -> AdministrativeUnit | None:
        text = cell_text(value)
        if not text:
            if self.missing:
                raise ValueError(self.missing)
            return None
        if text in self.by_code:
            return self.by_code[text]
        matches = self.names.find(text)
        if len(matches) == 1:
            return matches[0]
        if not matches:
            raise ValueError(gettext("Unknown administrative unit “%(value)s”.") % {"value": text})
        raise ValueError(_several(text, matches))

    def render(self, value, obj=None, **kwargs) -> str:
        return "" if value is None else value.name


def _several(text: str, units: Iterable[AdministrativeUnit]) -> str:
    listed = ", ".join(sorted(_unit_label(unit) for unit in units))
    return gettext("“%(value)s” names several units (%(units)s): write its official code.") % {
        "value": text,
        "units": listed,
    }


class UnitResource(RecordResource):
    """Administrative units, by official code when the row gives one, else by name and kind."""

    code = _column("code", TextWidget(max_length=10))
    name = _column("name", TextWidget(_("Missing name."), max_length=100))
    kind = _column(
        "kind",
        AliasWidget(
            UNIT_KIND_ALIASES,
            _(
                "Unknown kind of unit “%(value)s”: use urban_district/quận, rural_district/huyện, town/thị xã, "
                "ward/phường, commune/xã or township/thị trấn."
            ),
        ),
    )
    committee_name = _column("committee_name", TextWidget(max_length=150))
    parent = _column("parent", TextWidget(max_length=200))
    valid_from = _column("valid_from", DayWidget())
    valid_until = _column("valid_until", DayWidget())
    predecessors = _column("predecessors", TextWidget())
    grid_row = _column("grid_row", WholeNumberWidget())
    grid_col = _column("grid_col", WholeNumberWidget())

    column_labels = {"parent": _("lies in"), "predecessors": _("formed from")}
    model = AdministrativeUnit
    record_fields = {
        "code": "code",
        "name": "name",
        "kind": "kind",
        "committee_name": "committee_name",
        "valid_from": "valid_from",
        "valid_until": "valid_until",
        "grid_row": "grid_row",
        "grid_col": "grid_col",
    }
    key_columns = ("name", "kind")
    required_columns = ("name", "kind", "valid_from")
    record_required = {"valid_from": _("Missing valid_from: the first day the unit existed.")}
    header_aliases = UNIT_HEADERS
    max_rows = MAX_REFERENCE_ROWS
    one_row_per_record = True
    repeated_record = _("Also in row %(row)d (same code, or same name and kind): list each unit once.")
    notes = (
        _(
            "One row per unit. A row with an official code updates the unit with that code (or the unit of "
            "that name and kind that has no code yet); a row without one, the unit of that name and kind."
        ),
        _(
            "parent and predecessors name units by official code or by name, stored ones or rows of this "
            "file; separate several predecessors with “;”. valid_until is the unit's last day."
        ),
        _(
            "grid_row and grid_col place the unit's square on the dashboard's tile-grid map (row 0 at the top, "
            "north; column 0 at the left, west); empty: not on the map."
        ),
    )
    template_rows = (
        {
            "code": "",
            "name": "Từ Liêm",
            "kind": "huyện",
            "committee_name": "UBND huyện Từ Liêm",
            "valid_from": "2008-08-01",
            "valid_until": "2013-12-31",
            "grid_row": 1,
            "grid_col": 4,
        },
        {
            "code": "",
            "name": "Bắc Từ Liêm",
            "kind": "urban_district",
            "committee_name": "UBND quận Bắc Từ Liêm",
            "valid_from": "2014-01-01",
            "valid_until": "2025-06-30",
            "predecessors": "Từ Liêm",
            "grid_row": 1,
            "grid_col": 4,
        },
        {
            "code": "",
            "name": "Thượng Cát",
            "kind": "phường",
            "committee_name": "UBND phường Thượng Cát",
            "parent": "Bắc Từ Liêm",
            "valid_from": "2014-01-01",
            "valid_until": "2025-06-30",
        },
    )

    class Meta:
        name = _("Administrative units")

    def _load_lookups(self, rows: list[ImportRow]) -> None:
        self._units = list(AdministrativeUnit.objects.order_by("pk"))

    def check_row(self, row: ImportRow) -> None:
        if "kind" in row.values and not row.values["kind"]:
            row.add_error("kind", gettext("Missing kind of unit: use %(kinds)s.") % {"kinds": UNIT_KINDS_HELP})
        start, end = row.values.get("valid_from"), row.values.get("valid_until")
        if start and end and end < start:
            row.add_error(
                "valid_until",
                gettext("The last day %(end)s is before the first day %(start)s.")
                % {"end": local_day(end), "start": local_day(start)},
            )
        for column in ("grid_row", "grid_col"):
            value = row.values.get(column)
            if value is not None and value > GRID_MAX:
                row.add_error(column, gettext("A map row or column is at most %(max)d.") % {"max": GRID_MAX})

    def record_key(self, row: ImportRow) -> tuple | None:
        code = row.values.get("code")
        if code:
            return ("code", code)
        if not row.read("name", "kind") or not row.values["kind"]:
            return None
        return ("name", exact_key(row.values["name"]), row.values["kind"])

    def _match_stored(self, records: list[ImportRecord]) -> None:
        """A row's unit: the stored one with its code, else the one of its name and kind
        (which must then have no other code)."""
        by_code = {unit.code: unit for unit in self._units if unit.code}
        by_name = {(exact_key(unit.name), unit.kind): unit for unit in self._units}
        for record in records:
            row = record.rows[0]
            if record.key[0] == "code" and record.key[1] in by_code:
                record.obj = by_code[record.key[1]]
                continue
            if not row.read("name", "kind"):
                continue
            twin = by_name.get((exact_key(row.values["name"]), row.values["kind"]))
            if twin is None:
                continue
            if record.key[0] == "code" and twin.code:
                row.add_error(
                    "code",
                    gettext("The stored unit %(unit)s has another official code: correct the code or the name.")
                    % {"unit": _unit_label(twin)},
                )
            else:
                record.obj = twin

    def kept_fields(self, record: ImportRecord) -> set[str]:
        # Matched by code: its name and kind follow the file. By name and kind: an empty
        # code cell keeps the stored code.
        return set() if record.key[0] == "code" else {"name", "kind", "code"}

    # --- parents and predecessors -----------------------------------------------------------------

    def after_resolve(self, records: list[ImportRecord]) -> None:
        self._parents: dict[int, ImportRecord | AdministrativeUnit | None] = {}
        self._predecessors: dict[int, list[ImportRecord | AdministrativeUnit]] = {}
        self._repeated_names(records)
        index = _References(records, self._units)
        stored_predecessors = self._stored_predecessors(records)
        for record in records:
            row = record.rows[0]
            if "parent" in self.present and row.read("parent"):
                self._resolve_parent(record, row, index)
            if "predecessors" in self.present and row.read("predecessors"):
                self._resolve_predecessors(record, row, index, stored_predecessors)
            if record.status == SKIP and (record.changed or record.children_touched):
                record.status = UPDATE
            if not row.errors:
                row.status = record.status

    def _repeated_names(self, records: list[ImportRecord]) -> None:
        """Two rows of one name and kind (one with a code, one without) would be two units."""
        first: dict[tuple, ImportRecord] = {}
        for record in records:
            row = record.rows[0]
            if not row.read("name", "kind"):
                continue
            seen = first.setdefault((exact_key(row.values["name"]), row.values["kind"]), record)
            if seen is not record:
                row.add_error("", self.repeated_record % {"row": file_row(seen.rows[0].number)})

    def _stored_predecessors(self, records: list[ImportRecord]) -> dict[int, set[int]]:
        """Stored unit id → ids of its predecessors, for the stored units of the file: one query."""
        found: dict[int, set[int]] = {}
        ids = [r.obj.pk for r in records if r.status != NEW]
        if "predecessors" not in self.present or not ids:
            return found
        through = AdministrativeUnit.predecessors.through
        for unit_id, predecessor_id in through.objects.filter(from_administrativeunit_id__in=ids).values_list(
            "from_administrativeunit_id", "to_administrativeunit_id"
        ):
            found.setdefault(unit_id, set()).add(predecessor_id)
        return found

    def _resolve_parent(self, record: ImportRecord, row: ImportRow, index: "_References") -> None:
        text = row.values["parent"]
        target = None
        if text:
            try:
                target = index.find(text)
            except ValueError as error:
                row.add_error("parent", str(error))
                return
            problem = _parent_problem(record, target)
            if problem:
                row.add_error("parent", problem)
                return
        self._parents[id(record)] = target
        parent, before = _obj(target), record.obj.parent_id
        record.obj.parent = parent  # a unit of the file not stored yet gets its id in write()
        after = None if parent is None else parent.pk  # None too for a unit of the file not stored yet
        if record.status != NEW and (after != before or (parent is not None and parent.pk is None)):
            record.changed.add("parent")

    def _resolve_predecessors(
        self, record: ImportRecord, row: ImportRow, index: "_References", stored: dict[int, set[int]]
    ) -> None:
        targets = []
        for text in (part.strip() for part in row.values["predecessors"].split(";")):
            if not text:
                continue
            try:
                target = index.find(text)
            except ValueError as error:
                row.add_error("predecessors", str(error))
                continue
            if target is record or _obj(target) is record.obj:
                row.add_error("predecessors", gettext("A unit cannot be formed from itself."))
                continue
            targets.append(target)
        if row.errors.get("predecessors"):
            return
        ids = {_obj(t).pk for t in targets}
        if record.status == NEW:
            if targets:
                self._predecessors[id(record)] = targets
        elif None in ids or ids != stored.get(record.obj.pk, set()):
            self._predecessors[id(record)] = targets
            record.children_touched = True

    # --- writing ------------------------------------------------------------------------------------

    def write(self, records: list[ImportRecord], pending: dict[type[Model], PendingChildren]) -> None:
        """New units parents first (a ward after its district of the same file), then the
        changed ones, then the predecessors of the units whose list changed."""
        waiting = [r for r in records if r.status == NEW]
        while waiting:
            ready = [r for r in waiting if _waits_for(self._parents.get(id(r))) is None]
            if not ready:  # cannot happen: a parent is of the district level, a child of the commune level
                raise ValueError("circular parents")
            for record in ready:
                record.obj.parent = _obj(self._parents.get(id(record)))
                record.obj.refresh_search_text()
            create_with_history([r.obj for r in ready], AdministrativeUnit, self._user, history=self._history)
            waiting = [r for r in waiting if r not in ready]
        changed = [r for r in records if r.status == UPDATE and r.changed]
        if changed:
            fields = sorted(set().union(*(r.changed for r in changed)))
            for record in changed:
                record.obj.parent = record.obj.parent  # the parent's id, now that it is stored
            update_with_history([r.obj for r in changed], AdministrativeUnit, fields, self._user, history=self._history)
        self._write_predecessors(records)

    def _write_predecessors(self, records: list[ImportRecord]) -> None:
        listed = [r for r in records if id(r) in self._predecessors]
        if not listed:
            return
        through = AdministrativeUnit.predecessors.through
        through.objects.filter(from_administrativeunit_id__in=[r.obj.pk for r in listed]).delete()
        through.objects.bulk_create(
            through(from_administrativeunit_id=r.obj.pk, to_administrativeunit_id=_obj(t).pk)
            for r in listed
            for t in self._predecessors[id(r)]
        )


def _obj(target: "ImportRecord | AdministrativeUnit | None") -> AdministrativeUnit | None:
    return target.obj if isinstance(target, ImportRecord) else target


def _waits_for(target: "ImportRecord | AdministrativeUnit | None") -> ImportRecord | None:
    """The record of the file a new unit's parent is, while it is not stored yet."""
    if isinstance(target, ImportRecord) and target.obj.pk is None:
        return target
    return None


def _parent_problem(record: ImportRecord, target: "ImportRecord | AdministrativeUnit") -> str | None:
    parent = _obj(target)
    if target is record or parent is record.obj:
        return gettext("A unit cannot lie in itself.")
    if record.obj.kind in AdministrativeUnit.DISTRICT_KINDS:
        return gettext("A district-level unit lies in no other unit here: leave parent empty.")
    if parent.kind not in AdministrativeUnit.DISTRICT_KINDS:
        return gettext("%(unit)s is not of the district level: a ward or commune lies in a district.") % {
            "unit": _unit_label(parent)
        }
    return None


class _References:
    """Units named in parent and predecessors cells: rows of the file first (by code or
    name), then stored units not in the file."""

    def __init__(self, records: list[ImportRecord], units: list[AdministrativeUnit]):
        in_file = {r.obj.pk for r in records if r.obj is not None and r.obj.pk is not None}
        self.records = [r for r in records if r.obj is not None]
        self.by_code: dict[str, ImportRecord | AdministrativeUnit] = {
            unit.code: unit for unit in units if unit.code and unit.pk not in in_file
        }
        self.by_code.update({r.obj.code: r for r in self.records if r.obj.code})
        self.stored = [unit for unit in units if unit.pk not in in_file]

    def find(self, text: str) -> "ImportRecord | AdministrativeUnit":
        if text in self.by_code:
            return self.by_code[text]
        for key in (exact_key, fold):
            wanted = key(text)
            matches = [r for r in self.records if key(r.obj.name) == wanted]
            matches += [u for u in self.stored if key(u.name) == wanted]
            if len(matches) == 1:
                return matches[0]
            if matches:
                raise ValueError(_several(text, [_obj(m) for m in matches]))
        raise ValueError(
            gettext("Unknown unit “%(value)s”: no row of this file and no stored unit has this code or name.")
            % {"value": text}
        )


class SectorResource(RecordResource):
    """Industrial sectors, by name."""

    name = _column("name", TextWidget(_("Missing name."), max_length=100))

    model = Sector
    record_fields = {"name": "name"}
    key_columns = ("name",)
    required_columns = ("name",)
    header_aliases = SECTOR_HEADERS
    max_rows = MAX_REFERENCE_ROWS
    one_row_per_record = True
    repeated_record = _("Also in row %(row)d: list each sector once.")
    notes = (_("One row per sector. Re-importing matches sectors by name: nothing is duplicated."),)
    template_rows = ({"name": "Gốm sứ"}, {"name": "Dệt may"})

    class Meta:
        name = _("Sectors")


class ProductionAreaResource(RecordResource):
    """Industrial zones, clusters and craft villages, by name."""

    name = _column("name", TextWidget(_("Missing name."), max_length=150))
    kind = _column(
        "kind",
        AliasWidget(
            AREA_TYPE_ALIASES,
            _("Unknown area type “%(value)s”: use industrial_zone, industrial_cluster or craft_village."),
        ),
    )
    unit = _column("unit", UnitCell(_("Missing administrative unit.")))
    products = _column("products", TextWidget(max_length=200))

    model = ProductionArea
    record_fields = {"name": "name", "kind": "kind", "unit": "unit", "products": "products"}
    key_columns = ("name",)
    required_columns = ("name", "kind", "unit")
    record_required = {
        "kind": _("Missing area type: industrial_zone, industrial_cluster or craft_village."),
        "unit": _("Missing administrative unit."),
    }
    header_aliases = AREA_HEADERS
    max_rows = MAX_REFERENCE_ROWS
    one_row_per_record = True
    repeated_record = _("Also in row %(row)d: list each production area once.")
    notes = (
        _(
            "One row per production area. kind: industrial_zone (KCN), industrial_cluster (CCN) or "
            "craft_village (làng nghề); unit: a stored unit, by official code or name."
        ),
    )
    template_rows = (
        {"name": "Bát Tràng", "kind": "làng nghề", "unit": "Gia Lâm", "products": "Gốm sứ"},
        {"name": "KCN Thăng Long", "kind": "industrial_zone", "unit": "Đông Anh", "products": "Điện tử"},
    )

    class Meta:
        name = _("Production areas")

    def _load_lookups(self, rows: list[ImportRow]) -> None:
        if "unit" in self.present:
            self.fields["unit"].widget.load(AdministrativeUnit.objects.order_by())
