-- The headline counts of one reconciliation run. Params: run_id.
select customers_seen, subscriptions_seen, sessions_seen, changed, app_repairs, discrepancies
from billing.stripe_sync_run
where run_id = %(run_id)s;
