"""Run this project's DAGs in-process with `dag.test()` against a local SQLite Airflow (the demo's runner).

The Airflow environment must be in place before anything imports Airflow, so `configure` comes first and
the Airflow imports stay inside the functions.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

from superlytics_usage.airflow_env import airflow_environment
from superlytics_usage.database import airflow_metadata_database, ensure_database, sqlalchemy_url
from superlytics_usage.paths import PROJECT_ROOT


class DagRunFailed(RuntimeError):
    """A DAG run ended in a state other than success; the message lists each task's state."""


def configure(home: Path, database_url: str) -> None:
    """Point this process's Airflow at the project, with its metadata in PostgreSQL next to the pipeline's
    database (so `make airflow` shows the demo's runs), and migrate that metadata database."""
    metadata = airflow_metadata_database(database_url)
    ensure_database(metadata)
    os.environ.update(airflow_environment(home, database_url, sqlalchemy_url(metadata, driver="psycopg2")))
    migrate_metadata()


def migrate_metadata() -> None:
    """`airflow db migrate` for the Airflow this process's environment points at (dag.test() needs it)."""
    subprocess.run([sys.executable, "-m", "airflow", "db", "migrate"], check=True, capture_output=True,
                   env={**os.environ, "PYTHONPATH": str(PROJECT_ROOT / "plugins")})


@contextmanager
def _output_to(log: Path) -> Iterator[None]:
    """Send this process's stdout and stderr, at the file-descriptor level, to `log` for a while: Airflow's
    loggers hold the original streams, so swapping sys.stdout alone would not quiet them."""
    sys.stdout.flush()
    sys.stderr.flush()
    saved = os.dup(1), os.dup(2)
    with log.open("a") as sink:
        os.dup2(sink.fileno(), 1)
        os.dup2(sink.fileno(), 2)
        try:
            yield
        finally:
            sys.stdout.flush()
            sys.stderr.flush()
            os.dup2(saved[0], 1)
            os.dup2(saved[1], 2)
            os.close(saved[0])
            os.close(saved[1])


def load_dag(dag_id: str) -> Any:
    """The DAG as `dags/<dag_id>.py` defines it, with retries off: an interactive run or a test reports a
    failure at once instead of waiting out the retry delay inside dag.test()."""
    from airflow.dag_processing.dagbag import DagBag

    dag = DagBag(dag_folder=str(PROJECT_ROOT / "dags" / f"{dag_id}.py")).get_dag(dag_id)
    for task in dag.tasks:
        task.retries = 0
    return dag


def run_dag(dag_id: str, logical_date: datetime, conf: dict[str, Any] | None = None, *, log: Path) -> Any:
    """One dag.test() run, its log appended to `log`; raises DagRunFailed unless every task succeeded."""
    log.parent.mkdir(parents=True, exist_ok=True)
    with _output_to(log):
        dag_run = load_dag(dag_id).test(logical_date=logical_date, run_conf=conf)
    states = {ti.task_id: str(ti.state) for ti in dag_run.get_task_instances()}
    if dag_run.state != "success" or any(state != "success" for state in states.values()):
        raise DagRunFailed(f"{dag_id} run {dag_run.run_id} ended {dag_run.state}: {states}")
    return dag_run
