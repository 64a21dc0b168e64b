-- Limit enforcement: the candidate snapshot a run computes and checks before it is published into
-- billing.enforcement, and the usage summary the app's dashboard reads.
create table billing.enforcement_candidate (like billing.enforcement including all);

-- The seed dashboard's question, per account: plan, period, and per limit current / limit / unlimited /
-- percentage / near / over.
create view billing.usage_summary as
select
    user_id,
    plan_id,
    has_access,
    period_start,
    period_end,
    key as limit_key,
    current_usage,
    effective_limit,
    effective_limit = -1 as unlimited,
    percentage,
    near_limit,
    over_limit,
    computed_at,
    data_through
from billing.enforcement
where key_kind = 'limit';

grant select on billing.usage_summary to superlytics_app;
