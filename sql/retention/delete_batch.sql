-- One batch of a raw table: rows in blocks [block_from, block_to) of websites being cleaned, older than
-- their website's cutoff, at most `max_rows`. A TID range scan reads just those blocks (max_cutoff, the
-- latest cutoff of the run, spares newer rows the per-website lookup); the delete goes by row address.
-- Audit counters rise per website in the same statement, hence the same transaction.
-- Identifiers: view, counter. Params: block_from, block_to, max_cutoff, max_rows, run_id.
with batch as (
    select x.row_ctid
    from {view} as x
    join retention_target as t on t.website_id = x.website_id
    where x.row_ctid >= format('(%%s,0)', %(block_from)s)::tid
      and x.row_ctid < format('(%%s,0)', %(block_to)s)::tid
      and x.created_at < %(max_cutoff)s
      and x.created_at < t.cutoff
    limit %(max_rows)s
),
gone as (
    delete from {view} as d
    where d.row_ctid = any(array(select row_ctid from batch))
    returning d.website_id
),
tally as (
    update billing.retention_audit as a
    set {counter} = a.{counter} + g.n
    from (select website_id, count(*) as n from gone group by website_id) as g
    where a.run_id = %(run_id)s and a.website_id = g.website_id
)
select count(*), 0 from gone;
