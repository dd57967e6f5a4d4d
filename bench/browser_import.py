"""``make bench-import``: an admin imports a 200,000-row register in the browser and
watches it finish, while other users keep working (issue 10, "Done when").

The production set-up (bench/server.py): ``DEBUG=0``, ``collectstatic``, gunicorn from
gunicorn.conf.py (its own worker count) on a free 127.0.0.1 port, and one background-job
worker (``manage.py db_worker``, as ``make worker`` runs it), on a scratch PostgreSQL
database, ``<DATABASE_URL's name>_import`` (the name must contain "bench": it is dropped
and created again from a migrated template, and dropped at the end), filled by
bench/generate.py with IMPORT_BASE_SIZE (20,000) facilities and ``rebuild_pathway``.

The file: IMPORT_ROWS (200,000) new facilities as a CSV, written by bench/imports.py's
generator (the database's sector and unit names), within the upload limit
(``IMPORT_MAX_FILE_SIZE``).

The admin, in Debian's Chromium (Playwright; never a downloaded browser): signs in, opens
the facility import in the admin, uploads the file (CSV), is sent to the job's page, waits
while the worker checks every row, presses *Confirm import*, and watches the page until the
job has finished (done, failed or cancelled; at most IMPORT_TIMEOUT seconds, 1,800). Every
second the page is read as the admin sees it (its status, rows checked, rows written); each
reading that differs from the one before is kept: the progress updates seen.

The other users, throughout (from before the upload until the job has finished): a manager
and a staff member, signed in through the sign-in page, one request at a time over plain
HTTP (requests), OTHER_THINK seconds apart, in turn: the dashboard, the facility list (the
manager's), the new-activity form (the staff member's); at most OTHER_MAX_REQUESTS requests.
Each is timed and tagged with the job's status when it started; anything but a 200 is an
error.

Reported: the import's wall time (from pressing *Import* to the page saying it has
finished) and rows/s, the time of each step (upload, check, waiting for the confirm, write),
the progress updates seen, the other users' p50/p95/max and errors (in all, per page, and
per status of the job), and the facilities the register then holds. PASS when the job is
done, the register holds every row of the file, and no other user's request failed
(there is no time goal). Writes bench/results-import.json (BENCH_IMPORT_RESULTS to choose).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/cpdash_bench make bench-import
    DATABASE_URL=… IMPORT_ROWS=20000 IMPORT_BASE_SIZE=2000 .venv/bin/python -m bench.browser_import
"""

import itertools
import json
import math
import os
import re
import secrets
import shutil
import sys
import tempfile
import threading
import time
from pathlib import Path

from bench import server
from bench.server import CHROMIUM, CHROMIUM_ARGS, PAGE_TIMEOUT, ROOT, log

ROWS = 200_000
BASE_SIZE = 20_000
#: How long the admin may watch the job before the bench gives up (seconds).
TIMEOUT = 1800
#: How long the upload (pressing *Import* until the job's page) may take (seconds).
UPLOAD_TIMEOUT = 300
#: How often the admin's page is read (seconds).
READ_EVERY = 1.0
#: The other users: seconds between two requests, at most this many requests, each at most this long.
OTHER_THINK = 1.0
OTHER_MAX_REQUESTS = 5000
REQUEST_TIMEOUT = 120
PASSWORD = "bench-import-" + secrets.token_urlsafe(12)
ADMIN, MANAGER, STAFF = "import-admin", "import-manager", "import-staff"
#: What the other users ask for, in turn: (label, who, path).
OTHER_PAGES = (
    ("dashboard", MANAGER, "/dashboard/"),
    ("facility list", MANAGER, "/facilities/"),
    ("staff form: new activity", STAFF, "/record/activities/new/"),
)
#: The job's statuses (jobs.models.Job.Status) in the order a confirmed import goes through them.
STATUSES = ("queued", "checking", "checked", "running", "done")
FINISHED = ("done", "failed", "cancelled")
#: The other users' requests before the job's page first showed.
BEFORE = "before the upload"
#: What the admin's page shows, read in the page (language aside: the status is a CSS class).
READ_PAGE = """() => {
  const status = document.querySelector(".job-status");
  if (!status) { return null; }
  const kind = [...status.classList].find((name) => name.startsWith("job-") && name !== "job-status");
  const field = (name) => {
    const element = document.querySelector(`[data-job-field=${name}]`);
    return element ? element.textContent.trim() : "";
  };
  return {status: kind ? kind.slice(4) : "", label: field("status_label"), total: field("total"),
          validated: field("validated"), written: field("written"), errors: field("error_count")};
}"""


def rows_wanted() -> int:
    return int(os.environ.get("IMPORT_ROWS") or ROWS)


def base_size() -> int:
    return int(os.environ.get("IMPORT_BASE_SIZE") or BASE_SIZE)


# --- Results --------------------------------------------------------------------------------------


def count(text: str) -> int | None:
    """A count as the page shows it, grouped in the page's language ("200.000", "200,000",
    "200 000"); None for "—" or nothing."""
    digits = re.sub(r"\D", "", text or "")
    return int(digits) if digits else None


def reading(seconds: float, shown: dict) -> dict:
    """One reading of the admin's page, ``seconds`` after pressing *Import*."""
    return {
        "seconds": round(seconds, 1),
        "status": shown["status"],
        "label": shown["label"],
        "total": count(shown["total"]),
        "validated": count(shown["validated"]),
        "written": count(shown["written"]),
        "errors": count(shown["errors"]),
    }


def changed(readings: list[dict], new: dict) -> bool:
    """Whether ``new`` shows something the last reading kept did not (its time aside)."""
    if not readings:
        return True
    last = readings[-1]
    return any(last[key] != new[key] for key in new if key != "seconds")


def steps(readings: list[dict], finished_at: float | None) -> dict:
    """Seconds from pressing *Import* to the first reading of each status, and the time spent
    in each: {"first_seen": {status: s}, "seconds": {status: s}} (a status's time ends where
    the next status seen begins, the last one's at ``finished_at``)."""
    first_seen: dict[str, float] = {}
    for found in readings:
        first_seen.setdefault(found["status"], found["seconds"])
    order = sorted(first_seen.items(), key=lambda item: item[1])
    spent = {}
    for (status, began), following in itertools.zip_longest(order, order[1:]):
        end = following[1] if following else finished_at
        if status not in FINISHED and end is not None:
            spent[status] = round(end - began, 1)
    return {"first_seen": first_seen, "seconds": spent}


def progress_updates(readings: list[dict]) -> dict:
    """How many readings showed new counts while the worker checked and while it wrote."""
    checking = [r["validated"] for r in readings if r["status"] == "checking" and r["validated"] is not None]
    running = [r["written"] for r in readings if r["status"] == "running" and r["written"] is not None]
    return {"checking": len(set(checking)), "running": len(set(running))}


def percentile(values: list[float], share: float) -> float | None:
    """The nearest-rank percentile (``share`` of 1) of ``values``; None when there are none."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


def latency(samples: list[dict]) -> dict:
    """Requests, errors, p50, p95 and max (ms) of the other users' ``samples``."""
    times = [sample["ms"] for sample in samples]
    return {
        "requests": len(samples),
        "errors": sum(1 for sample in samples if sample["error"]),
        "p50_ms": percentile(times, 0.50),
        "p95_ms": percentile(times, 0.95),
        "max_ms": max(times) if times else None,
    }


def others(samples: list[dict]) -> dict:
    """The other users' figures: in all, per page, per status of the job when each request started."""
    pages = [label for label, _user, _path in OTHER_PAGES]
    phases = sorted({sample["phase"] for sample in samples}, key=phase_order)
    return {
        "all": latency(samples),
        "pages": {label: latency([s for s in samples if s["name"] == label]) for label in pages},
        "phases": {phase: latency([s for s in samples if s["phase"] == phase]) for phase in phases},
        "failures": [sample for sample in samples if sample["error"]][:20],
    }


def phase_order(phase: str) -> int:
    return -1 if phase == BEFORE else STATUSES.index(phase) if phase in STATUSES else len(STATUSES)


def verdict(report: dict) -> dict:
    """PASS when the job is done, the register holds every row of the file and no other
    user's request failed (and some were answered while the worker checked or wrote)."""
    why = []
    job, rows = report.get("job") or {}, report["rows"]
    if job.get("status") != "done":
        why.append(f"the job is {job.get('status') or 'not found'}: {job.get('message') or 'no message'}"[:300])
    imported = report.get("register", {}).get("imported")
    if imported != rows:
        why.append(f"the register holds {imported if imported is not None else '?'} of the file's {rows:,} rows")
    figures = report["others"]
    if figures["all"]["errors"]:
        why.append(f"{figures['all']['errors']:,} of the other users' requests failed")
    during = sum(figures["phases"].get(phase, {}).get("requests", 0) for phase in ("checking", "running"))
    if not during:
        why.append("no other user's request answered while the worker checked or wrote")
    return {"result": "MISS" if why else "PASS", "why": why}


def ms(value: float | None) -> str:
    if value is None:
        return "—"
    return f"{value / 1000:.2f} s" if value >= 1000 else f"{value:.0f} ms"


def seconds(value: float | None) -> str:
    return "—" if value is None else f"{value:,.1f} s"


def per_second(value: int | None) -> str:
    return "—" if value is None else f"{value:,}"


def latency_rows(figures: dict) -> list[tuple[str, dict]]:
    """(label, figures) of the other users: in all, per page, then per status of the job."""
    rows = [("all requests", figures["all"])]
    rows += [(label, found) for label, found in figures["pages"].items()]
    rows += [(phase if phase == BEFORE else f"while {phase}", found) for phase, found in figures["phases"].items()]
    return rows


def lines(report: dict) -> list[str]:
    """The console's summary."""
    job, spent = report["job"], report["steps"]["seconds"]
    out = [
        f"import of {report['rows']:,} rows ({report['file_mb']} MB CSV) on a register of {report['base_size']:,}: "
        f"job {job.get('status')}, {seconds(report['wall_seconds'])} from pressing Import to finished, "
        f"{per_second(report['rows_per_second'])} rows/s",
        "  steps: "
        + ", ".join(f"{status} {seconds(spent.get(status))}" for status in STATUSES[:-1])
        + f"; upload {seconds(report['upload_seconds'])}; the job's own start to finish {seconds(job.get('seconds'))}",
        f"  progress updates seen: {report['progress_updates']['checking']} while checking, "
        f"{report['progress_updates']['running']} while writing ({len(report['readings'])} readings kept)",
        f"  register: {report['register']['facilities']:,} facilities, {report['register']['imported']:,} "
        f"of them from the file",
        f"  other users: {'request':<30} {'requests':>8}  {'p50':>8}  {'p95':>8}  {'max':>8}  {'errors':>6}",
    ]
    for label, found in latency_rows(report["others"]):
        out.append(
            f"  {'':<13}{label:<30} {found['requests']:>8,}  {ms(found['p50_ms']):>8}  {ms(found['p95_ms']):>8}  "
            f"{ms(found['max_ms']):>8}  {found['errors']:>6,}"
        )
    return out


def markdown(report: dict) -> str:
    """The tables for docs/performance.md, "A 200,000-row import in the browser"."""
    job, spent = report["job"], report["steps"]["seconds"]
    out = [
        "| rows | wall time | rows/s | upload | checking | waiting for confirm | writing | progress updates seen "
        "(checking / writing) | register after |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
        f"| {report['rows']:,} | {seconds(report['wall_seconds'])} | {per_second(report['rows_per_second'])} "
        f"| {seconds(report['upload_seconds'])} | {seconds(spent.get('checking'))} | {seconds(spent.get('checked'))} "
        f"| {seconds(spent.get('running'))} | {report['progress_updates']['checking']} / "
        f"{report['progress_updates']['running']} | {report['register']['facilities']:,} ({job.get('status')}) |",
        "",
        "| other users | requests | p50 | p95 | max | errors |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for label, found in latency_rows(report["others"]):
        out.append(
            f"| {label} | {found['requests']:,} | {ms(found['p50_ms'])} | {ms(found['p95_ms'])} "
            f"| {ms(found['max_ms'])} | {found['errors']:,} |"
        )
    return "\n".join(out)


# --- The database ---------------------------------------------------------------------------------


def prepare(rows: int, folder: Path) -> tuple[dict, Path]:
    """The scratch database at base_size() facilities with the admin, manager and staff
    accounts, and the file of ``rows`` new facilities: (what loading took, the file)."""
    from django.db import connection

    from bench import imports
    from cpdash.roles import MANAGERS
    from cpdash.roles import STAFF as STAFF_GROUP

    took = server.fill(base_size())
    server.create_accounts(PASSWORD, {ADMIN: None, MANAGER: MANAGERS, STAFF: STAFF_GROUP})
    connection.close()
    database = imports.connect()
    try:
        sectors, units = imports.names(database)
    finally:
        database.close()
    path = folder / f"{imports.PREFIX}register-{rows}.csv"
    imports.write_csv(path, imports.rows(rows, list(sectors), list(units)))
    return took, path


def outcome() -> tuple[dict, dict]:
    """The last job as the database holds it, and the register's facilities: in all, and from the file."""
    from django.db import connection

    from bench import imports

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT status, total, validated, written, error_count, message, summary, "
            "EXTRACT(EPOCH FROM finished_at - started_at) FROM jobs_job ORDER BY created_at DESC LIMIT 1"
        )
        row = cursor.fetchone()
        cursor.execute(
            "SELECT count(*), count(*) FILTER (WHERE code LIKE %s) FROM facilities_facility", [imports.PREFIX + "%"]
        )
        facilities, imported = cursor.fetchone()
    connection.close()
    job = {}
    if row:
        keys = ("status", "total", "validated", "written", "error_count", "message", "summary", "seconds")
        job = dict(zip(keys, row, strict=True))
        job["summary"] = job["summary"] if isinstance(job["summary"], dict) else json.loads(job["summary"] or "{}")
        job["seconds"] = round(float(job["seconds"]), 1) if job["seconds"] is not None else None
    return job, {"facilities": facilities, "imported": imported}


# --- The other users ------------------------------------------------------------------------------


class OtherUsers(threading.Thread):
    """A manager and a staff member asking for OTHER_PAGES in turn, one request at a time,
    until stopped, OTHER_MAX_REQUESTS or ``seconds``; each request's time and answer kept."""

    def __init__(self, base: str, cookies: dict[str, dict[str, str]], seconds: float) -> None:
        super().__init__(daemon=True)
        self.base, self.cookies, self.seconds = base, cookies, seconds
        self.phase = BEFORE  # the job's status as the admin's page last showed it
        self.samples: list[dict] = []
        self.stopped = threading.Event()

    def run(self) -> None:
        import requests

        sessions = {}
        for user, cookies in self.cookies.items():
            sessions[user] = requests.Session()
            sessions[user].cookies.update(cookies)
        deadline = time.monotonic() + self.seconds
        pages = itertools.cycle(OTHER_PAGES)
        while not self.stopped.is_set() and len(self.samples) < OTHER_MAX_REQUESTS and time.monotonic() < deadline:
            label, user, path = next(pages)
            phase, started = self.phase, time.perf_counter()
            try:
                response = sessions[user].get(self.base + path, timeout=REQUEST_TIMEOUT, allow_redirects=False)
                error = "" if response.status_code == 200 else f"HTTP {response.status_code}"
            except requests.RequestException as problem:
                error = f"{type(problem).__name__}: {problem}"[:300]
            took = (time.perf_counter() - started) * 1000
            self.samples.append({"name": label, "phase": phase, "ms": round(took, 1), "error": error})
            self.stopped.wait(OTHER_THINK)


# --- The admin, in Chromium -----------------------------------------------------------------------


def upload(page, base: str, path: Path) -> float:
    """The admin uploads ``path`` in the facility import and lands on the job's page; the seconds
    that took from pressing *Import*."""
    page.goto(f"{base}/admin/facilities/facility/import/", timeout=PAGE_TIMEOUT * 1000)
    page.set_input_files("input[name=import_file]", str(path))
    page.select_option("select[name=format]", index=1)  # CSV (index 0 is the "---" choice)
    started = time.perf_counter()
    page.locator("form input[type=submit], form button[type=submit]").last.click()
    page.wait_for_url(re.compile(r"/jobs/[0-9a-f-]+/$"), timeout=UPLOAD_TIMEOUT * 1000)
    return time.perf_counter() - started


def read(page) -> dict | None:
    """What the job's page shows now; None while it reloads."""
    from playwright.sync_api import Error

    try:
        return page.evaluate(READ_PAGE)
    except Error:
        return None


def watch(page, started: float, timeout: float, users: OtherUsers) -> tuple[list[dict], float | None]:
    """Reads the job's page every READ_EVERY s, presses *Confirm import* once the check is done,
    until the page says the job has finished or ``timeout``: (the readings that changed, the
    seconds from pressing *Import* to the finished page, or None)."""
    from playwright.sync_api import Error

    readings: list[dict] = []
    confirmed = False
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        shown = read(page)
        if shown is not None:
            found = reading(time.perf_counter() - started, shown)
            users.phase = found["status"]
            if changed(readings, found):
                readings.append(found)
                log(
                    f"    {found['seconds']:>7.1f} s  {found['status']:<9} checked {found['validated'] or 0:>9,}  "
                    f"written {found['written'] or 0:>9,}  problems {found['errors'] or 0:,}"
                )
            if found["status"] in FINISHED:
                return readings, found["seconds"]
            if found["status"] == "checked" and not confirmed:
                try:
                    page.locator("form[action$='/confirm/'] button[type=submit]").click(timeout=PAGE_TIMEOUT * 1000)
                    page.wait_for_load_state("load", timeout=PAGE_TIMEOUT * 1000)
                    confirmed = True
                except Error as problem:
                    log(f"    confirm: {problem}"[:300])
        page.wait_for_timeout(READ_EVERY * 1000)
    return readings, None


def run_in_browser(base: str, path: Path, rows: int) -> dict:
    """The admin's import and the other users' requests; what was seen."""
    from playwright.sync_api import sync_playwright

    cookies = {user: server.sign_in(base, user, PASSWORD) for user in (MANAGER, STAFF)}
    users = OtherUsers(base, cookies, TIMEOUT + UPLOAD_TIMEOUT + 600)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            context = browser.new_context(locale="vi-VN")
            page = context.new_page()
            server.browser_sign_in(page, base, ADMIN, PASSWORD)
            users.start()
            log(f"  the admin uploads {path.name} ({path.stat().st_size / 1e6:.1f} MB) …")
            started = time.perf_counter()
            upload_seconds = upload(page, base, path)
            log(f"  on the job's page after {upload_seconds:.1f} s; watching (at most {TIMEOUT} s)")
            readings, finished = watch(page, started, float(os.environ.get("IMPORT_TIMEOUT") or TIMEOUT), users)
            chromium = browser.version
        finally:
            users.stopped.set()
            browser.close()
            users.join(REQUEST_TIMEOUT + 10)
    return {
        "chromium": chromium,
        "upload_seconds": round(upload_seconds, 1),
        "wall_seconds": finished,
        "rows_per_second": round(rows / finished) if finished else None,
        "readings": readings,
        "steps": steps(readings, finished),
        "progress_updates": progress_updates(readings),
        "others": others(users.samples),
    }


# --- All of it --------------------------------------------------------------------------------------


def main() -> None:
    url = os.environ.get("DATABASE_URL", "").strip()
    if not url.startswith(("postgres://", "postgresql://", "pgsql://")):
        log("browser import: skipped, PostgreSQL only (set DATABASE_URL=postgres://…/cpdash_bench)")
        return
    if not shutil.which(CHROMIUM):
        log(f"browser import: skipped, no Chromium at {CHROMIUM} (make browser installs it)")
        return
    scratch = server.scratch_url(url, "import")
    rows = rows_wanted()
    log(
        f"\n== A {rows:,}-row register imported in the browser: gunicorn (gunicorn.conf.py, DEBUG=0) and one "
        f"db_worker on PostgreSQL, {base_size():,} facilities before, a manager and a staff member meanwhile"
    )
    os.environ["DATABASE_URL"] = scratch
    from bench.run import machine, setup_django

    setup_django()
    from django.conf import settings

    report: dict = {
        "measured": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "rows": rows,
        "base_size": base_size(),
        "other_users": {"think_seconds": OTHER_THINK, "pages": [label for label, _user, _path in OTHER_PAGES]},
    }
    try:
        with tempfile.TemporaryDirectory(prefix="cpdash-import-") as name:
            folder = Path(name)
            report["load"], path = prepare(rows, folder)
            report["machine"] = machine()
            report["file_mb"] = round(path.stat().st_size / 1e6, 1)
            if path.stat().st_size > settings.IMPORT_MAX_FILE_SIZE:
                sys.exit(f"browser import: the file ({report['file_mb']} MB) is over IMPORT_MAX_FILE_SIZE")
            from django.db import connection

            connection.close()
            env = server.environment(folder, server.free_port(), scratch)
            load_before = os.getloadavg()
            with server.gunicorn(folder, env) as base, server.worker(folder, env):
                report.update(run_in_browser(base, path, rows))
                report["gunicorn_workers"] = server.worker_count(folder / "gunicorn.log")
            report["load_average"] = {"before": load_before, "after": os.getloadavg()}
            report["job"], report["register"] = outcome()
    finally:
        server.drop(scratch)
    report["verdict"] = verdict(report)
    for line in lines(report):
        log(line)
    log("")
    log(markdown(report))
    target = Path(os.environ.get("BENCH_IMPORT_RESULTS") or ROOT / "bench" / "results-import.json")
    target.write_text(json.dumps(report, indent=2, ensure_ascii=False, default=str) + "\n")
    log(f"written: {target.relative_to(ROOT) if target.is_relative_to(ROOT) else target}")
    result = report["verdict"]
    log(f"browser import: {result['result']}{': ' + '; '.join(result['why']) if result['why'] else ''}")
    if result["why"]:
        sys.exit(1)


if __name__ == "__main__":
    main()
