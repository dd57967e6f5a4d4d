"""The yearly results report page and its spreadsheet."""

import datetime as dt
import io
import re

import openpyxl
import pytest
from django.urls import reverse
from django.utils import timezone

from facilities.models import RegisterVersion
from programmes import pathway
from programmes.models import Attendance, OutreachActivity
from tests.targets.conftest import small_world

REPORT = "targets:report"
XLSX = "targets:report_xlsx"


@pytest.mark.parametrize("name", [REPORT, XLSX])
def test_anonymous_is_sent_to_sign_in(client, db, name):
    response = client.get(reverse(name, args=[2012]))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize("name", [REPORT, XLSX])
def test_needs_the_view_target_permission(client, outsider, name):
    client.force_login(outsider)
    assert client.get(reverse(name, args=[2012])).status_code == 403


def test_only_get(manager_client, interview_year):
    assert manager_client.post(reverse(REPORT, args=[2012])).status_code == 405


def test_the_interview_year(manager_client, interview_year):
    response = manager_client.get(reverse(REPORT, args=[2012]))
    assert response.status_code == 200
    report = response.context["report"]
    assert report.newly_aware_total.numerator == 10
    content = response.content.decode()
    assert '<article class="report">' in content
    assert "issued 5,000 CP introduction leaflets" in content
    assert "Facilities aware of CP: 15% against a target of 50%" in content
    # A chart per figure, each drawn from its data island; no inline script.
    assert content.count('class="chart"') == 4  # the CP pathway's too
    assert content.count('type="application/json"') == 4
    assert "<script>" not in content
    assert "vendor/plotly/plotly.min.js" in content
    # Back to the dashboard on the report's phase and date, and on to the spreadsheet.
    assert f"{reverse('targets:dashboard')}?phase={interview_year.phase.pk}&amp;as_of=2012-12-31" in content
    assert reverse(XLSX, args=[2012]) in content


def test_the_dashboard_links_to_the_report(manager_client, interview_year):
    response = manager_client.get(
        reverse("targets:dashboard"), {"phase": interview_year.phase.pk, "as_of": "2012-12-31"}
    )
    assert f'href="{reverse(REPORT, args=[2012])}"' in response.content.decode()


def test_events_show_both_counts_of_people(manager_client, interview_year):
    """Issue 11: people reported by the activities and people on the facilities' attendance
    lists are both shown, each under a label saying what it counts."""
    workshop = OutreachActivity.objects.get(kind="workshop", held_on=dt.date(2012, 5, 20))
    Attendance.objects.bulk_create(
        Attendance(activity=workshop, facility=facility, people=3) for facility in interview_year.facilities[20:45]
    )
    pathway.touch_records([workshop])  # a bulk write, as the attendance form's
    response = manager_client.get(reverse(REPORT, args=[2012]))
    events = {event.kind: (event.participants, event.listed) for event in response.context["report"].events}
    assert events["workshop"] == (650, 75)
    content = response.content.decode()
    assert "Participants reported by the activities" in content
    assert "People on the attendance lists of facilities" in content
    row = re.search(r'<th scope="row">Workshops</th>(.*?)</tr>', content).group(1)
    assert re.findall(r'<td class="num">([^<]*)</td>', row) == ["1", "650", "75"]


def test_in_vietnamese(manager_client, interview_year):
    manager_client.cookies["django_language"] = "vi"  # chosen with the VI/EN switch
    response = manager_client.get(reverse(REPORT, args=[2012]))
    assert response.status_code == 200
    content = response.content.decode()
    assert "5.000" in content
    # Its year's days as every Vietnamese date of the application is written: day first, two digits.
    assert "01/01/2012 – 31/12/2012" in content


def test_future_year_is_404_with_a_reason(manager_client, interview_year):
    next_year = timezone.localdate().year + 1
    response = manager_client.get(reverse(REPORT, args=[next_year]))
    assert response.status_code == 404
    assert "that year has not begun" in response.content.decode()
    assert manager_client.get(reverse(XLSX, args=[next_year])).status_code == 404


def test_year_before_the_programme_is_404_with_a_reason(manager_client, interview_year):
    response = manager_client.get(reverse(REPORT, args=[2010]))
    assert response.status_code == 404
    assert "the programme began in 2011" in response.content.decode()
    response = manager_client.get(reverse(XLSX, args=[2010]))
    assert response.status_code == 404
    assert "the programme began in 2011" in response.content.decode()


def test_no_programme_is_404(manager_client):
    response = manager_client.get(reverse(REPORT, args=[2012]))
    assert response.status_code == 404
    assert "no programme has been set up" in response.content.decode()


def test_the_current_year_so_far(manager_client, interview_year):
    year = timezone.localdate().year
    response = manager_client.get(reverse(REPORT, args=[year]))
    assert response.status_code == 200
    assert response.context["report"].end == timezone.localdate()


def test_xlsx_opens_with_a_sheet_per_section(manager_client, interview_year):
    response = manager_client.get(reverse(XLSX, args=[2012]))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert 'filename="cpdash-report-2012.xlsx"' in response["Content-Disposition"]
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    assert book.sheetnames == [
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
    sectors = list(book["Newly aware by sector"].iter_rows(values_only=True))
    assert sectors[0] == ("Sector", "Facilities", "Newly aware", "Share (%)")
    assert sectors[-1] == ("All sectors", 100, 10, 10.0)
    outputs = dict(book["Outputs"].iter_rows(values_only=True))
    assert outputs["Leaflets issued"] == 5000
    text = [row[0] for row in book["Report"].iter_rows(min_row=2, values_only=True)]
    assert text[0].startswith("In 2012 the Department of Industry and Trade issued 5,000")


@pytest.mark.parametrize(
    ("language", "models", "replications", "unit"),
    [
        ("en", "Demonstration models", "Replications", "Administrative unit"),
        ("vi", "Mô hình trình diễn", "Nhân rộng", "Đơn vị hành chính"),
    ],
)
def test_xlsx_names_the_administrative_unit_column_as_such(
    manager_client, interview_year, language, models, replications, unit
):
    """The models' and replications' unit is the administrative unit, not the savings table's
    unit of measure ("Unit": "Đơn vị tính")."""
    manager_client.cookies["django_language"] = language
    response = manager_client.get(reverse(XLSX, args=[2012]))
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    assert next(book[models].iter_rows(values_only=True))[4] == unit
    assert next(book[replications].iter_rows(values_only=True))[3] == unit


def test_xlsx_writes_formula_like_names_as_text(manager_client, interview_year):
    facility = interview_year.facilities[0]
    facility.name = "=HYPERLINK(1)"
    facility.save()
    response = manager_client.get(reverse(XLSX, args=[2012]))
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    hosts = [row[2] for row in book["Demonstration models"].iter_rows(min_row=2)]
    assert [(cell.value, cell.data_type) for cell in hosts] == [("=HYPERLINK(1)", "s")]  # a string, not a formula


# 6 per request (session, user, permissions, savepoint…), 1 for the programmes' start, 1 for the
# year's editions (none here: the live figures; with one, test_views_report_editions), then the
# report: 6 outputs (the facilities reached and newly reached in one pass), 1 participants,
# 1 sectors, 1 areas, 1 support, 1 models, 1 replications, 2 savings, 1 evidence of the savings,
# 1 phase, 1 targets, 3 for the targets (facility counts, unit counts, quartiles), 1 for the
# pathway funnel (the end of the year and of the year before).
REPORT_QUERIES = 29


@pytest.mark.parametrize("n", [3, 30])
def test_query_count_does_not_grow_with_data(manager_client, django_assert_num_queries, n):
    small_world(n)
    with django_assert_num_queries(REPORT_QUERIES + 1):  # the page also names its register version
        response = manager_client.get(reverse(REPORT, args=[2012]))
    assert response.status_code == 200


@pytest.mark.parametrize("n", [3, 30])
def test_xlsx_query_count_does_not_grow_with_data(manager_client, django_assert_num_queries, n):
    small_world(n)
    with django_assert_num_queries(REPORT_QUERIES):
        response = manager_client.get(reverse(XLSX, args=[2012]))
    assert response.status_code == 200


def test_year_zero_is_refused(manager_client, interview_year):
    # Year 0 is no date: it is refused before any date is built.
    assert manager_client.get(reverse(REPORT, args=[0])).status_code == 404


def test_the_report_names_the_register_version_it_counted(manager_client, interview_year):
    RegisterVersion.begin(user=None)

    page = manager_client.get(reverse(REPORT, args=[2012])).content.decode()

    assert f'<a href="{reverse("register:version", args=[1])}">register version 1 of' in page
