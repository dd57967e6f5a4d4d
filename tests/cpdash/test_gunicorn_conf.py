"""gunicorn.conf.py reads its settings from the environment."""

import importlib.util
import multiprocessing
from pathlib import Path
from types import ModuleType

import pytest

CONF = Path(__file__).resolve().parents[2] / "gunicorn.conf.py"


def load(monkeypatch, **env: str) -> ModuleType:
    for name in ("PORT", "BIND", "WEB_CONCURRENCY", "GUNICORN_TIMEOUT", "GUNICORN_THREADS"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    spec = importlib.util.spec_from_file_location("gunicorn_conf", CONF)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_bind_reads_port(monkeypatch):
    assert load(monkeypatch, PORT="9123").bind == "127.0.0.1:9123"


def test_defaults(monkeypatch):
    conf = load(monkeypatch)
    assert conf.bind == "127.0.0.1:8000"
    assert conf.workers == multiprocessing.cpu_count() * 2 + 1
    assert conf.wsgi_app == "cpdash.wsgi:application"
    assert conf.accesslog == "-"
    assert conf.timeout == 120


def test_overrides(monkeypatch):
    conf = load(monkeypatch, BIND="0.0.0.0:80", WEB_CONCURRENCY="3", GUNICORN_TIMEOUT="60")
    assert (conf.bind, conf.workers, conf.timeout) == ("0.0.0.0:80", 3, 60)


def test_gunicorn_accepts_the_file(monkeypatch):
    gunicorn_config = pytest.importorskip("gunicorn.config")
    conf = load(monkeypatch, PORT="9123")
    settings = gunicorn_config.Config()
    for name in ("bind", "workers", "threads", "timeout", "graceful_timeout", "keepalive", "accesslog", "errorlog"):
        settings.set(name, getattr(conf, name))
    assert settings.bind == ["127.0.0.1:9123"]
    assert settings.accesslog == "-"
