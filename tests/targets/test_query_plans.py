"""On PostgreSQL, no query behind the dashboard, the facility list or the report walks a
records table once per facility (the engine reads the pathway instead), even with no
planner statistics: data freshly loaded, no ANALYZE, autovacuum not waited for. The register
sorted by name can read its index on (name COLLATE "vi", code)."""

import io
import json

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests import builders
from tests.programmes.conftest import grant

pytestmark = pytest.mark.skipif(connection.vendor != "postgresql", reason="EXPLAIN (FORMAT JSON) is PostgreSQL's")

FACILITIES = 1500
#: The tables of the programme's records (the pathway tables are not records).
RECORD_TABLES = (
    "programmes_attendance",
    "programmes_outreachactivity",
    "programmes_survey",
    "programmes_awarenessrecord",
    "programmes_solution",
    "programmes_resourcesaving",
    "programmes_replication",
    "programmes_demonstrationmodel",
    "programmes_technicalsupport",
)


def _nodes(plan: dict):
    """Every node of a JSON plan (subplans included) with the number of times it ran."""
    yield plan, plan.get("Actual Loops", 1)
    for child in plan.get("Plans", []):
        yield from _nodes(child)


def per_facility_loops(sql: str) -> list[str]:
    """Record-table scans that ran at least once for every other facility in the plan of ``sql``
    (the SQL as executed, parameters in)."""
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (ANALYZE, FORMAT JSON) {sql}")
        (plan,) = cursor.fetchone()[0]
    found = []
    for node, loops in _nodes(plan["Plan"]):
        if node.get("Relation Name") in RECORD_TABLES and loops >= FACILITIES / 2:
            found.append(f"{node['Node Type']} on {node['Relation Name']} × {loops}")
    return found


@pytest.fixture
def demo_manager(db, client, monkeypatch):
    """The demo data, and a client signed in as its manager. load_demo analyses the tables it
    writes (cpdash.database.analyze): not here, where the plans must hold without statistics."""
    monkeypatch.setattr("targets.management.commands.load_demo.analyze", lambda *models, **kwargs: False)
    call_command("load_demo", facilities=FACILITIES, stdout=io.StringIO())
    client.force_login(User.objects.get(username="manager"))
    return client


@pytest.mark.parametrize(
    "url",
    [
        reverse("targets:dashboard") + "?as_of=2015-12-31",
        reverse("facilities:list") + "?status=aware&as_of=2015-12-31",
        reverse("facilities:reach_next") + "?as_of=2015-12-31",
        reverse("targets:report", args=[2013]),
    ],
)
def test_no_query_loops_over_a_records_table_per_facility(demo_manager, url):
    with CaptureQueriesContext(connection) as queries:
        response = demo_manager.get(url)
    assert response.status_code == 200
    selects = [q["sql"] for q in queries.captured_queries if q["sql"].lstrip().upper().startswith("SELECT")]
    assert len(selects) > 5
    loops = {sql[:120]: found for sql in selects if (found := per_facility_loops(sql))}
    assert loops == {}, json.dumps(loops, indent=1, ensure_ascii=False)


@pytest.mark.parametrize(
    "url",
    [
        reverse("facilities:list") + "?sort=name",
        reverse("facilities:list") + "?sort=-name&as_of=2015-12-31",
        reverse("programmes:facility_search") + "?q=co",
    ],
)
def test_the_register_sorted_by_name_can_read_its_index(client, staff_user, url):
    """The ORDER BY the pages write is the expression of the index facility_name_vi (facilities
    migration 0013), so that a page reads its entries in order rather than sorting the register.
    A few facilities: sorting is switched off to ask whether the index can serve, not whether
    the planner would choose it at this size."""
    unit, sector = builders.unit(), builders.sector()
    for name in ("Zeta Co", "Đông Anh Co", "Dệt Co"):
        builders.facility(name=name, unit=unit, sector=sector)
    client.force_login(grant(staff_user, "facilities.view_facility"))
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    (sql,) = [q["sql"] for q in queries.captured_queries if "COLLATE" in q["sql"] and "LIMIT" in q["sql"]]
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_sort = off")
        cursor.execute(f"EXPLAIN {sql}")
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "facility_name_vi" in plan, plan
