"""cpdash.database.analyze(): ANALYZE of the tables a bulk write touched, on PostgreSQL only.

Where it is called (load_demo, the imports) is tested beside each of them."""

import pytest
from django.contrib.auth.models import Group
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cpdash import database as db
from facilities.models import Facility, Sector
from tests import builders

pytestmark = pytest.mark.django_db

ON_POSTGRESQL = connection.vendor == "postgresql"
postgresql_only = pytest.mark.skipif(not ON_POSTGRESQL, reason="ANALYZE is PostgreSQL's; SQLite plans without it")


def analyze_statements(queries: CaptureQueriesContext) -> list[str]:
    """The ANALYZE statements among ``queries``."""
    return [query["sql"] for query in queries.captured_queries if query["sql"].startswith("ANALYZE")]


@postgresql_only
def test_one_statement_each_table_once():
    with CaptureQueriesContext(connection) as queries:
        assert db.analyze(Facility, Sector, Facility) is True
    assert analyze_statements(queries) == ['ANALYZE "facilities_facility", "facilities_sector"']


@postgresql_only
def test_the_statistics_are_there_afterwards():
    sector, unit = builders.sector(), builders.unit()
    Facility.objects.bulk_create(Facility(code=f"B{n}", name="x", sector=sector, unit=unit) for n in range(3))
    db.analyze(Facility)
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_stats WHERE tablename = %s", [Facility._meta.db_table])
        assert cursor.fetchone()[0] > 0


@pytest.mark.skipif(ON_POSTGRESQL, reason="the SQLite case")
def test_nothing_on_sqlite():
    with CaptureQueriesContext(connection) as queries:
        assert db.analyze(Facility) is False
    assert queries.captured_queries == []


def test_nothing_without_a_model():
    with CaptureQueriesContext(connection) as queries:
        assert db.analyze() is False
    assert queries.captured_queries == []


@postgresql_only
@pytest.mark.parametrize(("rows", "ran"), [(db.ANALYZE_THRESHOLD - 1, False), (db.ANALYZE_THRESHOLD, True)])
def test_bulk_writes_from_the_threshold(rows, ran):
    with CaptureQueriesContext(connection) as queries:
        assert db.analyze_bulk(rows, Facility) is ran
    assert len(analyze_statements(queries)) == int(ran)


def test_with_history():
    history = [Facility, Facility.history.model, Sector, Sector.history.model]
    assert db.with_history([Facility, Sector]) == history
    assert db.with_history([Group]) == [Group]  # no history kept
