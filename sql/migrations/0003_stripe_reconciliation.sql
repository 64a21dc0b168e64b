-- Stripe reconciliation: one report row per run and the discrepancies it found.
create table billing.stripe_sync_run (
    run_id             text primary key,
    as_of              timestamptz not null,
    customers_seen     integer not null,
    subscriptions_seen integer not null,
    sessions_seen      integer not null,
    accounts_seen      integer not null,
    changed            integer not null,   -- accounts whose billing.account row changed
    unchanged          integer not null,
    app_repairs        integer not null,   -- app users whose billing columns were repaired
    discrepancies      integer not null,
    plan_changes       integer not null,
    paid_to_free       integer not null,
    breaker_tripped    boolean not null,
    forced             boolean not null,
    applied            boolean not null,
    planned_changes    jsonb not null,     -- what the run changed, or would have changed when held
    finished_at        timestamptz not null
);

create table billing.stripe_discrepancy (
    run_id    text not null references billing.stripe_sync_run (run_id) on delete cascade,
    seq       integer not null,
    kind      text not null,
    user_id   uuid,
    stripe_id text,
    detail    jsonb not null default '{}',
    primary key (run_id, seq)
);
create index stripe_discrepancy_kind_idx on billing.stripe_discrepancy (kind, run_id);
