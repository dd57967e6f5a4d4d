"""What a previewed import would do, and what stops it, counted in the user's language
(thousands grouped as the language writes them): templates/admin/_import_counts.html and
the facility import's problems (templates/admin/facilities/facility/import_problems.html)."""

from types import SimpleNamespace

import pytest
from django.template.loader import render_to_string
from django.utils import translation


@pytest.mark.parametrize(
    ("language", "new", "errors"),
    [("en", "2,500 new rows", "1 row with errors"), ("vi", "2.500 dòng mới", "1 dòng có lỗi")],
)
def test_counts_are_grouped_and_pluralised(language, new, errors):
    result = SimpleNamespace(totals={"new": 2500, "update": 0, "skip": 3, "invalid": 1, "error": 0})
    with translation.override(language):
        page = render_to_string("admin/_import_counts.html", {"result": result})
    assert new in page
    assert errors in page
    assert "2500" not in page


@pytest.mark.parametrize(
    ("language", "heading"), [("en", "1,500 problems: nothing"), ("vi", "1.500 lỗi: không thể nhập")]
)
def test_the_problems_heading_is_grouped(language, heading):
    with translation.override(language):
        page = render_to_string("admin/facilities/facility/import_problems.html", {"problems": ["x"] * 1500})
    assert heading in page
    assert "1500" not in page
