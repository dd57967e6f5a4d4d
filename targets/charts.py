"""Plotly figures for the dashboard and the annual report.

Each function takes plain data (the dataclasses of targets/figures.py, lists,
dicts) and returns a ``Figure``, the plain data plotly.js draws (no plotly graph
objects: see Figure): no request, no query, so every figure is tested without a
database. ``figure_json`` turns one into the JSON the page's static/js/charts.js
draws.

Colours are the Okabe–Ito palette, safe for the common colour-vision
deficiencies; status is never told by colour alone (labels carry it too).

Plotly reads every label, title and hover text as HTML (``<a href>``, ``<b>``,
``<br>``), so names entered by people (sectors, units, areas, targets) go
through ``plain()``: a sector named ``<a href="…">`` shows as that text instead
of becoming a link. Labels that carry markup of our own are built by the
caller from escaped parts (annual.progress_label).
"""

import copy
import datetime
import html
import json
import textwrap
from collections.abc import Sequence

import plotly.io as pio
from django.utils import numberformat
from django.utils.text import capfirst
from django.utils.translation import gettext as _

from targets import arithmetic
from targets.arithmetic import Status
from targets.figures import BreakdownRow, SeriesPoint, TargetResult
from targets.funnel import FunnelStep
from targets.models import Indicator

BLUE, ORANGE, GREEN, VERMILLION, PURPLE, SKY, YELLOW, GREY, BLACK = (
    "#0072B2",
    "#E69F00",
    "#009E73",
    "#D55E00",
    "#CC79A7",
    "#56B4E9",
    "#F0E442",
    "#8C8C8C",
    "#000000",
)
STATUS_COLOURS = {
    Status.MET: BLUE,
    Status.ON_TRACK: GREEN,
    Status.AT_RISK: ORANGE,
    Status.OFF_TRACK: VERMILLION,
    Status.NO_DATA: GREY,
}
# Plotly's "separators": decimal mark then thousands mark, per language.
SEPARATORS = {"vi": ",.", "en": ".,"}


#: The trace types the figures here draw.
TRACE_TYPES = ("bar", "scatter")
#: What plotly's default template ("plotly") sets for other kinds of plot: maps, 3D,
#: polar and ternary plots, colour scales.
OTHER_PLOTS = ("coloraxis", "colorscale", "geo", "polar", "scene", "ternary")


def _template() -> dict:
    """Plotly's default template with only what bars and lines on x/y axes read: each figure
    carries its template, and the whole one is 7 kB of JSON (a sixth of the dashboard's
    weight) that draws nothing here."""
    full = pio.templates[pio.templates.default].to_plotly_json()
    return {
        "data": {kind: traces for kind, traces in full["data"].items() if kind in TRACE_TYPES},
        "layout": {key: value for key, value in full["layout"].items() if key not in OTHER_PLOTS},
    }


TEMPLATE = _template()


def _merge(into: dict, values: dict) -> None:
    """``values`` set in ``into``, a dictionary merged into the one it replaces (as plotly's
    ``update_layout`` does), anything else replacing what was there."""
    for key, value in values.items():
        if isinstance(value, dict) and isinstance(into.get(key), dict):
            _merge(into[key], value)
        else:
            into[key] = value


class Figure(dict):
    """A figure as the plain data plotly.js draws, ``{"data": [traces], "layout": {…}}``,
    built without plotly's graph objects: checking and copying every property through them
    took about 0.1 s of each dashboard page. Its few methods are the plotly ones the figures
    here use, with the same meaning and the same result (tests/targets/test_charts.py
    compares the JSON and has plotly check it). Its layout holds the compact template."""

    def __init__(self, data: dict | Sequence[dict] | None = None):
        traces = [] if data is None else [data] if isinstance(data, dict) else list(data)
        # A copy: update_layout merges into what it finds, and TEMPLATE is every figure's.
        super().__init__(data=traces, layout={"template": copy.deepcopy(TEMPLATE)})

    def add_trace(self, trace: dict) -> None:
        self["data"].append(trace)

    def add_shape(self, **shape) -> None:
        self["layout"].setdefault("shapes", []).append(shape)

    def add_annotation(self, **annotation) -> None:
        self["layout"].setdefault("annotations", []).append(annotation)

    def add_vline(self, x: float, **shape) -> None:
        """A vertical line at ``x`` across the plot's height."""
        self.add_shape(type="line", x0=x, x1=x, xref="x", y0=0, y1=1, yref="y domain", **shape)

    def add_hline(self, y: float, **shape) -> None:
        """A horizontal line at ``y`` across the plot's width."""
        self.add_shape(type="line", x0=0, x1=1, xref="x domain", y0=y, y1=y, yref="y", **shape)

    def update_layout(self, **layout) -> None:
        _merge(self["layout"], layout)


def bar(**trace) -> dict:
    return {"type": "bar", **trace}


def scatter(**trace) -> dict:
    return {"type": "scatter", **trace}


def number(value: float | int, places: int, language: str) -> str:
    """``value`` with ``places`` decimals and grouped thousands, as ``language`` writes
    numbers (the figures' ``separators``: 1.234,5 in Vietnamese, 1,234.5 in English)."""
    decimal, thousands = SEPARATORS.get(language, SEPARATORS["en"])
    return numberformat.format(value, decimal, places, 3, thousands, force_grouping=True)


def plain(text: object) -> str:
    """``text`` for a Plotly label, shown as it is: ``<``, ``>`` and ``&`` escaped,
    which Plotly shows as those characters and never reads as markup."""
    return html.escape(str(text), quote=False)


#: Characters per line of a chart's title, and of a bar's name beside the bars, before they wrap:
#: Plotly never wraps text, it lets it run out of the figure (issue 12: titles were cut off, and long
#: names such as "không thuộc khu vực sản xuất nào" squeezed the bars on a phone).
TITLE_WRAP = 36
LABEL_WRAP = 22


def wrapped(text: object, width: int) -> str:
    """``text`` as ``plain`` shows it, in lines of at most ``width`` characters (a longer word
    stays whole) joined by ``<br>``, Plotly's line break."""
    lines = textwrap.wrap(str(text), width, break_long_words=False, break_on_hyphens=False) or [""]
    return "<br>".join(plain(line) for line in lines)


def title_layout(text: object) -> dict:
    """A figure's title: wrapped, at the left (clear of the toolbar, which sits at the right),
    above the plot with room for a label between them; the top margin grows to fit it."""
    return {
        "text": wrapped(text, TITLE_WRAP),
        "font": {"size": 14},
        "x": 0,
        "xref": "container",
        "xanchor": "left",
        "pad": {"l": 8, "b": 18},
        "y": 1,
        "yref": "paper",
        "yanchor": "bottom",
        "automargin": True,
    }


def base_layout(language: str, *, height: int = 320) -> dict:
    """Layout shared by every figure: legible on screen and on A4 paper."""
    return {
        "height": height,
        "margin": {"l": 48, "r": 16, "t": 40, "b": 40},
        "font": {"family": "system-ui, -apple-system, 'Segoe UI', Roboto, 'Noto Sans', Arial, sans-serif", "size": 13},
        "paper_bgcolor": "white",
        "plot_bgcolor": "white",
        "separators": SEPARATORS.get(language, SEPARATORS["en"]),
        "legend": {"orientation": "h", "y": -0.18},
        "hovermode": "closest",
    }


def trend_figure(result: TargetResult, points: Sequence[SeriesPoint], *, language: str = "en") -> Figure:
    """Actual values over time, the straight line to the target, and the
    projection from the as-of date to the deadline. Percent on the y axis.
    A saving target (a saving per unit of product, not a share that grows from 0)
    shows its target band or line instead of the path and the projection."""
    fig = Figure()
    if result.target_max is not None and result.target_max != result.target_min:
        # The band across the plot (plotly's add_hrect).
        fig.add_shape(
            type="rect",
            xref="x domain",
            x0=0,
            x1=1,
            yref="y",
            y0=result.target_min,
            y1=result.target_max,
            fillcolor=SKY,
            opacity=0.2,
            line={"width": 0},
            layer="below",
        )
    fig.add_trace(
        scatter(
            name=_("actual"),
            x=[p.day for p in points],
            y=[p.value for p in points],
            customdata=[[p.numerator, p.denominator] for p in points],
            hovertemplate="%{x|%d/%m/%Y}: %{y:.1f}% (%{customdata[0]:,}/%{customdata[1]:,})<extra></extra>",
            mode="lines+markers",
            line={"color": BLUE, "width": 3},
            marker={"size": 5},
        )
    )
    if result.indicator == Indicator.SAVING:
        # A saving per unit of product does not climb from 0 toward its target: show the target
        # (its band, or its line) and where the median stood.
        if result.target_max is None or result.target_max == result.target_min:
            fig.add_hline(y=result.target_min, line={"color": BLACK, "dash": "dash", "width": 1.5})
        return _trend_layout(fig, result, points, language)
    fig.add_trace(
        scatter(
            name=_("path to target"),
            x=[result.baseline_on, result.deadline],
            y=[result.baseline, result.target_min],
            mode="lines",
            line={"color": BLACK, "dash": "dash", "width": 1.5},
            hovertemplate="%{x|%d/%m/%Y}: %{y:.1f}%<extra></extra>",
        )
    )
    if result.projected_at_deadline is not None and result.value is not None and result.as_of < result.deadline:
        fig.add_trace(
            scatter(
                name=_("projection"),
                x=[result.as_of, result.deadline],
                y=[result.value, result.projected_at_deadline],
                mode="lines+markers",
                line={"color": VERMILLION, "dash": "dot", "width": 2},
                marker={"symbol": "diamond", "size": 8},
                hovertemplate="%{x|%d/%m/%Y}: %{y:.1f}%<extra></extra>",
            )
        )
    return _trend_layout(fig, result, points, language)


def _trend_layout(fig: Figure, result: TargetResult, points: Sequence[SeriesPoint], language: str) -> Figure:
    top = max([result.target_max or result.target_min, *(p.value or 0 for p in points), 10.0])
    layout = base_layout(language, height=240)
    # No title: the card's heading above names the chart (and is its accessible name), and a
    # title as long as "cơ sở áp dụng SXSH đạt mức tiết kiệm mục tiêu" did not fit a phone.
    fig.update_layout(
        **{**layout, "margin": {**layout["margin"], "t": 16}},
        yaxis={"title": {"text": "%"}, "range": [0, min(100.0, top * 1.15)], "gridcolor": "#e5e5e5"},
        xaxis={"gridcolor": "#f0f0f0"},
    )
    return fig


def signed(value: float | int | None, places: int, language: str) -> str:
    """A change with its sign ("+9.1", "−2"), as ``language`` writes numbers; "—" for None."""
    if value is None:
        return "—"
    text = number(abs(value), places, language)
    return f"+{text}" if value > 0 else f"\N{MINUS SIGN}{text}" if value < 0 else text


def _change_text(row: BreakdownRow, before: BreakdownRow | None, language: str) -> str:
    """ " · +9.1 pts, +9" — the change of a breakdown row since the date compared with."""
    if before is None or before.value is None:
        return " · " + _("new")
    points = signed(arithmetic.difference(row.value, before.value), 1, language)
    return " · " + _("%(points)s pts, %(count)s") % {
        "points": points,
        "count": signed(row.numerator - before.numerator, 0, language),
    }


def breakdown_figure(
    result: TargetResult,
    rows: Sequence[BreakdownRow],
    *,
    title: str,
    urls: Sequence[str] | None = None,
    language: str = "en",
    earlier: Sequence[BreakdownRow | None] | None = None,
    earlier_label: str = "",
) -> Figure:
    """Horizontal bars sorted by value, with the target and expected-now lines; each bar's
    value in a column at the right, its counts in its hover text.

    ``urls``: one per row, the list of facilities behind the bar; a click on
    the bar opens it. Rows without data (no facilities) are left out.
    ``earlier``: one per row, the same group on the date compared with (``earlier_label``)
    or None: drawn as a hollow diamond, with the change in points and facilities in the label.
    """
    befores = list(earlier) if earlier is not None else [None] * len(rows)
    kept = [
        (row, url, before)
        for row, url, before in zip(rows, urls or [""] * len(rows), befores, strict=True)
        if row.value is not None
    ]
    kept.sort(key=lambda item: item[0].value)
    colours = [GREEN if row.value >= result.expected_now else VERMILLION for row, _url, _b in kept]
    names = [wrapped(row.label, LABEL_WRAP) for row, _url, _b in kept]
    values = [
        f"{number(row.value, 1, language)}%" + (_change_text(row, before, language) if earlier is not None else "")
        for row, _url, before in kept
    ]
    counts = [f"{number(row.numerator, 0, language)}/{number(row.denominator, 0, language)}" for row, _url, _b in kept]
    fig = Figure(
        bar(
            orientation="h",
            x=[row.value for row, _url, _b in kept],
            y=names,
            text=values,
            # The values are written in a column right of the plot (the annotations below), where
            # neither the target line nor the edge of the figure can run into them.
            textposition="none",
            customdata=[[url, count] for (_row, url, _b), count in zip(kept, counts, strict=True)],
            marker={"color": colours},
            hovertemplate="%{y}: %{text} (%{customdata[1]})<extra></extra>",
            name=_("actual"),
        )
    )
    # Set at once: add_annotation() copies every annotation before it, quadratic in the groups
    # (0.45 s per breakdown of 30 units, most of the dashboard's time outside its queries).
    annotations = [
        {
            "x": 1,
            "xref": "paper",
            "xanchor": "left",
            "xshift": 6,
            "y": name,
            "text": value,
            "showarrow": False,
            "font": {"size": 12},
        }
        for name, value in zip(names, values, strict=True)
    ]
    if earlier is not None:
        shown = [
            (name, before)
            for name, (_row, _url, before) in zip(names, kept, strict=True)
            if before is not None and before.value is not None
        ]
        fig.add_trace(
            scatter(
                name=plain(earlier_label),
                x=[before.value for _name, before in shown],
                y=[name for name, _before in shown],
                mode="markers",
                marker={"symbol": "diamond-open", "size": 10, "color": BLACK, "line": {"width": 2}},
                hovertemplate="%{y}: %{x:.1f}%<extra>" + plain(earlier_label) + "</extra>",
            )
        )
    fig.add_vline(x=result.target_min, line={"color": BLACK, "dash": "dash"})
    fig.add_vline(x=result.expected_now, line={"color": GREY, "dash": "dot"})
    annotations.append(
        {
            "x": result.target_min,
            "y": 1,
            "yref": "paper",
            "yanchor": "bottom",
            "text": _("target"),
            "showarrow": False,
            "font": {"size": 11},
        }
    )
    layout = base_layout(language, height=max(200, row_height(names) * len(kept) + 110))
    fig.update_layout(
        **{**layout, "margin": {**layout["margin"], "r": 12 + 8 * max((len(value) for value in values), default=0)}},
        annotations=annotations,
        title=title_layout(title),
        xaxis={"title": {"text": "%"}, "range": [0, 100], "tickvals": [0, 25, 50, 75, 100], "gridcolor": "#e5e5e5"},
        yaxis={"automargin": True},
        showlegend=False,
    )
    return fig


def row_height(names: Sequence[str]) -> int:
    """Pixels per horizontal bar: more when a name takes two lines or more."""
    return 36 if any("<br>" in name for name in names) else 26


#: Below this largest count, a count axis ticks every 1.
SMALL_COUNTS = 10


def outputs_figure(by_year: dict[int, dict[str, int]], keys: dict[str, str], *, language: str = "en") -> Figure:
    """Grouped bars per year of the output counts named in ``keys`` (key → label)."""
    years = sorted(by_year)
    colours = [BLUE, ORANGE, GREEN, VERMILLION, PURPLE, SKY, YELLOW, GREY]
    fig = Figure(
        [
            bar(
                name=plain(label),
                x=[str(year) for year in years],
                y=[by_year[year].get(key, 0) for year in years],
                marker={"color": colours[i % len(colours)]},
                hovertemplate="%{x}: %{y:,}<extra>" + plain(label) + "</extra>",
            )
            for i, (key, label) in enumerate(keys.items())
        ]
    )
    # Counts: the axis starts at 0, also when every count is 0 (not −1…1), and its ticks are whole
    # numbers: below SMALL_COUNTS plotly would tick every 0.2 or 0.5, which ",d" writes 0, 0, 0, 1, 1.
    top = max((value for trace in fig["data"] for value in trace["y"]), default=0)
    yaxis = {"gridcolor": "#e5e5e5", "rangemode": "nonnegative", "tickformat": ",d"}
    if top < SMALL_COUNTS:
        yaxis["dtick"] = 1
    fig.update_layout(**base_layout(language, height=300), barmode="group", yaxis=yaxis)
    return fig


def funnel_figure(
    steps: Sequence[FunnelStep],
    urls: Sequence[str],
    *,
    label: str = "",
    earlier: Sequence[FunnelStep] | None = None,
    earlier_urls: Sequence[str] | None = None,
    earlier_label: str = "",
    title: str = "",
    language: str = "en",
    printable: bool = False,
) -> Figure:
    """The CP pathway funnel (targets/funnel.py): one horizontal bar per step, top to bottom,
    labelled with its facilities and the share of the previous step's that went on to it;
    ``urls``: one per step, the facilities behind the bar (a click opens them). With
    ``earlier`` (the steps on the date ``earlier_label``), a grey bar beside each, its own
    link in ``earlier_urls``."""

    def text(step: FunnelStep) -> str:
        count = number(step.facilities, 0, language)
        if step.conversion is None:
            return count
        return f"{count} ({number(step.conversion, 1, language)}%)"

    def bars(found: Sequence[FunnelStep], links: Sequence[str], name: str, colour: str) -> dict:
        return bar(
            orientation="h",
            name=plain(name),
            x=[step.facilities for step in found],
            y=[plain(capfirst(step.label)) for step in found],
            text=[text(step) for step in found],
            textposition="outside",
            cliponaxis=False,
            customdata=list(links),
            marker={"color": colour},
            hovertemplate="%{y}: %{x:,}<extra>" + plain(name) + "</extra>",
        )

    traces = []
    if earlier is not None:
        traces.append(bars(earlier, earlier_urls or [""] * len(earlier), earlier_label, GREY))
    traces.append(bars(steps, urls, label, BLUE))
    fig = Figure(traces)
    top = max([1, *(step.facilities for step in steps), *(step.facilities for step in earlier or [])])
    fig.update_layout(
        **base_layout(language, height=_bar_height(len(steps) * (2 if earlier else 1), 30)),
        title={"text": plain(title), "font": {"size": 14}},
        barmode="group",
        # Room right of the longest bar for its label.
        xaxis={"range": [0, top * 1.3], "gridcolor": "#e5e5e5", "tickformat": ",d", "rangemode": "nonnegative"},
        yaxis={"automargin": True, "autorange": "reversed"},
        showlegend=earlier is not None,
    )
    return _printable(fig) if printable else fig


# --- The annual results report (targets/annual_report.py): printed, so fixed sizes and no zooming ---------


def _printable(fig: Figure) -> Figure:
    """No drag-to-zoom: the report is read, and printed, as it is drawn."""
    fig.update_layout(dragmode=False, xaxis={"fixedrange": True}, yaxis={"fixedrange": True})
    return fig


def _bar_height(rows: int, per_row: int = 30) -> int:
    """Height in pixels for ``rows`` horizontal bars: fixed by the data, not the screen."""
    return max(220, per_row * rows + 110)


def newly_aware_figure(
    rows: Sequence[BreakdownRow], *, overall: float | None = None, title: str = "", language: str = "en"
) -> Figure:
    """Horizontal bars, one per sector, of the percent of its facilities newly aware,
    the highest on top, with "newly aware/facilities"; a dotted line at ``overall``
    (all sectors). Sectors without facilities are left out."""
    kept = sorted((row for row in rows if row.value is not None), key=lambda row: (-row.value, row.label))
    fig = Figure(
        bar(
            orientation="h",
            x=[row.value for row in kept],
            y=[wrapped(row.label, LABEL_WRAP) for row in kept],
            customdata=[[row.numerator, row.denominator] for row in kept],
            texttemplate="%{x:.1f}% (%{customdata[0]:,}/%{customdata[1]:,})",
            textposition="outside",
            cliponaxis=False,
            marker={"color": SKY},
            hovertemplate="%{y}: %{x:.1f}%<extra></extra>",
            name=_("newly aware"),
        )
    )
    if overall is not None:
        fig.add_vline(x=overall, line={"color": BLACK, "dash": "dot", "width": 1.5}, layer="below")
        fig.add_annotation(
            x=overall,
            y=1,
            yref="paper",
            yanchor="bottom",
            text=_("all sectors"),
            showarrow=False,
            font={"size": 11},
        )
    top = max([overall or 0, *(row.value for row in kept), 5.0])
    layout = base_layout(language, height=_bar_height(len(kept), 26))
    fig.update_layout(
        **layout,
        title=title_layout(title),
        xaxis={"ticksuffix": "%", "range": [0, min(100.0, top * 1.35)], "gridcolor": "#e5e5e5"},
        yaxis={"automargin": True, "autorange": "reversed"},
        showlegend=False,
    )
    return _printable(fig)


def surveys_by_area_figure(rows: Sequence[tuple[str, int]], *, title: str = "", language: str = "en") -> Figure:
    """Horizontal bars of the CP surveys per production area, ``rows`` being (label, surveys)
    in the order to show them (top to bottom)."""
    fig = Figure(
        bar(
            orientation="h",
            x=[count for _label, count in rows],
            y=[wrapped(label, LABEL_WRAP) for label, _count in rows],
            texttemplate="%{x:,}",
            textposition="outside",
            cliponaxis=False,
            marker={"color": GREEN},
            hovertemplate="%{y}: %{x:,}<extra></extra>",
            name=_("CP surveys"),
        )
    )
    top = max([count for _label, count in rows] or [1])
    fig.update_layout(
        **base_layout(language, height=_bar_height(len(rows))),
        title=title_layout(title),
        xaxis={"range": [0, top * 1.2], "gridcolor": "#e5e5e5"},
        yaxis={"automargin": True, "autorange": "reversed"},
        showlegend=False,
    )
    return _printable(fig)


def targets_progress_figure(
    labels: Sequence[str], results: Sequence[TargetResult], *, title: str = "", language: str = "en"
) -> Figure:
    """One horizontal bar per target (``labels[i]`` for ``results[i]``, top to bottom; a label
    carries the value and status in words, so that colour is never the only cue; labels are
    Plotly markup, their text escaped by the caller, see annual.progress_label): its value
    in its status colour, the target as a black tick (a range as a line from its lower to
    its upper end), the value expected now as a grey diamond. Percent on the x axis; a
    target without data has no bar."""
    y = list(labels)
    fig = Figure(
        [
            bar(
                orientation="h",
                name=_("value"),
                x=[r.value for r in results],
                y=y,
                marker={"color": [status_colour(r.status) for r in results]},
                hovertemplate="%{y}: %{x:.1f}<extra></extra>",
                showlegend=False,
            ),
            scatter(
                name=_("target"),
                x=[r.target_min for r in results],
                y=y,
                mode="markers",
                marker={"symbol": "line-ns-open", "size": 24, "color": BLACK, "line": {"width": 3}},
                error_x={
                    "type": "data",
                    "symmetric": False,
                    "array": [(r.target_max - r.target_min) if r.target_max is not None else 0 for r in results],
                    "arrayminus": [0] * len(results),
                    "color": BLACK,
                    "thickness": 3,
                    "width": 0,
                },
                hovertemplate="%{y}: %{x:.1f}<extra>" + _("target") + "</extra>",
            ),
            scatter(
                name=_("expected now"),
                x=[r.expected_now for r in results],
                y=y,
                mode="markers",
                marker={"symbol": "diamond", "size": 12, "color": "white", "line": {"width": 2, "color": BLACK}},
                hovertemplate="%{y}: %{x:.1f}<extra>" + _("expected now") + "</extra>",
            ),
        ]
    )
    ends = [r.target_max or r.target_min for r in results]
    top = max([*(r.value or 0 for r in results), *ends, *(r.expected_now for r in results), 10.0])
    fig.update_layout(
        **base_layout(language, height=_bar_height(len(results), 80)),
        title=title_layout(title),
        xaxis={"ticksuffix": "%", "range": [0, min(100.0, top * 1.1)], "gridcolor": "#e5e5e5"},
        yaxis={"automargin": True, "autorange": "reversed"},
        bargap=0.35,
    )
    return _printable(fig)


def figure_json(fig: Figure) -> dict:
    """The figure as plain JSON data, for Django's json_script."""
    return json.loads(pio.to_json(fig, validate=False))


def status_colour(status: str) -> str:
    return STATUS_COLOURS.get(status, GREY)


def as_date(value: datetime.date | str) -> datetime.date:
    return value if isinstance(value, datetime.date) else datetime.date.fromisoformat(value)
