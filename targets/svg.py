"""The annual report's charts as SVG, for the report as PDF (targets/report_pdf.py).

Vector images drawn on the server from the report's own rows (an edition's rows,
when the report is an edition), with no browser and no plotly.js: plain data in,
SVG text out, tested without a database. They are the page's three Plotly
figures (targets/charts.py) in the same colours: horizontal bars with their
value written beside each, so that no figure is told by colour alone.

Every text is escaped here; the font is the PDF's own (static/fonts, by the
family name its @font-face gives).
"""

import dataclasses
import math
import textwrap
from collections.abc import Sequence
from xml.sax.saxutils import escape, quoteattr

from django.utils.text import capfirst
from django.utils.translation import gettext as _

from targets import charts
from targets.annual_report import AnnualReport, AreaRow, number, progress_value, target_label, value_text
from targets.figures import BreakdownRow, TargetResult

FONT = "Noto Sans, Noto Sans Math"  # unquoted: WeasyPrint's SVG splits the list on commas as written
WIDTH = 680
LABEL_WIDTH = 230  # the row labels' column, left of the bars
TEXT_WIDTH = 120  # room right of the bars for their values
LABEL_CHARS = 34  # characters per label line at FONT_SIZE in LABEL_WIDTH
FONT_SIZE = 11
LINE = 13  # a label line's height
TOP = 40  # title and the reference line's label
BOTTOM = 28  # the axis' tick labels
TICKS = 5


@dataclasses.dataclass(frozen=True)
class Row:
    """One bar: ``label`` (wrapped), ``strong`` a last label line in bold ("15% · off track"),
    ``value`` its length (None: no bar), ``text`` written right of it, ``colour`` its fill;
    ``target`` a tick at (min, max) with a line to max for a range; ``expected`` a diamond."""

    label: str
    value: float | None
    text: str
    colour: str
    strong: str = ""
    target: tuple[float, float | None] | None = None
    expected: float | None = None

    @property
    def lines(self) -> list[str]:
        return [*(textwrap.wrap(self.label, LABEL_CHARS) or [""]), *([self.strong] if self.strong else [])]


def nice_step(top: float, ticks: int = TICKS) -> float:
    """A round tick step (1, 2, 2.5 or 5 × a power of ten) giving about ``ticks`` ticks up to ``top``."""
    raw = max(top, 1e-9) / ticks
    power = 10 ** math.floor(math.log10(raw))
    return next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= raw)


def _text(x: float, y: float, content: str, *, anchor: str = "start", bold: bool = False, size: int = FONT_SIZE):
    weight = ' font-weight="bold"' if bold else ""
    return f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}" font-size="{size}"{weight}>{escape(content)}</text>'


def bar_chart(
    rows: Sequence[Row],
    *,
    title: str,
    axis_max: float,
    suffix: str = "",
    reference: tuple[float, str] | None = None,
) -> str:
    """Horizontal bars, top to bottom in ``rows`` order, on an axis from 0 to ``axis_max``
    (ticks written with ``suffix``, e.g. "%"); ``reference``: (value, label), a dotted
    line across every bar. An SVG document (text), sized WIDTH wide."""
    heights = [max(24, LINE * len(row.lines) + 8) for row in rows]
    height = TOP + sum(heights) + BOTTOM
    left, right = LABEL_WIDTH, WIDTH - TEXT_WIDTH
    scale = (right - left) / (axis_max or 1)

    def x(value: float) -> float:
        return left + min(max(value, 0), axis_max) * scale

    parts = [_text(0, 16, title, bold=True, size=13)]
    step = nice_step(axis_max)
    for n in range(math.floor(axis_max / step + 1e-9) + 1):
        at = x(n * step)
        parts.append(f'<line x1="{at:.1f}" y1="{TOP}" x2="{at:.1f}" y2="{height - BOTTOM}" stroke="#e5e5e5"/>')
        parts.append(_text(at, height - 10, f"{value_text(n * step)}{suffix}", anchor="middle", size=10))
    # Under the bars and their values, which stay readable across it.
    if reference is not None:
        at, label = reference
        parts.append(
            f'<line x1="{x(at):.1f}" y1="{TOP - 4}" x2="{x(at):.1f}" y2="{height - BOTTOM}" '
            f'stroke="{charts.BLACK}" stroke-width="1.5" stroke-dasharray="2 3"/>'
        )
        parts.append(_text(x(at), TOP - 8, label, anchor="middle", size=10))
    top = TOP
    for row, row_height in zip(rows, heights, strict=True):
        middle = top + row_height / 2
        first = middle - LINE * (len(row.lines) - 1) / 2 + 4
        for n, line in enumerate(row.lines):
            bold = bool(row.strong) and n == len(row.lines) - 1
            parts.append(_text(left - 8, first + n * LINE, line, anchor="end", bold=bold))
        end = left
        if row.value is not None:
            end = x(row.value)
            parts.append(
                f'<rect x="{left}" y="{middle - 8:.1f}" width="{end - left:.1f}" height="16" fill="{row.colour}"/>'
            )
        if row.target is not None:
            low, high = row.target
            if high is not None and high != low:
                parts.append(
                    f'<line x1="{x(low):.1f}" y1="{middle:.1f}" x2="{x(high):.1f}" y2="{middle:.1f}" '
                    f'stroke="{charts.BLACK}" stroke-width="3"/>'
                )
            parts.append(
                f'<line x1="{x(low):.1f}" y1="{middle - 11:.1f}" x2="{x(low):.1f}" y2="{middle + 11:.1f}" '
                f'stroke="{charts.BLACK}" stroke-width="3"/>'
            )
            end = max(end, x(high if high is not None else low))
        if row.expected is not None:
            cx = x(row.expected)
            parts.append(
                f'<path d="M{cx:.1f} {middle - 6:.1f} L{cx + 6:.1f} {middle:.1f} L{cx:.1f} {middle + 6:.1f} '
                f'L{cx - 6:.1f} {middle:.1f} Z" fill="white" stroke="{charts.BLACK}" stroke-width="1.5"/>'
            )
            end = max(end, cx + 6)
        if row.text:
            parts.append(_text(end + 5, middle + 4, row.text))
        top += row_height
    parts.append(f'<line x1="{left}" y1="{TOP}" x2="{left}" y2="{height - BOTTOM}" stroke="{charts.BLACK}"/>')
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height}" '
        f'viewBox="0 0 {WIDTH} {height}" font-family={quoteattr(FONT)} role="img" aria-label={quoteattr(title)}>'
        + "".join(parts)
        + "</svg>"
    )


def _axis_max(values: Sequence[float], at_least: float, cap: float | None = None) -> float:
    """The axis' end: a round step above the largest value, at most ``cap``."""
    top = max([*values, at_least])
    step = nice_step(top)
    end = math.ceil(top / step) * step
    return min(end, cap) if cap is not None else end


def newly_aware_svg(rows: Sequence[BreakdownRow], total: BreakdownRow) -> str:
    """Per sector, the percent of its facilities newly aware, the highest on top, with
    "newly aware/facilities"; a dotted line at all sectors' share. Sectors without
    facilities are left out (as the page's figure)."""
    kept = sorted((row for row in rows if row.value is not None), key=lambda row: (-row.value, row.label))
    bars = [
        Row(
            row.label,
            row.value,
            f"{value_text(row.value)}% ({number(row.numerator)}/{number(row.denominator)})",
            charts.SKY,
        )
        for row in kept
    ]
    reference = (total.value, _("all sectors")) if total.value is not None else None
    top = _axis_max([row.value for row in kept], at_least=5, cap=100)
    return bar_chart(bars, title=_("Newly aware, by sector"), axis_max=top, suffix="%", reference=reference)


def surveys_svg(rows: Sequence[AreaRow]) -> str:
    """CP surveys per production area, in the report's order (most first)."""
    bars = [Row(row.label, row.surveys, number(row.surveys), charts.GREEN) for row in rows]
    top = _axis_max([row.surveys for row in rows], at_least=1)
    return bar_chart(bars, title=_("CP surveys, by production area"), axis_max=top)


def targets_svg(results: Sequence[TargetResult]) -> str:
    """One bar per target in its status colour, its value and status in words under its
    name, the target as a tick (a range as a line to its upper end), the value expected by
    now as a diamond. Percent axis."""
    bars = [
        Row(
            capfirst(target_label(result)),
            result.value,
            "",
            charts.status_colour(result.status),
            strong=progress_value(result),
            target=(result.target_min, result.target_max),
            expected=result.expected_now,
        )
        for result in results
    ]
    ends = [r.target_max or r.target_min for r in results]
    values = [*(r.value or 0 for r in results), *ends, *(r.expected_now for r in results)]
    top = _axis_max(values, at_least=10, cap=100)
    return bar_chart(bars, title=_("Progress against targets"), axis_max=top, suffix="%")


def report_svgs(report: AnnualReport) -> dict[str, str]:
    """The report's charts as SVG by name ("targets", "newly_aware", "surveys"), only those
    with something to draw (as AnnualReport.figures)."""
    found = {}
    if report.targets:
        found["targets"] = targets_svg(report.targets)
    if any(row.denominator for row in report.newly_aware):
        found["newly_aware"] = newly_aware_svg(report.newly_aware, report.newly_aware_total)
    if report.surveys_by_area:
        found["surveys"] = surveys_svg(report.surveys_by_area)
    return found
