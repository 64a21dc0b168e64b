"""Command line for operators and the Makefile: migrate, seed, demo, airflow, stop-db.

`python -m superlytics_usage.cli COMMAND` (the Makefile sets PYTHONPATH=plugins). Errors a person can act
on (a bad plans.yaml, a non-demo database) end the command with one line and exit code 2, not a traceback.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from contextlib import closing
from datetime import UTC, datetime, timedelta
from pathlib import Path

from rich.console import Console
from rich.table import Table

from superlytics_usage import database, local_airflow, migrations, synthetic
from superlytics_usage.airflow_env import airflow_environment
from superlytics_usage.paths import AIRFLOW_STATE_DIR, PROJECT_ROOT
from superlytics_usage.plans import PlanCatalog, PlanCatalogError, is_unlimited, load_catalog
from superlytics_usage.smtp_sink import SmtpSink
from superlytics_usage.stripe_standin import StripeStandIn

DEMO_LOG = AIRFLOW_STATE_DIR / "demo" / "dag-runs.log"
OUTBOX = PROJECT_ROOT / ".demo" / "outbox"
console = Console(width=None if sys.stdout.isatty() else 110)


class DemoDatabaseError(RuntimeError):
    """The target database holds real users; the demo never reseeds it."""


def cmd_migrate(args: argparse.Namespace) -> None:
    url = database.database_url()
    with closing(database.connect(url)) as conn:
        if args.app_schema:
            migrations.create_app_schema(conn)
        applied = migrations.apply_migrations(conn)
    console.print(f"migrations: applied {len(applied)} script(s)" + (f": {', '.join(applied)}" if applied else ""))


def cmd_seed(args: argparse.Namespace) -> None:
    catalog = load_catalog()
    url = database.database_url()
    spec = _spec(args)
    with closing(database.connect(url)) as conn:
        migrations.create_app_schema(conn)
        migrations.apply_migrations(conn)
        started = time.perf_counter()
        data = synthetic.generate(spec, catalog)
        reset_demo_data(conn)
        counts = synthetic.load(conn, data, catalog)
    console.print(f"seeded {counts['website_event']:,} events for {spec.accounts:,} accounts "
                  f"in {time.perf_counter() - started:.1f}s")


def cmd_demo(args: argparse.Namespace) -> None:
    started = time.perf_counter()
    catalog = load_catalog()
    url = database.database_url()
    console.rule("[bold]Superlytics usage pipeline demo")
    console.print(f"database: {_redacted(url)}")
    spec = _spec(args)
    with closing(database.connect(url)) as conn:
        migrations.create_app_schema(conn)
        applied = migrations.apply_migrations(conn)
        console.print(f"migrations: {len(applied)} applied, schema current")
        data = synthetic.generate(spec, catalog)
        reset_demo_data(conn)
        counts = synthetic.load(conn, data, catalog)
        console.print(f"seeded {counts['website_event']:,} events, {counts['session']:,} sessions, "
                      f"{counts['usage_event']:,} API calls and exports for {spec.accounts:,} accounts "
                      f"({spec.window_start:%Y-%m-%d} to {spec.window_end:%Y-%m-%d})")
        console.print(_seed_summary(conn, list(catalog.plans)))
        local_airflow.configure(AIRFLOW_STATE_DIR / "demo", url)
        as_of = args.at or spec.window_end
        with StripeStandIn(synthetic.stripe_state(data, catalog)) as stripe_standin:
            os.environ["AIRFLOW_CONN_STRIPE_DEFAULT"] = json.dumps({
                "conn_type": "generic", "password": "sk_test_demo", "extra": {"api_base": stripe_standin.url}})
            run = local_airflow.run_dag("stripe_reconciliation", as_of, log=DEMO_LOG)
        console.print(_stripe_summary(conn, run.run_id, stripe_standin.url))
        run = local_airflow.run_dag("usage_aggregation", as_of, log=DEMO_LOG)
        console.print(f"usage_aggregation: run {run.run_id} for {run.data_interval_start:%Y-%m-%d %H:%M} to "
                      f"{run.data_interval_end:%H:%M} UTC succeeded (task logs: {DEMO_LOG})")
        console.print(_top_usage(conn, catalog, run.data_interval_end - timedelta(microseconds=1)))
        local_airflow.run_dag("limit_enforcement", as_of, log=DEMO_LOG)
        console.print(_enforcement_examples(conn))
        shutil.rmtree(OUTBOX, ignore_errors=True)
        with SmtpSink(outbox=OUTBOX) as sink:
            os.environ["AIRFLOW_CONN_SMTP_DEFAULT"] = json.dumps(sink.airflow_connection())
            local_airflow.run_dag("usage_alerts", as_of, log=DEMO_LOG)
        console.print(_emails_sent(sink))
    console.print(f"[green]demo finished in {time.perf_counter() - started:.0f}s.[/] "
                  "Next: [bold]make airflow[/] opens the Airflow UI on this database at http://localhost:8080")


def cmd_airflow(_: argparse.Namespace) -> None:
    venv_bin = Path(sys.executable).parent  # standalone starts its components as `airflow ...` from PATH
    env = {**os.environ, **airflow_environment(AIRFLOW_STATE_DIR / "demo", database.database_url()),
           "PATH": f"{venv_bin}{os.pathsep}{os.environ.get('PATH', '')}"}
    airflow = str(venv_bin / "airflow")
    subprocess.run([airflow, "db", "migrate"], env=env, check=True, capture_output=True)
    console.print("Airflow UI: http://localhost:8080 (every local user is an admin; Ctrl-C stops it)")
    os.execve(airflow, [airflow, "standalone"], env)


def cmd_stop_db(_: argparse.Namespace) -> None:
    stopped = database.stop_embedded_server()
    console.print("embedded PostgreSQL stopped" if stopped else "no embedded PostgreSQL was running")


def reset_demo_data(conn) -> None:
    """Empty the app tables for a fresh seed, but only in a database that holds synthetic users alone."""
    with conn.transaction(), conn.cursor() as cur:
        cur.execute(database.read_sql("demo/real_user_count"))
        (real_users,) = cur.fetchone()
        if real_users:
            raise DemoDatabaseError(f"the database holds {real_users} non-synthetic user(s); "
                                    "the demo only reseeds databases it seeded itself")
        cur.execute(database.read_sql("demo/reset"))


def _seed_summary(conn, plan_order: list[str]) -> Table:
    table = Table(title="Seeded accounts by plan")
    for column in ("plan", "accounts", "websites", "events", "page views", "API calls", "exports"):
        table.add_column(column, justify="left" if column == "plan" else "right")
    with conn.cursor() as cur:
        cur.execute(database.read_sql("demo/seed_summary"))
        for row in sorted(cur.fetchall(), key=lambda r: plan_order.index(r[0]) if r[0] in plan_order else 99):
            table.add_row(row[0], *(f"{v:,}" for v in row[1:]))
    return table


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


def _top_usage(conn, catalog: PlanCatalog, as_of: datetime, top: int = 10) -> Table:
    table = Table(title=f"Top accounts by share of their page-view limit, period open at {as_of:%Y-%m-%d %H:%M} UTC")
    for column in ("account", "plan", "period", "page views", "of limit", "custom events", "API calls",
                   "exports", "peak users"):
        table.add_column(column, justify="right" if column not in ("account", "plan", "period") else "left")
    params = {"as_of": as_of, "top": top, "plan_ids": list(catalog.plans),
              "page_view_limits": [p.limits["pageViews"] for p in catalog.plans.values()]}
    with conn.cursor() as cur:
        cur.execute(database.read_sql("demo/top_usage"), params)
        for name, plan_id, start, end, views, limit, custom, api, exports, peak in cur.fetchall():
            share = "unlimited" if is_unlimited(limit) else f"{views / limit:.0%}" if limit else "blocked"
            table.add_row(name, plan_id, f"{start:%m-%d}→{end:%m-%d}", f"{views:,}", share, str(custom),
                          f"{api:,}", str(exports), str(peak))
    return table


def _emails_sent(sink: SmtpSink, shown: int = 8) -> Table:
    table = Table(title=f"Usage alert emails sent to the local SMTP sink: {len(sink.messages)}",
                  caption=f"each message and its HTML part (open in a browser) are in {OUTBOX}/")
    for column in ("to", "subject"):
        table.add_column(column)
    for message in sink.messages[:shown]:
        table.add_row(str(message["To"]), str(message["Subject"]))
    if len(sink.messages) > shown:
        table.add_row("…", f"and {len(sink.messages) - shown} more")
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


def _spec(args: argparse.Namespace) -> synthetic.GeneratorSpec:
    start, end = synthetic.default_window(datetime.now(UTC))  # wall-clock ok: the demo picks "this month"
    return synthetic.GeneratorSpec(window_start=start, window_end=end, accounts=args.accounts,
                                   events=args.events, seed=args.seed)


def _utc(value: str) -> datetime:
    moment = datetime.fromisoformat(value)
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _redacted(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="superlytics", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    migrate = commands.add_parser("migrate", help="apply the pipeline's migrations and source views")
    migrate.add_argument("--app-schema", action="store_true", help="also create the dev/test app tables")
    migrate.set_defaults(func=cmd_migrate)
    for name, func, help_text in (("seed", cmd_seed, "load synthetic data"),
                                  ("demo", cmd_demo, "set up, seed and run the pipeline once")):
        sub = commands.add_parser(name, help=help_text)
        sub.add_argument("--accounts", type=int, default=300)
        sub.add_argument("--events", type=int, default=300_000)
        sub.add_argument("--seed", type=int, default=7)
        sub.add_argument("--at", type=_utc, default=None,
                         help="run the pipeline for the hour ending here (default: the start of today, UTC)")
        sub.set_defaults(func=func)
    commands.add_parser("airflow", help="Airflow standalone on localhost:8080").set_defaults(func=cmd_airflow)
    commands.add_parser("stop-db", help="stop the embedded PostgreSQL").set_defaults(func=cmd_stop_db)
    args = parser.parse_args(argv)
    try:
        args.func(args)
    except (PlanCatalogError, DemoDatabaseError, migrations.MigrationError, local_airflow.DagRunFailed) as exc:
        console.print(f"[red]error:[/] {exc}", soft_wrap=True, highlight=False)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
