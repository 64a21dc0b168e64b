-- The accounts closest to (or furthest over) their page-view limit in the period open at as_of.
-- Params: as_of, top, plan_ids (text[]), page_view_limits (bigint[], -1 unlimited, aligned with plan_ids).
with plan_limit as (
    select plan_id, page_view_limit
    from unnest(%(plan_ids)s::text[], %(page_view_limits)s::bigint[]) as l(plan_id, page_view_limit)
)
select
    a.username,
    r.plan_id,
    r.period_start,
    r.period_end,
    r.page_views,
    l.page_view_limit,
    r.custom_events,
    r.api_calls,
    r.data_exports,
    r.real_time_users
from billing.usage_record as r
join billing.src_account as a using (user_id)
join plan_limit as l on l.plan_id = r.plan_id
where r.period_start <= %(as_of)s
  and r.period_end > %(as_of)s
order by
    case when l.page_view_limit > 0 then r.page_views::numeric / l.page_view_limit end desc nulls last,
    r.page_views desc,
    a.username
limit %(top)s;
