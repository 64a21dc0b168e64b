-- Recompute the usage record of every scoped period (temp table scope_period) from the hourly buckets of
-- its whole hours plus an exact count of raw rows in the partial hours at its edges, so a period that
-- starts at 10:23:17 counts an event at 10:23:16 in the previous period. Upserts by (user, period_start).
-- Params: data_through (the run's interval end), run_id. Session time zone must be UTC.
insert into billing.usage_record (
    user_id, period_start, period_end, plan_id, page_views, custom_events, custom_event_volume, api_calls,
    data_exports, real_time_users, other_events, hours_from_buckets, edge_rows_scanned, rows_scanned,
    data_through, computed_at, run_id
)
with bounds as (
    select
        p.*,
        case when date_trunc('hour', p.period_start) = p.period_start then p.period_start
             else date_trunc('hour', p.period_start) + interval '1 hour' end as full_from,
        date_trunc('hour', p.period_end) as full_to
    from scope_period as p
),
edge as (
    select user_id, period_start, period_start as edge_from, least(full_from, period_end) as edge_to
    from bounds
    where period_start < least(full_from, period_end)
    union all
    select user_id, period_start, greatest(full_to, full_from), period_end
    from bounds
    where greatest(full_to, full_from) < period_end
),
edge_event as (
    select
        d.user_id,
        d.period_start,
        e.created_at,
        e.event_type,
        e.event_name,
        e.session_id
    from edge as d
    join billing.src_website as w on w.owner_user_id = d.user_id
    join billing.src_website_event as e
      on e.website_id = w.website_id
     and e.created_at >= d.edge_from
     and e.created_at < d.edge_to
),
edge_count as (
    select
        user_id,
        period_start,
        count(*) filter (where event_type = 1) as page_views,
        count(*) filter (where event_type = 2) as custom_event_volume,
        count(*) filter (where event_type not in (1, 2)) as other_events,
        count(*) as rows_scanned
    from edge_event
    group by 1, 2
),
edge_peak as (
    select user_id, period_start, max(sessions) as peak_sessions_5min
    from (
        select
            user_id,
            period_start,
            date_bin('5 minutes', created_at, timestamptz '2000-01-01 00:00:00+00'),
            count(distinct session_id) as sessions
        from edge_event
        group by 1, 2, 3
    ) as per_window
    group by 1, 2
),
edge_app_usage as (
    select
        d.user_id,
        d.period_start,
        count(*) filter (where u.event_kind = 'api_call') as api_calls,
        count(*) filter (where u.event_kind = 'data_export') as data_exports
    from edge as d
    join billing.usage_event as u
      on u.user_id = d.user_id
     and u.created_at >= d.edge_from
     and u.created_at < d.edge_to
    group by 1, 2
),
bucket as (
    select
        b.user_id,
        b.period_start,
        h.page_views,
        h.custom_event_volume,
        h.other_events,
        h.event_names,
        h.peak_sessions_5min,
        h.api_calls,
        h.data_exports,
        h.rows_scanned
    from bounds as b
    join billing.usage_hourly as h
      on h.user_id = b.user_id
     and h.hour >= b.full_from
     and h.hour < b.full_to
    -- the scoped periods' hours only, as a primary-key range: the cost follows the periods, not the table
    where h.hour >= (select min(full_from) from bounds)
      and h.hour < (select max(full_to) from bounds)
),
bucket_total as (
    select
        user_id,
        period_start,
        sum(page_views) as page_views,
        sum(custom_event_volume) as custom_event_volume,
        sum(other_events) as other_events,
        max(peak_sessions_5min) as peak_sessions_5min,
        sum(api_calls) as api_calls,
        sum(data_exports) as data_exports,
        sum(rows_scanned) as rows_scanned,
        count(*) as hours
    from bucket
    group by 1, 2
),
period_name as (
    select user_id, period_start, count(distinct event_name) as custom_events
    from (
        select user_id, period_start, unnest(event_names) as event_name from bucket
        union all
        select user_id, period_start, event_name from edge_event where event_type = 2 and event_name is not null
    ) as names
    group by 1, 2
)
select
    p.user_id,
    p.period_start,
    p.period_end,
    p.plan_id,
    coalesce(b.page_views, 0) + coalesce(c.page_views, 0),
    coalesce(n.custom_events, 0),
    coalesce(b.custom_event_volume, 0) + coalesce(c.custom_event_volume, 0),
    coalesce(b.api_calls, 0) + coalesce(a.api_calls, 0),
    coalesce(b.data_exports, 0) + coalesce(a.data_exports, 0),
    greatest(coalesce(b.peak_sessions_5min, 0), coalesce(k.peak_sessions_5min, 0)),
    coalesce(b.other_events, 0) + coalesce(c.other_events, 0),
    coalesce(b.hours, 0),
    coalesce(c.rows_scanned, 0) + coalesce(a.api_calls + a.data_exports, 0),
    coalesce(b.rows_scanned, 0) + coalesce(c.rows_scanned, 0) + coalesce(a.api_calls + a.data_exports, 0),
    %(data_through)s,
    now(),
    %(run_id)s
from scope_period as p
left join bucket_total as b using (user_id, period_start)
left join edge_count as c using (user_id, period_start)
left join edge_peak as k using (user_id, period_start)
left join edge_app_usage as a using (user_id, period_start)
left join period_name as n using (user_id, period_start)
on conflict (user_id, period_start) do update
set period_end = excluded.period_end,
    plan_id = excluded.plan_id,
    page_views = excluded.page_views,
    custom_events = excluded.custom_events,
    custom_event_volume = excluded.custom_event_volume,
    api_calls = excluded.api_calls,
    data_exports = excluded.data_exports,
    real_time_users = excluded.real_time_users,
    other_events = excluded.other_events,
    hours_from_buckets = excluded.hours_from_buckets,
    edge_rows_scanned = excluded.edge_rows_scanned,
    rows_scanned = excluded.rows_scanned,
    data_through = greatest(billing.usage_record.data_through, excluded.data_through),
    computed_at = excluded.computed_at,
    run_id = excluded.run_id;
