-- Record the run's decision for many websites at once: one audit row per (run, website). A retried run
-- ('pending' again) keeps the counts its earlier attempt committed; any other decision replaces them.
-- Params: run_id, as_of, dry_run, and aligned arrays website_ids, owner_ids, plan_ids, retention_days,
-- cutoffs, statuses, reasons and the five per-table counts.
insert into billing.retention_audit (
    run_id, website_id, owner_user_id, plan_id, retention_days, cutoff, as_of, dry_run, status, reason,
    website_event_rows, event_data_rows, session_data_rows, revenue_rows, session_rows, finished_at
)
select
    %(run_id)s, d.website_id, d.owner_user_id, d.plan_id, d.retention_days, d.cutoff, %(as_of)s, %(dry_run)s,
    d.status, d.reason, d.website_event_rows, d.event_data_rows, d.session_data_rows, d.revenue_rows,
    d.session_rows, case when d.status <> 'pending' then now() end
from unnest(
    %(website_ids)s::uuid[], %(owner_ids)s::uuid[], %(plan_ids)s::text[], %(retention_days)s::int[],
    %(cutoffs)s::timestamptz[], %(statuses)s::text[], %(reasons)s::text[], %(website_event_rows)s::bigint[],
    %(event_data_rows)s::bigint[], %(session_data_rows)s::bigint[], %(revenue_rows)s::bigint[],
    %(session_rows)s::bigint[]
) as d(website_id, owner_user_id, plan_id, retention_days, cutoff, status, reason, website_event_rows,
       event_data_rows, session_data_rows, revenue_rows, session_rows)
on conflict (run_id, website_id) do update set
    owner_user_id = excluded.owner_user_id,
    plan_id = excluded.plan_id,
    retention_days = excluded.retention_days,
    cutoff = excluded.cutoff,
    as_of = excluded.as_of,
    dry_run = excluded.dry_run,
    status = excluded.status,
    reason = excluded.reason,
    website_event_rows = case when excluded.status = 'pending' then retention_audit.website_event_rows
                              else excluded.website_event_rows end,
    event_data_rows = case when excluded.status = 'pending' then retention_audit.event_data_rows
                           else excluded.event_data_rows end,
    session_data_rows = case when excluded.status = 'pending' then retention_audit.session_data_rows
                             else excluded.session_data_rows end,
    revenue_rows = case when excluded.status = 'pending' then retention_audit.revenue_rows
                        else excluded.revenue_rows end,
    session_rows = case when excluded.status = 'pending' then retention_audit.session_rows
                        else excluded.session_rows end,
    finished_at = excluded.finished_at;
