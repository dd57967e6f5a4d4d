"""The change history (django-simple-history): every domain model records
creation, change and deletion with the user who made them, through the admin,
the recording pages and the imports; the facility page lists the last changes
in a fixed number of queries; an admin restores a deleted facility from it."""

import datetime as dt
import html
import re

import pytest
import tablib
from django.apps import apps
from django.contrib.admin.models import ADDITION, LogEntry
from django.contrib.auth.models import User
from django.db import connection
from django.db.models import Model
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cpdash.history import HISTORY_SIZE
from facilities.models import Facility
from facilities.resources import FacilityResource
from programmes.models import CPOption, Survey
from programmes.resources import SpecialistResource
from tests import builders
from tests.cpdash.conftest import build
from tests.programmes.conftest import grant, rows

pytestmark = pytest.mark.django_db

#: Derived from the records by programmes/pathway.py, never edited: their history is the records'.
# The pathway is derived from the records; a facility's unit memberships are themselves its
# dated history of units, written by facilities/membership.py from the register's writes
# (each with its own history entry).
DERIVED = {
    "programmes.FacilityPathway",
    "programmes.SavingStep",
    "programmes.VerifiedSavingStep",
    "facilities.UnitMembership",
}
#: Bookkeeping, not records: the one-time tokens of create forms (programmes.forms.SubmitOnceMixin);
#: The register versions, written once by each facility import and never edited: a history themselves;
#: the monthly digests sent (targets/digest.py), written once each.
BOOKKEEPING = {
    "programmes.FormSubmission",
    "facilities.RegisterVersion",
    "facilities.RegisterChange",
    "targets.DigestSent",
}
#: Published, never edited: an edition is itself the record of what was said (and the admin's
#: log records who deleted one).
PUBLISHED = {"targets.ReportEdition", "targets.EditionRecord"}
#: Drawing, not records: a unit's map shape, written whole by the boundary import (facilities/boundaries.py)
#: with who imported it, when and from which file; no figure reads it.
DRAWING = {"facilities.UnitBoundary"}
#: Settings, not records: the letterhead printed on the report as PDF (its admin's log records
#: who changed it).
SETTINGS = {"targets.Letterhead"}
DOMAIN_MODELS = [
    model
    for model in apps.get_models()
    if model._meta.app_label in {"facilities", "programmes", "targets"}
    and not hasattr(model, "instance_type")
    and model._meta.label not in DERIVED | BOOKKEEPING | PUBLISHED | DRAWING | SETTINGS
]
RECORDED = [model for model in DOMAIN_MODELS if hasattr(model, "history")]


def _url(model: type[Model], view: str, *args) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


def _latest(model: type[Model], pk: int):
    return model.history.filter(**{model._meta.pk.attname: pk}).order_by("-history_id").first()


def _errors(response) -> object:
    return response.context and (
        response.context["adminform"].form.errors,
        [inline.formset.errors for inline in response.context.get("inline_admin_formsets", [])],
    )


def change_form_data(response, *, inlines: bool = True) -> dict[str, object]:
    """Post data of an admin change (or history) form as the page shows it;
    ``inlines=False`` posts empty inline formsets (for the add page)."""
    data: dict[str, object] = {}
    forms = [response.context["adminform"].form]
    for inline in response.context.get("inline_admin_formsets", []):
        formset = inline.formset
        stored = formset.initial_forms if inlines else []
        forms += stored
        data[f"{formset.prefix}-TOTAL_FORMS"] = data[f"{formset.prefix}-INITIAL_FORMS"] = len(stored)
    for form in forms:
        for name in form.fields:
            value = form[name].value()
            if value is None or value is False:
                continue
            data[form.add_prefix(name)] = "on" if value is True else value
    return data


def test_every_domain_model_has_history():
    assert [m._meta.label for m in DOMAIN_MODELS if m not in RECORDED] == []
    assert len(RECORDED) == 18


@pytest.mark.parametrize("model", RECORDED, ids=lambda m: m._meta.label_lower)
def test_admin_delete_add_and_change_are_recorded_with_the_user(admin_client, admin_user, model):
    obj = build(model)
    page = admin_client.get(_url(model, "change", obj.pk))
    data = change_form_data(page, inlines=False)
    data.pop("record_version", None)

    response = admin_client.post(_url(model, "delete", obj.pk), {"post": "yes"})
    assert response.status_code == 302
    deleted = _latest(model, obj.pk)
    assert (deleted.history_type, deleted.history_user) == ("-", admin_user)

    response = admin_client.post(_url(model, "add"), data)
    assert response.status_code == 302, _errors(response)
    created = model.history.filter(history_type="+", history_user=admin_user).get()

    page = admin_client.get(_url(model, "change", created.id))
    response = admin_client.post(_url(model, "change", created.id), change_form_data(page))
    assert response.status_code == 302, _errors(response)
    changed = _latest(model, created.id)
    assert (changed.history_type, changed.history_user) == ("~", admin_user)


def test_recording_pages_record_the_staff_member(client, staff_user):
    recorder = grant(staff_user, "programmes.add_survey", "programmes.change_survey", "programmes.view_survey")
    client.force_login(recorder)
    facility = builders.facility()
    data = {
        "facility": facility.code,
        "surveyed_on": "2012-05-02",
        "surveyors": "Lan",
        **rows("options"),
        **rows("supports"),
    }
    assert client.post(reverse("programmes:survey_create"), data).status_code == 302
    survey = Survey.objects.get()
    assert (_latest(Survey, survey.pk).history_type, _latest(Survey, survey.pk).history_user) == ("+", recorder)


def test_imports_record_the_importing_user_and_the_reason(admin_user):
    builders.sector("Gốm sứ"), builders.unit("Gia Lâm")
    dataset = tablib.Dataset(["0101", "Lò gốm", "Gốm sứ", "Gia Lâm"], headers=["code", "name", "sector", "unit"])
    result = FacilityResource().import_data(dataset, user=admin_user)
    assert not result.has_errors() and not result.has_validation_errors()
    entry = Facility.history.get()
    assert (entry.history_type, entry.history_user, entry.history_change_reason) == ("+", admin_user, "import")

    dataset = tablib.Dataset(["0101", "Lò gốm mới", "Gốm sứ", "Gia Lâm"], headers=dataset.headers)
    FacilityResource().import_data(dataset, user=admin_user)
    assert Facility.history.latest().history_type == "~"
    assert Facility.history.latest().name == "Lò gốm mới"

    data = tablib.Dataset(["Gia Lâm", "Trần B", "2012-02-01"], headers=["unit", "name", "appointed_on"])
    result = SpecialistResource().import_data(data, user=admin_user)
    assert not result.has_validation_errors()
    specialist = result.added[0]
    entry = specialist.history.get()
    assert (entry.history_user, entry.history_change_reason) == (admin_user, "import")


# --- The facility page ------------------------------------------------------------


def _facility_with_changes(count: int, user: User) -> Facility:
    facility = builders.facility(employees=0)
    for n in range(1, count):
        facility.employees = n
        facility._history_user = user
        facility.save()
        del facility._history_user
    return facility


def _page_queries(client, facility: Facility) -> tuple[int, object]:
    url = reverse("facilities:detail", args=[facility.code])
    client.get(url)  # warm process-wide caches
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries), response


def test_facility_page_shows_the_last_changes_in_a_fixed_number_of_queries(admin_client, admin_user):
    small, small_page = _page_queries(admin_client, _facility_with_changes(2, admin_user))
    large, large_page = _page_queries(admin_client, _facility_with_changes(25, admin_user))

    assert small == large
    assert len(small_page.context["changes"]) == 2
    changes = large_page.context["changes"]
    assert len(changes) == HISTORY_SIZE
    assert (changes[0].kind, changes[0].user, changes[0].fields) == ("~", admin_user, ("employees",))
    html = large_page.content.decode()
    assert "History" in html and "admin" in html and "employees" in html


def test_facility_page_names_creation_and_no_user(admin_client):
    facility = builders.facility()
    html = admin_client.get(reverse("facilities:detail", args=[facility.code])).content.decode()
    section = html[html.index('class="history"') :]
    assert "created" in section and "no one signed in" in section


# --- Restoring a deleted facility ---------------------------------------------------


def test_admin_restores_a_deleted_facility_from_its_history(admin_client, admin_user):
    facility = builders.facility(name="Lò gốm Kim Lan", employees=12, opened_on=dt.date(2010, 1, 1))
    pk, code = facility.pk, facility.code
    assert admin_client.post(_url(Facility, "delete", pk), {"post": "yes"}).status_code == 302
    assert not Facility.objects.filter(pk=pk).exists()

    history = admin_client.get(_url(Facility, "history", pk))  # the history of a deleted record still opens
    assert history.status_code == 200
    before = Facility.history.filter(id=pk, history_type="+").get()
    revert_url = _url(Facility, "simple_history", pk, before.history_id)
    assert revert_url in history.content.decode()

    page = admin_client.get(revert_url)
    assert page.status_code == 200
    response = admin_client.post(revert_url, change_form_data(page))
    assert response.status_code == 302, _errors(response)

    restored = Facility.objects.get(pk=pk)
    assert (restored.code, restored.name, restored.employees) == (code, "Lò gốm Kim Lan", 12)
    assert "lo gom kim lan" in restored.search_text  # Searchable.save() ran again
    assert _latest(Facility, pk).history_user == admin_user


def test_deleted_records_are_listed_for_the_admin_to_restore(admin_client, admin_user):
    kept, gone = builders.facility(name="Còn lại"), builders.facility(name="Lò gốm Kim Lan")
    admin_client.post(_url(Facility, "delete", gone.pk), {"post": "yes"})
    changelist = admin_client.get(_url(Facility, "changelist")).content.decode()
    assert _url(Facility, "deleted") in changelist

    html = admin_client.get(_url(Facility, "deleted")).content.decode()

    assert str(gone) in html and _url(Facility, "history", gone.pk) in html
    assert str(kept) not in html


def test_deleted_records_need_the_change_permission(client, staff_user):
    staff_user.is_staff = True
    staff_user.save()
    client.force_login(grant(staff_user, "facilities.view_facility"))
    assert client.get(_url(Facility, "deleted")).status_code == 403


def test_admin_restores_a_deleted_survey_with_its_rows_in_one_step(admin_client, admin_user):
    survey = builders.survey()
    survey.options.create(category="good_housekeeping", description="Fix the leaks")
    pk = survey.pk
    admin_client.post(_url(Survey, "delete", pk), {"post": "yes"})
    assert not CPOption.objects.filter(survey_id=pk).exists()
    entry = Survey.history.get(id=pk, history_type="-")
    restore = _url(Survey, "restore", entry.history_id)
    assert restore in admin_client.get(_url(Survey, "deleted")).content.decode()

    response = admin_client.post(restore)

    assert response["Location"] == _url(Survey, "change", pk)
    assert list(CPOption.objects.filter(survey_id=pk).values_list("description", flat=True)) == ["Fix the leaks"]
    assert LogEntry.objects.filter(object_id=str(pk), action_flag=ADDITION, user=admin_user).exists()
    again = admin_client.post(restore, follow=True)
    assert "already undone" in again.content.decode()


def _revert_deleted_survey(admin_client, **changes) -> tuple[int, object]:
    """A survey with a CP option, changed, deleted in the admin, then reverted from its History
    page to its first version (with ``changes`` to the posted form): (its id, the response)."""
    survey = builders.survey(surveyors="Lan")
    survey.options.create(category="good_housekeeping", description="Fix the leaks")
    survey.surveyors = "Lan, Minh"
    survey.save()
    pk = survey.pk
    admin_client.post(_url(Survey, "delete", pk), {"post": "yes"})
    first = Survey.history.get(id=pk, history_type="+")
    revert_url = _url(Survey, "simple_history", pk, first.history_id)
    page = admin_client.get(revert_url)
    return pk, admin_client.post(revert_url, {**change_form_data(page), **changes})


def test_reverting_a_deleted_survey_brings_back_its_rows(admin_client, admin_user):
    pk, response = _revert_deleted_survey(admin_client)

    assert response.status_code == 302, _errors(response)
    assert Survey.objects.get(pk=pk).surveyors == "Lan"  # the version chosen, not the one deleted
    assert list(CPOption.objects.filter(survey_id=pk).values_list("description", flat=True)) == ["Fix the leaks"]
    assert LogEntry.objects.filter(object_id=str(pk), action_flag=ADDITION, user=admin_user).exists()
    assert "is back with the rows deleted with it" in admin_client.get(response["Location"]).content.decode()


def test_a_refused_revert_of_a_deleted_survey_writes_nothing(admin_client):
    pk, response = _revert_deleted_survey(admin_client, surveyed_on="not a date")

    assert response.status_code == 200
    assert response.context["adminform"].form.errors
    assert not Survey.objects.filter(pk=pk).exists()
    assert not CPOption.objects.filter(survey_id=pk).exists()
    assert Survey.history.filter(id=pk).latest("history_id").history_type == "-"


def test_a_refused_revert_of_a_deleted_survey_can_be_corrected_and_saved(admin_client):
    pk, refused = _revert_deleted_survey(admin_client, surveyed_on="not a date")
    first = Survey.history.get(id=pk, history_type="+")
    data = {**change_form_data(refused), "surveyed_on": "2024-05-02"}  # the admin corrects the date

    response = admin_client.post(_url(Survey, "simple_history", pk, first.history_id), data)

    assert response.status_code == 302, _errors(response)
    assert Survey.objects.get(pk=pk).surveyed_on == dt.date(2024, 5, 2)
    assert CPOption.objects.filter(survey_id=pk).exists()


def test_a_deletion_undone_since_is_not_listed(admin_client):
    survey = builders.survey()
    pk = survey.pk
    admin_client.post(_url(Survey, "delete", pk), {"post": "yes"})
    first = Survey.history.get(id=pk, history_type="-")
    admin_client.post(_url(Survey, "restore", first.history_id))
    admin_client.post(_url(Survey, "delete", pk), {"post": "yes"})
    last = Survey.history.filter(id=pk, history_type="-").latest("history_id")

    page = admin_client.get(_url(Survey, "deleted")).content.decode()

    assert _url(Survey, "restore", last.history_id) in page
    assert _url(Survey, "restore", first.history_id) not in page
    response = admin_client.post(_url(Survey, "restore", first.history_id), follow=True)
    assert "already undone" in response.content.decode()
    assert not Survey.objects.filter(pk=pk).exists()


@pytest.mark.parametrize(
    ("language", "reason"), [("en", "restored after its deletion"), ("vi", "khôi phục sau khi bị xóa")]
)
def test_a_restored_record_s_history_says_it_was_restored_in_the_reader_s_language(admin_client, language, reason):
    survey = builders.survey()
    survey.options.create(category="good_housekeeping", description="Fix the leaks")
    pk = survey.pk
    admin_client.post(_url(Survey, "delete", pk), {"post": "yes"})
    admin_client.post(_url(Survey, "restore", Survey.history.get(id=pk, history_type="-").history_id))
    assert Survey.history.filter(id=pk).latest("history_id").history_change_reason == "restore"
    assert CPOption.history.filter(survey_id=pk).latest("history_id").history_change_reason == "restore"

    admin_client.cookies["django_language"] = language
    page = _visible(admin_client.get(_url(Survey, "history", pk)).content.decode())

    assert reason in page


def test_a_row_deleted_with_its_record_is_listed_without_restore(admin_client):
    survey = builders.survey()
    option = survey.options.create(category="good_housekeeping", description="Fix the leaks")
    alone = builders.survey().options.create(category="input_change", description="Coal to gas")
    pk = survey.pk
    admin_client.post(_url(Survey, "delete", pk), {"post": "yes"})
    admin_client.post(_url(CPOption, "delete", alone.pk), {"post": "yes"})
    with_survey = CPOption.history.get(id=option.pk, history_type="-")
    on_its_own = CPOption.history.get(id=alone.pk, history_type="-")

    page = admin_client.get(_url(CPOption, "deleted")).content.decode()

    assert f"Deleted with CP survey #{pk}: restore that." in page
    assert _url(CPOption, "restore", with_survey.history_id) not in page
    assert _url(CPOption, "restore", on_its_own.history_id) in page


def test_the_register_is_restored_from_the_history_page_only(admin_client):
    facility = builders.facility()
    admin_client.post(_url(Facility, "delete", facility.pk), {"post": "yes"})
    entry = Facility.history.get(history_type="-")

    assert "/restore/" not in admin_client.get(_url(Facility, "deleted")).content.decode()
    assert admin_client.post(_url(Facility, "restore", entry.history_id)).status_code == 403
    assert admin_client.get(_url(Facility, "restore", entry.history_id)).status_code == 405


def test_history_page_lists_the_user(admin_client, admin_user):
    facility = _facility_with_changes(3, admin_user)
    html = admin_client.get(_url(Facility, "history", facility.pk)).content.decode()
    assert len(re.findall(r"/history/\d+/", html)) >= 3


# --- The History and revert pages in the user's language --------------------------------


def _visible(page: str) -> str:
    page = re.sub(r"<(script|style)\b.*?</\1>", " ", page, flags=re.S)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page)).split())


HISTORY_PAGES = {
    "en": {
        "intro": "Choose a date from the list below to revert to a previous version of this object.",
        "headers": ["Object", "Date/time", "Comment", "Changed by", "Change reason", "Changes"],
        "kinds": ["Deleted", "Created"],
        "count": "2 entries",
        "trail": "Home › Facility register › Facilities › Lò gốm › History › Revert facility",
        "press": "Press the 'Revert' button below to revert to this version of the object.",
        "revert": "Revert",
        "deleted": "Deleted facilities",
    },
    "vi": {
        "intro": "Chọn một thời điểm trong danh sách dưới đây để khôi phục bản ghi này về phiên bản đó.",
        "headers": ["Bản ghi", "Ngày/giờ", "Thao tác", "Người thay đổi", "Lý do thay đổi", "Thay đổi"],
        "kinds": ["Xóa", "Tạo mới"],
        "count": "2 mục",
        "trail": "Trang chủ › Danh mục cơ sở › Cơ sở › Lò gốm › Lịch sử thay đổi › Khôi phục cơ sở",
        "press": "Bấm nút “Khôi phục” bên dưới để khôi phục bản ghi về phiên bản này.",
        "revert": "Khôi phục",
        "deleted": "Cơ sở đã xóa",
    },
}


@pytest.mark.parametrize("language", ["en", "vi"])
def test_the_history_and_revert_pages_speak_the_users_language(admin_client, language):
    """simple-history ships no Vietnamese: cpdash's catalogue has its strings (cpdash.admin.
    SIMPLE_HISTORY_MESSAGES), the revert page's trail names the app and the model as the admin
    does, an entry without a reason shows none (not "None"), and the deleted records' title is
    capitalised."""
    want = HISTORY_PAGES[language]
    admin_client.cookies["django_language"] = language
    facility = builders.facility(name="Lò gốm")
    admin_client.post(_url(Facility, "delete", facility.pk), {"post": "yes"})
    created = Facility.history.filter(id=facility.pk, history_type="+").get()

    page = admin_client.get(_url(Facility, "history", facility.pk)).content.decode()
    revert = admin_client.get(_url(Facility, "simple_history", facility.pk, created.history_id)).content.decode()
    deleted = admin_client.get(_url(Facility, "deleted")).content.decode()

    text = _visible(page)
    assert want["intro"] in text
    table = page[page.index('id="change-history"') :]
    assert [_visible(h) for h in re.findall(r'<th scope="col">(.*?)</th>', table, flags=re.S)] == want["headers"]
    cells = [_visible(c) for c in re.findall(r"<td>(.*?)</td>", table, flags=re.S)]
    assert [c for c in cells if c in want["kinds"]] == want["kinds"]  # deleted, then created
    assert cells[4::6] == ["", ""]  # no reason: nothing, not "None"
    assert text.endswith(want["count"])
    revert_text = _visible(revert)
    assert want["trail"].replace("Lò gốm", str(facility)) in revert_text
    assert want["press"] in revert_text
    assert f'value="{want["revert"]}"' in revert
    assert f"<h1>{want['deleted']}</h1>" in deleted
