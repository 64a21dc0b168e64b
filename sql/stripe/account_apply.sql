-- Apply the changed accounts (temp table changed_account): close their open history row, open a new one,
-- upsert billing.account. Params: as_of.
update billing.account_history as h
set valid_to = c.valid_from
from changed_account as c
where h.user_id = c.user_id
  and h.valid_to is null;

insert into billing.account_history (
    user_id, valid_from, valid_to, plan_id, plan_type, subscription_status, has_access, lifetime_purchase,
    current_period_start, current_period_end
)
select user_id, valid_from, null, plan_id, plan_type, subscription_status, has_access, lifetime_purchase,
       current_period_start, current_period_end
from changed_account;

insert into billing.account (
    user_id, plan_id, plan_type, subscription_status, has_access, lifetime_purchase, trial_ends_at,
    current_period_start, current_period_end, stripe_customer_id, stripe_subscription_id, stripe_price_id,
    synced_at
)
select user_id, plan_id, plan_type, subscription_status, has_access, lifetime_purchase, trial_ends_at,
       current_period_start, current_period_end, stripe_customer_id, stripe_subscription_id, stripe_price_id,
       %(as_of)s
from changed_account
on conflict (user_id) do update
set plan_id = excluded.plan_id,
    plan_type = excluded.plan_type,
    subscription_status = excluded.subscription_status,
    has_access = excluded.has_access,
    lifetime_purchase = excluded.lifetime_purchase,
    trial_ends_at = excluded.trial_ends_at,
    current_period_start = excluded.current_period_start,
    current_period_end = excluded.current_period_end,
    stripe_customer_id = excluded.stripe_customer_id,
    stripe_subscription_id = excluded.stripe_subscription_id,
    stripe_price_id = excluded.stripe_price_id,
    synced_at = excluded.synced_at;
