-- Who each claimed digest goes to, and the account's live website names (shown in the email).
-- Params: user_ids (uuid[]).
select
    a.user_id::text,
    a.email,
    a.username,
    coalesce((select string_agg(w.name, ', ' order by w.name)
              from billing.src_website as w
              where w.owner_user_id = a.user_id and w.deleted_at is null), '') as websites
from billing.src_account as a
where a.user_id = any(%(user_ids)s::uuid[]);
