"""The real stripe SDK against the local stand-in: pagination, status=all, 429/5xx/slow, the time budget."""

from __future__ import annotations

import logging
import time
from datetime import UTC, datetime, timedelta

import pytest
import stripe

from superlytics_usage import synthetic
from superlytics_usage.stripe_client import pull, stripe_client
from superlytics_usage.stripe_standin import Fault, StripeStandIn

KEY = "sk_test_standin_secret_0123456789"
PERIOD = (datetime(2026, 11, 10, tzinfo=UTC), datetime(2026, 12, 10, tzinfo=UTC))


@pytest.fixture
def standin():
    state = {
        "customers": [synthetic.stripe_customer(f"cus_{i:04d}", None) for i in range(250)],
        "subscriptions": [synthetic.stripe_subscription(f"sub_{i:04d}", f"cus_{i:04d}", "price_starter_monthly",
                                                        "canceled" if i % 10 == 0 else "active", PERIOD)
                          for i in range(120)],
        "checkout_sessions": [synthetic.stripe_lifetime_session("cs_0001", "cus_0001", "price_lifetime_starter")],
    }
    with StripeStandIn(state) as server:
        yield server


def client(standin, **kwargs):
    return stripe_client(KEY, api_base=standin.url, **{"timeout": 5.0, "budget_seconds": 20.0, **kwargs})


def test_paginates_by_100_and_lists_canceled_subscriptions(standin):
    snapshot = pull(client(standin))
    assert len(snapshot.customers) == 250 and len({c["id"] for c in snapshot.customers}) == 250
    assert len(snapshot.subscriptions) == 120
    assert sum(s["status"] == "canceled" for s in snapshot.subscriptions) == 12
    customer_pages = [q for path, q, _ in standin.requests if path == "/v1/customers"]
    assert len(customer_pages) == 3 and all(q["limit"] == ["100"] for q in customer_pages)
    assert customer_pages[1]["starting_after"] == ["cus_0099"]
    assert all(q["status"] == ["all"] for path, q, _ in standin.requests if path == "/v1/subscriptions")
    (session,) = snapshot.checkout_sessions
    assert session["line_items"]["data"][0]["price"]["id"] == "price_lifetime_starter"
    assert snapshot.subscriptions[1]["items"]["data"][0]["current_period_end"] == int(PERIOD[1].timestamp())


def test_api_key_is_sent_and_never_logged(standin, caplog):
    caplog.set_level(logging.DEBUG)
    pull(client(standin))
    assert {auth for *_, auth in standin.requests} == {f"Bearer {KEY}"}
    assert KEY not in caplog.text


def test_429_waits_for_retry_after(standin):
    standin.fail("/v1/subscriptions", Fault(429, (("Retry-After", "1"),)))
    started = time.monotonic()
    snapshot = pull(client(standin))
    assert time.monotonic() - started >= 1.0
    assert len(snapshot.subscriptions) == 120


def test_5xx_and_a_slow_page_are_retried(standin):
    standin.fail("/v1/customers", Fault(500), Fault(503), Fault(200, delay=1.5))
    snapshot = pull(client(standin, timeout=0.5))
    assert len(snapshot.customers) == 250
    assert sum(path == "/v1/customers" for path, *_ in standin.requests) >= 6  # 3 faults + 3 pages


def test_the_time_budget_bounds_all_retries(standin):
    standin.fail("/v1/customers", Fault(429, (("Retry-After", "30"),)))
    started = time.monotonic()
    with pytest.raises(stripe.RateLimitError):
        pull(client(standin, budget_seconds=2.0))
    assert time.monotonic() - started < 5


def test_a_page_that_keeps_failing_fails_the_pull(standin):
    standin.fail("/v1/customers", Fault(200), *[Fault(500)] * 10)  # page one fine, page two never
    with pytest.raises(stripe.APIError):
        pull(client(standin, budget_seconds=60.0))


def test_unknown_cursor_is_an_error_not_an_empty_page(standin):
    with pytest.raises(stripe.InvalidRequestError):
        client(standin).v1.customers.list(params={"limit": 100, "starting_after": "cus_nope"})


def test_periods_are_epoch_seconds_like_stripe():
    sub = synthetic.stripe_subscription("sub_x", "cus_x", "price_pro", "active", PERIOD,
                                        trial_end=PERIOD[0] + timedelta(days=14))
    assert sub["items"]["data"][0]["current_period_start"] == 1794268800
    assert "current_period_start" not in sub  # current API versions moved it onto the items
