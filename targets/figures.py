"""Plain data returned by the selectors (targets/selectors.py): no querysets, JSON-ready.

Percent values are floats rounded to one decimal place; counts are ints;
``None`` means "no data" (an empty denominator), never zero.
"""

import dataclasses
import datetime
from typing import Any


def _jsonable(value: Any) -> Any:
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, list):
        return [_jsonable(item) for item in value]
    if isinstance(value, dict):
        return {key: _jsonable(item) for key, item in value.items()}
    return value


class _AsDict:
    def as_dict(self) -> dict[str, Any]:
        """The fields as a dict, dates as ISO strings (for JSON and CSV)."""
        return _jsonable(dataclasses.asdict(self))  # type: ignore[call-overload]


@dataclasses.dataclass(frozen=True)
class BreakdownRow(_AsDict):
    """One group of a breakdown (a sector, a unit, an area type, a facility kind).

    ``key``: sector or unit id, area-type or facility-kind code (None: facilities
    outside any production area). ``value``: percent numerator/denominator, or
    for a saving target the group's median saving (percent). Rows sum: the
    numerators and denominators of all rows add up to the target's.
    """

    key: int | str | None
    label: str
    numerator: int
    denominator: int
    value: float | None


@dataclasses.dataclass(frozen=True)
class TargetResult(_AsDict):
    """Where one target stands as of a date.

    Coverage targets: ``value`` = numerator / denominator in percent (facilities,
    or units for specialist coverage). Saving targets: ``value`` is the median
    saving of applying facilities with a measured saving (percent), ``q1``/``q3``
    its inter-quartile range, ``numerator`` the facilities whose saving reaches
    ``target_min``, ``denominator`` those with a measured saving,
    ``share_reaching`` their ratio in percent.

    ``needed_facilities``: facilities (units for specialist coverage) still to
    count to reach ``target_min``; ``needed_per_month`` spreads them over the
    months left to the deadline (None once it has passed with some still
    needed); ``current_per_month``: newly counted in the last 12 months / 12.
    ``breakdown``: None unless asked for; [] when the breakdown does not apply
    (specialist coverage by sector).
    """

    target_id: int
    indicator: str
    label: str
    scope: str
    phase: str
    unit: str
    as_of: datetime.date
    value: float | None
    numerator: int
    denominator: int
    target_min: float
    target_max: float | None
    deadline: datetime.date
    baseline: float
    baseline_on: datetime.date
    expected_now: float
    status: str
    status_label: str
    value_year_ago: float | None
    projected_at_deadline: float | None
    needed_facilities: int
    needed_per_month: float | None
    current_per_month: float
    q1: float | None = None
    q3: float | None = None
    share_reaching: float | None = None
    breakdown: list[BreakdownRow] | None = None


@dataclasses.dataclass(frozen=True)
class SeriesPoint(_AsDict):
    """A target's indicator at the end of one period (or on the as-of date for the last point).

    ``value`` as in TargetResult: percent, or median saving for saving targets.
    """

    day: datetime.date
    numerator: int
    denominator: int
    value: float | None


@dataclasses.dataclass(frozen=True)
class SavingStats(_AsDict):
    """Facility savings on one resource ("" = any) as of a date, over in-scope open facilities.

    ``measured``: facilities with a measured saving; ``q1``/``median``/``q3``:
    percent; ``reaching``: facilities whose saving is at least ``minimum``
    percent, ``share_reaching`` their percent of ``measured``.
    """

    resource: str
    measured: int
    q1: float | None
    median: float | None
    q3: float | None
    minimum: float
    reaching: int
    share_reaching: float | None


@dataclasses.dataclass(frozen=True)
class Completeness(_AsDict):
    """How much of the register the programme's data covers as of a date.

    Over in-scope facilities open on ``as_of``: ``reached`` had at least one
    contact (the awareness numerator), ``never_reached`` none — unknown, not
    "not aware"; ``surveyed`` had a CP survey, ``never_surveyed`` not — so a
    facility not applying may simply not have been looked at yet. Percents of
    ``facilities``; None when it is 0.
    """

    as_of: datetime.date
    facilities: int
    reached: int
    never_reached: int
    never_reached_percent: float | None
    surveyed: int
    never_surveyed: int
    never_surveyed_percent: float | None


@dataclasses.dataclass(frozen=True)
class SavingEvidence(_AsDict):
    """How strong the savings behind a saving target's figure are, as of a date
    (targets/evidence.py).

    ``counted``: the facilities whose best saving the figure counts (for "applying
    with the target saving" its numerator, for a saving target its denominator);
    ``verified``: of them, those that count on savings of verified solutions alone
    (all of them for a target counting only verified savings); the other four: the
    ``counted`` facilities by the evidence of their best saving, which sum to ``counted``.
    ``verified_only``: whether the target counts only verified savings (Target.evidence).
    """

    verified_only: bool
    counted: int
    verified: int
    self_reported: int
    estimated: int
    measured: int
    audited: int
