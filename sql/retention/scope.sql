-- Every website with the retention window that applies to it at as_of, and what the last run applied.
-- The window is the owner's plan dataRetentionDays, replaced by the newest active quota override; without
-- an override, the longest window of any plan the owner held since grace_start applies (-1 beats all), so a
-- downgrade or a reconciliation mistake cannot shrink it overnight. Plans missing from plans.yaml are
-- listed in unknown_plans (the caller skips those websites). Deleted websites are kept to their owner's window.
-- Params: as_of, grace_start, plan_ids (text[]) with plan_days (int[]) aligned.
with plan_window as (
    select * from unnest(%(plan_ids)s::text[], %(plan_days)s::int[]) as p(plan_id, days)
),
current_plan as (
    select s.user_id, coalesce(a.plan_id, s.plan_id) as plan_id
    from billing.src_account as s
    left join billing.account as a on a.user_id = s.user_id
),
held_plan as (
    select user_id, plan_id from current_plan
    union
    select h.user_id, h.plan_id
    from billing.account_history as h
    where h.valid_from <= %(as_of)s
      and coalesce(h.valid_to, 'infinity') > %(grace_start)s
),
plan_based as (
    select
        hp.user_id,
        string_agg(distinct hp.plan_id, ', ') filter (where pw.plan_id is null) as unknown_plans,
        case when bool_or(pw.days = -1) then -1 else max(pw.days) end as days
    from held_plan as hp
    left join plan_window as pw on pw.plan_id = hp.plan_id
    group by hp.user_id
),
override as (
    select distinct on (user_id) user_id, override_value::int as days
    from billing.quota_override
    where limit_type = 'dataRetentionDays'
      and created_at <= %(as_of)s
      and (expires_at is null or expires_at > %(as_of)s)
    order by user_id, created_at desc, override_id
),
site_window as (
    select
        w.website_id,
        w.owner_user_id,
        cp.plan_id,
        case
            when cp.user_id is null then 'owner has no account'
            when o.days is null and pb.unknown_plans is not null
                then 'plan not in plans.yaml: ' || pb.unknown_plans
        end as skip_reason,
        coalesce(o.days, pb.days) as retention_days,
        o.days is not null as overridden
    from billing.src_website as w
    left join current_plan as cp on cp.user_id = w.owner_user_id
    left join plan_based as pb on pb.user_id = w.owner_user_id
    left join override as o on o.user_id = w.owner_user_id
)
select
    sw.website_id::text,
    sw.owner_user_id::text,
    sw.plan_id,
    sw.skip_reason,
    sw.retention_days,
    sw.overridden,
    case when sw.skip_reason is null and sw.retention_days >= 0
         then %(as_of)s::timestamptz - make_interval(days => sw.retention_days) end as cutoff,
    p.website_id is not null as has_policy,
    p.retention_days as previous_days,
    p.cutoff as previous_cutoff
from site_window as sw
left join billing.data_retention_policy as p on p.website_id = sw.website_id
order by sw.website_id;
