"""Pages travel gzipped when the browser accepts it; workbooks and images as they are
(cpdash/compression.py)."""

import gzip

import pytest
from django.http import HttpResponse, StreamingHttpResponse
from django.test import RequestFactory

from cpdash.compression import TextGZipMiddleware

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
BODY = "<p>Hà Nội sản xuất sạch hơn</p>" * 200


def respond(response, accept: str = "gzip, deflate, br"):
    request = RequestFactory().get("/", HTTP_ACCEPT_ENCODING=accept)
    return TextGZipMiddleware(lambda request: response)(request)


def test_a_page_is_gzipped_for_a_browser_that_accepts_it():
    response = respond(HttpResponse(BODY, content_type="text/html; charset=utf-8"))
    assert response["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in response["Vary"]
    assert gzip.decompress(response.content).decode() == BODY
    assert len(response.content) < len(BODY.encode()) / 10


def test_a_page_is_plain_for_a_client_that_does_not_accept_gzip():
    response = respond(HttpResponse(BODY, content_type="text/html; charset=utf-8"), accept="identity")
    assert not response.has_header("Content-Encoding")
    assert response.content.decode() == BODY


@pytest.mark.parametrize("content_type", ["application/json", "text/csv; charset=utf-8"])
def test_data_in_text_is_gzipped(content_type):
    response = respond(HttpResponse(BODY, content_type=content_type))
    assert response["Content-Encoding"] == "gzip"


def test_a_streamed_csv_is_gzipped_as_it_streams():
    rows = (f"{n};Cơ sở {n}\n".encode() for n in range(1000))
    response = respond(StreamingHttpResponse(rows, content_type="text/csv; charset=utf-8"))
    assert response["Content-Encoding"] == "gzip"
    assert gzip.decompress(b"".join(response.streaming_content)).decode().count("\n") == 1000


@pytest.mark.parametrize("content_type", [XLSX, "image/png", "application/zip"])
def test_compressed_formats_pass_through_untouched(content_type):
    body = b"PK\x03\x04" + bytes(1000)  # compresses well: Django's GZipMiddleware alone would
    response = respond(HttpResponse(body, content_type=content_type, headers={"Content-Length": "1004"}))
    assert not response.has_header("Content-Encoding")
    assert response.content == body
    assert response["Content-Length"] == "1004"


def test_the_project_compresses_pages_after_whitenoise(settings):
    """Below whitenoise, so static files (already .br/.gz) never reach it."""
    middleware = settings.MIDDLEWARE
    assert middleware.index("cpdash.compression.TextGZipMiddleware") == (
        middleware.index("whitenoise.middleware.WhiteNoiseMiddleware") + 1
    )
