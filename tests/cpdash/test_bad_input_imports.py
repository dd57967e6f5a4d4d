"""Random and malformed files through every import, the encodings CSV files come
in, and the upload size limit.

Property-based (hypothesis): CSV and XLSX files with random headers, cells,
encodings, byte-order marks, random bytes and truncations go through
FacilityResource, the four programme-record resources and the admin's import
pages. Reading a file may only fail with ImportFileError (the clear message the
admin shows); an import never raises, and writes all its rows or nothing.
Each example runs in a savepoint that is rolled back.
"""

import codecs
import csv
import datetime as dt
import io
import unicodedata

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.urls import reverse
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from cpdash.imports import CSVFormat, ImportFileError, XLSXFormat
from facilities.models import AdministrativeUnit, Facility, ProductionArea, Sector
from facilities.resources import COLUMNS, FacilityResource
from programmes.resources import OutreachActivityResource, SolutionResource, SpecialistResource, SurveyResource
from tests import builders
from tests.cpdash.test_bad_input_forms import MALFORMED, changed, counts
from tests.facilities.conftest import csv_bytes, good_row

pytestmark = pytest.mark.django_db

EXAMPLES = settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
RECORD_RESOURCES = [OutreachActivityResource, SurveyResource, SolutionResource, SpecialistResource]

# --- Strategies -----------------------------------------------------------------------------------

#: Cells that read (workshop, a code, a date, a unit…) so that rows get past the first checks.
PLAUSIBLE = [
    "F100",
    "F200",
    "X1",
    "Cơ sở gốm Minh Long",
    "Gốm sứ",
    "gom su",
    "Gia Lâm",
    "Đông Anh",
    "Bát Tràng",
    "craft_village",
    "household",
    "workshop",
    "hội thảo",
    "Hội thảo SXSH",
    "good_housekeeping",
    "implemented",
    "technique",
    "energy",
    "kWh",
    "2012-06-01",
    "01/06/2012",
    "12",
    "0",
    "1.5",
    "yes",
    "không",
]
CELL = st.one_of(
    st.sampled_from(PLAUSIBLE),
    st.sampled_from(PLAUSIBLE),
    st.sampled_from(MALFORMED),
    st.text(max_size=30),
)


@st.composite
def table(draw, columns: list[str], valid_rows: list[dict]) -> tuple[list[str], list[list[object]]]:
    """(header, rows): ``valid_rows`` (a file that imports) with a few cells changed
    to plausible or malformed ones, rows added, and sometimes the header broken
    (a column left out, renamed, repeated, or a random header)."""
    header = list(columns)
    rows = [["" if row.get(c) is None else str(row.get(c, "")) for c in columns] for row in valid_rows]
    for _ in range(draw(st.sampled_from([0, 0, 0, 1, 2, 4]))):
        rows[draw(st.integers(0, len(rows) - 1))][draw(st.integers(0, len(header) - 1))] = draw(CELL)
    if draw(st.integers(0, 3)) == 0:
        rows += draw(st.lists(st.lists(CELL, min_size=1, max_size=len(header) + 1), min_size=1, max_size=2))
    damage = draw(st.integers(0, 14))
    names = st.one_of(st.sampled_from(columns), st.sampled_from(["", "Tên", "x y", "\ufeffcode", "Code"]))
    if damage == 0:
        header = draw(st.lists(names, max_size=len(columns) + 2))
    elif damage in (1, 2):
        header[draw(st.integers(0, len(header) - 1))] = draw(names)
    elif damage == 3:
        del header[draw(st.integers(0, len(header) - 1))]
    return header, rows


def to_csv(header: list[str], rows: list[list[str]], delimiter: str) -> str:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter)
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue()


FACILITY_ROWS = [good_row("X1"), good_row("X2", production_area="", area_type="", closed_on="2015-01-01")]
ENCODINGS = ["utf-8", "utf-8", "utf-8-sig", "utf-16", "utf-16-le", "cp1258", "cp1252", "latin-1"]


@st.composite
def csv_file(draw, columns: list[str], valid_rows: list[dict]) -> bytes:
    header, rows = draw(table(columns, valid_rows))
    text = to_csv(header, rows, draw(st.sampled_from([",", ";", "\t"])))
    data = text.encode(draw(st.sampled_from(ENCODINGS)), errors="replace")
    if draw(st.integers(0, 4)) == 0:
        data = data[: draw(st.integers(0, len(data)))]  # a truncated upload
    return data


def _xlsx_cell(value: str) -> object:
    return ILLEGAL_CHARACTERS_RE.sub("", value)  # openpyxl cannot even write these


@st.composite
def xlsx_file(draw, columns: list[str], valid_rows: list[dict]) -> bytes:
    header, rows = draw(table(columns, valid_rows))
    extra = st.one_of(st.integers(-(10**15), 10**15), st.floats(-1e12, 1e12), st.dates(), st.none())
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append([_xlsx_cell(h) for h in header])
    for row in rows:
        sheet.append([_xlsx_cell(str(c)) if draw(st.integers(0, 5)) else draw(extra) for c in row])
    out = io.BytesIO()
    book.save(out)
    data = out.getvalue()
    if draw(st.integers(0, 4)) == 0:
        data = data[: draw(st.integers(0, len(data)))]
    return data


def any_file(columns: list[str], valid_rows: list[dict]) -> st.SearchStrategy:
    """(format class, bytes): a CSV or XLSX file, or random bytes (e.g. a PDF) under either name."""
    junk = st.one_of(
        st.binary(max_size=300), st.sampled_from([b"", codecs.BOM_UTF8, codecs.BOM_UTF16_LE, b"PK\x03\x04"])
    )
    return st.one_of(
        st.tuples(st.just(CSVFormat), csv_file(columns, valid_rows)),
        st.tuples(st.just(CSVFormat), csv_file(columns, valid_rows)),
        st.tuples(st.just(XLSXFormat), xlsx_file(columns, valid_rows)),
        st.tuples(st.sampled_from([CSVFormat, XLSXFormat]), junk),
    )


# --- Checks -----------------------------------------------------------------------------------------


def read(fmt, data: bytes):
    """The file's dataset, or None when it is refused with a clear message."""
    try:
        return fmt().create_dataset(data)
    except ImportFileError as error:
        assert str(error)
        return None


def check_import(resource, fmt, data: bytes, model) -> None:
    """Import ``data`` for real in a rolled-back savepoint: no exception, and all or nothing."""
    with transaction.atomic():
        before = counts()
        dataset = read(fmt, data)
        if dataset is not None:
            result = resource.import_data(dataset, dry_run=False)
            diff = changed(before, counts())
            if result.has_errors() or result.has_validation_errors():
                assert diff == {}, f"a refused import wrote {diff}"
            else:
                new = sum(1 for row in result.rows if row.import_type == "new")
                added = len(getattr(result, "added", ())) or new
                assert diff.get(model._meta.label, 0) == added
        transaction.set_rollback(True)


@pytest.fixture
def register(db) -> None:
    """The names tests/facilities/conftest.py's rows use: sectors, units and areas, with diacritics."""
    builders.sector("Gốm sứ")
    gia_lam, dong_anh = builders.unit("Gia Lâm"), builders.unit("Đông Anh")
    builders.area("Bát Tràng", kind=ProductionArea.Kind.CRAFT_VILLAGE, unit=gia_lam)
    builders.area("Thăng Long", kind=ProductionArea.Kind.INDUSTRIAL_ZONE, unit=dong_anh)


@pytest.fixture
def facilities(register):
    """Open facilities in Gốm sứ and Gia Lâm, among them those the import templates name."""
    sector, unit = Sector.objects.get(name="Gốm sứ"), AdministrativeUnit.objects.get(name="Gia Lâm")
    for code in ("F100", "F200", "0101234567", "0101234568"):  # the last two: the templates' codes
        builders.facility(code=code, sector=sector, unit=unit, opened_on=dt.date(2005, 1, 1))


# --- The resources ------------------------------------------------------------------------------------


@EXAMPLES
@given(file=any_file(list(COLUMNS), FACILITY_ROWS))
@example(file=(CSVFormat, csv_bytes([good_row("X1"), good_row("X2")])))
def test_facility_import(facilities, file):
    fmt, data = file
    check_import(FacilityResource(), fmt, data, Facility)


@pytest.mark.parametrize("resource_class", RECORD_RESOURCES, ids=lambda r: r.__name__)
def test_programme_record_imports(facilities, resource_class):
    @EXAMPLES
    @given(file=any_file(resource_class.columns(), list(resource_class.template_rows)))
    def run(file):
        fmt, data = file
        check_import(resource_class(), fmt, data, resource_class.model)

    run()


# --- The admin's import pages ------------------------------------------------------------------------

ADMIN_IMPORTS = [
    ("facilities", "facility", FacilityResource),
    ("programmes", "survey", SurveyResource),
    ("programmes", "outreachactivity", OutreachActivityResource),
]


@pytest.fixture(autouse=True)
def plain_http(settings):
    settings.SECURE_SSL_REDIRECT = False  # the test client speaks plain HTTP


@pytest.mark.parametrize(("app", "model", "resource_class"), ADMIN_IMPORTS, ids=lambda v: getattr(v, "__name__", v))
def test_admin_import_pages(admin_client, facilities, app, model, resource_class):
    """Upload (preview) and, when the preview is valid, confirm: never a 500, and
    the preview writes nothing."""
    if resource_class is FacilityResource:
        columns, valid_rows = list(COLUMNS), FACILITY_ROWS
    else:
        columns, valid_rows = resource_class.columns(), list(resource_class.template_rows)

    @EXAMPLES
    @given(file=any_file(columns, valid_rows))
    def run(file):
        fmt, data = file
        with transaction.atomic():
            before = counts()
            upload = SimpleUploadedFile(f"file.{'csv' if fmt is CSVFormat else 'xlsx'}", data)
            form_format = "0" if fmt is CSVFormat else "1"
            response = admin_client.post(
                reverse(f"admin:{app}_{model}_import"), {"import_file": upload, "format": form_format, "resource": "0"}
            )
            assert response.status_code == 200
            assert changed(before, counts()) == {}, "the preview wrote"
            if "confirm_form" in response.context:
                initial = response.context["confirm_form"].initial
                confirmed = admin_client.post(reverse(f"admin:{app}_{model}_process_import"), initial)
                assert confirmed.status_code == 302
            elif not response.context.get("result"):
                assert response.context["form"].errors, "a refused file must say why"
            transaction.set_rollback(True)

    run()


# --- Encodings ---------------------------------------------------------------------------------------------


def windows_1258(text: str) -> bytes:
    """``text`` as Windows writes it in code page 1258: precomposed letters where the
    code page has them, else a base letter and a combining tone mark ("ố" → "ô" + U+0301)."""
    out = b""
    for ch in unicodedata.normalize("NFC", text):
        try:
            out += ch.encode("cp1258")
        except UnicodeEncodeError:
            decomposed = unicodedata.normalize("NFD", ch)
            for split in range(len(decomposed), 0, -1):
                head = unicodedata.normalize("NFC", decomposed[:split])
                try:
                    out += head.encode("cp1258") + decomposed[split:].encode("cp1258")
                    break
                except UnicodeEncodeError:
                    continue
            else:
                raise
    return out


VIETNAMESE_ROW = good_row(
    "VN1",
    name="Hợp tác xã gốm Bát Tràng",
    unit="Đông Anh",
    production_area="Thăng Long",
    area_type="kcn",
    kind="hợp tác xã",
    in_scope="có",
)


def _csv_text(rows) -> str:
    return csv_bytes(rows).decode("utf-8")


@pytest.mark.parametrize(
    "encode",
    [
        lambda text: codecs.BOM_UTF8 + text.encode("utf-8"),
        lambda text: text.encode("utf-16"),  # with its BOM, as Excel's "Unicode text" writes
        lambda text: text.encode("utf-8"),
        windows_1258,
    ],
    ids=["utf-8-bom", "utf-16-bom", "utf-8", "windows-1258"],
)
def test_vietnamese_names_survive_every_encoding(register, encode):
    data = encode(_csv_text([VIETNAMESE_ROW]))
    result = FacilityResource().import_data(CSVFormat().create_dataset(data), dry_run=False)
    assert not result.has_errors() and not result.has_validation_errors()
    facility = Facility.objects.select_related("unit", "area", "sector").get(code="VN1")
    assert facility.name == "Hợp tác xã gốm Bát Tràng"
    assert unicodedata.is_normalized("NFC", facility.name)
    assert (facility.unit.name, facility.area.name, facility.sector.name) == ("Đông Anh", "Thăng Long", "Gốm sứ")
    assert facility.kind == Facility.Kind.COOPERATIVE


def test_windows_1258_bytes_use_combining_tone_marks():
    """The test's encoder writes what Windows writes: "ố" is two bytes."""
    assert windows_1258("Gốm") == b"G\xf4\xecm"
    assert windows_1258("Bát Tràng") == "Bát Tràng".encode("cp1258")


@pytest.mark.parametrize(
    "data",
    [
        "code,name\nF1,Müller Straße\n".encode("cp1252"),  # German: not Vietnamese
        "code,name\nF1,Ñandú\n".encode("cp1252"),
        b"code,name\nF1,\x81\x8d\x8f\n",  # bytes Windows-1258 leaves undefined
        b"code,name\nF1,\x9f caf\xe9\n",  # "Ÿ café": Ÿ is no Vietnamese letter
    ],
    ids=["german", "spanish", "undefined-bytes", "y-diaeresis"],
)
def test_other_8_bit_files_are_refused_with_a_clear_message(data):
    with pytest.raises(ImportFileError, match="UTF-8"):
        CSVFormat().create_dataset(data)


def test_a_windows_1258_file_imports_through_the_admin(admin_client, register):
    upload = SimpleUploadedFile("list.csv", windows_1258(_csv_text([VIETNAMESE_ROW])))
    preview = admin_client.post(
        reverse("admin:facilities_facility_import"), {"import_file": upload, "format": "0", "resource": "0"}
    )
    assert "confirm_form" in preview.context, preview.context["form"].errors
    admin_client.post(reverse("admin:facilities_facility_process_import"), preview.context["confirm_form"].initial)
    assert Facility.objects.get(code="VN1").unit.name == "Đông Anh"


# --- Upload size ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url_name",
    ["admin:facilities_facility_import", "admin:programmes_survey_import", "admin:programmes_specialist_import"],
)
def test_oversized_uploads_are_refused_with_a_clear_message(admin_client, register, settings, url_name):
    settings.IMPORT_MAX_FILE_SIZE = 2 * 1024 * 1024
    data = csv_bytes([good_row(f"F{n:06d}") for n in range(25_000)])
    assert len(data) > settings.IMPORT_MAX_FILE_SIZE
    before = Facility.objects.count()
    upload = SimpleUploadedFile("big.csv", data)
    response = admin_client.post(reverse(url_name), {"import_file": upload, "format": "0", "resource": "0"})
    assert response.status_code == 200
    errors = response.context["form"].errors["import_file"]
    assert errors == [
        f"The file is {len(data) / 2**20:.1f} MB; files up to 2 MB can be imported. Split it and import each part."
    ]
    assert "confirm_form" not in response.context
    assert Facility.objects.count() == before


def test_the_upload_limit_is_20_mb_by_default(settings):
    assert settings.IMPORT_MAX_FILE_SIZE == 20 * 1024 * 1024
