"""cpdash.settings read from the environment. Each case imports the settings in
a fresh interpreter with a clean environment, since they are read once at import."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from cpdash.settings import env_bool, env_list

PROJECT_ROOT = Path(__file__).resolve().parents[2]

PRINT_SETTINGS = """
import json
from cpdash import settings as s
db = s.DATABASES["default"]
print(json.dumps({
    "DEBUG": s.DEBUG,
    "SECRET_KEY": s.SECRET_KEY,
    "ENGINE": db["ENGINE"],
    "NAME": str(db["NAME"]),
    "HOST": db.get("HOST", ""),
    "PORT": db.get("PORT", ""),
    "ATOMIC_REQUESTS": db["ATOMIC_REQUESTS"],
    "SESSION_COOKIE_SECURE": getattr(s, "SESSION_COOKIE_SECURE", False),
    "CSRF_COOKIE_SECURE": getattr(s, "CSRF_COOKIE_SECURE", False),
    "ALLOWED_HOSTS": s.ALLOWED_HOSTS,
}))
"""


def _import_settings(code: str = "import cpdash.settings", **env: str) -> subprocess.CompletedProcess:
    clean_env = {"PATH": os.environ.get("PATH", ""), **env}
    return subprocess.run(
        [sys.executable, "-c", code], env=clean_env, cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=60
    )


def _settings(**env: str) -> dict:
    result = _import_settings(PRINT_SETTINGS, **env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_missing_secret_key_without_debug_stops_the_wsgi_application():
    result = _import_settings("import cpdash.wsgi")
    assert result.returncode != 0
    assert "django.core.exceptions.ImproperlyConfigured: SECRET_KEY is not set." in result.stderr
    assert "DEBUG=1" in result.stderr


def test_empty_secret_key_is_refused_too():
    result = _import_settings("import cpdash.wsgi", SECRET_KEY="", DEBUG="0")
    assert "ImproperlyConfigured: SECRET_KEY is not set." in result.stderr


def test_missing_secret_key_stops_runserver_before_it_listens():
    clean_env = {"PATH": os.environ.get("PATH", "")}
    result = subprocess.run(
        [sys.executable, "manage.py", "runserver", "127.0.0.1:0", "--noreload"],
        env=clean_env,
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    assert "ImproperlyConfigured: SECRET_KEY is not set." in result.stderr


def test_commands_that_serve_nothing_run_without_a_key():
    """makemigrations --check needs no secret: only serving does."""
    clean_env = {"PATH": os.environ.get("PATH", "")}
    result = subprocess.run(
        [sys.executable, "manage.py", "makemigrations", "--check", "--dry-run"],
        env=clean_env,
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert "No changes detected" in result.stdout


def test_debug_without_secret_key_uses_a_development_key():
    settings = _settings(DEBUG="1")
    assert settings["DEBUG"] is True
    assert settings["SECRET_KEY"].startswith("insecure-")


def test_empty_database_url_counts_as_unset():
    settings = _settings(SECRET_KEY="k", DATABASE_URL="")
    assert settings["ENGINE"] == "django.db.backends.sqlite3"


def test_default_database_is_sqlite_in_the_project():
    settings = _settings(SECRET_KEY="k")
    assert settings["ENGINE"] == "django.db.backends.sqlite3"
    assert Path(settings["NAME"]) == PROJECT_ROOT / "db.sqlite3"
    assert settings["ATOMIC_REQUESTS"] is True


def test_database_url_selects_postgresql():
    settings = _settings(SECRET_KEY="k", DATABASE_URL="postgres://u@h:5432/db")
    assert settings["ENGINE"] == "django.db.backends.postgresql"
    assert (settings["NAME"], settings["HOST"], settings["PORT"]) == ("db", "h", 5432)
    assert settings["ATOMIC_REQUESTS"] is True


def test_cookies_are_secure_unless_debug():
    production = _settings(SECRET_KEY="k")
    assert production["SESSION_COOKIE_SECURE"] is True
    assert production["CSRF_COOKIE_SECURE"] is True
    assert _settings(DEBUG="1")["SESSION_COOKIE_SECURE"] is False


def test_allowed_hosts_from_the_environment():
    assert _settings(SECRET_KEY="k", ALLOWED_HOSTS=" cp.example.vn , ,10.0.0.5")["ALLOWED_HOSTS"] == [
        "cp.example.vn",
        "10.0.0.5",
    ]
    assert _settings(SECRET_KEY="k")["ALLOWED_HOSTS"] == ["localhost", "127.0.0.1", "[::1]"]


@pytest.mark.parametrize(
    ("value", "expected"),
    [("1", True), ("TRUE", True), (" yes ", True), ("on", True), ("0", False), ("no", False), ("nonsense", False)],
)
def test_env_bool(monkeypatch, value, expected):
    monkeypatch.setenv("CPDASH_TEST_FLAG", value)
    assert env_bool("CPDASH_TEST_FLAG") is expected


@pytest.mark.parametrize("value", [None, "", "  "])
def test_env_bool_default_when_unset_or_empty(monkeypatch, value):
    if value is None:
        monkeypatch.delenv("CPDASH_TEST_FLAG", raising=False)
    else:
        monkeypatch.setenv("CPDASH_TEST_FLAG", value)
    assert env_bool("CPDASH_TEST_FLAG", default=True) is True
    assert env_bool("CPDASH_TEST_FLAG") is False


def test_env_list(monkeypatch):
    monkeypatch.delenv("CPDASH_TEST_LIST", raising=False)
    assert env_list("CPDASH_TEST_LIST", "a,b") == ["a", "b"]
    monkeypatch.setenv("CPDASH_TEST_LIST", "x, y ,,")
    assert env_list("CPDASH_TEST_LIST", "a,b") == ["x", "y"]


# --- Security: HTTPS, sessions, passwords ----------------------------------------

PRINT_SECURITY = """
import json
from cpdash import settings as s
names = ["SECURE_SSL_REDIRECT", "SECURE_HSTS_SECONDS", "SECURE_HSTS_INCLUDE_SUBDOMAINS", "SECURE_HSTS_PRELOAD",
         "SESSION_COOKIE_AGE", "SESSION_EXPIRE_AT_BROWSER_CLOSE", "SECURE_PROXY_SSL_HEADER"]
print(json.dumps({n: getattr(s, n, None) for n in names}))
"""


def _security(**env: str) -> dict:
    result = _import_settings(PRINT_SECURITY, **env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_production_redirects_to_https_with_a_year_of_hsts():
    settings = _security(SECRET_KEY="k")
    assert settings["SECURE_SSL_REDIRECT"] is True
    assert settings["SECURE_HSTS_SECONDS"] == 31536000
    assert settings["SECURE_HSTS_INCLUDE_SUBDOMAINS"] is True
    assert settings["SECURE_HSTS_PRELOAD"] is True
    assert settings["SECURE_PROXY_SSL_HEADER"] is None


def test_hsts_and_https_redirect_from_the_environment():
    settings = _security(
        SECRET_KEY="k",
        SECURE_SSL_REDIRECT="0",
        SECURE_HSTS_SECONDS="3600",
        SECURE_HSTS_INCLUDE_SUBDOMAINS="0",
        SECURE_HSTS_PRELOAD="no",
        SECURE_PROXY_SSL_HEADER="HTTP_X_FORWARDED_PROTO,https",
    )
    assert settings["SECURE_SSL_REDIRECT"] is False
    assert settings["SECURE_HSTS_SECONDS"] == 3600
    assert settings["SECURE_HSTS_INCLUDE_SUBDOMAINS"] is False
    assert settings["SECURE_HSTS_PRELOAD"] is False
    assert settings["SECURE_PROXY_SSL_HEADER"] == ["HTTP_X_FORWARDED_PROTO", "https"]


def test_development_has_no_https_redirect():
    settings = _security(DEBUG="1")
    # Unset, so Django's defaults (off) apply: `make run` serves plain HTTP.
    assert settings["SECURE_SSL_REDIRECT"] is None
    assert settings["SECURE_HSTS_SECONDS"] is None


def test_sessions_last_a_working_day_and_end_with_the_browser():
    settings = _security(SECRET_KEY="k")
    assert settings["SESSION_COOKIE_AGE"] == 8 * 60 * 60
    assert settings["SESSION_EXPIRE_AT_BROWSER_CLOSE"] is True
    changed = _security(SECRET_KEY="k", SESSION_EXPIRE_AT_BROWSER_CLOSE="0", SESSION_COOKIE_AGE="3600")
    assert changed["SESSION_EXPIRE_AT_BROWSER_CLOSE"] is False
    assert changed["SESSION_COOKIE_AGE"] == 3600


def test_password_validators():
    from django.conf import settings

    names = [v["NAME"].rsplit(".", 1)[1] for v in settings.AUTH_PASSWORD_VALIDATORS]
    assert names == [
        "UserAttributeSimilarityValidator",
        "MinimumLengthValidator",
        "CommonPasswordValidator",
        "NumericPasswordValidator",
    ]


@pytest.mark.parametrize("password", ["short1", "password123", "12345678901", "outsider-x"])
def test_weak_passwords_are_refused(password):
    from django.contrib.auth.models import User
    from django.contrib.auth.password_validation import validate_password
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        validate_password(password, User(username="outsider-x"))


def test_a_long_unusual_password_is_accepted():
    from django.contrib.auth.password_validation import validate_password

    assert validate_password("Bát Tràng gốm 2015 xanh") is None
