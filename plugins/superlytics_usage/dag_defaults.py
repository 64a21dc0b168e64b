"""Defaults every DAG shares: owner, retries, tags, and a failure email to the operators.

Kept import-light: DAG files import it while parsing. The notifier's recipient is a template, so the
Variable is read when a task fails, never at import.
"""

from datetime import timedelta

import pendulum
from airflow.providers.smtp.notifications.smtp import SmtpNotifier

START_DATE = pendulum.datetime(2026, 1, 1, tz="UTC")
OPERATORS = "{{ var.value.get('superlytics_operators_email', 'billing-data@superlytics.example') }}"


def notify_operators(context) -> None:
    """Email the operators that a task failed. A new SmtpNotifier each time: a notifier keeps the SMTP hook
    (and the Connection it read) it first built, and a long-lived worker must see a changed Connection."""
    SmtpNotifier(
        to=OPERATORS,
        subject="[superlytics] {{ dag.dag_id }}.{{ task_instance.task_id }} failed ({{ run_id }})",
        html_content="<p>Task <b>{{ task_instance.task_id }}</b> of <b>{{ dag.dag_id }}</b> failed on try "
                     "{{ task_instance.try_number }}.</p><p>Log: {{ task_instance.log_url }}</p>",
    )(context)


DEFAULT_ARGS = {
    "owner": "billing-data",
    "retries": 2,
    "retry_delay": timedelta(minutes=5),
    "retry_exponential_backoff": True,
    "on_failure_callback": notify_operators,
}
TAGS = ["superlytics", "billing"]


def writer_dag(*tags: str) -> dict:
    """What every DAG here passes to @dag besides its schedule, docs and params: they all write billing
    tables, so one run at a time, no catch-up (backfills are explicit), shared defaults and tags."""
    return {"start_date": START_DATE, "catchup": False, "max_active_runs": 1, "default_args": DEFAULT_ARGS,
            "tags": [*TAGS, *tags]}
