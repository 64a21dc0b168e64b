"""A hand-built November whose right answers are written down: shared by the package and DAG tests."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from superlytics_usage import synthetic

US = timedelta(microseconds=1)
NOV = datetime(2026, 11, 1, tzinfo=UTC)
DEC = datetime(2026, 12, 1, tzinfo=UTC)
B_PERIOD = (datetime(2026, 11, 10, 10, 23, 17, tzinfo=UTC), datetime(2026, 12, 10, 10, 23, 17, tzinfo=UTC))
D_CHANGE = datetime(2026, 11, 15, 12, tzinfo=UTC)


def at(day: int, hour: int = 12, minute: int = 0, second: int = 0, month: int = 11) -> datetime:
    return datetime(2026, month, day, hour, minute, second, tzinfo=UTC)


def build_month(db) -> dict[str, str]:
    b = synthetic.Builder()
    ids = {}
    # A: free, calendar months; one live and one deleted website; every event type; app usage.
    a = ids["a"] = b.user("free")
    a1, a2 = b.website(user=a), b.website(user=a, deleted_at=at(20))
    b.event(a1, NOV)                                  # first instant of November
    b.event(a1, NOV - US)                             # last instant of October
    b.event(a1, DEC - US)                             # last instant of November
    b.event(a1, DEC)                                  # first instant of December
    b.event(a2, at(10), count=2)                      # deleted website: still counts
    for event_type in (3, 4, 5):
        b.event(a1, at(12), event_type=event_type)    # link, pixel, performance: not page views
    b.event(a1, at(13), event_type=2, name="signup", count=3)
    b.event(a1, at(14), event_type=2, name="purchase")
    b.usage(a, at(3), "api_call", count=3)
    b.usage(a, at(4), "data_export")
    # B: starter with a Stripe period starting at 10:23:17; a team website; a busy five minutes.
    bb = ids["b"] = b.user("starter", status="active", period=B_PERIOD)
    c = ids["c"] = b.user("free")
    team = b.team(bb, members=(c,))
    t1 = b.website(team=team)
    b.event(t1, B_PERIOD[0] - timedelta(seconds=1))   # previous period
    b.event(t1, B_PERIOD[0])                          # this period
    b.event(t1, at(20), count=5)                      # five sessions at one instant
    b.event(t1, at(20, 12, 7), count=2)               # two sessions in the next window
    b.usage(bb, B_PERIOD[0] - timedelta(seconds=1), "api_call")
    b.usage(bb, B_PERIOD[0], "api_call")
    # D: free until 15 Nov 12:00, then starter with a new Stripe period from that instant.
    d = ids["d"] = b.user("starter", status="active", period=(D_CHANGE, D_CHANGE + timedelta(days=30)))
    b.history(d, datetime(2026, 1, 1, tzinfo=UTC), D_CHANGE, "free")
    b.history(d, D_CHANGE, None, "starter", period=(D_CHANGE, D_CHANGE + timedelta(days=30)))
    d1 = b.website(user=d)
    b.event(d1, at(5), count=2)
    b.event(d1, D_CHANGE - timedelta(seconds=1))
    b.event(d1, D_CHANGE)
    b.event(d1, at(25), count=3)
    b.load(db)
    ids["a1"], ids["d1"] = a1, d1
    return ids



def expected_records(month: dict[str, str]) -> dict[tuple[str, datetime], dict]:
    """The right usage records for `build_month`, aggregated at 1 Dec 01:00, worked out by hand."""
    a, b, d = month["a"], month["b"], month["d"]
    return {
        (a, NOV): dict(period_end=DEC, plan_id="free", page_views=4, custom_events=2, custom_event_volume=4,
                       api_calls=3, data_exports=1, real_time_users=3, other_events=3),
        (a, DEC): dict(period_end=datetime(2027, 1, 1, tzinfo=UTC), plan_id="free", page_views=1, custom_events=0,
                       custom_event_volume=0, api_calls=0, data_exports=0, real_time_users=1, other_events=0),
        (b, B_PERIOD[0]): dict(period_end=B_PERIOD[1], plan_id="starter", page_views=8, custom_events=0,
                               custom_event_volume=0, api_calls=1, data_exports=0, real_time_users=5,
                               other_events=0),
        (b, datetime(2026, 10, 10, 10, 23, 17, tzinfo=UTC)): dict(
            period_end=B_PERIOD[0], plan_id="starter", page_views=1, custom_events=0, custom_event_volume=0,
            api_calls=1, data_exports=0, real_time_users=1, other_events=0),
        (d, NOV): dict(period_end=D_CHANGE, plan_id="free", page_views=3, custom_events=0, custom_event_volume=0,
                       api_calls=0, data_exports=0, real_time_users=2, other_events=0),
        (d, D_CHANGE): dict(period_end=D_CHANGE + timedelta(days=30), plan_id="starter", page_views=4,
                            custom_events=0, custom_event_volume=0, api_calls=0, data_exports=0, real_time_users=3,
                            other_events=0),
    }
