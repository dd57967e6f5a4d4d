"""The read replica: the dashboards' reads go to it when DATABASE_REPLICA_URL is
set, everything else (and every write) to "default"; without it, all to "default".

In-process tests add a "replica" alias on the test database, as a test mirror of
"default", the way the settings make it. A separate connection only sees committed
data, so those tests are transactional."""

import copy
import datetime as dt
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections, router
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cpdash.routers import REPLICA, ReplicaRouter, reading_from_replica, reads_from_replica
from programmes.models import Specialist
from targets.models import Target
from tests import builders
from tests.programmes.conftest import grant
from tests.targets.conftest import small_world

PROJECT_ROOT = Path(__file__).resolve().parents[2]

with_replica = pytest.mark.django_db(transaction=True, databases=[DEFAULT_DB_ALIAS, REPLICA])

#: The tables of the programme's data (not sign-in, sessions or permissions).
DATA_TABLES = ("targets_", "programmes_", "facilities_")


@pytest.fixture(scope="module")
def replica(django_db_setup):
    """A "replica" alias on the test database. Module-scoped so that it exists before
    pytest-django checks the aliases a test names in ``django_db(databases=…)``."""
    assert REPLICA not in connections.settings, "cpdash.test_settings drops any configured replica"
    config = copy.deepcopy(connections[DEFAULT_DB_ALIAS].settings_dict)  # NAME: the test database
    config.update(ATOMIC_REQUESTS=False)
    config["TEST"]["MIRROR"] = DEFAULT_DB_ALIAS
    connections.settings[REPLICA] = config
    settings.DATABASES[REPLICA] = config
    yield REPLICA
    connections[REPLICA].close()
    del connections[REPLICA]
    connections.settings.pop(REPLICA, None)
    settings.DATABASES.pop(REPLICA, None)


def data_queries(captured: CaptureQueriesContext) -> list[str]:
    return [q["sql"] for q in captured.captured_queries if any(t in q["sql"] for t in DATA_TABLES)]


@with_replica
def test_the_dashboard_reads_the_replica(replica, client, manager_user):
    world = small_world(3)
    client.force_login(grant(manager_user, "targets.view_target"))
    with (
        CaptureQueriesContext(connections[DEFAULT_DB_ALIAS]) as on_default,
        CaptureQueriesContext(connections[REPLICA]) as on_replica,
    ):
        response = client.get(reverse("targets:dashboard"), {"phase": world.phase.pk, "as_of": "2012-12-31"})
    assert response.status_code == 200
    assert len(response.context["cards"]) == len(world.targets)
    assert any("targets_target" in sql for sql in data_queries(on_replica))
    # Default answered the sign-in and permission checks only.
    assert data_queries(on_default) == []
    assert not any(q["sql"].lstrip().upper().startswith("INSERT") for q in on_replica.captured_queries)


@with_replica
def test_the_indicators_api_reads_the_replica(replica, client, manager_user):
    world = small_world(1)
    client.force_login(grant(manager_user, "targets.view_target"))
    with (
        CaptureQueriesContext(connections[DEFAULT_DB_ALIAS]) as on_default,
        CaptureQueriesContext(connections[REPLICA]) as on_replica,
    ):
        response = client.get(reverse("targets:indicators"), {"programme": world.programme.slug})
    assert response.status_code == 200
    assert data_queries(on_replica)
    assert data_queries(on_default) == []


@with_replica
def test_a_staff_write_goes_to_default(replica, client, staff_user):
    unit = builders.unit()
    client.force_login(grant(staff_user, "programmes.add_specialist", "programmes.view_specialist"))
    data = {"unit": unit.pk, "name": "Nguyễn Văn A", "position": "", "appointed_on": "2012-01-01"}
    with (
        CaptureQueriesContext(connections[DEFAULT_DB_ALIAS]) as on_default,
        CaptureQueriesContext(connections[REPLICA]) as on_replica,
    ):
        response = client.post(reverse("programmes:specialist_appoint"), data)
    assert response.status_code == 302, response.content.decode()
    assert Specialist.objects.filter(name="Nguyễn Văn A").exists()
    assert any(
        q["sql"].lstrip().upper().startswith("INSERT") and "programmes_specialist" in q["sql"] for q in on_default
    )
    # The recording pages do not opt in: nothing, not even a read, on the replica.
    assert on_replica.captured_queries == []


@with_replica
def test_writes_inside_replica_code_go_to_default(replica):
    unit = builders.unit()
    with reading_from_replica(), CaptureQueriesContext(connections[REPLICA]) as on_replica:
        specialist = Specialist.objects.create(unit=unit, name="B", appointed_on=dt.date(2012, 1, 1))
        assert Specialist.objects.get(pk=specialist.pk)._state.db == REPLICA
    assert specialist._state.db == DEFAULT_DB_ALIAS
    assert [q["sql"] for q in on_replica.captured_queries if "INSERT" in q["sql"].upper()] == []
    assert len(on_replica.captured_queries) == 1  # the get()


def test_the_router_with_a_replica(replica):
    replica_router = ReplicaRouter()
    assert replica_router.db_for_read(Target) == DEFAULT_DB_ALIAS
    with reading_from_replica():
        assert replica_router.db_for_read(Target) == REPLICA
        assert replica_router.db_for_write(Target) == DEFAULT_DB_ALIAS
        assert router.db_for_read(Target) == REPLICA  # the one in settings.DATABASE_ROUTERS
    assert replica_router.db_for_read(Target) == DEFAULT_DB_ALIAS
    assert replica_router.allow_migrate(DEFAULT_DB_ALIAS, "targets") is True
    assert replica_router.allow_migrate(REPLICA, "targets") is False
    from_default, from_replica = Target(), Target()
    from_default._state.db, from_replica._state.db = DEFAULT_DB_ALIAS, REPLICA
    assert replica_router.allow_relation(from_default, from_replica) is True


def test_the_decorator_opts_in_only_while_the_view_runs(replica):
    @reads_from_replica
    def view(request):
        """The view's docstring."""
        return router.db_for_read(Target)

    assert view(None) == REPLICA
    assert router.db_for_read(Target) == DEFAULT_DB_ALIAS
    assert view.__doc__ == "The view's docstring."


def test_the_context_is_restored_after_an_error(replica):
    with pytest.raises(ZeroDivisionError), reading_from_replica():
        1 / 0  # noqa: B018
    assert router.db_for_read(Target) == DEFAULT_DB_ALIAS


# --- The setting, read in a fresh interpreter (settings are read once at import) ---------------

ROUTING = """
import json, django
django.setup()
from django.conf import settings
from django.db import router
from cpdash.routers import reading_from_replica
from targets.models import Target
with reading_from_replica():
    inside = router.db_for_read(Target), router.db_for_write(Target)
print(json.dumps({
    "aliases": sorted(settings.DATABASES),
    "replica": settings.DATABASES.get("replica"),
    "read_inside": inside[0],
    "write_inside": inside[1],
    "read_outside": router.db_for_read(Target),
}, default=str))
"""


def _routing(**env: str) -> dict:
    clean_env = {"PATH": os.environ.get("PATH", ""), "DJANGO_SETTINGS_MODULE": "cpdash.settings", **env}
    result = subprocess.run(
        [sys.executable, "-c", ROUTING], env=clean_env, cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


@pytest.mark.parametrize("value", [None, ""])
def test_without_the_setting_everything_uses_default(value):
    env = {"SECRET_KEY": "k"} if value is None else {"SECRET_KEY": "k", "DATABASE_REPLICA_URL": value}
    routing = _routing(**env)
    assert routing["aliases"] == ["default"]
    assert (routing["read_inside"], routing["write_inside"], routing["read_outside"]) == ("default",) * 3


def test_the_setting_adds_a_replica_configured_like_default():
    routing = _routing(
        SECRET_KEY="k",
        DATABASE_URL="postgres://u@primary:5432/cpdash",
        DATABASE_REPLICA_URL="postgres://u@standby:5432/cpdash",
        CONN_MAX_AGE="30",
    )
    assert routing["aliases"] == ["default", "replica"]
    replica = routing["replica"]
    assert (replica["ENGINE"], replica["HOST"], replica["NAME"]) == (
        "django.db.backends.postgresql",
        "standby",
        "cpdash",
    )
    assert replica["OPTIONS"] == {"options": "-c jit=off -c statement_timeout=60s", "connect_timeout": 5}
    assert (replica["CONN_MAX_AGE"], replica["CONN_HEALTH_CHECKS"]) == (30, True)
    assert replica["ATOMIC_REQUESTS"] is False
    assert replica["TEST"]["MIRROR"] == "default"
    assert (routing["read_inside"], routing["write_inside"], routing["read_outside"]) == (
        "replica",
        "default",
        "default",
    )
