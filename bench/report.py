"""Markdown tables from bench/results.json, for docs/performance.md:
``python -m bench.report [results.json]``."""

import itertools
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def seconds(value: float | None) -> str:
    if value is None:
        return "—"
    if value < 0.1:
        return f"{value * 1000:.0f} ms"
    return f"{value:.2f} s" if value < 10 else f"{value:.1f} s"


def markdown(report: dict) -> str:
    sizes = list(report["sizes"])
    lines = []
    for size in sizes:
        entry = report["sizes"][size]
        load = entry["load"]
        lines += [
            f"**{int(size):,} facilities** ({sum(load['rows'].values()):,} rows generated in "
            f"{load['generate_seconds']} s, rebuild_pathway {load['rebuild_pathway_seconds']} s)",
            "",
            "| measurement | product | of which database | queries | floor | floor time | product / floor |",
            "|---|---:|---:|---:|---|---:|---:|",
        ]
        for label, m in entry["measurements"].items():
            ratio = f"{m['ratio']:.1f}" if m["ratio"] is not None else "—"
            lines.append(
                f"| {label} | {seconds(m['seconds'])} | {seconds(m.get('database_seconds'))} | {m['queries']} | "
                f"{m['floor'] or '—'} | "
                f"{seconds(m['floor_seconds'])} | {ratio} |"
            )
        lines.append("")
    if len(sizes) > 1:
        pairs = list(itertools.pairwise(sizes))
        header = " | ".join(f"{int(b) // 1000:,}k / {int(a) // 1000:,}k" for a, b in pairs)
        lines += [
            f"| measurement (time growth, product; floor) | {header} | queries |",
            f"|---|{'---:|' * len(pairs)}---|",
        ]
        for label in report["sizes"][sizes[0]]["measurements"]:
            cells = []
            for a, b in pairs:
                small, large = report["sizes"][a]["measurements"][label], report["sizes"][b]["measurements"][label]
                cell = f"{large['seconds'] / small['seconds']:.1f}"
                if small["floor_seconds"] and large["floor_seconds"]:
                    cell += f" ({large['floor_seconds'] / small['floor_seconds']:.1f})"
                cells.append(cell)
            counts = {report["sizes"][size]["measurements"][label]["queries"] for size in sizes}
            same = "equal" if len(counts) == 1 else f"differ: {sorted(counts)}"
            lines.append(f"| {label} | {' | '.join(cells)} | {same} |")
    return "\n".join(lines)


def _count(value) -> str:
    return "—" if value is None else f"{value:,.0f}"


def _mb(value) -> str:
    return "—" if value is None else f"{value:.0f} MB"


def export_import_tables(report: dict) -> str:
    """The exports' and imports' figures of every size (issues 14 and 10), beside their goals."""
    lines = [
        "| export | rows | seconds | rows/s | first byte | first rows | base → peak RSS | goal |",
        "|---|---:|---:|---:|---:|---:|---:|---|",
    ]
    imported = [
        "| import | rows | step | import_data | rows/s | peak RSS | COPY | ÷ COPY | goal |",
        "|---|---:|---|---:|---:|---:|---:|---:|---|",
    ]
    for size, entry in report["sizes"].items():
        lines.append(f"| **{int(size):,} facilities** | | | | | | | |")
        for label, m in entry.get("exports", {}).items():
            if "error" in m:
                lines.append(f"| {label} | error | | | | | | |")
                continue
            goal = m.get("goal", "")
            if m.get("kind") == "xlsx-job":
                request = m["request"]
                goal = f"{goal}; its request {seconds(request.get('seconds'))} (HTTP {request.get('status_code')})"
            lines.append(
                f"| {label} | {_count(m.get('rows'))} | {seconds(m.get('seconds'))} | "
                f"{_count(m.get('rows_per_second'))} | {seconds(m.get('first_byte_seconds'))} | "
                f"{seconds(m.get('first_rows_seconds'))} | "
                f"{_mb(m.get('base_rss_mb')).removesuffix(' MB')} → {_mb(m.get('peak_rss_mb'))} | {goal} |"
            )
        for m in entry.get("imports", []):
            if "error" in m:
                imported.append(f"| {m['import']} | {m['rows']:,} | {m['step']} | failed: {m['error']} | | | | | |")
                continue
            ratio = f"{m['ratio_to_copy']:.1f}" if m["ratio_to_copy"] is not None else "—"
            imported.append(
                f"| {m['import']} | {m['rows']:,} | {m['step']} | {seconds(m['seconds'])} | "
                f"{m['rows_per_second']:,} | {_mb(m['peak_rss_mb'])} | {seconds(m['copy_seconds'])} | {ratio} | "
                f"{m['goal']} |"
            )
    out = "\n".join(lines)
    if len(imported) > 2:
        out += "\n\n" + "\n".join(imported)
    return out


def main() -> None:
    path = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "bench" / "results.json"
    report = json.loads(path.read_text())
    print(markdown(report))
    if any("exports" in entry for entry in report["sizes"].values()):
        print()
        print(export_import_tables(report))


if __name__ == "__main__":
    main()
