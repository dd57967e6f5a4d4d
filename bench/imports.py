"""The facility import at size, beside PostgreSQL COPY of the same rows (docs/performance.md, "Imports").

Usage, on a migrated PostgreSQL database holding the demo (``manage.py migrate`` and
``manage.py load_demo --once``), never a production one (it deletes what it imports)::

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/cpdash_bulk .venv/bin/python bench/imports.py 20000 100000

For each size N it writes a CSV of N new facilities (code, name, sector, unit, kind,
employees, opened_on; the demo's sector and unit names), then runs, each as its own
process so that its peak RSS is its own:

1. ``manage.py import_facilities`` of the file: N new facilities;
2. the same file again: N unchanged rows;
3. the file with every name changed: N updates;

then COPY of the same N rows (sector and unit as ids, search_text filled) into a
scratch copy of the facility table (``LIKE … INCLUDING ALL``: the same indexes and
checks) in one transaction, and deletes what it wrote. Rows/s are those of the
command's own figure (import_data, ANALYZE included; Django's start-up left out).
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


def write_csv(path: Path, data) -> None:
    with path.open("w", newline="", encoding="utf-8") as file:
        writer = csv.writer(file)
        writer.writerow(COLUMNS)
        writer.writerows(data)


def peak_rss(path: Path) -> tuple[float, float, int]:
    """(seconds of import_data as the command reports them, wall seconds, peak RSS in MB):
    the command under /usr/bin/time, which reports the child's peak RSS."""
    started = time.perf_counter()
    done = subprocess.run(
        ["/usr/bin/time", "-f", "RSS %M", sys.executable, "manage.py", "import_facilities", str(path)],
        cwd=ROOT,
        capture_output=True,
        env={**os.environ, "LANGUAGE_CODE": "en"},
        check=False,
    )
    wall = time.perf_counter() - started
    if done.returncode:
        raise SystemExit(done.stderr.decode()[-2000:])
    seconds = float(re.search(r"\(([\d.]+) s", done.stdout.decode()).group(1))
    rss = int(re.search(r"RSS (\d+)", done.stderr.decode()).group(1)) // 1024
    return seconds, wall, rss


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
        cursor.execute("DELETE FROM facilities_historicalfacility WHERE code LIKE %s", [like])
        cursor.execute("DELETE FROM facilities_facility WHERE code LIKE %s", [like])
    connection.commit()
    connection.autocommit = True
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE facilities_facility, facilities_historicalfacility, programmes_facilitypathway")
    connection.autocommit = False


def main(sizes: list[int]) -> None:
    connection = connect()
    with connection.cursor() as cursor:
        cursor.execute("SELECT name, id FROM facilities_sector ORDER BY id")
        sectors = dict(cursor.fetchall())
        cursor.execute("SELECT name, id FROM facilities_administrativeunit ORDER BY id")
        units = dict(cursor.fetchall())
    clean(connection)
    print("rows       step        import_data s  rows/s   wall s  peak RSS MB  COPY s  ratio")
    with tempfile.TemporaryDirectory() as folder:
        for count in sizes:
            new, renamed = Path(folder, "new.csv"), Path(folder, "renamed.csv")
            write_csv(new, rows(count, list(sectors), list(units)))
            write_csv(renamed, rows(count, list(sectors), list(units), renamed=True))
            copy = copy_seconds(connection, count, sectors, units)
            for step, path in (("new", new), ("unchanged", new), ("updated", renamed)):
                seconds, wall, rss = peak_rss(path)
                print(
                    f"{count:>9,}  {step:<10} {seconds:>13.1f}  {count / seconds:>7,.0f}  {wall:>6.1f}  "
                    f"{rss:>11,}  {copy:>6.2f}  {seconds / copy:>5.1f}",
                    flush=True,
                )
            clean(connection)


if __name__ == "__main__":
    main([int(arg) for arg in sys.argv[1:]] or [20000, 100000])
