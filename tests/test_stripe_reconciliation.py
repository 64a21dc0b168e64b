"""Applying Stripe's state: accounts, history, app repairs, the report, reruns and the circuit breaker."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from superlytics_usage import synthetic
from superlytics_usage.stripe_client import StripeSnapshot
from superlytics_usage.stripe_reconciliation import CircuitBreakerOpen, reconcile

AS_OF = datetime(2026, 11, 20, tzinfo=UTC)
PERIOD = (datetime(2026, 11, 10, tzinfo=UTC), datetime(2026, 12, 10, tzinfo=UTC))


@pytest.fixture
def shop(db):
    """Four app users: two paying with Stripe subscriptions, one lifetime buyer, one free user."""
    b = synthetic.Builder()
    users = {
        "starter": b.user("starter", status="active", period=PERIOD, stripe_customer_id="cus_a",
                          stripe_subscription_id="sub_a"),
        "pro": b.user("professional", status="active", period=PERIOD, stripe_customer_id="cus_b",
                      stripe_subscription_id="sub_b"),
        "lifetime": b.user("free", stripe_customer_id="cus_c"),
        "free": b.user("free"),
    }
    b.load(db)
    customers = [synthetic.stripe_customer("cus_a", users["starter"]), synthetic.stripe_customer("cus_b", None),
                 synthetic.stripe_customer("cus_c", users["lifetime"])]
    subscriptions = [
        synthetic.stripe_subscription("sub_a", "cus_a", "price_professional_monthly", "active",
                                      (AS_OF - timedelta(hours=5), AS_OF + timedelta(days=30))),  # upgraded
        synthetic.stripe_subscription("sub_b", "cus_b", "price_professional_monthly", "active", PERIOD),
    ]
    sessions = [synthetic.stripe_lifetime_session("cs_c", "cus_c", "price_lifetime_starter")]
    return users, StripeSnapshot(tuple(customers), tuple(subscriptions), tuple(sessions))


def rows(db, sql, *params):
    with db.cursor() as cur:
        cur.execute(sql, params)
        return cur.fetchall()


def test_first_run_applies_accounts_history_and_repairs_the_app(db, catalog, shop):
    users, snapshot = shop
    report = reconcile(db, snapshot, catalog, as_of=AS_OF, run_id="r1")
    assert (report.accounts_seen, report.changed, report.unchanged, report.applied) == (4, 4, 0, True)
    accounts = dict(rows(db, "select user_id::text, plan_id from billing.account"))
    assert accounts == {users["starter"]: "professional", users["pro"]: "professional",
                        users["lifetime"]: "lifetime_starter", users["free"]: "free"}
    app = dict(rows(db, 'select user_id::text, plan_id from "user"'))
    assert app == accounts  # the app's billing columns were repaired
    (lifetime,) = rows(db, 'select plan_type, lifetime_purchase, has_access from "user" where user_id = %s',
                       users["lifetime"])
    assert lifetime == ("lifetime", True, True)
    # a first sighting holds "as far as the pipeline knows": from -infinity
    assert rows(db, "select count(*), count(*) filter (where valid_from = '-infinity' and valid_to is null) "
                    "from billing.account_history") == [(4, 4)]
    kinds = {k for (k,) in rows(db, "select kind from billing.stripe_discrepancy where run_id = 'r1'")}
    assert "app_columns" in kinds


def test_rerun_on_the_same_stripe_state_changes_nothing(db, catalog, shop):
    _, snapshot = shop
    reconcile(db, snapshot, catalog, as_of=AS_OF, run_id="r1")
    before = rows(db, "select * from billing.account order by user_id")
    history_sql = "select user_id, plan_id, valid_from::text, valid_to::text from billing.account_history order by 1, 3"
    history = rows(db, history_sql)
    app = rows(db, 'select * from "user" order by user_id')
    report = reconcile(db, snapshot, catalog, as_of=AS_OF + timedelta(hours=1), run_id="r2")
    assert (report.changed, report.unchanged, report.app_repairs) == (0, 4, 0)
    assert rows(db, "select * from billing.account order by user_id") == before
    assert rows(db, history_sql) == history
    assert rows(db, 'select * from "user" order by user_id') == app
    assert rows(db, "select changed from billing.stripe_sync_run where run_id = 'r2'") == [(0,)]


def test_a_change_opens_a_new_history_row_from_the_new_period(db, catalog, shop):
    users, snapshot = shop
    reconcile(db, snapshot, catalog, as_of=AS_OF, run_id="r1")
    new_period = (AS_OF + timedelta(hours=2), AS_OF + timedelta(days=30, hours=2))
    downgraded = synthetic.stripe_subscription("sub_b", "cus_b", "price_starter_monthly", "active", new_period)
    changed = StripeSnapshot(snapshot.customers, (snapshot.subscriptions[0], downgraded), snapshot.checkout_sessions)
    report = reconcile(db, changed, catalog, as_of=AS_OF + timedelta(hours=3), run_id="r2")
    assert (report.changed, report.plan_changes) == (1, 1)
    history = rows(db, "select plan_id, greatest(valid_from, '2000-01-01'), valid_to from billing.account_history "
                       "where user_id = %s order by valid_from", users["pro"])
    assert [h[0] for h in history] == ["professional", "starter"]
    assert history[0][2] == history[1][1] == new_period[0]


def test_circuit_breaker_holds_then_force_applies(db, catalog):
    b = synthetic.Builder()
    payers = [b.user("starter", status="active", period=PERIOD, stripe_customer_id=f"cus_{i}",
                     stripe_subscription_id=f"sub_{i}") for i in range(8)]
    b.load(db)
    canceled = StripeSnapshot(
        tuple(synthetic.stripe_customer(f"cus_{i}", u) for i, u in enumerate(payers)),
        tuple(synthetic.stripe_subscription(f"sub_{i}", f"cus_{i}", "price_starter_monthly", "canceled",
                                            (AS_OF - timedelta(days=40), AS_OF - timedelta(days=10)))
              for i in range(8)), ())
    with pytest.raises(CircuitBreakerOpen, match="8 paying accounts would move to free"):
        reconcile(db, canceled, catalog, as_of=AS_OF, run_id="held")
    assert rows(db, "select count(*) from billing.account") == [(0,)]
    assert rows(db, "select count(*) from \"user\" where plan_id = 'starter'") == [(8,)]
    (run,) = rows(db, "select applied, breaker_tripped, paid_to_free, jsonb_array_length(planned_changes) "
                      "from billing.stripe_sync_run where run_id = 'held'")
    assert run == (False, True, 8, 8)
    report = reconcile(db, canceled, catalog, as_of=AS_OF, run_id="forced", force=True)
    assert report.applied and report.forced
    assert rows(db, "select count(*) from billing.account where plan_id = 'free' and not has_access") == [(8,)]
