"""stripe_reconciliation through dag.test(): Connection, real SDK, stand-in, database, all or nothing."""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime, timedelta
from unittest import mock

import pytest

from conftest import dag_for_test
from superlytics_usage import synthetic
from superlytics_usage.stripe_standin import Fault, StripeStandIn

RUN_AT = datetime(2026, 11, 20, 12, tzinfo=UTC)
PERIOD = (datetime(2026, 11, 10, tzinfo=UTC), datetime(2026, 12, 10, tzinfo=UTC))


@pytest.fixture
def dag(airflow_db):
    """A fresh DAG per test: dag.test(run_conf=...) leaves the conf's params on the DAG object."""
    return dag_for_test("stripe_reconciliation")


@pytest.fixture
def stripe_world(db):
    """Thirty paying app users, their Stripe twins, and a Connection pointing the SDK at the stand-in."""
    b = synthetic.Builder()
    users = [b.user("starter", status="active", period=PERIOD, stripe_customer_id=f"cus_{i:03d}",
                    stripe_subscription_id=f"sub_{i:03d}") for i in range(30)]
    b.load(db)
    state = {
        "customers": [synthetic.stripe_customer(f"cus_{i:03d}", u) for i, u in enumerate(users)],
        "subscriptions": [synthetic.stripe_subscription(f"sub_{i:03d}", f"cus_{i:03d}",
                                                        "price_professional_monthly" if i == 0 else
                                                        "price_starter_monthly", "active", PERIOD)
                          for i in range(30)],
    }
    with StripeStandIn(state) as standin:
        connection = {"conn_type": "generic", "password": "sk_test_dag",
                      "extra": {"api_base": standin.url, "timeout": 2, "budget_seconds": 10}}
        with mock.patch.dict(os.environ, {"AIRFLOW_CONN_STRIPE_DEFAULT": json.dumps(connection)}):
            yield users, standin


def run(dag, conf=None):
    dag_run = dag.test(logical_date=RUN_AT, run_conf=conf)
    return dag_run, {ti.task_id: ti.state for ti in dag_run.get_task_instances()}


def plans(db):
    with db.cursor() as cur:
        cur.execute("select plan_id, count(*) from billing.account group by 1 order by 1")
        return dict(cur.fetchall())


def test_reconciles_through_the_dag_and_a_rerun_is_a_no_op(db, dag, stripe_world):
    dag_run, states = run(dag)
    assert dag_run.state == "success" and set(states.values()) == {"success"}
    assert plans(db) == {"professional": 1, "starter": 29}
    dag_run, _ = run(dag)
    with db.cursor() as cur:
        cur.execute("select changed, unchanged, as_of from billing.stripe_sync_run where run_id = %s",
                    (dag_run.run_id,))
        assert cur.fetchone() == (0, 30, dag_run.data_interval_end)


def test_a_page_failing_midway_applies_nothing(db, dag, stripe_world):
    _, standin = stripe_world
    standin.state["customers"] += [synthetic.stripe_customer(f"cus_x{i:03d}", None) for i in range(120)]
    standin.fail("/v1/customers", Fault(200), *[Fault(500)] * 20)  # the second page never comes
    dag_run, states = run(dag)
    assert dag_run.state == "failed" and states == {"reconcile_accounts": "failed"}
    assert plans(db) == {}
    with db.cursor() as cur:
        cur.execute('select count(*) from "user" where plan_id = \'professional\'')
        assert cur.fetchone() == (0,)


def test_circuit_breaker_fails_the_run_until_forced(db, dag, stripe_world):
    _, standin = stripe_world
    run(dag)
    for subscription in standin.state["subscriptions"]:
        subscription.update(status="canceled")
        subscription["items"]["data"][0].update(current_period_start=int((RUN_AT - timedelta(days=40)).timestamp()),
                                                current_period_end=int((RUN_AT - timedelta(days=10)).timestamp()))
    dag_run, states = run(dag)
    assert dag_run.state == "failed" and states == {"reconcile_accounts": "failed"}
    assert plans(db) == {"professional": 1, "starter": 29}
    dag_run, states = run(dag, {"force": True})
    assert dag_run.state == "success" and states == {"reconcile_accounts": "success"}
    assert plans(db) == {"free": 30}
