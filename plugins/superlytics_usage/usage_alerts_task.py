"""The usage_alerts DAG's task body: arm the ledger, claim digests, send them on one SMTP connection."""

from __future__ import annotations

import logging
from contextlib import closing
from typing import Any

from superlytics_usage import usage_alerts
from superlytics_usage.airflow_env import POSTGRES_CONN_ID
from superlytics_usage.database import prepare
from superlytics_usage.plans import load_catalog

SMTP_CONN_ID = "smtp_default"
DEFAULT_SENDER = "Superlytics <alerts@superlytics.example>"
DEFAULT_UPGRADE_URL = "https://app.superlytics.example/settings/billing"
log = logging.getLogger(__name__)


class AlertsExhausted(RuntimeError):
    """Some alerts used up their send attempts; they are 'failed' in billing.alert_log."""


def run_usage_alerts(run_id: str, params: dict[str, Any]) -> dict[str, Any]:
    from airflow.exceptions import AirflowException
    from airflow.providers.postgres.hooks.postgres import PostgresHook
    from airflow.providers.smtp.hooks.smtp import SmtpHook
    from airflow.sdk import Variable

    catalog = load_catalog()
    max_attempts = int(params.get("max_attempts") or 5)
    upgrade_url = Variable.get("superlytics_upgrade_url", default=DEFAULT_UPGRADE_URL)
    sent = failed = 0
    with closing(prepare(PostgresHook(postgres_conn_id=POSTGRES_CONN_ID).get_conn())) as conn:
        usage_alerts.arm(conn, catalog, run_id)
        digests = usage_alerts.pending_digests(conn, catalog, max_emails=int(params.get("max_emails") or 200),
                                               max_attempts=max_attempts)
        if digests:
            options = {"upgrade_url": upgrade_url, "max_attempts": max_attempts}
            try:
                with SmtpHook(smtp_conn_id=SMTP_CONN_ID) as smtp:
                    options["sender"] = smtp.from_email or DEFAULT_SENDER
                    # The hook manages the connection (TLS, SSL, login); its client sends our multipart message.
                    sent, failed = usage_alerts.deliver(conn, digests, catalog, smtp._smtp_client, **options)
            except (OSError, AirflowException) as exc:
                log.warning("SMTP server unreachable (%s); %d digest(s) stay pending for the next run", exc,
                            len(digests))
                options.setdefault("sender", DEFAULT_SENDER)
                sent, failed = usage_alerts.deliver(conn, digests, catalog, None, smtp_error=str(exc), **options)
        ledger = usage_alerts.ledger_summary(conn)
    log.info("usage alerts: %d digest(s) sent, %d failed this run; ledger %s", sent, failed, ledger)
    if ledger.get("failed") or ledger.get("unconfirmed"):
        log.warning("alerts needing a look: %s failed (attempts used up), %s unconfirmed (interrupted between "
                    "send and mark; not resent)", ledger.get("failed", 0), ledger.get("unconfirmed", 0))
    return {"sent": sent, "failed": failed, "ledger": ledger}
