"""The page-weight bench's pure parts (bench/pages.py): how Chromium's network events
become bytes per visit, and the verdicts against issue 12's goals. Nothing here
starts a server or a browser, or times anything."""

from pathlib import Path

from bench import pages
from bench.pages import DASHBOARD, PLOTLY, PageType, Recorder, Transfer, Visit

BASE = "http://127.0.0.1:8765"
PLOTLY_URL = f"{PLOTLY}fc03e19a095d.js"


def visit(*sizes: tuple[str, int]) -> Visit:
    return Visit([Transfer(url=url, kind="Script" if url.endswith(".js") else "Document", bytes=n) for url, n in sizes])


class FakeCDP:
    """Stands for Playwright's CDPSession: keeps the handlers, sends nothing."""

    def __init__(self) -> None:
        self.handlers = {}
        self.sent = []

    def on(self, event, handler):
        self.handlers[event] = handler

    def send(self, method, params=None):
        self.sent.append(method)

    def emit(self, event, **params):
        self.handlers[event](params)


def test_a_visit_adds_up_its_requests_and_notices_plotly():
    page = visit(("/dashboard/", 13_500), (PLOTLY_URL, 1_111_700), ("/static/js/charts.04de.js", 1_400))
    assert page.total == 1_126_600
    assert page.plotly
    assert page.by_kind() == {"Document": 13_500, "Script": 1_113_100}
    assert not visit(("/facilities/", 10_000)).plotly


def test_plotly_from_the_cache_still_counts_as_loaded():
    """A repeat visit gets plotly.js for 0 bytes; the page still asked for it."""
    assert Visit([Transfer(url=PLOTLY_URL, bytes=0, cached=True)]).plotly


def test_the_dashboard_is_held_to_its_cold_and_warm_budgets():
    cold = visit(("/dashboard/", 13_500), (PLOTLY_URL, 1_111_700))
    warm = visit(("/dashboard/", 13_500))
    assert pages.verdict(DASHBOARD, cold, warm) == "met (cold ≤ 1,500.0 kB, warm ≤ 150.0 kB)"
    gzipped = visit(("/dashboard/", 13_500), (PLOTLY_URL, 1_469_600), ("/static/css/cpdash.css", 17_000))
    assert pages.verdict(DASHBOARD, gzipped, warm) == "NOT MET: cold > 1,500.0 kB"
    unzipped_html = visit(("/dashboard/", 150_001))
    assert pages.verdict(DASHBOARD, cold, unzipped_html) == "NOT MET: warm > 150.0 kB"


def test_a_page_without_charts_must_not_load_plotly():
    facility_list = PageType("facility list", "manager", "/facilities/")
    assert pages.verdict(facility_list, visit(("/facilities/", 10_800)), visit(("/facilities/", 6_500))) == (
        "met (no plotly.js)"
    )
    with_plotly = visit(("/facilities/", 10_800), (PLOTLY_URL, 1_111_700))
    assert pages.verdict(facility_list, with_plotly, None) == "NOT MET: loads plotly.js without a chart"


def test_a_chart_page_without_budget_has_no_verdict():
    report = PageType("annual report", "manager", "/reports/2015/", charts=True)
    assert pages.verdict(report, visit((PLOTLY_URL, 1_111_700)), None) == "—"


def test_every_page_type_of_the_issue_is_measured_and_only_chart_pages_may_load_plotly():
    labels = [page.label for page in pages.PAGES]
    for wanted in ("dashboard", "annual report", "facility list", "facility page", "admin index"):
        assert wanted in labels
    assert any(label.startswith("staff record form") for label in labels)
    assert any(label.startswith("home") for label in labels)
    assert {page.path for page in pages.PAGES if page.charts} == {"/dashboard/", "/reports/2015/"}


def test_kb_is_decimal():
    assert pages.kb(1_110_953) == "1,111.0 kB"
    assert pages.kb(150_000) == "150.0 kB"
    assert pages.kb(None) == "—"


def test_the_recorder_counts_bytes_received_and_nothing_for_the_cache():
    cdp = FakeCDP()
    recorder = Recorder(cdp, BASE)
    assert cdp.sent == ["Network.enable"]
    cdp.emit("Network.requestWillBeSent", requestId="1", type="Document", request={"url": f"{BASE}/dashboard/"})
    cdp.emit("Network.requestWillBeSentExtraInfo", requestId="1", headers={"Accept-Encoding": "gzip, br"})
    cdp.emit(
        "Network.responseReceived",
        requestId="1",
        type="Document",
        response={"status": 200, "headers": {"Content-Encoding": "gzip"}},
    )
    cdp.emit("Network.loadingFinished", requestId="1", encodedDataLength=13_524)
    cdp.emit("Network.requestWillBeSent", requestId="2", type="Script", request={"url": BASE + PLOTLY_URL})
    cdp.emit("Network.requestServedFromCache", requestId="2")
    cdp.emit("Network.loadingFinished", requestId="2", encodedDataLength=0)
    cdp.emit("Network.loadingFinished", requestId="unknown", encodedDataLength=99)
    found = Visit(list(recorder.transfers.values()))
    assert found.total == 13_524
    assert [(t.url, t.encoding, t.cached) for t in found.transfers] == [
        ("/dashboard/", "gzip", False),
        (PLOTLY_URL, "", True),
    ]
    assert recorder.accept_encoding == {"gzip, br"}


def test_the_tables_show_each_page_cold_warm_and_plotly():
    cold = visit(("/dashboard/", 13_500), (PLOTLY_URL, 1_111_700))
    results = [
        pages.result(DASHBOARD, "/dashboard/", cold, visit(("/dashboard/", 13_500))),
        pages.result(pages.DASHBOARD_GZIP, "/dashboard/", cold, None),
    ]
    table = pages.markdown(results)
    assert "| dashboard | manager | 1,125.2 kB | 13.5 kB | 1,111.7 kB | 13.5 kB | 2 | met" in table
    assert "| dashboard, gzip only | manager | 1,125.2 kB | 13.5 kB | 1,111.7 kB | — | 2 | — |" in table
    console = pages.lines(results)
    assert len(console) == 3 and "not loaded" not in console[1]


def test_only_the_chart_pages_templates_include_plotly():
    """The bench weighs one page of each type; this covers every template of the project."""
    root = Path(pages.ROOT)
    folders = [
        root / "templates",
        *(root / app / "templates" for app in ("cpdash", "facilities", "programmes", "targets", "jobs")),
    ]
    naming = sorted(
        str(path.relative_to(root))
        for folder in folders
        for path in folder.glob("**/*.html")
        if "plotly" in path.read_text(encoding="utf-8")
    )
    assert naming == ["templates/targets/dashboard.html", "templates/targets/report.html"]
