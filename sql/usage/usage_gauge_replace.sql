-- Replace the gauges with their values now: personal websites, websites of teams the account owns, and
-- team members across those teams counting the owner once. Deleted websites and teams do not count.
-- Params: run_id.
delete from billing.usage_gauge;

insert into billing.usage_gauge (user_id, websites, team_websites, team_members, measured_at, run_id)
with live_website as (
    select website_id, team_id, owner_user_id
    from billing.src_website
    where deleted_at is null
),
personal as (
    select owner_user_id as user_id, count(*) as websites
    from live_website
    where team_id is null
    group by 1
),
owned_team as (
    select team_id, user_id
    from billing.src_team_member
    where is_owner
),
team_site as (
    select t.user_id, count(*) as team_websites
    from owned_team as t
    join live_website as w on w.team_id = t.team_id
    group by 1
),
member as (
    select t.user_id, count(distinct m.user_id) as others
    from owned_team as t
    join billing.src_team_member as m on m.team_id = t.team_id and m.user_id <> t.user_id
    group by 1
)
select
    a.user_id,
    coalesce(p.websites, 0),
    coalesce(s.team_websites, 0),
    1 + coalesce(m.others, 0),
    now(),
    %(run_id)s
from billing.src_account as a
left join personal as p on p.user_id = a.user_id
left join team_site as s on s.user_id = a.user_id
left join member as m on m.user_id = a.user_id
where a.deleted_at is null;
