-- Source view: app users with their billing columns. Simple (auto-updatable) so reconciliation can
-- repair the billing columns through it.
create or replace view billing.src_account as
select
    u.user_id,
    u.username,
    u.email,
    u.plan_id,
    u.plan_type,
    u.stripe_customer_id,
    u.stripe_subscription_id,
    u.subscription_status,
    u.has_access,
    u.trial_ends_at,
    u.lifetime_purchase,
    u.current_period_start,
    u.current_period_end,
    u.created_at,
    u.deleted_at,
    u.usage_alerts_opt_out
from public."user" as u;

grant select, update on billing.src_account to superlytics_pipeline;
