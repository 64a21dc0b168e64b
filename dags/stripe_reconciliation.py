"""
### stripe_reconciliation — Stripe is the truth for plans, access and billing periods

Hourly, makes `billing.account` (and `billing.account_history`) agree with Stripe and repairs the app's
billing columns on `user` through `billing.src_account` — missed or out-of-order webhooks are the usual
cause of drift.

1. **Pull** every customer, every subscription (`status=all`: the default list hides canceled ones) and
   every completed Checkout Session through the official `stripe` SDK, 100 per page. Connection errors
   and 5xx are retried by the SDK; 429s wait what `Retry-After` asks; the whole pull has one time budget.
   A failed or partial pull fails the run and applies **nothing**.
2. **Map**: customer → user (customer metadata `user_id`, else the stored customer id); price id → plan
   through `include/plans.yaml`; billing period from the subscription's items; trial end; status.
   Access: active and trialing yes; past_due for `past_due_grace_days` into the unpaid period; canceled,
   unpaid and incomplete_expired keep the plan until their period ends, then fall back to free. Several
   subscriptions: the one granting access wins, then the highest plan. A paid one-time Checkout Session for
   a lifetime price makes the account lifetime, and no cancellation downgrades it.
3. **Apply** in one transaction: changed accounts, their history, the app's columns, and the run's report
   (`billing.stripe_sync_run`, `billing.stripe_discrepancy`). Unknown prices and malformed objects change
   nothing and are reported.

**Circuit breaker**: a run that would change the plan of more than `max_plan_change_share` of accounts,
or move more than `max_paid_to_free` paying accounts to free, applies nothing, saves what it would have
done, and fails. Check the report; if it is right, trigger a run with `force` on.
"""

from airflow.sdk import Param, dag, task
from airflow.timetables.interval import CronDataIntervalTimetable

from superlytics_usage.assets import ACCOUNTS
from superlytics_usage.dag_defaults import writer_dag


@dag(
    schedule=CronDataIntervalTimetable("0 * * * *", timezone="UTC"),
    **writer_dag("stripe"),
    doc_md=__doc__,
    params={"force": Param(False, type="boolean",
                           description="Apply even if the circuit breaker would hold this run.")},
)
def stripe_reconciliation():
    @task(outlets=[ACCOUNTS])
    def reconcile_accounts(data_interval_end=None, params=None, run_id=None):
        """Pull Stripe, then apply accounts, history and app repairs in one transaction."""
        from superlytics_usage.stripe_reconciliation_task import run_stripe_reconciliation

        return run_stripe_reconciliation(data_interval_end, params, run_id)

    reconcile_accounts()


stripe_reconciliation()
