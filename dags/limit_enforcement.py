"""
### limit_enforcement — flags, a quality gate, and the table the app reads

Runs whenever `usage_aggregation` or `stripe_reconciliation` updates its Asset.

1. **compute** every account's limits and features from `include/plans.yaml` into
   `billing.enforcement_candidate`: effective limit (the plan's, or the newest active quota override;
   -1 unlimited), current usage (the usage record of the period open at the data's end, the gauges;
   unknown for limits with no metered source), remaining, percentage, near (≥ 80%), over (> limit),
   blocked (≥ limit), overage, `allowed`, period, plan, `has_access`.
2. **check** the candidate with Great Expectations: one row per (user, key), no negative usage,
   percentages consistent, plan ids known, every active account present, usage equal to the records. A
   failure names each expectation, its row count and examples, and stops the run: nothing is published.
3. **publish** it into `billing.enforcement` in one transaction: readers see the whole old snapshot or the
   whole new one, never a mix or an empty table, and are never blocked. Produces the
   `billing.enforcement` Asset.
"""

from airflow.sdk import dag, task

from superlytics_usage.assets import ACCOUNTS, ENFORCEMENT, USAGE_RECORDS
from superlytics_usage.dag_defaults import writer_dag


@dag(
    schedule=(USAGE_RECORDS | ACCOUNTS),
    **writer_dag("enforcement"),
    doc_md=__doc__,
)
def limit_enforcement():
    @task
    def compute_candidate():
        """Flags for every account and key into billing.enforcement_candidate."""
        from superlytics_usage.limit_enforcement_task import compute

        return compute()

    @task
    def check_candidate():
        """The Great Expectations gate; fails the run (publishing nothing) on any finding."""
        from superlytics_usage.limit_enforcement_task import check

        return check()

    @task(outlets=[ENFORCEMENT])
    def publish_snapshot():
        """Swap the checked candidate in, atomically."""
        from superlytics_usage.limit_enforcement_task import publish

        return publish()

    compute_candidate() >> check_candidate() >> publish_snapshot()


limit_enforcement()
