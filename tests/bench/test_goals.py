"""The bench's verdicts beside the issues' goals (bench/exports.py, bench/imports.py), and the
report's tables of them (bench/report.py). Nothing here times anything."""

from bench import exports, imports, report


def test_csv_goal_applies_from_100k_rows():
    assert exports.csv_goal(20_000, 10_000) == "n/a (< 100k rows)"
    assert exports.csv_goal(100_000, 50_000) == "met"
    assert exports.csv_goal(1_000_000, 49_999) == "NOT MET"
    assert exports.csv_goal(None, None) == "—"


def test_rss_flat_allows_a_little_growth_and_flags_more():
    assert exports.rss_flat([100.0]) == "— (one size)"
    assert exports.rss_flat([100.0, 120.0, 124.0]) == "flat (+24 MB)"
    assert exports.rss_flat([300.0, 329.0]) == "flat (+29 MB)"  # within 10 %
    assert exports.rss_flat([100.0, 200.0]) == "GROWS (+100 MB)"


def test_job_goal_needs_a_quick_request_and_every_row():
    assert exports.job_goal(0.4, "done", 1000, 1000) == "met"
    assert exports.job_goal(130.0, "done", 1000, 1000) == "NOT MET (request timed out)"
    assert exports.job_goal(0.4, "failed", 0, 1000) == "NOT MET (job failed)"
    assert exports.job_goal(0.4, "done", 999, 1000) == "NOT MET (999 of 1000 rows)"


def test_rate():
    assert exports.rate(100, 2.0) == 50.0
    assert exports.rate(None, 2.0) is None
    assert exports.rate(100, 0) is None


def test_import_goal_names_what_is_missed():
    assert imports.goal(100_000, 12_000, 220, 8.0) == "met"
    assert imports.goal(1_000_000, 5_000, 600, 12.0) == "NOT MET: < 10,000 rows/s, > 10× COPY, RSS ≥ 500 MB"
    assert imports.goal(20_000, 3_000, 100, 13.0).startswith("met (RSS;")


def test_import_figures_and_row():
    found = imports.figures("facilities", "new", 100_000, 10.0, 12.5, 223, 1.0)
    assert found["rows_per_second"] == 10_000
    assert found["ratio_to_copy"] == 10.0
    assert found["goal"] == "met"
    line = imports.format_row(found)
    assert "100,000" in line and "10,000" in line and "10.0" in line and line.endswith("met")


def test_record_rows_are_activities_of_100_facilities():
    facilities = [(f"F{n:04d}", n) for n in range(150)]
    rows = list(imports.record_rows(250, facilities))
    assert len(rows) == 250
    assert len({row[1] for row in rows}) == 3  # 100 + 100 + 50 attendances
    first = [row for row in rows if row[1] == rows[0][1]]
    assert len({row[8] for row in first}) == 100  # no facility twice in one activity
    updated = list(imports.record_rows(250, facilities, updated=True))
    assert [row[:3] for row in updated] == [row[:3] for row in rows]  # same activities, other values
    assert updated[0][5] != rows[0][5] and updated[0][9] != rows[0][9]


def test_export_lines_and_report_tables():
    found = {
        "register CSV": {
            "kind": "csv",
            "rows": 100_000,
            "seconds": 1.6,
            "rows_per_second": 62_500.0,
            "first_byte_seconds": 0.01,
            "first_rows_seconds": 0.2,
            "base_rss_mb": 80.0,
            "peak_rss_mb": 95.0,
            "goal": "met",
            "rows_equal_register": True,
        },
        "register XLSX (job)": {
            "kind": "xlsx-job",
            "rows": 100_000,
            "seconds": 20.0,
            "rows_per_second": 5_000.0,
            "base_rss_mb": 80.0,
            "peak_rss_mb": 99.0,
            "goal": "met",
            "request": {"status_code": 302, "seconds": 0.3, "total": 100_000, "job_status": "queued"},
        },
    }
    printed = "\n".join(exports.lines(100_000, found))
    assert "62,500" in printed and "HTTP 302 → job queued" in printed and "rows equal" in printed
    flat = exports.flat_lines([20_000, 100_000], {20_000: found, 100_000: found})
    assert any("95 → 95  flat (+0 MB)" in line for line in flat)

    entry = {"exports": found, "imports": [imports.figures("facilities", "new", 100_000, 10.0, 12.5, 223, 1.0)]}
    tables = report.export_import_tables({"sizes": {"100000": entry}})
    assert "| register CSV | 100,000 | 1.60 s | 62,500 |" in tables
    assert "| facilities | 100,000 | new | 10.0 s | 10,000 | 223 MB | 1.00 s | 10.0 | met |" in tables


def test_a_failed_import_step_is_a_figure_not_the_end_of_the_run():
    def refused():
        raise SystemExit("the record import refused the file: ['canceling statement due to statement timeout']")

    found = imports.step_figures("activities", "updated", 100_000, 1.0, refused)
    assert found["goal"] == "NOT MET: failed" and "statement timeout" in found["error"]
    assert "FAILED: the record import refused" in imports.format_row(found)
    assert "| activities | 100,000 | updated | failed:" in report.export_import_tables(
        {"sizes": {"100000": {"imports": [found]}}}
    )
