-- Compute every account's limits and features into billing.enforcement_candidate, replacing it whole.
-- Usage comes from the usage record of the period open at data_through (counters, peaks) and from the
-- gauges; a limit with no metered source is published with unknown (null) usage. The effective limit is
-- the plan's, replaced by the newest active quota override. Flags follow DESIGN §3 and never divide by 0.
-- A key that is both a limit and a feature (customDomains) is one row: allowed needs the feature too.
-- Params: data_through, near (share), plan_ids/limit_keys/limit_values (aligned arrays: plan limits),
-- feature_plan_ids/feature_keys/feature_enabled (aligned arrays), metric_keys/metric_kinds (aligned).
set local timezone = 'UTC';
truncate billing.enforcement_candidate;

insert into billing.enforcement_candidate (
    user_id, key, key_kind, allowed, current_usage, effective_limit, remaining, percentage, near_limit,
    over_limit, blocked, overage, period_start, period_end, plan_id, has_access, computed_at, data_through
)
with plan_limit as (
    select * from unnest(%(plan_ids)s::text[], %(limit_keys)s::text[], %(limit_values)s::bigint[])
        as l(plan_id, key, value)
),
plan_feature as (
    select * from unnest(%(feature_plan_ids)s::text[], %(feature_keys)s::text[], %(feature_enabled)s::boolean[])
        as f(plan_id, key, enabled)
),
metric as (
    select * from unnest(%(metric_keys)s::text[], %(metric_kinds)s::text[]) as m(key, kind)
),
account as (
    -- Reconciled state where there is one, else the app's columns (before the first reconciliation).
    select
        s.user_id,
        coalesce(a.plan_id, s.plan_id) as plan_id,
        coalesce(a.has_access, s.has_access) as has_access
    from billing.src_account as s
    left join billing.account as a on a.user_id = s.user_id
    where s.deleted_at is null
),
open_record as (
    select r.*
    from billing.usage_record as r
    where r.period_start <= %(data_through)s
      and r.period_end > %(data_through)s
),
override as (
    select distinct on (user_id, limit_type)
        user_id,
        limit_type,
        override_value
    from billing.quota_override
    where created_at <= %(data_through)s
      and (expires_at is null or expires_at > %(data_through)s)
    order by user_id, limit_type, created_at desc, override_id
),
limit_usage as (
    select
        a.user_id,
        a.plan_id,
        a.has_access,
        m.key,
        coalesce(o.override_value, l.value) as effective_limit,
        coalesce(f.enabled, true) as feature_enabled,
        case m.key
            when 'pageViews' then coalesce(r.page_views, 0)
            when 'apiCalls' then coalesce(r.api_calls, 0)
            when 'dataExports' then coalesce(r.data_exports, 0)
            when 'customEvents' then coalesce(r.custom_events, 0)
            when 'realTimeUsers' then coalesce(r.real_time_users, 0)
            when 'websites' then coalesce(g.websites, 0)
            when 'teamWebsites' then coalesce(g.team_websites, 0)
            when 'teamMembers' then coalesce(g.team_members, 1)
        end as current_usage,
        r.period_start,
        r.period_end
    from account as a
    cross join metric as m
    join plan_limit as l on l.plan_id = a.plan_id and l.key = m.key
    left join plan_feature as f on f.plan_id = a.plan_id and f.key = m.key
    left join override as o on o.user_id = a.user_id and o.limit_type = m.key
    left join open_record as r on r.user_id = a.user_id
    left join billing.usage_gauge as g on g.user_id = a.user_id
),
limit_flag as (
    select
        u.*,
        u.effective_limit = -1 as unlimited,
        u.current_usage >= u.effective_limit as at_or_over
    from limit_usage as u
)
select
    user_id,
    key,
    'limit',
    has_access and feature_enabled
        and (unlimited or (case when current_usage is null then effective_limit <> 0 else not at_or_over end)),
    current_usage,
    effective_limit,
    case when unlimited or current_usage is null then null else greatest(effective_limit - current_usage, 0) end,
    case when unlimited or effective_limit = 0 or current_usage is null then null
         else round(current_usage::numeric / effective_limit, 4) end,
    case when unlimited or current_usage is null then false
         else effective_limit > 0 and current_usage >= %(near)s * effective_limit end,
    case when unlimited or current_usage is null then false else current_usage > effective_limit end,
    case when unlimited then false when current_usage is null then effective_limit = 0 else at_or_over end,
    case when unlimited or current_usage is null then 0 else greatest(current_usage - effective_limit, 0) end,
    period_start,
    period_end,
    plan_id,
    has_access,
    now(),
    %(data_through)s
from limit_flag
union all
select
    a.user_id,
    f.key,
    'feature',
    f.enabled and a.has_access,
    null, null, null, null, null, null, null, null, null, null,
    a.plan_id,
    a.has_access,
    now(),
    %(data_through)s
from account as a
join plan_feature as f on f.plan_id = a.plan_id
where f.key not in (select key from metric);
