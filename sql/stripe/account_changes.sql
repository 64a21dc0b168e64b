-- Accounts whose desired state differs from billing.account (or that it has not seen yet), with the plan
-- they had before: billing.account's, else the app's. No params.
select
    d.user_id::text,
    coalesce(a.plan_id, s.plan_id) as old_plan_id,
    d.plan_id as new_plan_id,
    a.user_id is null as first_seen
from desired_account as d
left join billing.account as a on a.user_id = d.user_id
left join billing.src_account as s on s.user_id = d.user_id
where a.user_id is null
   or (a.plan_id, a.plan_type, a.subscription_status, a.has_access, a.lifetime_purchase, a.trial_ends_at,
       a.current_period_start, a.current_period_end, a.stripe_customer_id, a.stripe_subscription_id,
       a.stripe_price_id)
      is distinct from
      (d.plan_id, d.plan_type, d.subscription_status, d.has_access, d.lifetime_purchase, d.trial_ends_at,
       d.current_period_start, d.current_period_end, d.stripe_customer_id, d.stripe_subscription_id,
       d.stripe_price_id)
order by d.user_id;
