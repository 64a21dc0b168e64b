-- Apply the changed accounts: close their open history row, open a new one, upsert billing.account.
-- A first sighting's history starts at -infinity (the state held as far as the pipeline knows); a change
-- starts when its new Stripe period began, if that is known and after the previous version, else at as_of.
-- Params: as_of. Session time zone must be UTC.
create temporary table changed_account on commit drop as
select
    d.*,
    case
        when a.user_id is null then '-infinity'::timestamptz
        when d.current_period_start is not null
         and d.current_period_start is distinct from a.current_period_start
         and d.current_period_start <= %(as_of)s
         and d.current_period_start > coalesce(h.valid_from, '-infinity')
            then d.current_period_start
        else %(as_of)s::timestamptz
    end as valid_from
from desired_account as d
left join billing.account as a on a.user_id = d.user_id
left join billing.account_history as h on h.user_id = d.user_id and h.valid_to is null
where a.user_id is null
   or (a.plan_id, a.plan_type, a.subscription_status, a.has_access, a.lifetime_purchase, a.trial_ends_at,
       a.current_period_start, a.current_period_end, a.stripe_customer_id, a.stripe_subscription_id,
       a.stripe_price_id)
      is distinct from
      (d.plan_id, d.plan_type, d.subscription_status, d.has_access, d.lifetime_purchase, d.trial_ends_at,
       d.current_period_start, d.current_period_end, d.stripe_customer_id, d.stripe_subscription_id,
       d.stripe_price_id);

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
