-- A website's cleanup ended: 'done' (nothing older than its cutoff is left) or 'capped' (the run's row cap
-- stopped it; the next run resumes). Only a finished cleanup moves the policy's last_cleanup_at.
-- Returns the audit row's counts. Params: run_id, website_id, status, reason.
with cleaned as (
    update billing.data_retention_policy
    set last_cleanup_at = now(), updated_at = now()
    where website_id = %(website_id)s and %(status)s = 'done'
)
update billing.retention_audit
set status = %(status)s, reason = %(reason)s, finished_at = now()
where run_id = %(run_id)s and website_id = %(website_id)s
returning website_event_rows, event_data_rows, session_data_rows, revenue_rows, session_rows;
