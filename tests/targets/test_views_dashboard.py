"""The managers' dashboard and its exports."""

import csv
import datetime as dt
import io
import re
from decimal import Decimal

import openpyxl
import pytest
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.html import escape

from cpdash.text import vietnamese_key
from facilities.models import AdministrativeUnit, RegisterVersion
from targets import selectors
from tests import builders
from tests.programmes.conftest import grant
from tests.targets.conftest import small_world

DASHBOARD = "targets:dashboard"


def test_anonymous_is_sent_to_sign_in(client, db):
    response = client.get(reverse(DASHBOARD))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_needs_the_view_target_permission(client, outsider):
    client.force_login(outsider)
    assert client.get(reverse(DASHBOARD)).status_code == 403


def test_empty_state_without_a_programme(manager_client):
    response = manager_client.get(reverse(DASHBOARD))
    assert response.status_code == 200
    assert "No programme phase yet" in response.content.decode()


def test_cards_show_the_interview_year(manager_client, interview_year):
    response = manager_client.get(reverse(DASHBOARD), {"phase": interview_year.phase.pk, "as_of": "2012-12-31"})
    assert response.status_code == 200
    cards = {card.result.indicator: card.result for card in response.context["cards"]}
    assert cards["awareness"].value == 15.0
    assert cards["application"].value == 6.0
    assert (cards["awareness"].numerator, cards["awareness"].denominator) == (15, 100)
    content = response.content.decode()
    # One chart per card, a breakdown chart per dimension, the funnel and the outputs chart, each with its
    # data island.
    assert content.count('class="chart"') == len(cards) + 3 + 1 + 1
    assert content.count('type="application/json"') == len(cards) + 3 + 1 + 1
    # No inline executable script: plotly and the loader come from static files.
    assert "<script>" not in content
    assert "vendor/plotly/plotly.min.js" in content
    # The saving card's count is of those reaching it among those measured, not "counted" of all applying.
    assert content.count("<dt>Reaching it / with a known saving</dt>") == 1
    assert content.count("<dt>Counted</dt>") == len(cards) - 1


def test_card_counts_link_to_the_facilities_behind_them(manager_client, interview_year):
    response = manager_client.get(reverse(DASHBOARD), {"phase": interview_year.phase.pk, "as_of": "2012-12-31"})
    awareness = next(c for c in response.context["cards"] if c.result.indicator == "awareness")
    listed = manager_client.get(awareness.evidence_url)
    # The list behind the count shows exactly the numerator.
    assert listed.status_code in (200, 403)  # the facility list needs facilities.view_facility
    grant(response.wsgi_request.user, "facilities.view_facility")
    manager_client.force_login(response.wsgi_request.user)
    listed = manager_client.get(awareness.evidence_url)
    assert listed.status_code == 200
    assert listed.context["table"].paginator.count == 15


def test_sector_filter_narrows_every_figure(manager_client, interview_year):
    sector = interview_year.sectors[0]
    whole = manager_client.get(reverse(DASHBOARD), {"phase": interview_year.phase.pk, "as_of": "2012-12-31"})
    narrowed = manager_client.get(
        reverse(DASHBOARD), {"phase": interview_year.phase.pk, "as_of": "2012-12-31", "sector": sector.pk}
    )
    whole_awareness = next(c.result for c in whole.context["cards"] if c.result.indicator == "awareness")
    narrow_awareness = next(c.result for c in narrowed.context["cards"] if c.result.indicator == "awareness")
    assert narrow_awareness.denominator < whole_awareness.denominator
    assert f"sector={sector.pk}" in next(
        c.evidence_url for c in narrowed.context["cards"] if c.result.indicator == "awareness"
    )


def test_a_unit_chosen_on_a_day_it_did_not_exist_is_said_with_its_successors(manager_client, interview_year):
    """Từ Liêm's last day was 31/12/2013: chosen as of 2014-06-30, the page says so and names the
    units that followed it; chosen as of 2013-06-30, nothing is said."""
    tu_liem = AdministrativeUnit.objects.get(name="Từ Liêm")
    for name in ("Bắc Từ Liêm", "Nam Từ Liêm"):
        AdministrativeUnit.objects.get(name=name).predecessors.add(tu_liem)
    query = {"phase": interview_year.phase.pk, "unit": tu_liem.pk}
    content = manager_client.get(reverse(DASHBOARD), {**query, "as_of": "2014-06-30"}).content.decode()
    said = (
        "Từ Liêm no longer existed on 30/06/2014 (its last day was 31/12/2013). It was succeeded by "
        "Bắc Từ Liêm, Nam Từ Liêm.</strong> No facility was in it on that day, so the figures below count none."
    )
    assert said in content
    content = manager_client.get(reverse(DASHBOARD), {**query, "as_of": "2013-06-30"}).content.decode()
    assert "No facility was in it on that day" not in content


def test_bad_filters_are_explained_not_crashed(manager_client, interview_year):
    response = manager_client.get(reverse(DASHBOARD), {"as_of": "31/13/2012", "sector": "nope"})
    assert response.status_code == 400
    assert response.context["form"].errors
    assert "errorlist" in response.content.decode()


@pytest.mark.parametrize(
    ("as_of", "message"),
    [
        ("2999-01-01", "01/01/2999 is in the future: enter today ({today}) or an earlier date."),
        ("0001-01-01", "01/01/0001 is too early: enter 01/01/1900 or a later date."),
        ("2012-02-30", "“2012-02-30” is not a date: write YYYY-MM-DD or DD/MM/YYYY."),
        ("2012-13-31", "“2012-13-31” is not a date: write YYYY-MM-DD or DD/MM/YYYY."),
    ],
)
def test_bad_date_is_a_form_error(manager_client, interview_year, as_of, message):
    message = message.format(today=f"{timezone.localdate():%d/%m/%Y}")
    response = manager_client.get(reverse(DASHBOARD), {"phase": interview_year.phase.pk, "as_of": as_of})
    assert response.status_code == 400
    assert response.context["form"].errors["as_of"] == [message]
    assert escape(message) in response.content.decode()
    export = manager_client.get(
        reverse("targets:dashboard_export", args=["csv"]), {"phase": interview_year.phase.pk, "as_of": as_of}
    )
    assert export.status_code == 400
    assert export.content.decode() == f"Invalid filters.\nAs of: {message}"


@pytest.mark.parametrize(
    ("language", "focus", "as_of"),
    [
        ("en", "Target in focus: Enter a whole number.", "As of: "),
        ("vi", "Mục tiêu đang xem: Hãy nhập một số nguyên.", "Tính đến ngày: "),
    ],
)
def test_filter_errors_name_the_fields_by_their_labels(manager_client, interview_year, language, focus, as_of):
    """The page and the export name each field as the form labels it, in the user's language,
    not by its name in the query string (focus, as_of)."""
    manager_client.cookies["django_language"] = language
    params = {"phase": interview_year.phase.pk, "as_of": "2012-02-30", "focus": "x"}

    page = manager_client.get(reverse(DASHBOARD), params).content.decode()
    export = manager_client.get(reverse("targets:dashboard_export", args=["csv"]), params)

    assert f"<li>{focus}</li>" in page
    assert export.status_code == 400
    lines = export.content.decode().splitlines()
    assert len(lines) == 3
    assert lines[1].startswith(as_of)
    assert lines[2] == focus


def test_vietnamese_day_first_date(manager_client, interview_year):
    response = manager_client.get(reverse(DASHBOARD), {"phase": interview_year.phase.pk, "as_of": "31/12/2012"})
    assert response.status_code == 200
    assert response.context["as_of"].isoformat() == "2012-12-31"


@pytest.mark.parametrize(
    ("language", "message"),
    [
        ("vi", "31/12/9999 là ngày trong tương lai: hãy nhập ngày hôm nay ({today}) hoặc một ngày trước đó."),
        ("en", "31/12/9999 is in the future: enter today ({today}) or an earlier date."),
    ],
)
def test_a_refused_date_is_written_as_the_language_does(manager_client, interview_year, language, message):
    """as_of=9999-12-31 is refused with the dates day first, as the page and the staff forms write
    them (cpdash/formats), not 9999-12-31 and today in ISO."""
    manager_client.cookies["django_language"] = language
    today = timezone.localdate()
    message = message.format(today=f"{today:%d/%m/%Y}")

    response = manager_client.get(reverse(DASHBOARD), {"phase": interview_year.phase.pk, "as_of": "9999-12-31"})

    assert response.status_code == 400
    assert response.context["form"].errors["as_of"] == [message]
    page = response.content.decode()
    assert escape(message) in page
    assert f"({today.isoformat()})" not in page


def test_units_table_sums_to_the_awareness_card(manager_client, interview_year):
    response = manager_client.get(reverse(DASHBOARD), {"phase": interview_year.phase.pk, "as_of": "2012-12-31"})
    units = list(response.context["units"])
    assert len(units) == 29  # Hanoi before the 2014 split
    awareness = next(c.result for c in response.context["cards"] if c.result.indicator == "awareness")
    assert sum(u.facility_count for u in units) == awareness.denominator
    assert sum(u.aware_count for u in units) == awareness.numerator
    specialist = next(c.result for c in response.context["cards"] if c.result.indicator == "specialist_coverage")
    assert sum(u.has_specialist for u in units) == specialist.numerator


def test_units_table_lists_the_units_in_the_order_of_the_vietnamese_alphabet(manager_client, interview_year):
    """The database compares code points ("Ba Vì" before "Ba Đình", "Đông Anh" after "Thanh Xuân"); the
    table follows the alphabet, both ways, and still sorts by its counts."""
    params = {"phase": interview_year.phase.pk, "as_of": "2012-12-31"}
    names = [row.record.name for row in manager_client.get(reverse(DASHBOARD), params).context["units_table"].rows]
    assert names == sorted(names, key=vietnamese_key)
    assert names.index("Ba Đình") < names.index("Ba Vì") and names.index("Đông Anh") < names.index("Gia Lâm")
    table = manager_client.get(reverse(DASHBOARD), {**params, "sort": "-name"}).context["units_table"]
    assert [row.record.name for row in table.rows] == names[::-1]
    table = manager_client.get(reverse(DASHBOARD), {**params, "sort": "-aware_count"}).context["units_table"]
    assert next(iter(table.rows)).record.name == "Gia Lâm"  # every aware facility is there


def test_units_table_counts_each_unit_as_the_awareness_breakdown_does(manager_client, interview_year):
    """Each unit's row of the table (counts grouped by unit, carried to the units by id) is that
    unit's row of the awareness card's breakdown by unit."""
    response = manager_client.get(
        reverse(DASHBOARD), {"phase": interview_year.phase.pk, "as_of": "2012-12-31", "focus": ""}
    )
    awareness = interview_year.targets["awareness"]
    rows = selectors.breakdowns_as_of(targets=[awareness], as_of=dt.date(2012, 12, 31), by="unit")[awareness.pk]
    by_unit = {row.key: (row.denominator, row.numerator) for row in rows}
    units = {u.pk: (u.facility_count, u.aware_count) for u in response.context["units"]}
    assert {pk: counts for pk, counts in units.items() if counts != (0, 0)} == by_unit
    assert any(aware for _, aware in units.values())


@pytest.fixture
def lists_too(manager):
    """The manager's role also opens the facility lists the dashboard links to (cpdash/roles.py)."""
    grant(manager, "facilities.view_facility")


@pytest.mark.usefixtures("lists_too")
def test_a_unit_s_facility_count_opens_the_facilities_counted_there(manager_client, interview_year):
    """Gia Lâm also holds facilities closed or out of scope: the link behind its count lists the
    counted ones alone, as many as the count says."""
    response = manager_client.get(reverse(DASHBOARD), {"phase": interview_year.phase.pk, "as_of": "2012-12-31"})
    gia_lam = next(u for u in response.context["units"] if u.name == "Gia Lâm")
    url = f"/facilities/?unit={gia_lam.pk}&status=counted&as_of=2012-12-31"
    assert escape(url) in response.content.decode()
    everyone = manager_client.get(f"/facilities/?unit={gia_lam.pk}&as_of=2012-12-31").context["counts"]["total"]
    listed = manager_client.get(url).context["counts"]["total"]
    assert listed == gia_lam.facility_count < everyone


@pytest.mark.usefixtures("lists_too")
def test_the_area_type_row_outside_any_area_opens_those_facilities(manager_client, interview_year):
    """The breakdown's row "not in a production area" used to open the whole target's list."""
    awareness = interview_year.targets["awareness"]
    response = manager_client.get(
        reverse(DASHBOARD), {"phase": interview_year.phase.pk, "as_of": "2012-12-31", "focus": awareness.pk}
    )
    chart = next(c for c in response.context["breakdown_charts"] if c.by == "area_type")
    ((outside, url),) = [(row, url) for row, url in chart.rows if row.key is None]
    assert url == f"/facilities/?target={awareness.pk}&as_of=2012-12-31&area_kind=none"
    every_aware = manager_client.get(f"/facilities/?target={awareness.pk}&as_of=2012-12-31").context["counts"]
    assert manager_client.get(url).context["counts"]["total"] == outside.numerator < every_aware["total"]
    counted = manager_client.get("/facilities/", {"area_kind": "none", "status": "counted", "as_of": "2012-12-31"})
    assert counted.context["counts"]["total"] == outside.denominator


def _queries(client, django_assert_num_queries, world, expected: int) -> None:
    with django_assert_num_queries(expected):
        response = client.get(reverse(DASHBOARD), {"phase": world.phase.pk, "as_of": "2012-12-31"})
    assert response.status_code == 200


# 6 per request (session, user, perms, savepoint) + the page (6 for the outputs of every year, grouped
# by year, the facilities reached and newly reached in one pass; the focus target's three breakdowns
# in one grouped pass, then the sector and unit names; the units table, its counts grouped by unit and
# the units; the register version counted; the map of units: its units, its rows by unit those of the
# focus breakdown; 1 for the evidence of the savings counted; the pathway funnel, 1, whose first steps
# are the data completeness); fixed by the targets shown, whatever the data or the number of years
DASHBOARD_QUERIES = 32
# A date to compare with: the targets on that date (facility counts, unit counts, quartiles) and the focus
# target's three breakdowns on it (one grouped pass, the sector and unit names), which the map of units
# reuses; the funnel counts both days in its one query.
COMPARE_QUERIES = DASHBOARD_QUERIES + 3 + 3


@pytest.mark.parametrize("n", [3, 30])
def test_query_count_does_not_grow_with_data(manager_client, django_assert_num_queries, n):
    world = small_world(n)
    _queries(manager_client, django_assert_num_queries, world, DASHBOARD_QUERIES)


@pytest.mark.parametrize("n", [3, 30])
def test_query_count_with_a_comparison_does_not_grow_with_data(manager_client, django_assert_num_queries, n):
    world = small_world(n)
    with django_assert_num_queries(COMPARE_QUERIES):
        response = manager_client.get(
            reverse(DASHBOARD), {"phase": world.phase.pk, "as_of": "2012-12-31", "compare": "2011-12-31"}
        )
    assert response.status_code == 200


# --- Exports ------------------------------------------------------------------------------------


def test_csv_has_one_row_per_target_with_breakdown_columns(manager_client, interview_year):
    response = manager_client.get(
        reverse("targets:dashboard_export", args=["csv"]), {"phase": interview_year.phase.pk, "as_of": "2012-12-31"}
    )
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    header, body = rows[0], rows[1:]
    assert len(body) == len(interview_year.targets)
    assert "Value (%)" in header and "Status" in header and "unit" not in header
    assert any(column.startswith("sector: ") and column.endswith(" (%)") for column in header)
    awareness = next(row for row in body if row[header.index("Indicator")] == "facilities aware of CP")
    assert float(awareness[header.index("Value (%)")]) == 15.0
    assert awareness[header.index("Status")] in {"met", "on track", "at risk", "off track", "no data"}


def test_the_csv_opens_in_columns_in_vietnamese_excel(manager_client, interview_year):
    """Issue 12: Vietnamese headers and statuses, ";" between cells and "," in decimals."""
    manager_client.cookies["django_language"] = "vi"
    response = manager_client.get(
        reverse("targets:dashboard_export", args=["csv"]), {"phase": interview_year.phase.pk, "as_of": "2012-12-31"}
    )
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))
    header, body = rows[0], rows[1:]
    assert "Giá trị (%)" in header and "Tình trạng" in header
    value = next(row for row in body if row[header.index("Chỉ số")] == "cơ sở có nhận thức về SXSH")[
        header.index("Giá trị (%)")
    ]
    assert value == "15,0"
    statuses = {row[header.index("Tình trạng")] for row in body}
    assert not statuses & {"on_track", "off_track", "at_risk", "no_data"}


def test_the_xlsx_writes_dates_as_dates(manager_client, interview_year):
    response = manager_client.get(
        reverse("targets:dashboard_export", args=["xlsx"]), {"phase": interview_year.phase.pk, "as_of": "2012-12-31"}
    )
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    header = [cell.value for cell in sheet[1]]
    as_of = sheet.cell(row=2, column=header.index("As of") + 1).value
    assert as_of.date() == dt.date(2012, 12, 31)


def test_xlsx_matches_csv(manager_client, interview_year):
    params = {"phase": interview_year.phase.pk, "as_of": "2012-12-31"}
    response = manager_client.get(reverse("targets:dashboard_export", args=["xlsx"]), params)
    assert response.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert len(rows) == len(interview_year.targets) + 1


def test_unknown_export_format_is_404(manager_client, interview_year):
    assert manager_client.get(reverse("targets:dashboard_export", args=["pdf"])).status_code == 404


# The targets' figures once, then the breakdowns' grouped counts in one pass, and per breakdown its
# names and medians (not the totals again).
EXPORT_QUERIES = 18


@pytest.mark.parametrize("n", [3, 30])
def test_export_query_count_does_not_grow(manager_client, django_assert_num_queries, n):
    world = small_world(n)
    with django_assert_num_queries(EXPORT_QUERIES):
        response = manager_client.get(
            reverse("targets:dashboard_export", args=["csv"]), {"phase": world.phase.pk, "as_of": "2012-12-31"}
        )
    assert response.status_code == 200


def test_units_table_counts_link_to_their_facilities(manager_client, interview_year):
    response = manager_client.get(reverse(DASHBOARD), {"phase": interview_year.phase.pk, "as_of": "2012-12-31"})
    content = response.content.decode()
    gia_lam = interview_year.units["Gia Lâm"]
    assert f"/facilities/?unit={gia_lam.pk}&amp;status=aware&amp;as_of=2012-12-31" in content


@pytest.mark.parametrize(("language", "shown"), [("vi", "6,4%"), ("en", "6.4%")])
def test_the_median_of_6_30_and_6_40_is_shown_rounded_half_up(manager_client, language, shown):
    """Issue 11: the middle savings 6.30 and 6.40 have the median 6.35 exactly, shown 6.4
    (as floats it was 6.349999999999994, shown 6.3)."""
    phase = builders.phase()
    builders.target(phase, indicator="saving", target_min=5, target_max=8, resource="energy")
    for after in ("0.95", "0.937", "0.936", "0.92"):  # 5.00, 6.30, 6.40 and 8.00 %
        builders.solution(builders.facility(), savings={"energy": (Decimal(1), Decimal(after))})
    manager_client.cookies["django_language"] = language
    response = manager_client.get(reverse(DASHBOARD), {"phase": phase.pk, "as_of": "2012-12-31"})
    (card,) = response.context["cards"]
    assert card.result.value == 6.4
    value = re.search(r'<p class="value">\s*([^<]*?)\s*<span', response.content.decode()).group(1)
    assert value == shown


def test_outputs_show_people_reported_and_people_listed(manager_client, interview_year):
    """Issue 11: both counts of people at events, each labelled with what it counts. In 2012:
    310 + 650 reported by the activities; 10 on the symposium's attendance list (F000–F009)."""
    response = manager_client.get(reverse(DASHBOARD), {"phase": interview_year.phase.pk, "as_of": "2012-12-31"})
    years = response.context["years"]
    rows = {str(label): dict(zip(years, values, strict=True)) for label, values in response.context["output_rows"]}
    assert rows["Participants reported by the activities"][2012] == 960
    assert rows["People on the attendance lists of facilities"][2012] == 10
    assert rows["People on the attendance lists of facilities"][2011] == 7  # the 2011 workshop's list
    content = response.content.decode()
    assert '<th scope="row">People on the attendance lists of facilities</th>' in content
    assert "only those from facilities named on a list" in content


def test_before_the_phase_s_first_year_outputs_say_so_rather_than_show_an_empty_table(manager_client, interview_year):
    manager_client.cookies["django_language"] = "en"
    start = interview_year.phase.starts_on
    day = start.replace(year=start.year - 1)
    page = manager_client.get(reverse(DASHBOARD), {"phase": interview_year.phase.pk, "as_of": day.isoformat()})
    content = page.content.decode()
    assert page.context["years"] == []
    assert f"No year of this phase has begun by {day:%d/%m/%Y}." in content
    assert 'data-figure="outputs"' not in content


def test_the_denominator_names_the_register_version_it_counted(manager_client, interview_year):
    phase = {"phase": interview_year.phase.pk, "as_of": "2012-12-31"}
    # Before any import: the facilities entered, said to be so (not "no list" under counted facilities).
    before = manager_client.get(reverse(DASHBOARD), phase).content.decode()
    assert "Facilities as entered in the register: no facility list has been imported yet." in before
    RegisterVersion.begin(user=None)
    latest = RegisterVersion.begin(user=None)

    page = manager_client.get(reverse(DASHBOARD), phase).content.decode()

    day = formats.date_format(timezone.localtime(latest.imported_at), "SHORT_DATE_FORMAT")
    url = reverse("register:version", args=[2])
    assert f'Facilities as in <a href="{url}">register version 2 of {day}</a>.' in page


# --- Opening on the answer (issue 12) --------------------------------------------------------------


def test_it_opens_on_the_latest_phase_as_of_today_and_shows_them_in_the_form(manager_client, db):
    """A finished phase (the latest started) opens as of today, not its end: what was
    recorded today counts at once; the form shows the phase and the date in use."""
    programme = builders.programme()
    builders.phase(programme, name="2011–2015")
    latest = builders.phase(
        programme,
        name="2016–2020",
        starts_on=timezone.datetime(2016, 1, 1).date(),
        ends_on=timezone.datetime(2020, 12, 31).date(),
    )
    builders.target(latest, deadline=latest.ends_on)
    today = timezone.localdate()
    facility = builders.facility()
    builders.activity([facility], held_on=today)

    response = manager_client.get(reverse(DASHBOARD))

    assert (response.context["phase"], response.context["as_of"]) == (latest, today)
    (card,) = response.context["cards"]
    assert (card.result.numerator, card.result.denominator) == (1, 1)  # today's workshop
    form = response.context["form"]
    assert (form["phase"].value(), form["as_of"].value()) == (str(latest.pk), f"{today:%d/%m/%Y}")
    content = response.content.decode()
    assert f'<option value="{latest.pk}" selected>' in content
    assert f'value="{today:%d/%m/%Y}"' in content


@pytest.mark.parametrize(
    ("as_of", "expected"),
    [("2015-12-31", "2011–2015"), ("2016-01-01", "2016–2020"), (None, "2016–2020"), ("2010-06-30", "2016–2020")],
)
def test_without_a_phase_the_date_asked_chooses_it(manager_client, db, as_of, expected):
    """A manager who asks for the end of 2015 means the targets "by 2015", not those of the phase
    running today; a date before every phase falls back to today's."""
    programme = builders.programme()
    for name, start, end in (("2011–2015", (2011, 1, 1), (2015, 12, 31)), ("2016–2020", (2016, 1, 1), (2020, 12, 31))):
        phase = builders.phase(programme, name=name, starts_on=dt.date(*start), ends_on=dt.date(*end))
        builders.target(phase, deadline=phase.ends_on)
    response = manager_client.get(reverse(DASHBOARD), {"as_of": as_of} if as_of else {})
    assert response.context["phase"].name == expected
    assert response.context["as_of"] == (dt.date.fromisoformat(as_of) if as_of else timezone.localdate())


def test_a_future_date_says_it_is_in_the_future_not_that_there_is_no_phase(manager_client, interview_year):
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    response = manager_client.get(reverse(DASHBOARD), {"as_of": tomorrow.isoformat()})
    content = response.content.decode()
    assert response.status_code == 400
    assert "is in the future" in content
    assert "No programme phase yet" not in content


def test_the_first_line_says_how_many_targets_are_behind_and_where_they_stand(manager_client, interview_year):
    response = manager_client.get(reverse(DASHBOARD), {"phase": interview_year.phase.pk, "as_of": "2012-12-31"})
    results = response.context["results"]
    behind = [r for r in results if r.status in ("at_risk", "off_track")]
    summary = response.context["summary"]
    assert (summary.total, [r.target_id for r in summary.behind]) == (len(results), [r.target_id for r in behind])
    assert summary.met + summary.on_track + summary.no_data + len(behind) == len(results)
    content = response.content.decode()
    line = re.search(r'<p class="summary" role="status">(.*?)</p>', content, re.S).group(1)
    if behind:
        assert f"{len(behind)} of {len(results)} targets behind:" in " ".join(line.split())
        first = behind[0]
        assert f"{first.expected_now:.1f}" in line  # against what is expected by now
    else:
        assert "targets is behind" in line


def test_a_small_sample_is_flagged(manager_client, db):
    phase = builders.phase()
    builders.target(phase, indicator="awareness", target_min=50)
    builders.facility()
    builders.facility()  # 0 of 2 aware: "behind", but on two facilities
    response = manager_client.get(reverse(DASHBOARD), {"phase": phase.pk, "as_of": "2012-12-31"})
    content = response.content.decode()
    assert "Small sample: 2 counted." in content
    assert "(small sample)" in content  # behind, and said to be read with care
