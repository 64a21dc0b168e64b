-- The migration ledger: one row per applied versioned migration, one per repeatable script (source
-- views), each with the checksum it was applied with. Run under the migration advisory lock.
create schema if not exists billing;
create table if not exists billing.schema_migration (
    script      text primary key,
    version     integer unique,
    checksum    text not null,
    applied_at  timestamptz not null default now()
);
