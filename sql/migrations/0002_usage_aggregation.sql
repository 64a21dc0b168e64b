-- Usage aggregation state: hourly per-account buckets (recomputed whole, hour by hour), which hours have
-- been computed, the per-period usage records, gauges as of the last run, and one audit row per run.

-- One row per account and UTC hour with any activity: a pure function of that hour's raw events, so a
-- run replaces whole hours and never adds to a stale count.
create table billing.usage_hourly (
    user_id             uuid not null,
    hour                timestamptz not null,
    page_views          bigint not null default 0,
    custom_event_volume bigint not null default 0,
    other_events        bigint not null default 0,
    event_names         text[] not null default '{}',
    peak_sessions_5min  integer not null default 0,
    api_calls           bigint not null default 0,
    data_exports        bigint not null default 0,
    rows_scanned        bigint not null default 0,
    primary key (hour, user_id)   -- runs read and replace ranges of hours
);

-- Hours whose buckets have been computed at least once, so a run can fill the gaps of an open period.
create table billing.usage_hour_coverage (
    hour        timestamptz primary key,
    computed_at timestamptz not null,
    run_id      text not null
);

-- The seed's monthly usage record: one row per account and billing period [period_start, period_end).
create table billing.usage_record (
    user_id             uuid not null,
    period_start        timestamptz not null,
    period_end          timestamptz not null,
    plan_id             text not null,
    page_views          bigint not null,
    custom_events       integer not null,   -- distinct custom event names in the period
    custom_event_volume bigint not null,    -- raw custom events in the period
    api_calls           bigint not null,
    data_exports        bigint not null,
    real_time_users     integer not null,   -- peak distinct sessions in a clock-aligned 5-minute window
    other_events        bigint not null,    -- event types 3-5: kept for reconciliation, never billed
    hours_from_buckets  integer not null,   -- how the total was built: whole hours read from usage_hourly
    edge_rows_scanned   bigint not null,    --   and raw rows read for partial hours at the period's edges
    rows_scanned        bigint not null,    --   all raw rows behind the total
    data_through        timestamptz not null,
    computed_at         timestamptz not null,
    run_id              text not null,
    primary key (user_id, period_start),
    check (period_end > period_start)
);
create index usage_record_period_end_idx on billing.usage_record (period_end);

-- Gauges measured as of the last run (they have no period).
create table billing.usage_gauge (
    user_id       uuid primary key,
    websites      integer not null,
    team_websites integer not null,
    team_members  integer not null,
    measured_at   timestamptz not null,
    run_id        text not null
);

-- One row per aggregation run: what it covered and what it read.
create table billing.usage_run (
    run_id          text primary key,
    interval_start  timestamptz not null,
    interval_end    timestamptz not null,
    window_start    timestamptz not null,
    window_end      timestamptz not null,
    hours_from      timestamptz not null,
    hours_to        timestamptz not null,
    buckets_written bigint not null,
    records_written bigint not null,
    records_removed bigint not null,
    rows_scanned    bigint not null,
    finished_at     timestamptz not null
);
