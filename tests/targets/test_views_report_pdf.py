"""The results report as PDF: the published edition's figures, in the reader's language, with
the department's letterhead, page numbers, the date of the data, our own fonts and vector charts."""

import io
import re
import sys
import unicodedata

import pypdf
import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.urls import reverse

from cpdash.roles import MANAGERS, STAFF, ensure_groups
from targets import editions
from targets.management.commands.load_demo import MIN_FACILITIES
from targets.models import Letterhead, ReportEdition
from tests.targets.test_views_report_editions import _import_opened_before, _publish

PDF = "targets:report_pdf"
REPORT = "targets:report"
YEAR = 2013


def _join(user, group: str):
    ensure_groups()
    user.groups.add(Group.objects.get(name=group))
    return user


@pytest.fixture
def publisher_client(client, manager_user):
    client.force_login(_join(manager_user, MANAGERS))
    return client


def _pdf(response) -> pypdf.PdfReader:
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF-")
    return pypdf.PdfReader(io.BytesIO(response.content))


def _flat(text: str) -> str:
    """Text as compared: NFC, every run of white space one space (lines wrap anywhere), no line
    end after a dash or a slash (where a line may break inside a word: "production-process")."""
    text = re.sub(r"([-–/])[ \t]*\n\s*", r"\1", unicodedata.normalize("NFC", text))  # a line broken after a dash
    return " ".join(text.split())


def _text(reader: pypdf.PdfReader) -> str:
    return _flat(" ".join(page.extract_text() for page in reader.pages))


def _fonts(reader: pypdf.PdfReader) -> dict[str, bool]:
    """Every font the pages (and the forms they draw, the charts') use: base name → embedded."""
    found: dict[str, bool] = {}

    def walk(resources) -> None:
        resources = resources.get_object() if resources is not None else {}
        for font in (resources.get("/Font") or {}).values():
            font = font.get_object()
            descendants = [d.get_object() for d in font.get("/DescendantFonts", [])] or [font]
            for descendant in descendants:
                descriptor = descendant.get("/FontDescriptor")
                descriptor = descriptor.get_object() if descriptor is not None else {}
                embedded = any(key in descriptor for key in ("/FontFile", "/FontFile2", "/FontFile3"))
                found[str(descendant["/BaseFont"])] = embedded
        for xobject in (resources.get("/XObject") or {}).values():
            xobject = xobject.get_object()
            if xobject.get("/Subtype") == "/Form":
                walk(xobject.get("/Resources"))

    for page in reader.pages:
        walk(page.get("/Resources"))
    return found


def _language(client, language: str):
    client.cookies["django_language"] = language  # the VI/EN switch's choice
    return client


# --- The edition, as published --------------------------------------------------------------------


@pytest.mark.parametrize(("language", "pages"), [("vi", r"Trang 1/(\d+)"), ("en", r"Page 1 of (\d+)")])
def test_the_pdf_is_the_published_edition_in_the_readers_language(publisher_client, interview_year, language, pages):
    _publish(publisher_client)
    edition = ReportEdition.objects.get()
    published = editions.edition_report(edition, language)

    response = _language(publisher_client, language).get(reverse(PDF, args=[YEAR]))
    reader = _pdf(response)

    text = _text(reader)
    assert len(reader.pages) > 0
    for sentence in published.sentences:
        assert _flat(sentence) in text
    count = re.search(pages, text)
    assert count and int(count.group(1)) == len(reader.pages)
    # The date of the data: the edition's as-of day and the day it was published.
    assert "31/12/2013" in text
    assert edition.published_at.astimezone().strftime("%d/%m/%Y") in text


def test_the_edition_pdf_keeps_its_figures_when_the_live_ones_move(publisher_client, interview_year):
    _publish(publisher_client)
    before = _text(_pdf(publisher_client.get(reverse(PDF, args=[YEAR]))))
    _import_opened_before()
    live = publisher_client.get(reverse(REPORT, args=[YEAR]), {"live": 1}).context["report"]
    edition = editions.edition_report(ReportEdition.objects.get(), "en")
    assert live.narrative != edition.narrative  # the live figures moved

    after = _text(_pdf(publisher_client.get(reverse(PDF, args=[YEAR]))))

    assert after == before
    moved = [sentence for sentence in live.narrative if sentence not in edition.narrative]
    assert moved and all(_flat(sentence) not in after for sentence in moved)


def test_before_any_edition_the_live_figures_say_they_are_not_published(publisher_client, interview_year):
    text = _text(_pdf(publisher_client.get(reverse(PDF, args=[YEAR]))))
    assert "Not published: these are the live figures" in text
    assert "not published" in text.split("Page 1 of")[0][-200:] or "· not published" in text


def test_the_report_page_links_to_its_pdf(publisher_client, interview_year):
    content = publisher_client.get(reverse(REPORT, args=[YEAR])).content.decode()
    assert f'href="{reverse(PDF, args=[YEAR])}?live=1">PDF</a>' in content
    _publish(publisher_client)
    content = publisher_client.get(reverse(REPORT, args=[YEAR])).content.decode()
    assert f'href="{reverse(PDF, args=[YEAR])}?edition=1">PDF</a>' in content


# --- Letterhead, fonts, charts ---------------------------------------------------------------------


def test_the_default_letterhead_is_hanois_department(publisher_client, interview_year):
    text = _text(_pdf(_language(publisher_client, "vi").get(reverse(PDF, args=[YEAR]))))
    assert "SỞ CÔNG THƯƠNG HÀ NỘI" in text
    assert "ỦY BAN NHÂN DÂN THÀNH PHỐ HÀ NỘI" in text
    assert not Letterhead.objects.exists()  # reading the defaults wrote nothing


def test_the_letterhead_set_by_admins_is_shown(publisher_client, interview_year):
    Letterhead(name_vi="Sở Công Thương Thử Nghiệm", name_en="Test Department", address="1 Tràng Tiền").save()
    vi = _text(_pdf(_language(publisher_client, "vi").get(reverse(PDF, args=[YEAR]))))
    en = _text(_pdf(_language(publisher_client, "en").get(reverse(PDF, args=[YEAR]))))
    assert "SỞ CÔNG THƯƠNG THỬ NGHIỆM" in vi and "1 Tràng Tiền" in vi
    assert "TEST DEPARTMENT" in en and "1 Tràng Tiền" in en


def test_every_font_is_our_embedded_noto_sans(publisher_client, interview_year):
    reader = _pdf(_language(publisher_client, "vi").get(reverse(PDF, args=[YEAR])))
    fonts = _fonts(reader)
    assert fonts, "the PDF names its fonts"
    # Subsets (a tag of six capitals) of static/fonts' Noto Sans, its bold, and Noto Sans Math for "≥".
    assert {re.sub(r"^/[A-Z]{6}\+", "", name) for name in fonts} == {"Noto-Sans", "Noto-Sans-Bold", "Noto-Sans-Math"}
    assert all(fonts.values()), "every font is embedded"


def test_the_charts_are_vector_drawings_with_their_text(publisher_client, interview_year):
    reader = _pdf(_language(publisher_client, "en").get(reverse(PDF, args=[YEAR])))
    text = _text(reader)
    # 2013 of the fixture: targets and newly aware, no survey. Each chart's title and the
    # values written beside its bars, which only the charts write so.
    assert text.count("Progress against targets") == 2  # the heading, and the chart's title
    assert "15.8% · off track" in text and "6.5% · met" in text
    assert "Newly aware, by sector" in text and "all sectors" in text and "3.8% (1/26)" in text
    assert "CP surveys, by production area" not in text
    images = [image for page in reader.pages for image in page.images]
    assert images == [], "no raster image: the charts are drawn"


# --- Access and cost --------------------------------------------------------------------------------


def test_anonymous_is_sent_to_sign_in(client, interview_year):
    response = client.get(reverse(PDF, args=[YEAR]))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_needs_the_view_target_permission(client, outsider, interview_year):
    client.force_login(outsider)
    assert client.get(reverse(PDF, args=[YEAR])).status_code == 403


def test_staff_read_it_too(client, staff_user, interview_year):
    client.force_login(_join(staff_user, STAFF))
    _pdf(client.get(reverse(PDF, args=[YEAR])))


def test_no_pdf_for_a_year_without_a_report_nor_an_edition_it_does_not_have(publisher_client, interview_year):
    assert publisher_client.get(reverse(PDF, args=[2009])).status_code == 404
    assert publisher_client.get(reverse(PDF, args=[YEAR]), {"edition": 1}).status_code == 404


def test_without_weasyprint_or_pango_the_pdf_says_why(publisher_client, interview_year, monkeypatch):
    import targets

    monkeypatch.delattr(targets, "report_pdf", raising=False)
    monkeypatch.setitem(sys.modules, "targets.report_pdf", None)  # as if importing it failed
    response = publisher_client.get(reverse(PDF, args=[YEAR]))
    assert response.status_code == 503
    assert "make pdf-deps" in response.content.decode()
    assert publisher_client.get(reverse(REPORT, args=[YEAR])).status_code == 200  # the rest works


def test_queries(publisher_client, interview_year, django_assert_num_queries):
    _publish(publisher_client)
    # The request's savepoint and its release (ATOMIC_REQUESTS), session, user, its permissions (2),
    # the programmes' start, the editions, the edition's content, the letterhead.
    with django_assert_num_queries(10):
        _pdf(publisher_client.get(reverse(PDF, args=[YEAR])))


# --- The demo data -----------------------------------------------------------------------------------


def test_the_2013_demo_edition(client, db, monkeypatch):
    """Issue 13: the PDF of the 2013 demo edition opens and holds the report's text."""
    monkeypatch.setattr("targets.management.commands.load_demo.analyze", lambda *models, **kwargs: False)
    call_command("load_demo", facilities=MIN_FACILITIES, stdout=io.StringIO())
    client.force_login(_join(Group.objects.get(name=MANAGERS).user_set.get(), MANAGERS))
    _publish(client)
    edition = ReportEdition.objects.get(year=YEAR)
    for language in ("vi", "en"):
        text = _text(_pdf(_language(client, language).get(reverse(PDF, args=[YEAR]))))
        report = editions.edition_report(edition, language)
        missing = [sentence for sentence in report.sentences if _flat(sentence) not in text]
        assert missing == [], language
