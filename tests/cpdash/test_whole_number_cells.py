"""Whole-number cells of every import (cpdash.imports.WholeNumberWidget): thousands grouped as
the import's language writes them, as the staff forms read counts ("1.500" people in Vietnamese,
"1,500" in English), and nothing else read as another number ("1.5" is never 15, "1,500" in
Vietnamese never 1500). The admin's previews show them grouped the same way; files keep plain
digits (render), which either language reads back."""

import pytest
from django.conf import settings
from django.utils import translation

from cpdash.imports import WholeNumberWidget
from facilities.models import Facility
from programmes.models import Attendance, OutreachActivity
from programmes.resources import OutreachActivityResource
from tests.facilities import test_admin_import as facility_admin
from tests.facilities.conftest import (
    csv_bytes,
    good_row,
    problems,
    register,  # noqa: F401 (a fixture)
    run_import,
)
from tests.facilities.test_admin_import_language import visible_text
from tests.programmes import test_admin_import_records as records_admin
from tests.programmes.test_import_records import activity_row, make_register, run, table_bytes
from tests.programmes.test_import_records import problems as record_problems

NOT_WHOLE = {"vi": "“{}” không phải là số nguyên.", "en": "“{}” is not a whole number."}


@pytest.mark.parametrize(
    ("language", "cell", "number"),
    [
        ("vi", "1500", 1500),
        ("vi", "1.500", 1500),
        ("vi", " 1.500.000 ", 1500000),
        ("vi", 1500, 1500),  # an XLSX number cell
        ("vi", 1500.0, 1500),
        ("en", "1,500", 1500),
        ("en", "1,500,000", 1500000),
        ("en", "1500", 1500),
        ("en", 1500.0, 1500),
    ],
)
def test_a_count_grouped_as_the_language_writes_it_is_read(language, cell, number):
    with translation.override(language):
        assert WholeNumberWidget().clean(cell) == number


@pytest.mark.parametrize(
    ("language", "cell"),
    [
        ("vi", "1.5"),  # groups nothing: not 15
        ("vi", "1.50"),
        ("vi", "15.00"),
        ("vi", "1,500"),  # one and a half in Vietnamese: not 1500
        ("vi", "1,5"),
        ("vi", "1.500,0"),
        ("vi", 1.234),  # a number cell holds 1.234, not 1234
        ("en", "1.500"),  # one and a half in English
        ("en", "1.5"),
        ("en", "1,50"),
        ("en", 12.5),
    ],
)
def test_anything_else_is_refused_never_read_as_another_number(language, cell):
    with translation.override(language), pytest.raises(ValueError) as refused:
        WholeNumberWidget().clean(cell)
    assert str(refused.value) == NOT_WHOLE[language].format(cell)


@pytest.mark.parametrize(
    ("language", "cell", "message"),
    [
        ("vi", "-1.500", "“-1.500” là số âm: hãy ghi số từ 0 trở lên."),
        ("en", "-1,500", "“-1,500” is negative: write zero or more."),
        ("vi", "3.000.000.000", "“3.000.000.000” quá lớn: tối đa 2147483647."),
        ("en", "3,000,000,000", "“3,000,000,000” is too large: at most 2147483647."),
    ],
)
def test_grouped_negative_and_too_large_counts_say_why(language, cell, message):
    with translation.override(language), pytest.raises(ValueError) as refused:
        WholeNumberWidget().clean(cell)
    assert str(refused.value) == message


@pytest.mark.parametrize("language", ["vi", "en"])
def test_files_keep_plain_digits_the_preview_groups_them(language):
    widget = WholeNumberWidget()
    with translation.override(language):
        assert widget.render(1500) == "1500"  # an export either language reads back
        assert widget.preview(1500) == {"vi": "1.500", "en": "1,500"}[language]
        assert widget.preview(None) == ""


# --- Through the imports: every whole-number column ----------------------------------------------

GROUPED = {"vi": ("1.500", "1,500"), "en": ("1,500", "1.500")}  # (the language's grouping, the other's)


@pytest.mark.django_db
@pytest.mark.usefixtures("register")
@pytest.mark.parametrize("language", ["vi", "en"])
def test_the_facility_import_reads_employees_grouped(language):
    grouped, other = GROUPED[language]
    with translation.override(language):
        result = run_import(csv_bytes([good_row("F1", employees=grouped)]))
        assert problems(result) == []
        assert Facility.objects.get(code="F1").employees == 1500

        result = run_import(csv_bytes([good_row("F2", employees=other), good_row("F3", employees="1.5")]))
        assert problems(result) == [
            (2, "employees", NOT_WHOLE[language].format(other)),
            (3, "employees", NOT_WHOLE[language].format("1.5")),
        ]
    assert not Facility.objects.filter(code__in=["F2", "F3"]).exists()


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["vi", "en"])
def test_the_activity_import_reads_every_count_grouped(language):
    make_register()
    grouped, other = GROUPED[language]
    columns = ("participants", "quantity", "people")
    with translation.override(language):
        result = run(OutreachActivityResource, [activity_row(**dict.fromkeys(columns, grouped))])
        assert record_problems(result, OutreachActivityResource) == []
        activity = OutreachActivity.objects.get()
        assert (activity.participants, activity.quantity, Attendance.objects.get().people) == (1500, 1500, 1500)

        for column in columns:
            for cell in (other, "1.5"):
                row = activity_row(title=f"{column} {cell}", **{column: cell})
                result = run(OutreachActivityResource, [row])
                assert record_problems(result, OutreachActivityResource) == [
                    (2, column, NOT_WHOLE[language].format(cell))
                ]
    assert OutreachActivity.objects.count() == 1


# --- The admin's previews ------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.usefixtures("register")
@pytest.mark.parametrize("language", ["vi", "en"])
def test_the_facility_preview_groups_employees(admin_client, language):
    grouped = GROUPED[language][0]
    admin_client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    response = facility_admin.upload(admin_client, csv_bytes([good_row("F1", employees=grouped)]))
    assert "confirm_form" in response.context
    text = f" {visible_text(response.content.decode())} "
    assert f" {grouped} " in text and " 1500 " not in text


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["vi", "en"])
def test_the_activity_preview_groups_counts(admin_client, language):
    make_register()
    grouped = GROUPED[language][0]
    admin_client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    data = table_bytes(OutreachActivityResource, [activity_row(participants="2500", people=grouped)])
    response = records_admin.upload(admin_client, "outreachactivity", data)
    assert "confirm_form" in response.context
    text = f" {visible_text(response.content.decode())} "
    assert f" {grouped} " in text and {"vi": " 2.500 ", "en": " 2,500 "}[language] in text
    assert " 1500 " not in text and " 2500 " not in text
