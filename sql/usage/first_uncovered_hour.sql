-- The earliest hour inside the scoped periods, before range_start, whose buckets were never computed
-- (a first run, or a gap a backfill left); null when there is none. Params: range_start.
select min(h.hour)
from generate_series(
    (select date_trunc('hour', min(period_start)) from scope_period),
    %(range_start)s::timestamptz - interval '1 hour',
    interval '1 hour'
) as h(hour)
where not exists (select from billing.usage_hour_coverage as c where c.hour = h.hour);
