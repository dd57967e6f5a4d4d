"""The imports at size beside PostgreSQL COPY of the same rows (docs/performance.md, "Imports").

Part of ``make bench`` on PostgreSQL (bench/run.py calls measure() at each size, on the
bench's database after its other measurements, and deletes what it wrote), or alone, on a
migrated PostgreSQL database holding the demo (``manage.py migrate`` and ``manage.py
load_demo --once``), never a production one (it deletes what it imports)::

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/cpdash_bulk .venv/bin/python bench/imports.py 20000 100000

**Facilities.** For each size N it writes a CSV of N new facilities (code, name, sector,
unit, kind, employees, opened_on; the database's sector and unit names), then runs, each
as its own process so that its peak RSS is its own:

1. ``manage.py import_facilities`` of the file: N new facilities;
2. the same file again: N unchanged rows;
3. the file with every name changed: N updates;

then COPY of the same N rows (sector and unit as ids, search_text filled) into a
scratch copy of the facility table (``LIKE … INCLUDING ALL``: the same indexes and
checks) in one transaction, and deletes what it wrote. Rows/s are those of the
command's own figure (import_data, ANALYZE included; Django's start-up left out).

**Past records** (outreach activities with attendance, the admin's import: there is no
command): a CSV of min(N, BENCH_RECORD_ROWS) attendance rows, 100 facilities open on the
day per activity, imported by ``OutreachActivityResource(html_diff=False).import_data`` (as a
background job imports it) in a child process (``python bench/imports.py --records FILE``) —
new, unchanged, updated (every venue and every attendance's people changed) — beside COPY of
the same activities and attendances (facility ids resolved) into scratch copies of their tables.
"""

import csv
import io
import os
import random
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psycopg2

# BENCH_ROOT: another checkout's manage.py (to measure the code before a change).
ROOT = Path(os.environ.get("BENCH_ROOT") or Path(__file__).resolve().parent.parent)
PREFIX = "BENCH-"
COLUMNS = ("code", "name", "sector", "unit", "kind", "employees", "opened_on")
KINDS = ("enterprise", "cooperative", "household", "")


def connect():
    import dj_database_url

    settings = dj_database_url.parse(os.environ["DATABASE_URL"])
    return psycopg2.connect(
        dbname=settings["NAME"],
        user=settings["USER"],
        password=settings["PASSWORD"],
        host=settings["HOST"],
        port=settings["PORT"] or 5432,
    )


def rows(count: int, sectors: list[str], units: list[str], renamed: bool = False):
    draw = random.Random(count)
    label = "Chế biến" if renamed else "Sản xuất"
    for n in range(count):
        yield (
            f"{PREFIX}{n:09d}",
            f"Công ty TNHH {label} {n}",
            draw.choice(sectors),
            draw.choice(units),
            draw.choice(KINDS),
            str(draw.randint(0, 500)),
            f"20{draw.randint(0, 19):02d}-{draw.randint(1, 12):02d}-{draw.randint(1, 28):02d}",
        )


def names(connection) -> tuple[dict[str, int], dict[str, int]]:
    """The database's sectors and administrative units the rows may name: (id by name, id by name)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT name, id FROM facilities_sector ORDER BY id")
        sectors = dict(cursor.fetchall())
        # Units of today: the rows' facilities are open, and a facility still open is in a unit
        # that exists today (facilities.models.register_unit_problem; Hanoi's districts ended in
        # 2025); a unit formed after a facility opened is fine.
        cursor.execute(
            "SELECT name, id FROM facilities_administrativeunit "
            "WHERE valid_from <= CURRENT_DATE AND (valid_until IS NULL OR valid_until >= CURRENT_DATE) ORDER BY id"
        )
        units = dict(cursor.fetchall())
    return sectors, units


def write_csv(path: Path, data) -> None:
    with path.open("w", newline="", encoding="utf-8") as file:
        writer = csv.writer(file)
        writer.writerow(COLUMNS)
        writer.writerows(data)


def _timed_child(command: list[str], seconds_pattern: str) -> tuple[float, float, int]:
    """(seconds of import_data as ``command`` prints them, found by ``seconds_pattern``, wall
    seconds, peak RSS in MB): the command under /usr/bin/time, which reports the child's peak RSS."""
    started = time.perf_counter()
    done = subprocess.run(
        ["/usr/bin/time", "-f", "RSS %M", sys.executable, *command],
        cwd=ROOT,
        capture_output=True,
        env={**os.environ, "LANGUAGE_CODE": "en"},
        check=False,
    )
    wall = time.perf_counter() - started
    if done.returncode:
        raise SystemExit(done.stderr.decode()[-2000:])
    seconds = float(re.search(seconds_pattern, done.stdout.decode()).group(1))
    rss = int(re.search(r"RSS (\d+)", done.stderr.decode()).group(1)) // 1024
    return seconds, wall, rss


def peak_rss(path: Path) -> tuple[float, float, int]:
    """(seconds of import_data, wall seconds, peak RSS in MB) of ``manage.py import_facilities``."""
    return _timed_child(["manage.py", "import_facilities", str(path)], r"\(([\d.]+) s")


def copy_seconds(connection, count: int, sectors: dict[str, int], units: dict[str, int]) -> float:
    """COPY of the same rows into a scratch copy of the facility table, committed."""
    sys.path.insert(0, str(ROOT))
    from cpdash.text import fold

    buffer = io.StringIO()
    for code, name, sector, unit, kind, employees, opened_on in rows(count, list(sectors), list(units)):
        search = fold(f"{code} {name}")
        fields = (code, name, sectors[sector], units[unit], kind or "enterprise", employees, "t", opened_on, search)
        buffer.write("\t".join(str(f) for f in fields) + "\n")
    buffer.seek(0)
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS bench_copy_facility")
        cursor.execute("CREATE TABLE bench_copy_facility (LIKE facilities_facility INCLUDING ALL)")
        connection.commit()
        started = time.perf_counter()
        cursor.copy_expert(
            "COPY bench_copy_facility (code, name, sector_id, unit_id, kind, employees, in_scope, opened_on, "
            "search_text) FROM STDIN",
            buffer,
        )
        connection.commit()
        seconds = time.perf_counter() - started
        cursor.execute("DROP TABLE bench_copy_facility")
        connection.commit()
    return seconds


def clean(connection) -> None:
    like = PREFIX + "%"
    with connection.cursor() as cursor:
        ids = "SELECT id FROM facilities_facility WHERE code LIKE %s"
        cursor.execute(f"DELETE FROM programmes_savingstep WHERE facility_id IN ({ids})", [like])
        cursor.execute(f"DELETE FROM programmes_facilitypathway WHERE facility_id IN ({ids})", [like])
        cursor.execute(f"DELETE FROM facilities_unitmembership WHERE facility_id IN ({ids})", [like])
        cursor.execute("DELETE FROM facilities_historicalfacility WHERE code LIKE %s", [like])
        # The register versions of the bench's files (named BENCH-…) and their changes.
        cursor.execute("DELETE FROM facilities_registerchange WHERE code LIKE %s", [like])
        cursor.execute("DELETE FROM facilities_registerversion WHERE file_name LIKE %s", [like])
        cursor.execute("DELETE FROM facilities_facility WHERE code LIKE %s", [like])
    connection.commit()
    connection.autocommit = True
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE facilities_facility, facilities_historicalfacility, programmes_facilitypathway")
    connection.autocommit = False


# --- Past records: outreach activities with attendance --------------------------------------------

ACTIVITY = "BENCH activity "
RECORD_COLUMNS = (
    "kind", "title", "held_on", "organiser", "unit", "venue", "participants", "quantity", "facility_code", "people"
)  # fmt: skip
RECORD_DAY = "2015-06-15"
PER_ACTIVITY = 100
#: At most this many attendance rows (BENCH_RECORD_ROWS): the record import reads its whole file first.
RECORD_ROWS = 100_000


def record_rows_wanted(count: int) -> int:
    return min(count, int(os.environ.get("BENCH_RECORD_ROWS") or RECORD_ROWS))


def open_facilities(connection, count: int) -> list[tuple[str, int]]:
    """(code, id) of up to ``count`` facilities open on RECORD_DAY, by id."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT code, id FROM facilities_facility WHERE (opened_on IS NULL OR opened_on <= %s) "
            "AND (closed_on IS NULL OR closed_on > %s) AND code NOT LIKE %s ORDER BY id LIMIT %s",
            [RECORD_DAY, RECORD_DAY, PREFIX + "%", count],
        )
        return cursor.fetchall()


def record_rows(count: int, facilities: list[tuple[str, int]], updated: bool = False):
    """``count`` attendance rows: activity n // PER_ACTIVITY, facilities taken in turn."""
    venue = "Hội trường B" if updated else "Hội trường A"
    for n in range(count):
        code = facilities[n % len(facilities)][0]
        yield (
            "workshop",
            f"{ACTIVITY}{n // PER_ACTIVITY:06d}",
            RECORD_DAY,
            "Sở Công Thương",
            "",
            venue,
            str(PER_ACTIVITY),
            "",
            code,
            "2" if updated else "1",
        )


def import_records(path: Path) -> dict:
    """In a child: OutreachActivityResource.import_data of ``path`` as a background job runs it
    (programmes/jobs.py: ``html_diff=False``, no preview of every row), which an upload of this
    size goes to."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cpdash.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from import_export.formats.base_formats import CSV

    from programmes.resources import OutreachActivityResource

    dataset = CSV().create_dataset(path.read_text(encoding="utf-8"))
    started = time.perf_counter()
    result = OutreachActivityResource(html_diff=False).import_data(dataset)
    seconds = time.perf_counter() - started
    if result.has_errors() or result.has_validation_errors():
        problems = [str(error.error) for error in result.base_errors][:3]
        problems += [str(row.errors)[:300] for row in result.invalid_rows[:3]]
        raise SystemExit(f"the record import refused the file: {problems}")
    return {"seconds": seconds}


def record_step(path: Path) -> tuple[float, float, int]:
    """(seconds of import_data, wall seconds, peak RSS in MB) of the record import, in its own process."""
    return _timed_child([str(Path(__file__).resolve()), "--records", str(path)], r"import_data ([\d.]+) s")


def copy_records_seconds(connection, count: int, facilities: list[tuple[str, int]]) -> float:
    """COPY of the same activities and attendances into scratch copies of their tables, committed."""
    sys.path.insert(0, str(ROOT))
    from cpdash.text import fold

    ids = dict(facilities)
    activities, attendances = io.StringIO(), io.StringIO()
    seen = set()
    for kind, title, day, organiser, _unit, venue, participants, _quantity, code, people in record_rows(
        count, facilities
    ):
        number = int(title.removeprefix(ACTIVITY)) + 1
        if number not in seen:
            seen.add(number)
            fields = (number, fold(f"{title} {organiser} {venue}"), kind, title, day, organiser, venue, participants)
            activities.write("\t".join(str(f) for f in fields) + "\n")
        attendances.write(f"{number}\t{ids[code]}\t{people}\n")
    activities.seek(0)
    attendances.seek(0)
    with connection.cursor() as cursor:
        for table, like in (("bench_copy_activity", "outreachactivity"), ("bench_copy_attendance", "attendance")):
            cursor.execute(f"DROP TABLE IF EXISTS {table}")
            cursor.execute(f"CREATE TABLE {table} (LIKE programmes_{like} INCLUDING ALL)")
        connection.commit()
        started = time.perf_counter()
        cursor.copy_expert(
            "COPY bench_copy_activity (id, search_text, kind, title, held_on, organiser, venue, participants) "
            "FROM STDIN",
            activities,
        )
        cursor.copy_expert("COPY bench_copy_attendance (activity_id, facility_id, people) FROM STDIN", attendances)
        connection.commit()
        seconds = time.perf_counter() - started
        cursor.execute("DROP TABLE bench_copy_activity, bench_copy_attendance")
        connection.commit()
    return seconds


def clean_records(connection) -> None:
    """Deletes the bench's activities and their attendance (the facilities' pathway then needs
    ``rebuild_pathway``: bench/run.py runs it)."""
    like = ACTIVITY + "%"
    with connection.cursor() as cursor:
        ids = "SELECT id FROM programmes_outreachactivity WHERE title LIKE %s"
        cursor.execute(f"DELETE FROM programmes_historicalattendance WHERE activity_id IN ({ids})", [like])
        cursor.execute(f"DELETE FROM programmes_attendance WHERE activity_id IN ({ids})", [like])
        cursor.execute("DELETE FROM programmes_historicaloutreachactivity WHERE title LIKE %s", [like])
        cursor.execute("DELETE FROM programmes_outreachactivity WHERE title LIKE %s", [like])
    connection.commit()


# --- Both, at one size ------------------------------------------------------------------------------

STEPS = ("new", "unchanged", "updated")
#: Issue 10's goals.
ROWS_PER_SECOND = 10_000
GOAL_FROM_ROWS = 100_000
RSS_LIMIT_MB = 500
COPY_RATIO = 10


def goal(rows: int, rows_per_second: float, rss_mb: float, ratio: float | None) -> str:
    """Issue 10's goals for one step: ≥ 10,000 rows/s and ≤ 10× COPY (at 100k rows and more),
    peak RSS < 500 MB; "met", or what is missed."""
    missed = []
    if rows >= GOAL_FROM_ROWS and rows_per_second < ROWS_PER_SECOND:
        missed.append(f"< {ROWS_PER_SECOND:,} rows/s")
    if rows >= GOAL_FROM_ROWS and ratio is not None and ratio > COPY_RATIO:
        missed.append(f"> {COPY_RATIO}× COPY")
    if rss_mb >= RSS_LIMIT_MB:
        missed.append(f"RSS ≥ {RSS_LIMIT_MB} MB")
    if missed:
        return "NOT MET: " + ", ".join(missed)
    return "met" if rows >= GOAL_FROM_ROWS else "met (RSS; rows/s and COPY goals from 100k rows)"


def figures(import_name: str, step: str, rows: int, seconds: float, wall: float, rss: int, copy: float) -> dict:
    per_second = rows / seconds
    ratio = seconds / copy if copy else None
    return {
        "import": import_name,
        "step": step,
        "rows": rows,
        "seconds": round(seconds, 2),
        "wall_seconds": round(wall, 2),
        "rows_per_second": round(per_second),
        "peak_rss_mb": rss,
        "copy_seconds": round(copy, 3),
        "ratio_to_copy": round(ratio, 1) if ratio is not None else None,
        "goal": goal(rows, per_second, rss, ratio),
    }


def step_figures(import_name: str, step: str, rows: int, copy: float, run) -> dict:
    """figures() of ``run()``, or what stopped it (the import refused, e.g. a statement timeout)."""
    try:
        seconds, wall, rss = run()
    except SystemExit as stopped:
        message = " ".join(str(stopped).split())[-400:]
        return {"import": import_name, "step": step, "rows": rows, "error": message, "goal": "NOT MET: failed"}
    return figures(import_name, step, rows, seconds, wall, rss, copy)


def format_row(found: dict) -> str:
    if "error" in found:
        return f"{found['import']:<11} {found['rows']:>9,}  {found['step']:<10} FAILED: {found['error']}"
    ratio = f"{found['ratio_to_copy']:.1f}" if found["ratio_to_copy"] is not None else "—"
    return (
        f"{found['import']:<11} {found['rows']:>9,}  {found['step']:<10} {found['seconds']:>9.1f}  "
        f"{found['rows_per_second']:>7,}  {found['wall_seconds']:>6.1f}  {found['peak_rss_mb']:>7,}  "
        f"{found['copy_seconds']:>6.2f}  {ratio:>5}  {found['goal']}"
    )


HEADER = (
    f"{'import':<11} {'rows':>9}  {'step':<10} {'import s':>9}  {'rows/s':>7}  {'wall s':>6}  "
    f"{'peak MB':>7}  {'COPY s':>6}  {'ratio':>5}  goal (≥ 10,000 rows/s, ≤ 10× COPY at 100k+; < 500 MB)"
)


def measure(count: int, log=print) -> list[dict]:
    """Both imports at ``count`` rows on DATABASE_URL's database; deletes what they wrote
    (the facilities' pathway rows included; the record import's pathway changes need
    ``rebuild_pathway`` afterwards)."""
    found: list[dict] = []
    connection = connect()
    try:
        sectors, units = names(connection)
        clean(connection)
        clean_records(connection)
        with tempfile.TemporaryDirectory() as folder:
            new, renamed = Path(folder, f"{PREFIX}new.csv"), Path(folder, f"{PREFIX}renamed.csv")
            write_csv(new, rows(count, list(sectors), list(units)))
            write_csv(renamed, rows(count, list(sectors), list(units), renamed=True))
            copy = copy_seconds(connection, count, sectors, units)
            try:
                for step, path in (("new", new), ("unchanged", new), ("updated", renamed)):
                    log(f"  import: facilities, {count:,} {step} …")
                    found.append(step_figures("facilities", step, count, copy, lambda path=path: peak_rss(path)))
            finally:
                clean(connection)

            records = record_rows_wanted(count)
            facilities = open_facilities(connection, min(records, 50_000))
            if len(facilities) < PER_ACTIVITY:
                log(f"  import: past records skipped ({len(facilities)} facilities open on {RECORD_DAY})")
                return found
            first, changed = Path(folder, "records.csv"), Path(folder, "records-changed.csv")
            write_records(first, record_rows(records, facilities))
            write_records(changed, record_rows(records, facilities, updated=True))
            copy = copy_records_seconds(connection, records, facilities)
            try:
                for step, path in (("new", first), ("unchanged", first), ("updated", changed)):
                    log(f"  import: past records (activities), {records:,} {step} …")
                    found.append(step_figures("activities", step, records, copy, lambda path=path: record_step(path)))
            finally:
                clean_records(connection)
    finally:
        connection.close()
    return found


def write_records(path: Path, data) -> None:
    with path.open("w", newline="", encoding="utf-8") as file:
        writer = csv.writer(file)
        writer.writerow(RECORD_COLUMNS)
        writer.writerows(data)


def main(sizes: list[int]) -> None:
    print(HEADER)
    for count in sizes:
        for found in measure(count, log=lambda message: None):
            print(format_row(found), flush=True)


if __name__ == "__main__":
    if sys.argv[1:2] == ["--records"]:
        print(f"import_data {import_records(Path(sys.argv[2]))['seconds']:.3f} s", flush=True)
    else:
        main([int(arg) for arg in sys.argv[1:]] or [20000, 100000])
