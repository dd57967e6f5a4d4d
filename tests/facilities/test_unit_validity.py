"""Records that name a unit not valid on their date are refused with a clear message, in
forms and imports alike: a facility opening in 2014 in Từ Liêm (which ended on 2013-12-31),
a specialist appointed to it in 2014, an activity held there in 2014."""

import datetime as dt

import pytest
from django.urls import reverse

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
    assert ENDED in message and "2013-12-31" in message and "Bắc Từ Liêm" in message
    assert not Facility.objects.filter(code="N1").exists()
    opened_before = csv_bytes(
        [good_row("N2", unit="Từ Liêm", production_area="", area_type="", opened_on="2012-03-01")]
    )
    assert problems(run_import(opened_before)) == []


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
