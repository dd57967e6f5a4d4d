"""Counts have an upper bound (cpdash.models.MAX_COUNT, PostgreSQL's integer maximum)
on every database. Before, 99999999999 people passed the import's preview and then
failed the confirm on PostgreSQL with "integer out of range" and no row number (and
was stored on SQLite); forms on SQLite stored it too."""

import pytest

from programmes import forms
from programmes.models import OutreachActivity
from programmes.resources import OutreachActivityResource
from tests.facilities.conftest import (
    csv_bytes,
    good_row,
    register,  # noqa: F401 (a fixture)
    run_import,
)
from tests.facilities.conftest import problems as facility_problems
from tests.programmes.test_forms import activity_data
from tests.programmes.test_import_records import (
    activity_row,
    problems,
    records_register,  # noqa: F401 (a fixture)
    run,
    stored_counts,
)

pytestmark = pytest.mark.django_db

TOO_MANY = "99999999999"
MAX_COUNT = 2_147_483_647  # PostgreSQL's integer maximum


def test_the_maximum_is_postgresqls_integer_maximum():
    from cpdash.models import MAX_COUNT as configured

    assert configured == MAX_COUNT


@pytest.mark.usefixtures("records_register")
@pytest.mark.parametrize("column", ["participants", "quantity", "people"])
@pytest.mark.parametrize("dry_run", [True, False], ids=["preview", "confirm"])
def test_activity_import_refuses_a_count_above_the_maximum_with_its_row(column, dry_run):
    rows = [activity_row("F0001"), activity_row("F0002", **{column: TOO_MANY})]

    result = run(OutreachActivityResource, rows, dry_run=dry_run)

    message = f"“{TOO_MANY}” is too large: at most {MAX_COUNT}."
    assert problems(result, OutreachActivityResource) == [(3, column, message)]
    assert stored_counts() == (0,) * 8


@pytest.mark.usefixtures("records_register")
def test_activity_import_accepts_the_maximum():
    result = run(OutreachActivityResource, [activity_row("F0001", quantity=str(MAX_COUNT))])

    assert problems(result, OutreachActivityResource) == []
    assert OutreachActivity.objects.get().quantity == MAX_COUNT


@pytest.mark.usefixtures("register")
def test_facility_import_refuses_employees_above_the_maximum():
    result = run_import(csv_bytes([good_row("F1"), good_row("F2", employees=TOO_MANY)]))

    assert facility_problems(result) == [(3, "employees", f"“{TOO_MANY}” is too large: at most {MAX_COUNT}.")]


@pytest.mark.parametrize("column", ["participants", "quantity"])
def test_activity_form_refuses_a_count_above_the_maximum(column):
    form = forms.OutreachActivityForm({**activity_data(), column: TOO_MANY}, instance=OutreachActivity())

    assert not form.is_valid()
    assert form.errors[column] == [f"Ensure this value is less than or equal to {MAX_COUNT}."]
