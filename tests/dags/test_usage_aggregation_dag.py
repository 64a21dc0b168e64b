"""usage_aggregation through dag.test(): the real DAG, provider hook and Connection on the test database."""

from __future__ import annotations

from datetime import timedelta

import pytest

from conftest import dag_for_test
from usage_month import DEC, NOV, at, build_month, expected_records


@pytest.fixture
def dag(airflow_db):
    """A fresh DAG per test: dag.test(run_conf=...) leaves the conf's params on the DAG object."""
    return dag_for_test("usage_aggregation")


def run_dag(dag, logical_date, conf=None):
    """dag.test() does not raise when a task fails: check the run and every task instance."""
    dag_run = dag.test(logical_date=logical_date, run_conf=conf)
    states = {ti.task_id: ti.state for ti in dag_run.get_task_instances()}
    assert dag_run.state == "success", states
    assert set(states.values()) == {"success"}
    return dag_run


def usage(db):
    with db.cursor() as cur:
        cur.execute("select user_id::text, period_start, period_end, plan_id, page_views, custom_events, "
                    "custom_event_volume, api_calls, data_exports, real_time_users, other_events "
                    "from billing.usage_record")
        return {(r[0], r[1]): dict(zip(("period_end", "plan_id", "page_views", "custom_events",
                                        "custom_event_volume", "api_calls", "data_exports", "real_time_users",
                                        "other_events"), r[2:], strict=True)) for r in cur.fetchall()}


def test_scheduled_run_produces_the_hand_worked_records(db, dag):
    month = build_month(db)
    dag_run = run_dag(dag, DEC + timedelta(hours=1))
    assert (dag_run.data_interval_start, dag_run.data_interval_end) == (DEC, DEC + timedelta(hours=1))
    got = usage(db)
    for key, want in expected_records(month).items():
        assert got.get(key) == want, key
    with db.cursor() as cur:
        cur.execute("select run_id, interval_end from billing.usage_run")
        ((run_id, interval_end),) = cur.fetchall()
    assert run_id == dag_run.run_id and interval_end == DEC + timedelta(hours=1)


def test_recompute_param_takes_in_an_event_backdated_beyond_the_lookback(db, dag):
    from superlytics_usage import synthetic

    month = build_month(db)
    run_dag(dag, DEC + timedelta(hours=1))
    late = synthetic.Builder(seed=5)
    late.event(month["a1"], at(3), count=4)
    late.load(db)
    run_dag(dag, DEC + timedelta(hours=2))
    assert usage(db)[(month["a"], NOV)]["page_views"] == 4
    run_dag(dag, DEC + timedelta(hours=2),
            conf={"recompute_from": NOV.isoformat(), "recompute_to": DEC.isoformat()})
    assert usage(db)[(month["a"], NOV)]["page_views"] == 8
