"""The indicators report shared by the JSON API and the ``indicators`` command.

Builds JSON-ready dicts from the selectors; no arithmetic and no counting here.
"""

import datetime
from typing import Any

from django.urls import reverse
from django.utils.http import urlencode

from programmes.models import Programme
from targets import selectors
from targets.models import Indicator, Target
from targets.queries import CONTACT_SOURCES, NEVER


def indicators_report(
    *,
    programme: Programme | None,
    as_of: datetime.date,
    by: str | None = None,
    outputs_from: datetime.date | None = None,
) -> dict[str, Any]:
    """{"as_of", "programme", "by", "targets": [TargetResult as dict + "explain_url"],
    "completeness": Completeness as dict, "outputs": outputs_for_period() or None}.

    Queries: selectors.indicators_as_of() + 1 (completeness) + 5 with ``outputs_from``.
    """
    results = selectors.indicators_as_of(programme=programme, as_of=as_of, by=by) if programme else []
    targets = []
    for result in results:
        row = result.as_dict()
        row["explain_url"] = explain_url(result.target_id, as_of)
        targets.append(row)
    return {
        "as_of": as_of.isoformat(),
        "programme": {"slug": programme.slug, "name": programme.name} if programme else None,
        "by": by,
        "targets": targets,
        "completeness": selectors.data_completeness(as_of=as_of).as_dict(),
        "outputs": selectors.outputs_for_period(start=outputs_from, end=as_of) if outputs_from else None,
    }


def explain_url(target_id: int, as_of: datetime.date) -> str:
    """Where the records behind a target's numerator are listed (JSON)."""
    return reverse("targets:behind", args=[target_id]) + "?" + urlencode({"as_of": as_of.isoformat()})


def describe_record(record: Any, target: Target, as_of: datetime.date) -> dict[str, Any]:
    """One facility (or unit) behind a target, as a dict: what it is, since when, on what evidence.

    ``record`` comes from selectors.records_behind(), whose annotations this reads.
    """
    if target.indicator == Indicator.SPECIALIST_COVERAGE:
        return {"id": record.pk, "name": record.name, "specialist": record.specialist}
    row: dict[str, Any] = {
        "id": record.pk,
        "code": record.code,
        "name": record.name,
        "unit": record.unit.name,
        "sector": record.sector.name,
        "since": _date_or_none(record.since),
    }
    if target.indicator == Indicator.AWARENESS:
        row["evidence"] = {
            name: _date_or_none(getattr(record, f"first_{name}"))
            for name in CONTACT_SOURCES
            if getattr(record, f"first_{name}") <= as_of
        }
    if target.indicator in (Indicator.SAVING, Indicator.APPLICATION_WITH_SAVING):
        # A JSON number (percent): the float of an exact 4-place Decimal prints as that decimal.
        row["saving"] = float(record.saving) if record.saving is not None else None
    return row


def _date_or_none(day: datetime.date) -> str | None:
    return None if day == NEVER else day.isoformat()


def error(message: str) -> dict[str, str]:
    return {"error": message}
