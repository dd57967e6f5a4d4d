"""The funnel's chart and the comparison marks on breakdown charts: plain data in, figure out."""

import datetime as dt

from django.template import Context, Template
from django.utils import translation

from targets import arithmetic, charts
from targets.figures import BreakdownRow, TargetResult
from targets.funnel import FunnelStep
from tests.targets.test_charts import drawn


def _steps(*counts: int) -> list[FunnelStep]:
    steps = []
    for i, count in enumerate(counts):
        conversion = arithmetic.round1(arithmetic.percent(count, counts[i - 1])) if i else None
        steps.append(FunnelStep(f"s{i}", f"step <{i}>", count, count if i else None, conversion, 0, None))
    return steps


def test_one_bar_per_step_each_a_link():
    figure = drawn(charts.funnel_figure(_steps(1200, 90, 30, 6), ["/a", "/b", "/c", "/d"], label="31/12/2013"))
    (bars,) = figure.data
    assert list(bars.x) == [1200, 90, 30, 6]
    assert list(bars.customdata) == ["/a", "/b", "/c", "/d"]
    assert list(bars.text) == ["1,200", "90 (7.5%)", "30 (33.3%)", "6 (20.0%)"]
    assert bars.y[1] == "Step &lt;1&gt;"  # labels are shown as text, never as markup
    assert figure.layout.showlegend is False


def test_two_dates_side_by_side_in_vietnamese():
    figure = drawn(
        charts.funnel_figure(
            _steps(1200, 90),
            ["/now0", "/now1"],
            label="31/12/2013",
            earlier=_steps(1100, 40),
            earlier_urls=["/then0", "/then1"],
            earlier_label="31/12/2012",
            language="vi",
        )
    )
    earlier, now = figure.data
    assert (earlier.name, now.name) == ("31/12/2012", "31/12/2013")
    assert list(earlier.customdata) == ["/then0", "/then1"]
    assert list(now.text) == ["1.200", "90 (7,5%)"]
    assert figure.layout.showlegend is True


def _result() -> TargetResult:
    return TargetResult(
        1, "awareness", "aware", "", "to 2015", "%", dt.date(2012, 12, 31), 15.0, 15, 100, 50.0, None,
        dt.date(2015, 12, 31), 0.0, dt.date(2011, 1, 1), 20.0, "off_track", "off track", None, None, 0, None, 0.0,
    )  # fmt: skip


def test_a_breakdown_marks_the_earlier_value_and_the_change():
    rows = [BreakdownRow(1, "A", 10, 50, 20.0), BreakdownRow(2, "B", 5, 50, 10.0)]
    earlier = [BreakdownRow(1, "A", 4, 40, 10.0), None]
    figure = drawn(charts.breakdown_figure(_result(), rows, title="t", earlier=earlier, earlier_label="31/12/2011"))
    bars, marks = figure.data
    assert list(bars.text) == ["10.0% · new", "20.0% · +10.0 pts, +6"]
    assert list(marks.x) == [10.0] and list(marks.y) == ["A"]


def test_signed_numbers():
    assert charts.signed(-2, 0, "en") == "\N{MINUS SIGN}2"
    assert charts.signed(1234.5, 1, "vi") == "+1.234,5"
    assert charts.signed(0, 0, "en") == "0"
    assert arithmetic.difference(15.0, 5.9) == 9.1
    assert arithmetic.difference(None, 5.9) is None


def test_the_signed_template_filter():
    template = Template("{% load deltas %}{{ a|signed }} {{ b|signed:1 }} {{ c|signed }} {{ d|signed }}")
    context = Context({"a": 1234, "b": -0.25, "c": 0, "d": None})
    with translation.override("vi"):
        assert template.render(context) == "+1.234 \N{MINUS SIGN}0,3 0 —"
    with translation.override("en"):
        assert template.render(context) == "+1,234 \N{MINUS SIGN}0.3 0 —"
