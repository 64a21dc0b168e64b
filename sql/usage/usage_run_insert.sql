-- The audit row of one aggregation run; a rerun of the same Airflow run replaces it.
-- Params: run_id, interval_start, interval_end, window_start, window_end, hours_from, hours_to,
-- buckets_written, records_written, records_removed, rows_scanned.
insert into billing.usage_run (
    run_id, interval_start, interval_end, window_start, window_end, hours_from, hours_to, buckets_written,
    records_written, records_removed, rows_scanned, finished_at
)
values (
    %(run_id)s, %(interval_start)s, %(interval_end)s, %(window_start)s, %(window_end)s, %(hours_from)s,
    %(hours_to)s, %(buckets_written)s, %(records_written)s, %(records_removed)s, %(rows_scanned)s, now()
)
on conflict (run_id) do update
set interval_start = excluded.interval_start,
    interval_end = excluded.interval_end,
    window_start = excluded.window_start,
    window_end = excluded.window_end,
    hours_from = excluded.hours_from,
    hours_to = excluded.hours_to,
    buckets_written = excluded.buckets_written,
    records_written = excluded.records_written,
    records_removed = excluded.records_removed,
    rows_scanned = excluded.rows_scanned,
    finished_at = excluded.finished_at;
