"""Two people editing the same record: the later save is refused with a clear
message, keeps what was typed, and writes nothing (cpdash/concurrency.py),
on the recording pages and on the admin's change forms."""

import datetime as dt
import re
from collections.abc import Callable

import pytest
import tablib
from django.contrib.auth.models import User
from django.db.models import Model
from django.test import Client
from django.urls import reverse

from cpdash.concurrency import STALE_MESSAGE, current_version
from facilities.models import Facility
from facilities.resources import FacilityResource
from programmes.models import OutreachActivity, Replication, Solution, Specialist, Survey
from tests import builders
from tests.cpdash.test_history import change_form_data
from tests.programmes.conftest import RECORDED, grant, rows

pytestmark = pytest.mark.django_db

D = dt.date(2012, 6, 1)


def _recorder(name: str) -> Client:
    user = User.objects.create_user(name)
    perms = [f"programmes.{action}_{model}" for model in RECORDED for action in ("view", "add", "change")]
    client = Client()
    client.force_login(grant(user, *perms))
    return client


def _opened_version(client: Client, url: str) -> str:
    """The version the edit page carries in its hidden field."""
    html = client.get(url).content.decode()
    match = re.search(r'<input type="hidden" name="record_version" value="(\d*)"', html)
    assert match, "the page has no version field"
    return match[1]


def _survey() -> tuple[Model, str, Callable[[str], dict]]:
    survey = builders.survey(surveyors="before")

    def data(value: str) -> dict:
        return {
            "facility": survey.facility.code,
            "surveyed_on": survey.surveyed_on.isoformat(),
            "surveyors": value,
            "findings": "",
            **rows("options"),
            **rows("supports"),
        }

    return survey, reverse("programmes:survey_edit", args=[survey.pk]), data


def _activity() -> tuple[Model, str, Callable[[str], dict]]:
    activity = builders.activity(title="before")

    def data(value: str) -> dict:
        return {"kind": "workshop", "title": value, "held_on": D.isoformat(), **rows("attendance")}

    return activity, reverse("programmes:activity_edit", args=[activity.pk]), data


def _solution() -> tuple[Model, str, Callable[[str], dict]]:
    solution = builders.solution(description="before", implemented_on=D)

    def data(value: str) -> dict:
        fields = {"facility": solution.facility.code, "implemented_on": D.isoformat()}
        return {**fields, "category": "technology_change", "description": value, **rows("savings")}

    return solution, reverse("programmes:solution_edit", args=[solution.pk]), data


def _departure() -> tuple[Model, str, Callable[[str], dict]]:
    specialist = builders.specialist(appointed_on=dt.date(2011, 1, 1))

    def data(value: str) -> dict:
        return {"left_on": {"first": "2012-01-01", "second": "2013-01-01"}[value]}

    return specialist, reverse("programmes:specialist_departure", args=[specialist.pk]), data


def _replication() -> tuple[Model, str, Callable[[str], dict]]:
    replication = builders.demonstration(replicated_at=[builders.facility()]).replications.get()

    def data(value: str) -> dict:
        return {
            "model": replication.model_id,
            "facility": replication.facility.code,
            "replicated_on": replication.replicated_on.isoformat(),
            "notes": value,
        }

    return replication, reverse("programmes:replication_edit", args=[replication.pk]), data


#: What the second person's save would have written, read back from the record.
WRITTEN = {
    Survey: lambda r: r.surveyors,
    OutreachActivity: lambda r: r.title,
    Solution: lambda r: r.description,
    Specialist: lambda r: {dt.date(2012, 1, 1): "first", dt.date(2013, 1, 1): "second"}.get(r.left_on),
    Replication: lambda r: r.notes,
}


@pytest.mark.parametrize("setup", [_survey, _activity, _solution, _departure, _replication], ids=lambda f: f.__name__)
def test_second_save_of_a_recording_page_is_refused(setup):
    record, url, data = setup()
    first, second = _recorder("lan"), _recorder("minh")
    first_version, second_version = _opened_version(first, url), _opened_version(second, url)
    assert first_version == second_version == current_version(record)

    assert first.post(url, {**data("first"), "record_version": first_version}).status_code == 302
    response = second.post(url, {**data("second"), "record_version": second_version})

    assert response.status_code == 200
    assert str(STALE_MESSAGE) in response.content.decode()
    assert response.context["form"]["record_version"].value() == second_version  # still outdated: reload
    record.refresh_from_db()
    assert WRITTEN[type(record)](record) == "first"
    assert record.history.count() == 2  # created, then the first save only


def test_the_refused_form_keeps_what_was_typed():
    _survey_obj, url, data = _survey()
    first, second = _recorder("lan"), _recorder("minh")
    version = _opened_version(first, url)
    _opened_version(second, url)
    first.post(url, {**data("first"), "record_version": version})

    response = second.post(url, {**data("typed by Minh"), "record_version": version})

    assert 'value="typed by Minh"' in response.content.decode()


def test_a_save_after_reloading_goes_through():
    survey, url, data = _survey()
    first, second = _recorder("lan"), _recorder("minh")
    stale = _opened_version(second, url)
    first.post(url, {**data("first"), "record_version": _opened_version(first, url)})
    assert second.post(url, {**data("second"), "record_version": stale}).status_code == 200

    assert second.post(url, {**data("second"), "record_version": _opened_version(second, url)}).status_code == 302
    survey.refresh_from_db()
    assert survey.surveyors == "second"


def test_a_new_record_needs_no_version():
    facility = builders.facility()
    client = _recorder("lan")
    data = {"facility": facility.code, "surveyed_on": D.isoformat(), **rows("options"), **rows("supports")}
    assert client.post(reverse("programmes:survey_create"), data).status_code == 302


# --- The admin ------------------------------------------------------------------------


def _admin(name: str) -> Client:
    client = Client()
    client.force_login(User.objects.create_superuser(name, f"{name}@example.test", "x"))
    return client


def test_second_save_of_an_admin_change_form_is_refused():
    facility = builders.facility(name="before")
    url = reverse("admin:facilities_facility_change", args=[facility.pk])
    first, second = _admin("lan"), _admin("minh")
    first_data, second_data = change_form_data(first.get(url)), change_form_data(second.get(url))
    assert first_data["record_version"] == second_data["record_version"] == current_version(facility)

    assert first.post(url, {**first_data, "name": "first"}).status_code == 302
    response = second.post(url, {**second_data, "name": "second"})

    assert response.status_code == 200
    assert str(STALE_MESSAGE) in response.content.decode()
    assert Facility.objects.get(pk=facility.pk).name == "first"


def test_admin_change_form_of_a_model_with_inlines_is_refused_too():
    survey = builders.survey(surveyors="before")
    url = reverse("admin:programmes_survey_change", args=[survey.pk])
    first, second = _admin("lan"), _admin("minh")
    first_data, second_data = change_form_data(first.get(url)), change_form_data(second.get(url))

    assert first.post(url, {**first_data, "surveyors": "first"}).status_code == 302
    response = second.post(url, {**second_data, "surveyors": "second"})

    assert str(STALE_MESSAGE) in response.content.decode()
    assert Survey.objects.get(pk=survey.pk).surveyors == "first"


def test_an_import_between_opening_and_saving_also_counts_as_a_change():
    facility = builders.facility(name="before")
    url = reverse("admin:facilities_facility_change", args=[facility.pk])
    client = _admin("lan")
    data = change_form_data(client.get(url))
    dataset = tablib.Dataset(
        [facility.code, "imported", facility.sector.name, facility.unit.name],
        headers=["code", "name", "sector", "unit"],
    )
    assert not FacilityResource().import_data(dataset).has_validation_errors()

    response = client.post(url, {**data, "name": "typed"})
    assert str(STALE_MESSAGE) in response.content.decode()
    assert Facility.objects.get(pk=facility.pk).name == "imported"
