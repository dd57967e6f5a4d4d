"""Every model registered in the admin: its pages load for a superuser, its
changelist costs the same number of queries for 2 rows as for 20, and
anonymous users are sent to the admin login. Iterating the registry means a
newly registered model is covered (or fails, asking for a builder) at once."""

import html

import pytest
from django.contrib import admin
from django.db.models import Model
from django.urls import reverse
from django.utils import translation

from cpdash.text import vietnamese_key
from facilities.models import AdministrativeUnit, Facility
from programmes.models import Phase
from targets.models import Target
from tests import builders
from tests.cpdash.conftest import build

pytestmark = pytest.mark.django_db

#: Models of one row, with pages of their own (tests/targets/test_admin_letterhead.py): not listed.
SINGLETONS = {"targets.letterhead"}
REGISTERED = [model for model in admin.site._registry if model._meta.label_lower not in SINGLETONS]

# Queries for one changelist page (session, user, savepoint/release of
# ATOMIC_REQUESTS, counts, rows, list filters, date hierarchy), whatever the
# number of rows. Same on SQLite and PostgreSQL.
CHANGELIST_QUERIES = {
    "auth.group": 7,
    "auth.user": 8,
    "facilities.administrativeunit": 7,
    "facilities.sector": 7,
    "facilities.productionarea": 8,
    "facilities.facility": 8,
    "programmes.programme": 7,
    "programmes.phase": 8,
    "programmes.specialist": 10,
    "programmes.outreachactivity": 10,
    "programmes.attendance": 6,
    "programmes.survey": 9,
    "programmes.cpoption": 7,
    "programmes.technicalsupport": 7,
    "programmes.solution": 9,
    "programmes.resourcesaving": 7,
    "programmes.demonstrationmodel": 7,
    "programmes.replication": 7,
    "programmes.awarenessrecord": 9,
    "targets.target": 9,
    "targets.reportedition": 8,
    "targets.digestsent": 10,
}
#: Models the admin lists and deletes but never adds: published from their own pages (the digests
#: sent: by the worker).
PUBLISHED = {"targets.reportedition", "targets.digestsent"}


def _label(model: type[Model]) -> str:
    return model._meta.label_lower


def _url(model: type[Model], view: str, *args) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


def test_the_apps_models_are_registered():
    labels = {_label(model) for model in REGISTERED}
    assert {"facilities.facility", "programmes.attendance", "targets.target"} <= labels


@pytest.mark.parametrize("model", REGISTERED, ids=_label)
def test_changelist_add_and_change_pages_load(admin_client, model):
    rows = [build(model) for _ in range(3)]

    response = admin_client.get(_url(model, "changelist"))
    assert response.status_code == 200
    assert {obj.pk for obj in rows} <= {obj.pk for obj in response.context["cl"].result_list}

    assert admin_client.get(_url(model, "add")).status_code == (403 if _label(model) in PUBLISHED else 200)

    response = admin_client.get(_url(model, "change", rows[0].pk))
    assert response.status_code == 200
    assert response.context["original"] == rows[0]


@pytest.mark.parametrize("model", REGISTERED, ids=_label)
def test_changelist_queries_do_not_grow_with_rows(admin_client, django_assert_num_queries, model):
    label = _label(model)
    assert label in CHANGELIST_QUERIES, f"Pin the changelist query count of {label} in CHANGELIST_QUERIES"
    url = _url(model, "changelist")
    admin_client.get(url)  # warm process-wide caches (content types, translations)

    for _ in range(2):
        build(model)
    with django_assert_num_queries(CHANGELIST_QUERIES[label]):
        response = admin_client.get(url)
    shown = len(response.context["cl"].result_list)

    for _ in range(18):
        build(model)
    with django_assert_num_queries(CHANGELIST_QUERIES[label]):
        response = admin_client.get(url)
    assert len(response.context["cl"].result_list) == shown + 18


def test_target_changelist_queries_do_not_grow_with_phases(admin_client, django_assert_num_queries):
    def targets_in_new_phases(n: int) -> None:
        for _ in range(n):
            prog = builders.programme(slug=f"p{Phase.objects.count()}")
            builders.target(builders.phase(prog))

    url = _url(Target, "changelist")
    targets_in_new_phases(2)
    admin_client.get(url)
    with django_assert_num_queries(CHANGELIST_QUERIES["targets.target"]):
        admin_client.get(url)
    targets_in_new_phases(18)
    with django_assert_num_queries(CHANGELIST_QUERIES["targets.target"]):
        admin_client.get(url)


def test_one_of_everything_opens_in_the_admin(admin_client, one_of_everything):
    registered = {_label(model) for model in REGISTERED}
    assert registered <= set(one_of_everything), "every registered model has a builder"
    for label in sorted(registered):
        obj = one_of_everything[label]
        assert admin_client.get(_url(type(obj), "change", obj.pk)).status_code == 200, label


@pytest.mark.parametrize("model", REGISTERED, ids=_label)
@pytest.mark.parametrize("view", ["changelist", "add"])
def test_anonymous_users_go_to_the_admin_login(client, model, view):
    url = _url(model, view)
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('admin:login')}?next={url}"


def test_signed_in_user_without_staff_status_goes_to_the_admin_login(client, outsider):
    client.force_login(outsider)
    response = client.get(reverse("admin:index"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))


# --- Diacritics-insensitive search ---------------------------------------


@pytest.fixture
def bat_trang():
    return builders.facility(code="0100000001", name="Xưởng gốm Bát Tràng")


@pytest.fixture
def dong_anh():
    return builders.facility(code="0100000002", name="Đông Anh Cơ khí")


def _found(response) -> list:
    assert response.status_code == 200
    return list(response.context["cl"].result_list)


@pytest.mark.parametrize("term", ["Bat Trang", "bat  trang", "BÁT TRÀNG", "gom bat"])
def test_facility_search_ignores_diacritics(admin_client, bat_trang, dong_anh, term):
    assert _found(admin_client.get(_url(bat_trang.__class__, "changelist"), {"q": term})) == [bat_trang]


def test_facility_search_folds_d_with_stroke(admin_client, bat_trang, dong_anh):
    assert _found(admin_client.get(_url(dong_anh.__class__, "changelist"), {"q": "dong anh"})) == [dong_anh]


def test_facility_search_by_code(admin_client, bat_trang, dong_anh):
    assert _found(admin_client.get(_url(dong_anh.__class__, "changelist"), {"q": "0100000002"})) == [dong_anh]


def test_facility_search_with_no_match(admin_client, bat_trang, dong_anh):
    assert _found(admin_client.get(_url(dong_anh.__class__, "changelist"), {"q": "kim lan"})) == []


def test_unit_search_ignores_diacritics(admin_client):
    gia_lam = builders.unit("Gia Lâm")
    builders.unit("Đông Anh")
    assert _found(admin_client.get(_url(gia_lam.__class__, "changelist"), {"q": "gia lam"})) == [gia_lam]


def test_attendance_facility_autocomplete_ignores_diacritics(admin_client, bat_trang, dong_anh):
    response = admin_client.get(
        reverse("admin:autocomplete"),
        {"app_label": "programmes", "model_name": "attendance", "field_name": "facility", "term": "bat trang"},
    )
    assert response.status_code == 200
    assert response.json()["results"] == [{"id": str(bat_trang.pk), "text": str(bat_trang)}]


@pytest.mark.parametrize(
    ("language", "shown"),
    [
        ("vi", ["Hãy sửa các lỗi dưới đây.", "<title>Lỗi: ", 'aria-label="Đường dẫn"', "Thanh bên"]),
        ("en", ["Please correct the error below.", "<title>Error: ", 'aria-label="Breadcrumbs"', "Sidebar"]),
    ],
)
def test_the_admins_own_words_are_in_the_users_language(admin_client, language, shown):
    """Words of Django's admin that its Vietnamese catalogue lacks (or has apart, where the
    change form asks for one plural message) come from cpdash's (cpdash.admin)."""
    admin_client.cookies["django_language"] = language
    page = admin_client.post(reverse("admin:facilities_sector_add"), {}).content.decode()
    for words in shown:
        assert words in page


@pytest.mark.parametrize(
    ("language", "shown"),
    [
        (
            "vi",
            [
                "Chọn tất cả đối tượng trên trang này để thực hiện thao tác",
                "Chọn đối tượng này để thực hiện thao tác - Dệt",
            ],
        ),
        ("en", ["Select all objects on this page for an action", "Select this object for an action - Dệt"]),
    ],
)
def test_the_changelists_checkboxes_are_named_in_the_users_language(admin_client, language, shown):
    """What a screen reader says of the action checkboxes (Django's admin: not in its Vietnamese)."""
    builders.sector("Dệt")
    admin_client.cookies["django_language"] = language
    page = html.unescape(admin_client.get(reverse("admin:facilities_sector_changelist")).content.decode())
    for words in shown:
        assert words in page


@pytest.mark.parametrize(("language", "shown"), [("vi", "Ngày chuyển đến"), ("en", "Moved on")])
def test_the_facility_form_s_own_field_is_labelled_like_the_others(admin_client, language, shown):
    admin_client.cookies["django_language"] = language
    page = admin_client.get(reverse("admin:facilities_facility_add")).content.decode()
    assert f'for="id_moved_on">{shown}:</label>' in page


def test_the_english_import_preview_reads_as_a_sentence():
    """import-export's English lacks its full stop: cpdash's English catalogue gives it."""
    with translation.override("en"):
        text = translation.gettext(
            "Below is a preview of data to be imported. If you are satisfied with the results, click 'Confirm import'"
        )
    assert text.endswith("click “Confirm import”.")


# --- Names in the order of the Vietnamese alphabet -----------------------------------------------

NAMES = ["Zeta Co", "Đông Anh Co", "Dệt Co", "Ba Vì Co", "Ba Đình Co", "an Khánh Co", "Ân Thi Co"]


def test_changelists_sort_names_in_the_order_of_the_vietnamese_alphabet(admin_client):
    """By default (Meta.ordering) and when the name's header is clicked, both ways; not by code point."""
    unit, sector = builders.unit("Zeta"), builders.sector()
    for name in NAMES:
        builders.unit(name)
        builders.facility(name=name, unit=unit, sector=sector)
    expected = sorted(NAMES, key=vietnamese_key)
    url = _url(Facility, "changelist")
    response = admin_client.get(url)
    assert [f.name for f in _found(response)] == expected
    column = response.context["cl"].list_display.index("name")
    assert response.context["cl"].get_ordering_field_columns()[column] == "asc"  # the header says so
    assert [f.name for f in _found(admin_client.get(url, {"o": str(column)}))] == expected
    assert [f.name for f in _found(admin_client.get(url, {"o": f"-{column}"}))] == expected[::-1]
    units = [u.name for u in _found(admin_client.get(_url(AdministrativeUnit, "changelist")))]
    assert units == sorted([*NAMES, "Zeta"], key=vietnamese_key)
