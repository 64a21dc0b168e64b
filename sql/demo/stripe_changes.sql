-- What a reconciliation run did: plan changes by account, and discrepancies by kind. Params: run_id.
select 'plan change' as what, a.username as subject, c ->> 'from' as before, c ->> 'to' as after
from billing.stripe_sync_run as r
cross join lateral jsonb_array_elements(r.planned_changes) as c
join billing.src_account as a on a.user_id = (c ->> 'user_id')::uuid
where r.run_id = %(run_id)s
union all
select 'discrepancy', kind, count(*)::text, ''
from billing.stripe_discrepancy
where run_id = %(run_id)s
group by kind
order by 1 desc, 2;
