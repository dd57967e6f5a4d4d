"""Browser tests: Playwright drives Debian's Chromium (/usr/bin/chromium) against
pytest-django's live server. Playwright never downloads a browser here.

Without Chromium these tests skip, unless CPDASH_REQUIRE_BROWSER=1 (as in
.ci/run), where a missing browser fails the run instead of hiding it.

``make test`` runs the suite on several pytest-xdist workers with ``--dist
loadgroup``. The tests that start servers of their own (these: Chromium and a
live server; tests/cpdash/test_database_outage.py: a PostgreSQL cluster and
runserver) are marked ``xdist_group("servers")``, so that one worker runs
them one after another — one Chromium per run, never two such stacks at once
on a small machine, no race for a free port — while the others run the rest.
"""

import os
import shutil
import time

import pytest
from django.core.servers.basehttp import WSGIServer
from django.test.testcases import LiveServerThread

# Chromium (CHROMIUM, default /usr/bin/chromium) with no network beyond the machine, as the bench drives it.
from bench.server import CHROMIUM, CHROMIUM_ARGS


class SerialWSGIServer(WSGIServer):
    """The live server answering one request at a time.

    pytest-django's live server is threaded, and on in-memory SQLite all its
    threads share the test's one connection: two requests at once (a page and
    the search-as-you-type calls) would collide on it. LiveServerThread.run()
    already gives its own thread the shared connection.
    """

    def __init__(self, *args, connections_override=None, **kwargs):
        super().__init__(*args, **kwargs)


LiveServerThread.server_class = SerialWSGIServer


@pytest.fixture(autouse=True)
def vietnamese_first(settings):
    """Pages in Vietnamese, as production serves them to anyone who has not chosen
    English (cpdash.middleware.ChosenLanguageMiddleware; the tests' settings say English)."""
    settings.LANGUAGE_CODE = "vi"


@pytest.fixture(scope="session")
def browser():
    if not shutil.which(CHROMIUM):
        message = f"Chromium not found at {CHROMIUM} (make test installs Debian's chromium package as root)"
        if os.environ.get("CPDASH_REQUIRE_BROWSER") == "1":
            pytest.fail(message)
        pytest.skip(message)
    # Playwright's sync API runs an event loop in this thread; the ORM calls the
    # tests make around it are synchronous and safe.
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(locale="vi-VN", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.console_problems = []
    page.on(
        "console",
        lambda message: (
            page.console_problems.append(f"{message.type}: {message.text}")
            if message.type in ("error", "warning")
            else None
        ),
    )
    page.on("pageerror", lambda error: page.console_problems.append(f"pageerror: {error}"))
    yield page
    context.close()


#: load_demo draws random passwords for the demo users unless given: the tests give these.
DEMO_PASSWORDS = ["admin=admin-demo-2015", "manager=manager-demo-2015", "staff=staff-demo-2015"]


def sign_in(page, live_server, username: str, password: str) -> None:
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click(".signin button[type=submit]")
    page.wait_for_load_state("networkidle")


def wait_until(page, expression: str, timeout: float = 15.0) -> None:
    """Poll a JavaScript expression until it is truthy. page.wait_for_function would
    evaluate it with eval() in the page, which cpdash's Content-Security-Policy refuses."""
    deadline = time.monotonic() + timeout
    while not page.evaluate(expression):
        if time.monotonic() > deadline:
            raise AssertionError(f"still false after {timeout} s: {expression}")
        page.wait_for_timeout(50)
