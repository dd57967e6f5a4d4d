"""``make bench``: the exports at size (issue 14), each in its own process so that its peak RSS is its own.

Per size, after the page measurements (bench/run.py), each export is one child process
(``python -m bench.exports '<spec>'``) that starts Django, signs the test client in as the
bench's manager, then makes the request as a browser would and reads the answer to its
last byte into a temporary file:

- a CSV (``?_export=csv``): seconds to the first byte, to the first rows, to the last byte;
  rows (counted in the saved file once the clock has stopped), rows/s = rows ÷ seconds;
- the register's XLSX as a background job: the request (which only counts the rows and
  queues the job; EXPORT_BACKGROUND_ROWS=0 in that process, so the job path is measured at
  every size), then, in another process as the worker would, ``run_job.call(job, "run")``;
- the dashboard's CSV and the annual report's XLSX (one row per target: time and memory).

Peak RSS is the child's VmHWM (its high-water mark, Django's start-up included), beside its
RSS just before the export ("base", after a first request to /healthz): what the export itself
adds is the difference. One run
of each (a 1,000,000-row export takes tens of seconds); the pages measured before warmed
the database's cache.
"""

import csv
import json
import os
import re
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
#: What the child prints before its JSON answer, on a line of its own.
ANSWER = "BENCH-ANSWER "
#: Issue 14's goals.
CSV_ROWS_PER_SECOND = 50_000
#: The goal's rows/s holds "at 100k and 1M rows": below this the fixed costs weigh.
CSV_GOAL_FROM_ROWS = 100_000
#: Peak RSS is "flat" when the largest size's is within this of the smallest size's (MB, or share).
FLAT_MB = 25
FLAT_SHARE = 0.10
#: gunicorn's timeout (gunicorn.conf.py): no request may take this long.
REQUEST_TIMEOUT_S = 120


def exports(as_of: str, phase: int, year: int) -> list[dict]:
    """What is measured at each size: label, kind (csv, xlsx-job, file) and URL."""
    return [
        {"label": "register CSV", "kind": "csv", "url": f"/facilities/?as_of={as_of}&_export=csv"},
        {"label": "register XLSX (job)", "kind": "xlsx-job", "url": f"/facilities/?as_of={as_of}&_export=xlsx"},
        {"label": "who to reach next CSV", "kind": "csv", "url": f"/facilities/reach-next/?as_of={as_of}&_export=csv"},
        {"label": "surveys CSV", "kind": "csv", "url": "/record/surveys/?_export=csv"},
        {"label": "activities CSV", "kind": "csv", "url": "/record/activities/?_export=csv"},
        {"label": "solutions CSV", "kind": "csv", "url": "/record/solutions/?_export=csv"},
        {"label": "dashboard CSV", "kind": "file", "url": f"/dashboard/export.csv?phase={phase}&as_of={as_of}"},
        {"label": f"annual report XLSX {year}", "kind": "file", "url": f"/reports/{year}.xlsx"},
    ]


# --- Goals (plain functions: tests/bench/test_bench_goals.py) -------------------------------------


def csv_goal(rows: int | None, rows_per_second: float | None) -> str:
    """Issue 14's CSV goal for one measurement: "met", "NOT MET", or why it does not apply."""
    if rows is None or rows_per_second is None:
        return "—"
    if rows < CSV_GOAL_FROM_ROWS:
        return "n/a (< 100k rows)"
    return "met" if rows_per_second >= CSV_ROWS_PER_SECOND else "NOT MET"


def rss_flat(peaks_mb: list[float]) -> str:
    """Whether peak RSS stays flat across sizes (smallest to largest): "flat (+x MB)" or "GROWS (+x MB)"."""
    if len(peaks_mb) < 2:
        return "— (one size)"
    grown = peaks_mb[-1] - peaks_mb[0]
    flat = grown <= max(FLAT_MB, FLAT_SHARE * peaks_mb[0])
    return f"{'flat' if flat else 'GROWS'} ({grown:+.0f} MB)"


def job_goal(request_seconds: float | None, status: str | None, rows: int | None, expected: int | None) -> str:
    """The XLSX goal: the request answers well within gunicorn's timeout, the job ends done with every row."""
    if request_seconds is None or status is None:
        return "—"
    if request_seconds >= REQUEST_TIMEOUT_S:
        return "NOT MET (request timed out)"
    if status != "done":
        return f"NOT MET (job {status})"
    if expected is not None and rows != expected:
        return f"NOT MET ({rows} of {expected} rows)"
    return "met"


def rate(rows: int | None, seconds: float | None) -> float | None:
    if rows is None or not seconds:
        return None
    return rows / seconds


# --- The parent: one child per export -----------------------------------------------------------


def child(spec: dict, env: dict | None = None) -> dict:
    """Runs ``spec`` in a child process; its answer (or {"error": …})."""
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "bench.exports", json.dumps(spec)],
        cwd=ROOT,
        capture_output=True,
        env={**os.environ, **(env or {})},
        check=False,
    )
    wall = time.perf_counter() - started
    output = done.stdout.decode()
    found = [line[len(ANSWER) :] for line in output.splitlines() if line.startswith(ANSWER)]
    if done.returncode or not found:
        return {"error": (done.stderr.decode() or output)[-1500:], "process_seconds": round(wall, 2)}
    answer = json.loads(found[-1])
    answer["process_seconds"] = round(wall, 2)
    return answer


def measure(as_of: str, phase: int, year: int, log=print) -> dict[str, dict]:
    """Every export at the loaded size: label → figures."""
    results: dict[str, dict] = {}
    for spec in exports(as_of, phase, year):
        log(f"  export: {spec['label']} …")
        if spec["kind"] == "xlsx-job":
            asked = child({**spec, "step": "request"}, env={"EXPORT_BACKGROUND_ROWS": "0"})
            if "error" in asked or asked.get("job") is None:
                results[spec["label"]] = {"kind": spec["kind"], "url": spec["url"], **asked}
                continue
            ran = child({**spec, "step": "run", "job": asked["job"]})
            found = {
                "kind": spec["kind"],
                "url": spec["url"],
                "request": asked,
                **ran,
            }
            found["rows_per_second"] = rate(ran.get("rows"), ran.get("seconds"))
            found["goal"] = job_goal(asked.get("seconds"), ran.get("status"), ran.get("rows"), asked.get("total"))
        else:
            found = {"kind": spec["kind"], "url": spec["url"], **child(spec)}
            found["rows_per_second"] = rate(found.get("rows"), found.get("seconds"))
            if spec["kind"] == "csv":
                found["goal"] = csv_goal(found.get("rows"), found["rows_per_second"])
        if "error" in found:
            log(f"  ERROR in {spec['label']}: {found['error']}")
        results[spec["label"]] = found
    register = results.get("register CSV", {}).get("rows")
    job = results.get("register XLSX (job)", {})
    if register is not None and job.get("request", {}).get("total") is not None:
        results["register CSV"]["rows_equal_register"] = register == job["request"]["total"]
    return results


# --- Printing -----------------------------------------------------------------------------------


def _n(value, spec: str = ",.0f") -> str:
    return "—" if value is None else format(value, spec)


def lines(size: int, results: dict[str, dict]) -> list[str]:
    """The table printed for one size, beside the goals."""
    out = [
        f"\nExports at {size:,} facilities (one run each; goals: CSV ≥ {CSV_ROWS_PER_SECOND:,} rows/s at 100k rows "
        "and more, peak RSS flat across sizes, XLSX as a job with no request timing out)",
        f"{'export':<27} {'rows':>9} {'seconds':>8} {'rows/s':>8} {'1st byte':>8} {'1st rows':>8} "
        f"{'base MB':>7} {'peak MB':>7}  goal",
    ]
    for label, m in results.items():
        if "error" in m:
            out.append(f"{label:<27} ERROR (see above)")
            continue
        out.append(
            f"{label:<27} {_n(m.get('rows')):>9} {_n(m.get('seconds'), '.2f'):>8} {_n(m.get('rows_per_second')):>8} "
            f"{_n(m.get('first_byte_seconds'), '.3f'):>8} {_n(m.get('first_rows_seconds'), '.3f'):>8} "
            f"{_n(m.get('base_rss_mb')):>7} {_n(m.get('peak_rss_mb')):>7}  {m.get('goal', '')}"
        )
        if m.get("kind") == "xlsx-job":
            request = m["request"]
            out.append(
                f"{'  its request (queues it)':<27} {_n(request.get('total')):>9} "
                f"{_n(request.get('seconds'), '.2f'):>8} {'':>8} {'':>8} {'':>8} "
                f"{_n(request.get('base_rss_mb')):>7} {_n(request.get('peak_rss_mb')):>7}  "
                f"HTTP {request.get('status_code')} → job {request.get('job_status')}"
            )
    if "rows_equal_register" in results.get("register CSV", {}):
        same = results["register CSV"]["rows_equal_register"]
        out.append(f"register CSV rows {'equal' if same else 'DIFFER FROM'} the register's count")
    return out


def flat_lines(sizes: list[int], by_size: dict[int, dict[str, dict]]) -> list[str]:
    """Peak RSS of each export across the sizes, and whether it stays flat."""
    if len(sizes) < 2:
        return []
    labels = list(by_size[sizes[0]])
    out = [f"\nExport peak RSS across sizes (MB; {', '.join(f'{s:,}' for s in sizes)} facilities)"]
    for label in labels:
        peaks = [by_size[size].get(label, {}).get("peak_rss_mb") for size in sizes]
        if any(peak is None for peak in peaks):
            out.append(f"{label:<27} {peaks}")
            continue
        out.append(f"{label:<27} {' → '.join(f'{p:.0f}' for p in peaks)}  {rss_flat(peaks)}")
    return out


# --- The child --------------------------------------------------------------------------------------


def _status_mb(field: str) -> float | None:
    """A memory figure of this process from /proc/self/status (VmRSS, VmHWM), in MB."""
    try:
        found = re.search(rf"{field}:\s+(\d+) kB", Path("/proc/self/status").read_text())
    except OSError:
        found = None
    if found:
        return int(found.group(1)) / 1024
    if field == "VmHWM":  # not Linux: the peak from getrusage (kB on Linux, bytes on macOS)
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        return peak / (1024 * 1024 if sys.platform == "darwin" else 1024)
    return None


def _csv_rows(path: str) -> int:
    with open(path, newline="", encoding="utf-8-sig") as file:
        return sum(1 for _ in csv.reader(file)) - 1  # the header


def _client():
    from django.contrib.auth.models import User
    from django.test import Client

    from bench.run import MANAGER

    client = Client()
    client.force_login(User.objects.get(username=MANAGER))
    client.get("/healthz")  # the first request's one-off costs (URLs, middleware) are not the export's
    return client


def _download(client, url: str) -> dict:
    """GET ``url`` and read its answer to the last byte into a temporary file, timed."""
    base = _status_mb("VmRSS")
    with tempfile.NamedTemporaryFile(suffix=".download") as out:
        started = time.perf_counter()
        response = client.get(url)
        if response.status_code != 200:
            raise SystemExit(f"{url}: HTTP {response.status_code}")
        first_byte = first_rows = None
        pieces = response.streaming_content if response.streaming else [response.content]
        for piece in pieces:
            if not piece:
                continue
            now = time.perf_counter() - started
            if first_byte is None:
                first_byte = now
            elif first_rows is None:
                first_rows = now
            out.write(piece)
        response.close()
        seconds = time.perf_counter() - started
        out.flush()
        size = out.tell()
        rows = _csv_rows(out.name) if "csv" in response["Content-Type"] else None
    return {
        "rows": rows,
        "seconds": round(seconds, 3),
        "first_byte_seconds": round(first_byte, 4) if first_byte is not None else None,
        "first_rows_seconds": round(first_rows, 4) if first_rows is not None else None,
        "bytes": size,
        "base_rss_mb": round(base, 1) if base else None,
        "peak_rss_mb": round(_status_mb("VmHWM"), 1),
    }


def _request_job(client, url: str) -> dict:
    from jobs.models import Job

    base = _status_mb("VmRSS")
    started = time.perf_counter()
    response = client.get(url)
    seconds = time.perf_counter() - started
    location = response.get("Location", "") if response.status_code == 302 else ""
    found = re.search(r"[0-9a-f]{8}-[0-9a-f-]{27}", location)
    job = Job.objects.get(pk=found.group(0)) if found else None
    return {
        "status_code": response.status_code,
        "seconds": round(seconds, 3),
        "job": str(job.pk) if job else None,
        "job_status": job.status if job else None,
        "total": job.total if job else None,
        "base_rss_mb": round(base, 1) if base else None,
        "peak_rss_mb": round(_status_mb("VmHWM"), 1),
    }


def _run_job(job_id: str) -> dict:
    from jobs.models import Job
    from jobs.tasks import run_job

    base = _status_mb("VmRSS")
    started = time.perf_counter()
    run_job.call(job_id, "run")
    seconds = time.perf_counter() - started
    job = Job.objects.get(pk=job_id)
    size = job.result.size if job.result else None
    if job.result:
        job.result.delete(save=False)  # the bench's file, not a user's
    return {
        "status": job.status,
        "message": job.message,
        "rows": job.written,
        "seconds": round(seconds, 3),
        "bytes": size,
        "base_rss_mb": round(base, 1) if base else None,
        "peak_rss_mb": round(_status_mb("VmHWM"), 1),
    }


def child_main(spec: dict) -> None:
    from bench.run import setup_django

    setup_django()
    if spec.get("step") == "run":
        answer = _run_job(spec["job"])
    elif spec.get("step") == "request":
        answer = _request_job(_client(), spec["url"])
    else:
        answer = _download(_client(), spec["url"])
    print(ANSWER + json.dumps(answer), flush=True)


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    child_main(json.loads(sys.argv[1]))
