-- Session-local table of the desired account states a run computed (filled with COPY).
create temporary table desired_account (
    user_id                uuid primary key,
    plan_id                text not null,
    plan_type              text not null,
    subscription_status    text,
    has_access             boolean not null,
    lifetime_purchase      boolean not null,
    trial_ends_at          timestamptz,
    current_period_start   timestamptz,
    current_period_end     timestamptz,
    stripe_customer_id     text,
    stripe_subscription_id text,
    stripe_price_id        text
) on commit drop;
