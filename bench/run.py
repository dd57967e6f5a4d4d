"""``make bench``: the product's main pages and calls at several register sizes, beside their floors.

On PostgreSQL (``DATABASE_URL=postgres://…/cpdash_bench``): 20,000, 100,000 and
1,000,000 facilities by default. The database named in the URL is dropped and
created again from a migrated template (``<name>_template``) for each size, so
its name must contain "bench". Without DATABASE_URL (or with a SQLite URL):
2,000 and 20,000 facilities in a temporary SQLite file, without floors.
``BENCH_SIZES=20000,100000`` chooses the sizes.

Per size: generate the data set (bench/generate.py), VACUUM ANALYZE, run
``manage.py rebuild_pathway`` when the command exists, then time each
measurement — the median of REPEATS runs after a warm-up — with its query
count, beside its floor (bench/floors.py: one hand-written query computing the
same figures, timed the same way) whose figures must equal the product's.
Writes bench/results.json (bench/results-sqlite.json on SQLite).
"""

import datetime
import itertools
import json
import os
import platform
import re
import statistics
import sys
import tempfile
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from bench import exports as bench_exports
from bench import imports as bench_imports

ROOT = Path(__file__).resolve().parent.parent
AS_OF = datetime.date(2015, 12, 31)
REPORT_YEAR = 2015
REPEATS = 3
POSTGRES_SIZES = (20_000, 100_000, 1_000_000)
SQLITE_SIZES = (2_000, 20_000)
#: A statement that runs longer than this on the bench's connection is cancelled (ms).
STATEMENT_TIMEOUT_MS = 60 * 60 * 1000
MANAGER = "manager"
#: What results.json keeps of the slowest query: SQL characters, plan lines at the start and the end.
SQL_KEPT = 3000
PLAN_HEAD = 60
PLAN_TAIL = 90
#: Per measurement, results.json lists this many of its slowest queries, and this much of their SQL.
SLOWEST_KEPT = 3
SQL_SHOWN = 300


@dataclass
class Timing:
    seconds: float | None = None
    queries: int | None = None
    runs: list[float] = field(default_factory=list)
    query_counts: list[int] = field(default_factory=list)
    #: The slowest queries of the last run: (seconds, start of the SQL).
    slowest: list[tuple[float, str]] = field(default_factory=list)
    #: Time spent in the database (sum of the query times) in each run.
    database_runs: list[float] = field(default_factory=list)


@dataclass
class Row:
    label: str
    product: Timing
    floor_name: str = ""
    floor: Timing | None = None

    @property
    def ratio(self) -> float | None:
        if self.floor is None or not self.floor.seconds or self.product.seconds is None:
            return None
        return self.product.seconds / self.floor.seconds


@dataclass
class Slowest:
    seconds: float = 0.0
    sql: str = ""
    measurement: str = ""


def log(message: str = "") -> None:
    print(message, flush=True)


# --- Settings and databases ---------------------------------------------------------------------


def sizes_wanted(postgres: bool) -> list[int]:
    raw = os.environ.get("BENCH_SIZES", "").strip()
    if raw:
        return [int(part.replace("_", "")) for part in raw.split(",") if part.strip()]
    return list(POSTGRES_SIZES if postgres else SQLITE_SIZES)


def setup_django() -> None:
    # whitenoise looks for STATIC_ROOT, which the bench does not build (no collectstatic)
    warnings.filterwarnings("ignore", "No directory at", UserWarning)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cpdash.test_settings")
    os.environ["ALLOWED_HOSTS"] = "testserver"  # the test client's host
    # Every read on the one database the bench fills and counts queries on (no read replica).
    os.environ.pop("DATABASE_REPLICA_URL", None)
    sys.path.insert(0, str(ROOT))
    import django
    from django.conf import settings

    database = settings.DATABASES["default"]
    if database["ENGINE"] == "django.db.backends.postgresql":
        options = database.setdefault("OPTIONS", {})
        options["options"] = f"{options.get('options', '')} -c statement_timeout={STATEMENT_TIMEOUT_MS}".strip()
    django.setup()


class PostgresDatabases:
    """The URL's database, dropped and created again from a migrated template for each size."""

    def __init__(self) -> None:
        from django.db import connection

        self.settings = connection.settings_dict
        self.name = self.settings["NAME"]
        self.template = f"{self.name}_template"
        if "bench" not in self.name:
            sys.exit(f"make bench drops and recreates {self.name!r}: use a database whose name contains 'bench'.")

    def _admin(self, *statements: str) -> None:
        import psycopg2

        params = {
            "dbname": "postgres",
            "user": self.settings.get("USER") or None,
            "password": self.settings.get("PASSWORD") or None,
            "host": self.settings.get("HOST") or None,
            "port": self.settings.get("PORT") or None,
        }
        admin = psycopg2.connect(**{key: value for key, value in params.items() if value})
        admin.autocommit = True
        try:
            with admin.cursor() as cursor:
                for statement in statements:
                    cursor.execute(statement)
        finally:
            admin.close()

    def prepare(self) -> None:
        """Migrate the template once, with the manager user."""
        from django.core.management import call_command
        from django.db import connection

        connection.close()
        self._admin(
            f'DROP DATABASE IF EXISTS "{self.template}" WITH (FORCE)',
            f'CREATE DATABASE "{self.template}"',
        )
        self.settings["NAME"] = self.template
        started = time.perf_counter()
        call_command("migrate", verbosity=0)
        create_manager()
        connection.close()
        self.settings["NAME"] = self.name
        log(f"template database {self.template} migrated in {time.perf_counter() - started:.1f} s")

    def fresh(self) -> None:
        from django.db import connection

        connection.close()
        self._admin(
            f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)',
            f'CREATE DATABASE "{self.name}" TEMPLATE "{self.template}"',
        )

    def drop_template(self) -> None:
        self._admin(f'DROP DATABASE IF EXISTS "{self.template}" WITH (FORCE)')


class SqliteDatabases:
    """A temporary SQLite file per size, copied from a migrated one."""

    def __init__(self, folder: str) -> None:
        from django.db import connection

        self.settings = connection.settings_dict
        self.path = Path(self.settings["NAME"])
        self.template = Path(folder) / "template.sqlite3"

    def prepare(self) -> None:
        import shutil

        from django.core.management import call_command
        from django.db import connection

        call_command("migrate", verbosity=0)
        create_manager()
        connection.close()
        shutil.copyfile(self.path, self.template)

    def fresh(self) -> None:
        import shutil

        from django.db import connection

        connection.close()
        shutil.copyfile(self.template, self.path)

    def drop_template(self) -> None:
        self.template.unlink(missing_ok=True)


def create_manager() -> None:
    from django.contrib.auth.models import Group, User

    from cpdash.roles import MANAGERS

    user = User.objects.create_user(MANAGER, password="bench-only")
    user.groups.add(Group.objects.get(name=MANAGERS))


def machine() -> dict:
    from django.db import connection

    memory_kb = 0
    try:
        meminfo = Path("/proc/meminfo").read_text()
        memory_kb = int(re.search(r"MemTotal:\s+(\d+)", meminfo).group(1))
    except (OSError, AttributeError):
        pass
    found = {
        "cores": os.cpu_count(),
        "memory_gb": round(memory_kb / 1024 / 1024, 1),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "database": connection.vendor,
    }
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT version()")
            found["postgresql"] = cursor.fetchone()[0]
            settings = {}
            for name in (
                "shared_buffers",
                "work_mem",
                "effective_cache_size",
                "max_parallel_workers_per_gather",
                "jit",
            ):
                cursor.execute(f"SHOW {name}")
                settings[name] = cursor.fetchone()[0]
            found["postgresql_settings"] = settings
    else:
        import sqlite3

        found["sqlite"] = sqlite3.sqlite_version
    return found


# --- Loading ------------------------------------------------------------------------------------


def load(size: int) -> dict:
    """Generate ``size`` facilities, analyse, rebuild the pathway. Returns what it took."""
    from django.core.management import call_command, get_commands
    from django.db import connection

    from bench.generate import generate

    took: dict = {}
    started = time.perf_counter()
    rows = generate(size, log=log)
    took["generate_seconds"] = round(time.perf_counter() - started, 1)
    took["rows"] = rows
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")
    took["analyze_seconds"] = round(time.perf_counter() - started, 1)
    log(
        f"  generated {sum(rows.values()):,} rows in {took['generate_seconds']} s, "
        f"{'VACUUM ANALYZE' if connection.vendor == 'postgresql' else 'ANALYZE'} {took['analyze_seconds']} s"
    )
    if "rebuild_pathway" in get_commands():
        started = time.perf_counter()
        call_command("rebuild_pathway")
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        took["rebuild_pathway_seconds"] = round(time.perf_counter() - started, 1)
        log(f"  rebuild_pathway {took['rebuild_pathway_seconds']} s")
    else:
        took["rebuild_pathway_seconds"] = None
        log("  note: no rebuild_pathway command yet: measuring the engine without a pathway table")
    return took


# --- Measuring ----------------------------------------------------------------------------------


def timed(work: Callable[[], object], slowest: Slowest | None = None, label: str = "") -> Timing:
    """Median wall time of REPEATS runs of ``work()`` after a warm-up, and its query count."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    work()
    timing = Timing()
    for _ in range(REPEATS):
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            work()
            timing.runs.append(time.perf_counter() - started)
        timing.query_counts.append(len(captured.captured_queries))
        timing.database_runs.append(sum(float(query["time"]) for query in captured.captured_queries))
        timing.slowest = sorted(
            ((float(query["time"]), query["sql"][:SQL_SHOWN]) for query in captured.captured_queries), reverse=True
        )[:SLOWEST_KEPT]
        if slowest is not None:
            for query in captured.captured_queries:
                seconds = float(query["time"])
                if seconds > slowest.seconds:
                    slowest.seconds, slowest.sql, slowest.measurement = seconds, query["sql"], label
    timing.seconds = statistics.median(timing.runs)
    timing.queries = timing.query_counts[-1]
    return timing


def run_size(size: int, postgres: bool) -> tuple[list[Row], list[str], Slowest, dict]:
    """All measurements at ``size`` (data already loaded): rows, mismatches, the slowest query, extras."""
    from django.contrib.auth.models import User
    from django.test import Client

    from bench import floors
    from cpdash.tables import PER_PAGE
    from programmes.models import Phase, Programme
    from targets import arithmetic, selectors

    programme = Programme.objects.get(slug="hanoi-cp")
    phase = Phase.objects.filter(programme=programme).order_by("starts_on").first()
    programme_targets = list(selectors.programme_targets(programme))
    phase_targets = [t for t in programme_targets if t.phase_id == phase.pk]
    client = Client()
    client.force_login(User.objects.get(username=MANAGER))
    slowest = Slowest()
    mismatches: list[str] = []

    def page(url: str) -> Callable[[], object]:
        def get():
            response = client.get(url)
            if response.status_code != 200:
                raise RuntimeError(f"{url}: HTTP {response.status_code}")
            return response

        return get

    def product(label: str, work: Callable[[], object]) -> Timing:
        log(f"  {label} …")
        return timed(work, slowest, label)

    day = AS_OF.isoformat()
    series_days = None
    rows: list[Row] = []
    headline_floor = series_floor = list_floor = reach_floor = None
    if postgres:
        log("  floors …")
        headline_floor = timed(lambda: floors.headline(programme_targets, AS_OF))
        start = min(selectors.series_start(target) for target in phase_targets)
        series_days = arithmetic.period_ends(start, AS_OF, "month")
        series_floor = timed(lambda: floors.series(phase_targets, series_days))
        list_floor = timed(lambda: floors.aware_list(AS_OF, PER_PAGE))
        reach_floor = timed(lambda: floors.reach_next(AS_OF, PER_PAGE))
        mismatches += check(programme_targets, phase_targets, PER_PAGE, client)

    rows.append(
        Row(
            "headline indicators (indicators_as_of)",
            product("headline", lambda: selectors.indicators_as_of(programme=programme, as_of=AS_OF)),
            "headline",
            headline_floor,
        )
    )
    rows.append(
        Row(
            "dashboard page /dashboard/",
            product("dashboard", page(f"/dashboard/?phase={phase.pk}&as_of={day}")),
            "headline",
            headline_floor,
        )
    )
    rows.append(
        Row(
            "60-month series (series_for_targets)",
            product("series", lambda: selectors.series_for_targets(targets=phase_targets, as_of=AS_OF, freq="month")),
            "series",
            series_floor,
        )
    )
    rows.append(
        Row(
            "facility list, aware, first page",
            product("facility list", page(f"/facilities/?status=aware&as_of={day}")),
            "aware list",
            list_floor,
        )
    )
    rows.append(
        Row(
            "who to reach next /facilities/reach-next/",
            product("reach next", page(f"/facilities/reach-next/?as_of={day}")),
            "reach next",
            reach_floor,
        )
    )
    rows.append(
        Row(
            f"annual report /reports/{REPORT_YEAR}/",
            product("report", page(f"/reports/{REPORT_YEAR}/")),
            "headline",
            headline_floor,
        )
    )
    rows.append(
        Row(
            "indicators API /api/indicators.json",
            product("api", page(f"/api/indicators.json?as_of={day}")),
            "headline",
            headline_floor,
        )
    )
    for row in rows:
        if len(set(row.product.query_counts)) > 1:
            log(f"  WARNING: {row.label}: query count varies between runs: {row.product.query_counts}")
    return rows, mismatches, slowest, {"series_points": len(series_days) if series_days else None}


def check(programme_targets, phase_targets, per_page: int, client) -> list[str]:
    """The floors' figures against the product's; a message per difference."""
    from django.http import QueryDict

    from bench import floors
    from targets import selectors
    from targets.facility_filters import FacilityFilter, facility_register, reach_next, status_counts

    problems: list[str] = []
    numbers = floors.headline(programme_targets, AS_OF)
    for result, target in zip(
        selectors.indicators_as_of(programme=phase_targets[0].phase.programme, as_of=AS_OF),
        programme_targets,
        strict=True,
    ):
        problems += floors.compare("headline", target, numbers, result.numerator, result.denominator, result.value)
    payload = client.get(f"/api/indicators.json?as_of={AS_OF.isoformat()}").json()
    by_id = {t.pk: t for t in programme_targets}
    for item in payload["targets"]:
        problems += floors.compare(
            "API", by_id[item["target_id"]], numbers, item["numerator"], item["denominator"], item["value"]
        )
    if payload["completeness"]["reached"] != numbers["aware"]:
        problems.append(f"API completeness: reached {payload['completeness']['reached']} ≠ floor {numbers['aware']}")

    points = selectors.series_for_targets(targets=phase_targets, as_of=AS_OF, freq="month")
    by_day = floors.series(phase_targets, sorted({point.day for found in points.values() for point in found}))
    for target in phase_targets:
        for point in points[target.pk]:
            problems += floors.compare(
                f"series {point.day}", target, by_day[point.day], point.numerator, point.denominator, point.value
            )

    filterset = FacilityFilter(QueryDict(f"status=aware&as_of={AS_OF.isoformat()}"), queryset=facility_register())
    assert filterset.is_valid(), filterset.errors
    listed = list(filterset.qs.values_list("code", flat=True)[:per_page])
    counts = status_counts(filterset.qs, AS_OF)
    floor_rows = floors.aware_list(AS_OF, per_page)
    floor_codes = [row[0] for row in floor_rows]
    aware, applying = (floor_rows[0][9], floor_rows[0][10]) if floor_rows else (0, 0)
    if listed != floor_codes:
        problems.append(f"aware list: first page differs (product {listed[:3]}…, floor {floor_codes[:3]}…)")
    if (counts["aware"], counts["applying"]) != (aware, applying):
        problems.append(f"aware list: counts product {counts} ≠ floor aware {aware}, applying {applying}")

    never = reach_next(as_of=AS_OF)
    reached_codes = list(never.values_list("code", flat=True)[:per_page])
    floor_rows = floors.reach_next(AS_OF, per_page)
    if reached_codes != [row[0] for row in floor_rows]:
        problems.append("reach next: first page differs")
    floor_count = floor_rows[0][9] if floor_rows else 0
    if never.count() != floor_count:
        problems.append(f"reach next: product {never.count()} never reached ≠ floor {floor_count}")
    return problems


# --- Exports and imports (issues 14 and 10) -----------------------------------------------------

GOALS = {
    "exports": (
        f"CSV ≥ {bench_exports.CSV_ROWS_PER_SECOND:,} rows/s at 100k rows and more; peak RSS flat across sizes; "
        "XLSX as a background job, no request timing out"
    ),
    "imports": (
        f"≥ {bench_imports.ROWS_PER_SECOND:,} rows/s and ≤ {bench_imports.COPY_RATIO}× COPY at 100k rows and more; "
        f"peak RSS < {bench_imports.RSS_LIMIT_MB} MB"
    ),
}


def exports_and_imports(size: int, postgres: bool, last: bool) -> tuple[dict, list[dict]]:
    """The exports (each in its own process), then on PostgreSQL the imports beside COPY
    (bench/imports.py: they delete what they wrote; the pathway is rebuilt after the last size's)."""
    from django.core.management import call_command

    from programmes.models import Phase

    phase = Phase.objects.filter(programme__slug="hanoi-cp").order_by("starts_on").first()
    exported = bench_exports.measure(AS_OF.isoformat(), phase.pk, REPORT_YEAR, log=log)
    for line in bench_exports.lines(size, exported):
        log(line)
    if not postgres:
        log("imports: measured on PostgreSQL only (beside COPY)")
        return exported, []
    imported = bench_imports.measure(size, log=log)
    log(f"\nImports at {size:,} facilities (each step in its own process)")
    log(bench_imports.HEADER)
    for found in imported:
        log(bench_imports.format_row(found))
    if last and any(found["import"] == "activities" for found in imported):
        call_command("rebuild_pathway")  # the bench's activities are gone: their facilities' milestones too
    return exported, imported


# --- Explaining the slowest query ---------------------------------------------------------------


def explain(sql: str) -> tuple[str, list[str]]:
    """EXPLAIN (ANALYZE, BUFFERS) of ``sql`` and the indexes its plan uses."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql}")
        plan = "\n".join(row[0] for row in cursor.fetchall())
    indexes = sorted(set(re.findall(r"(?:Index(?: Only)? Scan(?: Backward)? using|Bitmap Index Scan on) (\S+)", plan)))
    return plan, indexes


def shorten(plan: str, head: int = PLAN_HEAD, tail: int = PLAN_TAIL) -> str:
    """The plan's first ``head`` and last ``tail`` lines (a UNION of 60 parts has thousands)."""
    lines = plan.splitlines()
    if len(lines) <= head + tail:
        return plan
    return "\n".join([*lines[:head], f"   … {len(lines) - head - tail} lines omitted …", *lines[-tail:]])


# --- Reporting ----------------------------------------------------------------------------------


def fmt(seconds: float | None) -> str:
    if seconds is None:
        return "—"
    return f"{seconds:.3f}" if seconds < 100 else f"{seconds:.0f}"


def print_size(size: int, rows: list[Row]) -> None:
    width = max(len(row.label) for row in rows)
    log(f"\n{size:,} facilities")
    log(
        f"{'measurement':<{width}}  {'product s':>9} {'queries':>7}  {'floor':<10} {'floor s':>8} {'product/floor':>13}"
    )
    for row in rows:
        ratio = f"{row.ratio:13.1f}" if row.ratio is not None else f"{'—':>13}"
        floor_s = fmt(row.floor.seconds) if row.floor else "—"
        log(
            f"{row.label:<{width}}  {fmt(row.product.seconds):>9} {row.product.queries:>7}  "
            f"{row.floor_name if row.floor else '—':<10} {floor_s:>8} {ratio}"
        )
    dashboard = next(row for row in rows if row.label.startswith("dashboard"))
    if dashboard.ratio is not None:
        log(f"dashboard page / headline floor: {dashboard.ratio:.1f}")


def print_growth(sizes: list[int], results: dict[int, list[Row]]) -> None:
    if len(sizes) < 2:
        return
    pairs = list(itertools.pairwise(sizes))
    labels = [row.label for row in results[sizes[0]]]
    width = max(len(label) for label in labels)
    log("\nTime growth (product; floor in brackets)")
    header = "".join(f"  {f'{b // 1000:,}k/{a // 1000:,}k':>17}" for a, b in pairs)
    log(f"{'measurement':<{width}}{header}   queries")
    for index, label in enumerate(labels):
        cells = []
        for a, b in pairs:
            small, large = results[a][index], results[b][index]
            product = large.product.seconds / small.product.seconds
            floor = (
                f"({large.floor.seconds / small.floor.seconds:.1f})"
                if large.floor and small.floor and small.floor.seconds
                else ""
            )
            cells.append(f"  {product:9.1f} {floor:>7}")
        counts = [results[size][index].product.queries for size in sizes]
        same = "equal" if len(set(counts)) == 1 else f"WARNING: differ {counts}"
        log(f"{label:<{width}}{''.join(cells)}   {same}")
    log(f"data ratios: {', '.join(f'{b / a:.0f}x' for a, b in pairs)} facilities")


def as_json(row: Row) -> dict:
    return {
        "seconds": round(row.product.seconds, 4),
        "runs": [round(run, 4) for run in row.product.runs],
        "queries": row.product.queries,
        "database_seconds": round(statistics.median(row.product.database_runs), 4),
        "floor": row.floor_name if row.floor else None,
        "floor_seconds": round(row.floor.seconds, 4) if row.floor else None,
        "ratio": round(row.ratio, 2) if row.ratio is not None else None,
        "slowest_queries": [{"seconds": round(seconds, 3), "sql_start": sql} for seconds, sql in row.product.slowest],
    }


def main() -> None:
    url = os.environ.get("DATABASE_URL", "").strip()
    postgres = url.startswith(("postgres://", "postgresql://", "pgsql://"))
    sizes = sizes_wanted(postgres)
    with tempfile.TemporaryDirectory() as folder:
        if not postgres:
            os.environ["DATABASE_URL"] = f"sqlite:///{folder}/bench.sqlite3"
        # The export jobs' files (jobs.models): in the bench's own folder, deleted with it.
        os.environ["PRIVATE_MEDIA_ROOT"] = f"{folder}/private"
        setup_django()
        from django.db import connection

        databases = PostgresDatabases() if postgres else SqliteDatabases(folder)
        log(f"cpdash benchmark on {connection.vendor}: {', '.join(f'{size:,}' for size in sizes)} facilities")
        databases.prepare()
        results: dict[int, list[Row]] = {}
        report: dict = {"sizes": {}, "as_of": AS_OF.isoformat(), "repeats": REPEATS}
        all_mismatches: list[str] = []
        problems: list[str] = []
        export_results: dict[int, dict] = {}
        slowest_overall = None
        for size in sizes:
            log(f"\n== {size:,} facilities: loading")
            databases.fresh()
            loaded = load(size)
            if size == sizes[0]:
                report["machine"] = machine()
            load_before = os.getloadavg()
            rows, mismatches, slowest, extras = run_size(size, postgres)
            extras["load_average"] = {"before": load_before, "after": os.getloadavg()}
            results[size] = rows
            print_size(size, rows)
            for problem in mismatches:
                log(f"MISMATCH {size:,}: {problem}")
            if postgres and not mismatches:
                log("floors: every figure checked equals the product's")
            all_mismatches += [f"{size}: {problem}" for problem in mismatches]
            entry = {
                "load": loaded,
                "measurements": {row.label: as_json(row) for row in rows},
                "mismatches": mismatches,
                **extras,
            }
            if postgres and slowest.sql:
                plan, indexes = explain(slowest.sql)
                entry["slowest_query"] = {
                    "measurement": slowest.measurement,
                    "seconds": round(slowest.seconds, 3),
                    "sql_start": slowest.sql[:SQL_KEPT],
                    "sql_chars": len(slowest.sql),
                    "explain_analyze_buffers": shorten(plan),
                    "plan_lines": plan.count("\n") + 1,
                    "indexes": indexes,
                }
                slowest_overall = entry["slowest_query"]
                log(
                    f"slowest query: {slowest.seconds:.3f} s in {slowest.measurement!r}; "
                    f"indexes: {', '.join(indexes) or 'none'}"
                )
            entry["exports"], entry["imports"] = exports_and_imports(size, postgres, last=size == sizes[-1])
            export_results[size] = entry["exports"]
            problems += [f"{size}: export {label}: error" for label, m in entry["exports"].items() if "error" in m]
            report["sizes"][str(size)] = entry
        print_growth(sizes, results)
        for line in bench_exports.flat_lines(sizes, export_results):
            log(line)
        databases.drop_template()
    report["mismatches"] = all_mismatches
    report["goals"] = GOALS
    target = Path(os.environ.get("BENCH_RESULTS") or ROOT / "bench" / f"results{'' if postgres else '-sqlite'}.json")
    target.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n")
    if slowest_overall:
        explain_file = target.with_name(f"{target.stem}-explain.txt")
        explain_file.write_text(
            f"-- Slowest query at {sizes[-1]:,} facilities: {slowest_overall['seconds']} s in "
            f"{slowest_overall['measurement']!r} ({slowest_overall['sql_chars']:,} characters of SQL; its start:)\n"
            f"-- indexes used: {', '.join(slowest_overall['indexes'])}\n\n"
            f"{slowest_overall['sql_start']} …\n\n"
            f"EXPLAIN (ANALYZE, BUFFERS):\n{slowest_overall['explain_analyze_buffers']}\n"
        )
    log(f"\nwritten: {target.relative_to(ROOT) if target.is_relative_to(ROOT) else target}")
    for problem in problems:
        log(f"ERROR {problem}")
    if all_mismatches:
        log(f"MISMATCH: {len(all_mismatches)} figures differ between product and floor (see above)")
    if all_mismatches or problems:
        sys.exit(1)
