"""The recording pages: access, lists (query counts pinned), create and edit
through the browser's posts, messages and redirects."""

import datetime as dt
import re
import threading
from collections.abc import Callable
from decimal import Decimal

import pytest
from django.contrib.auth.context_processors import PermWrapper
from django.contrib.auth.models import User
from django.db import connection
from django.template.loader import render_to_string
from django.test import Client
from django.urls import reverse

from cpdash.concurrency import current_version
from programmes import forms
from programmes.models import (
    DemonstrationModel,
    FormSubmission,
    OutreachActivity,
    Replication,
    ResourceSaving,
    Solution,
    Specialist,
    Survey,
    TechnicalSupport,
)
from tests import builders
from tests.programmes.conftest import grant, rows, tomorrow

pytestmark = pytest.mark.django_db

D = dt.date(2015, 6, 30)


# --- Access ---------------------------------------------------------------------

# (URL name, needs an object of this kind, the permission the page needs)
PAGES: list[tuple[str, str | None, str]] = [
    ("survey_list", None, "programmes.view_survey"),
    ("survey_create", None, "programmes.add_survey"),
    ("survey_edit", "survey", "programmes.change_survey"),
    ("activity_list", None, "programmes.view_outreachactivity"),
    ("activity_create", None, "programmes.add_outreachactivity"),
    ("activity_edit", "activity", "programmes.change_outreachactivity"),
    ("solution_list", None, "programmes.view_solution"),
    ("solution_create", None, "programmes.add_solution"),
    ("solution_edit", "solution", "programmes.change_solution"),
    ("specialist_list", None, "programmes.view_specialist"),
    ("specialist_appoint", None, "programmes.add_specialist"),
    ("specialist_departure", "specialist", "programmes.change_specialist"),
    ("specialist_edit", "specialist", "programmes.change_specialist"),
    ("demonstration_list", None, "programmes.view_demonstrationmodel"),
    ("demonstration_create", None, "programmes.add_demonstrationmodel"),
    ("demonstration_edit", "demonstration", "programmes.change_demonstrationmodel"),
    ("replication_list", None, "programmes.view_replication"),
    ("replication_create", None, "programmes.add_replication"),
    ("replication_edit", "replication", "programmes.change_replication"),
]

OBJECTS: dict[str, Callable] = {
    "survey": builders.survey,
    "activity": builders.activity,
    "solution": lambda: builders.solution(savings={"energy": (100, 94)}),
    "specialist": builders.specialist,
    "replication": lambda: builders.demonstration(replicated_at=[builders.facility()]).replications.get(),
    "demonstration": builders.demonstration,
}


def page_url(name: str, kind: str | None) -> str:
    if kind is None:
        return reverse(f"programmes:{name}")
    return reverse(f"programmes:{name}", args=[OBJECTS[kind]().pk])


@pytest.mark.parametrize(("name", "kind", "perm"), PAGES)
def test_anonymous_is_sent_to_sign_in(client, name, kind, perm):
    url = page_url(name, kind)
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('login')}?next={url}"


@pytest.mark.parametrize(("name", "kind", "perm"), PAGES)
def test_signed_in_without_permission_is_forbidden(client, outsider, name, kind, perm):
    client.force_login(outsider)
    assert client.get(page_url(name, kind)).status_code == 403
    assert client.post(page_url(name, kind), {}).status_code == 403


@pytest.mark.parametrize(("name", "kind", "perm"), PAGES)
def test_the_one_permission_opens_the_page(client, staff_user, name, kind, perm):
    client.force_login(grant(staff_user, perm))
    response = client.get(page_url(name, kind))
    assert response.status_code == 200
    assert "css/forms.css" in response.content.decode()


@pytest.mark.parametrize(("name", "kind", "perm"), PAGES)
def test_superuser_passes(admin_client, name, kind, perm):
    assert admin_client.get(page_url(name, kind)).status_code == 200


def test_view_permission_does_not_allow_writing(client, staff_user):
    client.force_login(grant(staff_user, "programmes.view_survey"))
    assert client.get(reverse("programmes:survey_list")).status_code == 200
    assert client.get(reverse("programmes:survey_create")).status_code == 403
    assert client.post(reverse("programmes:survey_create"), {}).status_code == 403


def test_add_permission_does_not_allow_editing(client, staff_user):
    survey = builders.survey()
    client.force_login(grant(staff_user, "programmes.add_survey"))
    assert client.get(reverse("programmes:survey_edit", args=[survey.pk])).status_code == 403


def test_list_links_follow_permissions(client, staff_user):
    survey = builders.survey()
    client.force_login(grant(staff_user, "programmes.view_survey"))
    page = client.get(reverse("programmes:survey_list")).content.decode()
    assert reverse("programmes:survey_edit", args=[survey.pk]) not in page
    assert reverse("programmes:survey_create") not in page


def test_missing_record_is_404(recorder_client):
    assert recorder_client.get(reverse("programmes:survey_edit", args=[999999])).status_code == 404


def test_nav_shows_only_permitted_lists(staff_user):
    user = grant(staff_user, "programmes.view_survey", "programmes.view_solution")
    html = render_to_string("programmes/_nav.html", {"perms": PermWrapper(user)})
    assert reverse("programmes:survey_list") in html
    assert reverse("programmes:solution_list") in html
    assert reverse("programmes:activity_list") not in html
    assert reverse("programmes:replication_list") not in html


# --- Lists: the last 50, newest first, one query count whatever the rows -------------


def make_surveys(n: int) -> None:
    for i in range(n):
        survey = builders.survey(builders.facility(), surveyed_on=D - dt.timedelta(days=i))
        survey.options.create(category="good_housekeeping", description="Fix leaks")
        TechnicalSupport.objects.create(survey=survey, kind="technique", given_on=D)


def make_activities(n: int) -> None:
    for i in range(n):
        builders.activity(
            facilities=[builders.facility(), builders.facility()],
            unit=builders.unit(),
            held_on=D - dt.timedelta(days=i),
        )


def make_solutions(n: int) -> None:
    for i in range(n):
        builders.solution(implemented_on=D - dt.timedelta(days=i), savings={"energy": (100, 94), "water": (10, 9)})


def make_specialists(n: int) -> None:
    for i in range(n):
        builders.specialist(appointed_on=D - dt.timedelta(days=i))


def make_demonstrations(n: int) -> None:
    for i in range(n):
        builders.demonstration(replicated_at=[builders.facility()], started_on=D - dt.timedelta(days=i + 100))


def make_replications(n: int) -> None:
    for i in range(n):
        model = builders.demonstration()
        Replication.objects.create(model=model, facility=builders.facility(), replicated_on=D - dt.timedelta(days=i))


# session, user, SAVEPOINT, user permissions, group permissions, the list (+ savings), RELEASE;
# the filtered lists (programmes/filters.py): + the filter choices (surveys and solutions: sectors
# and units; activities: units) + the count + the page's rows (+ support or savings).
LISTS = [
    ("survey_list", make_surveys, 11),
    ("activity_list", make_activities, 9),
    ("solution_list", make_solutions, 11),
    ("specialist_list", make_specialists, 7),
    ("replication_list", make_replications, 7),
    ("demonstration_list", make_demonstrations, 7),
]


@pytest.mark.parametrize("n", [3, 30])
@pytest.mark.parametrize(("name", "make", "queries"), LISTS)
def test_list_query_count_does_not_grow_with_rows(recorder_client, django_assert_num_queries, name, make, queries, n):
    make(n)
    with django_assert_num_queries(queries):
        response = recorder_client.get(reverse(f"programmes:{name}"))
    assert response.status_code == 200
    assert response.content.decode().count('href="/record/') >= n  # an edit link per row


def test_list_shows_the_last_50_newest_first(recorder_client):
    make_specialists(55)
    specialists = recorder_client.get(reverse("programmes:specialist_list")).context["specialists"]
    days = [s.appointed_on for s in specialists]
    assert len(days) == 50
    assert days == sorted(days, reverse=True)
    assert days[0] == D


@pytest.mark.parametrize(("language", "header"), [("en", "Name"), ("vi", "Họ và tên")])
def test_the_specialists_name_column_is_a_persons_name(recorder_client, language, header):
    """A person's full name ("Họ và tên"): the context "person" keeps it apart from a facility's "Tên"."""
    make_specialists(1)
    recorder_client.cookies["django_language"] = language
    page = recorder_client.get(reverse("programmes:specialist_list")).content.decode()
    assert re.findall(r'<th scope="col">([^<]*)</th>', page)[1] == header


def test_solution_list_shows_savings(recorder_client):
    builders.solution(savings={"energy": (100, 94), "water": (10, 9.2)})
    page = recorder_client.get(reverse("programmes:solution_list")).content.decode()
    assert 'Energy: <span class="num">6.0%</span>' in page
    assert 'Water: <span class="num">8.0%</span>' in page


# --- Create and edit ---------------------------------------------------------------


def test_survey_create_saves_and_redirects_with_a_message(recorder_client):
    facility = builders.facility(name="Gốm Bát Tràng")
    data = {
        "facility": facility.code,
        "surveyed_on": D.isoformat(),
        "surveyors": "ECC",
        "findings": "",
        **rows("options", {"category": "good_housekeeping", "description": "Fix leaks", "state": "identified"}),
        **rows("supports", {"kind": "technology", "given_on": D.isoformat(), "description": ""}),
    }
    response = recorder_client.post(reverse("programmes:survey_create"), data, follow=True)
    assert response.redirect_chain == [(reverse("programmes:survey_list"), 302)]
    survey = Survey.objects.get()
    assert (survey.options.count(), survey.supports.count()) == (1, 1)
    assert [str(m) for m in response.context["messages"]] == [f"CP survey “{survey}” was created."]


def test_survey_refused_post_shows_errors_and_writes_nothing(recorder_client):
    data = {
        "facility": builders.facility().code,
        "surveyed_on": tomorrow().isoformat(),
        **rows("options"),
        **rows("supports"),
    }
    response = recorder_client.post(reverse("programmes:survey_create"), data)
    assert response.status_code == 200
    page = response.content.decode()
    assert "Nothing was saved. Please correct the errors below." in page
    assert "is in the future" in page
    assert Survey.objects.count() == 0


def test_survey_form_page_has_day_first_date_inputs(recorder_client):
    page = recorder_client.get(reverse("programmes:survey_create")).content.decode()
    # Text, not type="date" (which shows the browser's mm/dd/yyyy); a day after today is refused on save.
    assert 'type="text" name="surveyed_on"' in page
    assert 'placeholder="dd/mm/yyyy"' in page
    assert "data-facility-search" in page
    assert "<script>" not in page  # scripts are files, loaded with defer


def test_a_new_survey_offers_a_row_for_each_kind_of_support(recorder_client):
    """Technique, technology and process control can be recorded in one save."""
    form = recorder_client.get(reverse("programmes:survey_create")).context["form"]
    assert form.rowsets["supports"].total_form_count() == 3
    survey = builders.survey()
    TechnicalSupport.objects.create(survey=survey, kind="technique", given_on=survey.surveyed_on)
    edit = recorder_client.get(reverse("programmes:survey_edit", args=[survey.pk])).context["form"]
    assert edit.rowsets["supports"].total_form_count() == 3  # the one recorded and two empty rows


def test_survey_edit_updates_with_a_message(recorder_client):
    survey = builders.survey(surveyors="before")
    data = {
        "facility": survey.facility.code,
        "surveyed_on": survey.surveyed_on.isoformat(),
        "surveyors": "after",
        "findings": "",
        "record_version": current_version(survey),
        **rows("options"),
        **rows("supports"),
    }
    response = recorder_client.post(reverse("programmes:survey_edit", args=[survey.pk]), data, follow=True)
    survey.refresh_from_db()
    assert survey.surveyors == "after"
    assert [str(m) for m in response.context["messages"]] == [f"CP survey “{survey}” was updated."]


def saving_row(resource: str, baseline: str, after: str, **extra) -> dict:
    return {"resource": resource, "unit": "kWh", "product_unit": "", "baseline": baseline, "after": after, **extra}


def solution_post(facility, *savings, **fields) -> dict:
    return {
        "facility": facility.code,
        "implemented_on": D.isoformat(),
        "category": "technology_change",
        "description": "Gas-fired kiln",
        **fields,
        **rows("savings", *savings),
    }


def test_solution_create_saves_its_savings(recorder_client):
    data = solution_post(builders.facility(), saving_row("energy", "100", "94"), saving_row("fuel", "2", "1.8"))
    response = recorder_client.post(reverse("programmes:solution_create"), data)
    assert response.status_code == 302
    assert dict(ResourceSaving.objects.values_list("resource", "saving_percent")) == {
        "energy": Decimal(6),
        "fuel": Decimal(10),
    }


def test_solution_refused_post_writes_nothing_and_shows_the_typed_saving(recorder_client):
    data = solution_post(builders.facility(), saving_row("energy", "80", "76"), saving_row("water", "10", "-1"))
    response = recorder_client.post(reverse("programmes:solution_create"), data)
    assert response.status_code == 200
    page = response.content.decode()
    assert "that would be a saving over 100%" in page
    assert "5.0%" in page  # the first row's saving, as typed
    assert "110.0%" in page
    assert (Solution.objects.count(), ResourceSaving.objects.count()) == (0, 0)


def test_solution_edit_shows_the_stored_saving(recorder_client):
    solution = builders.solution(savings={"energy": (100, 94)})
    response = recorder_client.get(reverse("programmes:solution_edit", args=[solution.pk]))
    page = response.content.decode()
    mark = 'data-reported-mark="reported, no measured baseline"'
    assert f'<output data-saving {mark} aria-live="polite">6.0%</output>' in page
    assert "js/saving.js" in page
    assert "defer" in page


def test_solution_edit_shows_a_stored_reported_saving_as_reported(recorder_client):
    solution = builders.solution()
    ResourceSaving.objects.create(solution=solution, resource="water", reported_percent=6)
    page = recorder_client.get(reverse("programmes:solution_edit", args=[solution.pk])).content.decode()
    # Why, below the figure (static/css/forms.css): on its line it made the table too wide.
    mark = '<small class="reported-mark">(reported, no measured baseline)</small>'
    assert f'aria-live="polite">6.0% {mark}</output>' in page
    assert 'name="savings-0-reported_percent" value="6"' in page


def test_solution_edit_replaces_a_saving(recorder_client):
    solution = builders.solution(savings={"energy": (100, 94)})
    stored = solution.savings.get()
    data = solution_post(solution.facility, record_version=current_version(solution))
    data.update(rows("savings", saving_row("energy", "100", "90", id=stored.pk, solution=solution.pk), initial=1))
    response = recorder_client.post(reverse("programmes:solution_edit", args=[solution.pk]), data)
    assert response.status_code == 302
    stored.refresh_from_db()
    assert stored.saving_percent == Decimal(10)


def test_solution_after_a_survey_starts_with_its_facility(recorder_client):
    survey = builders.survey()
    response = recorder_client.get(reverse("programmes:solution_create") + f"?survey={survey.pk}")
    form = response.context["form"]
    assert form["facility"].value() == survey.facility.code
    assert list(form.fields["survey"].queryset) == [survey]


def test_specialist_appointment_and_departure(recorder_client):
    unit = builders.unit("Gia Lâm")
    data = {"unit": unit.pk, "name": "Trần Thị B", "position": "CP officer", "appointed_on": "2012-02-01"}
    response = recorder_client.post(reverse("programmes:specialist_appoint"), data)
    assert response.status_code == 302
    specialist = Specialist.objects.get()
    url = reverse("programmes:specialist_departure", args=[specialist.pk])
    version = current_version(specialist)
    assert recorder_client.post(url, {"left_on": tomorrow().isoformat(), "record_version": version}).status_code == 200
    response = recorder_client.post(url, {"left_on": "2016-03-31", "record_version": version}, follow=True)
    specialist.refresh_from_db()
    assert specialist.left_on == dt.date(2016, 3, 31)
    assert [str(m) for m in response.context["messages"]] == [f"CP specialist “{specialist}” was updated."]


def test_a_specialist_s_record_is_corrected_under_the_rules_of_an_appointment(recorder_client):
    """A mistyped name and the wrong day are corrected on the site; a unit that did not exist on the
    day is refused as it is when appointing, and nothing is changed."""
    ended = builders.unit("Gia Lâm", valid_until=dt.date(2025, 6, 30))
    specialist = builders.specialist(ended, name="Tran Thi B", appointed_on=dt.date(2012, 2, 1))
    url = reverse("programmes:specialist_edit", args=[specialist.pk])
    page = recorder_client.get(reverse("programmes:specialist_list")).content.decode()
    assert f'href="{url}"' in page
    form = recorder_client.get(url).context["form"]
    data = {name: form[name].value() or "" for name in form.fields}
    data.update({"name": "Trần Thị B", "appointed_on": "2012-03-01"})
    response = recorder_client.post(url, data, follow=True)
    assert [str(m) for m in response.context["messages"]] == ["CP specialist “Trần Thị B — Gia Lâm” was updated."]
    specialist.refresh_from_db()
    assert (specialist.name, specialist.appointed_on) == ("Trần Thị B", dt.date(2012, 3, 1))
    data.update({"appointed_on": "2025-08-01", "record_version": current_version(specialist)})
    refused = recorder_client.post(url, data)
    assert refused.status_code == 200 and "no longer existed on 01/08/2025" in refused.content.decode()
    specialist.refresh_from_db()
    assert specialist.appointed_on == dt.date(2012, 3, 1)


def test_a_demonstration_model_is_recorded_and_its_host_counts_it(recorder_client):
    """Staff record a demonstration model on the site (it was the admin's only); its host's
    pathway has it from its start, in the same save; a host that had closed is refused."""
    host = builders.facility(code="K001", name="Lò gốm Kim Lan")
    data = {"host": "K001", "name": "Lò nung khí", "technology": "gas-fired kiln", "started_on": "2013-04-01"}
    response = recorder_client.post(reverse("programmes:demonstration_create"), {**data, "results": ""}, follow=True)
    assert [str(m) for m in response.context["messages"]] == ["Demonstration model “Lò nung khí” was created."]
    model = DemonstrationModel.objects.get()
    assert model.host == host
    assert host.pathways.get().hosted_on == dt.date(2013, 4, 1)
    listed = recorder_client.get(reverse("programmes:demonstration_list")).content.decode()
    assert "Lò nung khí" in listed and reverse("programmes:demonstration_edit", args=[model.pk]) in listed
    closed = builders.facility(code="K002", closed_on=dt.date(2012, 1, 1))
    refused = recorder_client.post(reverse("programmes:demonstration_create"), {**data, "host": closed.code})
    assert refused.status_code == 200
    assert "had closed by 01/04/2013" in refused.content.decode()
    assert DemonstrationModel.objects.count() == 1


def test_a_demonstration_model_is_edited_by_its_host_s_code_and_cannot_start_after_its_replications(
    recorder_client,
):
    """The edit form shows the host's code (it showed the id, and the unchanged form was refused);
    a start moved after the first replication is refused, which would leave it before its model."""
    host = builders.facility(code="K001")
    model = builders.demonstration(host, replicated_at=[builders.facility()], started_on=dt.date(2012, 3, 1))
    url = reverse("programmes:demonstration_edit", args=[model.pk])
    form = recorder_client.get(url).context["form"]
    assert form["host"].value() == "K001"
    assert form.fields["host"].help_text.startswith(f"Now: {host}.")
    data = {name: form[name].value() or "" for name in form.fields}
    assert recorder_client.post(url, {**data, "name": "Lò nung khí"}).status_code == 302
    late = {**data, "started_on": "2013-01-01", "record_version": current_version(model)}
    refused = recorder_client.post(url, late)
    assert "The model cannot start after its first replication, on 30/05/2012." in refused.content.decode()
    model.refresh_from_db()
    assert (model.name, model.started_on) == ("Lò nung khí", dt.date(2012, 3, 1))


def test_replication_create_and_refusal(recorder_client):
    model, facility = builders.demonstration(), builders.facility()
    data = {"model": model.pk, "facility": facility.code, "replicated_on": D.isoformat(), "notes": "Kim Lan"}
    assert recorder_client.post(reverse("programmes:replication_create"), data).status_code == 302
    response = recorder_client.post(reverse("programmes:replication_create"), data)
    assert response.status_code == 200
    assert "This facility already replicates this model." in response.content.decode()
    assert Replication.objects.count() == 1


def test_replication_edit(recorder_client):
    replication = builders.demonstration(replicated_at=[builders.facility()]).replications.get()
    data = {
        "model": replication.model_id,
        "facility": replication.facility.code,
        "replicated_on": replication.replicated_on.isoformat(),
        "notes": "second kiln",
        "record_version": current_version(replication),
    }
    response = recorder_client.post(reverse("programmes:replication_edit", args=[replication.pk]), data)
    assert response.status_code == 302
    replication.refresh_from_db()
    assert replication.notes == "second kiln"


def test_activity_create_redirects_to_the_list(recorder_client):
    facility = builders.facility()
    data = {
        "kind": "symposium",
        "title": "CP symposium",
        "held_on": D.isoformat(),
        "paste": facility.code,
        **rows("attendance"),
    }
    response = recorder_client.post(reverse("programmes:activity_create"), data)
    assert response.status_code == 302
    assert response["Location"] == reverse("programmes:activity_list")
    assert OutreachActivity.objects.get().attendances.get().facility == facility


def test_user_only_with_permissions_from_the_database(client):
    """Permissions come from Permission rows given here, not from cpdash/roles.py groups."""
    user = User.objects.create_user("clerk")
    client.force_login(grant(user, "programmes.view_replication"))
    assert client.get(reverse("programmes:replication_list")).status_code == 200


# --- A create form saves once (defect D5 of issue 10) ---------------------------------------


def _token(page: str) -> str:
    match = re.search(r'<input type="hidden" name="submission" value="([^"]+)"', page)
    assert match, "the create form carries no one-time token"
    return match.group(1)


def _create_posts() -> dict[str, tuple[Callable[[], dict], type]]:
    """URL name → (post data of a new record, its model)."""

    def survey() -> dict:
        return {
            "facility": builders.facility().code,
            "surveyed_on": D.isoformat(),
            **rows("options", {"category": "good_housekeeping", "description": "Fix leaks", "state": "identified"}),
            **rows("supports"),
        }

    def solution() -> dict:
        return {
            "facility": builders.facility().code,
            "implemented_on": D.isoformat(),
            "category": "good_housekeeping",
            "description": "Kiln insulation",
            **rows("savings", {"resource": "energy", "unit": "kWh", "baseline": "100", "after": "94"}),
        }

    def activity() -> dict:
        return {"kind": "workshop", "title": "CP workshop", "held_on": D.isoformat(), **rows("attendance")}

    def specialist() -> dict:
        return {"unit": builders.unit().pk, "name": "Trần Thị B", "appointed_on": "2012-02-01"}

    def replication() -> dict:
        return {"model": builders.demonstration().pk, "facility": builders.facility().code, "replicated_on": D}

    return {
        "programmes:survey_create": (survey, Survey),
        "programmes:solution_create": (solution, Solution),
        "programmes:activity_create": (activity, OutreachActivity),
        "programmes:specialist_appoint": (specialist, Specialist),
        "programmes:replication_create": (replication, Replication),
    }


CREATE_POSTS = _create_posts()


@pytest.mark.parametrize("url_name", list(CREATE_POSTS))
def test_a_create_form_posted_twice_saves_once(recorder_client, url_name):
    """The staff survey form saved two surveys on a double click on Save."""
    make, model = CREATE_POSTS[url_name]
    url = reverse(url_name)
    data = {**make(), "submission": _token(recorder_client.get(url).content.decode())}

    first = recorder_client.post(url, data, follow=True)
    second = recorder_client.post(url, data, follow=True)

    assert model.objects.count() == 1
    done = first.redirect_chain[-1][0]
    assert second.redirect_chain == [(done, 302)]  # where the first went, not the form with errors
    assert [str(m) for m in second.context["messages"]] == [
        "This form was already saved (Save was pressed twice?): it was not saved again."
    ]


def test_each_create_form_gets_a_token_of_its_own(recorder_client):
    url = reverse("programmes:survey_create")
    tokens = {_token(recorder_client.get(url).content.decode()) for _ in range(3)}
    assert len(tokens) == 3
    assert all(len(token) >= 40 for token in tokens)


def test_two_opened_forms_of_the_same_record_are_refused_by_its_natural_key(recorder_client):
    """Two forms opened separately (two tokens) for one survey: the second is refused with a
    message, as a survey of that facility on that day is stored now."""
    url = reverse("programmes:survey_create")
    data = CREATE_POSTS["programmes:survey_create"][0]()
    for _ in range(2):
        response = recorder_client.post(url, {**data, "submission": _token(recorder_client.get(url).content.decode())})
    assert response.status_code == 200
    assert "This facility already has a CP survey on this date: open that survey to add to it." in (
        response.content.decode()
    )
    assert Survey.objects.count() == 1


def test_an_edit_form_has_no_token(recorder_client):
    survey = builders.survey()
    page = recorder_client.get(reverse("programmes:survey_edit", args=[survey.pk])).content.decode()
    assert 'name="submission"' not in page


@pytest.mark.parametrize("url_name", list(CREATE_POSTS))
def test_create_pages_load_the_submit_once_script(recorder_client, url_name):
    page = recorder_client.get(reverse(url_name)).content.decode()
    assert "js/submit-once.js" in page
    assert re.search(r"<form method=\"post\" [^>]*data-submit-once", page)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite has one writer at a time")
@pytest.mark.django_db(transaction=True)
def test_two_posts_of_one_form_at_the_same_time_save_once(recorder, monkeypatch):
    """A double click whose two posts run at once, each on its own connection: both pass the
    form's checks before either has saved; the token's unique key lets one save."""
    url = reverse("programmes:survey_create")
    clients = [Client(), Client()]
    for client in clients:
        client.force_login(recorder)
    data = {**CREATE_POSTS["programmes:survey_create"][0](), "submission": _token(clients[0].get(url).content.decode())}
    start = threading.Barrier(2, timeout=30)
    already_saved = forms.SubmitOnceMixin.already_saved

    def check_then_wait(form) -> bool:
        answer = already_saved(form)
        start.wait()  # both posts are past the check before either saves
        return answer

    responses: list = [None, None]

    def post(index: int) -> None:
        try:
            responses[index] = clients[index].post(url, data)
        except BaseException as error:  # reported by the test, not lost in the thread
            responses[index] = error
        finally:
            connection.close()

    monkeypatch.setattr(forms.SubmitOnceMixin, "already_saved", check_then_wait)
    threads = [threading.Thread(target=post, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert not any(thread.is_alive() for thread in threads)
    assert [getattr(r, "status_code", r) for r in responses] == [302, 302]
    assert {r["Location"] for r in responses} == {reverse("programmes:survey_list")}
    assert (Survey.objects.count(), FormSubmission.objects.count()) == (1, 1)
