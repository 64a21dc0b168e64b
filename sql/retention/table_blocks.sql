-- The app table behind a source view, its size in blocks now and about how many rows a block holds.
-- Batches are block ranges of it; rows inserted after this count land past the end and are too new to
-- expire. The table is found through the view's own dependency, so only source views name app tables.
-- Params: view (e.g. 'billing.src_website_event').
select
    pg_relation_size(c.oid) / current_setting('block_size')::bigint as blocks,
    case when c.relpages > 0 and c.reltuples > 0 then c.reltuples / c.relpages else 50 end as rows_per_block
from pg_rewrite as r
join pg_depend as d on d.classid = 'pg_rewrite'::regclass and d.objid = r.oid and d.deptype = 'n'
join pg_class as c on c.oid = d.refobjid and c.relkind = 'r' and c.oid <> r.ev_class
where r.ev_class = %(view)s::regclass
limit 1;
