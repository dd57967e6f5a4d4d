"""The recording forms: every refusal with its message, and nothing written
while anything is wrong."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import translation

from cpdash.concurrency import current_version
from programmes import forms
from programmes.models import (
    Attendance,
    CPOption,
    OutreachActivity,
    Replication,
    ResourceSaving,
    Solution,
    Specialist,
    Survey,
    TechnicalSupport,
)
from tests import builders
from tests.programmes.conftest import rows, today, tomorrow

D = dt.date(2015, 6, 30)

FUTURE = "is in the future: enter today"


def counts() -> dict[str, int]:
    """Rows of every recorded model: compared before and after a refused form."""
    models = (
        Survey,
        CPOption,
        TechnicalSupport,
        Solution,
        ResourceSaving,
        OutreachActivity,
        Attendance,
        Specialist,
        Replication,
    )
    return {model.__name__: model.objects.count() for model in models}


def all_errors(form) -> str:
    """Every message of a form and of its rows, as one string."""
    messages = [str(m) for errors in form.errors.values() for m in errors]
    for rowset in getattr(form, "rowsets", {}).values():
        messages += [str(m) for m in rowset.non_form_errors()]
        messages += [str(m) for errors in rowset.errors for field in errors.values() for m in field]
    return " | ".join(messages)


# --- Plain helpers ------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "codes"),
    [
        ("F1\nF2\nF3", ["F1", "F2", "F3"]),
        ("F1\r\n\r\n  F2  \r\n\tF3\t\n", ["F1", "F2", "F3"]),
        ("F1, F2;F3 ;; ,F4", ["F1", "F2", "F3", "F4"]),
        ("F1\nF2\nF1\nF2\n", ["F1", "F2"]),
        ("", []),
        (None, []),
        ("  \n\t ,;", []),
    ],
)
def test_parse_codes(text, codes):
    assert forms.parse_codes(text) == codes


@pytest.mark.parametrize(
    ("baseline", "after", "expected"),
    [
        (Decimal(100), Decimal(94), Decimal("6.0000")),
        (Decimal("2.5"), Decimal("2.5"), Decimal(0)),
        (Decimal(100), Decimal(110), Decimal(-10)),
        (Decimal(100), Decimal(0), Decimal(100)),
        (Decimal(3), Decimal(2), Decimal("33.3333")),
        (Decimal(100), Decimal("93.7"), Decimal("6.3000")),
        (Decimal(420), Decimal("1E+30"), None),  # typed, refused: more digits than a saving holds
        (Decimal(100), None, None),
        (None, Decimal(5), None),
        (Decimal(0), Decimal(5), None),
    ],
)
def test_saving_percent(baseline, after, expected):
    assert forms.saving_percent(baseline, after) == expected


# --- CP surveys ------------------------------------------------------------------


def survey_data(facility, surveyed_on=D, options=(), supports=()) -> dict:
    return {
        "facility": facility.code,
        "surveyed_on": surveyed_on.isoformat(),
        "surveyors": "ECC team",
        "findings": "",
        **rows("options", *options),
        **rows("supports", *supports),
    }


OPTION = {"category": "good_housekeeping", "description": "Fix steam leaks", "state": "identified"}
SUPPORT = {"kind": "technique", "given_on": D.isoformat(), "description": "Kiln insulation"}


@pytest.mark.django_db
def test_survey_with_options_and_support_is_saved():
    facility = builders.facility()
    form = forms.SurveyForm(
        survey_data(
            facility,
            options=[OPTION, {**OPTION, "category": "technology_change", "description": "Gas-fired kiln"}],
            supports=[SUPPORT],
        ),
        instance=Survey(),
    )
    assert form.is_valid(), all_errors(form)
    survey = form.save()
    assert survey.facility == facility
    assert sorted(survey.options.values_list("category", flat=True)) == ["good_housekeeping", "technology_change"]
    assert survey.supports.get().kind == "technique"


@pytest.mark.django_db
def test_survey_today_is_accepted():
    form = forms.SurveyForm(survey_data(builders.facility(), surveyed_on=today()), instance=Survey())
    assert form.is_valid(), all_errors(form)


@pytest.mark.django_db
def test_survey_empty_option_rows_are_ignored():
    blank = {"category": "", "description": "", "state": "identified"}
    form = forms.SurveyForm(survey_data(builders.facility(), options=[blank, blank]), instance=Survey())
    assert form.is_valid(), all_errors(form)
    assert form.save().options.count() == 0


def refused(form, *messages: str) -> None:
    """``form`` is invalid with each of ``messages``, and saving was never attempted."""
    before = counts()
    assert not form.is_valid()
    text = all_errors(form)
    for message in messages:
        assert message in text
    assert counts() == before


@pytest.mark.django_db
def test_survey_in_the_future_is_refused():
    form = forms.SurveyForm(survey_data(builders.facility(), surveyed_on=tomorrow()), instance=Survey())
    refused(form, FUTURE)
    assert "surveyed_on" in form.errors


@pytest.mark.django_db
def test_support_in_the_future_is_refused():
    data = survey_data(builders.facility(), supports=[{**SUPPORT, "given_on": tomorrow().isoformat()}])
    form = forms.SurveyForm(data, instance=Survey())
    refused(form, FUTURE, "Some rows need correcting")
    assert "given_on" in form.rowsets["supports"].forms[0].errors


@pytest.mark.django_db
def test_survey_of_a_closed_facility_is_refused():
    facility = builders.facility(name="Gốm Bát Tràng", closed_on=dt.date(2014, 1, 1))
    form = forms.SurveyForm(survey_data(facility, surveyed_on=D), instance=Survey())
    refused(form, "Gốm Bát Tràng", "had closed by")
    assert "facility" in form.errors


@pytest.mark.django_db
def test_survey_of_a_facility_not_yet_open_is_refused():
    facility = builders.facility(opened_on=dt.date(2016, 1, 1))
    form = forms.SurveyForm(survey_data(facility, surveyed_on=D), instance=Survey())
    refused(form, "had not opened yet")


@pytest.mark.django_db
def test_survey_on_the_closing_day_is_refused_and_the_day_before_accepted():
    facility = builders.facility(closed_on=D)
    assert not forms.SurveyForm(survey_data(facility, surveyed_on=D), instance=Survey()).is_valid()
    form = forms.SurveyForm(survey_data(facility, surveyed_on=D - dt.timedelta(days=1)), instance=Survey())
    assert form.is_valid(), all_errors(form)


@pytest.mark.django_db
def test_survey_of_an_unknown_code_is_refused():
    data = {**survey_data(builders.facility()), "facility": "NOPE-1"}
    refused(forms.SurveyForm(data, instance=Survey()), "No facility has the code “NOPE-1”.")


@pytest.mark.django_db
def test_survey_facility_code_is_trimmed():
    facility = builders.facility()
    form = forms.SurveyForm({**survey_data(facility), "facility": f"  {facility.code} "}, instance=Survey())
    assert form.is_valid(), all_errors(form)


@pytest.mark.django_db
def test_repeated_support_kind_is_refused():
    data = survey_data(builders.facility(), supports=[SUPPORT, {**SUPPORT, "description": "again"}])
    refused(forms.SurveyForm(data, instance=Survey()), "Each kind of support is recorded once per survey", "technique")


@pytest.mark.django_db
def test_an_option_may_name_only_its_category_and_support_its_kind():
    """Issue 11: nothing forces an invented description or date; support without a day
    counts from the survey's."""
    data = survey_data(
        builders.facility(),
        options=[{**OPTION, "description": ""}, {**OPTION, "category": "input_change", "description": ""}],
        supports=[{**SUPPORT, "given_on": ""}],
    )
    form = forms.SurveyForm(data, instance=Survey())
    assert form.is_valid(), all_errors(form)
    survey = form.save()
    assert sorted(survey.options.values_list("category", "description")) == [
        ("good_housekeeping", ""),
        ("input_change", ""),
    ]
    assert survey.supports.get().given_on is None
    assert survey.facility.pathways.get().supported_on == survey.surveyed_on


@pytest.mark.django_db
def test_support_before_its_survey_is_refused_as_the_import_refuses_it():
    data = survey_data(builders.facility(), supports=[{**SUPPORT, "given_on": (D - dt.timedelta(days=1)).isoformat()}])
    refused(forms.SurveyForm(data, instance=Survey()), "before the survey on", "Some rows need correcting")


@pytest.mark.django_db
def test_bad_row_keeps_the_survey_unsaved_on_edit():
    survey = builders.survey(surveyors="before")
    data = {
        **survey_data(survey.facility, supports=[{**SUPPORT, "given_on": tomorrow().isoformat()}]),
        "surveyors": "after",
    }
    refused(forms.SurveyForm(data, instance=survey), FUTURE)
    survey.refresh_from_db()
    assert survey.surveyors == "before"


@pytest.mark.django_db
def test_survey_edit_shows_the_facility_code():
    survey = builders.survey()
    form = forms.SurveyForm(instance=survey)
    assert form["facility"].value() == survey.facility.code
    assert survey.facility.name in str(form.fields["facility"].help_text)


@pytest.mark.django_db
def test_survey_edit_deletes_and_changes_rows():
    survey = builders.survey()
    kept = CPOption.objects.create(survey=survey, category="good_housekeeping", description="old")
    dropped = CPOption.objects.create(survey=survey, category="input_change", description="gone")
    options = [
        {"id": kept.pk, "survey": survey.pk, **OPTION, "state": "implemented"},
        {"id": dropped.pk, "survey": survey.pk, **OPTION, "DELETE": "on"},
    ]
    data = {**survey_data(survey.facility), **rows("options", *options, initial=2)}
    data["record_version"] = current_version(survey)
    form = forms.SurveyForm(data, instance=survey)
    assert form.is_valid(), all_errors(form)
    form.save()
    assert list(survey.options.values_list("pk", "state")) == [(kept.pk, "implemented")]


# --- CP solutions ------------------------------------------------------------------


def solution_data(facility, implemented_on=D, savings=(), **fields) -> dict:
    return {
        "facility": facility.code,
        "implemented_on": implemented_on.isoformat(),
        "category": "equipment_modification",
        "description": "Gas-fired kiln",
        "investment": "",
        "annual_saving": "",
        "co2_avoided": "",
        "survey": "",
        "demonstration": "",
        **fields,
        **rows("savings", *savings),
    }


def saving(resource="energy", baseline="100", after="94") -> dict:
    return {"resource": resource, "unit": "kWh", "product_unit": "t of ceramics", "baseline": baseline, "after": after}


@pytest.mark.django_db
def test_solution_with_savings_is_saved():
    data = solution_data(builders.facility(), savings=[saving(), saving("water", "10", "9.2")])
    form = forms.SolutionForm(data, instance=Solution())
    assert form.is_valid(), all_errors(form)
    solution = form.save()
    assert dict(solution.savings.values_list("resource", "saving_percent")) == {
        "energy": Decimal(6),
        "water": Decimal(8),
    }


@pytest.mark.django_db
def test_solution_with_a_pending_measurement_is_saved():
    form = forms.SolutionForm(solution_data(builders.facility(), savings=[saving(after="")]), instance=Solution())
    assert form.is_valid(), all_errors(form)
    assert form.save().savings.get().saving_percent is None


@pytest.mark.django_db
def test_after_below_zero_is_refused():
    form = forms.SolutionForm(solution_data(builders.facility(), savings=[saving(after="-1")]), instance=Solution())
    refused(form, "Consumption after implementation cannot be below zero: that would be a saving over 100%.")
    assert "after" in form.rowsets["savings"].forms[0].errors


@pytest.mark.parametrize("baseline", ["0", "-5"])
@pytest.mark.django_db
def test_baseline_not_above_zero_is_refused(baseline):
    data = solution_data(builders.facility(), savings=[saving(baseline=baseline, after="1")])
    form = forms.SolutionForm(data, instance=Solution())
    refused(form, "Baseline consumption must be above zero.")
    assert "baseline" in form.rowsets["savings"].forms[0].errors


@pytest.mark.django_db
def test_after_without_baseline_is_refused():
    data = solution_data(builders.facility(), savings=[saving(baseline="", after="5")])
    refused(
        forms.SolutionForm(data, instance=Solution()),
        "Enter the baseline too: a value after implementation needs one to compare with.",
    )


@pytest.mark.django_db
def test_same_resource_twice_is_refused():
    data = solution_data(builders.facility(), savings=[saving(), saving(baseline="50", after="40")])
    refused(
        forms.SolutionForm(data, instance=Solution()), "Each resource is measured once per solution; repeated: energy."
    )


@pytest.mark.django_db
def test_new_row_repeating_a_stored_resource_is_refused():
    solution = builders.solution(savings={"energy": (100, 94)})
    stored = solution.savings.get()
    data = solution_data(solution.facility)
    data.update(
        rows(
            "savings",
            {"id": stored.pk, "solution": solution.pk, **saving()},
            {"solution": solution.pk, **saving(baseline="50", after="45")},
            initial=1,
        )
    )
    form = forms.SolutionForm(data, instance=solution)
    refused(form, "Each resource is measured once per solution; repeated: energy.")


@pytest.mark.django_db
def test_solution_in_the_future_is_refused():
    data = solution_data(builders.facility(), implemented_on=tomorrow(), savings=[saving()])
    refused(forms.SolutionForm(data, instance=Solution()), FUTURE)


@pytest.mark.django_db
def test_solution_at_a_closed_facility_is_refused():
    facility = builders.facility(name="Cơ khí Đông Anh", closed_on=dt.date(2013, 1, 1))
    refused(forms.SolutionForm(solution_data(facility, savings=[saving()]), instance=Solution()), "Cơ khí Đông Anh")


@pytest.mark.django_db
def test_negative_investment_is_refused():
    data = solution_data(builders.facility(), investment="-1")
    refused(forms.SolutionForm(data, instance=Solution()), "Investment cannot be negative.")


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("language", "fraction", "whole", "whole_number", "not_a_number"),
    [
        ("vi", "25.000.000,5", "25.000.000", "Hãy nhập một số nguyên.", "hãy viết như 1.234.567."),
        ("en", "25,000,000.5", "25,000,000", "Enter a whole number.", "write it as in 1,234,567."),
    ],
)
def test_vnd_amounts_are_whole_numbers_and_say_so(language, fraction, whole, whole_number, not_a_number):
    """The model keeps VND amounts without decimals (decimal_places=0): a fraction asks for a whole
    number, and the "not a number" message's example is one the field accepts (not 1.234.567,5)."""
    facility = builders.facility()
    with translation.override(language):
        form = forms.SolutionForm(solution_data(facility, annual_saving=fraction), instance=Solution())
        assert not form.is_valid()
        assert form.errors["annual_saving"] == [whole_number]
        form = forms.SolutionForm(solution_data(facility, investment="abc"), instance=Solution())
        assert not form.is_valid()
        assert form.errors["investment"][0].endswith(not_a_number)
        form = forms.SolutionForm(solution_data(facility, annual_saving=whole), instance=Solution())
        assert form.is_valid(), all_errors(form)
        assert form.save().annual_saving == 25_000_000


@pytest.mark.django_db
def test_solution_survey_must_be_of_the_same_facility():
    facility = builders.facility()
    own, other = builders.survey(facility), builders.survey()
    form = forms.SolutionForm(solution_data(facility, survey=other.pk), instance=Solution())
    refused(form, "Select a valid choice")
    form = forms.SolutionForm(solution_data(facility, survey=own.pk), instance=Solution())
    assert form.is_valid(), all_errors(form)


@pytest.mark.django_db
def test_solution_save_is_all_or_nothing(monkeypatch):
    form = forms.SolutionForm(solution_data(builders.facility(), savings=[saving()]), instance=Solution())
    assert form.is_valid(), all_errors(form)

    def fail(*args, **kwargs):
        raise RuntimeError("connection lost")

    monkeypatch.setattr(form.rowsets["savings"], "save", fail)
    before = counts()
    with pytest.raises(RuntimeError):
        form.save()
    assert counts() == before


@pytest.mark.django_db
def test_saving_shown_as_typed_and_as_stored():
    data = solution_data(builders.facility(), savings=[saving(baseline="80", after="76")])
    typed = forms.SolutionForm(data, instance=Solution()).rowsets["savings"].forms[0]
    assert typed.saving() == Decimal(5)
    stored = builders.solution(savings={"energy": (200, 187)})
    row = forms.SolutionForm(instance=stored).rowsets["savings"].forms[0]
    assert row.saving() == Decimal("6.5")


def reported(resource="water", percent="6") -> dict:
    """A saving known only as the percentage the facility reported."""
    return {
        "resource": resource,
        "unit": "",
        "product_unit": "",
        "baseline": "",
        "after": "",
        "reported_percent": percent,
    }


@pytest.mark.django_db
def test_a_saving_known_only_as_a_reported_percentage_is_saved_as_such():
    data = solution_data(builders.facility(), savings=[saving(), reported()])
    form = forms.SolutionForm(data, instance=Solution())
    assert form.is_valid(), all_errors(form)
    typed = form.rowsets["savings"].forms[1]
    assert (typed.saving(), typed.saving_is_reported()) == (Decimal(6), True)

    solution = form.save()

    water = solution.savings.get(resource="water")
    assert (water.unit, water.baseline, water.reported_percent, water.saving_percent) == ("", None, 6, 6)
    assert not water.has_measured_baseline
    row = forms.SolutionForm(instance=solution).rowsets["savings"].forms[1]
    assert (str(row.initial["reported_percent"]), row.saving(), row.saving_is_reported()) == ("6", Decimal(6), True)
    assert forms.SolutionForm(instance=solution).rowsets["savings"].forms[0].saving_is_reported() is False


@pytest.mark.parametrize(
    ("row", "field", "message"),
    [
        (
            {**saving(), "reported_percent": "6"},
            "reported_percent",
            "A saving is either measured (baseline and after) or reported as a percentage, not both.",
        ),
        (
            {**saving(baseline=""), "reported_percent": "6"},
            "reported_percent",
            "A saving is either measured (baseline and after) or reported as a percentage, not both.",
        ),
        (
            {**saving(), "unit": ""},
            "unit",
            "Choose the unit of consumption, or give only the reported saving (%).",
        ),
        (
            {**saving(baseline="", after=""), "unit": ""},
            "unit",
            "Choose the unit of consumption, or give only the reported saving (%).",
        ),
        (reported(percent="100.5"), "reported_percent", "Ensure this value is less than or equal to 100."),
        (reported(percent="-1"), "reported_percent", "Ensure this value is greater than or equal to 0."),
    ],
)
@pytest.mark.django_db
def test_a_saving_both_measured_and_reported_or_without_a_unit_is_refused(row, field, message):
    form = forms.SolutionForm(solution_data(builders.facility(), savings=[row]), instance=Solution())
    refused(form, message)
    assert field in form.rowsets["savings"].forms[0].errors


# --- Outreach activities ---------------------------------------------------------


def activity_data(held_on=D, attendance=(), paste="", initial=0) -> dict:
    return {
        "kind": "workshop",
        "title": "CP for ceramics",
        "held_on": held_on.isoformat(),
        "organiser": "Sở Công Thương",
        "unit": "",
        "venue": "",
        "participants": "",
        "quantity": "",
        "paste": paste,
        **rows("attendance", *attendance, initial=initial),
    }


@pytest.mark.django_db
def test_activity_with_rows_and_paste_is_saved():
    a, b, c = builders.facility(), builders.facility(), builders.facility()
    data = activity_data(attendance=[{"facility": a.code, "people": 3}], paste=f"{b.code}\n{c.code}\n{a.code}\n")
    form = forms.OutreachActivityForm(data, instance=OutreachActivity())
    assert form.is_valid(), all_errors(form)
    activity = form.save()
    assert dict(activity.attendances.values_list("facility__code", "people")) == {a.code: 3, b.code: 1, c.code: 1}


@pytest.mark.django_db
def test_activity_in_the_future_is_refused():
    refused(forms.OutreachActivityForm(activity_data(held_on=tomorrow()), instance=OutreachActivity()), FUTURE)


@pytest.mark.django_db
def test_same_facility_twice_is_refused_by_name():
    facility = builders.facility(name="Gốm Kim Lan")
    row = {"facility": facility.code, "people": 1}
    form = forms.OutreachActivityForm(activity_data(attendance=[row, row]), instance=OutreachActivity())
    refused(form, "These facilities are listed more than once:", "Gốm Kim Lan")


@pytest.mark.django_db
def test_pasted_unknown_codes_are_listed_and_nothing_saved():
    known = builders.facility()
    form = forms.OutreachActivityForm(activity_data(paste=f"{known.code}\nX-1\nX-2\nX-1"), instance=OutreachActivity())
    refused(form, "Unknown facility codes: X-1, X-2. Nothing was saved")
    assert form["paste"].value() == f"{known.code}\nX-1\nX-2\nX-1"


@pytest.mark.django_db
def test_unknown_code_in_a_row_is_refused():
    form = forms.OutreachActivityForm(
        activity_data(attendance=[{"facility": "X-9", "people": 1}]), instance=OutreachActivity()
    )
    refused(form, "Some attendance rows need correcting")
    assert form.attendance.forms[0].errors["facility"] == ["No facility has the code “X-9”."]


@pytest.mark.django_db
def test_attendance_of_a_closed_facility_is_refused():
    closed = builders.facility(name="Dệt Vạn Phúc", closed_on=dt.date(2015, 1, 1))
    form = forms.OutreachActivityForm(activity_data(paste=closed.code), instance=OutreachActivity())
    refused(form, "Dệt Vạn Phúc", "had closed by")


@pytest.mark.django_db
def test_attendance_of_a_facility_not_yet_open_is_refused():
    later = builders.facility(opened_on=dt.date(2016, 1, 1))
    row = {"facility": later.code, "people": 1}
    refused(forms.OutreachActivityForm(activity_data(attendance=[row]), instance=OutreachActivity()), "not opened yet")


@pytest.mark.django_db
def test_pasted_code_already_listed_is_skipped():
    facility = builders.facility()
    data = activity_data(attendance=[{"facility": facility.code, "people": 4}], paste=facility.code)
    form = forms.OutreachActivityForm(data, instance=OutreachActivity())
    assert form.is_valid(), all_errors(form)
    assert form.save().attendances.get().people == 4


@pytest.mark.django_db
def test_activity_edit_keeps_changes_and_removes_rows():
    kept, dropped, added = builders.facility(), builders.facility(), builders.facility()
    activity = builders.activity(facilities=[kept, dropped])
    form = forms.OutreachActivityForm(instance=activity)
    assert {row["facility"].value() for row in form.attendance} == {kept.code, dropped.code}
    data = activity_data(
        attendance=[{"facility": kept.code, "people": 5}, {"facility": dropped.code, "people": 1, "DELETE": "on"}],
        paste=added.code,
        initial=2,
    )
    data["record_version"] = form.initial["record_version"]  # as the page opened above carries it
    form = forms.OutreachActivityForm(data, instance=activity)
    assert form.is_valid(), all_errors(form)
    form.save()
    assert dict(activity.attendances.values_list("facility__code", "people")) == {kept.code: 5, added.code: 1}


#: What a count of an activity above a million says (programmes.models.MAX_OUTREACH_COUNT), in
#: English: both numbers grouped, not Django's "Ensure this value is less than or equal to 2147483647.".
TOO_MANY = "{value} is too many for one activity: at most 1,000,000."


@pytest.mark.django_db
@pytest.mark.parametrize("field", ["participants", "quantity"])
@pytest.mark.parametrize("typed", ["1000001", "2147483646", "5,000,000,000"])
def test_an_activity_count_above_a_million_is_refused_saying_so(field, typed):
    """Billions, and a number just under PostgreSQL's integer maximum (accepted before), are typing
    mistakes: refused with the ceiling, a million, which is accepted."""
    form = forms.OutreachActivityForm({**activity_data(), field: typed}, instance=OutreachActivity())
    shown = f"{int(typed.replace(',', '')):,}"
    refused(form)
    assert form.errors[field] == [TOO_MANY.format(value=shown)]
    form = forms.OutreachActivityForm({**activity_data(), field: "1,000,000"}, instance=OutreachActivity())
    assert form.is_valid(), all_errors(form)
    assert getattr(form.save(), field) == 1_000_000


@pytest.mark.django_db
def test_people_from_a_facility_above_a_million_are_refused_saying_so():
    """The attendance rows, written in bulk without the model's validation, refuse the same count."""
    facility = builders.facility()
    row = {"facility": facility.code, "people": "2147483646"}
    form = forms.OutreachActivityForm(activity_data(attendance=[row]), instance=OutreachActivity())
    refused(form, "Some attendance rows need correcting")
    assert form.attendance.forms[0].errors["people"] == [TOO_MANY.format(value="2,147,483,646")]
    row["people"] = "1000000"
    form = forms.OutreachActivityForm(activity_data(attendance=[row]), instance=OutreachActivity())
    assert form.is_valid(), all_errors(form)
    assert form.save().attendances.get().people == 1_000_000


@pytest.mark.django_db
def test_a_count_above_a_million_is_written_in_vietnamese_as_vietnamese_writes_numbers():
    with translation.override("vi"):
        form = forms.OutreachActivityForm({**activity_data(), "participants": "1.000.001"}, instance=OutreachActivity())
        assert not form.is_valid()
        [message] = form.errors["participants"]
    assert "1.000.001" in message
    assert "1.000.000" in message
    assert "2147483647" not in message


@pytest.mark.django_db
def test_activity_save_is_all_or_nothing(monkeypatch):
    facility = builders.facility()
    form = forms.OutreachActivityForm(activity_data(paste=facility.code), instance=OutreachActivity())
    assert form.is_valid(), all_errors(form)

    def fail(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(Attendance.objects, "bulk_create", fail)
    before = counts()
    with pytest.raises(RuntimeError):
        form.save()
    assert counts() == before


# --- Specialists ------------------------------------------------------------------


@pytest.mark.django_db
def test_appointment_is_saved_and_refused_in_the_future():
    unit = builders.unit()
    data = {"unit": unit.pk, "name": "Nguyễn Văn A", "position": "", "appointed_on": D.isoformat()}
    form = forms.AppointmentForm(data, instance=Specialist())
    assert form.is_valid(), all_errors(form)
    refused(forms.AppointmentForm({**data, "appointed_on": tomorrow().isoformat()}, instance=Specialist()), FUTURE)


@pytest.mark.django_db
def test_departure_in_the_future_is_refused():
    specialist = builders.specialist()
    refused(forms.DepartureForm({"left_on": tomorrow().isoformat()}, instance=specialist), FUTURE)
    specialist.refresh_from_db()
    assert specialist.left_on is None


@pytest.mark.django_db
def test_departure_before_appointment_is_refused():
    specialist = builders.specialist(appointed_on=dt.date(2012, 1, 1))
    form = forms.DepartureForm({"left_on": "2011-12-31"}, instance=specialist)
    refused(form, "A specialist cannot leave before being appointed")


@pytest.mark.django_db
def test_departure_is_saved():
    specialist = builders.specialist(appointed_on=dt.date(2012, 1, 1))
    data = {"left_on": "2012-01-01", "record_version": current_version(specialist)}
    form = forms.DepartureForm(data, instance=specialist)
    assert form.is_valid(), all_errors(form)
    assert form.save().left_on == dt.date(2012, 1, 1)


# --- Replications ------------------------------------------------------------------


def replication_data(model, facility, replicated_on=D) -> dict:
    return {"model": model.pk, "facility": facility.code, "replicated_on": replicated_on.isoformat(), "notes": ""}


@pytest.mark.django_db
def test_replication_is_saved():
    model, facility = builders.demonstration(), builders.facility()
    form = forms.ReplicationForm(replication_data(model, facility), instance=Replication())
    assert form.is_valid(), all_errors(form)
    assert form.save().facility == facility


@pytest.mark.django_db
def test_replication_in_the_future_is_refused():
    data = replication_data(builders.demonstration(), builders.facility(), tomorrow())
    refused(forms.ReplicationForm(data, instance=Replication()), FUTURE)


@pytest.mark.django_db
def test_replication_at_a_closed_facility_is_refused():
    closed = builders.facility(name="Gốm Phù Lãng", closed_on=dt.date(2014, 1, 1))
    refused(
        forms.ReplicationForm(replication_data(builders.demonstration(), closed), instance=Replication()), "Phù Lãng"
    )


@pytest.mark.django_db
def test_replication_checks_of_the_model_still_apply():
    model = builders.demonstration(started_on=dt.date(2012, 3, 1))
    refused(
        forms.ReplicationForm(replication_data(model, model.host), instance=Replication()),
        "The host facility cannot replicate its own model.",
    )
    early = replication_data(model, builders.facility(), dt.date(2012, 1, 1))
    started = "A replication cannot predate the model it copies, which started on 01/03/2012."
    refused(forms.ReplicationForm(early, instance=Replication()), started)


@pytest.mark.django_db
def test_replication_twice_at_one_facility_is_refused():
    facility = builders.facility()
    model = builders.demonstration(replicated_at=[facility])
    refused(
        forms.ReplicationForm(replication_data(model, facility), instance=Replication()),
        "This facility already replicates this model.",
    )


@pytest.mark.django_db
def test_departure_says_left_on_is_the_first_day_no_longer_in_post():
    """One meaning of left_on everywhere (issue: "left on 31/12/2013" read as the last day in post)."""
    field = forms.DepartureForm(instance=builders.specialist()).fields["left_on"]

    assert "first day no longer in post" in str(field.label)
    assert "the last day in post is the day before" in str(field.help_text)


@pytest.mark.django_db
def test_quantities_typed_the_vietnamese_way_are_stored_as_meant():
    """Issue 12: "0,85" is 0.85 (never 085, a silent ×100) and "150.000.000" is 150000000."""
    from django.utils import translation

    with translation.override("vi"):
        form = forms.ResourceSavingForm(
            {"resource": "energy", "unit": "kWh", "baseline": "150.000.000", "after": "0,85"}
        )
        assert form.is_valid(), form.errors
        assert (form.cleaned_data["baseline"], form.cleaned_data["after"]) == (Decimal("150000000"), Decimal("0.85"))
        assert 'inputmode="decimal"' in str(form["baseline"]) and 'type="number"' not in str(form["baseline"])


@pytest.mark.django_db
def test_a_new_records_date_defaults_to_today_but_not_its_rows():
    from django.utils import timezone

    form = forms.SurveyForm(instance=Survey())
    assert form["surveyed_on"].value() == timezone.localdate()
    assert f'value="{timezone.localdate():%d/%m/%Y}"' in str(form["surveyed_on"])  # day first
    assert form.rowsets["supports"].forms[0]["given_on"].value() is None  # an empty row stays empty
    stored = builders.survey(surveyed_on=dt.date(2013, 4, 10))
    assert forms.SurveyForm(instance=stored)["surveyed_on"].value() == dt.date(2013, 4, 10)


@pytest.mark.django_db
def test_consumption_that_rose_is_saved_only_once_confirmed():
    """Issue 12: an "after" above its baseline (a negative saving) is not saved silently."""
    data = {"resource": "energy", "unit": "kWh", "baseline": "100", "after": "120"}
    form = forms.ResourceSavingForm(data)
    assert not form.is_valid()
    assert form.has_error_rise()
    assert "consumption rose, a saving of -20.0%" in " ".join(form.non_field_errors())
    confirmed = forms.ResourceSavingForm({**data, "confirm_rise": "on"})
    assert confirmed.is_valid(), confirmed.errors


@pytest.mark.django_db
def test_every_input_of_a_table_row_has_an_accessible_name():
    """Issue 12 (axe: "form elements must have labels"): rows of the survey, savings and
    attendance tables name each input after its column."""
    import re

    survey = forms.SurveyForm(instance=Survey())
    savings = forms.SolutionForm(instance=Solution()).rowsets["savings"]
    attendance = forms.AttendanceRowFormSet(initial=[{"facility": "F1", "people": 1}], prefix="attendance")
    rows = [*survey.rowsets["options"].forms, *survey.rowsets["supports"].forms, *savings.forms, *attendance.forms]
    assert attendance.forms
    for row in rows:
        for field in row.visible_fields():
            html = str(field)
            assert re.search(r'aria-label="[^"]+"', html), html
    assert "aria-label" not in str(survey["surveyed_on"])  # it has its own <label>
