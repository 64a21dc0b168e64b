"""The data_retention DAG's task body: windows measured back from the run's data interval end."""

from __future__ import annotations

import logging
from collections import Counter
from contextlib import closing
from datetime import datetime
from typing import Any

from superlytics_usage.airflow_env import POSTGRES_CONN_ID
from superlytics_usage.data_retention import RetentionOptions, apply_retention
from superlytics_usage.database import prepare
from superlytics_usage.plans import load_catalog

log = logging.getLogger(__name__)


def run_data_retention(data_interval_end: datetime, params: dict[str, Any], run_id: str) -> dict[str, Any]:
    """Apply (or, with dry_run, report) every website's retention; returns counts by status and table."""
    from airflow.providers.postgres.hooks.postgres import PostgresHook

    catalog = load_catalog()
    options = RetentionOptions.from_catalog(
        catalog, data_interval_end, run_id, dry_run=bool(params.get("dry_run")),
        force_websites=[str(w).strip() for w in params.get("force_websites") or [] if str(w).strip()],
        max_rows=params.get("max_rows"))
    with closing(prepare(PostgresHook(postgres_conn_id=POSTGRES_CONN_ID).get_conn())) as conn:
        decisions = apply_retention(conn, catalog, options)
    for decision in decisions:
        if decision.status in ("held", "skipped", "capped"):
            log.warning("retention %s website %s (owner %s, plan %s): %s", decision.status, decision.website_id,
                        decision.owner_user_id, decision.plan_id, decision.reason)
    rows: Counter[str] = Counter()
    for decision in decisions:
        rows.update(decision.rows)
    summary = {"as_of": data_interval_end.isoformat(), "dry_run": options.dry_run,
               "websites": dict(Counter(d.status for d in decisions)), "rows": dict(rows)}
    log.info("data retention %s: %s", "dry run (nothing deleted)" if options.dry_run else "applied", summary)
    return summary
