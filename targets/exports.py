"""Target-against-actual as a spreadsheet: one row per target, breakdown columns."""

import dataclasses
from collections.abc import Sequence

from django.http import HttpResponse
from django.utils.translation import gettext as _
from tablib import Dataset

from cpdash.exports import escape_row, xlsx_bytes
from targets.figures import TargetResult

FORMATS = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
#: The columns exported: TargetResult's fields in order, less the nested breakdown
#: (it becomes columns of its own) and the translated status label.
COLUMNS = tuple(
    field.name for field in dataclasses.fields(TargetResult) if field.name not in {"breakdown", "status_label"}
)


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
                    groups.append((by, row.key, f"{by}: {row.label}"))
    dataset = Dataset(title=_("Targets"))
    dataset.headers = escape_row([*COLUMNS, *(name for _by, _key, name in groups)])
    for result in results:
        values = result.as_dict()
        cells = [values[column] for column in COLUMNS]
        for by, key, _name in groups:
            found = by_breakdown[by].get(result.target_id)
            row = next((r for r in (found.breakdown or []) if r.key == key), None) if found else None
            cells.append(row.value if row else None)
        dataset.append(escape_row(cells))
    return dataset


def dataset_response(dataset: Dataset, fmt: str, stem: str) -> HttpResponse:
    """``dataset`` as a download; CSV with a byte-order mark so spreadsheets read UTF-8,
    XLSX with text cells typed as strings (cpdash.exports.xlsx_bytes)."""
    content = xlsx_bytes(dataset) if fmt == "xlsx" else "\ufeff" + dataset.export(fmt)
    response = HttpResponse(content, content_type=FORMATS[fmt])
    response["Content-Disposition"] = f'attachment; filename="{stem}.{fmt}"'
    return response
