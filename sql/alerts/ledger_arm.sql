-- Arm the ledger from the published snapshot: one row per period metric (alert_keys: counters and peaks;
-- gauges such as websites sit at their whole limit on a full free plan and are enforced at creation, not emailed) and
-- threshold newly reached in the current period. When several thresholds are reached at once only the highest is sent; the lower ones
-- are recorded as superseded so they never fire later. Unlimited limits, unknown usage and accounts that
-- opted out get nothing. Rows left 'sending' by an interrupted run become 'unconfirmed' first.
-- Params: thresholds (numeric[]), alert_keys (text[]), run_id.
update billing.alert_log set status = 'unconfirmed' where status = 'sending';

insert into billing.alert_log (
    user_id, limit_key, period_start, threshold, period_end, plan_id, current_usage, effective_limit,
    percentage, status, armed_at, run_id
)
with reached as (
    select
        e.user_id,
        e.key,
        e.period_start,
        e.period_end,
        e.plan_id,
        e.current_usage,
        e.effective_limit,
        e.percentage,
        t.threshold
    from billing.enforcement as e
    join billing.src_account as a on a.user_id = e.user_id
    cross join unnest(%(thresholds)s::numeric[]) as t(threshold)
    where e.key_kind = 'limit'
      and e.key = any(%(alert_keys)s::text[])
      and e.effective_limit > 0
      and e.current_usage is not null
      and e.period_start is not null
      and e.percentage >= t.threshold
      and not a.usage_alerts_opt_out
      and a.email is not null
),
new as (
    select r.*
    from reached as r
    where not exists (
        select from billing.alert_log as l
        where l.user_id = r.user_id and l.limit_key = r.key and l.period_start = r.period_start
          and l.threshold = r.threshold
    )
)
select
    user_id, key, period_start, threshold, period_end, plan_id, current_usage, effective_limit, percentage,
    case when threshold = max(threshold) over (partition by user_id, key, period_start)
         then 'pending' else 'superseded' end,
    now(),
    %(run_id)s
from new
on conflict do nothing;
