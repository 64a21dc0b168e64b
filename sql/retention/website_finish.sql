-- The cleanup of the run's websites ended: 'done' (nothing older than the cutoff is left) or 'capped' (the
-- run's row cap stopped it; the next run resumes). Only a finished cleanup moves the policy's
-- last_cleanup_at. Returns each audit row's counts.
-- Params: run_id, and aligned arrays website_ids, statuses, reasons.
with outcome as (
    select * from unnest(%(website_ids)s::uuid[], %(statuses)s::text[], %(reasons)s::text[])
        as o(website_id, status, reason)
),
cleaned as (
    update billing.data_retention_policy as p
    set last_cleanup_at = now(), updated_at = now()
    from outcome as o
    where p.website_id = o.website_id and o.status = 'done'
)
update billing.retention_audit as a
set status = o.status, reason = o.reason, finished_at = now()
from outcome as o
where a.run_id = %(run_id)s and a.website_id = o.website_id
returning a.website_id::text, a.website_event_rows, a.event_data_rows, a.session_data_rows, a.revenue_rows,
          a.session_rows;
