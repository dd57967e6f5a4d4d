"""Records that name a unit not valid on their date are refused with a clear message, in
forms and imports alike: a facility opening in 2014 in Từ Liêm (which ended on 2013-12-31),
a specialist appointed to it in 2014, an activity held there in 2014."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import translation

from facilities.models import AdministrativeUnit, Facility
from tests import builders
from tests.facilities.conftest import csv_bytes, good_row, problems, run_import

pytestmark = pytest.mark.django_db

ENDED = "no longer existed on"


@pytest.fixture
def tu_liem(register):
    unit = builders.unit("Từ Liêm", valid_until=dt.date(2013, 12, 31))
    builders.unit("Bắc Từ Liêm", valid_from=dt.date(2014, 1, 1)).predecessors.add(unit)
    return unit


def test_the_facility_import_refuses_a_new_facility_opening_in_a_unit_that_had_ended(tu_liem):
    result = run_import(
        csv_bytes([good_row("N1", unit="Từ Liêm", production_area="", area_type="", opened_on="2014-03-01")])
    )
    [(row, column, message)] = problems(result)
    assert (row, column) == (2, "unit")
    assert ENDED in message and "31/12/2013" in message and "Bắc Từ Liêm" in message
    assert not Facility.objects.filter(code="N1").exists()
    # Opened while Từ Liêm existed, and closed before it ended: the register can hold it there.
    closed_in_time = csv_bytes(
        [
            good_row(
                "N2", unit="Từ Liêm", production_area="", area_type="", opened_on="2012-03-01", closed_on="2013-06-30"
            )
        ]
    )
    assert problems(run_import(closed_in_time)) == []


def test_the_facility_import_refuses_a_facility_still_open_in_a_unit_that_has_ended(tu_liem):
    """Opened in Từ Liêm in 2012 and still open: it would stay in Từ Liêm today, counted in no unit
    of today (the reviewer's dashboard units table summed to 2 less than the city). The message
    names the successor to put instead."""
    still_open = csv_bytes([good_row("N3", unit="Từ Liêm", production_area="", area_type="", opened_on="2012-03-01")])
    [(row, column, message)] = problems(run_import(still_open))
    assert (row, column) == (2, "unit")
    assert ENDED in message and "Bắc Từ Liêm" in message
    assert not Facility.objects.filter(code="N3").exists()


def test_the_facility_import_refuses_moving_a_stored_facility_to_a_unit_that_has_ended(tu_liem):
    north = AdministrativeUnit.objects.get(name="Bắc Từ Liêm")
    builders.facility(code="S1", unit=north, opened_on=dt.date(2015, 1, 1))
    moved_back = csv_bytes([good_row("S1", unit="Từ Liêm", production_area="", area_type="", opened_on="2015-01-01")])
    [(row, column, message)] = problems(run_import(moved_back))
    assert (row, column) == (2, "unit") and ENDED in message
    assert Facility.objects.get(code="S1").unit == north


@pytest.mark.parametrize(
    ("language", "ended", "closed"),
    [
        (
            "vi",
            "Ngày 01/03/2014 Từ Liêm không còn tồn tại (ngày cuối cùng là 31/12/2013). Đơn vị kế tiếp: Bắc Từ Liêm.",
            "Ngày ngừng hoạt động 01/01/2019 trước ngày bắt đầu hoạt động 01/01/2020.",
        ),
        (
            "en",
            "Từ Liêm no longer existed on 01/03/2014 (its last day was 31/12/2013). It was succeeded by Bắc Từ Liêm.",
            "Closed on 01/01/2019, before it opened on 01/01/2020.",
        ),
    ],
)
def test_the_facility_import_writes_its_dates_as_the_language_does(tu_liem, language, ended, closed):
    """The import's messages write dates as the pages and forms do (cpdash/formats: day first), not
    2014-03-01 and 2013-12-31; the file may have them in ISO."""
    rows = [
        # Its last day in the register: the day before it closed.
        good_row(
            "N1", unit="Từ Liêm", production_area="", area_type="", opened_on="2014-01-15", closed_on="2014-03-02"
        ),
        good_row("N2", opened_on="2020-01-01", closed_on="2019-01-01"),
    ]
    with translation.override(language):
        found = problems(run_import(csv_bytes(rows)))
    assert found == [(2, "unit", ended), (3, "closed_on", closed)]


@pytest.mark.parametrize(
    ("language", "message"),
    [
        ("vi", "Ngày 01/06/2013 chưa có Bắc Từ Liêm (đơn vị được thành lập ngày 01/01/2014)."),
        ("en", "Bắc Từ Liêm did not exist yet on 01/06/2013 (it was formed on 01/01/2014)."),
    ],
)
def test_the_admin_form_writes_its_dates_as_the_language_does(admin_client, tu_liem, language, message):
    facility = builders.facility(unit=tu_liem, opened_on=dt.date(2010, 1, 1))
    north = AdministrativeUnit.objects.get(name="Bắc Từ Liêm")
    admin_client.cookies["django_language"] = language
    url = reverse("admin:facilities_facility_change", args=[facility.pk])
    form = admin_client.get(url).context["adminform"].form
    data = {name: form[name].value() or "" for name in form.fields}
    data.update(
        {"unit": north.pk, "moved_on": "01/06/2013", "memberships-TOTAL_FORMS": 1, "memberships-INITIAL_FORMS": 1}
    )
    data.update({"memberships-0-id": facility.memberships.get().pk, "memberships-0-facility": facility.pk})

    refused = admin_client.post(url, data)

    assert refused.status_code == 200
    assert refused.context["adminform"].form.errors["unit"] == [message]


def test_the_admin_moves_a_facility_on_the_day_given_and_refuses_a_unit_not_valid_then(admin_client, tu_liem):
    facility = builders.facility(unit=tu_liem, opened_on=dt.date(2010, 1, 1))
    north = AdministrativeUnit.objects.get(name="Bắc Từ Liêm")
    url = reverse("admin:facilities_facility_change", args=[facility.pk])
    page = admin_client.get(url)
    form = page.context["adminform"].form
    data = {name: form[name].value() or "" for name in form.fields}
    data.update(
        {"unit": north.pk, "moved_on": "2013-06-01", "memberships-TOTAL_FORMS": 1, "memberships-INITIAL_FORMS": 1}
    )
    data.update({"memberships-0-id": facility.memberships.get().pk, "memberships-0-facility": facility.pk})
    refused = admin_client.post(url, data)
    assert refused.status_code == 200 and "did not exist yet" in refused.content.decode()
    data["moved_on"] = "2014-01-01"
    assert admin_client.post(url, data).status_code == 302
    assert list(facility.memberships.order_by("pk").values_list("unit__name", "since", "until")) == [
        ("Từ Liêm", None, dt.date(2014, 1, 1)),
        ("Bắc Từ Liêm", dt.date(2014, 1, 1), None),
    ]


def test_a_facility_older_than_its_unit_imports(tu_liem):
    """Bắc Từ Liêm was formed in 2014; a facility there that opened in 2005 was in Từ Liêm
    then: registered in its unit of today, it is accepted (the bench's register found this)."""
    row = good_row("N3", unit="Bắc Từ Liêm", production_area="", area_type="", opened_on="2005-03-01")
    assert problems(run_import(csv_bytes([row]))) == []
    assert Facility.objects.filter(code="N3").exists()


def test_the_admin_refuses_a_new_facility_still_open_in_a_unit_that_has_ended(admin_client, tu_liem):
    sector = builders.sector()
    url = reverse("admin:facilities_facility_add")
    data = {"code": "A1", "name": "Cơ sở A1", "kind": "enterprise", "sector": sector.pk, "unit": tu_liem.pk}
    data.update({"in_scope": "on", "opened_on": "2012-03-01", "closed_on": "", "area": "", "employees": ""})
    data.update({"memberships-TOTAL_FORMS": 0, "memberships-INITIAL_FORMS": 0})
    refused = admin_client.post(url, data)
    assert refused.status_code == 200
    [message] = refused.context["adminform"].form.errors["unit"]
    assert ENDED in message and "Bắc Từ Liêm" in message
    data["closed_on"] = "2013-06-30"  # closed while Từ Liêm existed: it can stay there
    assert admin_client.post(url, data).status_code == 302
    assert Facility.objects.get(code="A1").unit == tu_liem


def test_the_admin_still_edits_a_facility_left_in_a_unit_that_has_ended(admin_client, tu_liem):
    """Correcting a name is not a move: the unit, stored before this rule, is not asked about."""
    facility = builders.facility(unit=tu_liem, opened_on=dt.date(2010, 1, 1))
    url = reverse("admin:facilities_facility_change", args=[facility.pk])
    form = admin_client.get(url).context["adminform"].form
    data = {name: form[name].value() or "" for name in form.fields}
    data.update({"name": "Tên đã sửa", "memberships-TOTAL_FORMS": 1, "memberships-INITIAL_FORMS": 1})
    data.update({"memberships-0-id": facility.memberships.get().pk, "memberships-0-facility": facility.pk})
    assert admin_client.post(url, data).status_code == 302
    assert Facility.objects.get(pk=facility.pk).name == "Tên đã sửa"


def test_the_successors_named_are_those_of_the_day_through_units_that_ended_too(register):
    """Từ Liêm split in 2014 into Bắc and Nam Từ Liêm, which ended in 2025 in their wards: a facility
    still open in Từ Liêm is told the wards of today, which it can name; in mid-2014, the halves."""
    tu_liem = builders.unit("Từ Liêm", valid_until=dt.date(2013, 12, 31))
    halves = []
    for half in ("Bắc Từ Liêm", "Nam Từ Liêm"):
        unit = builders.unit(half, valid_from=dt.date(2014, 1, 1), valid_until=dt.date(2025, 6, 30))
        unit.predecessors.add(tu_liem)
        ward = builders.unit(f"Phường {half}", kind=AdministrativeUnit.Kind.WARD, valid_from=dt.date(2025, 7, 1))
        ward.predecessors.add(unit)
        halves.append(unit)
    row = good_row("N4", unit="Từ Liêm", production_area="", area_type="", opened_on="2012-03-01")
    [(_row, column, message)] = problems(run_import(csv_bytes([row])))
    assert column == "unit" and message.endswith("It was succeeded by Phường Bắc Từ Liêm, Phường Nam Từ Liêm.")
    assert tu_liem.not_valid_reason(dt.date(2014, 6, 30)).endswith("It was succeeded by Bắc Từ Liêm, Nam Từ Liêm.")
