"""usage_aggregation: exact records for a hand-built month, and convergence under reruns and backfills."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest

from superlytics_usage import synthetic
from superlytics_usage.database import read_sql
from superlytics_usage.usage_aggregation import AggregationWindow, aggregate_usage
from usage_month import D_CHANGE, DEC, NOV, at, build_month, expected_records

RECORD_COLUMNS = ("plan_id", "page_views", "custom_events", "custom_event_volume", "api_calls", "data_exports",
                  "real_time_users", "other_events")


def run(db, catalog, interval_end: datetime, run_id: str | None = None, **window) -> object:
    w = AggregationWindow.for_interval(interval_end - timedelta(hours=1), interval_end, **window)
    return aggregate_usage(db, w, calendar_plans=catalog.calendar_plan_ids,
                           run_id=run_id or f"test-{interval_end.isoformat()}")


def records(db) -> dict[tuple[str, datetime], dict]:
    with db.cursor() as cur:
        cur.execute("select user_id::text, period_start, period_end, " + ", ".join(RECORD_COLUMNS)
                    + " from billing.usage_record")
        names = [c.name for c in cur.description]
        return {(r[0], r[1]): dict(zip(names[2:], r[2:], strict=True)) for r in cur.fetchall()}


def checksum(db, period_end_after: datetime) -> str:
    with db.cursor() as cur:
        cur.execute("select md5(string_agg(concat_ws('|', user_id, period_start, period_end, "
                    + ", ".join(RECORD_COLUMNS) + ", rows_scanned), ',' order by user_id, period_start)) "
                    "from billing.usage_record where period_end > %s", (period_end_after,))
        return cur.fetchone()[0]


@pytest.fixture
def month(db):
    return build_month(db)


def test_exact_records_for_the_hand_built_month(db, catalog, month):
    run(db, catalog, DEC + timedelta(hours=1))
    got = records(db)
    expected = expected_records(month)
    for key, want in expected.items():
        assert got.get(key) == want, f"record {key}"
    assert not any(user == month["c"] and row["page_views"] for (user, _), row in got.items()), \
        "team events bill to the team's owner, not its members"


def test_gauges_as_of_the_run(db, catalog, month):
    run(db, catalog, DEC)
    with db.cursor() as cur:
        cur.execute("select user_id::text, websites, team_websites, team_members from billing.usage_gauge")
        gauges = {r[0]: r[1:] for r in cur.fetchall()}
    assert gauges[month["a"]] == (1, 0, 1)      # the deleted website no longer counts
    assert gauges[month["b"]] == (0, 1, 2)      # a team website; the owner and one member
    assert gauges[month["c"]] == (0, 0, 1)


def test_backdated_event_inside_the_lookback_is_picked_up(db, catalog, month):
    run(db, catalog, DEC)
    late = synthetic.Builder(seed=2)
    late.event(month["a1"], at(29), count=2)          # arrives after Nov 29 was aggregated
    late.load(db)
    run(db, catalog, DEC + timedelta(hours=1))
    assert records(db)[(month["a"], NOV)]["page_views"] == 4 + 2


def test_backdated_beyond_the_lookback_needs_a_recompute(db, catalog, month):
    run(db, catalog, DEC)
    late = synthetic.Builder(seed=3)
    late.event(month["a1"], at(2))
    late.load(db)
    run(db, catalog, DEC + timedelta(hours=1))
    assert records(db)[(month["a"], NOV)]["page_views"] == 4, "a scheduled run does not look back 29 days"
    run(db, catalog, DEC + timedelta(hours=1), run_id="recompute", recompute_from=NOV, recompute_to=DEC)
    assert records(db)[(month["a"], NOV)]["page_views"] == 5


def test_rerun_changes_nothing_and_audits_each_run(db, catalog, month):
    run(db, catalog, DEC, run_id="first")
    before = checksum(db, NOV)
    summary = run(db, catalog, DEC, run_id="again")
    assert checksum(db, NOV) == before
    assert summary.records_written > 0 and summary.rows_scanned > 0
    with db.cursor() as cur:
        cur.execute("select run_id, hours_from, hours_to from billing.usage_run order by run_id")
        rows = cur.fetchall()
    assert [r[0] for r in rows] == ["again", "first"]
    assert rows[0][2] == DEC and rows[0][1] == DEC - timedelta(days=3)
    assert rows[1][1] <= NOV, "the first run fills the open periods' earlier hours"


@pytest.fixture
def generated_month(db, catalog):
    """A generated November with a plan change mid-month, and a checksum helper over its periods."""
    spec = synthetic.GeneratorSpec(NOV, DEC, accounts=40, events=12_000, seed=5)
    data = synthetic.generate(spec, catalog)
    synthetic.load(db, data, catalog, progress=False)
    free_users = data.users.loc[data.users["plan_id"] == "free", "user_id"].tolist()[:3]
    change = synthetic.Builder(seed=9)
    for user in free_users:
        change.history(user, datetime(2026, 1, 1, tzinfo=UTC), D_CHANGE, "free")
        change.history(user, D_CHANGE, None, "starter", period=(D_CHANGE, D_CHANGE + timedelta(days=30)))
    change.load(db)
    return data


def hourly_ends(start: datetime, end: datetime) -> list[datetime]:
    return [start + timedelta(hours=h) for h in range(1, int((end - start) / timedelta(hours=1)) + 1)]


def test_hourly_backfill_equals_full_recompute_and_raw_counts(db, catalog, generated_month):
    run(db, catalog, DEC, run_id="full", recompute_from=NOV - timedelta(days=31), recompute_to=DEC)
    full = checksum(db, NOV)
    with db.cursor() as cur:
        cur.execute(read_sql("usage/usage_record_discrepancies"), {"period_end_after": NOV})
        assert cur.fetchall() == []
        cur.execute("select count(*), sum(page_views) from billing.usage_record where period_end > %s", (NOV,))
        count, page_views = cur.fetchone()
        cur.execute("truncate billing.usage_record, billing.usage_hourly, billing.usage_hour_coverage")
    assert count >= 40 and page_views > 9_000
    for end in hourly_ends(NOV, DEC):
        run(db, catalog, end)
    assert checksum(db, NOV) == full


def test_any_order_and_twice_converges(db, catalog, generated_month):
    ends = hourly_ends(NOV + timedelta(days=20), DEC)
    for end in ends:
        run(db, catalog, end)
    in_order = checksum(db, NOV)
    with db.cursor() as cur:
        cur.execute("truncate billing.usage_record, billing.usage_hourly, billing.usage_hour_coverage")
    shuffled = ends * 2
    random.Random(4).shuffle(shuffled)
    for end in [ends[-1], *shuffled]:   # the first run's gap fill covers the same earlier hours as before
        run(db, catalog, end)
    assert checksum(db, NOV) == in_order
