"""Shared fixtures: a throwaway PostgreSQL database, the plan catalogue, and a local Airflow.

The database is real: `DATABASE_URL`'s server when set, otherwise the embedded server. The suite creates
its own uniquely named database on that server, works only inside it and drops it at the end, so it can
never touch a database it did not create. Airflow's metadata is SQLite under `.airflow/test`.
"""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Iterator
from contextlib import closing, contextmanager, nullcontext
from pathlib import Path
from unittest import mock

import pytest

ROOT = Path(__file__).resolve().parents[1]
TEST_AIRFLOW_HOME = ROOT / ".airflow" / "test"
TEST_DATABASE_PREFIX = "superlytics_test_"

from superlytics_usage.airflow_env import POSTGRES_CONN_ID, airflow_environment  # noqa: E402

# Airflow reads its configuration at import: point it at this project before anything imports it.
os.environ.update({**airflow_environment(TEST_AIRFLOW_HOME), "AIRFLOW__CORE__UNIT_TEST_MODE": "True"})

from superlytics_usage import database, migrations  # noqa: E402
from superlytics_usage.plans import PlanCatalog, load_catalog  # noqa: E402
from superlytics_usage.smtp_sink import SmtpSink  # noqa: E402

APP_TABLES = ('"user"', "team", "team_user", "website", "session", "website_event", "event_data", "session_data",
              "revenue", "report")


@pytest.fixture(scope="session")
def server_url() -> str:
    """Admin URL of the server the suite may create databases on."""
    return os.environ.get("DATABASE_URL") or database.embedded_server_url()


@pytest.fixture(scope="session")
def database_url(server_url: str) -> Iterator[str]:
    """A fresh database with the app schema and every migration, dropped when the session ends."""
    name = f"{TEST_DATABASE_PREFIX}{uuid.uuid4().hex[:10]}"
    url = database.with_database(server_url, name)
    database.ensure_database(url)
    try:
        with closing(database.connect(url)) as conn:
            migrations.create_app_schema(conn)
            migrations.apply_migrations(conn)
        os.environ[f"AIRFLOW_CONN_{POSTGRES_CONN_ID.upper()}"] = database.airflow_connection(url)
        yield url
    finally:
        # the demo under test (test_cli) keeps Airflow's metadata in a database next to this one
        for created in (url, database.airflow_metadata_database(url)):
            assert database.database_name(created).startswith(TEST_DATABASE_PREFIX)
            database.drop_database(created)


@pytest.fixture
def db(database_url: str) -> Iterator:
    """A connection to an emptied test database (app tables and the pipeline's data, not its schema)."""
    with closing(database.connect(database_url)) as conn:
        with conn.transaction(), conn.cursor() as cur:
            cur.execute("select string_agg(format('billing.%I', tablename), ', ') from pg_tables "
                        "where schemaname = 'billing' and tablename <> 'schema_migration'")
            (billing_tables,) = cur.fetchone()
            cur.execute(f"truncate {', '.join(APP_TABLES)}, {billing_tables}")
        yield conn


@pytest.fixture(scope="session")
def catalog() -> PlanCatalog:
    return load_catalog()


@pytest.fixture(scope="session")
def airflow_db() -> None:
    """Airflow's SQLite metadata database, migrated once per session."""
    from superlytics_usage.local_airflow import migrate_metadata

    migrate_metadata()



def dag_for_test(dag_id: str):
    """The DAG as its file defines it, retries off (see local_airflow.load_dag)."""
    from superlytics_usage.local_airflow import load_dag

    return load_dag(dag_id)


@contextmanager
def smtp_default(*, listening: bool = True) -> Iterator[SmtpSink]:
    """A real SMTP server on loopback as Airflow's `smtp_default` Connection while the block runs; with
    listening=False nothing answers on its port (an outage)."""
    sink = SmtpSink()
    with sink if listening else nullcontext(sink), mock.patch.dict(os.environ, {
            "AIRFLOW_CONN_SMTP_DEFAULT": json.dumps(sink.airflow_connection())}):
        yield sink


@pytest.fixture
def smtp_sink() -> Iterator[SmtpSink]:
    """What the DAGs under test email (customers, and operators on a failed task) lands here."""
    with smtp_default() as sink:
        yield sink
