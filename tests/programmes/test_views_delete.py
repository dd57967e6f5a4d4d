"""Deleting a record from its page (programmes.views.record_delete) and undoing it
(record_restore): who may, what the confirmation says, the figures following at once, the
"Undo" that brings the record back, and an undo refused with its reason (query counts pinned)."""

import datetime as dt
import html
import re

import pytest
from django.contrib.admin.models import LogEntry
from django.core import signing
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from programmes.models import CPOption, FacilityPathway, Replication, Solution, Survey
from programmes.views import _UNDO_SALT, DELETABLE, UNDO_MAX_AGE
from tests import builders
from tests.programmes.conftest import grant
from tests.programmes.test_views import OBJECTS

pytestmark = pytest.mark.django_db

#: The URL kind of each deletable record → the builder of tests.programmes.test_views.
BUILT = {
    "surveys": "survey",
    "activities": "activity",
    "solutions": "solution",
    "specialists": "specialist",
    "demonstrations": "demonstration",
    "replications": "replication",
}


def _perm(action: str, kind: str) -> str:
    model = DELETABLE[kind][0]
    return f"programmes.{action}_{model._meta.model_name}"


def delete_url(kind: str, pk: int) -> str:
    return reverse("programmes:record_delete", args=[kind, pk])


def test_every_deletable_record_has_a_builder():
    assert set(BUILT) == set(DELETABLE)


@pytest.mark.parametrize("kind", sorted(DELETABLE))
def test_a_records_page_links_to_its_deletion_for_those_who_may_delete(client, staff_user, kind):
    record = OBJECTS[BUILT[kind]]()
    page = reverse(DELETABLE[kind][2], args=[record.pk])
    client.force_login(grant(staff_user, _perm("change", kind)))
    assert delete_url(kind, record.pk) not in client.get(page).content.decode()

    client.force_login(grant(staff_user, _perm("delete", kind)))
    assert delete_url(kind, record.pk) in client.get(page).content.decode()


def test_a_new_record_and_a_departure_page_offer_no_deletion(client, staff_user):
    specialist = builders.specialist()
    client.force_login(
        grant(staff_user, "programmes.add_survey", "programmes.change_specialist", "programmes.delete_specialist")
    )
    assert "/delete/" not in client.get(reverse("programmes:survey_create")).content.decode()
    departure = client.get(reverse("programmes:specialist_departure", args=[specialist.pk])).content.decode()
    assert delete_url("specialists", specialist.pk) not in departure


@pytest.mark.parametrize("kind", sorted(DELETABLE))
def test_deleting_needs_the_delete_permission(client, staff_user, kind):
    record = OBJECTS[BUILT[kind]]()
    client.force_login(grant(staff_user, _perm("change", kind), _perm("view", kind)))
    assert client.get(delete_url(kind, record.pk)).status_code == 403
    assert client.post(delete_url(kind, record.pk)).status_code == 403
    assert type(record).objects.filter(pk=record.pk).exists()


def test_an_unknown_kind_or_record_is_404(admin_client):
    assert admin_client.get(delete_url("facilities", 1)).status_code == 404
    assert admin_client.get(delete_url("surveys", 999999)).status_code == 404


@pytest.fixture
def deleter(client, staff_user):
    client.force_login(grant(staff_user, "programmes.delete_survey", "programmes.change_survey"))
    return client


@pytest.fixture
def survey():
    survey = builders.survey(surveyed_on=dt.date(2013, 4, 2))
    CPOption.objects.create(survey=survey, category="good_housekeeping", description="Fix the leaks")
    CPOption.objects.create(survey=survey, category="input_change", description="Coal to gas")
    builders.solution(survey.facility, survey=survey)
    return survey


def test_the_confirmation_says_what_goes_with_the_record(deleter, survey, django_assert_num_queries):
    # SAVEPOINT, session, user, user permissions, group permissions, the survey, its options,
    # supports, solutions, its facility (the survey's name), RELEASE
    with django_assert_num_queries(11):
        response = deleter.get(delete_url("surveys", survey.pk))
    page = response.content.decode()
    assert response.status_code == 200
    assert "CP options: 2" in page
    assert "CP solutions: 1" in page  # kept, unlinked
    assert 'class="danger"' in page
    assert Survey.objects.filter(pk=survey.pk).exists()  # asking deletes nothing


def _undo_token(response) -> str:
    return re.search(r'name="token" value="([^"]+)"', response.content.decode()).group(1)


def test_delete_then_undo(deleter, survey):
    pk, facility = survey.pk, survey.facility_id
    assert FacilityPathway.objects.get(facility_id=facility).surveyed_on == dt.date(2013, 4, 2)

    deleted = deleter.post(delete_url("surveys", pk), follow=True)

    assert deleted.redirect_chain[-1][0] == reverse("programmes:survey_list")
    assert "was deleted" in deleted.content.decode()
    assert not Survey.objects.filter(pk=pk).exists()
    assert FacilityPathway.objects.get(facility_id=facility).surveyed_on is None  # the figures follow at once

    restored = deleter.post(reverse("programmes:record_restore"), {"token": _undo_token(deleted)}, follow=True)

    assert restored.redirect_chain[-1][0] == reverse("programmes:survey_edit", args=[pk])
    assert "is back, as it was" in restored.content.decode()
    assert CPOption.objects.filter(survey_id=pk).count() == 2
    assert Solution.objects.get().survey_id == pk
    assert FacilityPathway.objects.get(facility_id=facility).surveyed_on == dt.date(2013, 4, 2)

    again = deleter.post(reverse("programmes:record_restore"), {"token": _undo_token(deleted)}, follow=True)
    assert again.redirect_chain[-1][0] == reverse("programmes:survey_edit", args=[pk])
    assert f"CP survey #{pk} is back already." in again.content.decode()
    assert Survey.objects.filter(pk=pk).count() == 1
    assert LogEntry.objects.filter(object_id=str(pk)).values_list("action_flag", flat=True).count() == 2


def test_only_the_user_who_deleted_undoes(deleter, survey, client, django_user_model):
    deleted = deleter.post(delete_url("surveys", survey.pk), follow=True)
    token = _undo_token(deleted)
    other = django_user_model.objects.create_user("other-staff", password="x")
    client.force_login(grant(other, "programmes.delete_survey"))

    assert client.post(reverse("programmes:record_restore"), {"token": token}).status_code == 403
    assert not Survey.objects.exists()


def test_a_forged_undo_is_a_bad_request(deleter, survey):
    response = deleter.post(reverse("programmes:record_restore"), {"token": "surveys:1:forged"})
    assert response.status_code == 400


def test_an_undo_too_late_says_so_and_restores_nothing(deleter, survey, staff_user):
    pk = survey.pk
    deleted = deleter.post(delete_url("surveys", pk), follow=True)
    undo = signing.loads(_undo_token(deleted), salt=_UNDO_SALT)
    late = timezone.now() - dt.timedelta(seconds=UNDO_MAX_AGE + 60)
    token = signing.dumps({**undo, "at": late.isoformat()}, salt=_UNDO_SALT, compress=True)

    response = deleter.post(reverse("programmes:record_restore"), {"token": token}, follow=True)

    assert "too late" in response.content.decode()
    assert not Survey.objects.filter(pk=pk).exists()


def test_delete_pressed_twice_deletes_once_and_says_who_deleted_it(deleter, survey, staff_user):
    deleter.post(delete_url("surveys", survey.pk))

    again = deleter.post(delete_url("surveys", survey.pk), follow=True)

    assert again.redirect_chain[-1][0] == reverse("programmes:survey_list")
    assert f"CP survey “{survey}” was deleted on " in again.content.decode()
    assert f"by {staff_user.username}." in again.content.decode()
    assert Survey.history.filter(id=survey.pk, history_type="-").count() == 1


@pytest.mark.parametrize("page", ["delete", "edit"])
def test_a_record_s_pages_are_never_kept_by_the_browser(deleter, survey, page):
    url = delete_url("surveys", survey.pk) if page == "delete" else reverse("programmes:survey_edit", args=[survey.pk])
    assert "no-store" in deleter.get(url)["Cache-Control"]


@pytest.mark.parametrize("page", ["delete", "edit"])
def test_back_to_the_page_of_a_deleted_record_says_it_was_deleted(deleter, survey, page):
    deleter.post(delete_url("surveys", survey.pk))
    url = delete_url("surveys", survey.pk) if page == "delete" else reverse("programmes:survey_edit", args=[survey.pk])

    response = deleter.get(url, follow=True)

    assert response.redirect_chain[-1][0] == reverse("programmes:survey_list")
    assert f"CP survey “{survey}” was deleted on" in response.content.decode()
    # The one who deleted it may still undo it from there.
    restored = deleter.post(reverse("programmes:record_restore"), {"token": _undo_token(response)}, follow=True)
    assert "is back, as it was" in restored.content.decode()
    assert Survey.objects.filter(pk=survey.pk).exists()


def test_back_to_a_deleted_record_offers_no_undo_to_someone_else(deleter, survey, django_user_model):
    deleter.post(delete_url("surveys", survey.pk), follow=True)  # its own message shown
    other = django_user_model.objects.create_user("other-staff", password="x")
    client = Client()
    client.force_login(grant(other, "programmes.delete_survey"))

    response = client.get(delete_url("surveys", survey.pk), follow=True)

    assert "was deleted on" in response.content.decode()
    assert reverse("programmes:record_restore") not in response.content.decode()


def test_an_older_undo_after_the_record_came_back_and_went_again_restores_nothing(deleter, survey):
    pk = survey.pk
    first = _undo_token(deleter.post(delete_url("surveys", pk), follow=True))
    deleter.post(reverse("programmes:record_restore"), {"token": first})
    Survey.objects.filter(pk=pk).update(findings="edited since")
    deleter.post(delete_url("surveys", pk))

    response = deleter.post(reverse("programmes:record_restore"), {"token": first}, follow=True)

    assert not Survey.objects.filter(pk=pk).exists()
    assert "was deleted on" in response.content.decode()
    restored = deleter.post(reverse("programmes:record_restore"), {"token": _undo_token(response)}, follow=True)
    assert Survey.objects.get(pk=pk).findings == "edited since"
    assert "is back, as it was" in restored.content.decode()


def test_a_staff_deletion_is_named_in_the_admins_deleted_records(deleter, survey, admin_client):
    label = str(survey)
    deleter.post(delete_url("surveys", survey.pk))

    page = admin_client.get(reverse("admin:programmes_survey_deleted")).content.decode()

    assert html.escape(label) in page


def test_undo_is_a_post(deleter):
    assert deleter.get(reverse("programmes:record_restore")).status_code == 405


def test_in_vietnamese(deleter, survey):
    deleter.cookies["django_language"] = "vi"
    page = deleter.get(delete_url("surveys", survey.pk)).content.decode()
    assert "Các mục bị xóa kèm theo:" in page and "Hoàn tác</button>" not in page
    assert "Nút “Hoàn tác” trong thông báo" in page

    deleted = deleter.post(delete_url("surveys", survey.pk), follow=True).content.decode()

    assert "đã bị xóa" in deleted and ">Hoàn tác</button>" in deleted


def test_the_page_of_a_record_deleted_with_the_one_it_names_answers(admin_client):
    """A replication deleted with its demonstration model: its name needs the model, gone too."""
    model = builders.demonstration(replicated_at=[builders.facility()])
    replication = Replication.objects.get(model=model)
    admin_client.post(delete_url("demonstrations", model.pk))

    response = admin_client.get(reverse("programmes:replication_edit", args=[replication.pk]), follow=True)

    assert response.redirect_chain[-1][0] == reverse("programmes:replication_list")
    assert f"#{replication.pk}” was deleted on" in response.content.decode()
