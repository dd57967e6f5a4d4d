"""The arithmetic of indicators and targets: plain functions, no database.

Counts come in as ints from the selectors (targets/selectors.py); everything
here is percentages, straight lines, projections and rounding, so that it can
be tested by hand. Percent values are floats 0–100, except savings, which are
exact ``Decimal`` from the database to the quartiles (only round1() makes them
display floats); ``None`` means "no data" (an empty denominator), never zero.
Definitions: docs/indicators.md.
"""

import calendar
import datetime
import math
from collections.abc import Sequence
from decimal import ROUND_HALF_UP, Decimal

from django.db import models
from django.utils.translation import gettext_lazy as _

#: Below the expected value by at most this share of it: "at risk", not "off track".
AT_RISK_TOLERANCE = 0.15
#: Average month in days (365.25 / 12), for rates "per month" over date spans.
DAYS_PER_MONTH = 365.25 / 12
#: The window of the trend behind projections and the current monthly rate.
TREND_MONTHS = 12
#: Quartiles reported for savings: first quartile, median, third quartile.
QUARTILES = (Decimal("0.25"), Decimal("0.5"), Decimal("0.75"))


class Status(models.TextChoices):
    """Where a target stands as of a date."""

    MET = "met", _("met")
    ON_TRACK = "on_track", _("on track")
    AT_RISK = "at_risk", _("at risk")
    OFF_TRACK = "off_track", _("off track")
    NO_DATA = "no_data", _("no data")


def percent(numerator: int, denominator: int) -> float | None:
    """``numerator`` as a percent (0–100) of ``denominator``; None when the denominator is 0."""
    if not denominator:
        return None
    return 100.0 * numerator / denominator


def round1(value: float | Decimal | None) -> float | None:
    """Round half up to one decimal place for display (12.25 → 12.3); None stays None.

    A Decimal is rounded as it is (6.35 → 6.4). A float goes through its shortest
    decimal representation, so the result does not depend on binary noise
    (0.15 * 100 → 15.0, not 15.000000000000002).
    """
    if value is None:
        return None
    return float(_exact(value).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))


def difference(later: float | Decimal | None, earlier: float | Decimal | None) -> float | None:
    """``later`` − ``earlier`` (a change in points between two dates), exact and rounded
    half up to one decimal place (15.0 − 5.9 → 9.1, not 9.099999999999998); None when
    either is None."""
    if later is None or earlier is None:
        return None
    return round1(_exact(later) - _exact(earlier))


def _exact(value: float | Decimal) -> Decimal:
    """``value`` as a Decimal: as it is, or a float's shortest decimal representation."""
    return value if isinstance(value, Decimal) else Decimal(repr(float(value)))


def add_months(day: datetime.date, months: int) -> datetime.date:
    """``day`` moved by whole calendar months, clamped to the month's last day
    (2016-02-29 minus 12 months → 2015-02-28)."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    month += 1
    return datetime.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def months_between(start: datetime.date, end: datetime.date) -> float:
    """Months from ``start`` to ``end`` (negative when ``end`` is earlier), a month being 365.25/12 days."""
    return (end - start).days / DAYS_PER_MONTH


def expected_now(
    *,
    as_of: datetime.date,
    baseline_on: datetime.date,
    baseline_value: float,
    deadline: datetime.date,
    target: float,
) -> float:
    """The straight line from (baseline_on, baseline_value) to (deadline, target), read at ``as_of``.

    Percent. Before the baseline date: the baseline value; on or after the
    deadline: the target.
    """
    if as_of <= baseline_on:
        return float(baseline_value)
    if as_of >= deadline:
        return float(target)
    share = (as_of - baseline_on).days / (deadline - baseline_on).days
    return float(baseline_value) + (float(target) - float(baseline_value)) * share


def project(
    *,
    value_now: float | Decimal | None,
    value_year_ago: float | Decimal | None,
    as_of: datetime.date,
    deadline: datetime.date,
) -> float | None:
    """Value at the deadline if the trend of the last 12 months goes on.

    Percent 0–100 (capped both ways). The trend is (value now − value 12 months
    ago) / 12 per month. None without both values (no trend to extend). On or
    after the deadline: the value now. An estimate: a median saving (Decimal) is
    extended as a float.
    """
    if value_now is None:
        return None
    value_now = float(value_now)
    if as_of >= deadline:
        return min(100.0, max(0.0, value_now))
    if value_year_ago is None:
        return None
    slope = (value_now - float(value_year_ago)) / TREND_MONTHS
    projected = value_now + slope * months_between(as_of, deadline)
    return min(100.0, max(0.0, projected))


def status(*, value: float | Decimal | None, expected: float, target: float) -> Status:
    """Met (value ≥ target), on track (≥ expected), at risk (≥ 85 % of expected), off track; no data when None.

    For a range target (saving 5–8 %) ``target`` is its lower end: a value
    within or above the range has met it.
    """
    if value is None:
        return Status.NO_DATA
    if value >= target:
        return Status.MET
    if value >= expected:
        return Status.ON_TRACK
    if value >= expected * (1 - AT_RISK_TOLERANCE):
        return Status.AT_RISK
    return Status.OFF_TRACK


def needed_count(*, target: Decimal | float, numerator: int, denominator: int) -> int:
    """How many more to count so that numerator / denominator reaches ``target`` percent.

    ceil(target % × denominator) − numerator, never below 0. Decimal arithmetic,
    so 25 % of 28 needs exactly 7, not 8 from binary noise.
    """
    required = math.ceil(Decimal(str(target)) * denominator / 100)
    return max(0, required - numerator)


def needed_for_median(*, measured: int, reaching: int) -> int:
    """How many more of ``measured`` facilities must reach a saving for the median to reach it.

    More than half must reach it: floor(measured / 2) + 1 − reaching, never below 0
    (sufficient for the median to reach it; exactly so for an odd count).
    """
    if not measured:
        return 0
    return max(0, measured // 2 + 1 - reaching)


def needed_per_month(*, needed: int, as_of: datetime.date, deadline: datetime.date) -> float | None:
    """``needed`` spread over the months left to the deadline; 0.0 when nothing is needed,
    None when something is needed but the deadline has passed."""
    if needed <= 0:
        return 0.0
    months = months_between(as_of, deadline)
    if months <= 0:
        return None
    return needed / months


def current_per_month(newly_counted: int) -> float:
    """Monthly rate of the last 12 months: newly counted in them / 12."""
    return newly_counted / TREND_MONTHS


def quantile_ranks(count: int, fraction: Decimal) -> tuple[int, int, Decimal]:
    """1-based ranks of the two ordered values a quantile lies between, and the weight of the upper one.

    Linear interpolation between closest ranks (PostgreSQL's percentile_cont,
    spreadsheet QUARTILE.INC): position h = (count − 1) × fraction, in exact decimals.
    """
    position = (count - 1) * _exact(fraction)
    lower = math.floor(position)
    return lower + 1, math.ceil(position) + 1, position - lower


def interpolate_quantile(values_by_rank: dict[int, Decimal], count: int, fraction: Decimal) -> Decimal | None:
    """The ``fraction`` quantile from the values at the ranks quantile_ranks() asks for; None when count is 0.

    Exact: the median of 6.30 and 6.40 is 6.35, which round1() shows as 6.4.
    """
    if not count:
        return None
    lower, upper, weight = quantile_ranks(count, fraction)
    low, high = _exact(values_by_rank[lower]), _exact(values_by_rank[upper])
    return low + (high - low) * weight


def quartiles(values_by_rank: dict[int, Decimal], count: int) -> tuple[Decimal | None, Decimal | None, Decimal | None]:
    """(first quartile, median, third quartile), percent, from the ranked savings the database returned."""
    q1, median, q3 = (interpolate_quantile(values_by_rank, count, f) for f in QUARTILES)
    return q1, median, q3


def period_ends(start: datetime.date, end: datetime.date, freq: str) -> list[datetime.date]:
    """Last days of the months, quarters or years from ``start`` to ``end``, then ``end`` itself.

    ``freq`` is "month", "quarter" or "year". The last point is always ``end``
    (the as-of date), even mid-period; [] when end < start.
    """
    step = {"month": 1, "quarter": 3, "year": 12}[freq]
    if end < start:
        return []
    # The first period end on or after start: the end of its month, quarter or year.
    first_month = start.month + (-start.month) % step
    day = _month_end(start.year, first_month)
    ends: list[datetime.date] = []
    while day < end:
        ends.append(day)
        day = _month_end(*_shift(day.year, day.month, step))
    ends.append(end)
    return ends


def _shift(year: int, month: int, months: int) -> tuple[int, int]:
    index = year * 12 + month - 1 + months
    return index // 12, index % 12 + 1


def _month_end(year: int, month: int) -> datetime.date:
    return datetime.date(year, month, calendar.monthrange(year, month)[1])


def share_sum(rows: Sequence[tuple[int, int]]) -> tuple[int, int, float | None]:
    """Roll rows of (numerator, denominator) up: sums of both, and the percent of the sums.

    Never the average of the rows' percentages.
    """
    numerator = sum(n for n, _ in rows)
    denominator = sum(d for _, d in rows)
    return numerator, denominator, percent(numerator, denominator)
