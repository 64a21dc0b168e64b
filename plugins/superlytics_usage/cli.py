"""Command line for operators and the Makefile: migrate, seed, demo, airflow, stop-db.

`python -m superlytics_usage.cli COMMAND` (the Makefile sets PYTHONPATH=plugins). Errors a person can act
on (a bad plans.yaml, a non-demo database) end the command with one line and exit code 2, not a traceback.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from contextlib import closing
from datetime import UTC, datetime
from pathlib import Path

from rich.console import Console

from superlytics_usage import database, demo, local_airflow, migrations, synthetic
from superlytics_usage.paths import AIRFLOW_STATE_DIR
from superlytics_usage.plans import PlanCatalogError, load_catalog

console = Console(width=None if sys.stdout.isatty() else 110)


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
        _, counts, _ = demo.seed(conn, spec, catalog)
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
        demo.run_demo(conn, url, catalog, spec, args.at or spec.window_end, console)
    console.print(f"[green]demo finished in {time.perf_counter() - started:.0f}s.[/] "
                  "Next: [bold]make airflow[/] opens the Airflow UI on this database at http://localhost:8080")


def cmd_airflow(_: argparse.Namespace) -> None:
    venv_bin = Path(sys.executable).parent  # standalone starts its components as `airflow ...` from PATH
    local_airflow.configure(AIRFLOW_STATE_DIR / "demo", database.database_url())
    os.environ["PATH"] = f"{venv_bin}{os.pathsep}{os.environ.get('PATH', '')}"
    console.print("Airflow UI: http://localhost:8080 (every local user is an admin; Ctrl-C stops it)")
    airflow = str(venv_bin / "airflow")
    os.execv(airflow, [airflow, "standalone"])


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
