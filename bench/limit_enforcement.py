"""Enforcement benchmark: compute, validate and publish for 100,000 accounts; the app's lookup latency
while a publish runs.

    PYTHONPATH=plugins .venv/bin/python bench/limit_enforcement.py [--accounts 100000] [--lookups 10000]

Builds its own database, writes bench/results/limit_enforcement.json, drops the database.
"""

from __future__ import annotations

import argparse
import random
import statistics
import threading
import time
from contextlib import closing
from datetime import UTC, datetime

import numpy as np
import pandas as pd
import psycopg
from rich.console import Console

from common import GoalRow, fresh_database, goal_table, save, timed
from superlytics_usage import database, limit_enforcement, quality, synthetic
from superlytics_usage.database import copy_frame
from superlytics_usage.plans import load_catalog

MONTH = (datetime(2026, 11, 1, tzinfo=UTC), datetime(2026, 12, 1, tzinfo=UTC))
THROUGH = datetime(2026, 11, 20, tzinfo=UTC)
NAME = "limit_enforcement"
console = Console()


def seed(url: str, accounts: int) -> list[str]:
    """Accounts from the generator (a few events each) and a usage record per account."""
    catalog = load_catalog()
    data = synthetic.generate(synthetic.GeneratorSpec(*MONTH, accounts=accounts, events=accounts, seed=9), catalog)
    rng = np.random.default_rng(9)
    records = pd.DataFrame({
        "user_id": data.users["user_id"], "period_start": MONTH[0], "period_end": MONTH[1],
        "plan_id": data.users["plan_id"], "page_views": rng.integers(0, 12_000, accounts),
        "custom_events": rng.integers(0, 12, accounts), "custom_event_volume": rng.integers(0, 500, accounts),
        "api_calls": rng.integers(0, 1_200, accounts), "data_exports": rng.integers(0, 3, accounts),
        "real_time_users": rng.integers(0, 120, accounts), "other_events": 0, "hours_from_buckets": 0,
        "edge_rows_scanned": 0, "rows_scanned": 0, "data_through": THROUGH, "computed_at": THROUGH,
        "run_id": "bench"})
    with closing(database.connect(url)) as conn:
        synthetic.load(conn, data, catalog, progress=False)
        with conn.transaction(), conn.cursor() as cur:
            copy_frame(cur, ("billing", "usage_record"), records)
            cur.execute("analyze")
    return data.users["user_id"].tolist()


def lookups_during_publish(url: str, users: list[str], count: int) -> tuple[list[float], int]:
    """`count` "may U do X" lookups from one connection while another connection publishes in a loop."""
    stop, publishes = threading.Event(), []

    def publisher():
        with closing(database.connect(url)) as conn:
            while not stop.is_set():
                limit_enforcement.publish(conn)
                publishes.append(1)

    thread = threading.Thread(target=publisher)
    thread.start()
    latencies = []
    rng = random.Random(1)
    try:
        with psycopg.connect(url, autocommit=True) as app:
            app.execute("set role superlytics_app")
            for _ in range(count):
                user = rng.choice(users)
                started = time.perf_counter()
                app.execute("select allowed, current_usage, effective_limit from billing.enforcement "
                            "where user_id = %s and key = 'pageViews'", (user,), prepare=True).fetchone()
                latencies.append(time.perf_counter() - started)
    finally:
        stop.set()
        thread.join()
    return latencies, len(publishes)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--accounts", type=int, default=100_000)
    parser.add_argument("--lookups", type=int, default=10_000)
    args = parser.parse_args()
    catalog = load_catalog()
    url = fresh_database("superlytics_bench_enforcement")
    users = seed(url, args.accounts)
    with closing(database.connect(url)) as conn:
        compute_s = timed(lambda: limit_enforcement.compute_candidate(conn, catalog))
        validate_s = timed(lambda: quality.check_enforcement_candidate(database.sqlalchemy_url(url), catalog))
        publish_s = timed(lambda: limit_enforcement.publish(conn))
        rows = conn.execute("select count(*) from billing.enforcement").fetchone()[0]
    latencies, publishes = lookups_during_publish(url, users, args.lookups)
    database.drop_database(url)
    ms = sorted(x * 1000 for x in latencies)
    figures = {
        "accounts": args.accounts, "snapshot_rows": rows, "compute_s": compute_s, "validate_s": validate_s,
        "publish_s": publish_s, "total_s": compute_s + validate_s + publish_s, "lookups": len(ms),
        "publishes_during_lookups": publishes, "lookup_p50_ms": statistics.median(ms),
        "lookup_p99_ms": ms[int(len(ms) * 0.99) - 1], "lookup_max_ms": ms[-1],
    }
    save(NAME, figures)
    console.print(goal_table(f"limit_enforcement benchmark ({args.accounts:,} accounts, {rows:,} rows)",
                             goals(figures)))


def goals(f: dict) -> list[GoalRow]:
    return [
        ("compute", f"{f['compute_s']:.1f} s", "", None),
        ("validate (GX)", f"{f['validate_s']:.1f} s", "", None),
        ("publish", f"{f['publish_s']:.1f} s", "", None),
        (f"whole publish ({f['accounts']:,} accounts)", f"{f['total_s']:.1f} s", "< 30 s", f["total_s"] < 30),
        (f"lookup p50 ({f['lookups']:,} during {f['publishes_during_lookups']} publishes)",
         f"{f['lookup_p50_ms']:.3f} ms", "", None),
        ("lookup p99", f"{f['lookup_p99_ms']:.3f} ms", "< 2 ms", f["lookup_p99_ms"] < 2),
        ("longest lookup (blocked at most)", f"{f['lookup_max_ms']:.1f} ms", "< 100 ms", f["lookup_max_ms"] < 100),
    ]


if __name__ == "__main__":
    main()
