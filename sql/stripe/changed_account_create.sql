-- The desired accounts that differ from billing.account (or that it has not seen), with the plan they had
-- before (billing.account's, else the app's) and when their new version starts: a first sighting at
-- -infinity (the state held as far as the pipeline knows); a change when its new Stripe period began, if
-- that is known and after the previous version, else at as_of. Params: as_of. Session time zone: UTC.
create temporary table changed_account on commit drop as
select
    d.*,
    coalesce(a.plan_id, s.plan_id) as old_plan_id,
    a.user_id is null as first_seen,
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
left join billing.src_account as s on s.user_id = d.user_id
where a.user_id is null
   or (a.plan_id, a.plan_type, a.subscription_status, a.has_access, a.lifetime_purchase, a.trial_ends_at,
       a.current_period_start, a.current_period_end, a.stripe_customer_id, a.stripe_subscription_id,
       a.stripe_price_id)
      is distinct from
      (d.plan_id, d.plan_type, d.subscription_status, d.has_access, d.lifetime_purchase, d.trial_ends_at,
       d.current_period_start, d.current_period_end, d.stripe_customer_id, d.stripe_subscription_id,
       d.stripe_price_id);
