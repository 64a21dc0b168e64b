"""Deterministic synthetic Superlytics data: Umami-shaped users, teams, websites, sessions and events.

One generator feeds the demo, the test fixtures and the benchmarks, so they all exercise the same shapes:
users on every plan, websites owned by users and by teams, sessions with daily traffic curves, page views
and custom events, other event types (3 link, 4 pixel, 5 performance) that must not count as page views,
accounts near and over their limits, backdated events, deleted websites, and app-recorded API calls and
exports. Events are built with numpy in chunks and loaded with COPY, so 10 million rows load in minutes.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import numpy as np
import pandas as pd
from psycopg import Connection, Cursor

from superlytics_usage.database import copy_frame
from superlytics_usage.plans import PlanCatalog, is_unlimited

PLAN_MIX = {"free": 0.50, "starter": 0.25, "professional": 0.13, "enterprise": 0.04,
            "lifetime_starter": 0.05, "lifetime_professional": 0.03}
EVENT_TYPES = np.array([1, 2, 3, 4, 5])
EVENT_TYPE_SHARES = np.array([0.86, 0.10, 0.02, 0.01, 0.01])
PAGE_VIEW_SHARE = EVENT_TYPE_SHARES[0]
# Traffic by hour of day (UTC): quiet nights, an afternoon peak.
HOURLY_CURVE = np.array([2, 1, 1, 1, 1, 2, 3, 5, 7, 8, 9, 10, 10, 11, 12, 12, 11, 10, 9, 8, 6, 5, 4, 3], float)
EVENTS_PER_SESSION = 5
SESSION_SPAN = timedelta(minutes=30)
URL_PATHS = np.array(["/", "/pricing", "/blog", "/docs", "/signup", "/login", "/about", "/features"])
EVENT_NAMES = np.array(["signup", "purchase", "download", "video-play", "newsletter", "share", "search",
                        "add-to-cart", "checkout", "contact"])
SUBSCRIPTION_STATUS_MIX = {"active": 0.85, "trialing": 0.07, "past_due": 0.05, "canceled": 0.03}
BILLING_TABLES = ("usage_event", "account_history", "usage_record", "quota_override")
COPY_COLUMNS = {
    "session": ["session_id", "website_id", "browser", "os", "device", "country", "created_at"],
    "website_event": ["event_id", "website_id", "session_id", "visit_id", "created_at", "url_path",
                      "page_title", "event_type", "event_name", "hostname"],
    "event_data": ["event_data_id", "website_id", "website_event_id", "data_key", "number_value",
                   "data_type", "created_at"],
    "session_data": ["session_data_id", "website_id", "session_id", "data_key", "string_value",
                     "data_type", "created_at"],
}


@dataclass(frozen=True)
class GeneratorSpec:
    """What to generate. The window is the month of traffic; the seed makes every row reproducible."""

    window_start: datetime
    window_end: datetime
    accounts: int = 300
    events: int = 200_000
    seed: int = 7
    near_share: float = 0.06
    over_share: float = 0.04
    backdated_share: float = 0.001
    deleted_website_share: float = 0.03
    chunk_events: int = 250_000


@dataclass
class Dataset:
    """The small tables in full, plus per-website event budgets from which event chunks are drawn."""

    spec: GeneratorSpec
    users: pd.DataFrame
    teams: pd.DataFrame
    team_users: pd.DataFrame
    websites: pd.DataFrame
    usage_events: pd.DataFrame
    website_events: np.ndarray = field(repr=False)  # events per website, aligned with `websites`

    def account_profile(self) -> pd.DataFrame:
        """Per user: plan, intended usage category and page-view budget (what the demo calls typical)."""
        budget = self.websites.assign(events=self.website_events).groupby("owner_user_id")["events"].sum()
        return self.users[["user_id", "username", "plan_id", "category"]].assign(
            event_budget=lambda df: df["user_id"].map(budget).fillna(0).astype(int))


def generate(spec: GeneratorSpec, catalog: PlanCatalog) -> Dataset:
    """Build the accounts and the per-website event budgets; events themselves come from `event_chunks`."""
    rng = np.random.default_rng(spec.seed)
    users = _users(rng, spec, catalog)
    teams, team_users = _teams(rng, users, catalog)
    websites = _websites(rng, spec, users, teams, catalog)
    websites["traffic_from"] = websites["owner_user_id"].map(_traffic_from(spec, users))
    targets = _event_targets(rng, spec, users, catalog)
    website_events = _split_by_website(rng, targets, users, websites)
    usage_events = _usage_events(rng, spec, users, catalog, targets)
    return Dataset(spec, users, teams, team_users, websites, usage_events, website_events)


def uuids(rng: np.random.Generator, n: int) -> np.ndarray:
    """n random version-4 UUID strings, fast enough for millions of rows."""
    raw = np.frombuffer(rng.bytes(16 * n), dtype=np.uint8).reshape(n, 16).copy()
    raw[:, 6] = (raw[:, 6] & 0x0F) | 0x40
    raw[:, 8] = (raw[:, 8] & 0x3F) | 0x80
    hexed = raw.tobytes().hex()
    return np.array([f"{hexed[i:i + 8]}-{hexed[i + 8:i + 12]}-{hexed[i + 12:i + 16]}-"
                     f"{hexed[i + 16:i + 20]}-{hexed[i + 20:i + 32]}" for i in range(0, 32 * n, 32)], dtype=object)


def _users(rng: np.random.Generator, spec: GeneratorSpec, catalog: PlanCatalog) -> pd.DataFrame:
    n = spec.accounts
    plan_ids = [p for p in PLAN_MIX if p in catalog.plans]
    shares = np.array([PLAN_MIX[p] for p in plan_ids])
    plans = rng.choice(plan_ids, size=n, p=shares / shares.sum())
    plans[: len(plan_ids)] = plan_ids[:n]  # every plan present even in tiny datasets
    categories = rng.choice(["normal", "near", "over"], size=n,
                            p=[1 - spec.near_share - spec.over_share, spec.near_share, spec.over_share])
    ids = uuids(rng, n)
    user_type = np.array([catalog.plans[p].type for p in plans])
    paid = (user_type == "subscription") & (plans != "free")
    statuses = np.where(paid, rng.choice(list(SUBSCRIPTION_STATUS_MIX), size=n,
                                         p=list(SUBSCRIPTION_STATUS_MIX.values())), None)
    lifetime = user_type == "lifetime"
    anchor_days = rng.integers(1, 29, size=n)
    anchor_seconds = rng.integers(0, 86400, size=n)
    period_start, period_end = [], []
    for day, secs, is_paid, status in zip(anchor_days, anchor_seconds, paid, statuses, strict=True):
        if not is_paid:
            period_start.append(None)
            period_end.append(None)
            continue
        start = _last_anchor_before(spec.window_end, int(day), int(secs))
        if status == "past_due":  # a renewal failed lately: the account is inside its grace period
            start = spec.window_end - timedelta(days=int(day) % 5 + 1, seconds=int(secs))
        period_start.append(start)
        period_end.append(_add_month(start))
    hex_ids = [u.replace("-", "")[:14] for u in ids]
    return pd.DataFrame({
        "user_id": ids,
        "username": [f"user{i:06d}" for i in range(n)],
        "email": [f"user{i:06d}@example.test" for i in range(n)],
        "plan_id": plans,
        "plan_type": user_type,
        "category": categories,
        "stripe_customer_id": np.where(paid | lifetime, [f"cus_{h}" for h in hex_ids], None),
        "stripe_subscription_id": np.where(paid, [f"sub_{h}" for h in hex_ids], None),
        "subscription_status": statuses,
        "has_access": np.where(statuses == "canceled", False, True),
        "lifetime_purchase": lifetime,
        "current_period_start": period_start,
        "current_period_end": period_end,
        "created_at": [spec.window_start - timedelta(days=int(d)) for d in rng.integers(30, 700, size=n)],
    })


def _last_anchor_before(moment: datetime, day: int, seconds: int) -> datetime:
    candidate = moment.replace(day=day, hour=0, minute=0, second=0, microsecond=0) + timedelta(seconds=seconds)
    while candidate > moment:
        candidate = _add_month(candidate, -1)
    return candidate


def _add_month(moment: datetime, months: int = 1) -> datetime:
    month_index = moment.month - 1 + months
    return moment.replace(year=moment.year + month_index // 12, month=month_index % 12 + 1)


def _teams(rng: np.random.Generator, users: pd.DataFrame, catalog: PlanCatalog) -> tuple[pd.DataFrame, pd.DataFrame]:
    tiers = users["plan_id"].map(lambda p: catalog.plans[p].tier)
    owners = users[(tiers >= 1) & (rng.random(len(users)) < 0.3)]
    team_ids = uuids(rng, len(owners))
    teams = pd.DataFrame({"team_id": team_ids, "name": [f"Team {u}" for u in owners["username"]],
                          "owner_user_id": owners["user_id"].to_numpy()})
    members = []
    for team_id, owner, plan in zip(team_ids, owners["user_id"], owners["plan_id"], strict=True):
        members.append((team_id, owner, "team-owner"))
        limit = catalog.plans[plan].limits["teamMembers"]
        extra = int(rng.integers(0, 4 if is_unlimited(limit) else max(limit, 1) + 1))  # some teams exceed
        for member in rng.choice(users["user_id"].to_numpy(), size=min(extra, len(users)), replace=False):
            if member != owner:
                members.append((team_id, member, "team-member"))
    team_users = pd.DataFrame(members, columns=["team_id", "user_id", "role"])
    team_users.insert(0, "team_user_id", uuids(rng, len(team_users)))
    return teams, team_users


def _websites(rng: np.random.Generator, spec: GeneratorSpec, users: pd.DataFrame, teams: pd.DataFrame,
              catalog: PlanCatalog) -> pd.DataFrame:
    rows = []
    for user_id, plan, category in zip(users["user_id"], users["plan_id"], users["category"], strict=True):
        limit = catalog.plans[plan].limits["websites"]
        cap = 12 if is_unlimited(limit) else limit
        count = cap + 1 if category == "over" and not is_unlimited(limit) else int(rng.integers(1, cap + 1))
        rows += [(user_id, None, user_id) for _ in range(count)]
    for team_id, owner in zip(teams["team_id"], teams["owner_user_id"], strict=True):
        rows += [(None, team_id, owner) for _ in range(int(rng.integers(1, 4)))]
    websites = pd.DataFrame(rows, columns=["user_id", "team_id", "owner_user_id"])
    n = len(websites)
    websites.insert(0, "website_id", uuids(rng, n))
    websites["name"] = [f"Site {i}" for i in range(n)]
    websites["domain"] = [f"site{i}.example.test" for i in range(n)]
    websites["created_at"] = spec.window_start - timedelta(days=60)
    deleted = rng.random(n) < spec.deleted_website_share
    deleted_at = spec.window_start + (spec.window_end - spec.window_start) * 0.8
    websites["deleted_at"] = np.where(deleted, deleted_at, None)
    return websites


def _traffic_from(spec: GeneratorSpec, users: pd.DataFrame) -> dict[str, datetime]:
    """Where each account's traffic starts: near and over accounts crowd into their current billing period
    (so they are near or over when the pipeline looks), everyone else spreads over the whole window."""
    month_start = (spec.window_end - timedelta(microseconds=1)).replace(day=1, hour=0, minute=0, second=0,
                                                                           microsecond=0)
    starts = {}
    for user_id, category, period_start in zip(users["user_id"], users["category"], users["current_period_start"],
                                                strict=True):
        period = month_start if pd.isna(period_start) else period_start
        starts[user_id] = max(spec.window_start, period) if category != "normal" else spec.window_start
    return starts


def _event_targets(rng: np.random.Generator, spec: GeneratorSpec, users: pd.DataFrame,
                   catalog: PlanCatalog) -> np.ndarray:
    """Events per user summing exactly to spec.events: near/over accounts hit their ratio, the rest share."""
    limits = users["plan_id"].map(lambda p: catalog.plans[p].limits["pageViews"]).to_numpy()
    unlimited = limits == -1
    ratio = np.where(users["category"] == "near", rng.uniform(0.82, 0.95, len(users)),
                     np.where(users["category"] == "over", rng.uniform(1.05, 1.4, len(users)),
                              rng.uniform(0.02, 0.6, len(users))))
    wanted = np.where(unlimited, 0, ratio * limits / PAGE_VIEW_SHARE)
    fixed = _affordable_near_and_over(users["category"].to_numpy(), wanted, unlimited, 0.5 * spec.events)
    targets = np.where(fixed, wanted, 0.0)
    rest = spec.events - targets.sum()
    weights = np.where(fixed, 0.0, np.where(unlimited, rng.uniform(0.2, 1.0, len(users)) * 200_000, wanted))
    share = rest * weights / weights.sum() if weights.sum() > 0 else np.zeros(len(users))
    cap = np.where(unlimited, np.inf, 0.75 * limits / PAGE_VIEW_SHARE)
    capped = np.minimum(share, cap)
    spill = share.sum() - capped.sum()
    if spill > 0 and unlimited.any():
        capped = capped + spill * np.where(unlimited, weights, 0) / np.where(unlimited, weights, 0).sum()
    elif spill > 0:
        capped = share
    return _exact_integers(targets + capped, spec.events)


def _affordable_near_and_over(category: np.ndarray, wanted: np.ndarray, unlimited: np.ndarray,
                              budget: float) -> np.ndarray:
    """Which near/over targets fit the budget: the smallest of each kind first, then the rest smallest first."""
    candidates = np.flatnonzero((category != "normal") & ~unlimited)
    by_size = candidates[np.argsort(wanted[candidates], kind="stable")]
    firsts = [by_size[category[by_size] == kind][:1] for kind in ("over", "near")]
    order = list(dict.fromkeys([*np.concatenate(firsts), *by_size]))
    keep, total = np.zeros(len(category), dtype=bool), 0.0
    for idx in order:
        if total + wanted[idx] <= budget:
            keep[idx], total = True, total + wanted[idx]
    return keep


def _exact_integers(values: np.ndarray, total: int) -> np.ndarray:
    """Round non-negative values to integers with exactly `total` (largest remainders get the extra)."""
    scaled = values * total / values.sum()
    floors = np.floor(scaled).astype(np.int64)
    extra = total - floors.sum()
    floors[np.argsort(-(scaled - floors))[:extra]] += 1
    return floors


def _split_by_website(rng: np.random.Generator, targets: np.ndarray, users: pd.DataFrame,
                      websites: pd.DataFrame) -> np.ndarray:
    counts = np.zeros(len(websites), dtype=np.int64)
    by_owner = websites.groupby("owner_user_id").indices
    for user_id, target in zip(users["user_id"], targets, strict=True):
        idx = by_owner.get(user_id)
        if idx is None or target == 0:
            continue
        counts[idx] = rng.multinomial(int(target), rng.dirichlet(np.ones(len(idx)) * 2))
    return counts


def _usage_events(rng: np.random.Generator, spec: GeneratorSpec, users: pd.DataFrame, catalog: PlanCatalog,
                  targets: np.ndarray) -> pd.DataFrame:
    """API calls and exports, in proportion to each account's page-view usage ratio."""
    frames = []
    page_limit = users["plan_id"].map(lambda p: catalog.plans[p].limits["pageViews"]).to_numpy()
    usage_ratio = np.where(page_limit > 0, targets * PAGE_VIEW_SHARE / np.maximum(page_limit, 1), 0.3)
    for kind, metric in (("api_call", "apiCalls"), ("data_export", "dataExports")):
        limit = users["plan_id"].map(lambda p, m=metric: catalog.plans[p].limits[m]).to_numpy()
        per_user = np.where(limit == -1, rng.integers(0, 50, len(users)), np.round(usage_ratio * limit)).astype(int)
        owners = np.repeat(users["user_id"].to_numpy(), per_user)
        frames.append(pd.DataFrame({
            "event_id": uuids(rng, len(owners)),
            "user_id": owners,
            "event_kind": kind,
            "created_at": _times(rng, len(owners), spec.window_start, spec.window_end),
        }))
    return pd.concat(frames, ignore_index=True)


def _times(rng: np.random.Generator, n: int, start: datetime, end: datetime) -> pd.DatetimeIndex:
    """n timestamps in [start, end) following the hourly curve, at microsecond precision."""
    days = int((end - start) / timedelta(days=1))
    day = rng.integers(0, max(days, 1), n)
    hour = rng.choice(24, size=n, p=HOURLY_CURVE / HOURLY_CURVE.sum())
    micros = rng.integers(0, 3_600_000_000, n)
    base = pd.Timestamp(start.replace(hour=0, minute=0, second=0, microsecond=0))
    offset = day * 86_400_000_000 + hour * 3_600_000_000 + micros
    lo = (pd.Timestamp(start) - base) // pd.Timedelta(microseconds=1)
    hi = (pd.Timestamp(end) - base) // pd.Timedelta(microseconds=1) - 1
    return pd.DatetimeIndex(base + pd.to_timedelta(np.clip(offset, lo, hi), unit="us"))


def event_chunks(data: Dataset, catalog: PlanCatalog) -> Iterator[dict[str, pd.DataFrame]]:
    """Sessions, events, event data and session data, a few hundred thousand events at a time."""
    spec = data.spec
    rng = np.random.default_rng(spec.seed + 1)
    owner_plan = dict(zip(data.users["user_id"], data.users["plan_id"], strict=True))
    owner_category = dict(zip(data.users["user_id"], data.users["category"], strict=True))
    site_ids = data.websites["website_id"].to_numpy()
    owners = data.websites["owner_user_id"].to_numpy()
    domains = data.websites["domain"].to_numpy()
    traffic_from = pd.DatetimeIndex(data.websites["traffic_from"]).as_unit("us").asi8
    bounds = np.searchsorted(np.cumsum(data.website_events), np.arange(spec.chunk_events, data.website_events.sum(),
                                                                         spec.chunk_events), side="right")
    for group in np.split(np.arange(len(site_ids)), bounds):
        counts = data.website_events[group]
        if counts.sum() == 0:
            continue
        yield _chunk(rng, spec, catalog, group, counts, site_ids, owners, domains, traffic_from, owner_plan,
                     owner_category)


def _chunk(rng: np.random.Generator, spec: GeneratorSpec, catalog: PlanCatalog, group: np.ndarray,
           counts: np.ndarray, site_ids: np.ndarray, owners: np.ndarray, domains: np.ndarray,
           traffic_from: np.ndarray, owner_plan: dict, owner_category: dict) -> dict[str, pd.DataFrame]:
    sessions_per_site = np.maximum(1, counts // EVENTS_PER_SESSION)
    sessions_per_site[counts == 0] = 0
    n_sessions = int(sessions_per_site.sum())
    session_site = np.repeat(group, sessions_per_site)
    session_ids = uuids(rng, n_sessions)
    session_start = _squeeze(_times(rng, n_sessions, spec.window_start, spec.window_end - SESSION_SPAN),
                             traffic_from[session_site], spec.window_start, spec.window_end - SESSION_SPAN)
    # Each event joins a random session of its own website.
    first_session = np.concatenate([[0], np.cumsum(sessions_per_site)[:-1]])
    event_session = np.repeat(first_session, counts) + (rng.random(int(counts.sum())) *
                                                         np.repeat(sessions_per_site, counts)).astype(np.int64)
    n_events = len(event_session)
    offsets = pd.to_timedelta(rng.integers(0, int(SESSION_SPAN.total_seconds() * 1e6), n_events), unit="us")
    created = session_start[event_session] + offsets
    backdated = rng.random(n_events) < spec.backdated_share
    created = created.where(~backdated, created - pd.Timedelta(days=35))
    event_type = rng.choice(EVENT_TYPES, size=n_events, p=EVENT_TYPE_SHARES)
    event_site = session_site[event_session]
    event_owner = owners[event_site]
    event_name = np.where(event_type == 2, _event_names(rng, event_owner, owner_plan, owner_category, catalog), None)
    event_ids = uuids(rng, n_events)
    visit_ids = uuids(rng, n_sessions)
    events = pd.DataFrame({
        "event_id": event_ids,
        "website_id": site_ids[event_site],
        "session_id": session_ids[event_session],
        "visit_id": visit_ids[event_session],
        "created_at": created,
        "url_path": rng.choice(URL_PATHS, n_events),
        "page_title": "Superlytics demo page",
        "event_type": event_type,
        "event_name": event_name,
        "hostname": domains[event_site],
    })
    sessions = pd.DataFrame({
        "session_id": session_ids,
        "website_id": site_ids[session_site],
        "browser": rng.choice(["chrome", "firefox", "safari", "edge"], n_sessions),
        "os": rng.choice(["Windows 10", "Mac OS", "Linux", "iOS", "Android OS"], n_sessions),
        "device": rng.choice(["desktop", "mobile", "tablet"], n_sessions),
        "country": rng.choice(["US", "DE", "FR", "GB", "IN", "BR"], n_sessions),
        "created_at": session_start,
    })
    custom = events[events["event_type"] == 2]
    event_data = pd.DataFrame({
        "event_data_id": uuids(rng, len(custom)),
        "website_id": custom["website_id"].to_numpy(),
        "website_event_id": custom["event_id"].to_numpy(),
        "data_key": "value",
        "number_value": rng.integers(1, 500, len(custom)),
        "data_type": 2,
        "created_at": custom["created_at"].to_numpy(),
    })
    tagged = sessions.iloc[:: 10]
    session_data = pd.DataFrame({
        "session_data_id": uuids(rng, len(tagged)),
        "website_id": tagged["website_id"].to_numpy(),
        "session_id": tagged["session_id"].to_numpy(),
        "data_key": "plan",
        "string_value": "trial",
        "data_type": 1,
        "created_at": tagged["created_at"].to_numpy(),
    })
    return {"session": sessions, "website_event": events, "event_data": event_data, "session_data": session_data}


def _squeeze(stamps: pd.DatetimeIndex, starts_us: np.ndarray, start: datetime, end: datetime) -> pd.DatetimeIndex:
    """Map times drawn over [start, end) linearly onto [starts_us, end), row by row (vectorized)."""
    lo, hi = pd.Timestamp(start).value // 1000, pd.Timestamp(end).value // 1000
    values = stamps.as_unit("us").asi8
    scaled = starts_us + (values - lo) * ((hi - np.maximum(starts_us, lo)) / (hi - lo))
    return pd.DatetimeIndex(pd.to_datetime(scaled.astype(np.int64), unit="us", utc=True))


def _event_names(rng: np.random.Generator, event_owner: np.ndarray, owner_plan: dict, owner_category: dict,
                 catalog: PlanCatalog) -> np.ndarray:
    """A custom event name per event from its owner's pool; near/over accounts have larger pools."""
    pool_size = {}
    for owner in np.unique(event_owner):
        limit = catalog.plans[owner_plan[owner]].limits["customEvents"]
        category = owner_category[owner]
        if is_unlimited(limit):
            pool_size[owner] = 30
        elif category == "over":
            pool_size[owner] = limit + 3
        elif category == "near":
            pool_size[owner] = max(1, int(np.ceil(limit * 0.85)))
        else:
            pool_size[owner] = max(1, min(limit // 2, 8))
    sizes = np.array([pool_size[o] for o in event_owner])
    picks = (rng.random(len(event_owner)) * sizes).astype(int)
    named = EVENT_NAMES[np.minimum(picks, len(EVENT_NAMES) - 1)]
    return np.where(picks < len(EVENT_NAMES), named, np.char.add("custom-", picks.astype(str)))


def load(conn: Connection, data: Dataset, catalog: PlanCatalog, *, progress: bool = True) -> dict[str, int]:
    """COPY the dataset into the app tables and billing.usage_event in one transaction; returns row counts."""
    users = data.users.drop(columns=["category"]).assign(
        password="$2b$10$synthetic.password.hash.not.for.login.000000000000", role="user")
    websites = data.websites.drop(columns=["owner_user_id", "traffic_from"])
    teams = data.teams.drop(columns=["owner_user_id"])
    counts: dict[str, int] = {}
    with conn.transaction(), conn.cursor() as cur:
        for table, frame in (("user", users), ("team", teams), ("team_user", data.team_users),
                             ("website", websites), ("usage_event", data.usage_events)):
            counts[table] = _copy(cur, table, frame)
        counts.update(_copy_events(cur, data, catalog, progress))
    return counts


def load_events(conn: Connection, data: Dataset, catalog: PlanCatalog, *, progress: bool = True) -> dict[str, int]:
    """COPY only the sessions and events of a dataset whose accounts and websites are already loaded
    (the benchmark adds months of history to existing websites this way)."""
    with conn.transaction(), conn.cursor() as cur:
        return _copy_events(cur, data, catalog, progress)


def _copy(cur: Cursor, table: str, frame: pd.DataFrame) -> int:
    """COPY into an app table, or a billing table the generator fills (usage events, plan history)."""
    return copy_frame(cur, ("billing", table) if table in BILLING_TABLES else (table,), frame)


def _copy_events(cur: Cursor, data: Dataset, catalog: PlanCatalog, progress: bool) -> dict[str, int]:
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    counts: dict[str, int] = {}
    total = int(data.website_events.sum())
    with Progress(TextColumn("[bold]loading events"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
                  disable=not progress or total < 500_000, transient=True) as bar:
        task = bar.add_task("events", total=total)
        for chunk in event_chunks(data, catalog):
            for table, frame in chunk.items():
                counts[table] = counts.get(table, 0) + _copy(cur, table, frame[COPY_COLUMNS[table]])
            bar.advance(task, len(chunk["website_event"]))
    cur.execute("analyze")
    return counts


def default_window(now: datetime) -> tuple[datetime, datetime]:
    """The 30 days before the start of `now`'s UTC day: a month of traffic that ends where the demo runs."""
    end = now.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    return end - timedelta(days=30), end


class Builder:
    """Hand-built fixtures with exact timestamps, loaded through the same COPY path as generated data.

    Tests whose right answers are written in the test build their rows here: accounts, teams, websites,
    events at chosen instants, app-recorded usage, and plan history.
    """

    def __init__(self, seed: int = 1) -> None:
        self.rng = np.random.default_rng(seed)
        self.rows: dict[str, list[dict]] = {}
        self.users_built = 0

    def _id(self) -> str:
        return str(uuids(self.rng, 1)[0])

    def _add(self, table: str, **row) -> str:
        self.rows.setdefault(table, []).append(row)
        return next(iter(row.values()))

    def user(self, plan_id: str = "free", *, plan_type: str = "subscription", status: str | None = None,
             period: tuple[datetime, datetime] | None = None, email: str | None = None, **billing) -> str:
        n, self.users_built = self.users_built, self.users_built + 1
        start, end = period or (None, None)
        return self._add("user", user_id=self._id(), username=f"fixture{n}", password="x", role="user",
                         email=email or f"fixture{n}@example.test", plan_id=plan_id, plan_type=plan_type,
                         subscription_status=status, current_period_start=start, current_period_end=end,
                         **{"has_access": True, "lifetime_purchase": False, **billing})

    def team(self, owner: str, members: tuple[str, ...] = ()) -> str:
        team_id = self._add("team", team_id=self._id(), name="Fixture team")
        self._add("team_user", team_user_id=self._id(), team_id=team_id, user_id=owner, role="team-owner")
        for member in members:
            self._add("team_user", team_user_id=self._id(), team_id=team_id, user_id=member, role="team-member")
        return team_id

    def website(self, *, user: str | None = None, team: str | None = None, deleted_at: datetime | None = None) -> str:
        return self._add("website", website_id=self._id(), name="Fixture site", user_id=user, team_id=team,
                         deleted_at=deleted_at)

    def session(self, website: str, at: datetime) -> str:
        return self._add("session", session_id=self._id(), website_id=website, created_at=at)

    def event(self, website: str, at: datetime, *, event_type: int = 1, name: str | None = None,
              session: str | None = None, count: int = 1) -> str:
        """`count` events at `at` (each in a new session unless one is given); returns the last event's id."""
        for _ in range(count):
            sid = session or self.session(website, at)
            event_id = self._add("website_event", event_id=self._id(), website_id=website, session_id=sid,
                                 visit_id=sid, created_at=at, url_path="/", event_type=event_type, event_name=name)
        return event_id

    def event_data(self, website: str, event: str, at: datetime) -> str:
        return self._add("event_data", event_data_id=self._id(), website_id=website, website_event_id=event,
                         data_key="value", data_type=2, number_value=1, created_at=at)

    def session_data(self, website: str, session: str, at: datetime) -> str:
        return self._add("session_data", session_data_id=self._id(), website_id=website, session_id=session,
                         data_key="plan", data_type=1, string_value="trial", created_at=at)

    def revenue(self, website: str, session: str, event: str, at: datetime) -> str:
        return self._add("revenue", revenue_id=self._id(), website_id=website, session_id=session, event_id=event,
                         event_name="purchase", currency="USD", revenue=9.99, created_at=at)

    def usage(self, user: str, at: datetime, kind: str = "api_call", count: int = 1) -> None:
        for _ in range(count):
            self._add("usage_event", event_id=self._id(), user_id=user, event_kind=kind, created_at=at)

    def history(self, user: str, valid_from: datetime, valid_to: datetime | None, plan_id: str, *,
                plan_type: str = "subscription", period: tuple[datetime, datetime] | None = None,
                status: str | None = "active", has_access: bool = True) -> None:
        start, end = period or (None, None)
        self._add("account_history", user_id=user, valid_from=valid_from, valid_to=valid_to, plan_id=plan_id,
                  plan_type=plan_type, subscription_status=status, has_access=has_access,
                  lifetime_purchase=plan_type == "lifetime", current_period_start=start, current_period_end=end)

    def usage_record(self, user: str, period: tuple[datetime, datetime], data_through: datetime, *,
                     plan_id: str = "free", **metrics: int) -> None:
        """A usage record as usage_aggregation would leave it (counters default to 0)."""
        counters = {"page_views": 0, "custom_events": 0, "custom_event_volume": 0, "api_calls": 0,
                    "data_exports": 0, "real_time_users": 0, "other_events": 0, **metrics}
        self._add("usage_record", user_id=user, period_start=period[0], period_end=period[1], plan_id=plan_id,
                  **counters, hours_from_buckets=0, edge_rows_scanned=0, rows_scanned=0,
                  data_through=data_through, computed_at=data_through, run_id="fixture")

    def override(self, user: str, limit_type: str, value: int, *, created_at: datetime,
                 expires_at: datetime | None = None) -> None:
        self._add("quota_override", override_id=self._id(), user_id=user, limit_type=limit_type,
                  override_value=value, reason="fixture", created_at=created_at, expires_at=expires_at,
                  created_by=user)

    def load(self, conn: Connection) -> None:
        """COPY every table built so far in one transaction, then start afresh (for late arrivals)."""
        with conn.transaction(), conn.cursor() as cur:
            for table, rows in self.rows.items():
                _copy(cur, table, pd.DataFrame(rows))
        self.rows = {}


def _epoch(moment: datetime | None) -> int | None:
    return int(moment.timestamp()) if moment is not None else None


def stripe_customer(customer_id: str, user_id: str | None, email: str | None = None) -> dict:
    """A customer object as Stripe's API returns it."""
    return {"id": customer_id, "object": "customer", "email": email, "created": 1_700_000_000,
            "livemode": False, "metadata": {"user_id": user_id} if user_id else {}, "delinquent": False}


def stripe_subscription(subscription_id: str, customer_id: str | None, price_id: str, status: str,
                        period: tuple[datetime, datetime], *, trial_end: datetime | None = None,
                        cancel_at_period_end: bool = False) -> dict:
    """A subscription in a current API version: the billing period lives on its items."""
    start, end = period
    interval = "year" if price_id.endswith("_yearly") else "month"
    return {
        "id": subscription_id, "object": "subscription", "customer": customer_id, "status": status,
        "cancel_at_period_end": cancel_at_period_end, "canceled_at": _epoch(start) if status == "canceled" else None,
        "ended_at": _epoch(end) if status == "canceled" else None, "created": _epoch(start),
        "start_date": _epoch(start), "trial_end": _epoch(trial_end), "livemode": False, "metadata": {},
        "items": {"object": "list", "has_more": False, "url": f"/v1/subscription_items?subscription={subscription_id}",
                  "data": [{"id": f"si_{subscription_id[4:]}", "object": "subscription_item", "quantity": 1,
                            "current_period_start": _epoch(start), "current_period_end": _epoch(end),
                            "price": {"id": price_id, "object": "price", "currency": "usd", "active": True,
                                      "recurring": {"interval": interval, "interval_count": 1}}}]},
    }


def stripe_lifetime_session(session_id: str, customer_id: str, price_id: str, *, paid: bool = True) -> dict:
    """A completed one-time Checkout Session (mode=payment) with its line items expanded."""
    return {
        "id": session_id, "object": "checkout.session", "mode": "payment", "status": "complete",
        "payment_status": "paid" if paid else "unpaid", "customer": customer_id, "created": 1_700_000_000,
        "livemode": False, "metadata": {},
        "line_items": {"object": "list", "has_more": False, "url": f"/v1/checkout/sessions/{session_id}/line_items",
                       "data": [{"id": f"li_{session_id[3:]}", "object": "item", "quantity": 1,
                                 "price": {"id": price_id, "object": "price", "currency": "usd",
                                           "type": "one_time"}}]},
    }


def stripe_state(data: Dataset, catalog: PlanCatalog, *, drift: int = 3) -> dict[str, list[dict]]:
    """Stripe objects matching a generated dataset's paying and lifetime accounts, so the demo's stand-in
    agrees with the app, except for `drift` accounts whose upgrade webhook the app missed."""
    customers, subscriptions, sessions = [], [], []
    upgraded = 0
    for row in data.users.itertuples():
        if pd.isna(row.stripe_customer_id):
            continue
        customers.append(stripe_customer(row.stripe_customer_id, row.user_id, row.email))
        plan = catalog.get_plan(row.plan_id)
        if plan.is_lifetime:
            sessions.append(stripe_lifetime_session(f"cs_{row.stripe_customer_id[4:]}", row.stripe_customer_id,
                                                    plan.stripe_price_ids["lifetime"]))
            continue
        price = plan.stripe_price_ids["monthly"]
        if upgraded < drift and row.plan_id == "starter" and row.subscription_status == "active":
            price, upgraded = catalog.get_plan("professional").stripe_price_ids["monthly"], upgraded + 1
        subscriptions.append(stripe_subscription(row.stripe_subscription_id, row.stripe_customer_id, price,
                                                 row.subscription_status,
                                                 (row.current_period_start, row.current_period_end)))
    return {"customers": customers, "subscriptions": subscriptions, "checkout_sessions": sessions}
