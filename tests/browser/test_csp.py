"""The Content-Security-Policy holds in Chromium: the dashboard (plotly), a
recording form and the admin run with no inline script and no violation."""

import pytest
from django.core.management import call_command

from programmes.models import Phase
from tests.browser.conftest import DEMO_PASSWORDS, sign_in, wait_until

# One worker runs every test that starts servers (see tests/browser/conftest.py).
pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.xdist_group("servers")]

# Collected before any page script runs; Playwright's init script is exempt from the page's CSP.
RECORD_VIOLATIONS = """
window.cspViolations = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.cspViolations.push(`${e.violatedDirective} ${e.blockedURI} ${e.sourceFile}:${e.lineNumber}`);
});
"""


@pytest.fixture
def pages(db) -> list[str]:
    call_command("load_demo", facilities=500, verbosity=0, password=DEMO_PASSWORDS)
    phase = Phase.objects.get(programme__slug="hanoi-cp", starts_on__year=2011)
    return [
        f"/dashboard/?phase={phase.pk}&as_of=2013-12-31",
        "/record/solutions/new/",
        "/admin/facilities/facility/",
        "/admin/facilities/facility/export/",
    ]


def test_pages_keep_to_the_content_security_policy(live_server, page, pages):
    page.add_init_script(RECORD_VIOLATIONS)
    # The admin's pages name no icon, so Chromium asks for /favicon.ico, which cpdash does not serve.
    problems = []
    page.on(
        "console",
        lambda m: (
            problems.append(f"{m.type}: {m.text} ({m.location.get('url')})")
            if m.type in ("error", "warning") and not m.location.get("url", "").endswith("/favicon.ico")
            else None
        ),
    )
    page.on("pageerror", lambda error: problems.append(f"pageerror: {error}"))
    sign_in(page, live_server, "admin", "admin-demo-2015")
    for path in pages:
        response = page.goto(f"{live_server.url}{path}")
        page.wait_for_load_state("networkidle")
        assert response.status == 200, path
        policy = response.headers.get("content-security-policy", "")
        assert "script-src 'self'" in policy and "frame-ancestors 'none'" in policy, path
        assert "'unsafe-inline'" not in policy.split("script-src", 1)[1].split(";")[0], path
        if path.startswith("/dashboard/"):
            wait_until(
                page,
                "document.querySelectorAll('.chart').length > 0 && "
                "document.querySelectorAll('.chart').length === document.querySelectorAll('.chart-drawn').length",
            )
        assert page.evaluate("window.cspViolations") == [], path
        assert problems == [], path


def test_an_inline_script_would_be_refused(live_server, page, pages):
    """The check above can fail: a script injected as inline text is blocked and reported."""
    page.add_init_script(RECORD_VIOLATIONS)
    sign_in(page, live_server, "admin", "admin-demo-2015")
    page.goto(f"{live_server.url}/record/solutions/new/")
    page.evaluate(
        """() => { const s = document.createElement("script");
                   s.textContent = "window.ranInline = true"; document.body.append(s); }"""
    )
    page.wait_for_timeout(200)
    assert page.evaluate("window.ranInline") is None
    assert any(v.startswith("script-src") for v in page.evaluate("window.cspViolations"))
