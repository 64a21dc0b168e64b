"""What every benchmark shares: a throwaway database, timing, the results file and the goals table.

Each benchmark module exposes `goals(figures)`: rows of (measure, measured, goal, met) built from its
results file, so `bench/summary.py` can put every goal beside its measured figure without re-running.
"""

from __future__ import annotations

import json
import os
import platform
import statistics
import time
from collections.abc import Callable
from contextlib import closing
from datetime import UTC, datetime
from pathlib import Path

from rich.table import Table

from superlytics_usage import database, migrations

RESULTS_DIR = Path(__file__).parent / "results"
GoalRow = tuple[str, str, str, bool | None]  # measure, measured, goal ("" when only informative), met


def fresh_database(name: str) -> str:
    """A new database of that name on the embedded server (or DATABASE_URL's), schema migrated."""
    server = os.environ.get("DATABASE_URL") or database.embedded_server_url()
    url = database.with_database(server, name)
    database.drop_database(url)
    database.ensure_database(url)
    with closing(database.connect(url)) as conn:
        migrations.create_app_schema(conn)
        migrations.apply_migrations(conn)
    return url


def timed(action: Callable[[], object]) -> float:
    started = time.perf_counter()
    action()
    return time.perf_counter() - started


def median_seconds(action: Callable[[], object], runs: int) -> tuple[float, list[float]]:
    timings = [timed(action) for _ in range(runs)]
    return statistics.median(timings), timings


def save(name: str, figures: dict) -> Path:
    """Write bench/results/<name>.json with where and when it was measured."""
    figures = {**figures, "machine": f"{platform.node()} {os.cpu_count()} cores, {platform.python_version()}",
               "measured_at": datetime.now(UTC).isoformat(timespec="seconds")}  # wall clock: a report stamp
    path = RESULTS_DIR / f"{name}.json"
    path.parent.mkdir(exist_ok=True)
    path.write_text(json.dumps(figures, indent=2) + "\n")
    return path


def load(name: str) -> dict | None:
    path = RESULTS_DIR / f"{name}.json"
    return json.loads(path.read_text()) if path.exists() else None


def goal_table(title: str, rows: list[GoalRow]) -> Table:
    table = Table(title=title)
    for column in ("measure", "measured", "goal", "met"):
        table.add_column(column)
    for measure, measured, goal, met in rows:
        table.add_row(measure, measured, goal, "" if met is None else ("yes" if met else "NO"))
    return table
