"""The stripe_reconciliation DAG's task body: Stripe client from a Connection, pull, reconcile."""

from __future__ import annotations

import dataclasses
from contextlib import closing
from datetime import datetime
from typing import Any

from superlytics_usage.airflow_env import POSTGRES_CONN_ID
from superlytics_usage.database import prepare
from superlytics_usage.plans import load_catalog
from superlytics_usage.stripe_client import pull, stripe_client
from superlytics_usage.stripe_reconciliation import reconcile

STRIPE_CONN_ID = "stripe_default"


def run_stripe_reconciliation(data_interval_end: datetime, params: dict[str, Any], run_id: str) -> dict[str, Any]:
    """Pull everything from Stripe, then apply it as of the interval's end; returns the run's report.

    The API key is the Connection's password and is never logged; its extra may set `api_base` (a local
    stand-in), `timeout` and `budget_seconds` (the whole pull's retry budget).
    """
    from airflow.providers.postgres.hooks.postgres import PostgresHook
    from airflow.sdk import BaseHook

    connection = BaseHook.get_connection(STRIPE_CONN_ID)
    extra = connection.extra_dejson
    client = stripe_client(connection.password, api_base=extra.get("api_base"),
                           timeout=float(extra.get("timeout", 20)),
                           budget_seconds=float(extra.get("budget_seconds", 300)))
    snapshot = pull(client)
    with closing(prepare(PostgresHook(postgres_conn_id=POSTGRES_CONN_ID).get_conn())) as conn:
        report = reconcile(conn, snapshot, load_catalog(), as_of=data_interval_end, run_id=run_id,
                           force=bool(params.get("force")))
    return {key: str(value) for key, value in dataclasses.asdict(report).items()}
