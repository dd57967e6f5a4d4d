"""The CP pathway in the annual results report: its sentences, table, workbook sheet and editions."""

import datetime as dt
import json
from unittest import mock

import pytest
from django.utils import translation

from targets import annual_report as annual
from targets import editions
from targets.funnel import Funnel, FunnelStep

TODAY = dt.date(2026, 1, 1)


@pytest.fixture
def report_2012(interview_year):
    return annual.annual_report(year=2012, today=TODAY)


def test_the_sentences_say_where_the_programme_loses_facilities(report_2012):
    assert report_2012.funnel_sentences == [
        "On 31 December 2012, of 100 facilities in scope: 15 aware of CP, 2 surveyed, 1 given technical support, "
        "6 applying CP, 6 reaching the target saving, 1 replicating a demonstration model.",
        "The programme loses the most facilities after “aware of CP”: of 15 facilities at that step, "
        "2 went on to “surveyed” (13%).",
        "Since 31 December 2011: −2 in scope, +9 aware of CP, +2 surveyed, +1 given technical support, "
        "+6 applying CP, +6 reaching the target saving, +1 replicating a demonstration model.",
    ]
    # They are part of the report's text (its first sheet, editions' comparisons).
    assert set(report_2012.funnel_sentences) <= set(report_2012.sentences)


def test_the_funnel_compares_the_year_ends(report_2012):
    pathway = report_2012.funnel
    assert (pathway.as_of, pathway.compare) == (dt.date(2012, 12, 31), dt.date(2011, 12, 31))
    assert [s.facilities for s in pathway.steps] == [100, 15, 2, 1, 6, 6, 1]
    assert [s.facilities for s in pathway.earlier] == [102, 6, 0, 0, 0, 0, 0]
    assert report_2012.figures["funnel"]["data"][1]["x"] == [100, 15, 2, 1, 6, 6, 1]


def test_in_vietnamese(interview_year):
    with translation.override("vi"):
        report = annual.annual_report(year=2012, today=TODAY)
    first, loss, change = report.funnel_sentences
    assert first.startswith("Ngày 31/12/2012, trong 100 cơ sở thuộc phạm vi: 15 có nhận thức về SXSH")
    assert loss.startswith("Chương trình mất nhiều cơ sở nhất sau bước “có nhận thức về SXSH”")
    assert change.startswith("So với ngày 31/12/2011: −2 trong phạm vi, +9 có nhận thức về SXSH")


def test_the_workbook_has_the_pathway(report_2012):
    book = annual.report_databook(report_2012)
    sheet = next(s for s in book.sheets() if s.title == "CP pathway")
    assert sheet.headers[:4] == ["Step", "Facilities on 31 December 2012", "Facilities on 31 December 2011", "Change"]
    assert [row[1] for row in sheet] == [100, 15, 2, 1, 6, 6, 1]
    assert [row[3] for row in sheet] == [-2, 9, 2, 1, 6, 6, 1]


def test_the_page_shows_the_pathway(manager_client, interview_year):
    content = manager_client.get("/reports/2012/?live=1").content.decode()
    assert 'id="report-funnel-title"' in content
    assert "The programme loses the most facilities after" in content


def _table(html: str) -> str:
    """The CP pathway's table in a rendered report: from its <table> to its </table>, white space folded."""
    start = html.index("<table", html.index("The CP pathway</h2>"))
    return " ".join(html[start : html.index("</table>", start) + len("</table>")].split())


def test_the_page_and_the_pdf_write_the_same_table(manager_client, interview_year, report_2012):
    page = _table(manager_client.get("/reports/2012/?live=1").content.decode())
    with mock.patch("targets.report_pdf.HTML") as weasyprint:
        weasyprint.return_value.render.return_value.write_pdf.return_value = b"%PDF-"
        assert manager_client.get("/reports/2012.pdf?live=1").status_code == 200
    pdf = _table(weasyprint.call_args.kwargs["string"])
    # The page's table is styled and named by its title; the PDF's has its own style sheet.
    styled = '<table class="data" aria-labelledby="report-funnel-title">'
    assert page.startswith(styled)
    assert pdf.startswith("<table> <thead>")
    assert page.removeprefix(styled) == pdf.removeprefix("<table>")
    assert (
        '<th scope="row">Surveyed</th> <td class="num">2</td> <td class="num">0</td><td class="num">+2</td> '
        '<td class="num">13.3%</td> <td class="num">0</td>' in pdf
    )


def test_an_edition_keeps_its_pathway(report_2012):
    payload = editions.dumps({"en": report_2012})
    loaded = editions.loads(payload, "en")
    assert loaded.funnel == report_2012.funnel
    assert isinstance(loaded.funnel, Funnel) and isinstance(loaded.funnel.steps[0], FunnelStep)
    assert loaded.sentences == report_2012.sentences


def test_an_edition_published_before_the_funnel_still_opens(report_2012):
    stored = json.loads(editions.dumps({"en": report_2012}))
    for key in ("funnel", "funnel_sentences"):
        del stored["en"][key]
    loaded = editions.loads(json.dumps(stored), "en")
    assert loaded.funnel is None and loaded.funnel_sentences == []
    assert loaded.sentences == [*report_2012.narrative, *report_2012.target_sentences]
    assert not any(key.startswith("funnel/") for key in editions.report_numbers(loaded))
