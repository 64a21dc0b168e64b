-- What a run would delete per website (the dry run's report, and what a capped run left): exactly the rows
-- the delete passes take. Rows older than each website's cutoff in every raw table; event_data attached to
-- an expired event; sessions older than the cutoff with no event at or after it, and their session_data.
-- Params: website_ids (uuid[]) with cutoffs (timestamptz[]) aligned.
with scope as (
    select * from unnest(%(website_ids)s::uuid[], %(cutoffs)s::timestamptz[]) as s(website_id, cutoff)
),
going_session as (
    select s.website_id, x.session_id
    from scope as s
    join billing.src_session as x on x.website_id = s.website_id and x.created_at < s.cutoff
    where not exists (select from billing.src_website_event as e
                      where e.session_id = x.session_id and e.created_at >= s.cutoff)
)
select
    s.website_id::text,
    (select count(*) from billing.src_website_event as e
     where e.website_id = s.website_id and e.created_at < s.cutoff) as website_event_rows,
    (select count(*) from billing.src_event_data as d
     where d.website_id = s.website_id
       and (d.created_at < s.cutoff
            or exists (select from billing.src_website_event as e
                       where e.event_id = d.website_event_id and e.created_at < s.cutoff))) as event_data_rows,
    (select count(*) from billing.src_session_data as d
     where d.website_id = s.website_id
       and (d.created_at < s.cutoff
            or d.session_id in (select g.session_id from going_session as g where g.website_id = s.website_id))
    ) as session_data_rows,
    (select count(*) from billing.src_revenue as r
     where r.website_id = s.website_id and r.created_at < s.cutoff) as revenue_rows,
    (select count(*) from going_session as g where g.website_id = s.website_id) as session_rows
from scope as s;
