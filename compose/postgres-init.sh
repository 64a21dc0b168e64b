#!/bin/bash
# First start of the compose PostgreSQL: a database for Airflow's metadata and one for Superlytics (the
# app's Umami tables and the pipeline's `billing` schema, owned by the superuser from .env).
set -euo pipefail
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" <<SQL
create role airflow login password '${AIRFLOW_DB_PASSWORD}';
create database airflow owner airflow;
create database ${SUPERLYTICS_DB};
SQL
