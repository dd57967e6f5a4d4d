"""The results report as PDF, rendered by WeasyPrint (docs/reports.md, "The report as PDF").

render_pdf() lays out templates/targets/report_pdf.html on A4 pages: the department's
letterhead (targets.models.Letterhead), the report's sentences and tables, its charts
as SVG drawn on the server (targets/svg.py), page numbers and the date of the data in
the margins. The report is whatever the caller gives: an edition's, read back as
published, or the live one, marked "not published".

WeasyPrint reads nothing but the report's own static files (its stylesheet and the
Noto Sans fonts in static/fonts, found by Django's static finders) and data: URIs (the
logo): StaticFetcher refuses every other address, so a PDF never reaches the network
nor any other file. WeasyPrint needs Pango (Debian: `make pdf-deps`); importing this
module without it raises OSError, which the view turns into a message.
"""

import base64
import datetime
import mimetypes
import re
import urllib.parse
from pathlib import Path

from django.contrib.staticfiles import finders
from django.template.loader import render_to_string
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from weasyprint import HTML
from weasyprint.urls import URLFetcher, URLFetcherResponse

from targets import svg
from targets.annual_report import AnnualReport
from targets.models import Letterhead, ReportEdition

#: What the report's relative URLs resolve against; StaticFetcher maps it to the static finders.
STATIC_BASE = "file:///cpdash-static/"
#: The fonts the PDF embeds, by their family name (static/css/report-pdf.css).
FONT_FAMILY = "Noto Sans"


class StaticFetcher(URLFetcher):
    """Fetches the project's static files under STATIC_BASE and data: URIs; refuses the rest.
    A missing file stops the rendering (fail_on_errors) instead of a PDF without its fonts."""

    def __init__(self) -> None:
        super().__init__(allowed_protocols=("file", "data"), fail_on_errors=True)

    def fetch(self, url: str, headers=None) -> URLFetcherResponse:
        if url.startswith("data:"):
            return super().fetch(url, headers)
        if not url.startswith(STATIC_BASE):
            raise ValueError(f"the report as PDF reads only its own static files, not {url}")
        relative = urllib.parse.unquote(url.removeprefix(STATIC_BASE).split("?")[0])
        found = finders.find(relative)  # safe_join inside: "../" cannot leave the static folders
        if not found:
            raise FileNotFoundError(f"no static file {relative}")
        content_type = mimetypes.guess_type(found)[0] or "application/octet-stream"
        return URLFetcherResponse(url, Path(found).read_bytes(), {"Content-Type": content_type})


def css_string(text: str) -> str:
    """``text`` as a quoted CSS string, safe inside a <style> element: quotes, backslashes,
    line ends and "<" (which could close the element) escaped."""
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\A ").replace("<", "\\3C ")
    return f'"{escaped}"'


def page_counter(label: str) -> str:
    """A CSS ``content`` value from a translated label holding %(page)s and %(pages)s:
    "Page %(page)s of %(pages)s" → "Page " counter(page) " of " counter(pages)."""
    parts = []
    for piece in re.split(r"(%\((?:page|pages)\)s)", label):
        if piece in ("%(page)s", "%(pages)s"):
            parts.append(f"counter({piece[2:-2]})")
        elif piece:
            parts.append(css_string(piece))
    return " ".join(parts)


def data_date(report: AnnualReport, edition: ReportEdition | None, today: datetime.date) -> str:
    """The date of the data, for the pages' foot: the edition's as-of date, number and publishing
    day, or the live figures' as-of date and the day they were read, marked not published."""
    if edition is not None:
        return _("Figures as of %(as_of)s · edition %(number)s, published on %(published)s") % {
            "as_of": short_date(edition.as_of),
            "number": edition.number,
            "published": short_date(timezone.localdate(edition.published_at)),
        }
    return _("Live figures as of %(as_of)s, read on %(today)s · not published") % {
        "as_of": short_date(report.end),
        "today": short_date(today),
    }


def short_date(day: datetime.date) -> str:
    return formats.date_format(day, "SHORT_DATE_FORMAT")


def logo_uri(letterhead: Letterhead) -> str:
    """The letterhead's logo as a data: URI, "" when it has none."""
    if not letterhead.logo:
        return ""
    return f"data:{letterhead.logo_type};base64,{base64.b64encode(bytes(letterhead.logo)).decode('ascii')}"


def render_pdf(
    report: AnnualReport,
    *,
    edition: ReportEdition | None,
    letterhead: Letterhead,
    language: str,
    today: datetime.date,
    context: dict | None = None,
) -> bytes:
    """The report as PDF bytes, in the active language (``language`` its code).

    ``edition``: the edition ``report`` was read from, None for the live figures (read on
    ``today``); ``context``: more for the template (the register version).
    """
    department = letterhead.department(language)
    title = _("Cleaner production results %(year)s") % {"year": report.year}
    html = render_to_string(
        "targets/report_pdf.html",
        {
            "r": report,
            "edition": edition,
            "letterhead": letterhead,
            "department": department,
            "title": title,
            "data_date": data_date(report, edition, today),
            "margins": {
                "department": css_string(department),
                "title": css_string(title),
                "data_date": css_string(data_date(report, edition, today)),
            },
            "authority": letterhead.authority(language),
            "logo": logo_uri(letterhead),
            "charts": svg.report_svgs(report),
            "page_counter": page_counter(_("Page %(page)s of %(pages)s")),
            "language": language,
            **(context or {}),
        },
    )
    document = HTML(string=html, base_url=STATIC_BASE, url_fetcher=StaticFetcher()).render()
    return document.write_pdf()
