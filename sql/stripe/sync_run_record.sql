-- The run's report row; a retry of the same Airflow run replaces it (and its discrepancies cascade).
-- Params: every column of billing.stripe_sync_run but finished_at.
delete from billing.stripe_sync_run where run_id = %(run_id)s;

insert into billing.stripe_sync_run (
    run_id, as_of, customers_seen, subscriptions_seen, sessions_seen, accounts_seen, changed, unchanged,
    app_repairs, discrepancies, plan_changes, paid_to_free, breaker_tripped, forced, applied, planned_changes,
    finished_at
)
values (
    %(run_id)s, %(as_of)s, %(customers_seen)s, %(subscriptions_seen)s, %(sessions_seen)s, %(accounts_seen)s,
    %(changed)s, %(unchanged)s, %(app_repairs)s, %(discrepancies)s, %(plan_changes)s, %(paid_to_free)s,
    %(breaker_tripped)s, %(forced)s, %(applied)s, %(planned_changes)s, now()
);
