"""The limit_enforcement DAG's task bodies: compute, check, publish — each its own transaction."""

from __future__ import annotations

from contextlib import closing

from superlytics_usage import limit_enforcement, quality
from superlytics_usage.airflow_env import POSTGRES_CONN_ID
from superlytics_usage.database import prepare, sqlalchemy_url, url_from_connection
from superlytics_usage.plans import load_catalog


def _hook():
    from airflow.providers.postgres.hooks.postgres import PostgresHook

    return PostgresHook(postgres_conn_id=POSTGRES_CONN_ID)


def compute() -> str:
    with closing(prepare(_hook().get_conn())) as conn:
        return limit_enforcement.compute_candidate(conn, load_catalog()).isoformat()


def check() -> int:
    connection = _hook().get_connection(POSTGRES_CONN_ID)
    url = url_from_connection(connection.host, connection.port, connection.login, connection.password,
                              connection.schema)
    return quality.check_enforcement_candidate(sqlalchemy_url(url), load_catalog())


def publish() -> int:
    with closing(prepare(_hook().get_conn())) as conn:
        return limit_enforcement.publish(conn)
