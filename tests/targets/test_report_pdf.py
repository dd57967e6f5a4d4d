"""The PDF's pieces that need no database: CSS strings, the page counter, what WeasyPrint may read."""

import pytest
from weasyprint.urls import FatalURLFetchingError, fetch

from targets.report_pdf import STATIC_BASE, StaticFetcher, css_string, page_counter


def test_css_string_escapes_what_could_end_it_or_the_style_element():
    assert css_string('Sở "Công" Thương\\') == '"Sở \\"Công\\" Thương\\\\"'
    assert css_string("</style><script>") == '"\\3C /style>\\3C script>"'
    assert css_string("a\nb") == '"a\\A b"'


@pytest.mark.parametrize(
    ("label", "content"),
    [
        ("Page %(page)s of %(pages)s", '"Page " counter(page) " of " counter(pages)'),
        ("Trang %(page)s/%(pages)s", '"Trang " counter(page) "/" counter(pages)'),
        ("%(page)s", "counter(page)"),
    ],
)
def test_page_counter(label, content):
    assert page_counter(label) == content


def test_the_fetcher_reads_the_projects_static_files():
    with fetch(StaticFetcher(), f"{STATIC_BASE}fonts/NotoSans-Regular.ttf") as response:
        assert response.read(4) == b"\x00\x01\x00\x00"  # a TrueType font
    with fetch(StaticFetcher(), f"{STATIC_BASE}css/report-pdf.css") as response:
        assert b"@font-face" in response.read()
    with fetch(StaticFetcher(), "data:image/png;base64,iVBORw0KGgo=") as response:
        assert response.read() == b"\x89PNG\r\n\x1a\n"


@pytest.mark.parametrize(
    "url",
    [
        "https://example.test/font.ttf",
        "file:///etc/passwd",
        f"{STATIC_BASE}../../etc/passwd",
        f"{STATIC_BASE}fonts/missing.ttf",
        "ftp://example.test/x",
    ],
)
def test_the_fetcher_refuses_everything_else(url):
    with pytest.raises(FatalURLFetchingError), fetch(StaticFetcher(), url):
        pass
