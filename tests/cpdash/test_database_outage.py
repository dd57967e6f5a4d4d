"""While the database is down every page answers 503 with a clear message, and
cpdash recovers by itself when it is back (cpdash/middleware.py).

The end-to-end test runs cpdash (``manage.py runserver``) on a private
PostgreSQL cluster that it creates, stops and starts again — never the shared
server the suite itself uses. It needs PostgreSQL's ``initdb`` and the
``postgres`` OS user; without them it is skipped, unless
CPDASH_REQUIRE_PG_RESTART=1 (CI) makes that a failure.
"""

import glob
import http.cookiejar
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.db import InterfaceError, OperationalError
from django.http import HttpResponse
from django.urls import path, reverse
from django.utils import translation

from cpdash.middleware import DatabaseUnavailableMiddleware

PROJECT_ROOT = Path(__file__).resolve().parents[2]
MESSAGE = "cpdash cannot reach its database right now"

# --- The middleware, without a real outage -----------------------------------------------


def _broken_view(request):
    raise OperationalError("could not connect to server: Connection refused")


def _fine_view(request):
    return HttpResponse("fine")


urlpatterns = [path("broken/", _broken_view), path("fine/", _fine_view)]


@pytest.mark.parametrize("error", [OperationalError, InterfaceError])
def test_middleware_turns_a_database_error_into_503(rf, error):
    middleware = DatabaseUnavailableMiddleware(_fine_view)
    response = middleware.process_exception(rf.get("/x"), error("connection already closed"))
    assert response.status_code == 503
    assert MESSAGE in response.content.decode()
    assert "no-cache" in response["Cache-Control"] and "no-store" in response["Cache-Control"]
    assert response["Retry-After"].isdigit()


def test_middleware_leaves_other_errors_alone(rf):
    middleware = DatabaseUnavailableMiddleware(_fine_view)
    assert middleware.process_exception(rf.get("/x"), ValueError("bug")) is None
    assert middleware(rf.get("/x")).content == b"fine"


@pytest.mark.django_db
def test_a_view_raising_operational_error_answers_503(client, settings):
    settings.ROOT_URLCONF = __name__
    settings.SECURE_SSL_REDIRECT = False
    response = client.get("/broken/")
    assert response.status_code == 503
    assert MESSAGE in response.content.decode()
    assert client.get("/fine/").status_code == 200


def test_the_503_page_is_translated():
    from cpdash.middleware import unavailable_response

    with translation.override("vi"):
        content = unavailable_response().content.decode()
    assert MESSAGE not in content
    assert 'lang="vi"' in content


@pytest.mark.django_db
def test_pages_answer_503_when_the_database_cannot_be_reached(client, admin_user, settings, monkeypatch):
    from django.db import connections

    settings.SECURE_SSL_REDIRECT = False
    client.force_login(admin_user)

    def refuse(*args, **kwargs):
        raise OperationalError("could not connect to server")

    monkeypatch.setattr(type(connections["default"]), "ensure_connection", refuse)  # /healthz's connection too
    for url in (reverse("home"), reverse("facilities:list"), reverse("login")):
        response = client.get(url)
        assert response.status_code == 503, url
        assert MESSAGE in response.content.decode()
    assert client.get(reverse("healthz")).status_code == 503


@pytest.mark.django_db
@pytest.mark.parametrize(
    "url", ["/api/indicators.json", "/api/indicators/series.json", "/record/facilities/search.json?q=gom"]
)
def test_the_api_answers_503_as_json(client, admin_user, settings, monkeypatch, url):
    """Programs read the API: its 503 is JSON like its other errors, not the HTML page."""
    from django.db import connection

    settings.SECURE_SSL_REDIRECT = False
    client.force_login(admin_user)

    def refuse(*args, **kwargs):
        raise OperationalError("could not connect to server")

    monkeypatch.setattr(connection, "ensure_connection", refuse)
    response = client.get(url)

    assert response.status_code == 503
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"error": MESSAGE + ". Nothing you saved before is lost.", "retry_after": 30}
    assert response["Retry-After"] == "30"
    assert "no-store" in response["Cache-Control"]


def test_the_api_503_is_translated(rf):
    middleware = DatabaseUnavailableMiddleware(_broken_view)
    with translation.override("vi"):
        response = middleware(rf.get("/api/indicators.json"))
    assert response.status_code == 503
    error = json.loads(response.content)["error"]
    assert error.startswith("cpdash hiện không kết nối được")


# --- A real outage: a private PostgreSQL cluster stopped and started again ---------------

REQUIRED = os.environ.get("CPDASH_REQUIRE_PG_RESTART") == "1"
TIMEOUT = 60  # seconds, for any one step (initdb, start, migrate, a request)


def _initdb() -> str | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    return found[-1] if found else shutil.which("initdb")


def _skip_reason() -> str | None:
    if not _initdb():
        return "PostgreSQL's initdb is not installed"
    if os.geteuid() == 0 and not shutil.which("runuser"):
        return "runuser is needed to run initdb as the postgres user"
    if os.geteuid() == 0:
        try:
            import pwd

            pwd.getpwnam("postgres")
        except KeyError:
            return "there is no postgres OS user to run initdb as"
    return None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Cluster:
    bin_dir: str
    data: str
    sockets: str
    log: str
    port: int

    def _run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        command = [os.path.join(self.bin_dir, args[0]), *args[1:]]
        if os.geteuid() == 0:  # initdb and postgres refuse to run as root
            command = ["runuser", "-u", "postgres", "--", *command]
        return subprocess.run(command, check=check, capture_output=True, text=True, timeout=TIMEOUT)

    def init(self) -> None:
        self._run("initdb", "-D", self.data, "-A", "trust", "-U", "postgres", "--no-sync", "-E", "UTF8")

    def start(self) -> None:
        options = f"-k {self.sockets} -c listen_addresses=127.0.0.1 -p {self.port} -c fsync=off"
        self._run("pg_ctl", "-D", self.data, "-l", self.log, "-o", options, "-w", "-t", str(TIMEOUT), "start")

    def stop(self) -> None:
        self._run("pg_ctl", "-D", self.data, "-m", "fast", "-w", "-t", str(TIMEOUT), "stop", check=False)

    @property
    def url(self) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/postgres"


@pytest.fixture
def cluster() -> Iterator[Cluster]:
    reason = _skip_reason()
    if reason:
        if REQUIRED:
            pytest.fail(f"CPDASH_REQUIRE_PG_RESTART=1 but {reason}")
        pytest.skip(reason)
    root = tempfile.mkdtemp(prefix="cpdash-outage-")
    if os.geteuid() == 0:
        shutil.chown(root, "postgres", "postgres")
    os.chmod(root, 0o755)  # the test (root) reads the server log
    found = Cluster(os.path.dirname(_initdb()), f"{root}/data", root, f"{root}/server.log", _free_port())
    try:
        found.init()
        found.start()
        yield found
    finally:
        found.stop()
        shutil.rmtree(root, ignore_errors=True)


class Browser:
    """A cookie-keeping HTTP client that returns (status, body) and never follows redirects."""

    class _NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    def __init__(self, base: str) -> None:
        self.base = base
        self.cookies = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.cookies), self._NoRedirect())

    def request(self, url: str, data: dict | None = None) -> tuple[int, str]:
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        try:
            with self.opener.open(self.base + url, body, timeout=TIMEOUT) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode()

    def csrf_post(self, url: str, data: dict) -> tuple[int, str]:
        status, page = self.request(url)
        assert status == 200, page[:500]
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)[1]
        return self.request(url, {**data, "csrfmiddlewaretoken": token})


def _manage(env: dict, *args: str) -> None:
    subprocess.run(
        [sys.executable, "manage.py", *args], cwd=PROJECT_ROOT, env=env, check=True, capture_output=True, timeout=180
    )


@pytest.fixture
def server(cluster) -> Iterator[tuple[Cluster, Browser]]:
    """cpdash served by runserver (DEBUG off) on ``cluster``, migrated, with a superuser "boss"."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "cpdash.settings",
        "DATABASE_URL": cluster.url,
        "SECRET_KEY": "outage-test-secret-key",
        "DEBUG": "",
        "CPDASH_PLAIN_STATIC": "1",
        "SECURE_SSL_REDIRECT": "0",
        "SESSION_COOKIE_SECURE": "0",
        "CSRF_COOKIE_SECURE": "0",
        "LANGUAGE_CODE": "en",
        "CONN_MAX_AGE": "60",
    }
    _manage(env, "migrate", "--noinput")
    _manage(
        env,
        "shell",
        "-c",
        "from django.contrib.auth.models import User; from tests import builders; "
        "User.objects.create_superuser('boss', 'boss@example.test', 'boss-pass-123'); "
        "builders.unit('Đông Anh')",
    )
    port = _free_port()
    process = subprocess.Popen(
        [sys.executable, "manage.py", "runserver", "--noreload", f"127.0.0.1:{port}"],
        cwd=PROJECT_ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        browser = Browser(f"http://127.0.0.1:{port}")
        deadline = time.monotonic() + TIMEOUT
        while True:
            try:
                if browser.request("/healthz")[0] == 200:
                    break
            except OSError:
                pass
            assert process.poll() is None, "runserver exited"
            assert time.monotonic() < deadline, "runserver did not answer in time"
            time.sleep(0.2)
        yield cluster, browser
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


@pytest.mark.slow
@pytest.mark.xdist_group("servers")  # with the browser tests: see tests/browser/conftest.py
def test_postgresql_restart_gives_503_then_recovers_with_nothing_lost(server):
    cluster, browser = server
    status, _page = browser.csrf_post(reverse("login"), {"username": "boss", "password": "boss-pass-123"})
    assert status == 302
    status, page = browser.csrf_post(
        reverse("programmes:specialist_appoint"),
        {"unit": _unit_id(browser), "name": "Nguyễn Thị Hoa", "position": "", "appointed_on": "2012-03-01"},
    )
    assert status == 302, page[:2000]
    pages = [reverse("home"), reverse("programmes:specialist_list"), reverse("facilities:list"), reverse("login")]

    cluster.stop()
    for url in pages:
        status, page = browser.request(url)
        assert status == 503, (url, page[:500])
        assert MESSAGE in page
    assert browser.request(reverse("healthz"))[0] == 503
    status, _page = browser.request(reverse("programmes:specialist_appoint"), {"name": "lost"})
    assert status in (403, 503)  # no CSRF token reachable either way; nothing can be written

    cluster.start()
    for url in pages:
        status, page = browser.request(url)
        assert status == 200, (url, page[:500])
    assert browser.request(reverse("healthz"))[0] == 200
    assert "Nguyễn Thị Hoa" in browser.request(reverse("programmes:specialist_list"))[1]


def _unit_id(browser: Browser) -> str:
    _status, page = browser.request(reverse("programmes:specialist_appoint"))
    return re.search(r'<option value="(\d+)"[^>]*>Đông Anh</option>', page)[1]
