"""Counts have an upper bound (cpdash.models.MAX_COUNT, PostgreSQL's integer maximum)
on every database. Before, 99999999999 people passed the import's preview and then
failed the confirm on PostgreSQL with "integer out of range" and no row number (and
was stored on SQLite); forms on SQLite stored it too.

An outreach activity's counts (participants, quantity, people) stop lower, at a million
(programmes.models.MAX_OUTREACH_COUNT): the model's validator, which the forms, the admin
and the import run alike, with one message. Before, 2147483646 people were accepted."""

import pytest
from django.core.exceptions import ValidationError

from programmes import forms
from programmes.models import MAX_OUTREACH_COUNT, OutreachActivity
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


def too_many(value: int) -> str:
    """What the forms, the admin and the import say of an activity's count above a million (English)."""
    return f"{value:,} is too many for one activity: at most 1,000,000."


def test_an_activity_counts_at_most_a_million():
    assert MAX_OUTREACH_COUNT == 1_000_000


@pytest.mark.usefixtures("records_register")
@pytest.mark.parametrize("column", ["participants", "quantity", "people"])
@pytest.mark.parametrize("dry_run", [True, False], ids=["preview", "confirm"])
# 32 nines: more digits than the decimal context holds (the message's number_text raised on them).
@pytest.mark.parametrize("cell", [TOO_MANY, str(MAX_COUNT - 1), "1000001", "9" * 32])
def test_activity_import_refuses_a_count_above_a_million_with_its_row(column, dry_run, cell):
    rows = [activity_row("F0001"), activity_row("F0002", **{column: cell})]

    result = run(OutreachActivityResource, rows, dry_run=dry_run)

    assert problems(result, OutreachActivityResource) == [(3, column, too_many(int(cell)))]
    assert stored_counts() == (0,) * 8


@pytest.mark.usefixtures("records_register")
@pytest.mark.parametrize("column", ["participants", "quantity", "people"])
def test_activity_import_accepts_a_million(column):
    result = run(OutreachActivityResource, [activity_row("F0001", **{column: "1,000,000"})])

    assert problems(result, OutreachActivityResource) == []
    activity = OutreachActivity.objects.get()
    assert (activity.attendances.get().people if column == "people" else getattr(activity, column)) == 1_000_000


@pytest.mark.parametrize("field", ["participants", "quantity"])
def test_the_model_refuses_a_count_above_a_million_as_the_admin_shows_it(field):
    activity = OutreachActivity(kind="leaflets", title="Tờ rơi", held_on="2015-06-30", **{field: MAX_COUNT - 1})

    with pytest.raises(ValidationError) as refused:
        activity.full_clean()

    assert refused.value.message_dict == {field: [too_many(MAX_COUNT - 1)]}


@pytest.mark.usefixtures("register")
def test_facility_import_refuses_employees_above_the_maximum():
    result = run_import(csv_bytes([good_row("F1"), good_row("F2", employees=TOO_MANY)]))

    assert facility_problems(result) == [(3, "employees", f"“{TOO_MANY}” is too large: at most {MAX_COUNT}.")]


@pytest.mark.parametrize("column", ["participants", "quantity"])
def test_activity_form_refuses_a_count_above_the_maximum(column):
    form = forms.OutreachActivityForm({**activity_data(), column: TOO_MANY}, instance=OutreachActivity())

    assert not form.is_valid()
    assert form.errors[column] == [too_many(int(TOO_MANY))]
