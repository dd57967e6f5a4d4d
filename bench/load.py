"""``make bench-load``: gunicorn under 1, 10 and 50 concurrent signed-in clients (issue 10, "Load").

The production set-up and nothing else (bench/server.py): ``DEBUG=0``, ``collectstatic``
into whitenoise's storage, gunicorn from gunicorn.conf.py (its worker count: 2 × cores + 1
unless WEB_CONCURRENCY says otherwise) on a free 127.0.0.1 port, PostgreSQL. The database is a
scratch one, ``<DATABASE_URL's name>_load`` (the name must contain "bench": it is dropped
and created again from a migrated template), filled by bench/generate.py with LOAD_SIZE
(100,000) facilities, then ``rebuild_pathway``, as ``make bench`` does for its sizes.

Accounts: LOAD_ACCOUNTS managers and as many staff members, signed in once each before the
levels (a sign-in costs about 1.5 s of CPU); their sessions are shared out among the
clients. Locust (bench/locustfile.py: what a client does) then runs each level of
LOAD_LEVELS (1, 10, 50 clients, all started at once) for LOAD_SECONDS (30) seconds, headless,
in its own process; the requests still running at the end finish and count
(``--stop-timeout``). Per level: requests, requests/s, p50, p95, p99 and errors, overall
and per request type (Locust's percentiles: two significant digits).

Goal (issue 10): zero errors at 50 clients, and p95 at 50 clients at most 5 × p95 at 1
client: PASS or MISS. Writes bench/results-load.json (BENCH_LOAD_RESULTS to choose) and
prints the table. Locust and the server run on the same machine, so they share its cores.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/cpdash_bench make bench-load
    DATABASE_URL=… LOAD_SECONDS=10 LOAD_SIZE=20000 .venv/bin/python -m bench.load
"""

import csv
import json
import os
import secrets
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench import server
from bench.server import ROOT, log

PYTHON = sys.executable
LOCUSTFILE = ROOT / "bench" / "locustfile.py"
SIZE = 100_000
LEVELS = (1, 10, 50)
SECONDS = 30
ACCOUNTS = 5
#: The new activities' day, and how many facilities open that day the posts pick from.
DAY = "2015-06-15"
CODES = 500
#: Issue 10's goals: no error at the largest level; its p95 at most this many times the smallest level's.
P95_RATIO = 5
#: How long a level's requests still running at its end may take to finish (seconds).
STOP_TIMEOUT = 180
PASSWORD = "bench-load-" + secrets.token_urlsafe(12)
AGGREGATED = "Aggregated"


def levels_wanted() -> list[int]:
    raw = os.environ.get("LOAD_LEVELS", "").strip()
    return [int(part) for part in raw.split(",") if part.strip()] if raw else list(LEVELS)


def seconds_wanted() -> int:
    return int(os.environ.get("LOAD_SECONDS") or SECONDS)


# --- Results --------------------------------------------------------------------------------------


def _number(text: str) -> float | None:
    try:
        return float(text)
    except (TypeError, ValueError):
        return None  # "N/A" when a type had no request


def parse_stats(path: Path) -> dict[str, dict]:
    """Locust's ``<prefix>_stats.csv``: per request name (and "Aggregated"), its figures in ms."""
    found = {}
    with path.open(newline="", encoding="utf-8") as file:
        for row in csv.DictReader(file):
            found[row["Name"]] = {
                "requests": int(row["Request Count"]),
                "errors": int(row["Failure Count"]),
                "requests_per_second": round(float(row["Requests/s"]), 2),
                "p50_ms": _number(row["50%"]),
                "p95_ms": _number(row["95%"]),
                "p99_ms": _number(row["99%"]),
                "max_ms": _number(row["Max Response Time"]),
            }
    return found


def parse_failures(path: Path) -> list[dict]:
    """Locust's ``<prefix>_failures.csv``: what failed, how often."""
    if not path.exists():
        return []
    with path.open(newline="", encoding="utf-8") as file:
        return [
            {
                "method": row["Method"],
                "name": row["Name"],
                "error": row["Error"][:300],
                "count": int(row["Occurrences"]),
            }
            for row in csv.DictReader(file)
        ]


def verdict(levels: dict[int, dict]) -> dict:
    """Issue 10's goal at the largest level against the smallest: PASS or MISS, and why."""
    if len(levels) < 2:
        return {"result": "MISS", "why": ["fewer than two levels measured"]}
    low, high = min(levels), max(levels)
    first, last = levels[low][AGGREGATED], levels[high][AGGREGATED]
    why = []
    if last["errors"]:
        why.append(f"{last['errors']:,} errors at {high} clients")
    ratio = last["p95_ms"] / first["p95_ms"] if first["p95_ms"] and last["p95_ms"] is not None else None
    if ratio is None:
        why.append("no p95 to compare")
    elif ratio > P95_RATIO:
        why.append(f"p95 at {high} clients is {ratio:.1f} × p95 at {low} (goal ≤ {P95_RATIO} ×)")
    return {
        "result": "MISS" if why else "PASS",
        "why": why,
        "p95_ratio": round(ratio, 2) if ratio is not None else None,
        "errors_at_largest": last["errors"],
    }


def ms(value: float | None) -> str:
    if value is None:
        return "—"
    return f"{value / 1000:.2f} s" if value >= 1000 else f"{value:.0f} ms"


def lines(levels: dict[int, dict]) -> list[str]:
    """The console's table: per level, all requests then each request type."""
    names = sorted({name for level in levels.values() for name in level if name != AGGREGATED})
    width = max([len("all requests"), *(len(name) for name in names)])
    out = [
        f"{'clients':>7}  {'request':<{width}}  {'requests':>8}  {'req/s':>6}  {'p50':>8}  {'p95':>8}  "
        f"{'p99':>8}  {'errors':>6}"
    ]
    for clients, level in sorted(levels.items()):
        for name in [AGGREGATED, *names]:
            if name not in level:
                continue
            row = level[name]
            label = "all requests" if name == AGGREGATED else name
            out.append(
                f"{clients:>7}  {label:<{width}}  {row['requests']:>8,}  {row['requests_per_second']:>6.2f}  "
                f"{ms(row['p50_ms']):>8}  {ms(row['p95_ms']):>8}  {ms(row['p99_ms']):>8}  {row['errors']:>6,}"
            )
    return out


def markdown(levels: dict[int, dict]) -> str:
    """The table for docs/performance.md, "Load"."""
    out = [
        "| clients | request | requests | requests/s | p50 | p95 | p99 | errors |",
        "|---:|---|---:|---:|---:|---:|---:|---:|",
    ]
    for clients, level in sorted(levels.items()):
        for name, row in sorted(level.items(), key=lambda item: (item[0] != AGGREGATED, item[0])):
            label = "**all**" if name == AGGREGATED else name
            out.append(
                f"| {clients} | {label} | {row['requests']:,} | {row['requests_per_second']:.2f} | {ms(row['p50_ms'])} "
                f"| {ms(row['p95_ms'])} | {ms(row['p99_ms'])} | {row['errors']:,} |"
            )
    return "\n".join(out)


# --- The database ---------------------------------------------------------------------------------


def fill(size: int) -> tuple[dict, list[str]]:
    """The scratch database at ``size`` facilities with the load's accounts: (what loading took,
    codes of facilities open on DAY)."""
    from django.db import connection

    from cpdash.roles import MANAGERS, STAFF

    took = server.fill(size)
    server.create_accounts(
        PASSWORD,
        {
            f"load-{role}-{n}": group
            for role, group in (("manager", MANAGERS), ("staff", STAFF))
            for n in range(accounts())
        },
    )
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT code FROM facilities_facility WHERE in_scope AND (opened_on IS NULL OR opened_on <= %s) "
            "AND (closed_on IS NULL OR closed_on > %s) ORDER BY id LIMIT %s",
            [DAY, DAY, CODES],
        )
        codes = [row[0] for row in cursor.fetchall()]
    connection.close()
    return took, codes


def accounts() -> int:
    return int(os.environ.get("LOAD_ACCOUNTS") or ACCOUNTS)


# --- Locust ---------------------------------------------------------------------------------------


def run_level(base: str, clients: int, seconds: int, setup: Path, folder: Path) -> dict:
    """One level in a Locust process of its own: its figures per request name, failures, load average."""
    prefix = folder / f"level-{clients}"
    command = [
        str(Path(PYTHON).with_name("locust")),
        "-f", str(LOCUSTFILE),
        "--headless",
        "--users", str(clients),
        "--spawn-rate", str(clients),
        "--run-time", f"{seconds}s",
        "--stop-timeout", str(STOP_TIMEOUT),
        "--host", base,
        "--csv", str(prefix),
        "--only-summary",
        "--exit-code-on-error", "0",
        "--loglevel", "WARNING",
    ]  # fmt: skip
    load_before = os.getloadavg()
    done = subprocess.run(
        command,
        cwd=ROOT,
        env={**os.environ, "LOAD_SETUP": str(setup)},
        capture_output=True,
        text=True,
        timeout=seconds + STOP_TIMEOUT + 120,
        check=False,
    )
    if done.returncode:
        raise RuntimeError(f"locust exited with {done.returncode}: {done.stderr[-2000:]}")
    stats = parse_stats(Path(f"{prefix}_stats.csv"))
    return {
        "stats": stats,
        "failures": parse_failures(Path(f"{prefix}_failures.csv")),
        "load_average": {"before": load_before, "after": os.getloadavg()},
    }


# --- All of it --------------------------------------------------------------------------------------


def main() -> None:
    url = os.environ.get("DATABASE_URL", "").strip()
    if not url.startswith(("postgres://", "postgresql://", "pgsql://")):
        log("load: skipped, PostgreSQL only (set DATABASE_URL=postgres://…/cpdash_bench)")
        return
    scratch = server.scratch_url(url, "load")
    size = int(os.environ.get("LOAD_SIZE") or SIZE)
    levels, seconds = levels_wanted(), seconds_wanted()
    log(
        f"\n== Load: gunicorn (gunicorn.conf.py, DEBUG=0) on PostgreSQL at {size:,} facilities, "
        f"{', '.join(map(str, levels))} clients, {seconds} s each"
    )
    os.environ["DATABASE_URL"] = scratch
    os.environ["PRIVATE_MEDIA_ROOT"] = tempfile.mkdtemp(prefix="cpdash-load-media-")
    from bench.run import machine, setup_django

    setup_django()
    took, codes = fill(size)
    report: dict = {
        "measured": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "size": size,
        "seconds_per_level": seconds,
        "accounts_per_role": accounts(),
        "load": took,
        "machine": machine(),
        "goal": f"0 errors at {max(levels)} clients; p95 at {max(levels)} ≤ {P95_RATIO} × p95 at {min(levels)}",
        "levels": {},
    }
    from django.db import connection

    connection.close()
    measured: dict[int, dict] = {}
    try:
        with (
            tempfile.TemporaryDirectory(prefix="cpdash-load-") as folder,
            server.gunicorn(Path(folder), server.environment(Path(folder), server.free_port(), scratch)) as base,
        ):
            started = time.perf_counter()
            sessions = {
                role: [server.sign_in(base, f"load-{role}-{n}", PASSWORD) for n in range(accounts())]
                for role in ("manager", "staff")
            }
            log(f"{2 * accounts()} accounts signed in in {time.perf_counter() - started:.1f} s")
            setup = Path(folder) / "setup.json"
            setup.write_text(json.dumps({"sessions": sessions, "codes": codes, "day": DAY}))
            for clients in levels:
                log(f"  {clients} clients for {seconds} s …")
                level = run_level(base, clients, seconds, setup, Path(folder))
                report["levels"][str(clients)] = level
                measured[clients] = level["stats"]
                before, after = level["load_average"]["before"][0], level["load_average"]["after"][0]
                log(f"    load average (1 min) {before:.1f} before, {after:.1f} after")
                for failure in level["failures"][:5]:
                    log(f"    failed {failure['count']} ×: {failure['name']}: {failure['error'][:200]}")
            report["gunicorn_workers"] = server.worker_count(Path(folder) / "gunicorn.log")
    finally:
        server.drop(scratch)
    outcome = verdict(measured)
    report["verdict"] = outcome
    for line in lines(measured):
        log(line)
    log("")
    log(markdown(measured))
    target = Path(os.environ.get("BENCH_LOAD_RESULTS") or ROOT / "bench" / "results-load.json")
    target.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n")
    log(f"written: {target.relative_to(ROOT) if target.is_relative_to(ROOT) else target}")
    log(
        f"load goal ({report['goal']}): {outcome['result']}{': ' + '; '.join(outcome['why']) if outcome['why'] else ''}"
    )


if __name__ == "__main__":
    main()
