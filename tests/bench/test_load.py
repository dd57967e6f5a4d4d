"""The load bench's pure parts (bench/load.py): Locust's CSV read back, the goal's
verdict, the table. Nothing here starts a server or Locust, or times anything."""

from bench import load
from bench.load import AGGREGATED

HEADER = (
    "Type,Name,Request Count,Failure Count,Median Response Time,Average Response Time,Min Response Time,"
    "Max Response Time,Average Content Size,Requests/s,Failures/s,50%,66%,75%,80%,90%,95%,98%,99%,99.9%,"
    "99.99%,100%\n"
)


def level(p95: float, errors: int = 0) -> dict:
    figures = {"requests": 10, "errors": errors, "requests_per_second": 1.0, "p50_ms": 1, "p95_ms": p95, "p99_ms": p95}
    return {AGGREGATED: figures}


def test_locust_stats_are_read_per_request_name(tmp_path):
    path = tmp_path / "level-1_stats.csv"
    path.write_text(
        HEADER
        + "GET,dashboard,4,1,1200,1300,900,1800,120000,0.13,0.03,1200,1300,1300,1800,1800,1800,1800,1800,1800,"
        + "1800,1800\n"
        + ",Aggregated,12,1,230,500,60,1800,40000,0.4,0.03,230,300,500,900,1200,1800,1800,1800,1800,1800,1800\n"
        + "POST,staff form,0,0,0,0,0,0,0,0,0,N/A,N/A,N/A,N/A,N/A,N/A,N/A,N/A,N/A,N/A,N/A\n"
    )

    stats = load.parse_stats(path)

    assert stats["dashboard"] == {
        "requests": 4,
        "errors": 1,
        "requests_per_second": 0.13,
        "p50_ms": 1200.0,
        "p95_ms": 1800.0,
        "p99_ms": 1800.0,
        "max_ms": 1800.0,
    }
    assert stats[AGGREGATED]["p95_ms"] == 1800.0 and stats[AGGREGATED]["requests"] == 12
    assert stats["staff form"]["p95_ms"] is None


def test_the_goal_passes_within_five_times_and_without_errors():
    outcome = load.verdict({1: level(1000), 10: level(3000), 50: level(5000)})

    assert outcome["result"] == "PASS" and outcome["p95_ratio"] == 5.0 and outcome["why"] == []


def test_the_goal_is_missed_past_five_times_or_with_an_error():
    slow = load.verdict({1: level(1000), 50: level(5100)})
    failing = load.verdict({1: level(1000), 50: level(2000, errors=1)})

    assert slow["result"] == "MISS" and "5.1 ×" in slow["why"][0]
    assert failing["result"] == "MISS" and failing["why"] == ["1 errors at 50 clients"]
    assert load.verdict({1: level(1000)})["result"] == "MISS"


def test_the_table_names_every_level_and_request():
    table = load.markdown({1: level(1000), 50: level(4000)})

    assert "| 1 | **all** | 10 |" in table and "| 50 | **all** | 10 | 1.00 | 1 ms | 4.00 s |" in table
