-- Replace every account's hourly buckets for [hours_from, hours_to) with a fresh count of the raw events
-- and app-recorded usage in those hours, and mark the hours covered.
-- Events count for the website's owner (its user, or its team's owner); deleted websites still count.
-- Params: hours_from, hours_to (hour-aligned), run_id.
delete from billing.usage_hourly
where hour >= %(hours_from)s
  and hour < %(hours_to)s;

-- One pass over the raw events: a row per website, clock-aligned 5-minute window and session. Everything
-- else (hourly counts, the sessions peak) rolls up from this much smaller table.
create temporary table session_window on commit drop as
select
    website_id,
    date_bin('5 minutes', created_at, timestamptz '2000-01-01 00:00:00+00') as window_start,
    session_id,
    (count(*) filter (where event_type = 1))::int as page_views,
    (count(*) filter (where event_type = 2))::int as custom_event_volume,
    (count(*) filter (where event_type not in (1, 2)))::int as other_events
from billing.src_website_event
where created_at >= %(hours_from)s
  and created_at < %(hours_to)s
group by 1, 2, 3;

analyze session_window;

insert into billing.usage_hourly (
    user_id, hour, page_views, custom_event_volume, other_events, event_names, peak_sessions_5min,
    api_calls, data_exports, rows_scanned
)
with owner_window as (
    -- A session belongs to one website, so an owner's distinct sessions in a window are its rows there.
    -- Counts stay int: summing bigints would go through numeric, several times slower.
    select
        w.owner_user_id as user_id,
        sw.window_start,
        sum(sw.page_views)::int as page_views,
        sum(sw.custom_event_volume)::int as custom_event_volume,
        sum(sw.other_events)::int as other_events,
        count(*)::int as sessions
    from session_window as sw
    join billing.src_website as w on w.website_id = sw.website_id
    where w.owner_user_id is not null
    group by 1, 2
),
per_hour as (
    select
        user_id,
        date_trunc('hour', window_start) as hour,
        sum(page_views)::int as page_views,
        sum(custom_event_volume)::int as custom_event_volume,
        sum(other_events)::int as other_events,
        max(sessions) as peak_sessions_5min
    from owner_window
    group by 1, 2
),
per_hour_names as (
    select
        w.owner_user_id as user_id,
        date_trunc('hour', e.created_at) as hour,
        array_agg(distinct e.event_name) as event_names
    from billing.src_website_event as e
    join billing.src_website as w on w.website_id = e.website_id
    where e.created_at >= %(hours_from)s
      and e.created_at < %(hours_to)s
      and e.event_type = 2
      and e.event_name is not null
      and w.owner_user_id is not null
    group by 1, 2
),
app_usage as (
    select
        user_id,
        date_trunc('hour', created_at) as hour,
        (count(*) filter (where event_kind = 'api_call'))::int as api_calls,
        (count(*) filter (where event_kind = 'data_export'))::int as data_exports
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
    coalesce(n.event_names, '{}'),
    coalesce(h.peak_sessions_5min, 0),
    coalesce(u.api_calls, 0),
    coalesce(u.data_exports, 0),
    coalesce(h.page_views + h.custom_event_volume + h.other_events, 0) + coalesce(u.api_calls + u.data_exports, 0)
from per_hour as h
full join app_usage as u on u.user_id = h.user_id and u.hour = h.hour
left join per_hour_names as n on n.user_id = h.user_id and n.hour = h.hour
order by 2, 1;  -- primary-key order: the index grows at its end instead of splitting pages everywhere

insert into billing.usage_hour_coverage (hour, computed_at, run_id)
select hour, now(), %(run_id)s
from generate_series(%(hours_from)s::timestamptz, %(hours_to)s::timestamptz - interval '1 hour',
                     interval '1 hour') as hour
on conflict (hour) do update
set computed_at = excluded.computed_at,
    run_id = excluded.run_id;
