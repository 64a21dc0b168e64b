"""Per-plan retention: delete raw analytics older than each website's window, gently and with an audit.

The window is decided in SQL for every website at once (`sql/retention/scope.sql`); this module turns it
into a decision per website (skip, keep, hold, report, delete) and runs the deletes. Each raw table is
walked once in block ranges (the reads of one sequential scan, like a plain DELETE, cut into short
batches); a batch deletes the rows in its blocks that belong to a website being cleaned and are older than
that website's cutoff. Every batch is one autocommitted statement under `lock_timeout`/`statement_timeout`
that also raises the audit counters, so a crash loses nothing that should stay and a rerun simply walks
again. Children go before parents (Umami has no foreign keys): event data (also data attached to an
expired event) and revenue, then events, then session data, then sessions that have no event left (with
their session data).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import psycopg
from psycopg import Connection
from psycopg import sql as pgsql

from superlytics_usage.database import read_sql
from superlytics_usage.plans import PlanCatalog

log = logging.getLogger(__name__)

RETENTION_KEY = "dataRetentionDays"
COUNTERS = ("website_event_rows", "event_data_rows", "session_data_rows", "revenue_rows", "session_rows")
BATCH_TARGET_SECONDS = 0.1
MAX_SPAN_GROWTH = 1.5
LOCK_RETRIES = 3


@dataclass(frozen=True)
class Step:
    """One pass over a raw table. Tables deleted by their own rows alone share the generic batch (`counter`
    names their audit column); event data and sessions have their own (parents, children)."""

    name: str
    view: str
    sql: str = "retention/delete_batch"
    counter: str = ""


STEPS = (
    Step("event_data", "billing.src_event_data", "retention/delete_event_data_batch"),
    Step("revenue", "billing.src_revenue", counter="revenue_rows"),
    Step("website_event", "billing.src_website_event", counter="website_event_rows"),
    Step("session_data", "billing.src_session_data", counter="session_data_rows"),
    Step("session", "billing.src_session", "retention/delete_session_batch"),
)


@dataclass(frozen=True)
class RetentionOptions:
    """One run: the instant windows are measured back from (the data interval's end) and the safety knobs."""

    as_of: datetime
    run_id: str
    dry_run: bool = False
    force_websites: frozenset[str] = frozenset()
    max_rows: int = 5_000_000
    batch_size: int = 20_000
    grace_days: int = 30
    max_jump_days: int = 60
    on_batch: Callable[[str, int, float], None] | None = None  # (step, rows, seconds): for benchmarks

    @classmethod
    def from_catalog(cls, catalog: PlanCatalog, as_of: datetime, run_id: str, *, dry_run: bool = False,
                     force_websites: Iterable[str] = (), max_rows: int | None = None) -> RetentionOptions:
        settings = catalog.retention
        return cls(as_of=as_of, run_id=run_id, dry_run=dry_run, force_websites=frozenset(force_websites),
                   max_rows=settings.max_rows_per_run if max_rows is None else max_rows,
                   batch_size=settings.batch_size, grace_days=settings.downgrade_grace_days,
                   max_jump_days=settings.max_cutoff_jump_days)


@dataclass
class WebsiteRetention:
    """The decision for one website and, once run, the rows it deleted (or would delete) per table."""

    website_id: str
    owner_user_id: str | None
    plan_id: str | None
    retention_days: int | None
    cutoff: datetime | None
    status: str
    reason: str | None = None
    rows: dict[str, int] = field(default_factory=lambda: dict.fromkeys(COUNTERS, 0))

    @property
    def total_rows(self) -> int:
        return sum(self.rows.values())


def decide(conn: Connection, catalog: PlanCatalog, options: RetentionOptions) -> list[WebsiteRetention]:
    """Every website's window and what this run does with it: 'skipped' (no account, unknown plan), 'kept'
    (unlimited), 'held' (cutoff jumped forward since the last run, not forced), 'dry_run' or 'pending'."""
    plan_ids = list(catalog.plans)
    params = {"as_of": options.as_of, "grace_start": options.as_of - timedelta(days=options.grace_days),
              "plan_ids": plan_ids, "plan_days": [catalog.plans[p].limits[RETENTION_KEY] for p in plan_ids]}
    with conn.cursor() as cur:
        cur.execute(read_sql("retention/scope"), params)
        rows = cur.fetchall()
    known = {row[0] for row in rows}
    unknown = sorted(options.force_websites - known)
    if unknown:
        raise ValueError(f"force_websites lists websites that do not exist: {', '.join(unknown)}")
    return [_decision(options, *row) for row in rows]


def _decision(options: RetentionOptions, website_id: str, owner_user_id: str | None, plan_id: str | None,
              skip_reason: str | None, days: int | None, overridden: bool, cutoff: datetime | None,
              has_policy: bool, previous_days: int | None, previous_cutoff: datetime | None) -> WebsiteRetention:
    """One row of scope.sql as a decision (scope.sql gives no cutoff to a skipped or unlimited website)."""
    def decided(status: str, reason: str | None = None) -> WebsiteRetention:
        return WebsiteRetention(website_id, owner_user_id, plan_id, days, cutoff, status, reason)

    source = "quota override" if overridden else "plan"
    if skip_reason:
        return decided("skipped", skip_reason)
    if cutoff is None:
        return decided("kept", f"unlimited retention ({source})")
    reason = None
    jump = _jump_days(cutoff, previous_cutoff) if has_policy else None
    if jump is not None and jump > options.max_jump_days:
        was = "unlimited" if previous_days == -1 else f"{previous_days} days"
        if website_id not in options.force_websites:
            return decided("held", f"cutoff moved forward {jump:g} days since the last run (limit "
                           f"{options.max_jump_days}; window {was} -> {days} days, {source}); approve with "
                           "force_websites")
        reason = f"forced past a {jump:g}-day cutoff jump (window {was} -> {days} days)"
    return decided("dry_run" if options.dry_run else "pending", reason)


def _jump_days(cutoff: datetime, previous_cutoff: datetime | None) -> float:
    """How far the cutoff moved forward since the last applied one (an unlimited window had none)."""
    if previous_cutoff is None:
        return float("inf")
    return round((cutoff - previous_cutoff) / timedelta(days=1), 2)


def apply_retention(conn: Connection, catalog: PlanCatalog, options: RetentionOptions) -> list[WebsiteRetention]:
    """Decide, record the decisions (audit, policy), then walk every raw table up to the run's row cap."""
    conn.execute(read_sql("retention/session_setup"))
    decisions = decide(conn, catalog, options)
    if options.dry_run:
        _count_expired(conn, [d for d in decisions if d.status == "dry_run"])
    _record(conn, options, decisions)
    pending = [d for d in decisions if d.status == "pending"]
    if options.dry_run or not pending:
        return decisions
    conn.execute(read_sql("retention/target_create"),
                 {"website_ids": [d.website_id for d in pending], "cutoffs": [d.cutoff for d in pending]})
    conn.execute(read_sql("retention/delete_limits"))
    budget, max_cutoff = options.max_rows, max(d.cutoff for d in pending)
    for step in STEPS:
        budget -= _delete_step(conn, options, step, budget, max_cutoff)
        if budget <= 0:
            break
    conn.execute(read_sql("retention/delete_limits_reset"))
    if budget <= 0:
        _count_expired(conn, pending)  # what is still left, per website
    for decision in pending:
        if budget <= 0 and decision.total_rows:
            decision.status, decision.reason = "capped", f"per-run cap of {options.max_rows} rows reached"
        else:
            decision.status = "done"
    _finish(conn, options, pending)
    return decisions


def _count_expired(conn: Connection, decisions: list[WebsiteRetention]) -> None:
    """Fill in what each website would lose (or still has to), one set-based count over all of them."""
    if not decisions:
        return
    by_id = {d.website_id: d for d in decisions}
    with conn.cursor() as cur:
        cur.execute(read_sql("retention/expired_counts"),
                    {"website_ids": list(by_id), "cutoffs": [d.cutoff for d in decisions]})
        for website_id, *counts in cur.fetchall():
            by_id[website_id].rows = dict(zip(COUNTERS, map(int, counts), strict=True))


def _record(conn: Connection, options: RetentionOptions, decisions: list[WebsiteRetention]) -> None:
    """Audit rows for every website and, unless dry, the policy of every website the run cleans or keeps."""
    columns = {"website_ids": [d.website_id for d in decisions], "owner_ids": [d.owner_user_id for d in decisions],
               "plan_ids": [d.plan_id for d in decisions], "retention_days": [d.retention_days for d in decisions],
               "cutoffs": [d.cutoff for d in decisions]}
    audit = {**columns, "statuses": [d.status for d in decisions], "reasons": [d.reason for d in decisions],
             **{counter: [d.rows[counter] for d in decisions] for counter in COUNTERS}}
    applied = [i for i, d in enumerate(decisions) if d.status in ("pending", "kept")]
    with conn.transaction(), conn.cursor() as cur:
        cur.execute(read_sql("retention/audit_record"),
                    {"run_id": options.run_id, "as_of": options.as_of, "dry_run": options.dry_run, **audit})
        if applied and not options.dry_run:
            cur.execute(read_sql("retention/policy_apply"),
                        {"run_id": options.run_id, **{k: [v[i] for i in applied] for k, v in columns.items()}})


def _delete_step(conn: Connection, options: RetentionOptions, step: Step, budget: int, max_cutoff: datetime) -> int:
    """Walk one table's blocks as they are now, batch by batch, within `budget` rows; returns rows deleted.
    Each batch's block span is sized toward BATCH_TARGET_SECONDS, starting from about `batch_size` rows."""
    statement = pgsql.SQL(read_sql(step.sql))
    if step.counter:
        statement = statement.format(view=pgsql.SQL(step.view), counter=pgsql.Identifier(step.counter))
    with conn.cursor() as cur:
        cur.execute(read_sql("retention/table_blocks"), {"view": step.view})
        blocks, rows_per_block = cur.fetchone()
    span = max(1, int(options.batch_size / max(float(rows_per_block), 1.0)))
    block, deleted, batches, started = 0, 0, 0, time.monotonic()
    while block < blocks and deleted < budget:
        began = time.monotonic()
        parents, children, block_to = _run_batch(conn, statement, {
            "block_from": block, "block_to": block + span, "max_cutoff": max_cutoff, "max_rows": budget - deleted,
            "run_id": options.run_id})
        elapsed = time.monotonic() - began
        if options.on_batch:
            options.on_batch(step.name, parents + children, elapsed)
        deleted += parents + children
        batches += 1
        span = _next_span(block_to - block, elapsed)
        block = block_to
        if batches % 100 == 0:
            log.info("retention %s: block %d of %d, %d rows deleted in %d batches", step.name, block, blocks,
                     deleted, batches)
    log.info("retention %s: deleted %d rows in %d batches over %d blocks (%.1f s)", step.name, deleted, batches,
             blocks, time.monotonic() - started)
    return deleted


def _run_batch(conn: Connection, statement: pgsql.Composable, params: dict) -> tuple[int, int, int]:
    """One autocommitted batch; returns (rows, child rows, the block it ended before). A batch that waited
    past `lock_timeout` or ran past `statement_timeout` rolled back whole; it is retried over half the blocks
    after a pause, and after LOCK_RETRIES the error propagates (a rerun walks again)."""
    for attempt in range(1, LOCK_RETRIES + 1):
        try:
            with conn.cursor() as cur:
                cur.execute(statement, params)
                parents, children = cur.fetchone()
                return int(parents), int(children), params["block_to"]
        except (psycopg.errors.LockNotAvailable, psycopg.errors.QueryCanceled) as exc:
            if attempt == LOCK_RETRIES:
                raise
            span = params["block_to"] - params["block_from"]
            params = {**params, "block_to": params["block_from"] + max(1, span // 2)}
            log.warning("retention batch over %d blocks from %d gave way (%s); retrying over %d", span,
                        params["block_from"], type(exc).__name__, params["block_to"] - params["block_from"])
            time.sleep(attempt)
    raise AssertionError("unreachable")


def _next_span(span: int, elapsed: float) -> int:
    """Steer the block span toward the target batch time: shrink as far as a slow batch says, grow by at
    most MAX_SPAN_GROWTH, because the rows to delete are not spread evenly over the blocks."""
    return max(1, int(span * min(MAX_SPAN_GROWTH, BATCH_TARGET_SECONDS / max(elapsed, 1e-3))))


def _finish(conn: Connection, options: RetentionOptions, finished: list[WebsiteRetention]) -> None:
    """Close the websites' audit rows (and mark finished cleanups in the policy); read back their counts."""
    by_id = {d.website_id: d for d in finished}
    with conn.transaction(), conn.cursor() as cur:
        cur.execute(read_sql("retention/website_finish"), {
            "run_id": options.run_id, "website_ids": list(by_id), "statuses": [d.status for d in finished],
            "reasons": [d.reason for d in finished]})
        for website_id, *counts in cur.fetchall():
            by_id[website_id].rows = dict(zip(COUNTERS, map(int, counts), strict=True))
