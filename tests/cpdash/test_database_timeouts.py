"""A stuck database cannot hang cpdash (cpdash/database.py): PostgreSQL connections
have a connect_timeout and a statement_timeout, and /healthz answers 503 within a
few seconds even when the server accepts connections and then never answers (a
frozen server), where it used to wait on the request's connection forever."""

import socket
import time

import pytest
from django.core.management import call_command
from django.db import connection, connections
from django.urls import reverse

from cpdash.settings import database_config

pytestmark = pytest.mark.django_db

postgresql_only = pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's own settings")


def test_postgresql_connections_have_time_limits_and_no_jit(monkeypatch):
    monkeypatch.delenv("DATABASE_STATEMENT_TIMEOUT", raising=False)
    monkeypatch.delenv("DATABASE_CONNECT_TIMEOUT", raising=False)

    options = database_config("postgres://u@h:5432/db")["OPTIONS"]

    assert options == {"options": "-c jit=off -c statement_timeout=60s", "connect_timeout": 5}


def test_the_time_limits_come_from_the_environment(monkeypatch):
    monkeypatch.setenv("DATABASE_STATEMENT_TIMEOUT", "0")  # no limit
    monkeypatch.setenv("DATABASE_CONNECT_TIMEOUT", "3")

    options = database_config("postgres://u@h:5432/db")["OPTIONS"]

    assert options == {"options": "-c jit=off -c statement_timeout=0s", "connect_timeout": 3}


def test_options_in_the_url_come_after_ours(monkeypatch):
    monkeypatch.delenv("DATABASE_STATEMENT_TIMEOUT", raising=False)
    options = database_config("postgres://u@h:5432/db?options=-c%20statement_timeout%3D5s")["OPTIONS"]
    assert options["options"] == "-c jit=off -c statement_timeout=60s -c statement_timeout=5s"


def test_sqlite_gets_no_postgresql_options_and_a_write_ahead_log():
    """WAL: the worker's long reads (an import's check) block no request (jobs/)."""
    assert database_config("sqlite:///x.sqlite3")["OPTIONS"] == {"init_command": "PRAGMA journal_mode=WAL;"}


@postgresql_only
def test_the_connection_runs_with_the_statement_timeout():
    with connection.cursor() as cursor:
        cursor.execute("SHOW statement_timeout")
        assert cursor.fetchone()[0] == "1min"
        cursor.execute("SHOW jit")
        assert cursor.fetchone()[0] == "off"


@postgresql_only
def test_rebuild_pathway_lifts_the_statement_timeout_for_itself():
    call_command("rebuild_pathway", stdout=None)
    with connection.cursor() as cursor:
        cursor.execute("SHOW statement_timeout")
        assert cursor.fetchone()[0] == "0"


@pytest.fixture
def frozen_server():
    """A port where connections are accepted by the kernel and nothing ever answers,
    as with a stopped (SIGSTOP) or wedged PostgreSQL."""
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen(16)
        yield server.getsockname()[1]


def test_healthz_answers_503_quickly_when_the_database_is_frozen(client, frozen_server, monkeypatch):
    frozen = {
        **connections.settings["default"],
        **database_config(f"postgres://postgres@127.0.0.1:{frozen_server}/cpdash"),
    }
    monkeypatch.setitem(connections.settings, "default", frozen)  # new connections only: the test's own stays

    started = time.monotonic()
    response = client.get(reverse("healthz"))
    waited = time.monotonic() - started

    assert response.status_code == 503
    assert response.json() == {"status": "unavailable", "database": False}
    assert waited < 10  # HEALTH_TIMEOUT is 2 s; before, it waited for as long as the database did


def test_healthz_answers_200_on_its_own_connection(client, django_assert_num_queries):
    with django_assert_num_queries(0):  # nothing on the request's connection: the probe opens its own
        response = client.get(reverse("healthz"))
    assert response.status_code == 200
