-- Per-transaction settings of an aggregation run: UTC calendar arithmetic, room for the hash aggregates,
-- bounded waits, and one aggregation at a time however it was started (DAG, backfill, CLI).
set local timezone = 'UTC';
set local work_mem = '256MB';
set local lock_timeout = '30s';
select pg_advisory_xact_lock(hashtext('superlytics.usage_aggregation'));
