"""Counts on the dashboard and the results report are grouped as the language writes them:
"12.345" in Vietnamese, "12,345" in English (docs/data-model.md), with ``floatformat:"g"``
(USE_THOUSAND_SEPARATOR is off). Inside a blocktranslate only the variable's value changes,
so the Vietnamese translation still applies: the Vietnamese sentences below are the
msgstr's, with their counts grouped.

Large numbers come from a rendered context (the partials) or from the dashboard's data
with its counts raised (the page), never from thousands of facilities, so each test is quick.
A "—" for a count that does not exist (None) stays a "—".
"""

import dataclasses
import datetime as dt
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext

from targets import dashboard
from targets.dashboard import FunnelPanel, FunnelRow
from targets.editions import RecordRow
from targets.figures import BreakdownRow, SavingEvidence
from targets.funnel import Funnel, FunnelStep
from targets.maps import MapUnit
from tests import builders as b

D = dt.date
AS_OF = D(2012, 12, 31)
COMPARE = D(2011, 12, 31)
LANGUAGES = ["en", "vi"]


def grouped(number: int, language: str) -> str:
    """``number`` with its thousands grouped as ``language`` writes them."""
    return f"{number:,}".replace(",", "." if language == "vi" else ",")


def render(template: str, context: dict, language: str) -> str:
    with translation.override(language):
        return render_to_string(template, context)


# --- The dashboard page: its data with the counts raised -------------------------------------------


@pytest.fixture
def dashboard_page(manager_client, monkeypatch):
    """The dashboard of a phase with one awareness target, its counts raised to thousands
    (completeness, the card's counted and still needed, the outputs by year); returns
    page(language) -> the page's HTML."""
    phase = b.phase(b.programme())
    b.target(phase, indicator="awareness", target_min=50, baseline_on=D(2011, 1, 1), baseline_value=0)
    b.facility()
    real = dashboard.dashboard_data

    def raised(**kwargs):
        data = real(**kwargs)
        data["completeness"] = dataclasses.replace(
            data["completeness"],
            facilities=100000,
            reached=61234,
            never_reached=38766,
            never_reached_percent=38.8,
            surveyed=12345,
        )
        data["cards"] = [
            dataclasses.replace(
                card,
                result=dataclasses.replace(card.result, numerator=61234, denominator=100000, needed_facilities=23456),
            )
            for card in data["cards"]
        ]
        data["output_rows"] = [(label, [45678] * len(values)) for label, values in data["output_rows"]]
        return data

    monkeypatch.setattr(dashboard, "dashboard_data", raised)

    def page(language: str) -> str:
        manager_client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
        response = manager_client.get(reverse("targets:dashboard"), {"phase": phase.pk, "as_of": "2012-12-31"})
        assert response.status_code == 200
        return response.content.decode()

    return page


COMPLETENESS = {
    "en": (
        "Of 100,000 facilities in scope, 61,234 have been reached at least once; "
        "<strong>38,766 (38.8%) have never been reached</strong>",
        "12,345 have had a CP survey.",
    ),
    "vi": (
        "Trong số 100.000 cơ sở thuộc phạm vi, 61.234 cơ sở đã được tiếp cận ít nhất một lần; "
        "<strong>38.766 cơ sở (38,8%) chưa từng được tiếp cận</strong>",
        "12.345 cơ sở đã được khảo sát SXSH.",
    ),
}


@pytest.mark.parametrize("language", LANGUAGES)
def test_dashboard_completeness_sentence_groups_its_counts(dashboard_page, language):
    page = dashboard_page(language)
    for part in COMPLETENESS[language]:
        assert part in page


@pytest.mark.parametrize("language", LANGUAGES)
def test_dashboard_card_counted_and_still_needed_are_grouped(dashboard_page, language):
    page = dashboard_page(language)
    assert f"{grouped(61234, language)} / {grouped(100000, language)}</a></dd>" in page
    assert f"<dd>{grouped(23456, language)}</dd>" in page


@pytest.mark.parametrize("language", LANGUAGES)
def test_dashboard_outputs_by_year_are_grouped(dashboard_page, language):
    page = dashboard_page(language)
    assert f'<td class="num">{grouped(45678, language)}</td>' in page
    assert '<td class="num">45678</td>' not in page


# --- The pathway funnel: the dashboard's panel and the report's table -------------------------------


def step(key: str, facilities: int, went_on: int | None, otherwise: int) -> FunnelStep:
    return FunnelStep(key, key, facilities, went_on, None if went_on is None else 54.3, otherwise, None)


def funnel() -> Funnel:
    return Funnel(
        as_of=AS_OF,
        saving_min=Decimal("5"),
        steps=[step("in_scope", 100000, None, 0), step("aware", 61234, 54321, 6913)],
        compare=COMPARE,
        earlier=[step("in_scope", 90000, None, 0), step("aware", 50123, 45000, 5123)],
    )


@pytest.mark.parametrize("language", LANGUAGES)
def test_dashboard_funnel_groups_facilities_went_on_and_otherwise(language):
    f = funnel()
    rows = [
        FunnelRow(now, f"/now/{now.key}", before, f"/before/{now.key}", change, points)
        for now, before, change, points in f.rows
    ]
    page = render("targets/_funnel.html", {"panel": FunnelPanel(f, rows, {})}, language)
    assert f'<a href="/now/in_scope">{grouped(100000, language)}</a>' in page
    assert f'<a href="/before/in_scope">{grouped(90000, language)}</a>' in page
    assert f'<td class="num">{grouped(54321, language)}</td>' in page  # went on
    assert f'<td class="num">{grouped(6913, language)}</td>' in page  # at this step without the previous one
    # The first step has no "went on" nor "otherwise": still a dash.
    assert page.count('<td class="num">—</td>') >= 2


@pytest.mark.parametrize("language", LANGUAGES)
def test_report_funnel_table_groups_facilities_on_both_days(language):
    page = render("targets/_report_funnel_table.html", {"f": funnel()}, language)
    assert f'<td class="num">{grouped(100000, language)}</td>' in page
    assert f'<td class="num">{grouped(90000, language)}</td>' in page


# --- The map's table -------------------------------------------------------------------------------


@pytest.mark.parametrize("language", LANGUAGES)
def test_map_table_groups_counted_and_of_on_both_days(language):
    def unit(name, before_value):
        return MapUnit(
            unit_id=1,
            name=name,
            code=name,
            grid_row=None,
            grid_col=None,
            numerator=12345,
            denominator=23456,
            value=52.6,
            url="/units/1",
            before_numerator=11111 if before_value is not None else None,
            before_denominator=22222 if before_value is not None else None,
            before_value=before_value,
        )

    unit_map = SimpleNamespace(
        label="Awareness",
        target_id=1,
        as_of=AS_OF,
        compare=COMPARE,
        drawn_as="tiles",
        unplaced=[],
        is_saving=False,
        units=[unit("Gia Lâm", 50.0), unit("Ba Vì", None)],
        elsewhere=[BreakdownRow(None, "Elsewhere", 3456, 7890, 43.8)],
    )
    context = {"unit_map": unit_map, "map_targets": [], "query_without_map": "", "map_figure": None}
    page = render("targets/_map.html", context, language)
    assert f'<td class="num">{grouped(12345, language)} / {grouped(23456, language)}</td>' in page
    before = "50,0" if language == "vi" else "50.0"
    assert f"{before} ({grouped(11111, language)} / {grouped(22222, language)})" in page
    assert f'<td class="num">{grouped(3456, language)} / {grouped(7890, language)}</td>' in page
    # A unit without a value on the day compared with keeps its dash.
    assert '<td class="num">—</td>' in page


# --- The report's sections ------------------------------------------------------------------------


def report_sections(language: str) -> str:
    report = SimpleNamespace(
        outputs={"leaflets": 5000, "results_reports": 1234},
        events=[SimpleNamespace(kind="workshop", label="workshops", count=2345, participants=100000, listed=999)],
        figures={"newly_aware": None, "surveys": None},
        newly_aware=[],
        newly_aware_total=BreakdownRow("total", "Total", 0, 0, None),
        surveys_by_area=[SimpleNamespace(label="Kim Lan", surveys=3456, facilities=4567)],
        support=[SimpleNamespace(label="technique", supports=5678, facilities=6789)],
        models=[],
        replications=[],
        application=SimpleNamespace(numerator=61234, denominator=100000, value=61.2),
        savings_rows=[("energy", SimpleNamespace(measured=7890, q1=4.0, median=5.5, q3=7.0))],
    )
    return render("targets/_report_sections.html", {"r": report, "table_class": "data"}, language)


@pytest.mark.parametrize("language", LANGUAGES)
def test_report_results_reports_and_events_are_grouped(language):
    page = report_sections(language)
    assert f'<td class="num">{grouped(1234, language)}</td><td></td><td></td>' in page  # results reports
    assert f'<td class="num">{grouped(2345, language)}</td><td class="num">{grouped(100000, language)}</td>' in page


@pytest.mark.parametrize("language", LANGUAGES)
def test_report_surveys_and_support_are_grouped(language):
    page = report_sections(language)
    assert f'<td class="num">{grouped(3456, language)}</td><td class="num">{grouped(4567, language)}</td>' in page
    assert f'<td class="num">{grouped(5678, language)}</td><td class="num">{grouped(6789, language)}</td>' in page


APPLICATION = {
    "en": "Facilities applying CP at the end of the period: 61,234 of 100,000 (61.2%).",
    "vi": "Cơ sở áp dụng SXSH vào cuối kỳ: 61.234/100.000 (61,2%).",
}


@pytest.mark.parametrize("language", LANGUAGES)
def test_report_application_sentence_groups_its_counts(language):
    assert APPLICATION[language] in report_sections(language)


@pytest.mark.parametrize("language", LANGUAGES)
def test_report_facilities_measured_are_grouped(language):
    assert f'<td class="num">{grouped(7890, language)}</td>' in report_sections(language)


# --- A saving card's evidence ---------------------------------------------------------------------

EVIDENCE = {
    "en": ("9,876 of 12,345 verified", "1,111 audited, 2,222 measured, 3,333 estimated, 5,679 self-reported"),
    "vi": ("9.876/12.345 đã kiểm chứng", "1.111 đã kiểm toán, 2.222 đo đạc, 3.333 ước tính, 5.679 tự báo cáo"),
}


@pytest.mark.parametrize("language", LANGUAGES)
def test_saving_evidence_groups_its_counts(language):
    evidence = SavingEvidence(
        verified_only=False,
        counted=12345,
        verified=9876,
        self_reported=5679,
        estimated=3333,
        measured=2222,
        audited=1111,
    )
    page = render("targets/_saving_evidence.html", {"e": evidence}, language)
    for part in EVIDENCE[language]:
        assert part in page


# --- Published against live: the records that moved ------------------------------------------------


@pytest.mark.parametrize("language", LANGUAGES)
def test_report_changes_groups_the_records_entered(language):
    with translation.override(language):
        entered = gettext("Entered")
    rows = [RecordRow(1, "F001", "Cơ sở 1", None)]
    figure = SimpleNamespace(label="Aware", entered_count=12345, left_count=0, sides=[(entered, rows, 12345)])
    edition = SimpleNamespace(number=3, published_at=dt.datetime(2013, 2, 1, 9, 0, tzinfo=dt.UTC), as_of=AS_OF)
    context = {"year": 2012, "edition": edition, "figures": [], "sentences": [], "records": [figure]}
    page = render("targets/report_changes.html", context, language)
    assert f"<caption>{entered}: {grouped(12345, language)} (" in page
