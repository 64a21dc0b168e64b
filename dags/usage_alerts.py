"""
### usage_alerts — threshold emails to customers, each sent once

Runs when `limit_enforcement` publishes a snapshot. For every account that reached a threshold of
`plans.yaml` (80% and 100%) for a limit in its current period, one **digest** email per account per run
lists every limit newly crossed, with usage, limit, percentage, the period's end and an upgrade link
(Variable `superlytics_upgrade_url`). Unlimited limits and accounts that opted out
(`user.usage_alerts_opt_out`) get nothing; 100% replaces 80% when both are crossed at once; a new period
re-arms every threshold.

**Exactly once** per (account, limit, period, threshold) through `billing.alert_log`: rows are claimed
('sending', with a deterministic Message-ID) and committed before SMTP, marked 'sent' after the server
accepts. A send the server refused stays pending for the next run (param `max_attempts`, then 'failed').
A run interrupted between send and mark leaves 'sending' rows, which the next run marks 'unconfirmed' and
never resends. The one at-least-once case — the server accepted but its reply was lost — resends with the
same Message-ID so receivers can deduplicate. At most `max_emails` digests per run; the rest wait.

Mail goes through the `smtp_default` Connection (Airflow's SMTP provider), one connection per batch.
"""

from airflow.sdk import Param, dag, task

from superlytics_usage.assets import ENFORCEMENT
from superlytics_usage.dag_defaults import writer_dag


@dag(
    schedule=[ENFORCEMENT],
    **writer_dag("alerts"),
    doc_md=__doc__,
    params={
        "max_emails": Param(200, type="integer", minimum=1, description="Digests sent at most per run."),
        "max_attempts": Param(5, type="integer", minimum=1, description="Send attempts before 'failed'."),
    },
)
def usage_alerts():
    @task
    def send_usage_alerts(run_id=None, params=None):
        """Arm the ledger from the snapshot, then send this run's digests."""
        from superlytics_usage.usage_alerts_task import run_usage_alerts

        return run_usage_alerts(run_id, params)

    send_usage_alerts()


usage_alerts()
