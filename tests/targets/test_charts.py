"""Figures are built from plain data: no request, no database."""

import datetime as dt

import plotly.graph_objects as go
import plotly.io as pio
import pytest

from targets import charts
from targets.figures import BreakdownRow, SeriesPoint, TargetResult


def drawn(figure: charts.Figure) -> go.Figure:
    """``figure`` as plotly reads it, checking every property against its schema (a
    misspelt one raises): its traces and layout by attribute."""
    return go.Figure(charts.figure_json(figure))


def result(**overrides) -> TargetResult:
    values = {
        "target_id": 1,
        "indicator": "awareness",
        "label": "Facilities aware of CP",
        "scope": "",
        "phase": "to 2015",
        "unit": "%",
        "as_of": dt.date(2012, 12, 31),
        "value": 15.0,
        "numerator": 300,
        "denominator": 2000,
        "target_min": 50.0,
        "target_max": None,
        "deadline": dt.date(2015, 12, 31),
        "baseline": 0.0,
        "baseline_on": dt.date(2011, 1, 1),
        "expected_now": 20.0,
        "status": "at_risk",
        "status_label": "at risk",
        "value_year_ago": 5.0,
        "projected_at_deadline": 45.0,
        "needed_facilities": 700,
        "needed_per_month": 19.4,
        "current_per_month": 16.7,
    }
    return TargetResult(**{**values, **overrides})


POINTS = [
    SeriesPoint(day=dt.date(2011, 12, 31), numerator=100, denominator=2000, value=5.0),
    SeriesPoint(day=dt.date(2012, 12, 31), numerator=300, denominator=2000, value=15.0),
]


def test_trend_has_actual_target_path_and_projection():
    fig = drawn(charts.trend_figure(result(), POINTS, language="vi"))
    names = [trace.name for trace in fig.data]
    assert names == ["actual", "path to target", "projection"]
    actual, path, projection = fig.data
    assert list(actual.y) == [5.0, 15.0]
    assert list(path.y) == [0.0, 50.0]
    assert list(projection.y) == [15.0, 45.0]
    assert fig.layout.separators == ",."  # Vietnamese: decimal comma, thousands dot


def test_trend_without_projection_after_deadline():
    fig = drawn(charts.trend_figure(result(as_of=dt.date(2016, 1, 1)), POINTS))
    assert [trace.name for trace in fig.data] == ["actual", "path to target"]


def test_trend_shades_a_range_target():
    fig = drawn(charts.trend_figure(result(indicator="saving", target_min=5.0, target_max=8.0), POINTS))
    (band,) = fig.layout.shapes
    assert (band.y0, band.y1) == (5.0, 8.0)


def test_breakdown_sorted_with_links_and_empty_groups_dropped():
    rows = [
        BreakdownRow(key=1, label="Cơ khí", numerator=30, denominator=100, value=30.0),
        BreakdownRow(key=2, label="Gốm sứ", numerator=5, denominator=100, value=5.0),
        BreakdownRow(key=3, label="Giấy", numerator=0, denominator=0, value=None),
    ]
    fig = drawn(charts.breakdown_figure(result(), rows, title="By sector", urls=["/a", "/b", "/c"]))
    (bars,) = fig.data
    assert list(bars.y) == ["Gốm sứ", "Cơ khí"]
    assert [url for url, _counts in bars.customdata] == ["/b", "/a"]
    assert [counts for _url, counts in bars.customdata] == ["5/100", "30/100"]
    assert list(bars.marker.color) == [charts.VERMILLION, charts.GREEN]  # below / above expected 20%
    assert [shape.x0 for shape in fig.layout.shapes] == [50.0, 20.0]


def test_outputs_grouped_by_year():
    fig = drawn(charts.outputs_figure({2012: {"surveys": 30}, 2011: {"surveys": 4}}, {"surveys": "Surveys"}))
    (bars,) = fig.data
    assert list(bars.x) == ["2011", "2012"]
    assert list(bars.y) == [4, 30]


def test_figure_json_is_plain_data():
    data = charts.figure_json(charts.breakdown_figure(result(), [link_row()], title="By sector"))
    assert data["data"][0]["x"] == [30.0]
    assert data["layout"]["title"]["text"] == "By sector"
    trend = charts.figure_json(charts.trend_figure(result(), POINTS))
    assert trend["data"][0]["x"] == ["2011-12-31", "2012-12-31"]
    # No title of its own: the card's heading names it, and is its figure's accessible name.
    assert "title" not in trend["layout"]


# --- The annual results report ----------------------------------------------------------------------


def test_newly_aware_bars_highest_first_with_the_overall_line():
    rows = [
        BreakdownRow(key="Cơ khí", label="Cơ khí", numerator=2, denominator=25, value=8.0),
        BreakdownRow(key="Dệt may", label="Dệt may", numerator=3, denominator=25, value=12.0),
        BreakdownRow(key="Giấy", label="Giấy", numerator=0, denominator=0, value=None),
    ]
    fig = drawn(charts.newly_aware_figure(rows, overall=10.0, title="Newly aware", language="vi"))
    (bars,) = fig.data
    assert list(bars.y) == ["Dệt may", "Cơ khí"]
    assert list(bars.x) == [12.0, 8.0]
    assert [list(pair) for pair in bars.customdata] == [[3, 25], [2, 25]]
    assert fig.layout.yaxis.autorange == "reversed"  # first row on top
    assert [shape.x0 for shape in fig.layout.shapes] == [10.0]
    assert fig.layout.separators == ",."
    assert fig.layout.height and fig.layout.dragmode is False  # fixed size, nothing to zoom on paper


def test_newly_aware_without_overall_has_no_line():
    fig = drawn(charts.newly_aware_figure([], overall=None))
    assert list(fig.layout.shapes) == []


def test_surveys_by_area_bars_in_the_given_order():
    fig = drawn(charts.surveys_by_area_figure([("Quang Minh", 12), ("Từ Liêm", 9), ("not in a production area", 2)]))
    (bars,) = fig.data
    assert list(bars.y) == ["Quang Minh", "Từ Liêm", "not in a production<br>area"]  # wrapped: charts.LABEL_WRAP
    assert list(bars.x) == [12, 9, 2]
    assert fig.layout.height == 220  # at least
    six = drawn(charts.surveys_by_area_figure([(f"Area {i}", i) for i in range(6)]))
    assert six.layout.height == 30 * 6 + 110  # fixed by the rows, not the screen


def test_targets_progress_marks_target_and_expected_now():
    results = [
        result(),
        result(
            target_id=2,
            indicator="saving",
            value=None,
            target_min=5.0,
            target_max=8.0,
            expected_now=2.0,
            status="no_data",
        ),
    ]
    fig = drawn(charts.targets_progress_figure(["Aware", "Saving"], results, title="Progress"))
    bars, target, expected = fig.data
    assert list(bars.y) == ["Aware", "Saving"]
    assert list(bars.x) == [15.0, None]  # no bar without data
    assert list(bars.marker.color) == [charts.ORANGE, charts.GREY]  # at risk, no data
    assert list(target.x) == [50.0, 5.0]
    assert list(target.error_x.array) == [0, 3.0]  # a range reaches its upper end
    assert list(expected.x) == [20.0, 2.0]
    assert [trace.name for trace in (target, expected)] == ["target", "expected now"]
    assert fig.layout.xaxis.range[1] <= 100


# --- Names are shown as text, never read as markup (D11) --------------------------------------------

LINK = '<a href="https://evil.example/">Cơ khí</a>'
SHOWN = '&lt;a href="https://evil.example/"&gt;Cơ khí&lt;/a&gt;'  # what Plotly shows as the text itself


def strings(data: object) -> list[str]:
    """Every string in a figure's JSON."""
    if isinstance(data, str):
        return [data]
    if isinstance(data, dict):
        return [s for value in data.values() for s in strings(value)]
    if isinstance(data, list):
        return [s for value in data for s in strings(value)]
    return []


def assert_no_markup_from(fig, name: str = LINK) -> None:
    # <br>: cpdash's own line breaks in a long name (charts.wrapped), not markup from the name.
    found = [s.replace("<br>", " ") for s in strings(charts.figure_json(fig))]
    assert not [s for s in found if "<a" in s], "a name became a link"
    assert any(SHOWN in s for s in found), f"the name is missing: {found}"


def link_row(value: float = 30.0) -> BreakdownRow:
    return BreakdownRow(key=1, label=LINK, numerator=30, denominator=100, value=value)


def test_breakdown_labels_are_text():
    fig = drawn(charts.breakdown_figure(result(), [link_row()], title=f"By sector {LINK}", urls=["/a"]))
    assert [y.replace("<br>", " ") for y in fig.data[0].y] == [SHOWN]
    assert fig.layout.title.text.replace("<br>", " ") == f"By sector {SHOWN}"
    assert_no_markup_from(fig)


def test_newly_aware_and_surveys_by_area_labels_are_text():
    assert_no_markup_from(drawn(charts.newly_aware_figure([link_row()], overall=10.0, title="Newly aware")))
    assert_no_markup_from(drawn(charts.surveys_by_area_figure([(LINK, 3)])))


def test_outputs_labels_are_text():
    assert_no_markup_from(drawn(charts.outputs_figure({2012: {"surveys": 30}}, {"surveys": LINK})))


def test_plain_escapes_markup_only():
    assert charts.plain("Bát Tràng & Kim Lan <b>") == "Bát Tràng &amp; Kim Lan &lt;b&gt;"
    assert charts.plain('"quoted"') == '"quoted"'


def test_a_saving_trend_draws_its_target_band_not_a_path_from_zero():
    saving = result(indicator="saving", target_min=5.0, target_max=8.0, value=6.4, baseline=0.0)
    fig = drawn(charts.trend_figure(saving, POINTS))
    assert [trace.name for trace in fig.data] == ["actual"]
    (band,) = fig.layout.shapes
    assert (band.y0, band.y1) == (5.0, 8.0)
    single = drawn(charts.trend_figure(result(indicator="saving", target_min=5.0, value=6.4), POINTS))
    assert [(shape.y0, shape.y1) for shape in single.layout.shapes] == [(5.0, 5.0)]


def test_breakdown_labels_are_written_as_the_language_writes_numbers_and_fit():
    rows = [BreakdownRow(key=1, label="Dệt may", numerator=1580, denominator=3550, value=44.5)]
    vi = drawn(charts.breakdown_figure(result(), rows, title="t", language="vi"))
    en = drawn(charts.breakdown_figure(result(), rows, title="t", language="en"))
    assert [a.text for a in vi.layout.annotations if a.xref == "paper"] == ["44,5%"]
    assert [a.text for a in en.layout.annotations if a.xref == "paper"] == ["44.5%"]
    assert vi.data[0].customdata[0][1] == "1.580/3.550"  # in the hover text
    assert en.data[0].customdata[0][1] == "1,580/3,550"


def test_empty_outputs_keep_a_count_axis_from_zero():
    fig = drawn(charts.outputs_figure({2012: {}, 2013: {}}, {"workshops": "Workshops"}))
    assert fig.layout.yaxis.rangemode == "nonnegative"


@pytest.mark.parametrize(("top", "dtick"), [(0, 1), (3, 1), (9, 1), (10, None), (400, None)])
def test_a_count_axis_ticks_whole_numbers(top, dtick):
    """Every count 0 (the demo's current phase) or a few: one tick per count, not 0, 0, 0, 1, 1."""
    fig = drawn(charts.outputs_figure({2012: {"workshops": top}, 2013: {}}, {"workshops": "Workshops"}))
    assert fig.layout.yaxis.dtick == dtick


# --- Labels that fit (issue 12: bar labels ran into the target line and were clipped; titles were cut) -------


def test_breakdown_values_stand_in_a_column_right_of_the_plot_clear_of_the_lines():
    rows = [
        BreakdownRow(key=1, label="Dệt may", numerator=1580, denominator=3550, value=44.5),
        BreakdownRow(key=2, label="Giấy", numerator=100, denominator=100, value=100.0),
    ]
    fig = drawn(charts.breakdown_figure(result(target_min=50.0), rows, title="t", language="vi"))
    values = [a for a in fig.layout.annotations if a.text.endswith("%")]
    assert [(a.y, a.text) for a in values] == [("Dệt may", "44,5%"), ("Giấy", "100,0%")]
    # Right of the plot area (paper x 1, anchored left), where no line is drawn, and inside the margin.
    assert {(a.xref, a.x, a.xanchor) for a in values} == {("paper", 1, "left")}
    assert fig.layout.margin.r >= 8 * len("100,0%")
    assert fig.data[0].textposition == "none"  # nothing written over the bars or the lines
    assert tuple(fig.layout.xaxis.range) == (0, 100)


def test_long_titles_and_names_wrap_instead_of_running_out_of_the_figure():
    long_name = "không thuộc khu vực sản xuất nào"
    rows = [BreakdownRow(key=None, label=long_name, numerator=1, denominator=4, value=25.0)]
    fig = drawn(
        charts.breakdown_figure(result(), rows, title="Theo loại khu vực sản xuất, tính đến hôm nay", language="vi")
    )
    title_lines = fig.layout.title.text.split("<br>")
    assert len(title_lines) == 2 and all(len(line) <= charts.TITLE_WRAP for line in title_lines)
    assert fig.layout.title.automargin is True  # the top margin grows to hold it
    assert (fig.layout.title.x, fig.layout.title.xanchor) == (0, "left")  # clear of the toolbar on the right
    (name,) = fig.data[0].y
    assert name.replace("<br>", " ") == long_name
    assert all(len(line) <= charts.LABEL_WRAP for line in name.split("<br>"))
    assert fig.layout.yaxis.automargin is True
    assert fig.layout.height >= charts.row_height([name]) + 110
    assert charts.row_height([name]) > charts.row_height(["Giấy"])


def test_wrapped_escapes_each_line_and_keeps_a_long_word_whole():
    assert charts.wrapped("a <b> c", 3) == "a<br>&lt;b&gt;<br>c"
    assert charts.wrapped("Supercalifragilistic", 5) == "Supercalifragilistic"
    assert charts.wrapped("", 5) == ""


# --- Figures as plotly reads them -------------------------------------------------------------------


def every_figure() -> dict[str, object]:
    """One of each figure the module builds, over the data of the tests above."""
    from tests.targets.test_charts_funnel import _steps

    rows = [
        BreakdownRow(key=1, label="Cơ khí", numerator=30, denominator=100, value=30.0),
        BreakdownRow(key=2, label=LINK, numerator=5, denominator=100, value=5.0),
        BreakdownRow(key=3, label="Giấy", numerator=0, denominator=0, value=None),
    ]
    saving = result(indicator="saving", target_min=5.0, target_max=8.0, value=None, status="no_data")
    return {
        "trend": charts.trend_figure(result(), POINTS, language="vi"),
        "trend, a range": charts.trend_figure(saving, POINTS),
        "trend, after its deadline": charts.trend_figure(result(as_of=dt.date(2016, 1, 1)), POINTS),
        "breakdown": charts.breakdown_figure(result(), rows, title="By sector", urls=["/a", "/b", "/c"]),
        "outputs": charts.outputs_figure({2012: {"surveys": 30}, 2011: {"surveys": 4}}, {"surveys": "Surveys"}),
        "funnel": charts.funnel_figure(
            _steps(1200, 90), ["/a", "/b"], label="31/12/2013", earlier=_steps(1100, 40), earlier_urls=["/c", "/d"]
        ),
        "funnel, printable": charts.funnel_figure(_steps(1200, 90, 30), ["/a", "/b", "/c"], printable=True),
        "newly aware": charts.newly_aware_figure(rows, overall=10.0, title="Newly aware", language="vi"),
        "surveys by area": charts.surveys_by_area_figure([("Quang Minh", 12), (LINK, 2)]),
        "targets progress": charts.targets_progress_figure(["Aware", "Saving"], [result(), saving], title="Progress"),
    }


def test_plotly_reads_every_figure_and_refuses_a_misspelt_property():
    """The figures are plain data, built without plotly's graph objects (charts.Figure):
    plotly reads each one's JSON, checking every property against its schema."""
    for name, fig in every_figure().items():
        assert drawn(fig).data, name
    misspelt = charts.Figure(charts.bar(x=[1], colour="red"))
    with pytest.raises(ValueError, match="colour"):
        drawn(misspelt)


def test_a_figure_s_lines_and_layout_are_those_plotly_would_draw():
    """Figure's methods give what plotly's own do: a line across the plot (add_vline and
    add_hline), and update_layout merging a dictionary into the one it updates."""
    ours, theirs = charts.Figure(), go.Figure(layout={"template": charts.TEMPLATE})
    for fig in (ours, theirs):
        fig.add_vline(x=20.0, line={"color": charts.GREY, "dash": "dot"}, layer="below")
        fig.add_hline(y=5.0, line={"color": charts.BLACK})
        fig.add_annotation(x=20.0, y=1, yref="paper", text="target", showarrow=False)
        fig.update_layout(xaxis={"range": [0, 100]}, margin={"l": 10})
        fig.update_layout(xaxis={"fixedrange": True}, margin={"r": 5}, dragmode=False)

    assert charts.figure_json(ours) == charts.figure_json(theirs)


def test_every_figure_carries_the_template_of_the_plots_it_draws():
    """Each figure's template is plotly's default less what maps, 3D, polar plots and colour
    scales read (7 kB of JSON a figure), for the trace types the figures draw: a figure
    drawing another type would lose its default look, and fails here."""
    default = pio.templates["plotly"].to_plotly_json()
    for name, fig in every_figure().items():
        data = charts.figure_json(fig)
        assert {trace["type"] for trace in data["data"]} <= set(charts.TRACE_TYPES), name
        template = data["layout"]["template"]
        assert template["data"] == {kind: default["data"][kind] for kind in charts.TRACE_TYPES}
        assert template["layout"] == {k: v for k, v in default["layout"].items() if k not in charts.OTHER_PLOTS}
        assert "xaxis" in template["layout"] and "polar" not in template["layout"]
    assert charts._template() == charts.TEMPLATE  # every figure's, changed by none
    fig = charts.Figure()
    fig.update_layout(template={"layout": {"font": {"size": 30}}})
    assert fig["layout"]["template"]["layout"]["font"]["size"] == 30
    assert charts._template() == charts.TEMPLATE  # each figure has its own copy
