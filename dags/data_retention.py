"""
### data_retention — delete raw analytics past each plan's retention window

Daily at 02:00 UTC. For every website, the window is its owner's plan `dataRetentionDays` from
`plans.yaml` (an active quota override on `dataRetentionDays` replaces it; -1 keeps everything). After a
downgrade the longest window of any plan held in the last `retention.downgrade_grace_days` applies, so a
failed payment or a reconciliation mistake cannot delete a paying customer's history overnight. Accounts
whose plan is not in `plans.yaml` are skipped and reported. The cutoff is the run's data interval end
minus the window: rows created before it go.

**What goes**, children first (Umami has no foreign keys): `event_data` (older than the cutoff, or attached
to an older event), `revenue`, `website_event`, `session_data`, then sessions older than the cutoff with no
event left (with their session data). Usage records, accounts, reports and every `billing` table stay.

**Gently**: each raw table is walked once in block ranges (the reads of one sequential scan), each batch
one short autocommitted statement under `lock_timeout` 1 s and `statement_timeout` 10 s, sized toward
100 ms; the app's inserts keep flowing. A crashed run resumes on rerun from what committed.

**Safety**: `dry_run` reports per website what would go and deletes nothing. At most `max_rows` rows per run
(default `retention.max_rows_per_run`). A website whose cutoff moved forward more than
`retention.max_cutoff_jump_days` since its last run is **held** until a manual run lists it in
`force_websites`. Every run writes `billing.retention_audit` (one row per website: plan, window, cutoff,
rows per table, status and why); `billing.data_retention_policy` holds each website's current policy.
"""

from airflow.sdk import Param, dag, task
from airflow.timetables.interval import CronDataIntervalTimetable

from superlytics_usage.dag_defaults import writer_dag


@dag(
    schedule=CronDataIntervalTimetable("0 2 * * *", timezone="UTC"),
    **writer_dag("retention"),
    doc_md=__doc__,
    params={
        "dry_run": Param(False, type="boolean", description="Report what would be deleted; delete nothing."),
        "force_websites": Param([], type="array", items={"type": "string"},
                                description="Website ids whose held cutoff jump you approve (one per line)."),
        "max_rows": Param(None, type=["null", "integer"], minimum=0,
                          description="Rows deleted at most this run (empty: retention.max_rows_per_run)."),
    },
)
def data_retention():
    @task
    def apply_retention(data_interval_end=None, params=None, run_id=None):
        """Decide every website's window, record it, delete in batches up to the run's cap."""
        from superlytics_usage.data_retention_task import run_data_retention

        return run_data_retention(data_interval_end, params, run_id)

    apply_retention()


data_retention()
