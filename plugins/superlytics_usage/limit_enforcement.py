"""Compute every account's limits and features into a candidate snapshot, and publish it atomically.

The candidate (`billing.enforcement_candidate`) is committed before the quality gate reads it through its
own connection; only a candidate that passed is copied into `billing.enforcement`, in one transaction.
"""

from __future__ import annotations

from datetime import datetime

from psycopg import Connection

from superlytics_usage.database import read_sql
from superlytics_usage.plans import PlanCatalog


class NoUsageYet(RuntimeError):
    """There is nothing to enforce from: usage_aggregation has not produced a record."""


def catalog_params(catalog: PlanCatalog) -> dict[str, list]:
    """The catalogue as aligned arrays, so one set-based statement can join against it."""
    limits = [(p.id, key, value) for p in catalog.plans.values() for key, value in p.limits.items()]
    features = [(p.id, key, on) for p in catalog.plans.values() for key, on in p.features.items()]
    return {
        "plan_ids": [r[0] for r in limits], "limit_keys": [r[1] for r in limits],
        "limit_values": [r[2] for r in limits],
        "feature_plan_ids": [r[0] for r in features], "feature_keys": [r[1] for r in features],
        "feature_enabled": [r[2] for r in features],
        "metric_keys": list(catalog.metrics), "metric_kinds": [m.kind for m in catalog.metrics.values()],
        "near": catalog.settings.near_limit_threshold,
    }


def compute_candidate(conn: Connection, catalog: PlanCatalog) -> datetime:
    """Replace the candidate snapshot; returns the time its usage data runs through."""
    with conn.transaction(), conn.cursor() as cur:
        cur.execute(read_sql("enforcement/data_through"))
        (data_through,) = cur.fetchone()
        if data_through is None:
            raise NoUsageYet("billing.usage_record is empty: run usage_aggregation before limit_enforcement")
        cur.execute(read_sql("enforcement/candidate_replace"),
                    {**catalog_params(catalog), "data_through": data_through})
    return data_through


def publish(conn: Connection) -> int:
    """Swap the checked candidate in as the snapshot the app reads; returns its row count."""
    with conn.transaction(), conn.cursor() as cur:
        cur.execute(read_sql("enforcement/publish"))
        cur.execute(read_sql("enforcement/snapshot_size"))
        return cur.fetchone()[0]
