"""Pull the Stripe state reconciliation needs, through the official SDK, completely or not at all.

Lists use auto-pagination (page size 100) and `status=all` for subscriptions (the default list hides
canceled ones). The SDK retries connection errors, 409s and 5xx with backoff; it never retries a plain 429,
so the HTTP client here also retries 429s, waiting what `Retry-After` asks. Every retry stays inside one
time budget for the whole pull: past it the pull fails, and reconciliation applies nothing.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from typing import Any

import stripe

PAGE_SIZE = 100


class BudgetedRetryClient(stripe.RequestsClient):
    """The SDK's requests client, also retrying 429 after `Retry-After`, within a total time budget."""

    def __init__(self, *, timeout: float, budget_seconds: float) -> None:
        super().__init__(timeout=timeout)
        self.deadline = time.monotonic() + budget_seconds
        self._wait = threading.local()

    def _remaining(self) -> float:
        return self.deadline - time.monotonic()

    def _should_retry(self, response: Any, api_connection_error: Any, num_retries: int,
                      max_network_retries: int | None) -> bool:
        self._wait.seconds = None
        if response is not None and response[1] == 429:
            if num_retries >= (max_network_retries or 0):
                return False
            try:
                wait = float(response[2].get("retry-after") or 1)
            except (TypeError, ValueError):
                wait = 1.0
            self._wait.seconds = wait
            return wait < self._remaining()
        retry = super()._should_retry(response, api_connection_error, num_retries, max_network_retries)
        return retry and self._remaining() > 0

    def _sleep_time_seconds(self, num_retries: int) -> float:
        wait = getattr(self._wait, "seconds", None)
        chosen = wait if wait is not None else super()._sleep_time_seconds(num_retries)
        return max(0.0, min(chosen, self._remaining()))


@dataclass(frozen=True)
class StripeSnapshot:
    """Everything reconciliation reads from Stripe, as plain dicts in Stripe's object shapes."""

    customers: tuple[dict, ...]
    subscriptions: tuple[dict, ...]
    checkout_sessions: tuple[dict, ...]


def stripe_client(api_key: str, *, api_base: str | None = None, timeout: float = 20.0,
                  budget_seconds: float = 300.0, max_network_retries: int = 4) -> stripe.StripeClient:
    """A StripeClient with network retries on, 429 backoff, and (for the stand-in) another API base."""
    return stripe.StripeClient(
        api_key,
        base_addresses={"api": api_base} if api_base else None,
        max_network_retries=max_network_retries,
        http_client=BudgetedRetryClient(timeout=timeout, budget_seconds=budget_seconds),
    )


def pull(client: stripe.StripeClient) -> StripeSnapshot:
    """Every customer, subscription (any status) and completed Checkout Session; raises on any failure.
    Build a fresh client per pull: the retry budget starts when the client is made."""
    v1 = client.v1
    customers = v1.customers.list(params={"limit": PAGE_SIZE})
    subscriptions = v1.subscriptions.list(params={"limit": PAGE_SIZE, "status": "all"})
    sessions = v1.checkout.sessions.list(params={"limit": PAGE_SIZE, "status": "complete",
                                                 "expand": ["data.line_items"]})
    return StripeSnapshot(
        customers=tuple(c.to_dict() for c in customers.auto_paging_iter()),
        subscriptions=tuple(s.to_dict() for s in subscriptions.auto_paging_iter()),
        checkout_sessions=tuple(s.to_dict() for s in sessions.auto_paging_iter()),
    )
