-- One batch of event_data (as delete_batch): rows older than their website's cutoff, and rows attached to
-- an event older than it (data written later than its event), so the events pass after it leaves no
-- event_data without its event. Only rows newer than the cutoff look their event up.
-- Params: block_from, block_to, max_rows, run_id.
with batch as (
    select x.row_ctid
    from billing.src_event_data as x
    join retention_target as t on t.website_id = x.website_id
    where x.row_ctid >= format('(%%s,0)', %(block_from)s)::tid
      and x.row_ctid < format('(%%s,0)', %(block_to)s)::tid
      and (x.created_at < t.cutoff
           or exists (select from billing.src_website_event as e
                      where e.event_id = x.website_event_id and e.created_at < t.cutoff))
    limit %(max_rows)s
),
gone as (
    delete from billing.src_event_data as d
    where d.row_ctid = any(array(select row_ctid from batch))
    returning d.website_id
),
tally as (
    update billing.retention_audit as a
    set event_data_rows = a.event_data_rows + g.n
    from (select website_id, count(*) as n from gone group by website_id) as g
    where a.run_id = %(run_id)s and a.website_id = g.website_id
)
select count(*), 0 from gone;
