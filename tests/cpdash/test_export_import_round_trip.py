"""An exported register imports back unchanged: names that start like a formula
(= + - @) keep their exact spelling through export and import, in CSV (escaped
with an apostrophe, which the import takes off again) and in XLSX (written as
typed strings, no apostrophe). Before, each round trip added an apostrophe."""

import datetime as dt

import pytest

from cpdash.imports import cell_text
from facilities.models import Facility
from tests import builders
from tests.cpdash.test_exports_injection import admin_export
from tests.facilities.test_admin_import import CSV, XLSX, confirm, upload

pytestmark = pytest.mark.django_db

NAMES = ('=HYPERLINK("http://x")', "+84 Bát Tràng", "-Gốm", "@cmd", "'=already quoted", "'plain apostrophe")


@pytest.fixture
def named_like_formulas():
    sector, unit = builders.sector("Gốm sứ"), builders.unit("Gia Lâm")
    for n, name in enumerate(NAMES):
        builders.facility(code=f"X{n}", name=name, sector=sector, unit=unit, opened_on=dt.date(2010, 1, 1))


@pytest.mark.parametrize(("fmt", "position"), [("csv", CSV), ("xlsx", XLSX)])
def test_export_then_import_keeps_every_name(admin_client, named_like_formulas, fmt, position):
    for _round_trip in range(2):
        exported = admin_export(admin_client, fmt)
        assert exported.status_code == 200

        preview = upload(admin_client, exported.content, name=f"facilities.{fmt}", file_format=position)
        assert "confirm_form" in preview.context, [str(p) for p in preview.context.get("problems", [])]
        assert confirm(admin_client, preview).status_code == 302

        assert sorted(Facility.objects.values_list("name", flat=True)) == sorted(NAMES)


@pytest.mark.parametrize(
    ("cell", "text"),
    [
        ("'=SUM(1)", "=SUM(1)"),
        ("'+84", "+84"),
        ("'-5", "-5"),
        ("'@cmd", "@cmd"),
        ("''=1", "'=1"),  # exactly one apostrophe comes off
        ("  '=1  ", "=1"),
        ("'abc", "'abc"),  # an apostrophe before a letter escapes nothing
        ("O'Brien", "O'Brien"),
        ("=1", "=1"),
    ],
)
def test_an_import_takes_off_one_escaping_apostrophe(cell, text):
    assert cell_text(cell) == text
