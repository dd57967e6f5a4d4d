"""Imports of past records (programmes/resources.py): what is read, what is
refused with which message and row, what is written, and at what cost."""

import csv
import datetime as dt
import io
import time
from decimal import Decimal

import openpyxl
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation

from cpdash import database as db
from cpdash.imports import CSVFormat, XLSXFormat
from facilities.models import AdministrativeUnit, Facility
from programmes.models import (
    Attendance,
    CPOption,
    FacilityPathway,
    OutreachActivity,
    ResourceSaving,
    SavingStep,
    Solution,
    Specialist,
    Survey,
    TechnicalSupport,
    VerifiedSavingStep,
)
from programmes.resources import (
    OutreachActivityResource,
    RecordResource,
    SolutionResource,
    SpecialistResource,
    SurveyResource,
    row_problems,
)
from tests import builders

# --- Helpers shared with test_admin_import_records.py -----------------------


@pytest.fixture
def records_register(db) -> None:
    make_register()


def make_register() -> None:
    """Units and facilities named as in Hanoi. F0003 opened in 2014, F0004 closed in 2012."""
    gia_lam = builders.unit("Gia Lâm")
    dong_anh = builders.unit("Đông Anh")
    ceramics = builders.sector("Gốm sứ")
    for code, unit, opened, closed in [
        ("F0001", gia_lam, dt.date(2005, 1, 1), None),
        ("F0002", gia_lam, None, None),
        ("F0003", dong_anh, dt.date(2014, 1, 1), None),
        ("F0004", dong_anh, dt.date(2000, 1, 1), dt.date(2012, 1, 1)),
    ]:
        builders.facility(
            code=code, name=f"Cơ sở {code}", sector=ceramics, unit=unit, opened_on=opened, closed_on=closed
        )
    for n in range(1, 61):  # for the larger files
        builders.facility(code=f"M{n:04d}", name=f"Cơ sở M{n:04d}", sector=ceramics, unit=gia_lam)


def table_bytes(resource: type[RecordResource], rows: list[dict], header=None, fmt: str = "csv") -> bytes:
    """A file with ``header`` (default: every column of ``resource``) and ``rows``."""
    header = list(header or resource.columns())
    if fmt == "xlsx":
        book = openpyxl.Workbook()
        sheet = book.active
        sheet.append(header)
        for row in rows:
            sheet.append([row.get(c) for c in header])
        out = io.BytesIO()
        book.save(out)
        return out.getvalue()
    text = io.StringIO()
    writer = csv.writer(text)
    writer.writerow(header)
    for row in rows:
        writer.writerow(["" if row.get(c) is None else row.get(c, "") for c in header])
    return text.getvalue().encode()


def run(
    resource: type[RecordResource],
    rows: list[dict],
    header=None,
    fmt: str = "csv",
    dry_run: bool = False,
    html_diff: bool = True,
):
    """Import ``rows`` through ``resource`` as the admin's confirm step does (``html_diff=False``:
    as a background job does)."""
    reader = XLSXFormat if fmt == "xlsx" else CSVFormat
    dataset = reader().create_dataset(table_bytes(resource, rows, header, fmt))
    return resource(html_diff=html_diff).import_data(dataset, dry_run=dry_run)


def problems(result, resource: type[RecordResource]) -> list[tuple[int | None, str, str]]:
    return [(p.row, p.column, p.message) for p in row_problems(result, resource)]


def stored_counts() -> tuple[int, ...]:
    models = (OutreachActivity, Attendance, Survey, CPOption, TechnicalSupport, Solution, ResourceSaving, Specialist)
    return tuple(model.objects.count() for model in models)


def tomorrow() -> str:
    return (timezone.localdate() + dt.timedelta(days=1)).isoformat()


def activity_row(code: str = "F0001", **overrides) -> dict:
    row = {
        "kind": "workshop",
        "title": "Hội thảo SXSH ngành gốm",
        "held_on": "2012-06-14",
        "organiser": "Sở Công Thương",
        "unit": "Gia Lâm",
        "venue": "UBND huyện Gia Lâm",
        "participants": "85",
        "quantity": "",
        "facility_code": code,
        "people": "2",
    }
    return {**row, **overrides}


def activity_rows(count: int) -> list[dict]:
    """``count`` rows: activities of 5 facilities each."""
    return [activity_row(f"M{n % 5 + 1:04d}", title=f"Workshop {n // 5}") for n in range(count)]


def survey_row(code: str = "F0001", **overrides) -> dict:
    row = {
        "facility_code": code,
        "surveyed_on": "2013-04-10",
        "surveyors": "Nguyễn Văn An",
        "findings": "Lò nung tốn than",
        "option_category": "good_housekeeping",
        "option_description": "Cách nhiệt lò nung",
        "option_state": "implemented",
        "support_kind": "",
        "support_given_on": "",
        "support_description": "",
    }
    return {**row, **overrides}


def survey_rows(count: int) -> list[dict]:
    """``count`` rows: surveys of 5 options each."""
    return [survey_row(f"M{n // 5 + 1:04d}", option_description=f"Option {n % 5}") for n in range(count)]


def solution_row(code: str = "F0001", **overrides) -> dict:
    row = {
        "facility_code": code,
        "implemented_on": "2013-09-01",
        "category": "equipment_modification",
        "description": "Cách nhiệt lò nung",
        "investment": "150000000",
        "annual_saving": "60000000",
        "co2_avoided": "12.5",
        "resource": "energy",
        "unit": "kWh",
        "product_unit": "t sản phẩm",
        "baseline": "420",
        "after": "380",
    }
    return {**row, **overrides}


def solution_rows(count: int) -> list[dict]:
    """``count`` rows: solutions with the savings of 2 resources each."""
    return [
        solution_row(f"M{n // 2 + 1:04d}", resource=("energy", "water")[n % 2], unit=("kWh", "m3")[n % 2])
        for n in range(count)
    ]


def specialist_row(name: str = "Nguyễn Thị Hoa", **overrides) -> dict:
    return {**{"name": name}, **_specialist_cells(), **overrides}


def _specialist_cells() -> dict:
    row = {
        "unit": "Gia Lâm",
        "position": "Chuyên viên",
        "appointed_on": "2012-03-01",
        "left_on": "",
    }
    return row


def specialist_rows(count: int) -> list[dict]:
    return [specialist_row(f"Specialist {n}") for n in range(count)]


# --- Outreach activities ------------------------------------------------------


def test_activities_good_csv(records_register):
    rows = [
        activity_row("F0001"),
        activity_row("F0002", organiser="", unit="", venue="", participants="", people=""),
        {"kind": "leaflets", "title": "Tờ rơi SXSH", "held_on": "2012-09-01", "quantity": "5000"},
    ]
    result = run(OutreachActivityResource, rows)

    assert problems(result, OutreachActivityResource) == []
    assert [r.import_type for r in result.rows] == ["new", "new", "new"]
    workshop = OutreachActivity.objects.get(kind="workshop")
    assert (workshop.title, workshop.held_on, workshop.organiser, workshop.unit.name, workshop.participants) == (
        "Hội thảo SXSH ngành gốm",
        dt.date(2012, 6, 14),
        "Sở Công Thương",
        "Gia Lâm",
        85,
    )
    assert workshop.search_text == "hoi thao sxsh nganh gom so cong thuong ubnd huyen gia lam"
    people = dict(workshop.attendances.values_list("facility__code", "people"))
    assert people == {"F0001": 2, "F0002": 1}  # an empty people cell is 1, the model's default
    leaflets = OutreachActivity.objects.get(kind="leaflets")
    assert (leaflets.quantity, leaflets.unit, leaflets.attendances.count()) == (5000, None, 0)


def test_activities_accept_labels_vietnamese_names_and_day_first_dates(records_register):
    rows = [
        activity_row("F0001", kind="Hội thảo", unit="gia lam", held_on="14/06/2012"),
        activity_row("F0002", kind="hoi thao", unit="", held_on="2012-06-14"),
        {"kind": "Leaflet distribution", "title": "Tờ rơi", "held_on": "01/09/2012"},
        {"kind": "RESULTS_REPORT", "title": "Báo cáo", "held_on": "2012-12-01"},
    ]
    result = run(OutreachActivityResource, rows)

    assert problems(result, OutreachActivityResource) == []
    assert sorted(OutreachActivity.objects.values_list("kind", flat=True)) == ["leaflets", "results_report", "workshop"]
    assert OutreachActivity.objects.get(kind="workshop").attendances.count() == 2


def test_activities_xlsx_with_date_and_number_cells(records_register):
    rows = [
        activity_row("F0001", held_on=dt.datetime(2012, 6, 14), participants=85.0, people=3),
        activity_row("F0002", held_on=dt.date(2012, 6, 14), participants=None, people=None),
    ]
    result = run(OutreachActivityResource, rows, fmt="xlsx")

    assert problems(result, OutreachActivityResource) == []
    workshop = OutreachActivity.objects.get()
    assert (workshop.held_on, workshop.participants) == (dt.date(2012, 6, 14), 85)
    assert dict(workshop.attendances.values_list("facility__code", "people")) == {"F0001": 3, "F0002": 1}


@pytest.mark.parametrize(
    ("overrides", "column", "message"),
    [
        ({"facility_code": "X9"}, "facility_code", "No facility has the code “X9”."),
        ({"unit": "Quận 1"}, "unit", "Unknown administrative unit “Quận 1”."),
        ({"held_on": "31/02/2012"}, "held_on", "“31/02/2012” is not a date: write YYYY-MM-DD or DD/MM/YYYY."),
        ({"held_on": ""}, "held_on", "Missing date."),
        (
            {"facility_code": "F0003"},
            "facility_code",
            "Cơ sở F0003 (F0003) had not opened yet on 14/06/2012 (it opened on 01/01/2014).",
        ),
        (
            {"facility_code": "F0004"},
            "facility_code",
            "Cơ sở F0004 (F0004) had closed by 14/06/2012 (it closed on 01/01/2012).",
        ),
        ({"participants": "-5"}, "participants", "“-5” is negative: write zero or more."),
        ({"quantity": "12.5"}, "quantity", "“12.5” is not a whole number."),
        ({"people": "-1"}, "people", "“-1” is negative: write zero or more."),
        (
            {"kind": "seminar"},
            "kind",
            "Unknown kind “seminar”: use one of symposium, workshop, training, leaflets, results_report, media.",
        ),
        ({"title": " "}, "title", "Missing title."),
        ({"title": "T" * 256}, "title", "Ensure this value has at most 255 characters (it has 256)."),
        ({"facility_code": ""}, "facility_code", "Missing facility code: “people” needs a facility."),
    ],
)
def test_activities_bad_row_is_reported_and_nothing_is_written(records_register, overrides, column, message):
    builders.activity(title="Existing", held_on=dt.date(2012, 6, 14))
    before = stored_counts()
    rows = [activity_row("F0001", title="Other"), {**activity_row("F0002", title="Other2"), **overrides}]

    result = run(OutreachActivityResource, rows)

    assert problems(result, OutreachActivityResource) == [(3, column, message)]
    assert stored_counts() == before


def test_activity_date_in_the_future_is_refused(records_register):
    result = run(OutreachActivityResource, [activity_row(held_on=tomorrow())])

    today = timezone.localdate()
    day = today + dt.timedelta(days=1)
    message = f"{day:%d/%m/%Y} is in the future (today is {today:%d/%m/%Y}): only past records can be imported."
    assert problems(result, OutreachActivityResource) == [(2, "held_on", message)]
    assert not OutreachActivity.objects.exists()


@pytest.mark.parametrize(
    ("language", "future", "closed"),
    [
        (
            "vi",
            "{day} là ngày trong tương lai (hôm nay là {today}): chỉ nhập được các bản ghi đã diễn ra.",
            "Vào ngày 14/06/2012, Cơ sở F0004 (F0004) đã ngừng hoạt động (cơ sở ngừng hoạt động ngày 01/01/2012).",
        ),
        (
            "en",
            "{day} is in the future (today is {today}): only past records can be imported.",
            "Cơ sở F0004 (F0004) had closed by 14/06/2012 (it closed on 01/01/2012).",
        ),
    ],
)
def test_import_problems_write_dates_as_the_language_does(records_register, language, future, closed):
    """Day first, as the preview's date cells and the staff forms write them, not ISO as the file may."""
    today = timezone.localdate()
    future = future.format(day=f"{today + dt.timedelta(days=1):%d/%m/%Y}", today=f"{today:%d/%m/%Y}")
    with translation.override(language):
        late = run(OutreachActivityResource, [activity_row(held_on=tomorrow())])
        shut = run(OutreachActivityResource, [activity_row("F0004")])
        assert problems(late, OutreachActivityResource) == [(2, "held_on", future)]
        assert problems(shut, OutreachActivityResource) == [(2, "facility_code", closed)]


def test_same_facility_twice_in_one_activity_names_the_first_row(records_register):
    rows = [activity_row("F0001"), activity_row("F0002"), activity_row("F0001", people="1")]

    result = run(OutreachActivityResource, rows)

    message = "Cơ sở F0001 (F0001) is already listed for this activity in row 2."
    assert problems(result, OutreachActivityResource) == [(4, "facility_code", message)]
    assert stored_counts() == (0,) * 8


def test_activity_columns_that_differ_between_rows_are_refused(records_register):
    rows = [activity_row("F0001"), activity_row("F0002", organiser=""), activity_row("M0001", organiser="UBND")]

    result = run(OutreachActivityResource, rows)

    message = "Row 2 gives “Sở Công Thương” for the same outreach activity: repeat that value or leave this cell empty."
    assert problems(result, OutreachActivityResource) == [(4, "organiser", message)]


def test_every_bad_row_and_cell_is_reported(records_register):
    rows = [activity_row("X1", held_on="soon"), activity_row("F0002"), activity_row("F0001", unit="Y", people="a")]

    result = run(OutreachActivityResource, rows)

    assert [(row, column) for row, column, _ in problems(result, OutreachActivityResource)] == [
        (2, "held_on"),
        (2, "facility_code"),
        (4, "unit"),
        (4, "people"),
    ]
    assert not OutreachActivity.objects.exists()


def test_activity_reimport_does_not_duplicate(records_register):
    first = [activity_row("F0001"), activity_row("F0002"), {"kind": "media", "title": "TV", "held_on": "2012-01-05"}]
    run(OutreachActivityResource, first)
    again = [
        activity_row("F0001", title="  hội thảo sxsh NGÀNH gốm "),  # same key: case and spacing do not matter
        activity_row("F0002", people="7"),
        activity_row("M0001"),
        {"kind": "media", "title": "TV", "held_on": "2012-01-05"},
    ]

    result = run(OutreachActivityResource, again)

    assert problems(result, OutreachActivityResource) == []
    assert [r.import_type for r in result.rows] == ["skip", "update", "new", "skip"]
    assert (OutreachActivity.objects.count(), Attendance.objects.count()) == (2, 3)
    workshop = OutreachActivity.objects.get(kind="workshop")
    assert workshop.title == "Hội thảo SXSH ngành gốm"  # the stored spelling is kept
    assert dict(workshop.attendances.values_list("facility__code", "people")) == {"F0001": 2, "F0002": 7, "M0001": 2}
    assert (result.added, [a.pk for a in result.changed]) == ([], [workshop.pk])


def test_activity_reimport_updates_activity_columns(records_register):
    run(OutreachActivityResource, [activity_row("F0001")])

    result = run(OutreachActivityResource, [activity_row("F0001", venue="Nhà văn hóa", participants="")])

    assert [r.import_type for r in result.rows] == ["update"]
    workshop = OutreachActivity.objects.get()
    assert (workshop.venue, workshop.participants) == ("Nhà văn hóa", None)
    assert "nha van hoa" in workshop.search_text


def test_two_stored_twins_are_refused(records_register):
    # The database refuses an exact copy (test_concurrent_imports.py); these differ in case and spacing only.
    for title in ("Hội thảo SXSH ngành gốm", "hội thảo  SXSH ngành gốm"):
        builders.activity(kind="workshop", title=title, held_on=dt.date(2012, 6, 14))

    result = run(OutreachActivityResource, [activity_row("F0001")])

    message = "2 stored outreach activities match this row: merge them in the admin first."
    assert problems(result, OutreachActivityResource) == [(2, "", message)]
    assert Attendance.objects.count() == 0


def test_dry_run_writes_nothing(records_register):
    result = run(OutreachActivityResource, activity_rows(6), dry_run=True)

    assert result.totals["new"] == 6
    assert stored_counts() == (0,) * 8


@pytest.mark.parametrize("dry_run", [True, False])
def test_without_the_preview_the_result_keeps_its_totals_and_problems_not_every_row(records_register, dry_run):
    """A background job's import (html_diff=False) counts every row as the admin's does and
    reports the same problems, without a RowResult (and its diff) per valid row."""
    rows = [activity_row("F0001"), {}, activity_row("F0002"), activity_row("X1", title="Another")]
    admin = run(OutreachActivityResource, rows, dry_run=True)
    job = run(OutreachActivityResource, rows, dry_run=dry_run, html_diff=False)

    assert job.totals == admin.totals and admin.totals["new"] == 2 and admin.totals["skip"] == 1
    assert problems(job, OutreachActivityResource) == problems(admin, OutreachActivityResource) != []
    assert len(admin.rows) == 4
    assert [row.import_type for row in job.rows] == ["invalid"]
    assert stored_counts() == (0,) * 8


def test_without_the_preview_a_valid_file_is_written_alike(records_register):
    rows = [activity_row("F0001"), {}, activity_row("F0002")]
    result = run(OutreachActivityResource, rows, html_diff=False)

    assert problems(result, OutreachActivityResource) == [] and result.rows == []
    assert result.totals["new"] == 2
    assert stored_counts()[:2] == (1, 2)
    assert [(a.title, a.attendances.count()) for a in result.added] == [("Hội thảo SXSH ngành gốm", 2)]


def test_blank_rows_keep_spreadsheet_row_numbers(records_register):
    rows = [activity_row("F0001"), {}, {}, activity_row("X1")]

    result = run(OutreachActivityResource, rows)

    assert problems(result, OutreachActivityResource) == [(5, "facility_code", "No facility has the code “X1”.")]


def test_missing_and_unknown_columns_stop_the_file(records_register):
    header = ("title", "held_on", "facility", "people")

    result = run(OutreachActivityResource, [{"title": "T", "held_on": "2012-01-01"}], header=header)

    columns = ", ".join(OutreachActivityResource.columns())
    message = f"Missing column(s): kind. Unknown column(s): facility. The columns are: {columns}."
    assert problems(result, OutreachActivityResource) == [(None, "", message)]


def test_columns_left_out_keep_stored_values(records_register):
    run(OutreachActivityResource, [activity_row("F0001")])
    header = ("kind", "title", "held_on", "facility_code")

    result = run(OutreachActivityResource, [activity_row("M0001")], header=header)

    assert problems(result, OutreachActivityResource) == []
    workshop = OutreachActivity.objects.get()
    assert (workshop.organiser, workshop.participants, workshop.attendances.count()) == ("Sở Công Thương", 85, 2)


# --- Surveys ------------------------------------------------------------------


def test_surveys_good_csv(records_register):
    rows = [
        survey_row(support_kind="technique", support_given_on="2013-05-20", support_description="Hướng dẫn"),
        survey_row(
            surveyors="",
            findings="",
            option_category="technology change",
            option_description="Lò gas",
            option_state="",
            support_kind="Công nghệ",
            support_given_on="01/06/2013",
        ),
        survey_row("F0002", option_category="", option_description="", option_state=""),
    ]
    result = run(SurveyResource, rows)

    assert problems(result, SurveyResource) == []
    survey = Survey.objects.get(facility__code="F0001")
    assert (survey.surveyed_on, survey.surveyors, survey.findings) == (
        dt.date(2013, 4, 10),
        "Nguyễn Văn An",
        "Lò nung tốn than",
    )
    options = set(survey.options.values_list("category", "description", "state"))
    assert options == {
        ("good_housekeeping", "Cách nhiệt lò nung", "implemented"),
        ("technology_change", "Lò gas", "identified"),  # an empty state is "identified"
    }
    supports = set(survey.supports.values_list("kind", "given_on", "description"))
    assert supports == {("technique", dt.date(2013, 5, 20), "Hướng dẫn"), ("technology", dt.date(2013, 6, 1), "")}
    assert Survey.objects.get(facility__code="F0002").options.count() == 0


def test_surveys_xlsx(records_register):
    rows = [
        survey_row(surveyed_on=dt.datetime(2013, 4, 10), support_kind="technique", support_given_on=dt.date(2013, 5, 1))
    ]

    result = run(SurveyResource, rows, fmt="xlsx")

    assert problems(result, SurveyResource) == []
    assert Survey.objects.get().supports.get().given_on == dt.date(2013, 5, 1)


@pytest.mark.parametrize(
    ("overrides", "column", "message"),
    [
        ({"facility_code": "X9"}, "facility_code", "No facility has the code “X9”."),
        ({"surveyed_on": "2013-02-30"}, "surveyed_on", "“2013-02-30” is not a date: write YYYY-MM-DD or DD/MM/YYYY."),
        (
            {"facility_code": "F0004"},
            "facility_code",
            "Cơ sở F0004 (F0004) had closed by 10/04/2013 (it closed on 01/01/2012).",
        ),
        (
            {"option_category": "housekeeping"},
            "option_category",
            "Unknown option category “housekeeping”: use one of good_housekeeping, input_change, process_control, "
            "equipment_modification, technology_change, recovery_reuse, by_products, product_modification.",
        ),
        (
            {"option_state": "done"},
            "option_state",
            "Unknown option state “done”: use one of identified, implemented, rejected.",
        ),
        (
            {"option_category": "", "option_description": "", "option_state": "", "support_given_on": "2013-05-01"},
            "support_kind",
            "Missing kind of support: the row has other support cells.",
        ),
        (
            {"support_kind": "training", "support_given_on": "2013-05-01"},
            "support_kind",
            "Unknown kind of support “training”: use one of technique, technology, process_control.",
        ),
        (
            {"support_kind": "technique", "support_given_on": "2013-04-01"},
            "support_given_on",
            "Support given on 01/04/2013, before the survey on 10/04/2013.",
        ),
    ],
)
def test_surveys_bad_row_is_reported_and_nothing_is_written(records_register, overrides, column, message):
    builders.survey(Facility.objects.get(code="F0002"))
    before = stored_counts()

    result = run(SurveyResource, [survey_row("M0001"), survey_row("F0001", **overrides)])

    assert problems(result, SurveyResource) == [(3, column, message)]
    assert stored_counts() == before


def test_survey_repeated_option_and_support_name_the_first_row(records_register):
    support = {"support_kind": "technique", "support_given_on": "2013-05-01"}
    rows = [
        survey_row(**support),
        survey_row(option_description="Khác", **support),
        survey_row(option_description="cách nhiệt  LÒ nung"),
    ]

    result = run(SurveyResource, rows)

    assert problems(result, SurveyResource) == [
        (3, "support_kind", "Support of kind “technique” is already listed for this survey in row 2."),
        (4, "option_description", "Option “cách nhiệt  LÒ nung” is already listed for this survey in row 2."),
    ]
    assert not Survey.objects.exists()


def test_survey_reimport_does_not_duplicate(records_register):
    rows = [survey_row(support_kind="technique", support_given_on="2013-05-20"), survey_row(option_description="B")]
    run(SurveyResource, rows)
    rows[1]["option_state"] = "rejected"

    result = run(SurveyResource, [*rows, survey_row(option_description="C")])

    assert problems(result, SurveyResource) == []
    assert [r.import_type for r in result.rows] == ["skip", "update", "new"]
    assert (Survey.objects.count(), CPOption.objects.count(), TechnicalSupport.objects.count()) == (1, 3, 1)
    assert CPOption.objects.get(description="B").state == "rejected"


# --- Solutions ----------------------------------------------------------------


def test_solutions_good_csv(records_register):
    rows = [
        solution_row(),
        solution_row(
            category="",
            investment="",
            annual_saving="",
            co2_avoided="",
            resource="Nước",
            unit="m³",
            baseline="2.5",
            after="",
        ),
        solution_row(
            "F0002",
            description="Thu hồi nhiệt",
            resource="",
            unit="",
            product_unit="",
            baseline="",
            after="",
            co2_avoided="",
            category="Recovery reuse",
        ),
    ]
    result = run(SolutionResource, rows)

    assert problems(result, SolutionResource) == []
    kiln = Solution.objects.get(facility__code="F0001")
    assert (kiln.category, kiln.investment, kiln.annual_saving, kiln.co2_avoided) == (
        "equipment_modification",
        Decimal("150000000"),
        Decimal("60000000"),
        Decimal("12.50"),
    )
    savings = {s.resource: (s.unit, s.product_unit, s.baseline, s.after, s.saving_percent) for s in kiln.savings.all()}
    assert savings == {
        "energy": ("kWh", "t sản phẩm", Decimal("420"), Decimal("380"), Decimal("9.5238")),  # 100 × 40 / 420
        "water": ("m3", "t sản phẩm", Decimal("2.5"), None, None),
    }
    other = Solution.objects.get(facility__code="F0002")
    assert (other.category, other.co2_avoided, other.savings.count()) == ("recovery_reuse", None, 0)


def test_solutions_xlsx_with_number_cells(records_register):
    rows = [
        solution_row(
            investment=150000000, co2_avoided=0.1 + 0.2, baseline=420.5, after=380, implemented_on=dt.date(2013, 9, 1)
        )
    ]

    result = run(SolutionResource, rows, fmt="xlsx")

    assert problems(result, SolutionResource) == []
    solution = Solution.objects.get()
    assert (solution.investment, solution.co2_avoided) == (Decimal("150000000"), Decimal("0.30"))
    assert solution.savings.get().baseline == Decimal("420.5")


@pytest.mark.parametrize(
    ("overrides", "column", "message"),
    [
        ({"baseline": "0"}, "baseline", "Baseline consumption must be above zero."),
        ({"baseline": "-4"}, "baseline", "“-4” is negative: write zero or more."),
        ({"after": "-1"}, "after", "“-1” is negative: write zero or more."),
        ({"baseline": ""}, "after", "Enter the baseline too: a value after implementation needs one to compare with."),
        ({"investment": "-100"}, "investment", "“-100” is negative: write zero or more."),
        (
            {"investment": "1,500,000"},
            "investment",
            "“1,500,000” is not a number: write digits, a point for decimals and no thousands separator "
            "(e.g. 1500000 or 2.5).",
        ),
        ({"investment": "100.5"}, "investment", "Ensure that there are no more than 0 decimal places."),
        ({"co2_avoided": "1.234"}, "co2_avoided", "Ensure that there are no more than 2 decimal places."),
        (
            {"resource": "gas"},
            "resource",
            "Unknown resource “gas”: use one of energy, raw_material, fuel, water.",
        ),
        ({"unit": "lbs"}, "unit", "Unknown unit “lbs”: use one of kWh, MWh, TOE, GJ, m3, t, kg, L."),
        ({"unit": ""}, "unit", "Choose the unit of consumption, or give only the reported saving (%)."),
        (
            {"unit": "", "baseline": "", "after": "", "product_unit": ""},
            "unit",
            "Choose the unit of consumption, or give only the reported saving (%).",
        ),
        (
            {"saved_percent": "6"},
            "saved_percent",
            "A saving is either measured (baseline and after) or reported as a percentage, not both.",
        ),
        ({"saved_percent": "101", "baseline": "", "after": ""}, "saved_percent", None),
        ({"saved_percent": "-1", "baseline": "", "after": ""}, "saved_percent", None),
        ({"unit": "kWh/t", "product_unit": "kg vải"}, "product_unit", None),
        ({"resource": ""}, "resource", "Missing resource: the row has other saving cells."),
        ({"category": ""}, "category", "Missing category."),
        ({"description": ""}, "description", "Missing description."),
        ({"implemented_on": tomorrow()}, "implemented_on", None),
        (
            {"facility_code": "F0003"},
            "facility_code",
            "Cơ sở F0003 (F0003) had not opened yet on 01/09/2013 (it opened on 01/01/2014).",
        ),
    ],
)
def test_solutions_bad_row_is_reported_and_nothing_is_written(records_register, overrides, column, message):
    builders.solution(savings={"energy": (100, 90)})
    before = stored_counts()

    result = run(SolutionResource, [solution_row("M0001"), solution_row("F0001", **overrides)])

    found = problems(result, SolutionResource)
    assert [(row, col) for row, col, _ in found] == [(3, column)]
    if message:
        assert found[0][2] == message
    assert stored_counts() == before


def test_solution_repeated_resource_names_the_first_row(records_register):
    rows = [solution_row(), solution_row(resource="water", unit="m3"), solution_row(resource="Năng lượng")]

    result = run(SolutionResource, rows)

    assert problems(result, SolutionResource) == [
        (4, "resource", "energy is already measured for this solution in row 2.")
    ]


def test_solution_reimport_does_not_duplicate(records_register):
    run(SolutionResource, [solution_row(), solution_row(resource="water", unit="m3", baseline="3", after="2")])

    result = run(
        SolutionResource,
        [solution_row(after="360"), solution_row(resource="water", unit="m3", baseline="3", after="2")],
    )

    assert problems(result, SolutionResource) == []
    assert [r.import_type for r in result.rows] == ["update", "skip"]
    assert (Solution.objects.count(), ResourceSaving.objects.count()) == (1, 2)
    assert ResourceSaving.objects.get(resource="energy").after == Decimal("360")


@pytest.mark.parametrize(
    ("unit", "product_unit", "stored"),
    [
        ("kWh/t", "", ("kWh", "t")),
        ("kWh per tonne", "", ("kWh", "tonne")),
        ("KWH/tấn", "", ("kWh", "tấn")),
        ("kWh trên tấn sản phẩm", "", ("kWh", "tấn sản phẩm")),
        ("kg / 1.000 m vải", "", ("kg", "1.000 m vải")),
        ("kWh/t", "T", ("kWh", "T")),  # the same, as product_unit writes it
        ("kWh", "t sản phẩm", ("kWh", "t sản phẩm")),
    ],
)
def test_a_unit_per_unit_of_product_is_understood(records_register, unit, product_unit, stored):
    result = run(SolutionResource, [solution_row(unit=unit, product_unit=product_unit)])

    assert problems(result, SolutionResource) == []
    saving = ResourceSaving.objects.get()
    assert (saving.unit, saving.product_unit) == stored


def test_a_unit_per_something_else_than_product_unit_names_both(records_register):
    result = run(SolutionResource, [solution_row(unit="kWh/t", product_unit="1.000 m vải")])

    assert problems(result, SolutionResource) == [
        (
            2,
            "product_unit",
            "unit “kWh/t” is per “t” but product_unit is “1.000 m vải”: give what it is per once, or the same in both.",
        )
    ]
    assert stored_counts() == (0,) * 8


@pytest.mark.parametrize(
    ("unit", "message"),
    [
        (
            "kWh/t",
            "“kWh/t” says what the unit is per, and the file has no product_unit column: write the unit of "
            "consumption here, e.g. kWh, and what it is per in a product_unit column, e.g. t.",
        ),
        (
            "kWh/tonne of sth",
            "“kWh/tonne of sth” says what the unit is per, and the file has no product_unit column: write the unit "
            "of consumption here, e.g. kWh, and what it is per in a product_unit column, e.g. t.",
        ),
        (
            "kWh.t-1",
            "Unknown unit “kWh.t-1”: use one of kWh, MWh, TOE, GJ, m3, t, kg, L. Write the unit of consumption "
            "here, e.g. kWh, and what it is per in a product_unit column, e.g. t.",
        ),
    ],
)
def test_without_a_product_unit_column_the_unit_message_explains_what_to_write(records_register, unit, message):
    header = [c for c in SolutionResource.columns() if c != "product_unit"]

    result = run(SolutionResource, [solution_row(unit=unit)], header=header)

    assert problems(result, SolutionResource) == [(2, "unit", message)]
    assert stored_counts() == (0,) * 8


def test_an_unknown_unit_with_a_product_unit_column_is_not_explained_again(records_register):
    result = run(SolutionResource, [solution_row(unit="lbs/t")])

    assert problems(result, SolutionResource) == [
        (2, "unit", "Unknown unit “lbs”: use one of kWh, MWh, TOE, GJ, m3, t, kg, L.")
    ]


def test_a_saving_known_only_as_a_percentage_is_imported_as_reported(records_register):
    header = ["facility_code", "implemented_on", "category", "description", "resource", "% tiết kiệm"]
    row = {**solution_row(resource="nước"), "% tiết kiệm": "6.0 %"}
    measured = solution_row(description="Thay động cơ", implemented_on="2014-03-01")

    result = run(SolutionResource, [row], header=header)
    run(SolutionResource, [measured])

    assert problems(result, SolutionResource) == []
    reported = ResourceSaving.objects.get(resource="water")
    assert (reported.unit, reported.baseline, reported.after) == ("", None, None)
    assert (reported.reported_percent, reported.saving_percent) == (Decimal("6"), Decimal("6"))
    assert not reported.has_measured_baseline
    assert ResourceSaving.objects.get(resource="energy").has_measured_baseline
    # Counted like a measured saving: the first saving is the reported one's day, and the
    # steps of the best saving start from it.
    facility = Facility.objects.get(code="F0001")
    assert FacilityPathway.objects.get(facility=facility).measured_on == dt.date(2013, 9, 1)
    steps = SavingStep.objects.filter(facility=facility).order_by("resource", "since")
    assert [(s.resource, s.since, s.best) for s in steps] == [
        ("", dt.date(2013, 9, 1), Decimal("6")),
        ("", dt.date(2014, 3, 1), Decimal("9.5238")),
        ("energy", dt.date(2014, 3, 1), Decimal("9.5238")),
        ("water", dt.date(2013, 9, 1), Decimal("6")),
    ]


def test_a_reported_percentage_for_a_stored_measured_saving_is_refused(records_register):
    run(SolutionResource, [solution_row()])
    header = ["facility_code", "implemented_on", "category", "description", "resource", "saved_percent"]

    result = run(SolutionResource, [{**solution_row(), "saved_percent": "6"}], header=header)

    assert problems(result, SolutionResource) == [
        (
            2,
            "saved_percent",
            "A saving is either measured (baseline and after) or reported as a percentage, not both.",
        )
    ]
    saving = ResourceSaving.objects.get()
    assert (saving.reported_percent, saving.saving_percent) == (None, Decimal("9.5238"))


def test_a_measured_saving_replaces_a_reported_one(records_register):
    run(SolutionResource, [solution_row(unit="", product_unit="", baseline="", after="", saved_percent="6")])

    result = run(SolutionResource, [solution_row(saved_percent="")])

    assert problems(result, SolutionResource) == []
    saving = ResourceSaving.objects.get()
    assert (saving.reported_percent, saving.saving_percent, saving.unit) == (None, Decimal("9.5238"), "kWh")


# --- Specialists --------------------------------------------------------------


def test_specialists_good_csv_and_xlsx(records_register):
    rows = [specialist_row(), specialist_row("Trần Văn Bình", unit="dong anh", left_on="31/12/2014", position="")]

    assert problems(run(SpecialistResource, rows), SpecialistResource) == []
    hoa = Specialist.objects.get(name="Nguyễn Thị Hoa")
    assert (hoa.unit.name, hoa.position, hoa.appointed_on, hoa.left_on) == (
        "Gia Lâm",
        "Chuyên viên",
        dt.date(2012, 3, 1),
        None,
    )
    assert Specialist.objects.get(name="Trần Văn Bình").unit.name == "Đông Anh"

    xlsx = [specialist_row("Lê Văn Cường", appointed_on=dt.datetime(2013, 1, 2), left_on=None)]
    assert problems(run(SpecialistResource, xlsx, fmt="xlsx"), SpecialistResource) == []
    assert Specialist.objects.get(name="Lê Văn Cường").appointed_on == dt.date(2013, 1, 2)


@pytest.mark.parametrize(
    ("overrides", "column", "message"),
    [
        ({"unit": "Quận 1"}, "unit", "Unknown administrative unit “Quận 1”."),
        ({"unit": ""}, "unit", "Missing administrative unit."),
        ({"name": ""}, "name", "Missing name."),
        ({"appointed_on": "2012/03/01"}, "appointed_on", "“2012/03/01” is not a date: write YYYY-MM-DD or DD/MM/YYYY."),
        ({"left_on": "2011-12-31"}, "left_on", "A specialist cannot leave before being appointed (on 01/03/2012)."),
        ({"left_on": tomorrow()}, "left_on", None),
        (
            {"name": "Specialist A"},
            "",
            "Also in row 2 (same unit, name and appointed_on): list each specialist once.",
        ),
    ],
)
def test_specialists_bad_row_is_reported_and_nothing_is_written(records_register, overrides, column, message):
    builders.specialist(AdministrativeUnit.objects.get(name="Gia Lâm"), name="Stored")
    before = stored_counts()

    result = run(SpecialistResource, [specialist_row("Specialist A"), {**specialist_row("Specialist B"), **overrides}])

    found = problems(result, SpecialistResource)
    assert [(row, col) for row, col, _ in found] == [(3, column)]
    if message:
        assert found[0][2] == message
    assert stored_counts() == before


def test_specialist_unit_matching_two_units_without_diacritics_is_refused(records_register):
    builders.unit("Gia Lam")

    result = run(SpecialistResource, [specialist_row(unit="gia lầm")])

    message = "“gia lầm” matches “Gia Lam”, “Gia Lâm”: write it with its diacritics."
    assert problems(result, SpecialistResource) == [(2, "unit", message)]


def test_specialist_reimport_updates_without_duplicates(records_register):
    run(SpecialistResource, specialist_rows(3))
    rows = specialist_rows(3)
    rows[1].update(left_on="2015-06-30", name="  specialist 1")

    result = run(SpecialistResource, rows)

    assert [r.import_type for r in result.rows] == ["skip", "update", "skip"]
    assert Specialist.objects.count() == 3
    assert Specialist.objects.get(name="Specialist 1").left_on == dt.date(2015, 6, 30)


# --- Choices ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("resource", "column", "cell", "code"),
    [
        (OutreachActivityResource, "kind", "Hội thảo", "workshop"),
        (OutreachActivityResource, "kind", "tọa đàm", "symposium"),
        (OutreachActivityResource, "kind", "results-report", "results_report"),
        (SurveyResource, "option_category", "Quản lý nội vi", "good_housekeeping"),
        (SurveyResource, "option_category", "on-site recovery/reuse", "recovery_reuse"),
        (SurveyResource, "option_state", "Đã thực hiện", "implemented"),
        (SurveyResource, "support_kind", "Kỹ thuật", "technique"),
        (SurveyResource, "support_kind", "production-process control", "process_control"),
        (SolutionResource, "category", "Cải tiến thiết bị", "equipment_modification"),
        (SolutionResource, "resource", "nguyên liệu", "raw_material"),
        (SolutionResource, "unit", "MWH", "MWh"),
        (SolutionResource, "unit", "m³", "m3"),
    ],
)
def test_choices_accept_codes_labels_and_vietnamese_names(resource, column, cell, code):
    assert resource().fields[column].widget.clean(cell) == code


# --- Templates ----------------------------------------------------------------


@pytest.mark.parametrize("resource", [OutreachActivityResource, SurveyResource, SolutionResource, SpecialistResource])
def test_template_examples_import(records_register, resource):
    gia_lam = AdministrativeUnit.objects.get(name="Gia Lâm")
    for code in ("0101234567", "0101234568"):
        builders.facility(code=code, unit=gia_lam, opened_on=dt.date(2010, 1, 1))
    data = ("\ufeff" + resource.template_dataset().export("csv")).encode()

    result = resource().import_data(CSVFormat().create_dataset(data))

    assert problems(result, resource) == []
    assert result.added


# --- Cost ---------------------------------------------------------------------

BUILDERS = {
    OutreachActivityResource: activity_rows,
    SurveyResource: survey_rows,
    SolutionResource: solution_rows,
    SpecialistResource: specialist_rows,
}


def _statements(resource: type[RecordResource], rows: list[dict]) -> list[str]:
    """First word of each SQL statement of an import, savepoints left out."""
    with CaptureQueriesContext(connection) as queries:
        result = run(resource, rows)
    assert problems(result, resource) == []
    words = ["LOCK" if "pg_advisory_xact_lock" in q["sql"] else q["sql"].split()[0] for q in queries.captured_queries]
    return [w for w in words if w not in {"SAVEPOINT", "RELEASE"}]


SEL, INS, UPD, DEL = "SELECT", "INSERT", "UPDATE", "DELETE"
#: A confirm's import lock, before it reads the stored records (PostgreSQL: cpdash.database.lock_imports_of).
LOCK = ["LOCK"] if connection.vendor == "postgresql" else []
#: The pathway of the facilities written, derived again (programmes/pathway.py): old rows and
#: saving steps (all and verified) out, rows in from the records, savings read for the steps.
PATHWAY = [DEL, DEL, DEL, INS, SEL]
#: A bulk INSERT of new rows, then one INSERT … SELECT of their history entries (cpdash.bulk):
#: on PostgreSQL the new ids drawn from the sequence, then COPY.
NEW = [SEL, "COPY", INS] if connection.vendor == "postgresql" else [INS, INS]
# Statements of a first import, then of importing the same file again (all skipped); on PostgreSQL
# a confirm takes its import lock before it reads the stored records.
STATEMENTS = {
    # units, facilities, stored activities; activities, attendance; the activities' attendees, pathway
    OutreachActivityResource: (
        [SEL, SEL, *LOCK, SEL, *NEW, *NEW, SEL, *PATHWAY],
        [SEL, SEL, *LOCK, SEL, SEL],
    ),
    # facilities, stored surveys; surveys, options (these files have no support); pathway;
    # again: options, support
    SurveyResource: ([SEL, *LOCK, SEL, *NEW, *NEW, *PATHWAY], [SEL, *LOCK, SEL, SEL, SEL]),
    # facilities, stored solutions; solutions, savings; the savings' solutions, pathway, its rows, saving steps;
    # again: savings
    SolutionResource: ([SEL, *LOCK, SEL, *NEW, *NEW, SEL, *PATHWAY, SEL, INS], [SEL, *LOCK, SEL, SEL]),
    # units, stored specialists; specialists
    SpecialistResource: ([SEL, *LOCK, SEL, *NEW], [SEL, *LOCK, SEL]),
}


@pytest.mark.parametrize("resource", list(BUILDERS))
@pytest.mark.parametrize("count", [10, 50])
def test_query_count_does_not_grow_with_rows(records_register, resource, count):
    """Lookups (facilities, units, stored records and children) then one bulk
    write per model, for 10 rows as for 50 (SQLite splits an INSERT past 999
    parameters, so past ~100 rows there; PostgreSQL does not)."""
    rows = BUILDERS[resource](count)

    assert (_statements(resource, rows), _statements(resource, rows)) == STATEMENTS[resource]


@pytest.mark.parametrize("count", [10, 50])
def test_query_count_of_a_changed_reimport(records_register, count):
    run(OutreachActivityResource, activity_rows(count))
    changed = [dict(row, people="9", venue="Hội trường") for row in activity_rows(count)]

    assert _statements(OutreachActivityResource, changed) == [
        *[SEL, SEL, *LOCK, SEL, SEL],
        *[UPD, INS, UPD, INS, SEL, *PATHWAY],
    ]


#: Files that change what the first import wrote: every record and every detail (attendance,
#: options and support, savings) updated, and new details added to stored records.
CHANGED = {
    OutreachActivityResource: lambda n: (
        [dict(r, venue="Hội trường", people="9") for r in activity_rows(n)]
        + [activity_row("F0002", title="Workshop 0", venue="Hội trường")]
    ),
    SurveyResource: lambda n: [
        dict(r, surveyors="Trần Thị Bình", option_state="identified")
        | (
            {"support_kind": "technique", "support_given_on": "2013-05-01"}
            if r["option_description"] == "Option 0"
            else {}
        )
        for r in survey_rows(n)
    ],
    SolutionResource: lambda n: [dict(r, baseline="500", after="350", investment="1") for r in solution_rows(n)],
}


@pytest.mark.parametrize("resource", list(CHANGED))
def test_the_pathway_after_an_import_equals_a_rebuild(records_register, resource):
    """The bulk write refreshes the pathway of the facilities it touched in its own transaction:
    after a first import and after one changing every record, it equals a rebuild from the records."""
    from programmes import pathway
    from tests.programmes.test_pathway import snapshot

    for rows in (BUILDERS[resource](20), CHANGED[resource](20)):
        result = run(resource, rows)
        assert problems(result, resource) == []
        written = snapshot()
        pathway.rebuild()
        assert written == snapshot()
        assert written[0]  # facilities on the pathway: the comparison compares something


def test_an_import_writes_one_history_entry_per_row_written(records_register, admin_user):
    """New records and details get a "+" entry, changed ones a "~" entry, by the importing
    user with the reason "import", their values those stored; unchanged ones none."""
    dataset = CSVFormat().create_dataset(table_bytes(SurveyResource, survey_rows(10)))
    SurveyResource().import_data(dataset, user=admin_user)
    changed = [dict(r, surveyors="Trần Thị Bình") if r["facility_code"] == "M0001" else r for r in survey_rows(10)]
    changed.append(survey_row("M0002", option_description="Option 9"))
    SurveyResource().import_data(CSVFormat().create_dataset(table_bytes(SurveyResource, changed)), user=admin_user)

    surveys = Survey.history.order_by("history_id")
    assert [(h.history_type, h.surveyors) for h in surveys] == [
        ("+", "Nguyễn Văn An"),
        ("+", "Nguyễn Văn An"),
        ("~", "Trần Thị Bình"),
    ]
    assert {(h.history_user_id, h.history_change_reason) for h in surveys} == {(admin_user.pk, "import")}
    assert list(Survey.objects.order_by("pk").values_list("pk", flat=True)) == [h.id for h in surveys[:2]]
    options = CPOption.history.order_by("history_id")
    assert [h.history_type for h in options] == ["+"] * 11
    assert options.last().description == "Option 9"
    assert options.last().survey_id == Survey.objects.get(facility__code="M0002").pk
    assert {(h.history_user_id, h.history_change_reason) for h in options} == {(admin_user.pk, "import")}


@pytest.mark.slow
def test_two_thousand_activity_rows(records_register, capsys):
    rows = [activity_row(f"M{n % 60 + 1:04d}", title=f"Workshop {n // 60}") for n in range(2000)]
    data = table_bytes(OutreachActivityResource, rows)

    started = time.perf_counter()
    with CaptureQueriesContext(connection) as queries:
        result = OutreachActivityResource().import_data(CSVFormat().create_dataset(data))
    seconds = time.perf_counter() - started
    again = time.perf_counter()
    preview = OutreachActivityResource().import_data(CSVFormat().create_dataset(data), dry_run=True)
    dry_seconds = time.perf_counter() - again

    assert problems(result, OutreachActivityResource) == [] and problems(preview, OutreachActivityResource) == []
    assert (OutreachActivity.objects.count(), Attendance.objects.count()) == (34, 2000)
    with capsys.disabled():
        print(
            f"\n2,000-row activity import: {seconds:.2f} s, {len(queries)} queries; "
            f"re-import preview {dry_seconds:.2f} s"
        )
    assert seconds < 30


# --- Planner statistics after a large import ------------------------------------------------------


@pytest.mark.skipif(connection.vendor != "postgresql", reason="ANALYZE is PostgreSQL's (a no-op on SQLite)")
@pytest.mark.parametrize(("rows", "analysed"), [(4, True), (3, False)])
def test_a_large_import_analyses_the_tables_it_wrote(records_register, monkeypatch, rows, analysed):
    monkeypatch.setattr(db, "ANALYZE_THRESHOLD", 4)
    with CaptureQueriesContext(connection) as queries:
        result = run(OutreachActivityResource, activity_rows(rows))
    assert problems(result, OutreachActivityResource) == []
    statements = [q["sql"] for q in queries.captured_queries if q["sql"].startswith("ANALYZE")]
    written = [
        OutreachActivity,
        OutreachActivity.history.model,
        Attendance,
        Attendance.history.model,
        FacilityPathway,
        SavingStep,
        VerifiedSavingStep,
    ]
    tables = ", ".join(f'"{model._meta.db_table}"' for model in written)
    assert statements == ([f"ANALYZE {tables}"] if analysed else [])


@pytest.mark.skipif(connection.vendor != "postgresql", reason="ANALYZE is PostgreSQL's (a no-op on SQLite)")
def test_specialists_are_not_on_the_pathway(records_register, monkeypatch):
    monkeypatch.setattr(db, "ANALYZE_THRESHOLD", 1)
    with CaptureQueriesContext(connection) as queries:
        run(SpecialistResource, specialist_rows(2))
    statements = [q["sql"] for q in queries.captured_queries if q["sql"].startswith("ANALYZE")]
    tables = f'"{Specialist._meta.db_table}", "{Specialist.history.model._meta.db_table}"'
    assert statements == [f"ANALYZE {tables}"]


def test_surveys_need_no_invented_description_or_support_date(records_register):
    """Issue 11: an option known by its category alone, support whose day is not known
    (it counts from the survey's date); re-importing matches them and writes nothing."""
    rows = [
        survey_row(option_category="good_housekeeping", option_description="", option_state=""),
        survey_row(option_category="input_change", option_description="", option_state=""),
        survey_row(
            option_category="", option_description="", option_state="", support_kind="technique", support_given_on=""
        ),
    ]
    result = run(SurveyResource, rows)
    assert problems(result, SurveyResource) == []
    survey = Survey.objects.get()
    assert sorted(survey.options.values_list("category", "description")) == [
        ("good_housekeeping", ""),
        ("input_change", ""),
    ]
    assert survey.supports.get().given_on is None
    assert survey.facility.pathways.get().supported_on == survey.surveyed_on
    before = stored_counts()
    again = run(SurveyResource, rows)
    assert problems(again, SurveyResource) == [] and stored_counts() == before
    assert (CPOption.objects.count(), TechnicalSupport.objects.count()) == (2, 1)


@pytest.mark.parametrize("dry_run", [False, True])
def test_an_import_says_what_it_does_after_its_last_row(records_register, dry_run):
    """What a background job's page shows once every row is read (jobs.progress.Progress.phase)."""
    said = []
    dataset = CSVFormat().create_dataset(table_bytes(OutreachActivityResource, [activity_row()]))
    result = OutreachActivityResource(phase=said.append).import_data(dataset, dry_run=dry_run)
    assert not result.has_validation_errors()
    confirmed = ["Finishing: saving the records and the pathway", "Finishing: updating the database statistics"]
    assert said == ["Finishing: matching the stored records"] + ([] if dry_run else confirmed)
