"""Evidence levels for savings (issue 13) where they are recorded: the solution form, the
past-records import, the admin and the migration's defaults."""

import datetime as dt

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.urls import reverse

from programmes import forms
from programmes.models import FacilityPathway, ResourceSaving, SavingStep, Solution, VerifiedSavingStep
from programmes.resources import SolutionResource
from tests import builders
from tests.programmes.test_forms import all_errors, solution_data
from tests.programmes.test_import_records import make_register, problems, run, solution_row

D = dt.date


@pytest.fixture
def records_register(db) -> None:
    make_register()


def evidence_saving(resource="energy", evidence="measured", **cells) -> dict:
    return {
        "resource": resource,
        "unit": "kWh",
        "product_unit": "t",
        "baseline": "100",
        "after": "90",
        "evidence": evidence,
        **cells,
    }


# --- The solution form --------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_form_saves_stage_day_of_verification_and_evidence_and_shows_them_again():
    data = solution_data(
        builders.facility(),
        implemented_on=D(2013, 1, 10),
        stage="verified",
        verified_on="2013-07-01",
        savings=[evidence_saving(), evidence_saving("water", "audited")],
    )
    form = forms.SolutionForm(data, instance=Solution())
    assert form.is_valid(), all_errors(form)
    solution = form.save()
    assert (solution.stage, solution.verified_on) == ("verified", D(2013, 7, 1))
    assert dict(solution.savings.values_list("resource", "evidence")) == {"energy": "measured", "water": "audited"}
    # Opened again: the stored values are the form's.
    again = forms.SolutionForm(instance=solution)
    assert again["stage"].value() == "verified"
    assert str(again["verified_on"].value()) == "2013-07-01"
    assert [row["evidence"].value() for row in again.rowsets["savings"].forms if row.instance.pk] == [
        "measured",
        "audited",
    ]


@pytest.mark.django_db
def test_a_post_without_the_new_fields_records_implemented_and_self_reported():
    data = solution_data(builders.facility(), savings=[{k: v for k, v in evidence_saving().items() if k != "evidence"}])
    form = forms.SolutionForm(data, instance=Solution())
    assert form.is_valid(), all_errors(form)
    solution = form.save()
    assert (solution.stage, solution.savings.get().evidence) == ("implemented", "self_reported")


@pytest.mark.parametrize(
    ("stage", "verified_on", "message"),
    [
        ("verified", "", "A verified solution needs the day it was verified; only a verified one has that day."),
        (
            "implemented",
            "2013-07-01",
            "A verified solution needs the day it was verified; only a verified one has that day.",
        ),
        ("verified", "2012-12-31", "A solution cannot be verified before it was implemented."),
    ],
)
@pytest.mark.django_db
def test_the_form_refuses_a_day_of_verification_that_does_not_fit_the_stage(stage, verified_on, message):
    data = solution_data(
        builders.facility(), implemented_on=D(2013, 1, 10), stage=stage, verified_on=verified_on, savings=[]
    )
    form = forms.SolutionForm(data, instance=Solution())
    assert not form.is_valid()
    assert form.errors["verified_on"] == [message]


@pytest.mark.django_db
def test_staff_see_the_new_fields_on_the_solution_page(recorder_client):
    page = recorder_client.get(reverse("programmes:solution_create")).content.decode()
    assert 'name="stage"' in page and 'name="verified_on"' in page and 'name="savings-0-evidence"' in page


# --- The past-records import --------------------------------------------------------------------


def test_the_import_reads_stage_day_and_evidence_in_vietnamese_and_round_trips(records_register):
    rows = [
        solution_row(stage="Đã kiểm chứng", verified_on="2014-03-01", evidence="Kiểm toán"),
        solution_row(resource="water", unit="m3", evidence="hóa đơn"),
        solution_row(description="Thay đèn", stage="chỉ xác định", evidence=""),
    ]
    result = run(SolutionResource, rows)
    assert not result.has_validation_errors(), problems(result, SolutionResource)
    kiln, lamps = Solution.objects.order_by("description")
    assert (kiln.description, kiln.stage, kiln.verified_on) == ("Cách nhiệt lò nung", "verified", D(2014, 3, 1))
    assert dict(kiln.savings.values_list("resource", "evidence")) == {"energy": "audited", "water": "measured"}
    assert (lamps.stage, lamps.savings.get().evidence) == ("identified", "self_reported")
    # The pathway: the kiln verified, the lamps only identified (not applying, no saving step).
    facility = kiln.facility_id
    assert FacilityPathway.objects.get(facility_id=facility).verified_on == D(2014, 3, 1)
    assert VerifiedSavingStep.objects.filter(facility_id=facility, resource="energy", since=D(2014, 3, 1)).exists()
    # The same file again changes nothing.
    again = run(SolutionResource, rows)
    assert not again.has_validation_errors()
    assert [row.import_type for row in again.rows] == ["skip"] * 3


def test_a_file_without_the_columns_records_the_defaults(records_register):
    header = [c for c in SolutionResource.columns() if c not in ("stage", "verified_on", "evidence")]
    result = run(SolutionResource, [solution_row()], header=header)
    assert not result.has_validation_errors(), problems(result, SolutionResource)
    solution = Solution.objects.get()
    assert (solution.stage, solution.verified_on, solution.savings.get().evidence) == (
        "implemented",
        None,
        "self_reported",
    )


@pytest.mark.parametrize(
    ("cells", "column", "message"),
    [
        (
            {"stage": "verified"},
            "verified_on",
            "A verified solution needs the day it was verified; only a verified one has that day.",
        ),
        (
            {"verified_on": "2014-01-01"},
            "verified_on",
            "A verified solution needs the day it was verified; only a verified one has that day.",
        ),
        (
            {"stage": "verified", "verified_on": "2013-01-01"},
            "verified_on",
            "A solution cannot be verified before it was implemented.",
        ),
        ({"evidence": "rumour"}, "evidence", None),
        ({"stage": "planned"}, "stage", None),
    ],
)
def test_the_import_refuses_what_does_not_fit(records_register, cells, column, message):
    result = run(SolutionResource, [solution_row(**cells)])
    found = problems(result, SolutionResource)
    assert [(row, col) for row, col, _m in found] == [(2, column)]
    if message:
        assert found[0][2] == message
    assert not Solution.objects.exists()


def test_the_import_template_shows_the_new_columns():
    dataset = SolutionResource.template_dataset()
    assert {"stage", "verified_on", "evidence"} <= set(dataset.headers)


# --- The admin ----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_admin_shows_and_filters_the_evidence(admin_client):
    solution = builders.solution(savings={"energy": (100, 94)}, evidence="estimated")
    page = admin_client.get(reverse("admin:programmes_solution_change", args=[solution.pk])).content.decode()
    assert 'name="stage"' in page and 'name="verified_on"' in page and 'name="savings-0-evidence"' in page
    listing = admin_client.get(reverse("admin:programmes_resourcesaving_changelist"), {"evidence": "estimated"})
    assert listing.status_code == 200 and listing.context["cl"].result_count == 1
    listing = admin_client.get(reverse("admin:programmes_resourcesaving_changelist"), {"evidence": "audited"})
    assert listing.context["cl"].result_count == 0


# --- The migration ------------------------------------------------------------------------------

BEFORE_EVIDENCE = [("programmes", "0012_reported_savings"), ("targets", "0007_managers_publish")]


def _migrate(targets) -> None:
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)


def _rows(sql: str) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return sorted(cursor.fetchall())


@pytest.fixture
def latest_afterwards(transactional_db):
    yield
    _migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())


def test_existing_records_become_self_reported_and_implemented_and_the_migration_reverses(latest_afterwards):
    facility = builders.facility()
    builders.solution(
        facility, savings={"energy": (100, 94)}, evidence="audited", stage="verified", verified_on=D(2013, 1, 1)
    )
    _migrate(BEFORE_EVIDENCE)
    columns = _rows("SELECT * FROM programmes_solution")
    assert columns and "stage" not in [
        c.name for c in connection.introspection.get_table_description(connection.cursor(), "programmes_solution")
    ]
    _migrate([("programmes", "0013_evidence_levels"), ("targets", "0009_target_savings_counted")])
    assert _rows("SELECT stage, verified_on FROM programmes_solution") == [("implemented", None)]
    assert _rows("SELECT evidence FROM programmes_resourcesaving") == [("self_reported",)]
    assert {e for (e,) in _rows("SELECT evidence FROM programmes_savingstep")} == {"self_reported"}
    assert _rows("SELECT COUNT(*) FROM programmes_verifiedsavingstep") == [(0,)]
    # The pathway kept true without a rebuild: the facility still applies with its saving (read
    # by column: the pathway of 0013 has no later column).
    assert FacilityPathway.objects.filter(facility=facility).values_list("applying_on", flat=True).get() == D(
        2012, 9, 1
    )
    assert SavingStep.objects.filter(facility=facility, resource="energy").count() == 1
    assert ResourceSaving.objects.get().evidence == "self_reported"
