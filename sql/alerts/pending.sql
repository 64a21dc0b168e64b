-- This run's digests: the pending alerts of up to `max_emails` accounts, each with its digest's Message-ID
-- (deterministic: a hash of the alerts it carries). Reads only; each digest is claimed just before it is
-- sent. Params: max_emails, max_attempts.
with account as (
    select distinct user_id
    from billing.alert_log
    where status = 'pending' and attempts < %(max_attempts)s
    order by user_id
    limit %(max_emails)s
),
pending as (
    select l.*
    from billing.alert_log as l
    join account using (user_id)
    where l.status = 'pending' and l.attempts < %(max_attempts)s
)
select
    user_id::text,
    limit_key,
    period_start,
    period_end,
    threshold,
    plan_id,
    current_usage,
    effective_limit,
    percentage,
    '<' || md5(string_agg(limit_key || '|' || period_start::text || '|' || threshold::text, ',')
               over (partition by user_id))
        || '.' || md5(user_id::text) || '@alerts.superlytics>' as message_id
from pending
order by user_id, limit_key, threshold;
