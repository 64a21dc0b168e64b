"""Threshold emails, each (account, limit, period, threshold) sent once: a ledger armed from the published
snapshot, one digest per account per run, each claimed just before it is sent and marked once the server accepts.

Exactly once, and its one gap: rows are marked 'sending' (with the digest's deterministic Message-ID) in a
committed transaction before any SMTP traffic, and 'sent' once the server accepts. A run interrupted between
the two leaves them 'sending'; the next run marks them 'unconfirmed' and never resends them. The narrow
at-least-once case is an SMTP server that accepted the message but whose reply was lost: the send looks
failed, stays pending and goes again next run — with the same Message-ID, so receivers can drop the copy.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from email.utils import formatdate
from typing import Any, Protocol

from jinja2 import Environment, FileSystemLoader, select_autoescape
from psycopg import Connection

from superlytics_usage.database import read_sql
from superlytics_usage.paths import INCLUDE_DIR
from superlytics_usage.plans import PlanCatalog

TEMPLATES = Environment(loader=FileSystemLoader(INCLUDE_DIR / "email"),
                        autoescape=select_autoescape(enabled_extensions=("html", "html.j2"), default=False))


class SmtpClient(Protocol):
    def sendmail(self, from_addr: str, to_addrs: list[str], msg: str) -> Any: ...


@dataclass(frozen=True)
class Alert:
    limit_key: str
    label: str
    period_start: datetime
    period_end: datetime | None
    threshold: float
    current_usage: int
    effective_limit: int
    percentage: float

    @property
    def percent(self) -> int:
        return int(self.percentage * 100)

    @property
    def threshold_percent(self) -> int:
        return round(self.threshold * 100)

    @property
    def bar_width(self) -> int:
        return max(1, min(100, self.percent))

    @property
    def bar_colour(self) -> str:
        return "#dc2626" if self.percentage >= 1 else "#f59e0b"

    @property
    def text_bar(self) -> str:
        filled = round(self.bar_width / 5)
        return "#" * filled + "." * (20 - filled)


@dataclass(frozen=True)
class Digest:
    user_id: str
    email: str
    username: str
    websites: str
    plan_id: str
    message_id: str
    alerts: tuple[Alert, ...]


@dataclass(frozen=True)
class AlertRun:
    armed: dict[str, int]
    sent: int
    failed: int


def arm(conn: Connection, catalog: PlanCatalog, run_id: str) -> None:
    with conn.transaction(), conn.cursor() as cur:
        cur.execute(read_sql("alerts/ledger_arm"), {
            "thresholds": list(catalog.settings.alert_thresholds), "run_id": run_id,
            "alert_keys": [m.key for m in catalog.metrics.values() if m.kind in ("counter", "peak")]})


def pending_digests(conn: Connection, catalog: PlanCatalog, *, max_emails: int, max_attempts: int
                    ) -> list[Digest]:
    """This run's digests, one per account with pending alerts (at most `max_emails`)."""
    with conn.transaction(), conn.cursor() as cur:
        cur.execute(read_sql("alerts/pending"), {"max_emails": max_emails, "max_attempts": max_attempts})
        rows = cur.fetchall()
        by_user: dict[str, list] = defaultdict(list)
        for row in rows:
            by_user[row[0]].append(row)
        cur.execute(read_sql("alerts/recipients"), {"user_ids": list(by_user)})
        recipients = {r[0]: r[1:] for r in cur.fetchall()}
    digests = []
    for user_id, claimed in sorted(by_user.items()):
        email, username, websites = recipients[user_id]
        alerts = tuple(sorted((Alert(key, catalog.metrics[key].label, start, end, float(threshold), usage, limit,
                                     float(percentage))
                               for _, key, start, end, threshold, _, usage, limit, percentage, _ in claimed),
                              key=lambda a: (-a.percentage, a.limit_key)))
        digests.append(Digest(user_id, email, username, websites, claimed[0][5], claimed[0][9], alerts))
    return digests


def render(digest: Digest, catalog: PlanCatalog, *, sender: str, upgrade_url: str) -> EmailMessage:
    """The digest as a multipart text + HTML message with its deterministic Message-ID."""
    plan = catalog.get_plan(digest.plan_id)
    top = digest.alerts[0]
    others = len(digest.alerts) - 1
    subject = (f"You've used {top.threshold_percent}% of your {top.label}"
               + (f" and {others} other limit{'s' if others > 1 else ''}" if others else "") + f" on {plan.name}")
    period_end = f"{top.period_end:%B} {top.period_end.day}, {top.period_end:%Y}" if top.period_end else "soon"
    context = {"subject": subject, "headline": subject + ".", "username": digest.username, "plan_name": plan.name,
               "alerts": digest.alerts, "period_end": period_end, "websites": digest.websites,
               "upgrade_url": upgrade_url}
    message = EmailMessage()
    message["Subject"] = subject
    message["From"] = sender
    message["To"] = digest.email
    message["Message-ID"] = digest.message_id
    message["Date"] = formatdate(usegmt=True)
    message.set_content(TEMPLATES.get_template("usage_alert.txt.j2").render(context))
    message.add_alternative(TEMPLATES.get_template("usage_alert.html.j2").render(context), subtype="html")
    return message


def deliver(conn: Connection, digests: list[Digest], catalog: PlanCatalog, smtp: SmtpClient | None, *,
            sender: str, upgrade_url: str, max_attempts: int, smtp_error: str | None = None) -> tuple[int, int]:
    """Send each digest on one SMTP connection: claim it ('sending', committed), send, mark it. `smtp` None
    (with `smtp_error`) means the server could not be reached: every digest counts one failed attempt."""
    sent = failed = 0
    for digest in digests:
        with conn.transaction(), conn.cursor() as cur:
            cur.execute(read_sql("alerts/mark_sending"), {"user_id": digest.user_id, "message_id": digest.message_id,
                                                          "max_attempts": max_attempts})
            if cur.rowcount == 0:
                continue  # no longer pending: nothing to send
        error = smtp_error
        if smtp is not None:
            try:
                smtp.sendmail(sender, [digest.email],
                              render(digest, catalog, sender=sender, upgrade_url=upgrade_url).as_string())
            except (OSError, ValueError) as exc:  # smtplib's errors are OSErrors
                error = f"{type(exc).__name__}: {exc}"
        with conn.transaction(), conn.cursor() as cur:
            if error is None:
                cur.execute(read_sql("alerts/mark_sent"), {"message_id": digest.message_id})
                sent += 1
            else:
                cur.execute(read_sql("alerts/mark_failed"),
                            {"message_id": digest.message_id, "error": error[:500], "max_attempts": max_attempts})
                failed += 1
    return sent, failed


def ledger_summary(conn: Connection) -> dict[str, int]:
    with conn.cursor() as cur:
        cur.execute(read_sql("alerts/ledger_summary"))
        return dict(cur.fetchall())
