"""Every DAG file imports cleanly, fast, and touches no database, Connection or Variable while parsing."""

from __future__ import annotations

from pathlib import Path
from unittest import mock

import pytest

from conftest import ROOT

DAG_FILES = sorted((ROOT / "dags").glob("*.py"))
IMPORT_BUDGET_SECONDS = 0.5


def _forbidden(what):
    def refuse(*args, **kwargs):
        raise AssertionError(f"{what} while parsing DAG files")
    return refuse


@pytest.fixture(scope="module")
def dagbag():
    import airflow.sdk  # noqa: F401  # warm the SDK so each file's own import cost is what gets measured
    from airflow.dag_processing.dagbag import DagBag
    from airflow.sdk import BaseHook, Variable

    with mock.patch("psycopg.connect", _forbidden("a database connection")), \
         mock.patch("psycopg2.connect", _forbidden("a database connection")), \
         mock.patch.object(BaseHook, "get_connection", _forbidden("a Connection lookup")), \
         mock.patch.object(Variable, "get", _forbidden("a Variable lookup")):
        return DagBag(dag_folder=str(ROOT / "dags"))


def test_there_are_dag_files():
    assert DAG_FILES, "dags/ holds no DAG file"


def test_no_import_errors(dagbag):
    assert dagbag.import_errors == {}


@pytest.mark.parametrize("path", DAG_FILES, ids=[p.name for p in DAG_FILES])
def test_each_file_defines_a_documented_dag_and_imports_fast(dagbag, path: Path):
    dags = [d for d in dagbag.dags.values() if Path(d.fileloc) == path]
    assert len(dags) == 1, f"{path.name} should define exactly one DAG"
    dag = dags[0]
    assert dag.dag_id == path.stem
    assert dag.doc_md and dag.tags and dag.owner != "airflow"
    assert all(task.retries >= 1 for task in dag.tasks)
    (stat,) = [s for s in dagbag.dagbag_stats if Path(s.file).name == path.name or s.file.endswith(path.name)]
    assert stat.duration.total_seconds() < IMPORT_BUDGET_SECONDS
