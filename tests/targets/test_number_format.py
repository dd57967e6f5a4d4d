"""One formatter: in Vietnamese, no number on the dashboard, the report, the facility list
or their exports is written with "." before its decimals (39,0 not 39.0; 1.234 is a
thousand). Scans the visible text of the pages (not attributes, scripts or data) and the
text cells of the exports."""

import io
import json
import re

import openpyxl
import pytest
from django.conf import settings
from django.contrib.auth.models import Group, User
from django.urls import reverse

from cpdash.roles import MANAGERS, ensure_groups

pytestmark = pytest.mark.django_db

#: A decimal point: a digit, ".", one or two digits, then no digit (1.234 is a thousand in vi).
DECIMAL_POINT = re.compile(r"\d\.\d{1,2}(?!\d)")


def visible_text(page: str) -> str:
    page = re.sub(r"<(script|style|template)\b.*?</\1>", " ", page, flags=re.S | re.I)
    page = re.sub(r"<!--.*?-->", " ", page, flags=re.S)
    return " ".join(re.sub(r"<[^>]+>", " ", page).split())


def chart_texts(page: str) -> list[str]:
    """The labels the charts draw: their figures' "text" values (JSON in the page)."""
    found: list[str] = []

    def walk(node):
        if isinstance(node, dict):
            for key, value in node.items():
                if key in ("text", "title") and isinstance(value, str):
                    found.append(value)
                elif key == "text" and isinstance(value, list):
                    found.extend(v for v in value if isinstance(v, str))
                else:
                    walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    for body in re.findall(r'<script[^>]*type="application/json"[^>]*>(.*?)</script>', page, flags=re.S):
        try:
            walk(json.loads(body))
        except ValueError:
            continue
    return found


def decimal_points(texts) -> list[str]:
    """Each text with a decimal point, around it."""
    found = []
    for text in texts:
        for match in DECIMAL_POINT.finditer(text):
            found.append(text[max(0, match.start() - 30) : match.end() + 30])
    return found


@pytest.fixture
def manager_vi(client, manager_user):
    ensure_groups()
    manager_user.groups.add(Group.objects.get(name=MANAGERS))
    client.force_login(User.objects.get(pk=manager_user.pk))
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "vi"
    return client


def pages(interview_year) -> dict[str, tuple[str, dict]]:
    as_of = {"as_of": "2012-12-31"}
    return {
        "dashboard": (reverse("targets:dashboard"), {"phase": interview_year.phase.pk, **as_of}),
        "report": (reverse("targets:report", args=[2012]), {}),
        "facility list": (reverse("facilities:list"), as_of),
        "facilities applying": (reverse("facilities:list"), {**as_of, "status": "applying"}),
        "reach next": (reverse("facilities:reach_next"), as_of),
    }


def test_pages_write_decimals_with_a_comma_in_vietnamese(manager_vi, interview_year):
    problems = {}
    for name, (url, params) in pages(interview_year).items():
        response = manager_vi.get(url, params)
        assert response.status_code == 200, name
        page = response.content.decode()
        assert '<html lang="vi"' in page
        found = decimal_points([visible_text(page), *chart_texts(page)])
        if found:
            problems[name] = found
    assert problems == {}


def test_exports_write_decimals_with_a_comma_in_vietnamese(manager_vi, interview_year):
    exports = {
        "dashboard csv": reverse("targets:dashboard_export", args=["csv"]),
        "dashboard xlsx": reverse("targets:dashboard_export", args=["xlsx"]),
        "report xlsx": reverse("targets:report_xlsx", args=[2012]),
        "facility list csv": reverse("facilities:list") + "?_export=csv",
        "facility list xlsx": reverse("facilities:list") + "?_export=xlsx",
    }
    problems = {}
    for name, url in exports.items():
        separator = "&" if "?" in url else "?"
        response = manager_vi.get(f"{url}{separator}as_of=2012-12-31&phase={interview_year.phase.pk}")
        assert response.status_code == 200, name
        body = b"".join(response.streaming_content) if response.streaming else response.content
        if name.endswith("csv"):
            texts = [body.decode("utf-8-sig")]
        else:
            book = openpyxl.load_workbook(io.BytesIO(body))
            texts = [cell for sheet in book for row in sheet.iter_rows(values_only=True) for cell in row]
            texts = [cell for cell in texts if isinstance(cell, str)]
        found = decimal_points(texts)
        if found:
            problems[name] = found
    assert problems == {}
