"""The yearly results report: its figures on the interview year (worked out by hand
from the fixture in tests/targets/conftest.py), and its sentences, mostly without a database."""

import datetime as dt

import pytest
from django.utils import translation

from targets import annual_report as annual
from targets.figures import BreakdownRow, SavingStats, TargetResult
from tests import builders as b

D = dt.date
TODAY = D(2026, 11, 28)


@pytest.fixture
def report_2012(interview_year) -> annual.AnnualReport:
    return annual.annual_report(year=2012, today=TODAY)


# --- The interview year ---------------------------------------------------------------------------


def test_outputs_of_the_year(report_2012):
    """5,000 leaflets to F013; results reports in April, August and December; symposia of
    120 + 100 + 90 people; one workshop of 650 (the 2011 workshop and the 2013 activity fall outside)."""
    outputs = report_2012.outputs
    assert (outputs["leaflets"], outputs["results_reports"], outputs["symposia"], outputs["workshops"]) == (
        5000,
        3,
        3,
        1,
    )
    events = {event.kind: (event.count, event.participants, event.listed) for event in report_2012.events}
    # Listed: one person each from F000–F009 at the April symposium; the others have no list.
    assert events == {"symposium": (3, 310, 10), "workshop": (1, 650, 0), "training": (0, 0, 0)}


def test_newly_aware_by_sector(report_2012):
    """First reached in 2012: F005–F009 (symposium), F010–F011 (surveys), F012 (record),
    F013 (leaflets), F014 (replication) — ten; F000–F004 were reached in 2011. Facility i is
    in sector i % 4, so sector 0 has F008 and F012, sector 1 F005, F009, F013, sector 2
    F006, F010, F014, sector 3 F007, F011; 25 open in-scope facilities in each."""
    rows = {row.label: (row.numerator, row.denominator, row.value) for row in report_2012.newly_aware}
    assert rows == {
        "Cơ khí": (2, 25, 8.0),
        "Dệt may": (3, 25, 12.0),
        "Chế biến thực phẩm": (3, 25, 12.0),
        "Gốm sứ": (2, 25, 8.0),
    }
    total = report_2012.newly_aware_total
    assert (total.numerator, total.denominator, total.value) == (10, 100, 10.0)


def test_sector_shares_roll_up_to_the_total(report_2012):
    rows, total = report_2012.newly_aware, report_2012.newly_aware_total
    assert sum(row.numerator for row in rows) == total.numerator
    assert sum(row.denominator for row in rows) == total.denominator
    # The total is the share of the sums, not the mean of the shares.
    assert total.value == pytest.approx(100 * total.numerator / total.denominator)


def test_surveys_support_and_models(report_2012, interview_year):
    (area,) = report_2012.surveys_by_area
    assert (area.label, area.kind, area.surveys, area.facilities) == ("Quang Minh", "industrial_zone", 2, 2)
    assert sum(row.surveys for row in report_2012.surveys_by_area) == report_2012.outputs["surveys"]
    support = {row.kind: (row.supports, row.facilities) for row in report_2012.support}
    assert support == {"technique": (1, 1), "technology": (1, 1), "process_control": (0, 0)}
    (model,) = report_2012.models
    assert (model.host, model.area, model.unit, model.started_on) == ("Cơ sở 000", "Kim Lan", "Gia Lâm", D(2012, 3, 1))
    (replication,) = report_2012.replications
    assert (replication.facility, replication.replicated_on) == ("Cơ sở 014", D(2012, 5, 30))


def test_application_and_savings_at_year_end(report_2012):
    """6 of 100 applying; best energy saving per facility 5.0, 5.5, 6.0, 6.5, 7.0, 8.0 (F005's
    7.0 beats its 4.0; F003's 2013 solution is too late): Q1 5.625, median 6.25, Q3 6.875."""
    assert (report_2012.application.numerator, report_2012.application.value) == (6, 6.0)
    energy = next(stat for stat in report_2012.savings if stat.resource == "energy")
    assert (energy.measured, energy.q1, energy.median, energy.q3) == (6, 5.6, 6.3, 6.9)
    assert [stat.measured for stat in report_2012.savings if stat.resource != "energy"] == [0, 0]


def test_every_target_of_the_phase_at_year_end(report_2012, interview_year):
    assert report_2012.phase == interview_year.phase.name
    values = {result.indicator: result.value for result in report_2012.targets}
    assert values == {
        "awareness": 15.0,
        "application": 6.0,
        "application_with_saving": 6.0,
        "saving": 6.3,
        "specialist_coverage": 34.5,  # 10 of 29 units
    }
    assert len(report_2012.target_sentences) == len(interview_year.targets)


def test_sentences_read_like_the_interview(report_2012):
    text = " ".join(report_2012.sentences)
    assert (
        "In 2012 the Department of Industry and Trade issued 5,000 CP introduction leaflets, "
        "made 3 reports on the results of CP implementation and organised 3 symposia for 310 participants "
        "and 1 workshop for 650 participants."
    ) in text
    assert (
        "These activities improved CP awareness for 10% of enterprises and production facilities (10 of 100), "
        "in the fields of Chế biến thực phẩm, Dệt may, Cơ khí and Gốm sứ, bringing the share aware of CP to 15%."
    ) in text
    assert "In 2012 CP surveys were conducted at 2 facilities in Quang Minh." in text
    assert "Based on the survey results, 1 facility received support in technique and technology." in text
    assert "at Cơ sở 000 (Kim Lan, Gia Lâm)." in text
    assert "Demonstration models were replicated at 1 facility in 2012." in text
    assert (
        "About 6% of industrial production facilities applied CP solutions, saving 6–7% of energy per unit of product."
    ) in text
    assert "Facilities aware of CP: 15% against a target of 50% by 31 December 2015 — off track." in text
    assert "People's Committees with a CP specialist: 34.5% against a target of 70% by 31 December 2015" in text


def test_sentences_in_vietnamese_group_thousands_with_a_dot(interview_year):
    with translation.override("vi"):
        report = annual.annual_report(year=2012, today=TODAY)
    assert "5.000" in report.narrative[0]


def test_a_year_without_records_reads_sensibly(interview_year):
    report = annual.annual_report(year=2014, today=TODAY)
    assert report.narrative[:5] == [
        "No leaflets, results reports, symposia, workshops or trainings were recorded in 2014.",
        "No enterprise or production facility was newly reached by CP awareness raising in 2014.",
        "No CP surveys were recorded in 2014.",
        "No technical support was recorded in 2014.",
        "No demonstration model was started or replicated in 2014.",
    ]
    assert report.figures["surveys"] is None
    # Application is as of the year's end: F003's 2013 solution makes 7 of 101 (X1 opened in 2013).
    assert report.application.numerator == 7


def test_the_current_year_runs_to_today(interview_year):
    report = annual.annual_report(year=2012, today=D(2012, 6, 30))
    assert (report.start, report.end, report.complete) == (D(2012, 1, 1), D(2012, 6, 30), False)
    assert report.outputs["results_reports"] == 1  # April only


def test_no_phase_yet(db):
    b.programme(starts_on=D(2011, 1, 1))
    report = annual.annual_report(year=2011, today=TODAY)
    assert report.targets == []
    assert report.target_sentences == ["No programme phase had begun by the end of 2011: there are no targets."]
    assert report.figures["targets"] is None


def test_figures_are_json_data(report_2012):
    figures = report_2012.figures
    assert figures["newly_aware"]["data"][0]["y"][:2] == ["Chế biến thực phẩm", "Dệt may"]  # 12% first
    assert figures["surveys"]["data"][0]["x"] == [2]
    assert len(figures["targets"]["data"][0]["x"]) == 5


def test_the_report_takes_a_fixed_number_of_queries(interview_year, django_assert_num_queries):
    # 6 outputs (the facilities reached and newly reached in one pass), 1 participants, 1 sectors,
    # 1 areas, 1 support, 1 models, 1 replications, 2 savings, 1 evidence of the savings, 1 phase,
    # 1 targets, then facility counts, unit counts and saving quartiles, and the pathway funnel
    # (both year ends in one).
    with django_assert_num_queries(21):
        annual.annual_report(year=2012, today=TODAY)


def test_databook_has_a_sheet_per_section(report_2012):
    book = annual.report_databook(report_2012)
    titles = [sheet.title for sheet in book.sheets()]
    assert titles == [
        "Report",
        "Outputs",
        "Newly aware by sector",
        "Surveys by area",
        "Support",
        "Demonstration models",
        "Replications",
        "Application and savings",
        "CP pathway",
        "Targets",
    ]
    assert len(book.sheets()[0]) == len(report_2012.sentences)
    outputs = dict(book.sheets()[1])
    assert outputs["Participants reported by the activities: Symposia"] == 310
    assert outputs["People on the attendance lists of facilities: Symposia"] == 10
    assert outputs["Participants reported by the activities: Workshops"] == 650
    assert outputs["People on the attendance lists of facilities: Workshops"] == 0
    savings = book.sheets()[7]
    assert savings[0] == ("Facilities applying CP", 6, 100, 6.0, None, None)
    assert savings[1] == ("Median saving: energy", 6, None, 6.3, 5.6, 6.9)


def test_an_empty_section_keeps_its_headers(interview_year):
    book = annual.report_databook(annual.annual_report(year=2014, today=TODAY))
    models = book.sheets()[5]
    assert models.headers[0] == "Model"
    assert models[0][0] == "none"


# --- The year asked for ---------------------------------------------------------------------------


def test_refusal_of_future_years_and_years_before_the_programme():
    start = D(2011, 1, 1)
    assert annual.refusal(year=2012, today=TODAY, first_start=start) is None
    assert annual.refusal(year=2026, today=TODAY, first_start=start) is None
    assert "has not begun" in annual.refusal(year=2027, today=TODAY, first_start=start)
    assert "began in 2011" in annual.refusal(year=2010, today=TODAY, first_start=start)
    assert "no programme" in annual.refusal(year=2012, today=TODAY, first_start=None)


def test_report_period():
    assert annual.report_period(2012, TODAY) == (D(2012, 1, 1), D(2012, 12, 31))
    assert annual.report_period(2026, TODAY) == (D(2026, 1, 1), TODAY)


# --- Formatting and sentences, without a database --------------------------------------------------


def test_numbers_in_both_languages():
    assert annual.number(5000) == "5,000"
    assert annual.value_text(15.0) == "15"
    assert annual.value_text(6.25) == "6.3"
    assert annual.share_text(15.4) == "15"
    assert annual.share_text(6.0) == "6"
    assert annual.share_text(9.65) == "9.7"
    with translation.override("vi"):
        assert annual.number(5000) == "5.000"
        assert annual.value_text(6.25) == "6,3"


def test_whole_rounds_half_up():
    assert [annual.whole(v) for v in (5.5, 6.49, 6.5, 7.875)] == [6, 6, 7, 8]


def test_join_words():
    assert annual.join_words([]) == ""
    assert annual.join_words(["a"]) == "a"
    assert annual.join_words(["a", "b", "c"]) == "a, b and c"


def _event(kind, count, participants):
    return annual.EventRow(kind, kind, count, participants)


def test_outputs_sentence_leaves_out_what_did_not_happen():
    events = [_event("symposium", 1, 0), _event("workshop", 0, 0), _event("training", 2, 45)]
    sentence = annual.outputs_sentence(2013, {"leaflets": 0, "results_reports": 1}, events)
    assert sentence == (
        "In 2013 the Department of Industry and Trade made 1 report on the results of CP implementation "
        "and organised 1 symposium and 2 trainings for 45 participants."
    )
    assert annual.outputs_sentence(2016, {"leaflets": 0, "results_reports": 0}, []) == (
        "No leaflets, results reports, symposia, workshops or trainings were recorded in 2016."
    )


def _sector(label, numerator, denominator):
    return BreakdownRow(label, label, numerator, denominator, 100 * numerator / denominator)


def test_awareness_sentence_names_the_top_sectors():
    rows = [_sector(name, n, 100) for name, n in zip("ABCDEF", (1, 5, 5, 3, 2, 0), strict=True)]
    assert annual.top_sectors(rows) == ["B", "C", "D", "E"]
    total = BreakdownRow(None, "All", 16, 600, 2.7)
    sentence = annual.awareness_sentence(2012, rows, total)
    assert sentence.endswith("(16 of 600), mainly in the fields of B, C, D and E.")
    nobody = BreakdownRow(None, "All", 0, 600, 0.0)
    assert annual.awareness_sentence(2016, rows, nobody).startswith("No enterprise or production facility")


def _area(key, label, kind, facilities):
    return annual.AreaRow(key, label, kind, facilities, facilities)


def test_survey_places_as_the_interview_says_them():
    rows = [
        _area(1, "Quang Minh", "industrial_zone", 12),
        _area(2, "Từ Liêm", "industrial_cluster", 9),
        _area(3, "Kim Lan", "craft_village", 4),
        _area(4, "Bát Tràng", "craft_village", 3),
        _area(None, "not in a production area", "", 2),
    ]
    assert annual.area_places(rows) == ["Quang Minh", "Từ Liêm", "2 craft villages"]
    assert annual.area_places(rows[:3], named=1) == ["Quang Minh", "1 other industrial zone or cluster", "Kim Lan"]
    assert annual.surveys_sentence(2012, rows) == (
        "In 2012 CP surveys were conducted at 28 facilities in Quang Minh, Từ Liêm and 2 craft villages "
        "and at 2 facilities outside production areas."
    )
    assert annual.surveys_sentence(2012, rows[-1:]) == (
        "In 2012 CP surveys were conducted at 2 facilities outside production areas."
    )
    assert annual.surveys_sentence(2016, []) == "No CP surveys were recorded in 2016."


def test_support_sentence():
    rows = [annual.SupportRow("technique", "technique", 3, 2), annual.SupportRow("technology", "technology", 0, 0)]
    assert annual.support_sentence(2012, rows, 2) == (
        "Based on the survey results, 2 facilities received support in technique."
    )
    assert annual.support_sentence(2016, rows[1:], 0) == "No technical support was recorded in 2016."


def test_many_models_are_counted_not_listed():
    model = annual.ModelRow("Kiln", "gas", "Host", "", "Gia Lâm", D(2014, 1, 1), "")
    assert annual.models_sentences(2014, [model], 0) == [
        "The department supported the demonstration model “Kiln” at Host (Gia Lâm)."
    ]
    assert annual.models_sentences(2014, [model] * 4, 2) == [
        "In 2014 the department supported 4 new demonstration models.",
        "Demonstration models were replicated at 2 facilities in 2014.",
    ]


def _saving(resource, q1, q3, measured=5):
    return SavingStats(resource, measured, q1, (q1 + q3) / 2, q3, 5.0, measured, 100.0)


def test_saving_ranges_merge_resources_with_the_same_rounded_range():
    stats = [_saving("energy", 5.4, 7.6), _saving("raw_material", 4.6, 8.4), _saving("fuel", 10.0, 12.2)]
    assert annual.saving_ranges(stats) == [(5, 8, ["energy", "raw_material"]), (10, 12, ["fuel"])]
    assert annual.savings_text(stats) == "5–8% of energy and raw materials and 10–12% of fuel"
    assert annual.savings_text([_saving("fuel", 6.2, 6.4)]) == "6% of fuel"
    assert annual.savings_text([SavingStats("fuel", 0, None, None, None, 5.0, 0, None)]) == ""


def result(**overrides) -> TargetResult:
    values = {
        "target_id": 1,
        "indicator": "application",
        "label": "facilities applying CP",
        "scope": "",
        "phase": "to 2015",
        "unit": "%",
        "as_of": D(2012, 12, 31),
        "value": 6.0,
        "numerator": 6,
        "denominator": 100,
        "target_min": 25.0,
        "target_max": None,
        "deadline": D(2015, 12, 31),
        "baseline": 0.0,
        "baseline_on": D(2011, 1, 1),
        "expected_now": 10.0,
        "status": "off_track",
        "status_label": "off track",
        "value_year_ago": 1.0,
        "projected_at_deadline": 20.0,
        "needed_facilities": 19,
        "needed_per_month": 0.5,
        "current_per_month": 0.4,
    }
    return TargetResult(**{**values, **overrides})


def test_application_sentence_cases():
    stats = [_saving("energy", 5.0, 8.0), _saving("raw_material", 5.2, 7.9), _saving("fuel", 4.6, 8.1)]
    end = D(2012, 12, 31)
    assert annual.application_sentence(end, result(), stats) == (
        "About 6% of industrial production facilities applied CP solutions, "
        "saving 5–8% of energy, raw materials and fuel per unit of product."
    )
    assert annual.application_sentence(end, result(numerator=0, value=0.0), stats) == (
        "No industrial production facility had applied CP solutions by 31 December 2012."
    )
    assert annual.application_sentence(end, None, stats).startswith("Facilities applying CP solutions saved 5–8%")
    assert annual.application_sentence(end, None, []) == ""
    assert "no saving per unit of product was measured" in annual.application_sentence(end, result(), [])


def test_target_sentence():
    assert annual.target_sentence(result()) == (
        "Facilities applying CP: 6% against a target of 25% by 31 December 2015 — off track."
    )
    saving = result(
        label="saving per unit of product",
        scope="energy saving ≥ 5%",
        value=None,
        target_min=5.0,
        target_max=8.0,
        status="no_data",
        status_label="no data",
    )
    assert annual.target_sentence(saving) == (
        "Saving per unit of product (energy saving ≥ 5%): no data against a target of 5–8% "
        "by 31 December 2015 — no data."
    )


def test_progress_label_carries_value_and_status():
    label = annual.progress_label(result(label="facilities applying CP with the target saving", value=5.8))
    assert label.endswith("<br><b>5.8% · off track</b>")
    assert all(len(line) <= 38 for line in label.split("<br>")[:-1])


def test_progress_label_shows_a_name_holding_markup_as_text():
    label = annual.progress_label(result(label='<a href="https://evil.example/">x</a> & co', value=5.8))
    assert "<a" not in label
    assert label.startswith("&lt;a href=")
    assert "&amp; co" in label
    assert label.endswith("<br><b>5.8% · off track</b>")  # our own markup stays
