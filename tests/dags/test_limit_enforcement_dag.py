"""limit_enforcement through dag.test(): every flag at its boundary, overrides, access, features, the
quality gate, an atomic publish under a concurrent reader, and the app role's view of it."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import psycopg
import pytest

from conftest import dag_for_test, smtp_default
from superlytics_usage import synthetic

THROUGH = datetime(2026, 11, 20, tzinfo=UTC)
MONTH = (datetime(2026, 11, 1, tzinfo=UTC), datetime(2026, 12, 1, tzinfo=UTC))
BEFORE = THROUGH - timedelta(days=5)


@pytest.fixture
def dag(airflow_db):
    """A fresh DAG per test: dag.test(run_conf=...) leaves the conf's params on the DAG object."""
    return dag_for_test("limit_enforcement")


def run(dag):
    dag_run = dag.test(logical_date=THROUGH)
    return dag_run, {ti.task_id: ti.state for ti in dag_run.get_task_instances()}


@pytest.fixture
def accounts(db):
    b = synthetic.Builder()
    users = {}

    def user(name, plan="free", page_views=0, **kwargs):
        users[name] = b.user(plan, **kwargs)
        b.usage_record(users[name], MONTH, THROUGH, plan_id=plan, page_views=page_views)
        return users[name]

    user("p7999", page_views=7999)
    user("p8000", page_views=8000)
    user("p10000", page_views=10000)
    user("p10001", page_views=10001)
    user("unlimited", plan="enterprise", page_views=5_000_000)
    user("no_access", page_views=10, has_access=False, status="canceled")  # canceled, past its grace
    user("starter", plan="starter", page_views=400)
    user("pro", plan="professional", page_views=10)
    b.override(users["starter"], "pageViews", 500, created_at=BEFORE)                        # active, stricter
    b.override(users["pro"], "pageViews", 5, created_at=BEFORE, expires_at=THROUGH - timedelta(hours=1))  # expired
    b.override(users["p10001"], "pageViews", 20_000, created_at=BEFORE - timedelta(days=1))  # older ...
    b.override(users["p10001"], "pageViews", -1, created_at=BEFORE)                          # ... newest wins
    b.override(users["p7999"], "apiCalls", 0, created_at=BEFORE)                             # limit 0
    b.load(db)
    return users


def rows(db, user):
    with db.cursor() as cur:
        cur.execute("select key, allowed, current_usage, effective_limit, remaining, percentage, near_limit, "
                    "over_limit, blocked, overage from billing.enforcement where user_id = %s", (user,))
        return {r[0]: r[1:] for r in cur.fetchall()}


def test_flags_at_and_around_the_boundaries(db, dag, accounts):
    dag_run, states = run(dag)
    assert dag_run.state == "success", states
    #          allowed current  limit  remaining percentage           near   over   blocked overage
    assert rows(db, accounts["p7999"])["pageViews"] == (
        True, 7999, 10000, 2001, Decimal("0.7999"), False, False, False, 0)
    assert rows(db, accounts["p8000"])["pageViews"] == (
        True, 8000, 10000, 2000, Decimal("0.8000"), True, False, False, 0)
    assert rows(db, accounts["p10000"])["pageViews"] == (
        False, 10000, 10000, 0, Decimal("1.0000"), True, False, True, 0)
    over = rows(db, accounts["pro"])["pageViews"]
    assert over[2] == 1_000_000, "an expired override is ignored"
    with db.cursor() as cur:
        cur.execute("select count(distinct computed_at), min(data_through) from billing.enforcement")
        assert cur.fetchone() == (1, THROUGH)


def test_unlimited_limit_zero_and_overrides(db, dag, accounts):
    run(dag)
    assert rows(db, accounts["unlimited"])["pageViews"] == (True, 5_000_000, -1, None, None, False, False, False, 0)
    assert rows(db, accounts["p10001"])["pageViews"][:3] == (True, 10001, -1), "the newest override (-1) wins"
    zero = rows(db, accounts["p7999"])["apiCalls"]
    assert zero == (False, 0, 0, 0, None, False, False, True, 0), "a limit of 0 allows nothing, divides by nothing"
    stricter = rows(db, accounts["starter"])["pageViews"]
    assert stricter == (True, 400, 500, 100, Decimal("0.8000"), True, False, False, 0)


def test_over_limit_has_overage(db, dag, accounts):
    with db.transaction(), db.cursor() as cur:
        cur.execute("delete from billing.quota_override where user_id = %s", (accounts["p10001"],))
    run(dag)
    assert rows(db, accounts["p10001"])["pageViews"] == (
        False, 10001, 10000, 0, Decimal("1.0001"), True, True, True, 1)


def test_access_and_features(db, dag, accounts):
    run(dag)
    no_access = rows(db, accounts["no_access"])
    assert not any(r[0] for r in no_access.values()), "no access: nothing allowed"
    starter, pro, free = rows(db, accounts["starter"]), rows(db, accounts["pro"]), rows(db, accounts["p8000"])
    assert (starter["rawDataAccess"][0], pro["rawDataAccess"][0], free["basicAnalytics"][0]) == (False, True, True)
    assert starter["advancedAnalytics"][0] and not free["advancedAnalytics"][0]
    # customDomains is a limit and a feature: one row; free has neither, starter may add one (usage unknown)
    assert free["customDomains"][:3] == (False, None, 0)
    assert starter["customDomains"][:3] == (True, None, 1)
    assert free["dataRetentionDays"][1:3] == (None, 30)


def test_quality_gate_failure_publishes_nothing(db, dag, accounts):
    run(dag)
    with db.cursor() as cur:
        cur.execute("select count(*), min(computed_at) from billing.enforcement")
        before = cur.fetchone()
    with db.transaction(), db.cursor() as cur:  # an account on a plan the catalogue does not know
        cur.execute("update \"user\" set plan_id = 'gold' where user_id = %s", (accounts["pro"],))
    with smtp_default() as operators:
        dag_run, states = run(dag)
    (alert,) = operators.messages  # the failure callback (SmtpNotifier) told the operators
    assert alert["To"] == "billing-data@superlytics.example"
    assert "limit_enforcement.check_candidate failed" in alert["Subject"]
    assert dag_run.state == "failed"
    assert states == {"compute_candidate": "success", "check_candidate": "failed",
                      "publish_snapshot": "upstream_failed"}
    with db.cursor() as cur:
        cur.execute("select count(*), min(computed_at) from billing.enforcement")
        assert cur.fetchone() == before


def test_a_concurrent_reader_never_sees_a_mix_or_an_empty_table(db, dag, accounts, database_url):
    run(dag)
    with db.cursor() as cur:
        cur.execute("select count(*) from billing.enforcement")
        (size,) = cur.fetchone()
    seen, stop = [], threading.Event()

    def reader():
        with psycopg.connect(database_url, autocommit=True) as conn:
            while not stop.is_set():
                seen.append(conn.execute("select count(*), count(distinct computed_at) "
                                         "from billing.enforcement").fetchone())

    thread = threading.Thread(target=reader)
    thread.start()
    try:
        for _ in range(3):
            assert run(dag)[0].state == "success"
    finally:
        stop.set()
        thread.join()
    assert len(seen) > 10
    assert set(seen) == {(size, 1)}


def test_the_app_role_reads_answers_and_the_summary_and_writes_nothing(db, dag, accounts):
    run(dag)
    with db.transaction(), db.cursor() as cur:
        cur.execute("set local role superlytics_app")
        cur.execute("select allowed from billing.enforcement where user_id = %s and key = 'pageViews'",
                    (accounts["p10000"],))
        assert cur.fetchone() == (False,)
        cur.execute("select unlimited, percentage, near_limit, over_limit from billing.usage_summary "
                    "where user_id = %s and limit_key = 'pageViews'", (accounts["p8000"],))
        assert cur.fetchone() == (False, Decimal("0.8000"), True, False)
    for statement in ("update billing.enforcement set allowed = true", "delete from billing.enforcement",
                      "truncate billing.enforcement", "select * from billing.enforcement_candidate"):
        with pytest.raises(psycopg.errors.InsufficientPrivilege), db.transaction(), db.cursor() as cur:
            cur.execute("set local role superlytics_app")
            cur.execute(statement)
