"""Target-against-actual as a spreadsheet: one row per target, breakdown columns."""

from collections.abc import Sequence

from django.http import HttpResponse
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from tablib import Dataset

from cpdash.exports import csv_text, escape_row, xlsx_bytes
from targets.figures import TargetResult
from targets.models import Indicator

FORMATS = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
#: The columns exported, with their headers in the user's language: TargetResult's fields,
#: less the nested breakdown (it becomes columns of its own), the status code (its label is
#: written) and the unit (every value is a percent: the headers say "%", and "unit" would
#: read as an administrative unit).
COLUMNS: tuple[tuple[str, object], ...] = (
    ("target_id", gettext_lazy("Target no.")),
    ("indicator", gettext_lazy("Indicator")),
    ("label", gettext_lazy("Target")),
    ("scope", gettext_lazy("Scope")),
    ("phase", gettext_lazy("Phase")),
    ("as_of", gettext_lazy("As of")),
    ("value", gettext_lazy("Value (%)")),
    ("numerator", gettext_lazy("Counted")),
    ("denominator", gettext_lazy("Out of")),
    ("target_min", gettext_lazy("Target (%)")),
    ("target_max", gettext_lazy("Target, upper end (%)")),
    ("deadline", gettext_lazy("Deadline")),
    ("baseline", gettext_lazy("Baseline (%)")),
    ("baseline_on", gettext_lazy("Baseline date")),
    ("expected_now", gettext_lazy("Expected now (%)")),
    ("status_label", gettext_lazy("Status")),
    ("value_year_ago", gettext_lazy("A year before (%)")),
    ("projected_at_deadline", gettext_lazy("Projected at the deadline (%)")),
    ("needed_facilities", gettext_lazy("Still needed")),
    ("needed_per_month", gettext_lazy("Needed per month")),
    ("current_per_month", gettext_lazy("Counted per month lately")),
    ("q1", gettext_lazy("Lower quartile (%)")),
    ("q3", gettext_lazy("Upper quartile (%)")),
    ("share_reaching", gettext_lazy("Share reaching the target saving (%)")),
)
#: Breakdown names in the headers of their columns.
BREAKDOWN_NAMES = {
    "sector": gettext_lazy("sector"),
    "unit": gettext_lazy("administrative unit"),
    "area_type": gettext_lazy("area type"),
    "kind": gettext_lazy("kind"),
}


def targets_dataset(results: Sequence[TargetResult], by_breakdown: dict[str, dict[int, TargetResult]]) -> Dataset:
    """One row per target; after COLUMNS, one column per breakdown group
    ("sector: Cơ khí", …) holding that group's value (percent, blank when no data).
    Text cells that a spreadsheet would run as formulas are escaped."""
    groups: list[tuple[str, object, str]] = []
    seen = set()
    for by, per_target in by_breakdown.items():
        for result in per_target.values():
            for row in result.breakdown or []:
                if (by, row.key) not in seen:
                    seen.add((by, row.key))
                    groups.append((by, row.key, f"{BREAKDOWN_NAMES.get(by, by)}: {row.label} (%)"))
    dataset = Dataset(title=_("Targets"))
    dataset.headers = escape_row([*(str(header) for _name, header in COLUMNS), *(name for _by, _key, name in groups)])
    for result in results:
        values = {column: getattr(result, column) for column, _header in COLUMNS}  # dates stay dates
        values["indicator"] = str(Indicator(result.indicator).label)
        cells = [values[column] for column, _header in COLUMNS]
        for by, key, _name in groups:
            found = by_breakdown[by].get(result.target_id)
            row = next((r for r in (found.breakdown or []) if r.key == key), None) if found else None
            cells.append(row.value if row else None)
        dataset.append(escape_row(cells))
    return dataset


def dataset_response(dataset: Dataset, fmt: str, stem: str) -> HttpResponse:
    """``dataset`` as a download; CSV as spreadsheets of the user's language read it
    (cpdash.exports.csv_text), XLSX with dates as dates and text cells typed as strings
    (cpdash.exports.xlsx_bytes)."""
    content = xlsx_bytes(dataset) if fmt == "xlsx" else csv_text(dataset.headers, dataset, translation.get_language())
    response = HttpResponse(content, content_type=FORMATS[fmt])
    response["Content-Disposition"] = f'attachment; filename="{stem}.{fmt}"'
    return response
