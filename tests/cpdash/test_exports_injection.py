"""Spreadsheet-formula injection is escaped in every export, CSV and XLSX alike.

Facilities (and a sector) are named like formulas; every export that can show
them must write them with an apostrophe in front (cpdash.exports.escape_formula),
and no text cell of any export may start with a formula character.
"""

import csv
import datetime as dt
import io

import openpyxl
import pytest
from django.urls import NoReverseMatch, reverse

from cpdash.exports import FORMULA_STARTS
from facilities.resources import FacilityResource
from tests import builders
from tests.responses import body

pytestmark = pytest.mark.django_db

NAMES = ('=HYPERLINK("http://x")', "+SUM(1)", "@cmd")
ESCAPED = {"'" + name for name in NAMES}


def csv_cells(content: bytes | str) -> list[str]:
    text = content.decode("utf-8-sig") if isinstance(content, bytes) else content.lstrip("\ufeff")
    return [cell for row in csv.reader(io.StringIO(text)) for cell in row]


def xlsx_cells(content: bytes) -> list[str]:
    book = openpyxl.load_workbook(io.BytesIO(content))
    return [
        cell
        for sheet in book.worksheets
        for row in sheet.iter_rows(values_only=True)
        for cell in row
        if isinstance(cell, str)
    ]


def cells(content: bytes, fmt: str) -> list[str]:
    return xlsx_cells(content) if fmt == "xlsx" else csv_cells(content)


def assert_escaped(found: list[str], expected: set[str] = ESCAPED) -> None:
    """Every name comes out escaped, and no text cell would run as a formula."""
    assert expected <= set(found), f"missing escaped cells: {expected - set(found)}"
    assert [c for c in found if c.startswith(FORMULA_STARTS)] == []


@pytest.fixture(autouse=True)
def plain_http(settings):
    settings.SECURE_SSL_REDIRECT = False  # the test client speaks plain HTTP


@pytest.fixture
def formula_facilities():
    sector = builders.sector("Gốm sứ")
    unit = builders.unit("Gia Lâm")
    return [
        builders.facility(code=f"X{n}", name=name, sector=sector, unit=unit, opened_on=dt.date(2010, 1, 1))
        for n, name in enumerate(NAMES)
    ]


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
@pytest.mark.parametrize("url_name", ["facilities:list", "facilities:reach_next"])
def test_facility_pages_export_names_escaped(admin_client, formula_facilities, url_name, fmt):
    response = admin_client.get(reverse(url_name), {"_export": fmt})
    assert response.status_code == 200
    assert_escaped(cells(body(response), fmt))


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_dashboard_export_escapes_scope_names(admin_client, fmt):
    phase = builders.phase()
    for name in NAMES:
        builders.target(phase, sector=builders.sector(name))
    response = admin_client.get(
        reverse("targets:dashboard_export", args=[fmt]), {"phase": phase.pk, "as_of": "2013-01-01"}
    )
    assert response.status_code == 200
    assert_escaped(cells(response.content, fmt))  # the scope column names the sector


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_facility_resource_export_escapes(formula_facilities, fmt):
    """What the admin's export writes (import-export formats call the resource)."""
    from import_export.formats.base_formats import CSV, XLSX

    dataset = FacilityResource().export()
    content = (CSV if fmt == "csv" else XLSX)().export_data(dataset)
    assert_escaped(cells(content.encode() if isinstance(content, str) else content, fmt))


def test_admin_export_escapes(admin_client, formula_facilities):
    url = reverse("admin:facilities_facility_export")
    form = admin_client.get(url).context["form"]
    formats = dict(form.fields["format"].choices)
    data = {"format": next(k for k, v in formats.items() if str(v).lower() == "csv"), "resource": 0}
    data.update({name: "on" for name, field in form.fields.items() if getattr(field, "is_selectable_field", False)})
    response = admin_client.post(url, data)
    assert response.status_code == 200, response.content[:500]
    assert response["Content-Type"].startswith("text/csv")
    assert_escaped(csv_cells(response.content))


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_programme_list_exports_escape(admin_client, formula_facilities, fmt):
    for facility in formula_facilities:
        builders.survey(facility, surveyed_on=dt.date(2012, 6, 1), surveyors="-1+1")
        builders.solution(facility, description="=1+1")
    for name in ("programmes:survey_list", "programmes:solution_list"):
        response = admin_client.get(reverse(name), {"_export": fmt})
        assert response.status_code == 200
        found = cells(body(response), fmt)
        assert [c for c in found if c.startswith(FORMULA_STARTS)] == []


def test_annual_report_xlsx_escapes(admin_client, formula_facilities):
    try:
        url = reverse("targets:report_xlsx", args=[2012])
    except NoReverseMatch:
        pytest.skip("the annual report workbook (targets:report_xlsx) is not there yet")
    builders.phase()
    host, *others = formula_facilities
    builders.demonstration(host, replicated_at=others, name="@model", started_on=dt.date(2012, 3, 1))
    response = admin_client.get(url)
    assert response.status_code == 200
    found = xlsx_cells(response.content)
    assert [c for c in found if c.startswith(FORMULA_STARTS)] == []
    assert "'@model" in found
