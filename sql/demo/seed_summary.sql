-- Seeded data per plan: accounts, websites, raw events, page views, API calls and exports.
with websites as (
    select owner_user_id as user_id, count(*) as websites
    from billing.src_website
    group by 1
),
events as (
    select w.owner_user_id as user_id,
           count(*) as events,
           count(*) filter (where e.event_type = 1) as page_views
    from billing.src_website_event as e
    join billing.src_website as w using (website_id)
    group by 1
),
app_usage as (
    select user_id,
           count(*) filter (where event_kind = 'api_call') as api_calls,
           count(*) filter (where event_kind = 'data_export') as exports
    from billing.usage_event
    group by 1
)
select a.plan_id,
       count(*) as accounts,
       coalesce(sum(w.websites), 0) as websites,
       coalesce(sum(e.events), 0) as events,
       coalesce(sum(e.page_views), 0) as page_views,
       coalesce(sum(u.api_calls), 0) as api_calls,
       coalesce(sum(u.exports), 0) as exports
from billing.src_account as a
left join websites as w using (user_id)
left join events as e using (user_id)
left join app_usage as u using (user_id)
group by a.plan_id
order by a.plan_id;
