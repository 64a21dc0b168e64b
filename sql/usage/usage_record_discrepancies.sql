-- Discrepancy report: usage records whose page views, custom event volume or API calls differ from a
-- direct count of the raw rows in their period. Expensive (reads every raw row of the periods): for
-- operators and tests, not for the hourly run. Params: period_end_after (records ending after it).
with record as (
    select user_id, period_start, period_end, page_views, custom_event_volume, api_calls
    from billing.usage_record
    where period_end > %(period_end_after)s
),
raw_events as (
    select
        r.user_id,
        r.period_start,
        count(*) filter (where e.event_type = 1) as page_views,
        count(*) filter (where e.event_type = 2) as custom_event_volume
    from record as r
    join billing.src_website as w on w.owner_user_id = r.user_id
    join billing.src_website_event as e
      on e.website_id = w.website_id
     and e.created_at >= r.period_start
     and e.created_at < r.period_end
    group by 1, 2
),
raw_api as (
    select r.user_id, r.period_start, count(*) as api_calls
    from record as r
    join billing.usage_event as u
      on u.user_id = r.user_id
     and u.event_kind = 'api_call'
     and u.created_at >= r.period_start
     and u.created_at < r.period_end
    group by 1, 2
)
select
    r.user_id,
    r.period_start,
    r.page_views,
    coalesce(e.page_views, 0) as raw_page_views,
    r.custom_event_volume,
    coalesce(e.custom_event_volume, 0) as raw_custom_event_volume,
    r.api_calls,
    coalesce(a.api_calls, 0) as raw_api_calls
from record as r
left join raw_events as e using (user_id, period_start)
left join raw_api as a using (user_id, period_start)
where r.page_views <> coalesce(e.page_views, 0)
   or r.custom_event_volume <> coalesce(e.custom_event_volume, 0)
   or r.api_calls <> coalesce(a.api_calls, 0)
order by r.user_id, r.period_start;
