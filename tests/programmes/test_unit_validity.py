"""Records that name a unit not valid on their date are refused with a clear message, in
forms and imports alike: a facility opening in 2014 in Từ Liêm (which ended on 2013-12-31),
a specialist appointed to it in 2014, an activity held there in 2014. A specialist's post
ends with the unit: not in post after its last day, no departure recorded after it."""

import datetime as dt

import pytest
from django.utils import translation

from facilities.models import AdministrativeUnit
from programmes import forms
from programmes.models import OutreachActivity, Specialist
from programmes.resources import OutreachActivityResource, SpecialistResource
from tests import builders
from tests.programmes.conftest import grant
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


# --- A post ends with its People's Committee -------------------------------------------------


def test_a_specialist_is_in_post_only_while_the_unit_exists(tu_liem):
    """Từ Liêm's last day was 31/12/2013: its specialist, who never left, is in post on that
    day and not on the next; out of post from 01/01/2014, the day after the unit's last."""
    specialist = builders.specialist(tu_liem, appointed_on=dt.date(2012, 1, 1))
    assert list(Specialist.objects.in_post_on(dt.date(2013, 12, 31))) == [specialist]
    assert not Specialist.objects.in_post_on(dt.date(2014, 1, 1)).exists()
    assert (specialist.out_of_post_on, specialist.ended_with_unit) == (dt.date(2014, 1, 1), True)


def test_a_departure_before_the_units_end_is_kept_as_the_end_of_the_post(tu_liem):
    specialist = builders.specialist(tu_liem, appointed_on=dt.date(2012, 1, 1), left_on=dt.date(2013, 6, 1))
    assert (specialist.out_of_post_on, specialist.ended_with_unit) == (dt.date(2013, 6, 1), False)
    assert not Specialist.objects.in_post_on(dt.date(2013, 6, 1)).exists()
    in_a_unit_with_no_end = builders.specialist(appointed_on=dt.date(2012, 1, 1))
    assert (in_a_unit_with_no_end.out_of_post_on, in_a_unit_with_no_end.ended_with_unit) == (None, False)


@pytest.mark.parametrize(("left_on", "refused"), [("2014-01-01", False), ("2013-12-31", False), ("2014-01-02", True)])
def test_the_departure_form_and_import_refuse_a_departure_after_the_unit_ended(tu_liem, left_on, refused):
    """The first day no longer in post is at the latest the day after the unit's last (01/01/2014)."""
    specialist = builders.specialist(tu_liem, name="Nguyễn Văn A", appointed_on=dt.date(2012, 1, 1))
    form = forms.DepartureForm({"left_on": left_on}, instance=specialist)
    message = (
        "Từ Liêm no longer existed after 31/12/2013, and the post ended with it: the first day no longer "
        "in post is 01/01/2014 at the latest (leave the day empty if the specialist stayed until then)."
    )
    assert form.errors.get("left_on", []) == ([message] if refused else [])

    row = specialist_row("Nguyễn Văn A", unit="Từ Liêm", appointed_on="2012-01-01", left_on=left_on)
    found = record_problems(run(SpecialistResource, [row]), SpecialistResource)
    assert found == ([(2, "left_on", message)] if refused else [])
    specialist.refresh_from_db()
    assert specialist.left_on == (None if refused else dt.date.fromisoformat(left_on))


def test_the_list_says_when_a_post_ended_with_its_unit(tu_liem, client, staff_user):
    builders.specialist(tu_liem, name="Người ở Từ Liêm", appointed_on=dt.date(2012, 1, 1))
    ending = builders.unit("Huyện sắp giải thể", valid_until=dt.date.today() + dt.timedelta(days=30))
    builders.specialist(ending, name="Người ở huyện", appointed_on=dt.date(2012, 1, 1))
    builders.specialist(name="Người còn đảm nhiệm", appointed_on=dt.date(2012, 1, 1))
    client.force_login(grant(staff_user, "programmes.view_specialist"))
    client.cookies["django_language"] = "vi"
    content = " ".join(client.get("/record/specialists/").content.decode().split())
    assert "01/01/2014: đơn vị đã chấm dứt" in content
    last = f"{ending.valid_until:%d/%m/%Y}"
    assert f"đang đảm nhiệm đến hết ngày {last}, khi đơn vị chấm dứt" in content
    assert content.count("<td>đang đảm nhiệm</td>") == 1


def test_the_unit_fields_group_the_units_of_today_apart_from_those_that_ended(tu_liem):
    """Từ Liêm ended on 31/12/2013: the appointment form still offers it (a record of its days
    names it), among the units that no longer exist, with its last day; Bắc Từ Liêm is a unit
    of today. In Vietnamese."""
    with translation.override("vi"):
        html = str(forms.AppointmentForm(instance=Specialist())["unit"])
    today = html.index('<optgroup label="Đơn vị hành chính hiện nay">')
    ended = html.index('<optgroup label="Không còn tồn tại">')
    assert today < html.index(">Bắc Từ Liêm</option>") < ended
    assert ended < html.index(">Từ Liêm (đến 31/12/2013)</option>")
    assert html.count("<option") == AdministrativeUnit.objects.count() + 1  # and the empty choice
