"""Mapping Stripe objects to account states: every status, several subscriptions, lifetime, bad objects."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from superlytics_usage import synthetic
from superlytics_usage.stripe_client import StripeSnapshot
from superlytics_usage.stripe_mapping import desired_accounts

AS_OF = datetime(2026, 11, 20, tzinfo=UTC)
PERIOD = (datetime(2026, 11, 10, tzinfo=UTC), datetime(2026, 12, 10, tzinfo=UTC))
ENDED = (datetime(2026, 10, 10, tzinfo=UTC), datetime(2026, 11, 10, tzinfo=UTC))
USER = "11111111-1111-4111-8111-111111111111"


def app(plan="starter", customer="cus_1", subscription="sub_1", user=USER):
    return {"user_id": user, "plan_id": plan, "stripe_customer_id": customer, "stripe_subscription_id": subscription}


def state(catalog, subscriptions=(), sessions=(), customers=None, accounts=None):
    snapshot = StripeSnapshot(
        customers=tuple(customers if customers is not None else [synthetic.stripe_customer("cus_1", USER)]),
        subscriptions=tuple(subscriptions), checkout_sessions=tuple(sessions))
    desired, found = desired_accounts(snapshot, accounts or [app()], catalog, AS_OF)
    return {d.user_id: d for d in desired}[USER], found


def sub(status, price="price_starter_monthly", period=PERIOD, sub_id="sub_1", **kwargs):
    return synthetic.stripe_subscription(sub_id, "cus_1", price, status, period, **kwargs)


@pytest.mark.parametrize(("status", "period", "plan", "access"), [
    ("active", PERIOD, "starter", True),
    ("trialing", PERIOD, "starter", True),
    ("past_due", (AS_OF - timedelta(days=6), AS_OF + timedelta(days=24)), "starter", True),   # inside grace
    ("past_due", (AS_OF - timedelta(days=8), AS_OF + timedelta(days=22)), "free", False),     # past grace
    ("canceled", PERIOD, "starter", True),        # canceled, paid through the period's end
    ("canceled", ENDED, "free", False),           # period over: falls back to free
    ("unpaid", ENDED, "free", False),
    ("incomplete_expired", ENDED, "free", False),
    ("incomplete", PERIOD, "free", False),
])
def test_status_decides_plan_and_access(catalog, status, period, plan, access):
    account, found = state(catalog, [sub(status, period=period)])
    assert (account.plan_id, account.has_access, account.subscription_status) == (plan, access, status)
    assert found == []
    if access:
        assert (account.current_period_start, account.current_period_end) == period
        assert account.stripe_price_id == "price_starter_monthly"


def test_trial_end_and_yearly_price(catalog):
    trial_end = AS_OF + timedelta(days=3)
    account, _ = state(catalog, [sub("trialing", price="price_professional_yearly", trial_end=trial_end)])
    assert (account.plan_id, account.trial_ends_at) == ("professional", trial_end)


def test_upgrade_and_downgrade_follow_the_price(catalog):
    assert state(catalog, [sub("active", price="price_professional_monthly")])[0].plan_id == "professional"
    assert state(catalog, [sub("active", price="price_starter_yearly")],
                 accounts=[app(plan="enterprise")])[0].plan_id == "starter"


def test_of_two_subscriptions_access_wins_then_the_higher_plan(catalog):
    canceled_pro = sub("canceled", price="price_professional_monthly", period=ENDED, sub_id="sub_2")
    account, _ = state(catalog, [canceled_pro, sub("active")])
    assert (account.plan_id, account.stripe_subscription_id) == ("starter", "sub_1")
    account, _ = state(catalog, [sub("active"), sub("active", price="price_enterprise_monthly", sub_id="sub_3")])
    assert account.plan_id == "enterprise"


def test_lifetime_purchase_is_never_downgraded_by_a_cancel(catalog):
    lifetime = synthetic.stripe_lifetime_session("cs_1", "cus_1", "price_lifetime_professional")
    account, _ = state(catalog, [sub("canceled", period=ENDED)], [lifetime])
    assert (account.plan_id, account.plan_type, account.lifetime_purchase, account.has_access) == (
        "lifetime_professional", "lifetime", True, True)
    assert account.current_period_start is None  # lifetime accounts use calendar months


def test_unpaid_checkout_session_buys_nothing(catalog):
    session = synthetic.stripe_lifetime_session("cs_1", "cus_1", "price_lifetime_starter", paid=False)
    assert state(catalog, [], [session])[0].plan_id == "free"


def test_unknown_price_changes_nothing_and_is_reported(catalog):
    account, found = state(catalog, [sub("active", price="price_gold_monthly")])
    assert account.plan_id == "free"  # nothing in Stripe that the catalogue can read
    assert [(d.kind, d.detail) for d in found if d.kind == "unknown_price"] == [
        ("unknown_price", {"price": "price_gold_monthly"})]


@pytest.mark.parametrize(("broken", "problem"), [
    (lambda s: s.update(customer=None), "no customer"),
    (lambda s: s["items"]["data"][0].update(current_period_end=s["items"]["data"][0]["current_period_start"] - 1),
     "ending before it starts"),
    (lambda s: s["items"].update(data=[]), "no price"),
])
def test_malformed_subscriptions_are_reported(catalog, broken, problem):
    bad = sub("active")
    broken(bad)
    account, found = state(catalog, [bad])
    assert account.plan_id == "free"
    (report,) = [d for d in found if d.kind == "malformed_subscription"]
    assert problem in report.detail["problem"] and report.stripe_id == "sub_1"


def test_customers_and_ids_that_do_not_match(catalog):
    stray = synthetic.stripe_customer("cus_stray", None)
    _, found = state(catalog, [], customers=[stray], accounts=[app(plan="professional")])
    kinds = {(d.kind, d.stripe_id) for d in found}
    assert ("customer_without_user", "cus_stray") in kinds
    assert ("unknown_customer", "cus_1") in kinds and ("unknown_subscription", "sub_1") in kinds
    assert ("app_plan_without_stripe", "cus_1") in kinds


def test_metadata_user_id_wins_over_the_stored_customer_id(catalog):
    other = "22222222-2222-4222-8222-222222222222"
    customer = synthetic.stripe_customer("cus_1", other)
    snapshot = StripeSnapshot((customer,), (sub("active", price="price_professional_monthly"),), ())
    desired, _ = desired_accounts(snapshot, [app(), app(plan="free", customer=None, subscription=None, user=other)],
                                  catalog, AS_OF)
    plans = {d.user_id: d.plan_id for d in desired}
    assert plans == {USER: "free", other: "professional"}


def test_cancel_at_period_end_keeps_the_plan_until_stripe_ends_it(catalog):
    account, _ = state(catalog, [sub("active", cancel_at_period_end=True)])
    assert (account.plan_id, account.has_access, account.current_period_end) == ("starter", True, PERIOD[1])
    ended = sub("canceled", period=ENDED, cancel_at_period_end=True)
    assert state(catalog, [ended])[0].plan_id == "free"
