"""The report's charts as SVG (for the PDF): plain data in, SVG text out; no request, no database."""

import xml.etree.ElementTree as ET

import pytest
from django.utils import translation

from targets import charts, svg
from targets.annual_report import AreaRow
from targets.figures import BreakdownRow
from tests.targets.test_charts import result

NS = {"svg": "http://www.w3.org/2000/svg"}
LINK = '<a href="/x">x</a>'


def parse(text: str) -> ET.Element:
    root = ET.fromstring(text)
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    assert root.get("font-family") == "Noto Sans, Noto Sans Math"  # the PDF's bundled fonts
    return root


def texts(root: ET.Element) -> list[str]:
    return [element.text or "" for element in root.iterfind(".//svg:text", NS)]


def bars(root: ET.Element) -> list[ET.Element]:
    return root.findall(".//svg:rect", NS)


@pytest.mark.parametrize(("top", "step"), [(100, 20), (18.6, 5), (5, 1), (1, 0.2), (7, 2), (12, 2.5), (3000, 1000)])
def test_nice_step(top, step):
    assert svg.nice_step(top) == pytest.approx(step)


def sectors() -> list[BreakdownRow]:
    return [
        BreakdownRow(1, "Dệt may", 27, 346, 7.8),
        BreakdownRow(2, "Giấy", 11, 59, 18.6),
        BreakdownRow(3, "Empty", 0, 0, None),
    ]


def test_newly_aware_bars_highest_first_proportional_with_their_values():
    with translation.override("vi"):
        root = parse(svg.newly_aware_svg(sectors(), BreakdownRow(None, "All", 38, 405, 9.4)))
    widths = [float(rect.get("width")) for rect in bars(root)]
    assert len(widths) == 2  # the sector without facilities has no bar
    assert widths[0] / widths[1] == pytest.approx(18.6 / 7.8, rel=1e-2)
    found = texts(root)
    assert found.index("Giấy") < found.index("Dệt may")
    assert "18,6% (11/59)" in found and "7,8% (27/346)" in found  # numbers as Vietnamese writes them
    assert "Empty" not in found
    assert "tất cả các ngành" in found  # the all-sectors line's label


def test_surveys_in_the_reports_order():
    rows = [AreaRow(1, "KCN Thăng Long", "industrial_park", 9, 8), AreaRow(None, "elsewhere", "", 1200, 1100)]
    with translation.override("en"):
        found = texts(parse(svg.surveys_svg(rows)))
    assert found.index("KCN Thăng Long") < found.index("elsewhere")
    assert "1,200" in found


def test_targets_in_status_colours_with_target_ticks_and_expected_diamonds():
    results = [
        result(),
        result(target_id=2, value=None, status="no_data", status_label="no data"),
        result(target_id=3, value=6.5, target_min=5, target_max=8, status="met", status_label="met"),
    ]
    root = parse(svg.targets_svg(results))
    assert [rect.get("fill") for rect in bars(root)] == [charts.STATUS_COLOURS["at_risk"], charts.BLUE]
    assert len(root.findall(".//svg:path", NS)) == 3  # a diamond per target
    found = texts(root)
    assert "15% · at risk" in found and "no data · no data" in found and "6.5% · met" in found
    # The range 5–8 % as a line from its lower to its upper end, beside each target's tick.
    thick = [line for line in root.findall(".//svg:line", NS) if line.get("stroke-width") == "3"]
    assert len(thick) == 4


def test_every_name_is_text_never_markup():
    root = parse(svg.newly_aware_svg([BreakdownRow(1, LINK, 1, 2, 50.0)], BreakdownRow(None, "All", 1, 2, 50.0)))
    assert LINK in texts(root)
    assert root.find(".//svg:a", NS) is None


def test_report_svgs_only_what_has_data():
    class Report:
        targets = [result()]
        newly_aware = [BreakdownRow(1, "Giấy", 0, 0, None)]
        newly_aware_total = BreakdownRow(None, "All", 0, 0, None)
        surveys_by_area = []

    assert set(svg.report_svgs(Report())) == {"targets"}
