"""The whole pipeline on generated data, every DAG through dag.test() in the order production chains them:
Stripe reconciliation and usage aggregation, then enforcement, then alert emails, then a retention dry run.
Each stage is checked against the raw data or against the stage before it, not against itself."""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime, timedelta
from unittest import mock

import pytest

from conftest import dag_for_test, smtp_default
from superlytics_usage import synthetic
from superlytics_usage.stripe_standin import StripeStandIn

OPERATORS = "billing-data@superlytics.example"
TODAY = datetime(2026, 12, 1, 12, tzinfo=UTC)  # the demo's "today": a month of traffic ends at its midnight


@pytest.fixture
def world(db, catalog, airflow_db):
    """A month of generated traffic for 100 accounts, Stripe agreeing with the app except for the missed
    upgrades the generator plants, and an SMTP server; the run is the month's last hour."""
    start, end = synthetic.default_window(TODAY)
    spec = synthetic.GeneratorSpec(start, end, accounts=100, events=150_000, seed=21)
    data = synthetic.generate(spec, catalog)
    synthetic.load(db, data, catalog, progress=False)
    with StripeStandIn(synthetic.stripe_state(data, catalog)) as stripe, smtp_default() as sink, \
            mock.patch.dict(os.environ, {"AIRFLOW_CONN_STRIPE_DEFAULT": json.dumps(stripe.airflow_connection())}):
        yield end, sink


def run(dag_id: str, as_of, conf: dict | None = None):
    dag_run = dag_for_test(dag_id).test(logical_date=as_of, run_conf=conf)
    states = {ti.task_id: ti.state for ti in dag_run.get_task_instances()}
    assert dag_run.state == "success" and set(states.values()) == {"success"}, (dag_id, states)
    return dag_run


def rows(db, query: str, params=()) -> list[tuple]:
    return db.execute(query, params).fetchall()


def test_usage_to_enforcement_to_emails_and_a_retention_dry_run(db, world):
    as_of, sink = world

    # Stripe: the missed upgrades are applied to the account the pipeline keeps.
    reconciliation = run("stripe_reconciliation", as_of)
    (changes,) = rows(db, "select jsonb_array_length(planned_changes) from billing.stripe_sync_run "
                          "where run_id = %s", (reconciliation.run_id,))[0]
    assert changes == 3
    assert rows(db, "select count(*) from billing.account a join \"user\" u using (user_id) "
                    "where a.plan_id = 'professional' and u.plan_id = 'professional'")[0][0] >= 3  # app repaired

    # Usage: each open period's page views equal the raw page views of the owner's websites in it.
    aggregation = run("usage_aggregation", as_of)
    through = aggregation.data_interval_end
    mismatches = rows(db, """
        select r.user_id, r.page_views, count(e.event_id)
        from billing.usage_record as r
        left join billing.src_website as w on w.owner_user_id = r.user_id
        left join website_event as e on e.website_id = w.website_id and e.event_type = 1
             and e.created_at >= r.period_start and e.created_at < least(r.period_end, %(through)s)
        where r.period_start < %(through)s and r.period_end >= %(through)s
        group by r.user_id, r.page_views
        having r.page_views <> count(e.event_id)""", {"through": through})
    assert mismatches == []
    assert rows(db, "select count(*) from billing.usage_record where page_views > 0")[0][0] > 50

    # Enforcement: one snapshot of every account, its usage taken from those records, its plan reconciled.
    run("limit_enforcement", as_of)
    accounts = rows(db, "select count(*) from \"user\" where deleted_at is null")[0][0]
    assert rows(db, "select count(distinct user_id) from billing.enforcement")[0][0] == accounts
    assert rows(db, """
        select count(*) from billing.enforcement as f
        join billing.usage_record as r on r.user_id = f.user_id and f.period_start = r.period_start
        where f.key = 'pageViews' and f.current_usage <> r.page_views""")[0][0] == 0
    assert rows(db, "select count(*) from billing.enforcement f join billing.account a using (user_id) "
                    "where f.plan_id <> a.plan_id")[0][0] == 0
    over = rows(db, "select count(distinct user_id) from billing.enforcement where over_limit")[0][0]
    near = rows(db, "select count(distinct user_id) from billing.enforcement where near_limit and not over_limit")
    assert over > 0 and near[0][0] > 0

    # Emails: exactly the accounts at 80 percent or more of a period limit (not opted out) got one digest.
    run("usage_alerts", as_of)
    expected = {email for (email,) in rows(db, """
        select distinct u.email from billing.enforcement as f join "user" as u using (user_id)
        where f.key in ('pageViews', 'apiCalls', 'dataExports', 'customEvents', 'realTimeUsers')
          and f.effective_limit <> -1 and f.percentage >= 0.8 and not u.usage_alerts_opt_out""")}
    customers = [str(m["To"]) for m in sink.messages if str(m["To"]) != OPERATORS]
    assert expected and sorted(customers) == sorted(expected)
    run("usage_alerts", as_of)
    assert len(sink.messages) == len(customers)  # nothing twice

    # Retention, dry: every website of a finite window reported with what its cutoff would take; nothing gone.
    events_before = rows(db, "select count(*) from website_event")[0][0]
    retention = run("data_retention", as_of, {"dry_run": True})
    assert rows(db, "select count(*) from website_event")[0][0] == events_before
    report = rows(db, """
        select a.status, a.retention_days, a.cutoff, a.website_event_rows,
               (select count(*) from website_event e where e.website_id = a.website_id and e.created_at < a.cutoff)
        from billing.retention_audit as a where a.run_id = %s""", (retention.run_id,))
    assert len(report) == rows(db, "select count(*) from website")[0][0]
    assert {status for status, *_ in report} == {"dry_run", "kept"}
    for status, days, cutoff, reported, counted in report:
        assert (status == "kept") == (days == -1)
        if status == "dry_run":
            assert cutoff == retention.data_interval_end - timedelta(days=days) and reported == counted
    assert sum(r[3] for r in report) > 0  # the generator's backdated events are past the free plan's window
