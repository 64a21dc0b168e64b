"""Aggregation benchmark: full-month recompute vs the bare floor, hourly cost vs table size, vs the seed's way.

    PYTHONPATH=plugins .venv/bin/python bench/usage_aggregation.py [--events 10000000] [--accounts 2000]

Builds its own databases on the embedded server (or DATABASE_URL's server), reports medians of several
runs and ratios measured in the same run, writes bench/results/usage_aggregation.json and drops the
databases. Figures: see bench/README.md.
"""

from __future__ import annotations

import argparse
import dataclasses
import time
from collections.abc import Callable
from contextlib import closing
from datetime import UTC, datetime, timedelta

from rich.console import Console

from common import GoalRow, fresh_database, goal_table, median_seconds, save
from superlytics_usage import database, synthetic
from superlytics_usage.plans import PlanCatalog, load_catalog
from superlytics_usage.usage_aggregation import AggregationWindow, aggregate_usage

MONTH = (datetime(2026, 11, 1, tzinfo=UTC), datetime(2026, 12, 1, tzinfo=UTC))
NAME = "usage_aggregation"
console = Console()


def seeded(name: str, catalog: PlanCatalog, accounts: int, events: int) -> tuple[str, synthetic.Dataset]:
    url = fresh_database(name)
    data = synthetic.generate(synthetic.GeneratorSpec(*MONTH, accounts=accounts, events=events, seed=42), catalog)
    started = time.perf_counter()
    with closing(database.connect(url)) as conn:
        synthetic.load(conn, data, catalog)
    console.print(f"loaded {events:,} events for {accounts:,} accounts into {name} "
                  f"in {time.perf_counter() - started:.0f}s")
    return url, data


def full_recompute(conn, catalog: PlanCatalog) -> Callable[[], object]:
    window = AggregationWindow.for_interval(MONTH[1] - timedelta(hours=1), MONTH[1],
                                            recompute_from=MONTH[0], recompute_to=MONTH[1])
    return lambda: aggregate_usage(conn, window, calendar_plans=catalog.calendar_plan_ids, run_id="bench-full")


def hourly_run(conn, catalog: PlanCatalog) -> Callable[[], object]:
    window = AggregationWindow.for_interval(MONTH[1] - timedelta(hours=1), MONTH[1])
    return lambda: aggregate_usage(conn, window, calendar_plans=catalog.calendar_plan_ids, run_id="bench-hourly")


def floor_query(conn) -> Callable[[], object]:
    def run():
        with conn.cursor() as cur:
            cur.execute("select website_id, event_type, count(*) from website_event "
                        "where created_at >= %s and created_at < %s group by 1, 2", MONTH)
            return cur.fetchall()
    return run


def seed_way(conn, sample: int) -> float:
    """The seed design: per event, one round trip that checks the limit and increments the counter."""
    with conn.cursor() as cur:
        cur.execute("create temporary table seed_counter as "
                    "select user_id, period_start, 0::bigint as page_views from billing.usage_record")
        cur.execute("alter table seed_counter add primary key (user_id, period_start)")
        cur.execute("select r.user_id, r.period_start from website_event as e "
                    "join billing.src_website as w using (website_id) "
                    "join billing.usage_record as r on r.user_id = w.owner_user_id "
                    " and e.created_at >= r.period_start and e.created_at < r.period_end "
                    "where e.event_type = 1 limit %s", (sample,))
        events = cur.fetchall()
    started = time.perf_counter()
    with conn.cursor() as cur:
        for user_id, period_start in events:
            cur.execute("update seed_counter set page_views = page_views + 1 "
                        "where user_id = %s and period_start = %s and page_views + 1 <= %s returning page_views",
                        (user_id, period_start, 10_000_000))
    return (time.perf_counter() - started) / len(events)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--events", type=int, default=10_000_000)
    parser.add_argument("--accounts", type=int, default=2_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--seed-sample", type=int, default=20_000)
    args = parser.parse_args()
    catalog = load_catalog()
    figures: dict[str, object] = {"events": args.events, "accounts": args.accounts, "runs": args.runs}

    # 1 and 3: a month of events; the bare floor, the full recompute, and the seed's way.
    month_url, _ = seeded("superlytics_bench_month", catalog, args.accounts, args.events)
    with closing(database.connect(month_url)) as conn:
        full_recompute(conn, catalog)()  # warm the cache and the buckets once
        floor, floor_runs = median_seconds(floor_query(conn), args.runs)
        full, full_runs = median_seconds(full_recompute(conn, catalog), args.runs)
        per_event_seed = seed_way(conn, args.seed_sample)
    database.drop_database(month_url)
    figures.update(floor_s=floor, floor_runs=floor_runs, full_recompute_s=full, full_recompute_runs=full_runs,
                   full_vs_floor=full / floor, seed_way_s_per_event=per_event_seed,
                   pipeline_s_per_event=full / args.events, seed_vs_pipeline=per_event_seed / (full / args.events))

    # 2: one hourly run with a tenth of the events in the table, then with ten times as many (the same
    # month, plus nine months of older history on the same websites).
    small = args.events // 10
    hourly_url, data = seeded("superlytics_bench_hourly", catalog, args.accounts, small)
    with closing(database.connect(hourly_url)) as conn:
        full_recompute(conn, catalog)()
        hourly_small, small_runs = median_seconds(hourly_run(conn, catalog), args.runs + 2)
        history = dataclasses.replace(
            data, spec=dataclasses.replace(data.spec, window_start=MONTH[0] - timedelta(days=270),
                                           window_end=MONTH[0], seed=43),
            website_events=data.website_events * 9)
        synthetic.load_events(conn, history, catalog)
        hourly_url_rows = conn.execute("select count(*) from website_event").fetchone()[0]
        hourly_large, large_runs = median_seconds(hourly_run(conn, catalog), args.runs + 2)
    database.drop_database(hourly_url)
    figures.update(hourly_table_rows_small=small, hourly_table_rows_large=hourly_url_rows,
                   hourly_small_s=hourly_small, hourly_small_runs=small_runs, hourly_large_s=hourly_large,
                   hourly_large_runs=large_runs, hourly_large_vs_small=hourly_large / hourly_small)
    save(NAME, figures)
    console.print(goal_table(f"usage_aggregation benchmark ({args.events:,} events, {args.accounts:,} accounts)",
                             goals(figures)))


def goals(f: dict) -> list[GoalRow]:
    return [
        ("bare floor: count(*) by website, type (median)", f"{f['floor_s']:.2f} s", "", None),
        ("full-month recompute (median)", f"{f['full_recompute_s']:.2f} s", "", None),
        ("full recompute / floor", f"{f['full_vs_floor']:.2f}x", "<= 1.5x", f["full_vs_floor"] <= 1.5),
        (f"hourly run, {f['hourly_table_rows_small']:,} events in table", f"{f['hourly_small_s']:.3f} s", "", None),
        (f"hourly run, {f['hourly_table_rows_large']:,} events in table", f"{f['hourly_large_s']:.3f} s", "", None),
        ("hourly large / small", f"{f['hourly_large_vs_small']:.2f}x", "<= 1.5x", f["hourly_large_vs_small"] <= 1.5),
        ("seed's way, per event", f"{f['seed_way_s_per_event'] * 1e6:.1f} µs", "", None),
        ("pipeline, per event", f"{f['pipeline_s_per_event'] * 1e6:.3f} µs", "", None),
        ("seed / pipeline", f"{f['seed_vs_pipeline']:.0f}x", ">= 200x", f["seed_vs_pipeline"] >= 200),
    ]


if __name__ == "__main__":
    main()
