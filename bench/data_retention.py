"""Retention benchmark: batched retention vs one plain DELETE of the same expired rows, with an app-like
inserter writing into the table the whole time.

    PYTHONPATH=plugins .venv/bin/python bench/data_retention.py [--events 10000000] [--accounts 2000]

Loads two months of generated traffic for free-plan accounts (30-day window) and picks the run's instant so
that exactly half the events are past the window. The plain DELETE runs on a copy of `website_event` (same
rows, same indexes); retention then runs on the real tables through the DAG's own code. Writes
bench/results/data_retention.json and drops its database.
"""

from __future__ import annotations

import argparse
import statistics
import threading
import time
import uuid
from contextlib import closing
from dataclasses import replace
from datetime import UTC, datetime, timedelta

from rich.console import Console

from common import GoalRow, fresh_database, goal_table, save, timed
from superlytics_usage import database, synthetic
from superlytics_usage.data_retention import RetentionOptions, apply_retention
from superlytics_usage.plans import load_catalog

NAME = "data_retention"
TRAFFIC = (datetime(2026, 10, 1, tzinfo=UTC), datetime(2026, 12, 1, tzinfo=UTC))
console = Console()


class Inserter:
    """What the app does meanwhile: one new event every few milliseconds; records each insert's wait."""

    def __init__(self, url: str, table: str) -> None:
        self.url, self.table, self.waits = url, table, []
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run)

    def __enter__(self) -> Inserter:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop.set()
        self.thread.join()

    def _run(self) -> None:
        with closing(database.connect(self.url)) as conn:
            website = conn.execute("select website_id from website limit 1").fetchone()[0]
            statement = (f"insert into {self.table} (event_id, website_id, session_id, visit_id, created_at, url_path) "
                         "values (%s, %s, %s, %s, now(), '/')")
            while not self.stop.is_set():
                ids = uuid.uuid4(), uuid.uuid4()
                began = time.perf_counter()
                conn.execute(statement, (ids[0], website, ids[1], ids[1]), prepare=True)
                self.waits.append(time.perf_counter() - began)
                time.sleep(0.005)

    def figures(self, prefix: str) -> dict:
        ms = sorted(w * 1000 for w in self.waits)
        return {f"{prefix}_inserts": len(ms), f"{prefix}_insert_p50_ms": statistics.median(ms),
                f"{prefix}_insert_p99_ms": ms[int(len(ms) * 0.99) - 1], f"{prefix}_insert_max_ms": ms[-1]}


def seed(url: str, accounts: int, events: int) -> tuple[datetime, int]:
    """Two months of traffic, every account on the free plan; returns the cutoff that expires half the
    events and how many events that is."""
    catalog = load_catalog()
    data = synthetic.generate(synthetic.GeneratorSpec(*TRAFFIC, accounts=accounts, events=events, seed=11,
                                                      backdated_share=0.0), catalog)
    with closing(database.connect(url)) as conn:
        started = time.perf_counter()
        synthetic.load(conn, data, catalog)
        console.print(f"loaded {events:,} events in {time.perf_counter() - started:.0f} s")
        with conn.transaction():
            conn.execute("update \"user\" set plan_id = 'free', plan_type = 'subscription'")
            conn.execute("truncate billing.account_history, billing.quota_override")
        cutoff = conn.execute("select percentile_disc(0.5) within group (order by created_at) "
                              "from website_event").fetchone()[0]
        expired = conn.execute("select count(*) from website_event where created_at < %s", (cutoff,)).fetchone()[0]
        conn.execute("create table website_event_plain (like website_event including all)")
        conn.execute("insert into website_event_plain select * from website_event")
        conn.execute("vacuum analyze")
        conn.execute("checkpoint")
    return cutoff, expired


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--events", type=int, default=10_000_000)
    parser.add_argument("--accounts", type=int, default=2_000)
    args = parser.parse_args()
    catalog = load_catalog()
    url = fresh_database("superlytics_bench_retention")
    cutoff, expired = seed(url, args.accounts, args.events)
    figures: dict = {"events": args.events, "expired_events": expired, "cutoff": cutoff.isoformat(),
                     "batch_size": catalog.retention.batch_size}

    with closing(database.connect(url)) as conn, Inserter(url, "website_event_plain") as inserter:
        plain_s = timed(lambda: conn.execute("delete from website_event_plain where created_at < %s", (cutoff,)))
    figures.update(plain_delete_s=plain_s, plain_rows_per_s=expired / plain_s, **inserter.figures("plain"))
    console.print(f"plain DELETE: {expired:,} rows in {plain_s:.1f} s")

    batches: list[tuple[str, int, float]] = []
    options = replace(RetentionOptions.from_catalog(catalog, cutoff + timedelta(days=30), "bench",
                                                    max_rows=10 * args.events),
                      on_batch=lambda *batch: batches.append(batch))
    with closing(database.connect(url)) as conn, Inserter(url, "website_event") as inserter:
        retention_s = timed(lambda: apply_retention(conn, catalog, options))
    with closing(database.connect(url)) as conn:  # retention's own connection keeps its statement_timeout
        left = conn.execute("select count(*) from website_event where created_at < %s", (cutoff,)).fetchone()[0]
    assert left == 0, f"{left} expired events survived retention"
    steps = {name: {"rows": sum(b[1] for b in batches if b[0] == name),
                    "seconds": sum(b[2] for b in batches if b[0] == name),
                    "batches": sum(1 for b in batches if b[0] == name),
                    "longest_ms": max((b[2] for b in batches if b[0] == name), default=0) * 1000}
             for name in dict.fromkeys(b[0] for b in batches)}
    event_batches = [b for b in batches if b[0] == "website_event"]
    event_rows, event_s = sum(b[1] for b in event_batches), sum(b[2] for b in event_batches)
    all_rows = sum(b[1] for b in batches)
    assert event_rows == expired, (event_rows, expired)
    figures.update(retention_s=retention_s, retention_rows=all_rows, retention_rows_per_s=all_rows / retention_s,
                   retention_event_rows=event_rows, retention_event_s=event_s,
                   retention_event_rows_per_s=event_rows / event_s, batches=len(batches),
                   longest_batch_ms=max(b[2] for b in batches) * 1000,
                   batch_p50_ms=statistics.median(b[2] for b in batches) * 1000,
                   rows_per_s_vs_plain=(event_rows / event_s) / (expired / plain_s), steps=steps,
                   **inserter.figures("retention"))
    database.drop_database(url)
    save(NAME, figures)
    for name, step in steps.items():
        console.print(f"  {name}: {step['rows']:,} rows, {step['batches']} batches, {step['seconds']:.1f} s, "
                      f"longest {step['longest_ms']:.0f} ms")
    console.print(goal_table(f"data_retention benchmark ({expired:,} expired of {args.events:,} events)",
                             goals(figures)))


def goals(f: dict) -> list[GoalRow]:
    return [
        ("plain DELETE of the expired events", f"{f['plain_rows_per_s']:,.0f} rows/s ({f['plain_delete_s']:.1f} s)",
         "", None),
        ("retention, events step (same rows)",
         f"{f['retention_event_rows_per_s']:,.0f} rows/s ({f['retention_event_s']:.1f} s)", "", None),
        ("retention / plain DELETE throughput", f"{f['rows_per_s_vs_plain']:.2f}x", ">= 0.5x",
         f["rows_per_s_vs_plain"] >= 0.5),
        (f"retention, whole run ({f['retention_rows']:,} rows, all tables)",
         f"{f['retention_rows_per_s']:,.0f} rows/s ({f['retention_s']:.1f} s)", "", None),
        (f"longest batch (of {f['batches']:,}; median {f['batch_p50_ms']:.0f} ms)", f"{f['longest_batch_ms']:.0f} ms",
         "<= 500 ms", f["longest_batch_ms"] <= 500),
        (f"longest insert wait during retention ({f['retention_inserts']:,} inserts)",
         f"{f['retention_insert_max_ms']:.0f} ms", "<= 1000 ms", f["retention_insert_max_ms"] <= 1000),
        (f"longest insert wait during the plain DELETE ({f['plain_inserts']:,} inserts)",
         f"{f['plain_insert_max_ms']:.0f} ms", "", None),
    ]


if __name__ == "__main__":
    main()
