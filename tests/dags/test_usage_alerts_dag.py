"""usage_alerts through dag.test() with a real SMTP server on loopback: who gets what, exactly once."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from unittest import mock

import pytest

from conftest import dag_for_test, smtp_default
from superlytics_usage import limit_enforcement, synthetic, usage_alerts

NOV = (datetime(2026, 11, 1, tzinfo=UTC), datetime(2026, 12, 1, tzinfo=UTC))
DEC = (datetime(2026, 12, 1, tzinfo=UTC), datetime(2027, 1, 1, tzinfo=UTC))
THROUGH = datetime(2026, 11, 20, tzinfo=UTC)


@pytest.fixture
def dag(airflow_db):
    """A fresh DAG per test: dag.test(run_conf=...) leaves the conf's params on the DAG object."""
    return dag_for_test("usage_alerts")


def publish(db, catalog):
    limit_enforcement.compute_candidate(db, catalog)
    limit_enforcement.publish(db)


@pytest.fixture
def accounts(db, catalog):
    b = synthetic.Builder()
    users = {}

    def user(name, plan="free", period=NOV, **usage):
        users[name] = b.user(plan, email=f"{name}@example.test", usage_alerts_opt_out=usage.pop("opt_out", False))
        b.usage_record(users[name], period, THROUGH, plan_id=plan, **usage)

    user("near", page_views=8_500)
    user("both", page_views=10_500)
    user("digest", page_views=9_000, api_calls=950)
    user("quiet", page_views=100)
    user("opted_out", page_views=9_999, opt_out=True)
    user("unlimited", plan="enterprise", page_views=50_000_000)
    b.website(user=users["near"])
    b.rows["website"][-1]["name"] = "<script>alert(1)</script>"
    b.load(db)
    publish(db, catalog)
    return users


def run(dag, conf=None):
    dag_run = dag.test(logical_date=THROUGH, run_conf=conf)
    return dag_run.state, {ti.task_id: ti.state for ti in dag_run.get_task_instances()}


def by_recipient(smtp_sink):
    return {str(m["To"]): m for m in smtp_sink.messages}


def customer_mail(smtp_sink):
    """What customers got (a failing run also emails the operators, through SmtpNotifier)."""
    return [m for m in smtp_sink.messages if str(m["To"]) != "billing-data@superlytics.example"]


def ledger(db):
    with db.cursor() as cur:
        cur.execute("select a.email, l.limit_key, l.threshold, l.status, l.attempts from billing.alert_log as l "
                    "join \"user\" as a using (user_id) order by 1, 2, 3")
        return [(e, k, float(t), s, n) for e, k, t, s, n in cur.fetchall()]


def test_first_crossing_both_thresholds_and_a_digest(db, dag, smtp_sink, accounts):
    assert run(dag)[0] == "success"
    mail = by_recipient(smtp_sink)
    assert set(mail) == {"near@example.test", "both@example.test", "digest@example.test"}
    assert mail["near@example.test"]["Subject"] == "You've used 80% of your Page Views on Free"
    assert mail["both@example.test"]["Subject"] == "You've used 100% of your Page Views on Free"
    assert mail["digest@example.test"]["Subject"] == "You've used 80% of your API Calls and 1 other limit on Free"
    text = mail["digest@example.test"].get_body(preferencelist=("plain",)).get_content()
    assert "Page Views: 9,000 of 10,000 (90%)" in text and "API Calls: 950 of 1,000 (95%)" in text
    assert "December 1, 2026" in text and "https://" in text
    assert ("both@example.test", "pageViews", 0.8, "superseded", 0) in ledger(db)
    assert ("both@example.test", "pageViews", 1.0, "sent", 0) in ledger(db)


def test_message_parts_escaping_and_message_id(db, dag, smtp_sink, accounts, catalog):
    run(dag)
    message = by_recipient(smtp_sink)["near@example.test"]
    html = message.get_body(preferencelist=("html",)).get_content()
    text = message.get_body(preferencelist=("plain",)).get_content()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and "<script>" not in html
    assert "<script>alert(1)</script>" in text  # plain text shows the name as it is
    assert 'name="viewport"' in html and "<img" not in html
    assert smtp_sink.envelopes[0][1] == [str(smtp_sink.messages[0]["To"])]
    with db.cursor() as cur:
        cur.execute("select message_id from billing.alert_log where status = 'sent' and user_id = %s",
                    (accounts["near"],))
        (message_id,) = cur.fetchone()
    assert message["Message-ID"] == message_id and message_id.endswith("@alerts.superlytics>")


def test_rerun_sends_nothing_and_opt_out_and_unlimited_get_nothing(db, dag, smtp_sink, accounts):
    run(dag)
    first = len(smtp_sink.messages)
    run(dag)
    assert len(smtp_sink.messages) == first == 3
    recipients = {str(m["To"]) for m in smtp_sink.messages}
    assert not recipients & {"opted_out@example.test", "unlimited@example.test", "quiet@example.test"}


def test_crash_between_send_and_mark_never_sends_twice(db, dag, smtp_sink, accounts):
    real = usage_alerts.read_sql

    def crash_on_mark(name):
        if name == "alerts/mark_sent":
            raise RuntimeError("worker lost between send and mark")
        return real(name)

    with mock.patch.object(usage_alerts, "read_sql", crash_on_mark):
        state, _ = run(dag)
    assert state == "failed" and len(customer_mail(smtp_sink)) == 1  # the first digest went out, then the crash
    assert run(dag)[0] == "success"
    recipients = [str(m["To"]) for m in customer_mail(smtp_sink)]
    assert len(recipients) == len(set(recipients)) == 3, "no second email for the interrupted digest"
    statuses = {s for *_, s, _ in ledger(db)}
    assert "unconfirmed" in statuses


def test_smtp_down_stays_pending_then_goes_on_the_next_run(db, dag, accounts):
    with smtp_default(listening=False):  # nothing listens on its port
        assert run(dag)[0] == "success"
    assert {(s, n) for *_, s, n in ledger(db) if s != "superseded"} == {("pending", 1)}
    with smtp_default() as server:
        assert run(dag)[0] == "success"
        assert len(server.messages) == 3


def test_per_run_cap_and_a_new_period_rearms(db, dag, smtp_sink, accounts, catalog):
    run(dag, {"max_emails": 2})
    assert len(smtp_sink.messages) == 2
    run(dag, {"max_emails": 2})
    assert len(smtp_sink.messages) == 3
    next_month = synthetic.Builder(seed=4)
    next_month.usage_record(accounts["near"], DEC, DEC[0] + timedelta(days=10), page_views=8_100)
    next_month.load(db)
    publish(db, catalog)
    run(dag)
    assert [str(m["To"]) for m in smtp_sink.messages[3:]] == ["near@example.test"]


def test_attempts_are_bounded_then_reported_as_failed(db, dag, accounts):
    with smtp_default(listening=False):
        for _ in range(3):  # the third run finds nothing left to try
            run(dag, {"max_attempts": 2})
    assert {(s, n) for *_, s, n in ledger(db) if s != "superseded"} == {("failed", 2)}
