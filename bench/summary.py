"""Every benchmark's goals beside what it measured, in one table (`make bench` runs them all first).

    PYTHONPATH=plugins .venv/bin/python bench/summary.py [--run]

With --run, runs each benchmark in turn (about 40 minutes on 2 cores), then reads bench/results/*.json and
writes the table to the terminal and to bench/results/summary.md.
"""

from __future__ import annotations

import argparse
import importlib
import subprocess
import sys
from pathlib import Path

from rich.console import Console
from rich.table import Table

from common import RESULTS_DIR, load

BENCHMARKS = ("usage_aggregation", "limit_enforcement", "data_retention")
HERE = Path(__file__).parent


def run_all() -> None:
    for name in BENCHMARKS:
        print(f"== running bench/{name}.py", flush=True)
        subprocess.run([sys.executable, str(HERE / f"{name}.py")], check=True)


def summary_rows() -> list[tuple[str, str, str, str, str, str]]:
    """(benchmark, measure, goal, measured, met, when) for every goal of every benchmark with results."""
    rows = []
    for name in BENCHMARKS:
        figures = load(name)
        if figures is None:
            rows.append((name, "(no results yet: run the benchmark)", "", "", "", ""))
            continue
        for measure, measured, goal, met in importlib.import_module(name).goals(figures):
            if goal:
                rows.append((name, measure, goal, measured, "yes" if met else "NO",
                             figures["measured_at"][:16].replace("T", " ")))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--run", action="store_true", help="run every benchmark before summarising")
    if parser.parse_args().run:
        run_all()
    rows = summary_rows()
    table = Table(title="Benchmark goals and what was measured (details: bench/README.md)")
    for column in ("benchmark", "measure", "goal", "measured", "met", "measured at (UTC)"):
        table.add_column(column)
    for row in rows:
        table.add_row(*row)
    Console(width=None if sys.stdout.isatty() else 130).print(table)
    lines = ["| benchmark | measure | goal | measured | met | measured at (UTC) |", "|---|---|---|---|---|---|"]
    lines += ["| " + " | ".join(cell.replace("|", "/") for cell in row) + " |" for row in rows]
    (RESULTS_DIR / "summary.md").write_text("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
