-- Per-transaction settings of a reconciliation run: UTC times, bounded waits, one run at a time.
set local timezone = 'UTC';
set local lock_timeout = '30s';
select pg_advisory_xact_lock(hashtext('superlytics.stripe_reconciliation'));
