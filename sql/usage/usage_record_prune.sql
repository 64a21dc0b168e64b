-- Remove records that overlap [range_start, range_end) but are no longer a billing period of their account
-- (a plan change re-cut the periods, or the account is gone). Params: range_start, range_end.
delete from billing.usage_record as r
where r.period_start < %(range_end)s
  and r.period_end > %(range_start)s
  and not exists (
      select from scope_period as p
      where p.user_id = r.user_id
        and p.period_start = r.period_start
  );
