-- What one retention run did (or, dry, would do) per plan: websites by outcome and rows per table.
-- Params: run_id.
select
    coalesce(plan_id, '(no account)') as plan_id,
    min(retention_days) filter (where status not in ('skipped')) as retention_days,
    min(as_of) as as_of,
    count(*) as websites,
    count(*) filter (where status in ('held', 'skipped')) as held_or_skipped,
    sum(website_event_rows) as website_event_rows,
    sum(event_data_rows) as event_data_rows,
    sum(session_data_rows) as session_data_rows,
    sum(revenue_rows) as revenue_rows,
    sum(session_rows) as session_rows
from billing.retention_audit
where run_id = %(run_id)s
group by 1
order by 1;
