"""A facility's opening and closing are what happened: a day after today is refused, in the
import and the admin's form alike, with the message the recording pages give; today is fine."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from cpdash.dates import local_day
from facilities.models import Facility
from tests import builders
from tests.facilities.conftest import csv_bytes, good_row, problems, run_import

pytestmark = pytest.mark.django_db


def _future() -> tuple[dt.date, str]:
    today = timezone.localdate()
    tomorrow = today + dt.timedelta(days=1)
    return tomorrow, f"{local_day(tomorrow)} is in the future: enter today ({local_day(today)}) or an earlier date."


@pytest.mark.parametrize("column", ["opened_on", "closed_on"])
def test_the_import_refuses_a_day_after_today_and_writes_nothing(register, column):
    tomorrow, message = _future()
    rows = [good_row("F1"), good_row("F2", **{column: tomorrow.isoformat()})]

    assert problems(run_import(csv_bytes(rows))) == [(3, column, message)]
    assert not Facility.objects.exists()


def test_the_import_takes_today(register):
    today = timezone.localdate().isoformat()
    assert problems(run_import(csv_bytes([good_row("F1", opened_on=today, closed_on=today)]))) == []


@pytest.mark.parametrize("column", ["opened_on", "closed_on"])
def test_the_admin_refuses_a_day_after_today(admin_client, register, column):
    tomorrow, message = _future()
    unit, sector = builders.unit("Ba Vì"), builders.sector()
    data = {"code": "A1", "name": "Cơ sở A1", "kind": "enterprise", "sector": sector.pk, "unit": unit.pk}
    data.update({"in_scope": "on", "opened_on": "2012-03-01", "closed_on": "", "area": "", "employees": ""})
    data.update({"memberships-TOTAL_FORMS": 0, "memberships-INITIAL_FORMS": 0, column: tomorrow.isoformat()})

    refused = admin_client.post(reverse("admin:facilities_facility_add"), data)

    assert refused.status_code == 200
    assert refused.context["adminform"].form.errors[column] == [message]
    assert not Facility.objects.exists()
