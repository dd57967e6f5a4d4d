"""plotly.js's toolbar speaks the page's language (targets/templatetags/plotly_locale.py)."""

import json
import re
from pathlib import Path

import plotly
import pytest
from django.urls import reverse

from targets.templatetags.plotly_locale import ELEMENT_ID, dictionary

pytestmark = pytest.mark.django_db

#: The plotly.js the pages load (static/vendor/plotly comes from the pinned plotly wheel).
PLOTLY_JS = Path(plotly.__file__).parent / "package_data" / "plotly.min.js"


def test_every_text_translated_is_one_plotly_js_shows():
    """Keyed by plotly.js's English texts: one it renamed in an upgrade would go back to English."""
    source = PLOTLY_JS.read_text(encoding="utf-8")
    missing = [text for text in dictionary() if f'"{text}"' not in source]
    assert missing == []


def _island(content: str) -> dict | None:
    found = re.search(rf'<script id="{ELEMENT_ID}" type="application/json">(.*?)</script>', content, re.S)
    return json.loads(found.group(1)) if found else None


@pytest.mark.parametrize("page", ["dashboard", "report"])
def test_the_chart_pages_carry_the_toolbar_in_vietnamese_not_in_english(manager_client, interview_year, page):
    url = reverse("targets:dashboard") if page == "dashboard" else reverse("targets:report", args=[2012])
    manager_client.cookies["django_language"] = "vi"
    words = _island(manager_client.get(url).content.decode())
    assert words["Download plot as a PNG"] == "Tải biểu đồ về dưới dạng ảnh PNG"
    assert set(words) == set(dictionary())
    manager_client.cookies["django_language"] = "en"
    assert _island(manager_client.get(url).content.decode()) is None
