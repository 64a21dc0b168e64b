"""Raw events into exact usage records per account and billing period, idempotently.

A run refreshes whole hours of per-account buckets (`billing.usage_hourly`) for its lookback window, plus
any hour of an open period never computed before, then recomputes the usage record of every billing period
that touches those hours: whole hours from the buckets, the partial hours at a period's edges counted
exactly from raw rows. Every bucket and record is a pure function of the raw data, replaced whole, so
reruns, out-of-order runs and hour-by-hour backfills converge on what one full recompute gives.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime, timedelta

from psycopg import Connection

from superlytics_usage.database import read_sql

DEFAULT_LOOKBACK = timedelta(days=3)
HOUR = timedelta(hours=1)


@dataclass(frozen=True)
class AggregationWindow:
    """The run's data interval and the event time range it recounts (the interval plus its lookback)."""

    interval_start: datetime
    interval_end: datetime
    window_start: datetime
    window_end: datetime

    @classmethod
    def for_interval(cls, interval_start: datetime, interval_end: datetime, lookback: timedelta = DEFAULT_LOOKBACK,
                     recompute_from: datetime | None = None, recompute_to: datetime | None = None
                     ) -> AggregationWindow:
        """A scheduled run recounts [end - lookback, end); a recompute recounts the range it names."""
        if interval_end < interval_start:
            raise ValueError(f"data interval ends before it starts: {interval_start} .. {interval_end}")
        if (recompute_from is None) != (recompute_to is None):
            raise ValueError("recompute_from and recompute_to go together")
        if recompute_from is not None and recompute_to is not None:
            if recompute_to <= recompute_from:
                raise ValueError(f"recompute range is empty: {recompute_from} .. {recompute_to}")
            return cls(interval_start, interval_end, recompute_from, recompute_to)
        return cls(interval_start, interval_end, min(interval_start, interval_end - lookback), interval_end)


@dataclass(frozen=True)
class AggregationSummary:
    hours_from: datetime
    hours_to: datetime
    buckets_written: int
    records_written: int
    records_removed: int
    rows_scanned: int


def floor_hour(moment: datetime) -> datetime:
    return moment.replace(minute=0, second=0, microsecond=0)


def ceil_hour(moment: datetime) -> datetime:
    floored = floor_hour(moment)
    return floored if floored == moment else floored + HOUR


def aggregate_usage(conn: Connection, window: AggregationWindow, *, calendar_plans: tuple[str, ...],
                    run_id: str) -> AggregationSummary:
    """One transaction: refresh the window's hourly buckets, then every period that touches them."""
    with conn.transaction(), conn.cursor() as cur:
        cur.execute(read_sql("usage/session_setup"))
        hours_from, hours_to = floor_hour(window.window_start), ceil_hour(window.window_end)
        scope = {"range_start": hours_from, "range_end": hours_to, "calendar_plans": list(calendar_plans)}
        cur.execute(read_sql("usage/scope_periods"), scope)
        cur.execute(read_sql("usage/first_uncovered_hour"), scope)
        (first_gap,) = cur.fetchone()
        if first_gap is not None and first_gap < hours_from:
            # Filling a gap touches periods before the window too: derive them for the whole refreshed range.
            hours_from = first_gap
            cur.execute(read_sql("usage/drop_scope"))
            cur.execute(read_sql("usage/scope_periods"), {**scope, "range_start": hours_from})
        hours = {"hours_from": hours_from, "hours_to": hours_to, "run_id": run_id}
        cur.execute(read_sql("usage/usage_hourly_replace"), hours)
        cur.execute(read_sql("usage/hourly_summary"), hours)
        buckets_written, rows_scanned = cur.fetchone()
        cur.execute(read_sql("usage/usage_record_upsert"), {"data_through": window.interval_end, "run_id": run_id})
        records_written = cur.rowcount
        cur.execute(read_sql("usage/usage_record_prune"), {"range_start": hours_from, "range_end": hours_to})
        records_removed = cur.rowcount
        cur.execute(read_sql("usage/usage_gauge_replace"), {"run_id": run_id})
        summary = AggregationSummary(hours_from, hours_to, buckets_written, records_written, records_removed,
                                     int(rows_scanned))
        cur.execute(read_sql("usage/usage_run_insert"), {"run_id": run_id, **asdict(window), **asdict(summary)})
    return summary
