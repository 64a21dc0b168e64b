-- How many buckets and raw rows the refreshed hours hold. Params: hours_from, hours_to.
select count(*), coalesce(sum(rows_scanned), 0)
from billing.usage_hourly
where hour >= %(hours_from)s
  and hour < %(hours_to)s;
