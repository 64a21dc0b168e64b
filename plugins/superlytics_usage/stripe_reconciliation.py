"""Make billing.account, its history and the app's billing columns agree with Stripe, all or nothing.

The whole Stripe pull happens before anything is written; the desired states are then diffed, checked
against the circuit breaker, and applied in one transaction with the run's report. A run that would change
too many plans, or move paying accounts to free in bulk, applies nothing, leaves a report of what it would
have done, and fails until an operator reruns it with `force`.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import datetime

import pandas as pd
from psycopg import Connection
from psycopg.types.json import Jsonb

from superlytics_usage.database import copy_frame, read_sql
from superlytics_usage.plans import PlanCatalog
from superlytics_usage.stripe_client import StripeSnapshot
from superlytics_usage.stripe_mapping import AccountState, Discrepancy, desired_accounts

ACCOUNT_COLUMNS = [f.name for f in dataclasses.fields(AccountState)]


class CircuitBreakerOpen(RuntimeError):
    """The run was held: it would have changed too much at once. The report says what, and why."""


@dataclass(frozen=True)
class ReconciliationReport:
    run_id: str
    as_of: datetime
    customers_seen: int
    subscriptions_seen: int
    sessions_seen: int
    accounts_seen: int
    changed: int
    unchanged: int
    app_repairs: int
    discrepancies: int
    plan_changes: int
    paid_to_free: int
    breaker_tripped: bool
    forced: bool
    applied: bool


def reconcile(conn: Connection, snapshot: StripeSnapshot, catalog: PlanCatalog, *, as_of: datetime, run_id: str,
              force: bool = False) -> ReconciliationReport:
    """Apply Stripe's state as of `as_of` in one transaction; raises CircuitBreakerOpen (after saving the
    report) when the run is held."""
    with conn.transaction(), conn.cursor() as cur:
        cur.execute(read_sql("stripe/session_setup"))
        cur.execute(read_sql("stripe/app_accounts"))
        app_accounts = [dict(zip(("user_id", "plan_id", "stripe_customer_id", "stripe_subscription_id"), row,
                                 strict=True)) for row in cur.fetchall()]
        desired, found = desired_accounts(snapshot, app_accounts, catalog, as_of)
        cur.execute(read_sql("stripe/desired_account_create"))
        copy_frame(cur, ("desired_account",), pd.DataFrame(map(dataclasses.asdict, desired), columns=ACCOUNT_COLUMNS))
        cur.execute(read_sql("stripe/changed_account_create"), {"as_of": as_of})
        cur.execute(read_sql("stripe/account_changes"))
        changes = cur.fetchall()
        plan_changes = [(user, old, new) for user, old, new, _ in changes if old != new]
        paid_to_free = [c for c in plan_changes if c[2] == "free" and catalog.is_paying(c[1])]
        tripped = catalog.settings.holds_reconciliation(len(plan_changes), len(desired), len(paid_to_free))
        apply = force or not tripped
        cur.execute(read_sql("stripe/app_column_drift"))
        cur.execute(read_sql("stripe/app_drift_list"))
        drift = cur.fetchall()
        found += [Discrepancy("app_columns", user, None, {"columns": columns}) for user, columns in drift]
        if apply:
            cur.execute(read_sql("stripe/account_apply"), {"as_of": as_of})
            cur.execute(read_sql("stripe/app_columns_repair"))
        report = ReconciliationReport(
            run_id=run_id, as_of=as_of, customers_seen=len(snapshot.customers),
            subscriptions_seen=len(snapshot.subscriptions), sessions_seen=len(snapshot.checkout_sessions),
            accounts_seen=len(desired), changed=len(changes) if apply else 0,
            unchanged=len(desired) - len(changes), app_repairs=len(drift) if apply else 0,
            discrepancies=len(found), plan_changes=len(plan_changes), paid_to_free=len(paid_to_free),
            breaker_tripped=tripped, forced=force, applied=apply)
        planned = [{"user_id": user, "from": old, "to": new} for user, old, new in plan_changes]
        cur.execute(read_sql("stripe/sync_run_record"),
                    {**dataclasses.asdict(report), "planned_changes": Jsonb(planned)})
        cur.executemany(read_sql("stripe/discrepancy_insert"), [
            {"run_id": run_id, "seq": seq, "kind": d.kind, "user_id": d.user_id, "stripe_id": d.stripe_id,
             "detail": Jsonb(d.detail)} for seq, d in enumerate(found)])
    if not apply:
        raise CircuitBreakerOpen(
            f"held: {len(plan_changes)} of {len(desired)} accounts would change plan (limit "
            f"{catalog.settings.max_plan_change_share:.0%}, at least {catalog.settings.plan_change_floor}) and "
            f"{len(paid_to_free)} paying accounts would move to free (limit {catalog.settings.max_paid_to_free}). "
            "Nothing was applied; see "
            f"billing.stripe_sync_run '{run_id}', then rerun with force=true if this is right.")
    return report
