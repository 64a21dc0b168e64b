-- The changed accounts and their plan before and after. No params.
select
    user_id::text,
    old_plan_id,
    plan_id as new_plan_id,
    first_seen
from changed_account
order by user_id;
