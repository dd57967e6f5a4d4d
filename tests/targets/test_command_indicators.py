"""The ``indicators`` management command: table, JSON, CSV, breakdowns, --explain, pinned queries."""

import csv
import io
import json

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from tests.programmes.conftest import grant
from tests.targets.conftest import small_world

pytestmark = pytest.mark.django_db

#: Programme, targets, facility counts, unit counts, quartiles, completeness.
QUERIES = 6


def run(*args: str) -> str:
    out = io.StringIO()
    call_command("indicators", *args, stdout=out)
    return out.getvalue()


def test_table(interview_year):
    out = run("--as-of", "2012-12-31", "--programme", "hanoi-cp")
    lines = out.splitlines()
    assert lines[0] == "Hanoi CP programme, as of 2012-12-31"
    assert lines[1].split()[:2] == ["indicator", "value"]
    aware = next(line for line in lines if line.startswith("facilities aware of CP"))
    assert aware.split()[4:] == ["15", "15/100", "50", "2015-12-31", "20", "off", "track", "42.3", "35", "1", "0.8"]
    saving = next(line for line in lines if line.startswith("saving per unit"))
    assert "6.3" in saving and "5–8" in saving and "met" in saving
    assert "Never reached: 85 of 100 facilities (85%); never surveyed: 98." in out


def test_table_by_sector(interview_year):
    out = run("--as-of", "2012-12-31", "--by", "sector")
    assert "    Gốm sứ" in out
    gom_su = [line for line in out.splitlines() if line.strip().startswith("Gốm sứ")]
    # Awareness 3/25, application 0/25, with saving 0/25 (no median row: nothing measured).
    assert [line.split()[2:] for line in gom_su] == [["12", "3/25"], ["0", "0/25"], ["0", "0/25"]]


def test_json_is_the_api_payload(interview_year, client, manager_user):
    data = json.loads(run("--as-of", "2012-12-31", "--format", "json", "--by", "kind"))
    client.force_login(grant(manager_user, "targets.view_target"))
    assert data == client.get("/api/indicators.json", {"as_of": "2012-12-31", "by": "kind"}).json()


def test_csv_one_row_per_target_then_its_groups(interview_year):
    rows = list(csv.DictReader(io.StringIO(run("--as-of", "2012-12-31", "--format", "csv", "--by", "area_type"))))
    targets = [row for row in rows if not row["group"]]
    assert [row["indicator"] for row in targets] == [
        "awareness",
        "application",
        "application_with_saving",
        "saving",
        "specialist_coverage",
    ]
    aware = next(row for row in targets if row["indicator"] == "awareness")
    assert (aware["value"], aware["numerator"], aware["denominator"], aware["status"]) == (
        "15.0",
        "15",
        "100",
        "off_track",
    )
    groups = [(row["group"], row["numerator"], row["denominator"]) for row in rows if row["indicator"] == "awareness"]
    assert groups[1:] == [
        ("craft village (làng nghề)", "10", "10"),
        ("industrial zone (KCN)", "5", "10"),
        ("not in a production area", "0", "80"),
    ]


def test_explain_lists_the_records_behind(interview_year):
    out = run("--as-of", "2012-12-31", "--explain")
    section = out.split("Behind “facilities aware of CP”:")[1].split("Behind")[0]
    lines = [line.split()[0] for line in section.strip().splitlines()]
    assert lines == [f"F{i:03d}" for i in range(15)]
    assert "F013  Cơ sở 013  since 2012-08-01  attendance 2012-08-01" in section
    assert "Ba Đình" in out.split("Behind “People's Committees with a CP specialist”:")[1]


def test_explain_in_json(interview_year):
    data = json.loads(run("--as-of", "2012-12-31", "--format", "json", "--explain"))
    saving = next(row for row in data["targets"] if row["indicator"] == "saving")
    assert [(r["code"], r["saving"]) for r in saving["behind"]][:2] == [("F000", 5.0), ("F001", 5.5)]


def test_explain_in_csv(interview_year):
    out = run("--as-of", "2012-12-31", "--format", "csv", "--explain")
    records = out.split("\n\n")[1]
    rows = list(csv.DictReader(io.StringIO(records)))
    assert len(rows) == 15 + 6 + 6 + 6 + 10


def test_outputs(interview_year):
    assert "leaflets=5000" in run("--as-of", "2012-12-31", "--from", "2012-01-01")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--as-of", "12/31/2012"], "--as-of: “12/31/2012” is not a date: write YYYY-MM-DD or DD/MM/YYYY."),
        (["--as-of", "2012-12-31\x00"], "--as-of: “2012-12-31\ufffd” is not a date: write YYYY-MM-DD or DD/MM/YYYY."),
        (["--as-of", "2999-01-01"], "--as-of: 2999-01-01 is in the future: enter today ({today}) or an earlier date."),
        (["--as-of", "0001-01-01"], "--as-of: 0001-01-01 is too early: enter 1900-01-01 or a later date."),
        (["--from", "2012-02-30"], "--from: “2012-02-30” is not a date: write YYYY-MM-DD or DD/MM/YYYY."),
        (["--from", "2999-01-01"], "--from: 2999-01-01 is in the future: enter today ({today}) or an earlier date."),
        (["--programme", "nowhere"], "Unknown programme “nowhere”."),
        (["--programme", "hanoi-cp\x00"], "Unknown programme “hanoi-cp\x00”."),
    ],
)
def test_errors(interview_year, args, message):
    with pytest.raises(CommandError) as caught:
        run(*args)
    assert str(caught.value) == message.format(today=timezone.localdate())


def test_vietnamese_day_first_date(interview_year):
    assert run("--as-of", "31/12/2012") == run("--as-of", "2012-12-31")


def test_no_programme(db):
    assert run("--as-of", "2012-12-31").startswith("no programme, as of 2012-12-31")


@pytest.mark.parametrize("n", [3, 30])
@pytest.mark.parametrize("fmt", ["table", "json", "csv"])
def test_query_count_does_not_grow_with_the_data(django_assert_num_queries, n, fmt):
    small_world(n)
    with django_assert_num_queries(QUERIES):
        run("--as-of", "2012-12-31", "--format", fmt)


@pytest.mark.parametrize("n", [3, 30])
def test_query_count_by_sector(django_assert_num_queries, n):
    small_world(n)
    # + facilities by sector, sector names, medians by sector.
    with django_assert_num_queries(QUERIES + 3):
        run("--as-of", "2012-12-31", "--by", "sector")


@pytest.mark.parametrize("n", [3, 30])
def test_query_count_explain(django_assert_num_queries, n):
    small_world(n)
    # + the targets again and one listing per target (5): tracing lists rows, it does not count them.
    with django_assert_num_queries(QUERIES + 6):
        out = run("--as-of", "2012-12-31", "--explain")
    assert out.count("since 2012-") >= n
