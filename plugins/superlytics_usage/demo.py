"""The demo: seed a month of synthetic data, run every DAG once in order, and show what each one did.

`make demo` calls `run_demo`; `seed` is also the `seed` command. It only ever reseeds a database that holds
synthetic users alone.
"""

from __future__ import annotations

import json
import os
import shutil
from datetime import datetime, timedelta
from pathlib import Path

from psycopg import Connection
from rich.console import Console
from rich.table import Table

from superlytics_usage import database, local_airflow, migrations, synthetic
from superlytics_usage.paths import AIRFLOW_STATE_DIR, PROJECT_ROOT
from superlytics_usage.plans import PlanCatalog, is_unlimited
from superlytics_usage.smtp_sink import SmtpSink
from superlytics_usage.stripe_standin import StripeStandIn

DEMO_LOG = AIRFLOW_STATE_DIR / "demo" / "dag-runs.log"
OUTBOX = PROJECT_ROOT / ".demo" / "outbox"
STRIPE_STATE = PROJECT_ROOT / ".demo" / "stripe_state.json"


class DemoDatabaseError(RuntimeError):
    """The target database holds real users; the demo never reseeds it."""


def seed(conn: Connection, spec: synthetic.GeneratorSpec, catalog: PlanCatalog
         ) -> tuple[synthetic.Dataset, dict[str, int], list[str]]:
    """Bring the schema up to date, empty the demo's tables and load a fresh synthetic dataset; returns the
    dataset, the rows loaded per table and the migration scripts applied."""
    migrations.create_app_schema(conn)
    applied = migrations.apply_migrations(conn)
    data = synthetic.generate(spec, catalog)
    reset_demo_data(conn)
    return data, synthetic.load(conn, data, catalog), applied


def run_demo(conn: Connection, url: str, catalog: PlanCatalog, spec: synthetic.GeneratorSpec, as_of: datetime,
             console: Console) -> None:
    """Seed, then run reconciliation, aggregation, enforcement and alerts for the hour ending at `as_of`, and
    retention as a dry run."""
    data, counts, applied = seed(conn, spec, catalog)
    console.print(f"migrations: {len(applied)} applied, schema current")
    console.print(f"seeded {counts['website_event']:,} events, {counts['session']:,} sessions, "
                  f"{counts['usage_event']:,} API calls and exports for {spec.accounts:,} accounts "
                  f"({spec.window_start:%Y-%m-%d} to {spec.window_end:%Y-%m-%d})")
    console.print(f"running every DAG once, in order, through dag.test() for the hour ending {as_of:%Y-%m-%d %H:%M} "
                  "UTC (--at picks another)")
    local_airflow.configure(AIRFLOW_STATE_DIR / "demo", url)
    with StripeStandIn(write_stripe_state(data, catalog, STRIPE_STATE)) as stripe_standin:
        os.environ["AIRFLOW_CONN_STRIPE_DEFAULT"] = json.dumps(stripe_standin.airflow_connection())
        run = local_airflow.run_dag("stripe_reconciliation", as_of, log=DEMO_LOG)
    console.print(_stripe_summary(conn, run.run_id, stripe_standin.url))
    run = local_airflow.run_dag("usage_aggregation", as_of, log=DEMO_LOG)
    console.print(f"usage_aggregation: run {run.run_id} for {run.data_interval_start:%Y-%m-%d %H:%M} to "
                  f"{run.data_interval_end:%H:%M} UTC succeeded (task logs: {DEMO_LOG})")
    local_airflow.run_dag("limit_enforcement", as_of, log=DEMO_LOG)
    console.print(_usage_per_plan(conn, catalog, run.data_interval_end - timedelta(microseconds=1)))
    console.print(_enforcement_examples(conn))
    shutil.rmtree(OUTBOX, ignore_errors=True)
    with SmtpSink(outbox=OUTBOX) as sink:
        os.environ["AIRFLOW_CONN_SMTP_DEFAULT"] = json.dumps(sink.airflow_connection())
        local_airflow.run_dag("usage_alerts", as_of, log=DEMO_LOG)
    console.print(_emails_sent(sink))
    run = local_airflow.run_dag("data_retention", as_of, {"dry_run": True}, log=DEMO_LOG)
    console.print(_retention_preview(conn, catalog, run.run_id))


def write_stripe_state(data: synthetic.Dataset, catalog: PlanCatalog, path: Path) -> dict:
    """The Stripe objects matching a seeded dataset, kept in `path` so `make airflow` and the compose
    stand-in serve the same Stripe the demo reconciled against."""
    state = synthetic.stripe_state(data, catalog)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(state, default=str))
    return state


def database_is_empty(conn) -> bool:
    """No app users at all: `seed --if-empty` (the compose init job) seeds only then."""
    with conn.cursor() as cur:
        cur.execute(database.read_sql("demo/user_count"))
        return cur.fetchone()[0] == 0


def reset_demo_data(conn) -> None:
    """Empty the app tables for a fresh seed, but only in a database that holds synthetic users alone."""
    with conn.transaction(), conn.cursor() as cur:
        cur.execute(database.read_sql("demo/real_user_count"))
        (real_users,) = cur.fetchone()
        if real_users:
            raise DemoDatabaseError(f"the database holds {real_users} non-synthetic user(s); "
                                    "the demo only reseeds databases it seeded itself")
        cur.execute(database.read_sql("demo/reset"))


def _stripe_summary(conn, run_id: str, url: str) -> Table:
    with conn.cursor() as cur:
        cur.execute(database.read_sql("stripe/sync_run_summary"), {"run_id": run_id})
        customers, subscriptions, sessions, changed, repairs, found = cur.fetchone()
        cur.execute(database.read_sql("demo/stripe_changes"), {"run_id": run_id})
        details = cur.fetchall()
    table = Table(title="What Stripe reconciliation changed",
                  caption=f"stand-in {url}: {customers} customers, {subscriptions} subscriptions, {sessions} "
                          f"lifetime purchases seen; {changed} accounts written, {repairs} app rows repaired, "
                          f"{found} discrepancies")
    for column in ("what", "account / kind", "before / count", "after"):
        table.add_column(column)
    for row in details:
        table.add_row(*row)
    return table


def _in_catalogue_order(rows: list[tuple], catalog: PlanCatalog) -> list[tuple]:
    """Rows keyed by plan id (first column) in plans.yaml's order; unknown plans last."""
    order = list(catalog.plans)
    return sorted(rows, key=lambda row: order.index(row[0]) if row[0] in order else len(order))


def _usage_per_plan(conn, catalog: PlanCatalog, as_of: datetime) -> Table:
    table = Table(title=f"Usage per plan, billing periods open at {as_of:%Y-%m-%d %H:%M} UTC",
                  caption="near / over: accounts the published snapshot flags at 80 percent or over a period limit")
    for column in ("plan", "accounts", "page views", "custom events", "API calls", "exports", "peak users",
                   "near", "over"):
        table.add_column(column, justify="left" if column == "plan" else "right")
    period_keys = [key for key, metric in catalog.metrics.items() if metric.kind in ("counter", "peak")]
    with conn.cursor() as cur:
        cur.execute(database.read_sql("demo/usage_per_plan"), {"as_of": as_of, "period_keys": period_keys})
        rows = _in_catalogue_order(cur.fetchall(), catalog)
    for plan_id, *numbers in rows:
        table.add_row(plan_id, *(f"{n:,}" for n in numbers))
    return table


def _emails_sent(sink: SmtpSink, shown: int = 8) -> Table | str:
    if not sink.messages:
        return "Usage alert emails sent to the local SMTP sink: none (no account crossed a threshold this run)"
    table = Table(title=f"Usage alert emails sent to the local SMTP sink: {len(sink.messages)}",
                  caption=f"each message and its HTML part (open in a browser) are in {OUTBOX}/")
    for column in ("to", "subject"):
        table.add_column(column)
    for message in sink.messages[:shown]:
        table.add_row(str(message["To"]), str(message["Subject"]))
    if len(sink.messages) > shown:
        table.add_row("…", f"and {len(sink.messages) - shown} more")
    return table


def _retention_preview(conn, catalog: PlanCatalog, run_id: str) -> Table:
    table = Table(title="data_retention dry run — what it would delete per plan (nothing was deleted)")
    for column in ("plan", "window", "sites", "held", "events", "event data", "session data", "revenue",
                   "sessions"):
        table.add_column(column, justify="left" if column == "plan" else "right", no_wrap=True)
    with conn.cursor() as cur:
        cur.execute(database.read_sql("demo/retention_preview"), {"run_id": run_id})
        rows = _in_catalogue_order(cur.fetchall(), catalog)
    for plan_id, days, as_of, websites, held, *counts in rows:
        window = "unknown" if days is None else "keep all" if is_unlimited(days) else f"{days} days"
        table.add_row(plan_id, window, str(websites), str(held), *(f"{n:,}" for n in counts))
        table.caption = f"rows created before {as_of:%Y-%m-%d %H:%M} UTC minus the window go; held or skipped " \
                        "websites (cutoff jump, unknown plan) and why: billing.retention_audit"
    return table


def _enforcement_examples(conn) -> Table:
    table = Table(title="billing.enforcement — what the app reads (key pageViews)")
    for column in ("example", "account", "plan", "allowed", "usage", "limit", "%", "near", "over", "overage"):
        table.add_column(column)
    with conn.cursor() as cur:
        cur.execute(database.read_sql("demo/enforcement_examples"))
        names = [c.name for c in cur.description]
        for values in cur.fetchall():
            row = dict(zip(names, values, strict=True))
            limit = row["effective_limit"]
            table.add_row(row["example"], row["username"], row["plan_id"], str(row["allowed"]),
                          f"{row['current_usage']:,}", "unlimited" if limit == -1 else f"{limit:,}",
                          "" if row["percentage"] is None else f"{row['percentage']:.1%}", str(row["near_limit"]),
                          str(row["over_limit"]), f"{row['overage']:,}")
            table.caption = f"snapshot computed {row['computed_at']:%Y-%m-%d %H:%M:%S} UTC from data through " \
                            f"{row['data_through']:%Y-%m-%d %H:%M} UTC"
    return table
