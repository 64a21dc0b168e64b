"""What each account should be, given Stripe's state: plan, status, access, period, lifetime purchase.

Pure functions over one Stripe snapshot and the app's accounts (no I/O), so every rule of DESIGN §3 is
tested directly. Objects Stripe should never send (no customer, a period that ends before it starts) and
prices the catalogue does not know change nothing and come back as discrepancies.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from superlytics_usage.plans import Plan, PlanCatalog
from superlytics_usage.stripe_client import StripeSnapshot

ACCESS_STATUSES = ("active", "trialing")
LAPSED_STATUSES = ("canceled", "unpaid", "incomplete_expired", "paused")
FREE_PLAN = "free"


@dataclass(frozen=True)
class AccountState:
    """One account as reconciliation wants it; the columns of billing.account it owns."""

    user_id: str
    plan_id: str
    plan_type: str
    subscription_status: str | None
    has_access: bool
    lifetime_purchase: bool
    trial_ends_at: datetime | None
    current_period_start: datetime | None
    current_period_end: datetime | None
    stripe_customer_id: str | None
    stripe_subscription_id: str | None
    stripe_price_id: str | None


@dataclass(frozen=True)
class Discrepancy:
    kind: str
    user_id: str | None
    stripe_id: str | None
    detail: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class _Candidate:
    """One thing that could decide an account's plan: a subscription or a lifetime purchase."""

    plan: Plan
    access: bool
    state: AccountState


def _moment(seconds: Any) -> datetime | None:
    return datetime.fromtimestamp(seconds, tz=UTC) if isinstance(seconds, int | float) else None


def desired_accounts(snapshot: StripeSnapshot, app_accounts: list[dict[str, Any]], catalog: PlanCatalog,
                     as_of: datetime) -> tuple[list[AccountState], list[Discrepancy]]:
    """Every app account's desired state (Stripe decides; no Stripe presence means free) and the
    discrepancies met on the way."""
    grace = timedelta(days=catalog.settings.past_due_grace_days)
    users = {str(a["user_id"]): a for a in app_accounts}
    by_customer = {a["stripe_customer_id"]: str(a["user_id"]) for a in app_accounts if a["stripe_customer_id"]}
    found: list[Discrepancy] = []

    customer_user: dict[str, str] = {}
    for customer in snapshot.customers:
        claimed = (customer.get("metadata") or {}).get("user_id")
        user_id = claimed if claimed in users else by_customer.get(customer["id"])
        if user_id is None:
            found.append(Discrepancy("customer_without_user", None, customer["id"], {"email": customer.get("email")}))
        else:
            customer_user[customer["id"]] = user_id

    candidates: dict[str, list[_Candidate]] = {}
    for subscription in snapshot.subscriptions:
        candidate = _subscription_candidate(subscription, customer_user, by_customer, catalog, as_of, grace, found)
        if candidate is not None:
            candidates.setdefault(candidate.state.user_id, []).append(candidate)
    for session in snapshot.checkout_sessions:
        for candidate in _lifetime_candidates(session, customer_user, by_customer, catalog, found):
            candidates.setdefault(candidate.state.user_id, []).append(candidate)

    known_customers = {c["id"] for c in snapshot.customers}
    known_subscriptions = {s["id"] for s in snapshot.subscriptions}
    desired = []
    for user_id, app in users.items():
        if app["stripe_customer_id"] and app["stripe_customer_id"] not in known_customers:
            found.append(Discrepancy("unknown_customer", user_id, app["stripe_customer_id"]))
        if app["stripe_subscription_id"] and app["stripe_subscription_id"] not in known_subscriptions:
            found.append(Discrepancy("unknown_subscription", user_id, app["stripe_subscription_id"]))
        mine = candidates.get(user_id)
        if mine:
            desired.append(_best(mine).state)
            continue
        if app["plan_id"] != FREE_PLAN:
            found.append(Discrepancy("app_plan_without_stripe", user_id, app["stripe_customer_id"],
                                     {"app_plan": app["plan_id"]}))
        desired.append(AccountState(user_id, FREE_PLAN, "subscription", None, True, False, None, None, None,
                                    app["stripe_customer_id"], None, None))
    return desired, found


def _best(candidates: list[_Candidate]) -> _Candidate:
    """Access first, then the highest plan; a lifetime purchase wins a tie (it never lapses)."""
    return max(candidates, key=lambda c: (c.access, c.plan.tier, c.plan.is_lifetime,
                                          c.state.current_period_start or datetime.min.replace(tzinfo=UTC)))


def _subscription_candidate(subscription: dict, customer_user: dict[str, str], by_customer: dict[str, str],
                            catalog: PlanCatalog, as_of: datetime, grace: timedelta,
                            found: list[Discrepancy]) -> _Candidate | None:
    sub_id = subscription.get("id")
    customer = subscription.get("customer")
    if isinstance(customer, dict):
        customer = customer.get("id")
    if not customer:
        found.append(Discrepancy("malformed_subscription", None, sub_id, {"problem": "no customer"}))
        return None
    user_id = customer_user.get(customer) or by_customer.get(customer)
    if user_id is None:
        found.append(Discrepancy("subscription_without_user", None, sub_id, {"customer": customer}))
        return None
    items = ((subscription.get("items") or {}).get("data")) or []
    price_id = ((items[0].get("price") or {}).get("id")) if items else None
    if not price_id:
        found.append(Discrepancy("malformed_subscription", user_id, sub_id, {"problem": "no price on its items"}))
        return None
    start = _moment(items[0].get("current_period_start", subscription.get("current_period_start")))
    end = _moment(items[0].get("current_period_end", subscription.get("current_period_end")))
    if start is None or end is None or end <= start:
        found.append(Discrepancy("malformed_subscription", user_id, sub_id,
                                 {"problem": "billing period missing or ending before it starts",
                                  "current_period_start": str(start), "current_period_end": str(end)}))
        return None
    plan = catalog.plan_for_price(price_id)
    if plan is None:
        found.append(Discrepancy("unknown_price", user_id, sub_id, {"price": price_id}))
        return None
    status = subscription.get("status")
    access = (status in ACCESS_STATUSES
              or (status == "past_due" and as_of < start + grace)
              or (status in LAPSED_STATUSES and as_of < end))
    state = AccountState(
        user_id=user_id,
        plan_id=plan.id if access else FREE_PLAN,
        plan_type=plan.type if access else "subscription",
        subscription_status=status,
        has_access=access,
        lifetime_purchase=False,
        trial_ends_at=_moment(subscription.get("trial_end")),
        current_period_start=start if access else None,
        current_period_end=end if access else None,
        stripe_customer_id=customer,
        stripe_subscription_id=sub_id,
        stripe_price_id=price_id,
    )
    return _Candidate(plan, access, state)


def _lifetime_candidates(session: dict, customer_user: dict[str, str], by_customer: dict[str, str],
                         catalog: PlanCatalog, found: list[Discrepancy]) -> list[_Candidate]:
    if session.get("mode") != "payment" or session.get("payment_status") != "paid":
        return []
    customer = session.get("customer")
    user_id = customer_user.get(customer) or by_customer.get(customer) if customer else None
    user_id = user_id or session.get("client_reference_id")
    lifetime = []
    for item in ((session.get("line_items") or {}).get("data") or []):
        price_id = (item.get("price") or {}).get("id")
        plan = catalog.plan_for_price(price_id) if price_id else None
        if plan is None or not plan.is_lifetime:
            continue
        if user_id is None:
            found.append(Discrepancy("lifetime_purchase_without_user", None, session.get("id"), {"price": price_id}))
            continue
        lifetime.append(_Candidate(plan, True, AccountState(
            user_id, plan.id, "lifetime", None, True, True, None, None, None, customer, None, price_id)))
    return lifetime
