-- The websites this run cleans, with their cutoffs: a session-local table every delete batch joins
-- (batches are separate transactions on one connection, so it lives as long as the connection).
-- Params: website_ids (uuid[]) with cutoffs (timestamptz[]) aligned.
drop table if exists retention_target;
create temporary table retention_target (website_id uuid primary key, cutoff timestamptz not null);
insert into retention_target
select * from unnest(%(website_ids)s::uuid[], %(cutoffs)s::timestamptz[]);
analyze retention_target;
