"""Spreadsheet-formula injection is prevented in every export, CSV and XLSX alike.

Facilities (and a sector) are named like formulas. Every CSV export that can show
them must write them with an apostrophe in front (cpdash.exports.escape_formula),
and no text cell may start with a formula character. Every XLSX export writes them
as they are, in cells typed as strings: no cell of any workbook is a formula.
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
    """The text cells of every sheet; fails if any cell is a formula or text not typed as a string."""
    book = openpyxl.load_workbook(io.BytesIO(content))
    cells = [cell for sheet in book.worksheets for row in sheet.iter_rows() for cell in row]
    assert [c.coordinate for c in cells if c.data_type == "f"] == [], "a cell is a formula"
    assert {c.data_type for c in cells if isinstance(c.value, str)} <= {"s"}
    return [c.value for c in cells if isinstance(c.value, str)]


def cells(content: bytes, fmt: str) -> list[str]:
    return xlsx_cells(content) if fmt == "xlsx" else csv_cells(content)


def assert_escaped(found: list[str], expected: set[str] = ESCAPED) -> None:
    """Every name comes out escaped, and no text cell would run as a formula (CSV)."""
    assert expected <= set(found), f"missing escaped cells: {expected - set(found)}"
    assert [c for c in found if c.startswith(FORMULA_STARTS)] == []


def assert_safe(content: bytes, fmt: str, names: tuple[str, ...] = NAMES) -> None:
    """CSV: every name escaped. XLSX: every name as it is, no formula (xlsx_cells)."""
    if fmt == "csv":
        assert_escaped(csv_cells(content), {"'" + name for name in names})
    else:
        found = xlsx_cells(content)
        assert set(names) <= set(found), f"missing cells: {set(names) - set(found)}"
        assert not [c for c in found if c.startswith("'") and c[1:] in names], "an escaping apostrophe is left"


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
    assert_safe(body(response), fmt)


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_dashboard_export_escapes_scope_names(admin_client, fmt):
    phase = builders.phase()
    for name in NAMES:
        builders.target(phase, sector=builders.sector(name))
    response = admin_client.get(
        reverse("targets:dashboard_export", args=[fmt]), {"phase": phase.pk, "as_of": "2013-01-01"}
    )
    assert response.status_code == 200
    assert_safe(response.content, fmt)  # the scope column names the sector


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_facility_resource_export_escapes(formula_facilities, fmt):
    """What the admin's export writes: the resource's cells in import-export's CSV, or
    in cpdash's XLSX writer (cpdash.admin.TypedXLSXExportMixin)."""
    from import_export.formats.base_formats import CSV

    from cpdash.exports import xlsx_bytes

    dataset = FacilityResource().export()
    content = CSV().export_data(dataset).encode() if fmt == "csv" else xlsx_bytes(dataset)
    assert_safe(content, fmt)


def admin_export(client, fmt: str):
    """The admin's export of the facilities, every column, as ``fmt`` ("csv" or "xlsx")."""
    url = reverse("admin:facilities_facility_export")
    form = client.get(url).context["form"]
    formats = dict(form.fields["format"].choices)
    data = {"format": next(k for k, v in formats.items() if str(v).lower() == fmt), "resource": 0}
    data.update({name: "on" for name, field in form.fields.items() if getattr(field, "is_selectable_field", False)})
    return client.post(url, data)


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_admin_export_escapes(admin_client, formula_facilities, fmt):
    response = admin_export(admin_client, fmt)
    assert response.status_code == 200, response.content[:500]
    assert response["Content-Type"].startswith("text/csv" if fmt == "csv" else "application/vnd.openxml")
    assert_safe(response.content, fmt)


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_programme_list_exports_escape(admin_client, formula_facilities, fmt):
    for facility in formula_facilities:
        builders.survey(facility, surveyed_on=dt.date(2012, 6, 1), surveyors="-1+1")
        builders.solution(facility, description="=1+1")
    for name in ("programmes:survey_list", "programmes:solution_list"):
        response = admin_client.get(reverse(name), {"_export": fmt})
        assert response.status_code == 200
        found = cells(body(response), fmt)  # XLSX: no formula, text typed as strings
        if fmt == "csv":
            assert [c for c in found if c.startswith(FORMULA_STARTS)] == []
        else:
            assert set(NAMES) <= set(found)


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
    found = xlsx_cells(response.content)  # no formula, text typed as strings
    assert "@model" in found
    assert "'@model" not in found
