-- Replace every account's hourly buckets for [hours_from, hours_to) with a fresh count of the raw events
-- and app-recorded usage in those hours, and mark the hours covered.
-- Events count for the website's owner (its user, or its team's owner); deleted websites still count.
-- Params: hours_from, hours_to (hour-aligned), run_id.
delete from billing.usage_hourly
where hour >= %(hours_from)s
  and hour < %(hours_to)s;

insert into billing.usage_hourly (
    user_id, hour, page_views, custom_event_volume, other_events, event_names, peak_sessions_5min,
    api_calls, data_exports, rows_scanned
)
with owned_event as (
    select
        w.owner_user_id as user_id,
        e.created_at,
        e.event_type,
        e.event_name,
        e.session_id
    from billing.src_website_event as e
    join billing.src_website as w on w.website_id = e.website_id
    where e.created_at >= %(hours_from)s
      and e.created_at < %(hours_to)s
      and w.owner_user_id is not null
),
per_hour as (
    select
        user_id,
        date_trunc('hour', created_at) as hour,
        count(*) filter (where event_type = 1) as page_views,
        count(*) filter (where event_type = 2) as custom_event_volume,
        count(*) filter (where event_type not in (1, 2)) as other_events,
        coalesce(array_agg(distinct event_name) filter (where event_type = 2 and event_name is not null),
                 '{}') as event_names,
        count(*) as rows_scanned
    from owned_event
    group by 1, 2
),
session_window as (
    select distinct
        user_id,
        date_bin('5 minutes', created_at, timestamptz '2000-01-01 00:00:00+00') as window_start,
        session_id
    from owned_event
),
peak as (
    select user_id, date_trunc('hour', window_start) as hour, max(sessions) as peak_sessions_5min
    from (
        select user_id, window_start, count(*) as sessions
        from session_window
        group by 1, 2
    ) as per_window
    group by 1, 2
),
app_usage as (
    select
        user_id,
        date_trunc('hour', created_at) as hour,
        count(*) filter (where event_kind = 'api_call') as api_calls,
        count(*) filter (where event_kind = 'data_export') as data_exports
    from billing.usage_event
    where created_at >= %(hours_from)s
      and created_at < %(hours_to)s
    group by 1, 2
)
select
    coalesce(h.user_id, u.user_id),
    coalesce(h.hour, u.hour),
    coalesce(h.page_views, 0),
    coalesce(h.custom_event_volume, 0),
    coalesce(h.other_events, 0),
    coalesce(h.event_names, '{}'),
    coalesce(p.peak_sessions_5min, 0),
    coalesce(u.api_calls, 0),
    coalesce(u.data_exports, 0),
    coalesce(h.rows_scanned, 0) + coalesce(u.api_calls + u.data_exports, 0)
from per_hour as h
full join app_usage as u on u.user_id = h.user_id and u.hour = h.hour
left join peak as p on p.user_id = h.user_id and p.hour = h.hour;

insert into billing.usage_hour_coverage (hour, computed_at, run_id)
select hour, now(), %(run_id)s
from generate_series(%(hours_from)s::timestamptz, %(hours_to)s::timestamptz - interval '1 hour',
                     interval '1 hour') as hour
on conflict (hour) do update
set computed_at = excluded.computed_at,
    run_id = excluded.run_id;
