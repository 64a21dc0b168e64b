-- Data retention: the policy each website is cleaned to (the seed's data_retention_policy) and an audit
-- row per website per run. Counts in the audit are raised in the same transaction as each delete batch,
-- so they stay exact when a run is interrupted and retried.
create table billing.data_retention_policy (
    website_id      uuid primary key,
    owner_user_id   uuid,
    plan_id         text,
    retention_days  integer not null check (retention_days >= -1),
    cutoff          timestamptz,                -- last cutoff applied (null: keep everything)
    last_run_id     text not null,
    last_cleanup_at timestamptz,                -- when a run last finished this website's deletes
    updated_at      timestamptz not null default now()
);

create table billing.retention_audit (
    run_id               text not null,
    website_id           uuid not null,
    owner_user_id        uuid,
    plan_id              text,
    retention_days       integer,
    cutoff               timestamptz,
    as_of                timestamptz not null,
    dry_run              boolean not null,
    status               text not null check (status in ('pending', 'done', 'capped', 'dry_run', 'held',
                                                         'skipped', 'kept')),
    reason               text,
    website_event_rows   bigint not null default 0,
    event_data_rows      bigint not null default 0,
    session_data_rows    bigint not null default 0,
    revenue_rows         bigint not null default 0,
    session_rows         bigint not null default 0,
    started_at           timestamptz not null default now(),
    finished_at          timestamptz,
    primary key (run_id, website_id)
);
create index retention_audit_website_idx on billing.retention_audit (website_id, started_at desc);
