-- One batch of sessions (as delete_batch) older than their website's cutoff that have no event left at
-- all (an event inside the window keeps its session), with their session_data in the same statement.
-- Params: block_from, block_to, max_cutoff, max_rows, run_id.
with batch as (
    select x.row_ctid, x.session_id
    from billing.src_session as x
    join retention_target as t on t.website_id = x.website_id
    where x.row_ctid >= format('(%%s,0)', %(block_from)s)::tid
      and x.row_ctid < format('(%%s,0)', %(block_to)s)::tid
      and x.created_at < %(max_cutoff)s
      and x.created_at < t.cutoff
      and not exists (select from billing.src_website_event as e where e.session_id = x.session_id)
    limit %(max_rows)s
),
children as (
    delete from billing.src_session_data as d
    where d.session_id = any(array(select session_id from batch))
    returning d.website_id, 0 as parents, 1 as children
),
gone as (
    delete from billing.src_session as d
    where d.row_ctid = any(array(select row_ctid from batch))
    returning d.website_id, 1 as parents, 0 as children
),
tally as (
    update billing.retention_audit as a
    set session_rows = a.session_rows + g.parents,
        session_data_rows = a.session_data_rows + g.children
    from (
        select website_id, sum(parents) as parents, sum(children) as children
        from (select * from gone union all select * from children) as both_tables
        group by website_id
    ) as g
    where a.run_id = %(run_id)s and a.website_id = g.website_id
)
select (select count(*) from gone), (select count(*) from children);
