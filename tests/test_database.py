"""Reaching PostgreSQL: URLs, Airflow connections and the embedded server."""

from __future__ import annotations

import json

from superlytics_usage import database


def test_socket_url_becomes_an_airflow_connection_with_the_socket_folder_as_host():
    conn = json.loads(database.airflow_connection("postgresql://postgres:@/superlytics?host=/srv/pg/data"))
    assert conn == {"conn_type": "postgres", "host": "/srv/pg/data", "port": 5432, "login": "postgres",
                    "password": "", "schema": "superlytics"}


def test_tcp_url_keeps_host_port_and_password():
    conn = json.loads(database.airflow_connection("postgresql://app:s3cret@db.internal:6543/billing"))
    assert (conn["host"], conn["port"], conn["login"], conn["password"], conn["schema"]) == (
        "db.internal", 6543, "app", "s3cret", "billing")


def test_with_database_swaps_only_the_database():
    url = database.with_database("postgresql://postgres:@/postgres?host=/tmp/x", "other")
    assert database.database_name(url) == "other" and "host=" in url


def test_the_test_database_is_real_postgres(db):
    with db.cursor() as cur:
        cur.execute("select current_database(), current_setting('server_version_num')::int")
        name, version = cur.fetchone()
    assert name.startswith("superlytics_test_") and version >= 150000
