"""``make bench``: what each page type weighs over the network, cold and warm, in Chromium.

Staff open cpdash on phones over mobile data, so what counts is the bytes a page
pulls over the wire: its HTML, its CSS and scripts (compressed), and on the chart
pages plotly.js. This module measures them with the production set-up and nothing
else: ``DEBUG=0``, ``collectstatic`` into whitenoise's
``CompressedManifestStaticFilesStorage`` (cpdash/settings.py), gunicorn with
gunicorn.conf.py on 127.0.0.1. Plain HTTP: on the loopback Chromium asks for
Brotli (``Accept-Encoding: gzip, deflate, br, zstd``) as it does over HTTPS,
which is how phones reach the real server; elsewhere on plain HTTP it would not.

Steps: in a scratch folder, a SQLite database is migrated and filled with
``load_demo`` (page weight does not depend on the database engine), the static
files are collected there (``STATIC_ROOT``), gunicorn serves them on a free
loopback port, and Playwright drives Debian's Chromium (never a downloaded one).
For each page type, in a fresh browser context: sign in as the page's user, clear
the browser cache (Network.clearBrowserCache), open the page (*cold*: empty
cache), then open it again (*warm*: a repeat visit with the cache as the first
visit left it). The bytes are Chromium's own count, the Chrome DevTools Protocol's
``Network.loadingFinished.encodedDataLength``: everything received for a request,
headers included, compressed as it travelled; a response served from the cache
counts 0.

Goals (issue 12, "Light pages"): the dashboard at most 1.5 MB cold and 150 kB
warm (decimal units: 1,500,000 and 150,000 bytes), and no page without charts
loads plotly.js. Writes bench/results-pages.json; docs/performance.md, "Page
weight", holds the figures. Alone: ``.venv/bin/python -m bench.pages``.
"""

import json
import secrets
import shutil
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path

from bench.server import (
    CHROMIUM,
    CHROMIUM_ARGS,
    PAGE_TIMEOUT,
    ROOT,
    browser_sign_in,
    environment,
    free_port,
    gunicorn,
    log,
    manage,
)

#: A phone's screen (issue 12 measured at 390 × 844).
VIEWPORT = {"width": 390, "height": 844}
DASHBOARD_COLD_GOAL = 1_500_000
DASHBOARD_WARM_GOAL = 150_000
#: How plotly.js's (hashed) address starts: vendor/plotly/plotly.min.<hash>.js.
PLOTLY = "/static/vendor/plotly/plotly.min."
PASSWORD = "bench-pages-" + secrets.token_urlsafe(12)


@dataclass(frozen=True)
class PageType:
    label: str
    user: str
    #: The address; "{facility}" is replaced by a demo facility's code.
    path: str
    charts: bool = False
    #: At most this many bytes transferred on the first visit and on a repeat visit.
    cold_goal: int | None = None
    warm_goal: int | None = None
    #: What the browser says it accepts, when not its own (Network.setExtraHTTPHeaders).
    accept_encoding: str | None = None


DASHBOARD = PageType(
    "dashboard", "manager", "/dashboard/", charts=True, cold_goal=DASHBOARD_COLD_GOAL, warm_goal=DASHBOARD_WARM_GOAL
)
#: The dashboard for a browser that takes no Brotli (one on plain HTTP, or an old one): for the record, no goal.
DASHBOARD_GZIP = PageType(
    "dashboard, gzip only", "manager", "/dashboard/", charts=True, accept_encoding="gzip, deflate"
)

PAGES = (
    DASHBOARD,
    PageType("annual report", "manager", "/reports/2015/", charts=True),
    PageType("facility list", "manager", "/facilities/"),
    PageType("facility page", "manager", "/facilities/{facility}/"),
    PageType("staff record form (solution)", "staff", "/record/solutions/new/"),
    PageType("home (staff)", "staff", "/"),
    PageType("home (manager)", "manager", "/"),
    PageType("admin index", "admin", "/admin/"),
    DASHBOARD_GZIP,
)


@dataclass
class Transfer:
    """One request of a visit, as Chromium's network events tell it."""

    url: str
    kind: str = ""
    status: int | None = None
    encoding: str = ""
    bytes: int = 0
    cached: bool = False


@dataclass
class Visit:
    transfers: list[Transfer] = field(default_factory=list)

    @property
    def total(self) -> int:
        return sum(transfer.bytes for transfer in self.transfers)

    @property
    def plotly(self) -> bool:
        """Whether the page asked for plotly.js at all (from the network or the cache)."""
        return any(PLOTLY in transfer.url for transfer in self.transfers)

    def by_kind(self) -> dict[str, int]:
        kinds: dict[str, int] = {}
        for transfer in self.transfers:
            kinds[transfer.kind] = kinds.get(transfer.kind, 0) + transfer.bytes
        return kinds


def verdict(page: PageType, cold: Visit, warm: Visit | None) -> str:
    """The goals this page type is held to, met or not."""
    warm = warm or Visit()
    missed = []
    if not page.charts and (cold.plotly or warm.plotly):
        missed.append("loads plotly.js without a chart")
    if page.cold_goal is not None and cold.total > page.cold_goal:
        missed.append(f"cold > {kb(page.cold_goal)}")
    if page.warm_goal is not None and warm.total > page.warm_goal:
        missed.append(f"warm > {kb(page.warm_goal)}")
    if missed:
        return "NOT MET: " + ", ".join(missed)
    goals = [f"{name} ≤ {kb(goal)}" for name, goal in (("cold", page.cold_goal), ("warm", page.warm_goal)) if goal]
    if not page.charts:
        goals.append("no plotly.js")
    return f"met ({', '.join(goals)})" if goals else "—"


def kb(size: int | None) -> str:
    """Bytes as decimal kilobytes, one decimal: 1,110,953 → '1,111.0 kB'."""
    return "—" if size is None else f"{size / 1000:,.1f} kB"


def warm_total(result: dict) -> int | None:
    return result["warm"]["total"] if result["warm"] else None


def part(result: dict, kind: str = "", url: str = "") -> int:
    """Bytes of the cold visit's requests of this kind (Document, Script, …) or whose address holds ``url``."""
    return sum(
        transfer["bytes"]
        for transfer in result["cold"]["transfers"]
        if (not kind or transfer["kind"] == kind) and url in transfer["url"]
    )


def plotly_cell(result: dict) -> str:
    return kb(part(result, url=PLOTLY)) if result["plotly"] else "not loaded"


def lines(results: list[dict]) -> list[str]:
    """The console's table: one line per page type."""
    width = max(len(result["label"]) for result in results)
    out = [f"{'page':<{width}}  {'cold':>11}  {'warm':>11}  {'requests':>8}  {'plotly.js':>11}  goal"]
    for result in results:
        out.append(
            f"{result['label']:<{width}}  {kb(result['cold']['total']):>11}  {kb(warm_total(result)):>11}  "
            f"{len(result['cold']['transfers']):>8}  {plotly_cell(result):>11}  {result['goal']}"
        )
    return out


def markdown(results: list[dict]) -> str:
    """The table for docs/performance.md."""
    out = [
        "| page | signed in as | cold | of which HTML | of which plotly.js | warm | requests | goal |",
        "|---|---|---:|---:|---:|---:|---:|---|",
    ]
    for result in results:
        out.append(
            f"| {result['label']} | {result['user']} | {kb(result['cold']['total'])} "
            f"| {kb(part(result, kind='Document'))} | {plotly_cell(result)} | {kb(warm_total(result))} "
            f"| {len(result['cold']['transfers'])} | {result['goal']} |"
        )
    return "\n".join(out)


def result(page: PageType, path: str, cold: Visit, warm: Visit | None) -> dict:
    return {
        "label": page.label,
        "user": page.user,
        "path": path,
        "charts": page.charts,
        "accept_encoding": page.accept_encoding,
        "plotly": cold.plotly or bool(warm and warm.plotly),
        "goal": verdict(page, cold, warm),
        "cold": {"total": cold.total, "by_kind": cold.by_kind(), "transfers": [asdict(t) for t in cold.transfers]},
        "warm": warm
        and {"total": warm.total, "by_kind": warm.by_kind(), "transfers": [asdict(t) for t in warm.transfers]},
    }


# --- The production server ------------------------------------------------------------------


@contextmanager
def production_server(folder: Path) -> Iterator[tuple[str, str]]:
    """Yields (base URL, a demo facility's code) while gunicorn serves the demo data from a
    scratch SQLite database in ``folder``."""
    # Two workers: the browser loads a page's files one or two at a time.
    env = environment(folder, free_port(), f"sqlite:///{folder / 'pages.sqlite3'}", workers="2")
    started = time.perf_counter()
    manage(env, "migrate", "--noinput", "-v", "0")
    manage(env, "load_demo", *(f"--password={user}={PASSWORD}" for user in ("admin", "manager", "staff")))
    facility = manage(
        env,
        "shell",
        "--no-imports",
        "-c",
        "from programmes.models import Solution; "
        "print(Solution.objects.order_by('facility__code').values_list('facility__code', flat=True).first())",
    ).strip()
    log(f"demo data loaded in {time.perf_counter() - started:.0f} s")
    with gunicorn(folder, env) as base:
        yield base, facility


# --- The browser ----------------------------------------------------------------------------


class Recorder:
    """Collects a page's requests from the Chrome DevTools Protocol's Network events."""

    def __init__(self, cdp, base: str) -> None:
        self.base = base
        self.transfers: dict[str, Transfer] = {}
        self.accept_encoding: set[str] = set()
        cdp.on("Network.requestWillBeSent", self._sent)
        cdp.on("Network.requestWillBeSentExtraInfo", self._sent_extra)
        cdp.on("Network.responseReceived", self._received)
        cdp.on("Network.requestServedFromCache", self._from_cache)
        cdp.on("Network.loadingFinished", self._finished)
        cdp.send("Network.enable")

    def _sent(self, event: dict) -> None:
        url = event["request"]["url"]
        # The server's own addresses as paths (its port changes from run to run); data: URLs shortened.
        url = url.removeprefix(self.base) if url.startswith(self.base) else url[:40]
        self.transfers[event["requestId"]] = Transfer(url=url, kind=event.get("type", ""))

    def _sent_extra(self, event: dict) -> None:
        headers = {key.lower(): value for key, value in event.get("headers", {}).items()}
        if "accept-encoding" in headers:
            self.accept_encoding.add(headers["accept-encoding"])

    def _received(self, event: dict) -> None:
        transfer = self.transfers.get(event["requestId"])
        if transfer is None:
            return
        response = event["response"]
        headers = {key.lower(): value for key, value in response.get("headers", {}).items()}
        transfer.status = response.get("status")
        transfer.encoding = headers.get("content-encoding", "")
        transfer.kind = event.get("type", transfer.kind)
        if response.get("fromDiskCache") or response.get("fromPrefetchCache"):
            transfer.cached = True

    def _from_cache(self, event: dict) -> None:
        transfer = self.transfers.get(event["requestId"])
        if transfer is not None:
            transfer.cached = True

    def _finished(self, event: dict) -> None:
        transfer = self.transfers.get(event["requestId"])
        if transfer is not None:
            transfer.bytes = int(event.get("encodedDataLength") or 0)

    def visit(self, page, url: str) -> Visit:
        self.transfers = {}
        response = page.goto(url, wait_until="networkidle", timeout=PAGE_TIMEOUT * 1000)
        if response is None or response.status != 200:
            raise RuntimeError(f"{url}: {response.status if response else 'no response'}")
        return Visit(transfers=list(self.transfers.values()))


def measure(base: str, facility: str, pages=PAGES) -> tuple[list[dict], set[str], str]:
    """Each page type's visits: (results, the Accept-Encoding Chromium sent, Chromium's version)."""
    from playwright.sync_api import sync_playwright

    results = []
    accept_encoding: set[str] = set()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        version = browser.version
        try:
            for page_type in pages:
                path = page_type.path.format(facility=facility)
                cold, warm, asked = visit_twice(browser, base, page_type, path)
                if page_type.accept_encoding is None:
                    accept_encoding |= asked
                results.append(result(page_type, path, cold, warm))
                log(f"  {page_type.label}: cold {kb(cold.total)}, warm {kb(warm.total if warm else None)}")
        finally:
            browser.close()
    return results, accept_encoding, version


def visit_twice(browser, base: str, page_type: PageType, path: str) -> tuple[Visit, Visit | None, set[str]]:
    """In a fresh context, signed in as the page's user: the page with an empty cache, then again."""
    context = browser.new_context(locale="vi-VN", viewport=VIEWPORT, is_mobile=True, has_touch=True)
    try:
        page = context.new_page()
        sign_in(page, base, page_type.user)
        cdp = context.new_cdp_session(page)
        recorder = Recorder(cdp, base)
        if page_type.accept_encoding is not None:
            cdp.send("Network.setExtraHTTPHeaders", {"headers": {"Accept-Encoding": page_type.accept_encoding}})
        cdp.send("Network.clearBrowserCache")
        cold = recorder.visit(page, base + path)
        # Chromium sends requests with DevTools' extra headers past its cache: no repeat visit then.
        warm = recorder.visit(page, base + path) if page_type.accept_encoding is None else None
        return cold, warm, recorder.accept_encoding
    finally:
        context.close()


def sign_in(page, base: str, username: str) -> None:
    browser_sign_in(page, base, username, PASSWORD)


def run(target: Path | None = None) -> list[dict]:
    """Measure every page type and write the results; returns them."""
    if not shutil.which(CHROMIUM):
        log(f"page weight: skipped, no Chromium at {CHROMIUM} (make browser installs it)")
        return []
    log("\n== Page weight: production static files (gunicorn, whitenoise), Chromium, cold and warm")
    with tempfile.TemporaryDirectory(prefix="cpdash-pages-") as folder, production_server(Path(folder)) as server:
        results, accept_encoding, chromium = measure(*server)
    for line in lines(results):
        log(line)
    log(f"Chromium {chromium}, Accept-Encoding: {', '.join(sorted(accept_encoding))}\n")
    log(markdown(results))
    target = target or ROOT / "bench" / "results-pages.json"
    report = {
        "measured": time.strftime("%Y-%m-%d"),
        "chromium": chromium,
        "viewport": VIEWPORT,
        "accept_encoding": sorted(accept_encoding),
        "goals": {"dashboard_cold_bytes": DASHBOARD_COLD_GOAL, "dashboard_warm_bytes": DASHBOARD_WARM_GOAL},
        "pages": results,
    }
    target.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n")
    log(f"written: {target.relative_to(ROOT) if target.is_relative_to(ROOT) else target}")
    return results


def main() -> None:
    """Exits 1 when a page type misses its goal."""
    results = run()
    missed = [result["label"] for result in results if result["goal"].startswith("NOT MET")]
    if missed:
        log(f"page weight: goal NOT MET for {', '.join(missed)}")
        sys.exit(1)


if __name__ == "__main__":
    main()
