"""The record rules (programmes/models.py, "Record rules"): for each, the staff form, the
import and the model's clean() (which the admin runs) refuse the same thing with the same
message, on the same field (the import: on that field's column). The forms, the model and the
imports all write dates as the language does (cpdash.dates.local_day: 31/12/2015)."""

import datetime as dt

import pytest
from django.contrib import admin
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.test import RequestFactory
from django.utils import translation

from cpdash.concurrency import current_version
from facilities.models import Facility
from programmes import forms
from programmes.models import (
    Attendance,
    OutreachActivity,
    Phase,
    Programme,
    ResourceSaving,
    Solution,
    Specialist,
    Survey,
    TechnicalSupport,
    ends_before_starts,
    facility_not_open,
    left_before_appointed,
    local_day,
    support_before_survey,
    unit_not_valid,
)
from programmes.reference_resources import PhaseResource, ProgrammeResource
from programmes.resources import OutreachActivityResource, SolutionResource, SpecialistResource, SurveyResource
from tests import builders
from tests.programmes.conftest import rows
from tests.programmes.test_forms import activity_data, saving, solution_data, survey_data
from tests.programmes.test_import_records import (
    activity_row,
    problems,
    records_register,  # noqa: F401 (a fixture)
    run,
    solution_row,
    specialist_row,
    survey_row,
)

pytestmark = pytest.mark.usefixtures("records_register")


def iso(day: dt.date) -> str:
    return day.isoformat()


def clean_errors(obj) -> dict[str, list[str]]:
    """What the model's clean() refuses, by field ({} when nothing)."""
    try:
        obj.clean()
    except ValidationError as error:
        return error.message_dict
    return {}


def import_errors(resource, rows: list[dict]) -> list[tuple[str, str]]:
    """(column, message) of every problem of an import of ``rows`` (nothing is written)."""
    return [(column, message) for _row, column, message in problems(run(resource, rows), resource)]


def admin_form_errors(model, data: dict, instance=None) -> dict:
    """The errors of the admin's change form of ``model`` for ``data``."""
    model_admin = admin.site._registry[model]
    request = RequestFactory().get("/")
    request.user = User.objects.create_superuser("rules-admin", "rules@example.invalid", "x")
    form = model_admin.get_form(request, instance)(data, instance=instance)
    form.is_valid()
    return form.errors


def facility(code: str) -> Facility:
    return Facility.objects.get(code=code)


# --- A facility open on the record's day ---------------------------------------------


def test_survey_at_a_closed_facility():
    closed, day = facility("F0004"), dt.date(2013, 4, 10)
    [(field, message)] = facility_not_open(closed, day)
    assert message == "Cơ sở F0004 (F0004) had closed by 10/04/2013 (it closed on 01/01/2012)."

    form = forms.SurveyForm(survey_data(closed, surveyed_on=day), instance=Survey())
    assert not form.is_valid()
    assert form.errors[field] == [message]
    assert clean_errors(Survey(facility=closed, surveyed_on=day)) == {field: [message]}
    assert import_errors(SurveyResource, [survey_row("F0004")]) == [("facility_code", message)]
    assert facility_not_open(closed, day, format_day=iso) == [
        (field, "Cơ sở F0004 (F0004) had closed by 2013-04-10 (it closed on 2012-01-01).")
    ]


def test_solution_at_a_facility_not_yet_open():
    later, day = facility("F0003"), dt.date(2013, 9, 1)
    [(field, message)] = facility_not_open(later, day)

    form = forms.SolutionForm(solution_data(later, implemented_on=day), instance=Solution())
    assert not form.is_valid()
    assert form.errors[field] == [message]
    solution = Solution(facility=later, implemented_on=day, category="good_housekeeping", description="x")
    assert clean_errors(solution) == {field: [message]}
    [(_field, iso_message)] = facility_not_open(later, day, format_day=iso)
    assert iso_message == "Cơ sở F0003 (F0003) had not opened yet on 2013-09-01 (it opened on 2014-01-01)."
    assert message == "Cơ sở F0003 (F0003) had not opened yet on 01/09/2013 (it opened on 01/01/2014)."
    assert import_errors(SolutionResource, [solution_row("F0003")]) == [("facility_code", message)]


def test_attendance_at_a_closed_facility():
    closed, day = facility("F0004"), dt.date(2012, 6, 14)
    [(field, message)] = facility_not_open(closed, day)

    form = forms.OutreachActivityForm(activity_data(held_on=day, paste="F0004"), instance=OutreachActivity())
    assert not form.is_valid()
    assert message in form.non_field_errors()
    assert clean_errors(Attendance(activity=OutreachActivity(held_on=day), facility=closed)) == {field: [message]}
    assert import_errors(OutreachActivityResource, [activity_row("F0004")]) == [("facility_code", message)]


# --- Technical support: not before its survey, while the facility was open ----------


def test_support_given_before_its_survey():
    surveyed_on, given_on = dt.date(2013, 4, 10), dt.date(2013, 4, 1)
    [(field, message)] = support_before_survey(surveyed_on, given_on)
    assert message == "Support given on 01/04/2013, before the survey on 10/04/2013."
    support = {"kind": "technique", "given_on": iso(given_on), "description": ""}

    form = forms.SurveyForm(survey_data(facility("F0001"), surveyed_on, supports=[support]), instance=Survey())
    assert not form.is_valid()
    assert form.rowsets["supports"].forms[0].errors[field] == [message]
    survey = Survey(facility=facility("F0001"), surveyed_on=surveyed_on)
    assert clean_errors(TechnicalSupport(survey=survey, kind="technique", given_on=given_on)) == {field: [message]}
    row = survey_row(support_kind="technique", support_given_on=iso(given_on))
    assert import_errors(SurveyResource, [row]) == [("support_given_on", message)]


def test_support_given_before_the_survey_as_changed_on_the_form():
    """The rows are checked against the survey's day as typed, not as stored."""
    survey = builders.survey(facility("F0001"), surveyed_on=dt.date(2013, 4, 1))
    TechnicalSupport.objects.create(survey=survey, kind="technique", given_on=dt.date(2013, 4, 5))
    stored = {"id": survey.supports.get().pk, "survey": survey.pk, "kind": "technique", "given_on": "2013-04-05"}
    data = {**survey_data(survey.facility, dt.date(2013, 4, 10)), **rows("supports", stored, initial=1)}
    data["record_version"] = current_version(survey)
    form = forms.SurveyForm(data, instance=survey)
    assert not form.is_valid()
    assert form.rowsets["supports"].forms[0].errors["given_on"] == [
        "Support given on 05/04/2013, before the survey on 10/04/2013."
    ]


def test_support_given_after_the_facility_closed():
    """The import refused it; the survey form and the admin did not (drift)."""
    closed, surveyed_on, given_on = facility("F0004"), dt.date(2011, 6, 1), dt.date(2012, 3, 1)
    [(field, message)] = facility_not_open(closed, given_on, "given_on")
    assert field == "given_on"
    support = {"kind": "technique", "given_on": iso(given_on), "description": ""}

    form = forms.SurveyForm(survey_data(closed, surveyed_on, supports=[support]), instance=Survey())
    assert not form.is_valid()
    assert form.rowsets["supports"].forms[0].errors[field] == [message]
    survey = Survey(facility=closed, surveyed_on=surveyed_on)
    assert clean_errors(TechnicalSupport(survey=survey, kind="technique", given_on=given_on)) == {field: [message]}
    row = survey_row("F0004", surveyed_on=iso(surveyed_on), support_kind="technique", support_given_on=iso(given_on))
    assert import_errors(SurveyResource, [row]) == [("support_given_on", message)]

    stored = builders.survey(closed, surveyed_on=surveyed_on)
    data = {"survey": stored.pk, "kind": "technique", "given_on": iso(given_on), "description": ""}
    assert admin_form_errors(TechnicalSupport, data)[field] == [message]


def test_support_before_its_survey_in_the_admin():
    """The admin did not check it (drift): TechnicalSupport.clean() now does."""
    stored = builders.survey(facility("F0001"), surveyed_on=dt.date(2013, 4, 10))
    data = {"survey": stored.pk, "kind": "technique", "given_on": "2013-04-01", "description": ""}
    assert admin_form_errors(TechnicalSupport, data)["given_on"] == [
        "Support given on 01/04/2013, before the survey on 10/04/2013."
    ]


# --- Specialists and units ------------------------------------------------------------


def test_specialist_leaving_before_appointment():
    appointed_on, left_on = dt.date(2012, 3, 1), dt.date(2011, 12, 31)
    [(field, message)] = left_before_appointed(appointed_on, left_on)
    assert message == "A specialist cannot leave before being appointed (on 01/03/2012)."
    unit = builders.unit("Sóc Sơn")
    specialist = builders.specialist(unit, name="Nguyễn Thị Hoa", appointed_on=appointed_on)

    data = {"left_on": iso(left_on), "record_version": current_version(specialist)}
    form = forms.DepartureForm(data, instance=specialist)
    assert not form.is_valid()
    assert form.errors[field] == [message]
    specialist.left_on = left_on
    assert clean_errors(specialist) == {field: [message]}
    assert import_errors(SpecialistResource, [specialist_row(left_on=iso(left_on))]) == [("left_on", message)]


def test_activity_in_a_unit_that_had_ended():
    ended = builders.unit("Từ Liêm", valid_until=dt.date(2013, 12, 31))
    day = dt.date(2014, 6, 14)
    [(field, message)] = unit_not_valid(ended, day)
    assert message == "Từ Liêm no longer existed on 14/06/2014 (its last day was 31/12/2013)."

    form = forms.OutreachActivityForm({**activity_data(held_on=day), "unit": ended.pk}, instance=OutreachActivity())
    assert not form.is_valid()
    assert form.errors[field] == [message]
    assert clean_errors(OutreachActivity(kind="workshop", title="x", held_on=day, unit=ended)) == {field: [message]}
    row = activity_row("", held_on=iso(day), unit="Từ Liêm", people="")
    assert import_errors(OutreachActivityResource, [row]) == [("unit", message)]
    data = {"unit": ended.pk, "name": "Nguyễn Văn A", "position": "", "appointed_on": iso(day)}
    form = forms.AppointmentForm(data, instance=Specialist())
    assert not form.is_valid()
    assert form.errors[field] == [message]


# --- Programmes and phases ----------------------------------------------------------


@pytest.mark.parametrize(("model", "resource"), [(Programme, ProgrammeResource), (Phase, PhaseResource)])
def test_ending_before_starting(model, resource):
    starts_on, ends_on = dt.date(2016, 1, 1), dt.date(2015, 12, 31)
    [(field, message)] = ends_before_starts(starts_on, ends_on)
    assert message == "It ends on 31/12/2015, before it starts on 01/01/2016."
    builders.programme("hanoi-cp")
    if model is Programme:
        row = {"slug": "late", "name": "Late", "starts_on": iso(starts_on), "ends_on": iso(ends_on)}
        data = {"slug": "late", "name": "Late", "starts_on": iso(starts_on), "ends_on": iso(ends_on)}
        obj = Programme(slug="late", name="Late", starts_on=starts_on, ends_on=ends_on)
    else:
        row = {"programme": "hanoi-cp", "name": "late", "starts_on": iso(starts_on), "ends_on": iso(ends_on)}
        programme = Programme.objects.get(slug="hanoi-cp")
        data = {"programme": programme.pk, "name": "late", "starts_on": iso(starts_on), "ends_on": iso(ends_on)}
        obj = Phase(programme=programme, name="late", starts_on=starts_on, ends_on=ends_on)

    assert clean_errors(obj) == {field: [message]}
    assert admin_form_errors(model, data)[field] == [message]
    assert import_errors(resource, [row]) == [("ends_on", message)]


@pytest.mark.parametrize(
    ("language", "message"),
    [
        ("vi", "Ngày kết thúc 31/12/2015 trước ngày bắt đầu 01/01/2016."),
        ("en", "It ends on 31/12/2015, before it starts on 01/01/2016."),
    ],
)
@pytest.mark.parametrize("resource", [ProgrammeResource, PhaseResource])
def test_the_imports_write_dates_as_the_language_does(resource, language, message):
    """As the form and the admin do: day first, not the file's 2015-12-31."""
    builders.programme("hanoi-cp")
    key = {"slug": "late"} if resource is ProgrammeResource else {"programme": "hanoi-cp"}
    row = {**key, "name": "Late", "starts_on": "2016-01-01", "ends_on": "2015-12-31"}
    with translation.override(language):
        assert import_errors(resource, [row]) == [("ends_on", message)]
        assert import_errors(SpecialistResource, [specialist_row(left_on="2011-12-31")]) == [
            ("left_on", left_before_appointed(dt.date(2012, 3, 1), dt.date(2011, 12, 31))[0][1])
        ]


# --- Savings -----------------------------------------------------------------------

AFTER_NEEDS_BASELINE = "Enter the baseline too: a value after implementation needs one to compare with."
BOTH = "A saving is either measured (baseline and after) or reported as a percentage, not both."
NO_UNIT = "Choose the unit of consumption, or give only the reported saving (%)."


@pytest.mark.parametrize(
    ("form_row", "cells", "fields", "field", "column", "message"),
    [
        (
            saving(baseline="0", after="0"),
            {"baseline": "0", "after": "0"},
            {"unit": "kWh", "baseline": 0, "after": 0},
            "baseline",
            "baseline",
            "Baseline consumption must be above zero.",
        ),
        (
            saving(baseline="", after="5"),
            {"baseline": ""},
            {"unit": "kWh", "after": 5},
            "after",
            "after",
            AFTER_NEEDS_BASELINE,
        ),
        (
            {**saving(), "reported_percent": "6"},
            {"saved_percent": "6"},
            {"unit": "kWh", "baseline": 100, "after": 94, "reported_percent": 6},
            "reported_percent",
            "saved_percent",
            BOTH,
        ),
        ({**saving(), "unit": ""}, {"unit": ""}, {"baseline": 100, "after": 94}, "unit", "unit", NO_UNIT),
        (
            {**saving(baseline="", after=""), "unit": ""},
            {"unit": "", "baseline": "", "after": ""},
            {},
            "unit",
            "unit",
            NO_UNIT,
        ),
    ],
)
def test_saving_rules(form_row, cells, fields, field, column, message):
    form = forms.SolutionForm(solution_data(facility("F0001"), savings=[form_row]), instance=Solution())
    assert not form.is_valid()
    assert form.rowsets["savings"].forms[0].errors[field] == [message]
    assert clean_errors(ResourceSaving(resource="energy", **fields)) == {field: [message]}
    assert import_errors(SolutionResource, [solution_row(**cells)]) == [(column, message)]


def test_saving_after_below_zero():
    """The form and the model; the import refuses a negative cell before any rule."""
    message = "Consumption after implementation cannot be below zero: that would be a saving over 100%."
    form = forms.SolutionForm(solution_data(facility("F0001"), savings=[saving(after="-1")]), instance=Solution())
    assert not form.is_valid()
    assert form.rowsets["savings"].forms[0].errors["after"] == [message]
    assert clean_errors(ResourceSaving(resource="energy", unit="kWh", baseline=100, after=-1)) == {"after": [message]}


def test_saving_without_unit_or_percentage_in_the_admin():
    """The admin stored a saving with neither a unit nor a percentage (drift)."""
    solution = builders.solution(facility("F0001"))
    data = {"solution": solution.pk, "resource": "water", "evidence": "self_reported"}
    assert admin_form_errors(ResourceSaving, data)["unit"] == [NO_UNIT]


# --- Verification of a solution -----------------------------------------------------

NEEDED = "A verified solution needs the day it was verified; only a verified one has that day."
EARLY = "A solution cannot be verified before it was implemented."


@pytest.mark.parametrize(
    ("stage", "verified_on", "message"),
    [
        ("verified", "", NEEDED),
        ("implemented", "2014-03-01", NEEDED),
        ("verified", "2013-08-01", EARLY),
    ],
)
def test_verification(stage, verified_on, message):
    data = solution_data(facility("F0001"), implemented_on=dt.date(2013, 9, 1), stage=stage, verified_on=verified_on)
    form = forms.SolutionForm(data, instance=Solution())
    assert not form.is_valid()
    assert form.errors["verified_on"] == [message]
    day = dt.date.fromisoformat(verified_on) if verified_on else None
    solution = Solution(facility=facility("F0001"), implemented_on=dt.date(2013, 9, 1), stage=stage, verified_on=day)
    assert clean_errors(solution) == {"verified_on": [message]}
    assert import_errors(SolutionResource, [solution_row(stage=stage, verified_on=verified_on)]) == [
        ("verified_on", message)
    ]


def test_dates_are_written_as_the_path_reads_them():
    """The same rule, two spellings of its dates: the language's (the default: forms, admin,
    imports), ISO when a caller asks for it."""
    day = dt.date(2013, 4, 1)
    assert local_day(day) == "01/04/2013"
    assert support_before_survey(dt.date(2013, 4, 10), day, iso) == [
        ("given_on", "Support given on 2013-04-01, before the survey on 2013-04-10.")
    ]


def test_a_negative_baseline_is_refused_for_itself_alone():
    """Not also as a rise in consumption to confirm: the rise compares with a baseline above zero."""
    row = saving(baseline="-5", after="1")
    form = forms.SolutionForm(solution_data(facility("F0001"), savings=[row]), instance=Solution())
    assert not form.is_valid()
    saving_form = form.rowsets["savings"].forms[0]
    assert saving_form.errors == {"baseline": ["Baseline consumption must be above zero."]}
    assert not saving_form.has_error_rise()
