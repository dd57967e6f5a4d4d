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


def main() -> None:
    path = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "bench" / "results.json"
    print(markdown(json.loads(path.read_text())))


if __name__ == "__main__":
    main()
