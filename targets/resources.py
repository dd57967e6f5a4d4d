"""Import of programme targets, by natural key (cpdash.imports.RecordResource), in the
admin and in ``load_demo``. Columns and rules: docs/import.md, "Importing reference tables"."""

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from import_export import widgets
from import_export.fields import Field

from cpdash.imports import AliasWidget, DayWidget, ImportRow, NameIndex, NameWidget, RecordResource, TextWidget
from cpdash.imports import exact_key as _exact_key
from facilities.models import AdministrativeUnit, Sector
from facilities.reference_resources import MAX_REFERENCE_ROWS, UnitCell
from facilities.resources import AREA_TYPE_ALIASES
from programmes.models import Phase, Programme, Resource
from programmes.reference_resources import ProgrammeCell
from programmes.resources import VIETNAMESE_ALIASES, AmountCell
from targets.models import Indicator, SavingsCounted, Target

Level = AdministrativeUnit.Level
LEVEL_ALIASES = {
    "district": Level.DISTRICT,
    "cap huyen": Level.DISTRICT,
    "huyen": Level.DISTRICT,
    "commune": Level.COMMUNE,
    "cap xa": Level.COMMUNE,
    "xa": Level.COMMUNE,
}
#: Target.evidence: which savings a saving target counts.
SAVINGS_COUNTED_ALIASES = {
    "all": SavingsCounted.ALL,
    "tat ca": SavingsCounted.ALL,
    "verified": SavingsCounted.VERIFIED,
    "da kiem chung": SavingsCounted.VERIFIED,
    "chi da kiem chung": SavingsCounted.VERIFIED,
}
TARGET_HEADERS = {
    "chuong_trinh": "programme",
    "giai_doan": "phase",
    "chi_tieu": "indicator",
    "chi_so": "indicator",
    "muc_tieu": "target_min",
    "muc_tieu_toi_thieu": "target_min",
    "muc_tieu_toi_da": "target_max",
    "don_vi_tinh": "unit",
    "thoi_han": "deadline",
    "han": "deadline",
    "gia_tri_co_so": "baseline_value",
    "ngay_co_so": "baseline_on",
    "tiet_kiem_toi_thieu": "saving_min",
    "tiet_kiem_toi_da": "saving_max",
    "tai_nguyen": "resource",
    "nganh": "sector",
    "don_vi_hanh_chinh": "unit_scope",
    "loai_khu": "area_kind",
    "cap_don_vi": "unit_level",
    "tiet_kiem_tinh": "evidence",
    "bang_chung": "evidence",
}
PERCENT_COLUMNS = ("target_min", "target_max", "baseline_value", "saving_min", "saving_max")


def _column(name: str, widget: widgets.Widget) -> Field:
    return Field(attribute=name, column_name=name, widget=widget)


def _amount(name: str) -> AmountCell:
    return AmountCell(Target._meta.get_field(name))


class TargetResource(RecordResource):
    """Targets, by phase, indicator and scope (sector, unit, area type, resource)."""

    programme = _column("programme", ProgrammeCell(_("Missing programme (its slug).")))
    phase = _column("phase", TextWidget(_("Missing phase."), max_length=100))
    indicator = _column(
        "indicator",
        AliasWidget(
            {},
            _("Unknown indicator “%(value)s”: use one of %(choices)s."),
            choices=Indicator,
            missing=_("Missing indicator."),
        ),
    )
    target_min = _column("target_min", _amount("target_min"))
    target_max = _column("target_max", _amount("target_max"))
    unit = _column("unit", TextWidget(max_length=10))
    deadline = _column("deadline", DayWidget())
    baseline_value = _column("baseline_value", _amount("baseline_value"))
    baseline_on = _column("baseline_on", DayWidget())
    saving_min = _column("saving_min", _amount("saving_min"))
    saving_max = _column("saving_max", _amount("saving_max"))
    resource = _column(
        "resource",
        AliasWidget(
            VIETNAMESE_ALIASES["resource"], _("Unknown resource “%(value)s”: use one of %(choices)s."), choices=Resource
        ),
    )
    sector = _column("sector", NameWidget(_("Unknown sector “%(value)s”.")))
    unit_scope = _column("unit_scope", UnitCell())
    area_kind = _column(
        "area_kind",
        AliasWidget(
            AREA_TYPE_ALIASES,
            _("Unknown area type “%(value)s”: use industrial_zone, industrial_cluster or craft_village."),
        ),
    )
    unit_level = _column(
        "unit_level",
        AliasWidget(LEVEL_ALIASES, _("Unknown level “%(value)s”: use district or commune."), default=Level.DISTRICT),
    )
    evidence = _column(
        "evidence",
        AliasWidget(
            SAVINGS_COUNTED_ALIASES,
            _("Unknown choice of savings “%(value)s”: use all or verified."),
            default=SavingsCounted.ALL,
        ),
    )

    column_labels = {"programme": _("programme")}
    model = Target
    record_fields = {
        "phase": "phase",
        "indicator": "indicator",
        "target_min": "target_min",
        "target_max": "target_max",
        "unit": "unit",
        "deadline": "deadline",
        "baseline_value": "baseline_value",
        "baseline_on": "baseline_on",
        "saving_min": "saving_min",
        "saving_max": "saving_max",
        "resource": "resource",
        "sector": "sector",
        "unit_scope": "unit_scope",
        "area_kind": "area_kind",
        "unit_level": "unit_level",
        "evidence": "evidence",
    }
    # evidence too: the same target may be kept counting all savings and only verified ones.
    key_columns = ("phase", "indicator", "sector", "unit_scope", "area_kind", "resource", "evidence")
    required_columns = ("programme", "phase", "indicator", "target_min", "deadline")
    record_required = {"target_min": _("Missing target."), "deadline": _("Missing deadline.")}
    header_aliases = TARGET_HEADERS
    max_rows = MAX_REFERENCE_ROWS
    one_row_per_record = True
    repeated_record = _("Also in row %(row)d (same phase, indicator and scope): list each target once.")
    notes = (
        _(
            "One row per target: programme is the programme's slug, phase the name of one of its phases. "
            "A target is found by phase, indicator, sector, unit_scope, area_kind, resource and evidence: "
            "nothing is duplicated."
        ),
        _(
            "Values are percentages from 0 to 100, with a point for decimals: target_min (and target_max for "
            "a range), baseline_value, saving_min and saving_max. unit_level: district or commune, the level "
            "of the units a People's Committee target counts."
        ),
        _(
            "evidence, for saving targets: all (every saving counts, with its evidence shown beside) or "
            "verified (only savings of solutions verified after a period); empty = all."
        ),
    )
    template_rows = (
        {
            "programme": "hanoi-cp",
            "phase": "Đến 2015",
            "indicator": "awareness",
            "target_min": 50,
            "unit": "%",
            "deadline": "2015-12-31",
            "baseline_value": 0,
            "baseline_on": "2011-01-01",
        },
        {
            "programme": "hanoi-cp",
            "phase": "Đến 2015",
            "indicator": "application_with_saving",
            "target_min": 25,
            "unit": "%",
            "deadline": "2015-12-31",
            "saving_min": 5,
            "saving_max": 8,
        },
        {
            "programme": "hanoi-cp",
            "phase": "Đến 2015",
            "indicator": "specialist_coverage",
            "target_min": 70,
            "unit": "%",
            "deadline": "2015-12-31",
            "unit_level": "district",
        },
    )

    class Meta:
        name = _("Targets")

    def _read_cells(self, row: ImportRow) -> None:
        super()._read_cells(row)
        if "evidence" not in self.present:  # a file from before evidence levels: every saving counts
            row.values["evidence"] = SavingsCounted.ALL

    def _load_lookups(self, rows: list[ImportRow]) -> None:
        self.fields["programme"].widget.index = Programme.objects.order_by().in_bulk(field_name="slug")
        self._phases = {(phase.programme_id, _exact_key(phase.name)): phase for phase in Phase.objects.order_by()}
        if "sector" in self.present:
            self.fields["sector"].widget.index = NameIndex.build(Sector.objects.order_by())
        if "unit_scope" in self.present:
            self.fields["unit_scope"].widget.load(AdministrativeUnit.objects.order_by())

    def check_row(self, row: ImportRow) -> None:
        if row.read("programme", "phase"):
            programme, name = row.values["programme"], row.values["phase"]
            phase = self._phases.get((programme.pk, _exact_key(name)))
            if phase is None:
                del row.values["phase"]
                row.add_error(
                    "phase",
                    gettext("Programme “%(programme)s” has no phase “%(phase)s”.")
                    % {"programme": programme.slug, "phase": name},
                )
            else:
                row.values["phase"] = phase
        elif "phase" in row.values:
            del row.values["phase"]  # no programme to find it in
        if "unit" in row.values and not row.values["unit"]:
            row.values["unit"] = "%"
        for column in PERCENT_COLUMNS:
            value = row.values.get(column)
            if value is not None and value > 100:
                row.add_error(column, gettext("Targets, baselines and savings are percentages between 0 and 100."))
        self._check_ranges(row)

    def _check_ranges(self, row: ImportRow) -> None:
        low, high = row.values.get("target_min"), row.values.get("target_max")
        if low is not None and high is not None and high < low:
            row.add_error("target_max", gettext("The upper end of a range cannot be below its lower end."))
        saving_low, saving_high = row.values.get("saving_min"), row.values.get("saving_max")
        if saving_high is not None and (saving_low is None or saving_high < saving_low) and row.read("saving_min"):
            row.add_error("saving_max", gettext("The qualifying saving range needs a minimum not above its maximum."))
        baseline_on, deadline = row.values.get("baseline_on"), row.values.get("deadline")
        if baseline_on and deadline and baseline_on > deadline:
            row.add_error("baseline_on", gettext("The baseline date must be before the deadline."))
