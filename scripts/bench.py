"""``make bench``: see bench/run.py (what it measures) and docs/performance.md (the figures).

Usage: ``make bench`` (SQLite, 2,000 and 20,000 facilities in a temporary file), or
``DATABASE_URL=postgres://postgres@127.0.0.1:5432/cpdash_bench make bench`` (PostgreSQL,
20,000, 100,000 and 1,000,000 facilities); ``BENCH_SIZES=20000,100000`` chooses the sizes.
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.run import main

if __name__ == "__main__":
    main()
