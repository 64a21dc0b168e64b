-- App users whose billing columns disagree with the desired state, and which columns, into the temp
-- table app_drift (the report lists them; the repair updates exactly them). No params.
create temporary table app_drift on commit drop as
select
    d.user_id,
    array_remove(array[
        case when s.plan_id is distinct from d.plan_id then 'plan_id' end,
        case when s.plan_type is distinct from d.plan_type then 'plan_type' end,
        case when s.subscription_status is distinct from d.subscription_status then 'subscription_status' end,
        case when s.has_access is distinct from d.has_access then 'has_access' end,
        case when s.lifetime_purchase is distinct from d.lifetime_purchase then 'lifetime_purchase' end,
        case when s.trial_ends_at is distinct from d.trial_ends_at then 'trial_ends_at' end,
        case when s.current_period_start is distinct from d.current_period_start then 'current_period_start' end,
        case when s.current_period_end is distinct from d.current_period_end then 'current_period_end' end,
        case when s.stripe_customer_id is distinct from d.stripe_customer_id then 'stripe_customer_id' end,
        case when s.stripe_subscription_id is distinct from d.stripe_subscription_id
             then 'stripe_subscription_id' end
    ], null) as drifted_columns
from desired_account as d
join billing.src_account as s on s.user_id = d.user_id
where (s.plan_id, s.plan_type, s.subscription_status, s.has_access, s.lifetime_purchase, s.trial_ends_at,
       s.current_period_start, s.current_period_end, s.stripe_customer_id, s.stripe_subscription_id)
      is distinct from
      (d.plan_id, d.plan_type, d.subscription_status, d.has_access, d.lifetime_purchase, d.trial_ends_at,
       d.current_period_start, d.current_period_end, d.stripe_customer_id, d.stripe_subscription_id);
