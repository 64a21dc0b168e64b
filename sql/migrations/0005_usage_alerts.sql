-- Usage alerts: the exactly-once ledger, one row per (user, limit, period, threshold) ever armed.
-- pending → sending (committed before SMTP) → sent; an SMTP failure returns it to pending (attempts + 1,
-- failed after the last attempt); a row still 'sending' when the next run starts was interrupted between
-- send and mark and becomes 'unconfirmed' (never resent). 'superseded': a higher threshold was crossed
-- in the same run.
create table billing.alert_log (
    user_id         uuid not null,
    limit_key       text not null,
    period_start    timestamptz not null,
    threshold       numeric(5, 4) not null,
    period_end      timestamptz,
    plan_id         text not null,
    current_usage   bigint not null,
    effective_limit bigint not null,
    percentage      numeric(12, 4) not null,
    status          text not null check (status in ('pending', 'sending', 'sent', 'superseded', 'unconfirmed',
                                                    'failed')),
    attempts        integer not null default 0,
    message_id      text,
    last_error      text,
    armed_at        timestamptz not null,
    sent_at         timestamptz,
    run_id          text not null,
    primary key (user_id, limit_key, period_start, threshold)
);
create index alert_log_pending_idx on billing.alert_log (status, user_id) where status in ('pending', 'sending');
