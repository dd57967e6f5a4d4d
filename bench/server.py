"""The production set-up the bench's server parts share (bench/pages.py, bench/load.py,
bench/browser_import.py): gunicorn from gunicorn.conf.py with ``DEBUG=0`` and
``collectstatic`` into whitenoise's storage on a free 127.0.0.1 port, started, waited for
(``/healthz``) and stopped; the background-job worker beside it; accounts signed in through
the sign-in page, over plain HTTP or in Chromium; and the scratch PostgreSQL database the
load and the browser import fill, ``<DATABASE_URL's name>_<suffix>`` (dropped at the end).

Nothing here measures anything: each part times what it needs.
"""

import html
import os
import re
import secrets
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from http.cookiejar import CookieJar
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
#: Chromium with no network beyond the machine: no background fetches that would fail (the
#: browser tests launch it so too, tests/browser/conftest.py).
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
#: How long the server may take to answer /healthz, and a page to settle (seconds).
SERVER_START_TIMEOUT = 60
PAGE_TIMEOUT = 60
INPUT = re.compile(r"<input\b[^>]*>", re.IGNORECASE)
ATTRIBUTE = re.compile(r'([\w-]+)\s*=\s*"([^"]*)"')


def log(message: str = "") -> None:
    print(message, flush=True)


def free_port() -> int:
    """A free port on 127.0.0.1: the first of BENCH_PORTS (e.g. "8600-8699") free, or any."""
    first, _, last = os.environ.get("BENCH_PORTS", "").partition("-")
    candidates = range(int(first), int(last or first) + 1) if first else [0]
    for port in candidates:
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
            return probe.getsockname()[1]
    raise RuntimeError(f"no free port in BENCH_PORTS={os.environ['BENCH_PORTS']}")


def environment(folder: Path, port: int, database_url: str, workers: str | None = None) -> dict[str, str]:
    """Production settings (DEBUG off) on ``database_url``, with the static files and private
    media in ``folder``; ``workers`` sets WEB_CONCURRENCY (None: gunicorn.conf.py's own count,
    unless this process's WEB_CONCURRENCY says otherwise)."""
    env = {key: value for key, value in os.environ.items() if not key.startswith(("DATABASE_", "DJANGO_"))}
    env.pop("WEB_CONCURRENCY", None)
    env.update(
        DEBUG="0",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="127.0.0.1",
        DATABASE_URL=database_url,
        STATIC_ROOT=str(folder / "static"),
        PRIVATE_MEDIA_ROOT=str(folder / "private"),
        PORT=str(port),
        # Plain HTTP on the loopback, where Chromium asks for Brotli as it does over HTTPS.
        SECURE_SSL_REDIRECT="0",
        SESSION_COOKIE_SECURE="0",
        CSRF_COOKIE_SECURE="0",
        SECURE_HSTS_SECONDS="0",
    )
    workers = workers or os.environ.get("WEB_CONCURRENCY")
    if workers:
        env["WEB_CONCURRENCY"] = workers
    return env


def manage(env: dict[str, str], *args: str) -> str:
    done = subprocess.run([PYTHON, "manage.py", *args], cwd=ROOT, env=env, check=True, capture_output=True, text=True)
    return done.stdout


def stop(process: subprocess.Popen) -> None:
    """Ends a process this module started (SIGTERM, then SIGKILL after 30 s)."""
    process.terminate()
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@contextmanager
def gunicorn(folder: Path, env: dict[str, str]) -> Iterator[str]:
    """Yields the base URL while gunicorn (gunicorn.conf.py) serves ``env``'s database on
    127.0.0.1:PORT, after collectstatic; its output in ``folder``/gunicorn.log."""
    started = time.perf_counter()
    manage(env, "collectstatic", "--noinput", "-v", "0")
    log(f"collectstatic in {time.perf_counter() - started:.0f} s")
    command = [str(Path(PYTHON).with_name("gunicorn")), "--config", "gunicorn.conf.py"]
    with open(folder / "gunicorn.log", "w") as output:
        server = subprocess.Popen(command, cwd=ROOT, env=env, stdout=output, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{env['PORT']}"
    try:
        wait_for(base, server)
        yield base
    finally:
        stop(server)


@contextmanager
def worker(folder: Path, env: dict[str, str]) -> Iterator[subprocess.Popen]:
    """One background-job worker (``manage.py db_worker``, as ``make worker`` runs it: no
    statement timeout) on ``env``'s database while the block runs; its output in
    ``folder``/worker.log."""
    command = [PYTHON, "manage.py", "db_worker", "--interval", "1", "--no-reload"]
    with open(folder / "worker.log", "w") as output:
        process = subprocess.Popen(
            command, cwd=ROOT, env={**env, "DATABASE_STATEMENT_TIMEOUT": "0"}, stdout=output, stderr=subprocess.STDOUT
        )
    try:
        yield process
    finally:
        stop(process)


def wait_for(base: str, server: subprocess.Popen) -> None:
    deadline = time.monotonic() + SERVER_START_TIMEOUT
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"gunicorn exited with {server.returncode}")
        try:
            with urllib.request.urlopen(f"{base}/healthz", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.5)
    raise RuntimeError(f"gunicorn did not answer within {SERVER_START_TIMEOUT} s")


def worker_count(log_file: Path) -> int:
    """How many workers gunicorn booted, from its log."""
    return log_file.read_text(errors="replace").count("Booting worker with pid")


# --- Signing in -----------------------------------------------------------------------------------


def hidden_inputs(page: str) -> dict[str, str]:
    """A page's hidden inputs (CSRF token, submit-once token, formset counts), by name."""
    found = {}
    for tag in INPUT.findall(page):
        attributes = {name.lower(): html.unescape(value) for name, value in ATTRIBUTE.findall(tag)}
        if attributes.get("type", "").lower() == "hidden" and "name" in attributes:
            found[attributes["name"]] = attributes.get("value", "")
    return found


def sign_in(base: str, username: str, password: str) -> dict[str, str]:
    """Signs ``username`` in through the sign-in page over plain HTTP; its cookies (session, CSRF)."""
    jar = CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    with opener.open(f"{base}/accounts/login/", timeout=60) as response:
        hidden = hidden_inputs(response.read().decode())
    body = urllib.parse.urlencode({**hidden, "username": username, "password": password}).encode()
    request = urllib.request.Request(f"{base}/accounts/login/", data=body, headers={"Referer": f"{base}/"})
    with opener.open(request, timeout=60) as response:
        if "/accounts/login/" in response.geturl():
            raise RuntimeError(f"could not sign in as {username}")
    return {cookie.name: cookie.value for cookie in jar}


def browser_sign_in(page, base: str, username: str, password: str) -> None:
    """Signs ``username`` in through the sign-in page in a Playwright page."""
    page.goto(f"{base}/accounts/login/", timeout=PAGE_TIMEOUT * 1000)
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click(".signin button[type=submit]")
    page.wait_for_load_state("networkidle")
    if "/accounts/login/" in page.url:
        raise RuntimeError(f"could not sign in as {username}")


# --- The scratch database (PostgreSQL) ------------------------------------------------------------


def scratch_url(url: str, suffix: str) -> str:
    """DATABASE_URL with its database name followed by "_<suffix>"."""
    parts = urllib.parse.urlsplit(url)
    return urllib.parse.urlunsplit(parts._replace(path=f"{parts.path.rstrip('/')}_{suffix}"))


def fill(size: int) -> dict:
    """DATABASE_URL's database (Django set up on it: bench.run.setup_django) dropped and
    created again from a migrated template, with ``size`` facilities generated as ``make
    bench`` does; what loading took."""
    from bench.run import PostgresDatabases, load

    databases = PostgresDatabases()
    databases.prepare()
    databases.fresh()
    took = load(size)
    databases.drop_template()
    return took


def create_accounts(password: str, groups: dict[str, str | None]) -> None:
    """Accounts by username, each in its group (None: a superuser), with ``password`` hashed
    by the server's own hasher (the bench's settings hash with MD5, which production refuses)."""
    from django.contrib.auth.hashers import PBKDF2PasswordHasher
    from django.contrib.auth.models import Group, User

    hasher = PBKDF2PasswordHasher()
    for username, group in groups.items():
        user = User.objects.create(
            username=username,
            password=hasher.encode(password, hasher.salt()),
            is_staff=group is None,
            is_superuser=group is None,
        )
        if group is not None:
            user.groups.add(Group.objects.get(name=group))


def drop(url: str) -> None:
    """Drops DATABASE_URL's (scratch) database."""
    from django.db import connection

    from bench.run import PostgresDatabases

    databases = PostgresDatabases()
    connection.close()
    databases._admin(f'DROP DATABASE IF EXISTS "{databases.name}" WITH (FORCE)')
    log(f"dropped {urllib.parse.urlsplit(url).path.lstrip('/')}")
