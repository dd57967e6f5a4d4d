"""Publishing the results report, reading its editions, and the edition beside the live figures."""

import datetime as dt
import io

import openpyxl
import pytest
from django.contrib.auth.models import Group
from django.test import Client
from django.urls import reverse

from cpdash.roles import MANAGERS, STAFF
from targets.models import EditionRecord, ReportEdition
from tests.facilities.conftest import csv_bytes, good_row, problems, run_import

REPORT = "targets:report"
XLSX = "targets:report_xlsx"
PUBLISH = "targets:report_publish"
CHANGES = "targets:report_changes"
YEAR = 2013


def _join(user, group: str):
    user.groups.add(Group.objects.get(name=group))
    return user


@pytest.fixture
def publisher(manager_user):
    """A manager, by the Managers group: sees everything and publishes the report."""
    return _join(manager_user, MANAGERS)


@pytest.fixture
def publisher_client(client, publisher):
    client.force_login(publisher)
    return client


def _publish(client: Client, year: int = YEAR):
    return client.post(reverse(PUBLISH, args=[year]))


def _body(response) -> str:
    """The report itself: from its header to the end of the article (the links, the
    editions and the notice before it are not the report)."""
    content = response.content.decode()
    article = content.index('<article class="report">')
    return content[content.index("<header>", article) : content.index("</article>")]


def _sections(response) -> str:
    """The report's sections, below its header (which says which edition, or live)."""
    content = response.content.decode()
    article = content.index('<article class="report">')
    return content[content.index("</header>", article) : content.index("</article>")]


def _import_opened_before(count: int = 20) -> None:
    """``count`` facilities that opened before the report's year, through the facility import."""
    rows = [
        good_row(
            f"NEW{n:03d}", sector="Cơ khí", production_area="", area_type="", kind="enterprise", opened_on="2010-01-01"
        )
        for n in range(count)
    ]
    result = run_import(csv_bytes(rows))
    assert problems(result) == []


# --- Publishing ------------------------------------------------------------------------------------


def test_a_manager_publishes_an_edition(publisher_client, publisher, interview_year):
    response = _publish(publisher_client)

    assert response.status_code == 302
    assert response["Location"] == reverse(REPORT, args=[YEAR])
    edition = ReportEdition.objects.get()
    assert (edition.year, edition.number, edition.as_of, edition.published_by) == (
        YEAR,
        1,
        dt.date(YEAR, 12, 31),
        publisher,
    )
    # The newly aware denominator as the edition counted it: the 100 open in-scope
    # facilities of the fixture and the one opened in 2013.
    assert EditionRecord.objects.filter(edition=edition, figure="newly_aware/denominator").count() == 101
    page = publisher_client.get(response["Location"])
    assert "Edition 1 of the 2013 report is published" in page.content.decode()


def test_publishing_again_makes_a_new_edition_and_the_earlier_stays_readable(publisher_client, interview_year):
    _publish(publisher_client)
    _import_opened_before()
    _publish(publisher_client)

    assert list(ReportEdition.objects.values_list("number", flat=True)) == [2, 1]
    latest = publisher_client.get(reverse(REPORT, args=[YEAR]))
    first = publisher_client.get(reverse(REPORT, args=[YEAR]), {"edition": 1})
    assert latest.context["edition"].number == 2
    assert first.context["edition"].number == 1
    assert latest.context["report"].newly_aware_total.denominator == 121
    assert first.context["report"].newly_aware_total.denominator == 101
    assert publisher_client.get(reverse(REPORT, args=[YEAR]), {"edition": 3}).status_code == 404
    assert publisher_client.get(reverse(REPORT, args=[YEAR]), {"edition": "x"}).status_code == 404


@pytest.mark.parametrize("role", [None, STAFF])
def test_only_managers_publish(client, staff_user, interview_year, role):
    if role:
        _join(staff_user, role)
    client.force_login(staff_user)
    assert _publish(client).status_code == 403
    assert not ReportEdition.objects.exists()


def test_staff_see_no_publish_button(client, staff_user, interview_year):
    client.force_login(_join(staff_user, STAFF))
    content = client.get(reverse(REPORT, args=[YEAR])).content.decode()
    assert reverse(PUBLISH, args=[YEAR]) not in content


def test_publishing_is_a_post_with_csrf(publisher, interview_year):
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(publisher)
    assert strict.get(reverse(PUBLISH, args=[YEAR])).status_code == 405
    assert strict.post(reverse(PUBLISH, args=[YEAR])).status_code == 403  # no token
    page = strict.get(reverse(REPORT, args=[YEAR]))
    token = page.context["csrf_token"]
    assert f'action="{reverse(PUBLISH, args=[YEAR])}"' in page.content.decode()
    assert strict.post(reverse(PUBLISH, args=[YEAR]), {"csrfmiddlewaretoken": str(token)}).status_code == 302
    assert ReportEdition.objects.count() == 1


def test_no_edition_for_a_year_without_a_report(publisher_client, interview_year):
    assert _publish(publisher_client, 2010).status_code == 404
    assert not ReportEdition.objects.exists()


# --- The edition stays what it was -------------------------------------------------------------------


@pytest.mark.parametrize("language", ["en", "vi"])
def test_a_published_edition_stays_byte_for_byte_the_same_after_imports(publisher_client, interview_year, language):
    publisher_client.cookies["django_language"] = language
    _publish(publisher_client)
    page = publisher_client.get(reverse(REPORT, args=[YEAR]))
    workbook = publisher_client.get(reverse(XLSX, args=[YEAR]))
    live_before = publisher_client.get(reverse(REPORT, args=[YEAR]), {"live": "1"})
    assert _sections(page) == _sections(live_before)  # published as it was shown

    _import_opened_before()

    page_after = publisher_client.get(reverse(REPORT, args=[YEAR]))
    assert _body(page_after) == _body(page)
    assert publisher_client.get(reverse(XLSX, args=[YEAR])).content == workbook.content
    # The live figures did move: 20 more facilities in the newly aware denominator.
    live = publisher_client.get(reverse(REPORT, args=[YEAR]), {"live": "1"})
    assert live.context["report"].newly_aware_total.denominator == 121
    assert page_after.context["report"].newly_aware_total.denominator == 101
    assert _sections(live) != _sections(page)


def test_the_edition_is_kept_in_both_languages(publisher_client, interview_year):
    _publish(publisher_client)
    english = publisher_client.get(reverse(REPORT, args=[YEAR])).content.decode()
    publisher_client.cookies["django_language"] = "vi"
    vietnamese = publisher_client.get(reverse(REPORT, args=[YEAR])).content.decode()
    assert "Edition 1, published" in english
    assert "(1 of 101)" in english or "1 of 101" in english
    assert "Ấn bản 1" in vietnamese
    book = openpyxl.load_workbook(io.BytesIO(publisher_client.get(reverse(XLSX, args=[YEAR])).content))
    assert book.sheetnames[0] == "Báo cáo"


# --- The notice and the changes ------------------------------------------------------------------------


def test_no_notice_while_the_live_figures_are_the_editions(publisher_client, interview_year):
    _publish(publisher_client)
    response = publisher_client.get(reverse(REPORT, args=[YEAR]))
    assert response.context["live_differs"] is False
    assert "The live figures now differ" not in response.content.decode()


def test_the_notice_and_the_changes_show_what_moved(publisher_client, interview_year):
    _publish(publisher_client)
    interview_year.facilities[50].closed_on = dt.date(2013, 6, 1)
    interview_year.facilities[50].save()
    _import_opened_before()

    page = publisher_client.get(reverse(REPORT, args=[YEAR]))
    assert page.context["live_differs"] is True
    content = page.content.decode()
    assert "The live figures now differ from edition 1" in content
    assert f"{reverse(CHANGES, args=[YEAR])}?edition=1" in content

    changes = publisher_client.get(reverse(CHANGES, args=[YEAR]))
    assert changes.status_code == 200
    figures = {row.key: row for row in changes.context["figures"]}
    assert (figures["newly_aware/None"].published, figures["newly_aware/None"].live) == ("1% (1/101)", "0.8% (1/120)")
    assert figures["newly_aware/None"].changed
    assert not figures["outputs/leaflets"].changed
    records = {figure.key: figure for figure in changes.context["records"]}
    denominator = records["newly_aware/denominator"]
    assert denominator.entered_count == 20
    assert sorted(row.code for row in denominator.entered) == [f"NEW{n:03d}" for n in range(20)]
    assert [(row.code, row.name) for row in denominator.left] == [("F050", "Cơ sở 050")]
    assert denominator.left_count == 1
    assert denominator.left[0].changed is not None  # closed in the register after publication
    assert records["newly_aware/numerator"].entered_count == 0
    target_denominator = records[f"target/{interview_year.targets['awareness'].pk}/denominator"]
    assert (target_denominator.entered_count, target_denominator.left_count) == (20, 1)
    body = changes.content.decode()
    assert "NEW000" in body and "F050" in body
    # The sentence that moved, published beside live.
    assert any("(1 of 101)" in before and "(1 of 120)" in now for before, now in changes.context["sentences"])


def test_changes_before_any_edition_is_404(manager_client, interview_year):
    response = manager_client.get(reverse(CHANGES, args=[YEAR]))
    assert response.status_code == 404
    assert "has not been published yet" in response.content.decode()


def test_the_live_figures_are_one_click_away(publisher_client, interview_year):
    _publish(publisher_client)
    _import_opened_before()
    live = publisher_client.get(reverse(REPORT, args=[YEAR]), {"live": "1"})
    assert live.context["edition"] is None
    assert "You are reading the live figures" in live.content.decode()
    book = openpyxl.load_workbook(io.BytesIO(publisher_client.get(reverse(XLSX, args=[YEAR]), {"live": "1"}).content))
    assert list(book["Newly aware by sector"].iter_rows(values_only=True))[-1][1] == 121


# --- Queries ---------------------------------------------------------------------------------------


# The report page's queries (test_views_report.REPORT_QUERIES, with its editions) and 1 more
# for the edition's content.
EDITION_PAGE_QUERIES = 31  # + the register version of the edition's moment
# 6 per request, 1 programmes' start, 1 editions, 1 workbook.
EDITION_XLSX_QUERIES = 9
# 6 per request, 1 programmes' start, 1 editions, 1 content, the live report (21 with a phase),
# 1 targets, 2 per counted figure (newly aware: 2; 5 targets: 10) = 2 × 12.
CHANGES_QUERIES = 55


@pytest.mark.parametrize("extra", [0, 20])
def test_query_counts_do_not_grow_with_data(publisher_client, interview_year, django_assert_num_queries, extra):
    _publish(publisher_client)
    if extra:
        _import_opened_before(extra)
    with django_assert_num_queries(EDITION_PAGE_QUERIES):
        assert publisher_client.get(reverse(REPORT, args=[YEAR])).status_code == 200
    with django_assert_num_queries(EDITION_XLSX_QUERIES):
        assert publisher_client.get(reverse(XLSX, args=[YEAR])).status_code == 200
    with django_assert_num_queries(CHANGES_QUERIES):
        assert publisher_client.get(reverse(CHANGES, args=[YEAR])).status_code == 200


# --- The admin ---------------------------------------------------------------------------------------


def test_admins_list_and_delete_editions_but_never_write_one(admin_user, publisher_client, interview_year):
    _publish(publisher_client)
    _publish(publisher_client)
    admin_client = Client()
    admin_client.force_login(admin_user)
    latest = ReportEdition.objects.get(number=2)
    assert admin_client.get(reverse("admin:targets_reportedition_changelist")).status_code == 200
    assert admin_client.get(reverse("admin:targets_reportedition_add")).status_code == 403
    change = admin_client.post(reverse("admin:targets_reportedition_change", args=[latest.pk]), {"year": 1999})
    assert change.status_code in (302, 403) and ReportEdition.objects.get(pk=latest.pk).year == YEAR
    response = admin_client.post(reverse("admin:targets_reportedition_delete", args=[latest.pk]), {"post": "yes"})
    assert response.status_code == 302
    assert not EditionRecord.objects.filter(edition_id=latest.pk).exists()
    # The earlier edition is the one readers see again.
    assert publisher_client.get(reverse(REPORT, args=[YEAR])).context["edition"].number == 1
