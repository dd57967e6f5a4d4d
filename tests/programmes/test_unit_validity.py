"""Records that name a unit not valid on their date are refused with a clear message, in
forms and imports alike: a facility opening in 2014 in Từ Liêm (which ended on 2013-12-31),
a specialist appointed to it in 2014, an activity held there in 2014."""

import datetime as dt

import pytest

from facilities.models import AdministrativeUnit
from programmes import forms
from programmes.models import OutreachActivity, Specialist
from programmes.resources import OutreachActivityResource, SpecialistResource
from tests import builders
from tests.programmes.test_import_records import activity_row, make_register, run, specialist_row
from tests.programmes.test_import_records import problems as record_problems

pytestmark = pytest.mark.django_db

ENDED = "no longer existed on"


@pytest.fixture
def tu_liem(db):
    make_register()
    unit = builders.unit("Từ Liêm", valid_until=dt.date(2013, 12, 31))
    builders.unit("Bắc Từ Liêm", valid_from=dt.date(2014, 1, 1)).predecessors.add(unit)
    return unit


def test_the_specialist_form_and_import_refuse_a_unit_that_had_ended(tu_liem):
    data = {"unit": tu_liem.pk, "name": "Nguyễn Văn A", "position": "", "appointed_on": "2014-02-01"}
    form = forms.AppointmentForm(data, instance=Specialist())
    assert not form.is_valid()
    assert ENDED in str(form.errors["unit"])
    assert forms.AppointmentForm({**data, "appointed_on": "2013-02-01"}, instance=Specialist()).is_valid()

    result = run(SpecialistResource, [specialist_row(unit="Từ Liêm", appointed_on="2014-02-01")])
    assert [(row, column) for row, column, _m in record_problems(result, SpecialistResource)] == [(2, "unit")]
    assert not Specialist.objects.exists()


def test_the_activity_import_refuses_a_unit_not_yet_formed(tu_liem):
    north = AdministrativeUnit.objects.get(name="Bắc Từ Liêm")
    result = run(OutreachActivityResource, [activity_row(unit=north.name, held_on="2013-06-01")])
    [(row, column, message)] = record_problems(result, OutreachActivityResource)
    assert (row, column) == (2, "unit") and "did not exist yet" in message
    assert not OutreachActivity.objects.exists()
