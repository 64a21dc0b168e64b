-- Source view: who belongs to which team, and which member owns it.
create or replace view billing.src_team_member as
select
    tu.team_id,
    tu.user_id,
    tu.role = 'team-owner' as is_owner,
    tu.created_at
from public.team_user as tu
join public.team as t on t.team_id = tu.team_id
where t.deleted_at is null;

grant select on billing.src_team_member to superlytics_pipeline;
