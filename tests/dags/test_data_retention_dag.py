"""data_retention through dag.test(): per-plan windows at their boundaries, safety knobs, crash and audit."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from conftest import dag_for_test
from superlytics_usage import synthetic

AS_OF = datetime(2026, 12, 1, 2, tzinfo=UTC)  # the run's data interval end: windows count back from here
SECOND = timedelta(seconds=1)
RAW_TABLES = ("website_event", "event_data", "session_data", "revenue", "session")


@pytest.fixture
def dag(airflow_db):
    """A fresh DAG per test: dag.test(run_conf=...) leaves the conf's params on the DAG object."""
    return dag_for_test("data_retention")


def run(dag, conf=None, as_of=AS_OF):
    """dag.test() does not raise when a task fails: return the run's state and its task's."""
    dag_run = dag.test(logical_date=as_of, run_conf=conf)
    assert dag_run.data_interval_end == as_of
    return dag_run.state, {ti.task_id: ti.state for ti in dag_run.get_task_instances()}


def ago(days: float) -> datetime:
    return AS_OF - timedelta(days=days)


class Site:
    """A website with raw rows at chosen instants: each visit is a session, an event, event data, session
    data and revenue, all at the same instant (as Umami writes them)."""

    def __init__(self, b: synthetic.Builder, user: str) -> None:
        self.b, self.user, self.website = b, user, b.website(user=user)
        self.events: dict[str, datetime] = {}

    def visit(self, at: datetime, session: str | None = None) -> str:
        session = session or self.b.session(self.website, at)
        event = self.b.event(self.website, at, session=session)
        self.b.event_data(self.website, event, at)
        self.b.session_data(self.website, session, at)
        self.b.revenue(self.website, session, event, at)
        self.events[event] = at
        return event


def site(b: synthetic.Builder, plan: str, **user) -> Site:
    return Site(b, b.user(plan, **user))


def remaining(db, table: str, website: str) -> int:
    return db.execute(f"select count(*) from public.{table} where website_id = %s", (website,)).fetchone()[0]


def event_ids(db, website: str) -> set[str]:
    rows = db.execute("select event_id::text from public.website_event where website_id = %s", (website,))
    return {row[0] for row in rows}


def audit(db, website: str) -> list[dict]:
    cur = db.execute("select * from billing.retention_audit where website_id = %s order by started_at", (website,))
    names = [c.name for c in cur.description]
    return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]


ORPHAN_CHECKS = {  # rows whose parent is gone: what a careless delete leaves behind without foreign keys
    "event_data": "select count(*) from event_data d where not exists "
                  "(select from website_event e where e.event_id = d.website_event_id)",
    "revenue": "select count(*) from revenue r where not exists "
               "(select from website_event e where e.event_id = r.event_id)",
    "website_event": "select count(*) from website_event e where not exists "
                     "(select from session s where s.session_id = e.session_id)",
    "session_data": "select count(*) from session_data d where not exists "
                    "(select from session s where s.session_id = d.session_id)",
}
NO_ORPHANS = dict.fromkeys(ORPHAN_CHECKS, 0)


def orphans(db) -> dict[str, int]:
    return {name: db.execute(query).fetchone()[0] for name, query in ORPHAN_CHECKS.items()}


@pytest.mark.parametrize("plan, days", [("free", 30), ("starter", 90), ("professional", 365),
                                        ("lifetime_starter", 365)])
def test_each_plans_window_at_its_boundary(dag, db, plan, days):
    b = synthetic.Builder()
    s = site(b, plan)
    cutoff = ago(days)
    gone = s.visit(cutoff - SECOND)
    kept = {s.visit(cutoff), s.visit(cutoff + SECOND), s.visit(ago(1))}
    b.load(db)

    assert run(dag) == ("success", {"apply_retention": "success"})

    assert event_ids(db, s.website) == kept and gone not in kept
    assert {t: remaining(db, t, s.website) for t in RAW_TABLES} == dict.fromkeys(RAW_TABLES, 3)
    (row,) = audit(db, s.website)
    assert (row["status"], row["plan_id"], row["retention_days"], row["cutoff"], row["dry_run"]) == \
           ("done", plan, days, cutoff, False)
    assert [row[f"{t}_rows"] for t in RAW_TABLES] == [1, 1, 1, 1, 1]
    policy = db.execute("select retention_days, cutoff, last_cleanup_at is not null from "
                        "billing.data_retention_policy where website_id = %s", (s.website,)).fetchone()
    assert policy == (days, cutoff, True)
    assert orphans(db) == NO_ORPHANS


@pytest.mark.parametrize("plan", ["enterprise", "lifetime_professional"])
def test_unlimited_plans_keep_everything(dag, db, plan):
    b = synthetic.Builder()
    s = site(b, plan)
    s.visit(ago(5 * 365))
    b.load(db)

    assert run(dag)[0] == "success"

    assert remaining(db, "website_event", s.website) == 1
    (row,) = audit(db, s.website)
    assert (row["status"], row["retention_days"], row["cutoff"]) == ("kept", -1, None)
    assert "unlimited" in row["reason"]


def test_an_active_override_replaces_the_plans_window(dag, db):
    b = synthetic.Builder()
    longer, expired, unlimited = site(b, "free"), site(b, "free"), site(b, "free")
    b.override(longer.user, "dataRetentionDays", 120, created_at=ago(200))
    b.override(expired.user, "dataRetentionDays", 365, created_at=ago(200), expires_at=ago(2))
    b.override(unlimited.user, "dataRetentionDays", -1, created_at=ago(200))
    for s in (longer, expired, unlimited):
        s.visit(ago(100))
        s.visit(ago(121))
    b.load(db)

    assert run(dag)[0] == "success"

    assert [remaining(db, "website_event", s.website) for s in (longer, expired, unlimited)] == [1, 0, 2]
    assert [(audit(db, s.website)[0]["status"], audit(db, s.website)[0]["retention_days"])
            for s in (longer, expired, unlimited)] == [("done", 120), ("done", 30), ("kept", -1)]


def test_a_downgrade_keeps_the_longer_window_through_the_grace(dag, db):
    b = synthetic.Builder()
    recent, settled = site(b, "free"), site(b, "free")
    for s, changed in ((recent, ago(10)), (settled, ago(40))):
        b.history(s.user, ago(400), changed, "professional")
        b.history(s.user, changed, None, "free")
        s.visit(ago(100))
        s.visit(ago(20))
    b.load(db)

    assert run(dag)[0] == "success"

    assert remaining(db, "website_event", recent.website) == 2  # professional's 365 days still hold
    assert audit(db, recent.website)[0]["retention_days"] == 365
    assert remaining(db, "website_event", settled.website) == 1  # the grace ended: free's 30 days
    assert audit(db, settled.website)[0]["retention_days"] == 30


def test_an_unknown_plan_is_skipped_and_reported(dag, db):
    b = synthetic.Builder()
    s = site(b, "platinum")
    s.visit(ago(400))
    b.load(db)

    assert run(dag)[0] == "success"

    assert remaining(db, "website_event", s.website) == 1
    (row,) = audit(db, s.website)
    assert row["status"] == "skipped" and "platinum" in row["reason"] and row["cutoff"] is None
    assert db.execute("select count(*) from billing.data_retention_policy").fetchone()[0] == 0


def test_no_orphans_and_sessions_with_events_inside_the_window_stay(dag, db):
    b = synthetic.Builder()
    s = site(b, "free")
    straddling = b.session(s.website, ago(40))
    s.visit(ago(40), session=straddling)
    recent_event = s.visit(ago(10), session=straddling)
    old_only = b.session(s.website, ago(45))
    s.visit(ago(45), session=old_only)
    s.visit(ago(44), session=old_only)
    late_child = s.visit(ago(50))  # an expired event whose event data was written inside the window
    b.event_data(s.website, late_child, ago(1))
    b.load(db)

    assert run(dag)[0] == "success"

    assert event_ids(db, s.website) == {recent_event}
    sessions = {r[0] for r in db.execute("select session_id::text from session where website_id = %s",
                                         (s.website,))}
    assert straddling in sessions and old_only not in sessions
    assert orphans(db) == NO_ORPHANS


def test_billing_history_and_reports_are_never_touched(dag, db):
    b = synthetic.Builder()
    s = site(b, "free")
    s.visit(ago(400))
    b.usage(s.user, ago(400), count=3)
    b.usage_record(s.user, (ago(420), ago(390)), ago(390), page_views=1)
    b.load(db)
    db.execute("insert into report (report_id, user_id, website_id, type, name, description, parameters, "
               "created_at) values (gen_random_uuid(), %s, %s, 'funnel', 'old', '', '{}', %s)",
               (s.user, s.website, ago(400)))

    assert run(dag)[0] == "success"

    assert remaining(db, "website_event", s.website) == 0
    counts = db.execute("select (select count(*) from billing.usage_event), (select count(*) from "
                        "billing.usage_record), (select count(*) from report), (select count(*) from "
                        "\"user\")").fetchone()
    assert counts == (3, 1, 1, 1)


def test_dry_run_reports_what_would_go_and_deletes_nothing(dag, db):
    b = synthetic.Builder()
    s = site(b, "free")
    for days in (31, 60, 90, 10):
        s.visit(ago(days))
    b.load(db)
    before = {t: remaining(db, t, s.website) for t in RAW_TABLES}

    assert run(dag, {"dry_run": True})[0] == "success"

    assert {t: remaining(db, t, s.website) for t in RAW_TABLES} == before
    (row,) = audit(db, s.website)
    assert (row["status"], row["dry_run"], row["cutoff"]) == ("dry_run", True, ago(30))
    assert [row[f"{t}_rows"] for t in RAW_TABLES] == [3, 3, 3, 3, 3]
    assert db.execute("select count(*) from billing.data_retention_policy").fetchone()[0] == 0


def test_the_per_run_cap_stops_deleting_and_the_next_run_resumes(dag, db):
    b = synthetic.Builder()
    sites = [site(b, "free") for _ in range(3)]
    for s in sites:
        for hour in range(8):
            s.visit(ago(40) + timedelta(hours=hour))
        s.visit(ago(2))
    b.load(db)

    assert run(dag, {"max_rows": 50})[0] == "success"

    deleted = db.execute("select sum(website_event_rows + event_data_rows + session_data_rows + revenue_rows "
                         "+ session_rows) from billing.retention_audit").fetchone()[0]
    assert deleted == 50
    assert [audit(db, s.website)[0]["status"] for s in sites] == ["capped"] * 3
    assert "cap of 50 rows" in audit(db, sites[0].website)[0]["reason"]
    total = sum(remaining(db, t, s.website) for t in RAW_TABLES for s in sites)
    assert total == 3 * 9 * 5 - 50
    assert orphans(db) == NO_ORPHANS  # children first

    assert run(dag, {"max_rows": None}, as_of=AS_OF + timedelta(days=1))[0] == "success"
    assert [remaining(db, "website_event", s.website) for s in sites] == [1, 1, 1]
    assert [audit(db, s.website)[-1]["status"] for s in sites] == ["done"] * 3
    assert orphans(db) == NO_ORPHANS


def test_a_cutoff_jump_is_held_until_forced(dag, db, smtp_sink):
    b = synthetic.Builder()
    s = site(b, "professional")
    s.visit(ago(100))
    s.visit(ago(10))
    b.load(db)
    assert run(dag)[0] == "success"
    assert audit(db, s.website)[0]["retention_days"] == 365

    db.execute("update \"user\" set plan_id = 'free' where user_id = %s", (s.user,))  # a wrong plan, say
    tomorrow = AS_OF + timedelta(days=1)
    assert run(dag, as_of=tomorrow)[0] == "success"
    assert remaining(db, "website_event", s.website) == 2
    held = audit(db, s.website)[-1]
    assert held["status"] == "held" and "336 days" in held["reason"] and "force_websites" in held["reason"]
    assert db.execute("select retention_days from billing.data_retention_policy").fetchone()[0] == 365

    state, _ = run(dag, {"force_websites": ["00000000-0000-4000-8000-000000000000"]}, as_of=tomorrow)
    assert state == "failed"  # an approval naming no website is refused, not ignored
    (notice,) = smtp_sink.messages
    assert "data_retention.apply_retention failed" in notice["Subject"]
    assert remaining(db, "website_event", s.website) == 2

    assert run(dag, {"force_websites": [s.website]}, as_of=tomorrow)[0] == "success"
    assert remaining(db, "website_event", s.website) == 1
    forced = audit(db, s.website)[-1]
    assert forced["status"] == "done" and forced["website_event_rows"] == 1 and "forced" in forced["reason"]

    assert run(dag, as_of=tomorrow + timedelta(days=1))[0] == "success"  # approved: a day's move is no jump
    assert audit(db, s.website)[-1]["status"] == "done"


def test_a_crash_midway_then_a_rerun_loses_nothing_and_leaves_nothing(dag, db, smtp_sink):
    b = synthetic.Builder()
    s = site(b, "free")
    expired = [s.visit(ago(31) - timedelta(minutes=m)) for m in range(30)]
    kept = {s.visit(ago(29) - timedelta(minutes=m)) for m in range(20)}
    b.load(db)
    db.execute("create function fail_session_delete() returns trigger language plpgsql as "
               "$$ begin raise exception 'disk on fire'; end $$")
    db.execute("create trigger crash before delete on public.session for each row execute function "
               "fail_session_delete()")

    state, tasks = run(dag)
    assert (state, tasks) == ("failed", {"apply_retention": "failed"})
    assert len(smtp_sink.messages) == 1  # the operators were told
    assert remaining(db, "website_event", s.website) == 20  # the events' batches had committed
    assert remaining(db, "session", s.website) == 50
    (crashed,) = audit(db, s.website)
    assert crashed["status"] == "pending" and crashed["website_event_rows"] == 30 and crashed["session_rows"] == 0

    db.execute("drop trigger crash on public.session")
    assert run(dag)[0] == "success"

    assert event_ids(db, s.website) == kept and not set(expired) & event_ids(db, s.website)
    assert {t: remaining(db, t, s.website) for t in RAW_TABLES} == dict.fromkeys(RAW_TABLES, 20)
    assert orphans(db) == NO_ORPHANS
    rows = audit(db, s.website)
    assert rows[-1]["status"] == "done"
    assert sum(r["session_rows"] for r in rows) == 30 and sum(r["website_event_rows"] for r in rows) == 30


def test_a_dry_run_reports_exactly_what_the_real_run_then_deletes(dag, db, catalog):
    spec = synthetic.GeneratorSpec(ago(120), ago(1), accounts=40, events=30_000, seed=5)
    synthetic.load(db, synthetic.generate(spec, catalog), catalog, progress=False)

    def per_website(dry: bool) -> dict:
        rows = db.execute("select website_id::text, status, website_event_rows, event_data_rows, session_data_rows, "
                          "revenue_rows, session_rows from billing.retention_audit where dry_run = %s", (dry,))
        return {website: (status, counts) for website, status, *counts in rows}

    assert run(dag, {"dry_run": True})[0] == "success"
    assert run(dag, {"dry_run": False})[0] == "success"

    dry, real = per_website(True), per_website(False)
    assert {w: counts for w, (status, counts) in dry.items() if status == "dry_run"} == \
           {w: counts for w, (status, counts) in real.items() if status == "done"}
    assert sum(sum(counts) for _, counts in real.values()) > 300  # plenty went: the comparison means something
    assert {status for status, _ in real.values()} >= {"done", "kept"}
    assert orphans(db) == NO_ORPHANS
