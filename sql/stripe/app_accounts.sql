-- The app's accounts with the Stripe ids and plan they claim. No params.
select
    user_id,
    plan_id,
    stripe_customer_id,
    stripe_subscription_id
from billing.src_account
where deleted_at is null;
