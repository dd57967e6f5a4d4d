"""The browser import bench's pure parts (bench/browser_import.py): the admin's page read
back, the steps and progress updates, the other users' latencies, the verdict and the
tables. Nothing here starts a server or a browser, or times anything."""

from bench import browser_import
from bench.browser_import import BEFORE


def shown(status: str, validated: str = "0", written: str = "0", total: str = "200.000") -> dict:
    counts = {"total": total, "validated": validated, "written": written, "errors": "0"}
    return {"status": status, "label": status, **counts}


def sample(name: str, phase: str, ms: float, error: str = "") -> dict:
    return {"name": name, "phase": phase, "ms": ms, "error": error}


def test_counts_are_read_in_any_grouping():
    assert browser_import.count("200.000") == 200_000
    assert browser_import.count("200,000") == 200_000
    assert browser_import.count("200\u00a0000") == 200_000
    assert browser_import.count("—") is None and browser_import.count("") is None


def test_a_reading_is_kept_only_when_the_page_shows_something_new():
    first = browser_import.reading(1.04, shown("checking", "1.000"))
    same = browser_import.reading(2.0, shown("checking", "1.000"))
    later = browser_import.reading(3.0, shown("checking", "2.500"))

    assert first == {
        "seconds": 1.0,
        "status": "checking",
        "label": "checking",
        "total": 200_000,
        "validated": 1000,
        "written": 0,
        "errors": 0,
    }
    assert browser_import.changed([], first)
    assert not browser_import.changed([first], same)
    assert browser_import.changed([first], later)


def test_steps_run_from_each_status_to_the_next():
    readings = [
        browser_import.reading(seconds, shown(status))
        for seconds, status in ((2, "queued"), (3, "checking"), (40, "checked"), (42, "running"), (90, "done"))
    ]

    found = browser_import.steps(readings, 90)

    assert found["first_seen"] == {"queued": 2, "checking": 3, "checked": 40, "running": 42, "done": 90}
    assert found["seconds"] == {"queued": 1, "checking": 37, "checked": 2, "running": 48}
    unfinished = browser_import.steps(readings[:4], None)
    assert unfinished["seconds"] == {"queued": 1, "checking": 37, "checked": 2}


def test_progress_updates_count_the_new_counts_of_each_step():
    readings = [
        browser_import.reading(1, shown("checking", "0")),
        browser_import.reading(2, shown("checking", "50.000")),
        browser_import.reading(3, shown("checking", "100.000", total="—")),
        browser_import.reading(4, shown("checked", "200.000")),
        browser_import.reading(5, shown("running", "200.000", "0")),
        browser_import.reading(6, shown("running", "200.000", "120.000")),
    ]

    assert browser_import.progress_updates(readings) == {"checking": 3, "running": 2}


def test_percentiles_are_nearest_rank():
    values = list(range(1, 101))

    assert browser_import.percentile(values, 0.5) == 50
    assert browser_import.percentile(values, 0.95) == 95
    assert browser_import.percentile([7], 0.95) == 7
    assert browser_import.percentile([], 0.5) is None


def test_other_users_figures_in_all_per_page_and_per_status():
    samples = [
        sample("dashboard", BEFORE, 900),
        sample("facility list", "checking", 200),
        sample("staff form: new activity", "checking", 100, error="HTTP 502"),
        sample("dashboard", "running", 1500),
    ]

    figures = browser_import.others(samples)

    assert figures["all"] == {"requests": 4, "errors": 1, "p50_ms": 200, "p95_ms": 1500, "max_ms": 1500}
    assert figures["pages"]["dashboard"]["requests"] == 2 and figures["pages"]["dashboard"]["p50_ms"] == 900
    assert list(figures["phases"]) == [BEFORE, "checking", "running"]
    assert figures["phases"]["checking"]["errors"] == 1
    assert figures["failures"] == [samples[2]]


def report(status: str = "done", imported: int = 200_000, errors: int = 0, running: int = 5) -> dict:
    samples = [sample("dashboard", "running", 800) for _ in range(running)]
    samples += [sample("facility list", "checking", 300, error="HTTP 500") for _ in range(errors)]
    return {
        "rows": 200_000,
        "base_size": 20_000,
        "file_mb": 14.2,
        "upload_seconds": 3.5,
        "wall_seconds": 120.0,
        "rows_per_second": 1667,
        "readings": [],
        "steps": {"first_seen": {}, "seconds": {"checking": 50.0, "checked": 1.5, "running": 60.0}},
        "progress_updates": {"checking": 40, "running": 55},
        "job": {"status": status, "message": "", "seconds": 110.0},
        "register": {"facilities": 220_000, "imported": imported},
        "others": browser_import.others(samples),
    }


def test_the_verdict_passes_when_done_whole_and_without_errors():
    assert browser_import.verdict(report()) == {"result": "PASS", "why": []}


def test_the_verdict_names_what_is_missed():
    failed = browser_import.verdict(report(status="failed", imported=0))
    erring = browser_import.verdict(report(errors=2))
    unanswered = browser_import.verdict(report(running=0))
    checking_only = report(running=0) | {"others": browser_import.others([sample("dashboard", "checking", 500)])}

    assert failed["result"] == "MISS" and failed["why"][0].startswith("the job is failed")
    assert failed["why"][1] == "the register holds 0 of the file's 200,000 rows"
    assert erring["why"] == ["2 of the other users' requests failed"]
    assert unanswered["why"] == ["no other user's request answered while the worker checked or wrote"]
    assert browser_import.verdict(checking_only)["result"] == "PASS"


def test_the_tables_give_the_import_and_every_other_users_row():
    table = browser_import.markdown(report())
    console = browser_import.lines(report())

    assert "| 200,000 | 120.0 s | 1,667 | 3.5 s | 50.0 s | 1.5 s | 60.0 s | 40 / 55 | 220,000 (done) |" in table
    assert "| all requests | 5 | 800 ms | 800 ms | 800 ms | 0 |" in table
    assert "| while running | 5 | 800 ms | 800 ms | 800 ms | 0 |" in table
    assert "120.0 s from pressing Import to finished, 1,667 rows/s" in console[0]
    unfinished = report() | {"wall_seconds": None, "rows_per_second": None}
    assert "| 200,000 | — | — |" in browser_import.markdown(unfinished)
