"""The bench's shared server parts (bench/server.py) that start nothing: a form's hidden
inputs, the scratch database's name, the production environment, the port."""

import socket

import pytest

from bench import server


def test_hidden_inputs_of_a_form():
    page = (
        '<form><input type="hidden" name="csrfmiddlewaretoken" value="a&amp;b">'
        '<input name="title" value="x"><INPUT TYPE="hidden" name="attendance-TOTAL_FORMS" value="0"></form>'
    )

    assert server.hidden_inputs(page) == {"csrfmiddlewaretoken": "a&b", "attendance-TOTAL_FORMS": "0"}


def test_the_scratch_database_is_named_after_the_url():
    url = "postgres://postgres@127.0.0.1:5432/cpdash_bench"

    assert server.scratch_url(url, "load") == "postgres://postgres@127.0.0.1:5432/cpdash_bench_load"
    assert server.scratch_url(url + "/", "import") == "postgres://postgres@127.0.0.1:5432/cpdash_bench_import"


def test_the_environment_is_production_on_the_given_database(tmp_path, monkeypatch):
    monkeypatch.setenv("DATABASE_REPLICA_URL", "postgres://elsewhere/x")
    monkeypatch.setenv("DJANGO_SETTINGS_MODULE", "cpdash.test_settings")
    monkeypatch.setenv("WEB_CONCURRENCY", "3")

    env = server.environment(tmp_path, 8601, "postgres://postgres@127.0.0.1:5432/cpdash_bench_import")

    assert env["DEBUG"] == "0" and env["PORT"] == "8601" and env["ALLOWED_HOSTS"] == "127.0.0.1"
    assert env["DATABASE_URL"] == "postgres://postgres@127.0.0.1:5432/cpdash_bench_import"
    assert "DATABASE_REPLICA_URL" not in env and "DJANGO_SETTINGS_MODULE" not in env
    assert env["PRIVATE_MEDIA_ROOT"] == str(tmp_path / "private") and len(env["SECRET_KEY"]) >= 50
    assert env["WEB_CONCURRENCY"] == "3"  # this process's own choice, unless the caller's
    assert server.environment(tmp_path, 8601, "sqlite:///x", workers="2")["WEB_CONCURRENCY"] == "2"
    monkeypatch.delenv("WEB_CONCURRENCY")
    assert "WEB_CONCURRENCY" not in server.environment(tmp_path, 8601, "sqlite:///x")


def test_the_port_is_taken_from_bench_ports_when_set(monkeypatch):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        busy = taken.getsockname()[1]
        monkeypatch.setenv("BENCH_PORTS", f"{busy}-{busy}")
        with pytest.raises(RuntimeError, match=str(busy)):
            server.free_port()
    monkeypatch.delenv("BENCH_PORTS")
    assert server.free_port() > 0
