-- Source view: every website with the user it bills to: its own user, or the owner of its team
-- (the earliest owner, should a team have several). Deleted websites stay listed with deleted_at.
create or replace view billing.src_website as
select
    w.website_id,
    w.name,
    w.domain,
    w.team_id,
    coalesce(w.user_id, team_owner.user_id) as owner_user_id,
    w.created_at,
    w.deleted_at
from public.website as w
left join lateral (
    select tm.user_id
    from billing.src_team_member as tm
    where tm.team_id = w.team_id
      and tm.is_owner
    order by tm.created_at, tm.user_id
    limit 1
) as team_owner on w.user_id is null;

grant select on billing.src_website to superlytics_pipeline;
