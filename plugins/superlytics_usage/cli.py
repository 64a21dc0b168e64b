"""Command line for operators and the Makefile: migrate, seed, demo, airflow, stop-db.

`python -m superlytics_usage.cli COMMAND` (the Makefile sets PYTHONPATH=plugins). Errors a person can act
on (a bad plans.yaml, a non-demo database) end the command with one line and exit code 2, not a traceback.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from contextlib import closing, suppress
from datetime import UTC, datetime
from pathlib import Path

from rich.console import Console

from superlytics_usage import database, demo, local_airflow, migrations, synthetic
from superlytics_usage.paths import AIRFLOW_STATE_DIR
from superlytics_usage.plans import PlanCatalogError, load_catalog
from superlytics_usage.smtp_sink import SmtpSink
from superlytics_usage.stripe_standin import StripeStandIn

console = Console(width=None if sys.stdout.isatty() else 110)
AIRFLOW_OUTBOX = demo.OUTBOX.parent / "outbox-airflow"


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
    started = time.perf_counter()
    with closing(database.connect(url)) as conn:
        if args.if_empty:
            migrations.create_app_schema(conn)
            if not demo.database_is_empty(conn):
                console.print("the database already holds users: not seeding (--if-empty)")
                return
        data, counts, _ = demo.seed(conn, spec, catalog)
    if args.stripe_state:
        demo.write_stripe_state(data, catalog, args.stripe_state)
    console.print(f"seeded {counts['website_event']:,} events for {spec.accounts:,} accounts "
                  f"in {time.perf_counter() - started:.1f}s" +
                  (f"; Stripe stand-in state in {args.stripe_state}" if args.stripe_state else ""))


def cmd_demo(args: argparse.Namespace) -> None:
    started = time.perf_counter()
    catalog = load_catalog()
    url = database.database_url()
    console.rule("[bold]Superlytics usage pipeline demo")
    console.print(f"database: {_redacted(url)}")
    spec = _spec(args)
    with closing(database.connect(url)) as conn:
        demo.run_demo(conn, url, catalog, spec, args.at or spec.window_end, console)
    console.print(f"[green]demo finished in {time.perf_counter() - started:.0f}s.[/] "
                  "Next: [bold]make airflow[/] opens the Airflow UI on this database at http://localhost:8080 "
                  "(with this Stripe stand-in and an SMTP sink; DAGs start paused, trigger them with their params "
                  "forms)", soft_wrap=True)


def cmd_airflow(_: argparse.Namespace) -> None:
    """Airflow standalone on the demo database, with the demo's Stripe stand-in and a local SMTP sink, so a
    manual run of any DAG from the UI works end to end. Ctrl-C stops all three."""
    venv_bin = Path(sys.executable).parent  # standalone starts its components as `airflow ...` from PATH
    local_airflow.configure(AIRFLOW_STATE_DIR / "demo", database.database_url())
    os.environ["PATH"] = f"{venv_bin}{os.pathsep}{os.environ.get('PATH', '')}"
    state = json.loads(demo.STRIPE_STATE.read_text()) if demo.STRIPE_STATE.exists() else None
    with StripeStandIn(state) as stripe_standin, SmtpSink(outbox=AIRFLOW_OUTBOX) as sink:
        os.environ["AIRFLOW_CONN_STRIPE_DEFAULT"] = json.dumps(stripe_standin.airflow_connection())
        os.environ["AIRFLOW_CONN_SMTP_DEFAULT"] = json.dumps(sink.airflow_connection())
        console.print(f"Airflow UI: http://localhost:8080 (every local user is an admin; Ctrl-C stops it). "
                      f"Stripe stand-in {stripe_standin.url} "
                      f"({'the demo state' if state else 'empty: run make demo first'}); "
                      f"emails land in {AIRFLOW_OUTBOX}/", soft_wrap=True)
        with suppress(KeyboardInterrupt):
            subprocess.run([str(venv_bin / "airflow"), "standalone"], check=False)


def cmd_stop_db(_: argparse.Namespace) -> None:
    stopped = database.stop_embedded_server()
    console.print("embedded PostgreSQL stopped" if stopped else "no embedded PostgreSQL was running")


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
        if name == "seed":
            sub.add_argument("--if-empty", action="store_true", help="seed only a database with no users")
            sub.add_argument("--stripe-state", type=Path, help="also write the matching Stripe stand-in state here")
    commands.add_parser("airflow", help="Airflow standalone on localhost:8080").set_defaults(func=cmd_airflow)
    commands.add_parser("stop-db", help="stop the embedded PostgreSQL").set_defaults(func=cmd_stop_db)
    args = parser.parse_args(argv)
    try:
        args.func(args)
    except (PlanCatalogError, demo.DemoDatabaseError, migrations.MigrationError, local_airflow.DagRunFailed) as exc:
        console.print(f"[red]error:[/] {exc}", soft_wrap=True, highlight=False)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
