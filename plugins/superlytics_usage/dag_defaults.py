"""Defaults every DAG shares: owner, retries, tags. Kept import-light: DAG files import it while parsing."""

from datetime import timedelta

import pendulum

START_DATE = pendulum.datetime(2026, 1, 1, tz="UTC")
DEFAULT_ARGS = {
    "owner": "billing-data",
    "retries": 2,
    "retry_delay": timedelta(minutes=5),
    "retry_exponential_backoff": True,
}
TAGS = ["superlytics", "billing"]
