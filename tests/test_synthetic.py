"""The synthetic generator: deterministic, Umami-shaped, with the edge cases the pipeline must handle."""

from __future__ import annotations

from datetime import UTC, datetime

import pandas as pd
import pytest

from superlytics_usage import synthetic

WINDOW = (datetime(2026, 11, 1, tzinfo=UTC), datetime(2026, 12, 1, tzinfo=UTC))


@pytest.fixture(scope="module")
def spec():
    return synthetic.GeneratorSpec(*WINDOW, accounts=120, events=60_000, seed=11, chunk_events=20_000)


@pytest.fixture(scope="module")
def data(spec, catalog):
    return synthetic.generate(spec, catalog)


@pytest.fixture(scope="module")
def chunks(data, catalog):
    parts = list(synthetic.event_chunks(data, catalog))
    return {table: pd.concat([p[table] for p in parts], ignore_index=True) for table in parts[0]}


def test_same_seed_same_data(spec, catalog, data, chunks):
    again = synthetic.generate(spec, catalog)
    pd.testing.assert_frame_equal(again.users, data.users)
    pd.testing.assert_frame_equal(again.usage_events, data.usage_events)
    first = next(synthetic.event_chunks(again, catalog))["website_event"]
    pd.testing.assert_frame_equal(first, chunks["website_event"].iloc[: len(first)])


def test_exact_event_total_across_chunks(spec, data, chunks):
    assert data.website_events.sum() == spec.events == len(chunks["website_event"])
    assert chunks["website_event"]["event_id"].is_unique


def test_every_plan_and_both_ownerships(data, catalog):
    assert set(data.users["plan_id"]) == set(catalog.plans)
    assert data.websites["team_id"].notna().any() and data.websites["user_id"].notna().any()
    assert data.websites["deleted_at"].notna().any()
    assert (data.team_users["role"] == "team-owner").sum() == len(data.teams)


def test_other_event_types_and_custom_event_names(chunks):
    events = chunks["website_event"]
    assert set(events["event_type"]) == {1, 2, 3, 4, 5}
    assert events.loc[events["event_type"] == 2, "event_name"].notna().all()
    assert events.loc[events["event_type"] != 2, "event_name"].isna().all()
    assert len(chunks["event_data"]) == (events["event_type"] == 2).sum()


def test_events_inside_the_window_except_the_backdated_few(chunks):
    created = chunks["website_event"]["created_at"]
    start, end = (pd.Timestamp(t) for t in WINDOW)
    backdated = created < start
    assert 0 < backdated.sum() < 0.01 * len(created)
    assert (created < end).all()
    sessions = chunks["session"].set_index("session_id")["created_at"]
    joined = chunks["website_event"].join(sessions.rename("session_start"), on="session_id")
    ordinary = joined[~backdated]
    assert (ordinary["created_at"] >= ordinary["session_start"]).all()


def test_some_accounts_near_and_over_their_page_view_limit(data, catalog):
    profile = data.account_profile()
    limit = profile["plan_id"].map(lambda p: catalog.plans[p].limits["pageViews"])
    share = profile["event_budget"] * synthetic.PAGE_VIEW_SHARE / limit.where(limit > 0)
    assert ((share > 0.8) & (share < 1.0)).any()
    assert (share > 1.0).any()


def test_load_counts_match(db, catalog):
    spec = synthetic.GeneratorSpec(*WINDOW, accounts=40, events=8_000, seed=3)
    data = synthetic.generate(spec, catalog)
    counts = synthetic.load(db, data, catalog, progress=False)
    with db.cursor() as cur:
        cur.execute("select count(*), count(*) filter (where event_type = 1) from website_event")
        total, page_views = cur.fetchone()
        cur.execute('select count(*) from "user"')
        assert cur.fetchone() == (40,)
        cur.execute("select count(*) from billing.src_website where owner_user_id is null")
        assert cur.fetchone() == (0,), "every website bills to a user"
    assert total == counts["website_event"] == 8_000
    assert 0.8 * total < page_views < 0.92 * total
