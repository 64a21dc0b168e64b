"""The usage_aggregation DAG's task body: read the run's interval and params, aggregate through the provider."""

from __future__ import annotations

from contextlib import closing
from datetime import datetime, timedelta
from typing import Any

import pendulum

from superlytics_usage.airflow_env import POSTGRES_CONN_ID
from superlytics_usage.database import prepare
from superlytics_usage.plans import load_catalog
from superlytics_usage.usage_aggregation import AggregationWindow, aggregate_usage


def _moment(value: str | None) -> datetime | None:
    return pendulum.parse(value, tz="UTC") if value else None


def run_usage_aggregation(data_interval_start: datetime, data_interval_end: datetime, params: dict[str, Any],
                          run_id: str) -> dict[str, Any]:
    """Aggregate the run's interval (or the recompute range in its params); returns the run's summary."""
    from airflow.providers.postgres.hooks.postgres import PostgresHook

    window = AggregationWindow.for_interval(
        data_interval_start, data_interval_end,
        lookback=timedelta(hours=int(params.get("lookback_hours") or 72)),
        recompute_from=_moment(params.get("recompute_from")),
        recompute_to=_moment(params.get("recompute_to")),
    )
    catalog = load_catalog()
    with closing(prepare(PostgresHook(postgres_conn_id=POSTGRES_CONN_ID).get_conn())) as conn:
        summary = aggregate_usage(conn, window, calendar_plans=catalog.calendar_plan_ids, run_id=run_id)
    return {key: str(value) for key, value in vars(summary).items()}
