-- Usage per plan in the periods open at as_of (the usage records), and how many accounts the published
-- snapshot has near (not over) or over a limit on a period metric. Params: as_of, period_keys (text[]).
with open_record as (
    select r.*
    from billing.usage_record as r
    where r.period_start <= %(as_of)s
      and r.period_end > %(as_of)s
),
flags as (
    select
        user_id,
        bool_or(near_limit and not over_limit) as near,
        bool_or(over_limit) as over
    from billing.enforcement
    where key = any(%(period_keys)s::text[])
    group by user_id
)
select
    coalesce(a.plan_id, s.plan_id) as plan_id,
    count(*) as accounts,
    coalesce(sum(r.page_views), 0) as page_views,
    coalesce(sum(r.custom_event_volume), 0) as custom_events,
    coalesce(sum(r.api_calls), 0) as api_calls,
    coalesce(sum(r.data_exports), 0) as data_exports,
    coalesce(max(r.real_time_users), 0) as peak_users,
    count(*) filter (where f.near) as near,
    count(*) filter (where f.over) as over
from billing.src_account as s
left join billing.account as a on a.user_id = s.user_id
left join open_record as r on r.user_id = s.user_id
left join flags as f on f.user_id = s.user_id
where s.deleted_at is null
group by 1;
