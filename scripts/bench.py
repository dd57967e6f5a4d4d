"""cpdash benchmark: the same work at a small and a 10x larger register, in one run.

Usage: ``make bench`` (SQLite in a temporary file), or with ``DATABASE_URL``
set to an empty PostgreSQL database. Prints, per measurement, the time and
query count at each size and the ratio large/small. Query counts must not grow
(ratio 1.00); times should grow far less than the data (ratio well under 10).
Timings are the best of REPEATS runs, so a busy machine disturbs them less.
"""

import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
SIZES = (int(os.environ.get("BENCH_SMALL", "2000")), int(os.environ.get("BENCH_LARGE", "20000")))
REPEATS = 3


def setup_django(database_file: str) -> None:
    os.environ.setdefault("DATABASE_URL", f"sqlite:///{database_file}")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cpdash.test_settings")
    os.environ["ALLOWED_HOSTS"] = "testserver"  # the test client's host
    import django

    django.setup()


def measure(label: str, work) -> tuple[str, float, int]:
    """Best wall time (s) of REPEATS runs of ``work()``, and its query count."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    best = float("inf")
    queries = 0
    for _ in range(REPEATS):
        with CaptureQueriesContext(connection) as captured:
            start = time.perf_counter()
            work()
            best = min(best, time.perf_counter() - start)
        queries = len(captured)
    return label, best, queries


def run_size(size: int) -> dict[str, tuple[float, int]]:
    import datetime as dt

    from django.contrib.auth.models import User
    from django.core.management import call_command
    from django.test import Client

    from programmes.models import Phase
    from targets import selectors

    call_command("flush", interactive=False, verbosity=0)
    call_command("load_demo", facilities=size, verbosity=0)
    phase = Phase.objects.select_related("programme").get(programme__slug="hanoi-cp", starts_on__year=2011)
    targets = list(selectors.programme_targets(phase.programme).filter(phase=phase))
    as_of = dt.date(2015, 12, 31)
    client = Client()
    client.force_login(User.objects.get(username="manager"))

    def page(url: str):
        def get():
            response = client.get(url)
            assert response.status_code == 200, (url, response.status_code)

        return get

    results = [
        measure("indicators_as_of (all targets)", lambda: selectors.targets_as_of(targets=targets, as_of=as_of)),
        measure("… by unit", lambda: selectors.targets_as_of(targets=targets, as_of=as_of, by="unit")),
        measure(
            "monthly series, 60 months",
            lambda: selectors.series_for_targets(targets=targets, as_of=as_of, freq="month"),
        ),
        measure("dashboard page", page(f"/dashboard/?phase={phase.pk}&as_of=2015-12-31")),
        measure("facility list, aware", page("/facilities/?status=aware&as_of=2015-12-31")),
        measure("facility list export (CSV)", page("/facilities/?as_of=2015-12-31&_export=csv")),
        measure("who to reach next", page("/facilities/reach-next/?as_of=2015-12-31")),
    ]
    return {label: (seconds, queries) for label, seconds, queries in results}


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        setup_django(os.path.join(folder, "bench.sqlite3"))
        from django.core.management import call_command
        from django.db import connection

        call_command("migrate", verbosity=0)
        print(f"cpdash benchmark on {connection.vendor}, sizes {SIZES[0]:,} and {SIZES[1]:,} facilities")
        small, large = (run_size(size) for size in SIZES)
    width = max(len(label) for label in small)
    print(f"{'measurement':<{width}}  {'small s':>8} {'large s':>8} {'time x':>7}  {'queries':>7} {'query x':>7}")
    for label, (small_s, small_q) in small.items():
        large_s, large_q = large[label]
        print(
            f"{label:<{width}}  {small_s:8.3f} {large_s:8.3f} {large_s / small_s:7.2f}  "
            f"{small_q:>3}/{large_q:<3} {large_q / max(small_q, 1):7.2f}"
        )
    print(f"data ratio: {SIZES[1] / SIZES[0]:.1f}x facilities")


if __name__ == "__main__":
    main()
