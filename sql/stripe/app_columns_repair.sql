-- Repair, through the source view, the app users whose billing columns disagree with Stripe (temp table
-- app_drift, from app_column_drift.sql). No params.
update billing.src_account as s
set plan_id = d.plan_id,
    plan_type = d.plan_type,
    subscription_status = d.subscription_status,
    has_access = d.has_access,
    lifetime_purchase = d.lifetime_purchase,
    trial_ends_at = d.trial_ends_at,
    current_period_start = d.current_period_start,
    current_period_end = d.current_period_end,
    stripe_customer_id = d.stripe_customer_id,
    stripe_subscription_id = d.stripe_subscription_id
from desired_account as d
join app_drift using (user_id)
where s.user_id = d.user_id;
