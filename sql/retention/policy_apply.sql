-- The policy each website is now cleaned to (the seed's data_retention_policy): its window and the cutoff
-- this run applies, recorded before any delete so an interrupted or capped cleanup resumes under the same
-- decision (and an approved jump stays approved). A website kept whole counts as cleaned now.
-- Params: run_id, and aligned arrays website_ids, owner_ids, plan_ids, retention_days, cutoffs.
insert into billing.data_retention_policy as p (
    website_id, owner_user_id, plan_id, retention_days, cutoff, last_run_id, last_cleanup_at, updated_at
)
select d.website_id, d.owner_user_id, d.plan_id, d.retention_days, d.cutoff, %(run_id)s,
       case when d.cutoff is null then now() end, now()
from unnest(%(website_ids)s::uuid[], %(owner_ids)s::uuid[], %(plan_ids)s::text[], %(retention_days)s::int[],
            %(cutoffs)s::timestamptz[]) as d(website_id, owner_user_id, plan_id, retention_days, cutoff)
on conflict (website_id) do update set
    owner_user_id = excluded.owner_user_id,
    plan_id = excluded.plan_id,
    retention_days = excluded.retention_days,
    cutoff = excluded.cutoff,
    last_run_id = excluded.last_run_id,
    last_cleanup_at = coalesce(excluded.last_cleanup_at, p.last_cleanup_at),
    updated_at = excluded.updated_at;
