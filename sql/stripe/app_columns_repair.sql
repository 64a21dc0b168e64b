-- Repair the app's billing columns through the source view where they disagree with Stripe. No params.
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
where s.user_id = d.user_id
  and (s.plan_id, s.plan_type, s.subscription_status, s.has_access, s.lifetime_purchase, s.trial_ends_at,
       s.current_period_start, s.current_period_end, s.stripe_customer_id, s.stripe_subscription_id)
      is distinct from
      (d.plan_id, d.plan_type, d.subscription_status, d.has_access, d.lifetime_purchase, d.trial_ends_at,
       d.current_period_start, d.current_period_end, d.stripe_customer_id, d.stripe_subscription_id);
