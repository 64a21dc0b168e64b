-- The pipeline's own schema: roles, accounts, app-recorded usage events, quota overrides and the
-- enforcement table the app reads. Roles are cluster-wide, so creating them tolerates a concurrent twin.
do $$
declare
    role_name text;
begin
    foreach role_name in array array['superlytics_pipeline', 'superlytics_app'] loop
        begin
            if not exists (select from pg_roles where rolname = role_name) then
                execute format('create role %I nologin', role_name);
            end if;
        exception when duplicate_object or unique_violation then null;
        end;
    end loop;
end $$;

-- Reconciled plan state per user (written by stripe_reconciliation).
create table billing.account (
    user_id                uuid primary key,
    plan_id                text not null,
    plan_type              text not null,
    subscription_status    text,
    has_access             boolean not null,
    lifetime_purchase      boolean not null default false,
    trial_ends_at          timestamptz,
    current_period_start   timestamptz,
    current_period_end     timestamptz,
    stripe_customer_id     text,
    stripe_subscription_id text,
    stripe_price_id        text,
    synced_at              timestamptz not null,
    check (current_period_end is null or current_period_start is null
           or current_period_end > current_period_start)
);

-- Every version of an account, so "which plan held at time T" is one range lookup.
create table billing.account_history (
    user_id              uuid not null,
    valid_from           timestamptz not null,
    valid_to             timestamptz,
    plan_id              text not null,
    plan_type            text not null,
    subscription_status  text,
    has_access           boolean not null,
    lifetime_purchase    boolean not null,
    current_period_start timestamptz,
    current_period_end   timestamptz,
    primary key (user_id, valid_from),
    check (valid_to is null or valid_to > valid_from)
);

-- Metered actions the app records itself, one row per action; the app picks event_id, so a retried
-- insert (`on conflict do nothing`) is a no-op.
create table billing.usage_event (
    event_id    uuid primary key,
    user_id     uuid not null,
    website_id  uuid,
    event_kind  text not null check (event_kind in ('api_call', 'data_export')),
    created_at  timestamptz not null default now(),
    recorded_at timestamptz not null default now()
);
create index usage_event_user_created_idx on billing.usage_event (user_id, created_at);
create index usage_event_created_idx on billing.usage_event (created_at);

-- Per-user limit overrides (the seed's QuotaOverride). The newest active one wins.
create table billing.quota_override (
    override_id    uuid primary key default gen_random_uuid(),
    user_id        uuid not null,
    limit_type     text not null,
    override_value bigint not null check (override_value >= -1),
    reason         text,
    expires_at     timestamptz,
    created_at     timestamptz not null default now(),
    created_by     uuid not null
);
create index quota_override_user_limit_idx on billing.quota_override (user_id, limit_type, created_at desc);

-- The table the app reads: one row per (user, key), key a limit or a feature.
create table billing.enforcement (
    user_id         uuid not null,
    key             text not null,
    key_kind        text not null check (key_kind in ('limit', 'feature')),
    allowed         boolean not null,
    current_usage   bigint,
    effective_limit bigint,
    remaining       bigint,
    percentage      numeric(12, 4),
    near_limit      boolean,
    over_limit      boolean,
    blocked         boolean,
    overage         bigint,
    period_start    timestamptz,
    period_end      timestamptz,
    plan_id         text not null,
    has_access      boolean not null,
    computed_at     timestamptz not null,
    data_through    timestamptz not null,
    primary key (user_id, key)
);

grant usage on schema billing to superlytics_pipeline, superlytics_app;
grant select, insert, update, delete, truncate on all tables in schema billing to superlytics_pipeline;
alter default privileges in schema billing
    grant select, insert, update, delete, truncate on tables to superlytics_pipeline;
grant select on billing.enforcement to superlytics_app;
grant insert on billing.usage_event to superlytics_app;
