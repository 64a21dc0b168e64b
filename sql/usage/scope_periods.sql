-- Billing periods, per account, that intersect [range_start, range_end), into the temp table scope_period.
-- Periods come from the account's plan history (billing.account_history) or, for accounts reconciliation
-- has not seen yet, from the app's billing columns. Calendar plans (free, lifetime) and accounts with no
-- Stripe period use UTC calendar months; subscriptions step from their Stripe period by its length.
-- When a plan change starts a new period, the old one ends where the new one begins; a period shared by
-- two plan segments (an upgrade inside the same Stripe period) stays one period.
-- Params: range_start, range_end, calendar_plans (text[]). Session time zone must be UTC.
create temporary table scope_period on commit drop as
with segment as (
    select
        h.user_id,
        h.valid_from,
        coalesce(h.valid_to, 'infinity') as valid_to,
        h.plan_id,
        h.current_period_start,
        h.current_period_end
    from billing.account_history as h
    union all
    select
        a.user_id,
        '-infinity'::timestamptz,
        'infinity'::timestamptz,
        a.plan_id,
        a.current_period_start,
        a.current_period_end
    from billing.src_account as a
    where not exists (select from billing.account_history as h where h.user_id = a.user_id)
),
segment_step as (
    select
        s.*,
        (s.plan_id = any(%(calendar_plans)s::text[])
         or s.current_period_start is null
         or s.current_period_end is null
         or s.current_period_end <= s.current_period_start) as calendar,
        (extract(year from age(s.current_period_end, s.current_period_start)) * 12
         + extract(month from age(s.current_period_end, s.current_period_start)))::int as months
    from segment as s
),
anchored as (
    select
        s.*,
        case
            when s.calendar then interval '1 month'
            when s.months > 0 and s.current_period_start + make_interval(months => s.months) = s.current_period_end
                then make_interval(months => s.months)
            else s.current_period_end - s.current_period_start
        end as step
    from segment_step as s
),
generation_range as (
    -- A period that intersects the range starts at most one step before it; the extra year after the
    -- range finds the successor that may cut a period short.
    select
        a.*,
        greatest(a.valid_from, %(range_start)s::timestamptz - a.step) as lo,
        least(a.valid_to, %(range_end)s::timestamptz + interval '13 months') as hi,
        extract(epoch from (coalesce(a.current_period_start, 'epoch') + a.step)
                           - coalesce(a.current_period_start, 'epoch')) as step_seconds
    from anchored as a
),
generated as (
    select
        g.user_id,
        g.valid_from,
        g.plan_id,
        m as period_start,
        m + interval '1 month' as period_end
    from generation_range as g
    cross join lateral generate_series(date_trunc('month', g.lo), g.hi - interval '1 microsecond',
                                       interval '1 month') as m
    where g.calendar and g.lo < g.hi
    union all
    select
        g.user_id,
        g.valid_from,
        g.plan_id,
        g.current_period_start + g.step * k as period_start,
        g.current_period_start + g.step * (k + 1) as period_end
    from generation_range as g
    cross join lateral generate_series(
        floor(extract(epoch from g.lo - g.current_period_start) / g.step_seconds)::int - 1,
        floor(extract(epoch from g.hi - g.current_period_start) / g.step_seconds)::int + 1
    ) as k
    where not g.calendar and g.lo < g.hi
),
in_segment as (
    select gen.*
    from generated as gen
    join generation_range as g
      on g.user_id = gen.user_id and g.valid_from = gen.valid_from
    where gen.period_end > g.lo
      and gen.period_start < g.hi
),
merged as (
    select
        user_id,
        period_end as nominal_end,
        greatest(period_start, min(valid_from)) as period_start,
        (array_agg(plan_id order by valid_from desc))[1] as plan_id
    from in_segment
    group by user_id, period_start, period_end
),
cut as (
    select
        user_id,
        period_start,
        least(nominal_end, lead(period_start) over (partition by user_id order by period_start, nominal_end))
            as period_end,
        plan_id
    from merged
)
select
    user_id,
    period_start,
    period_end,
    plan_id
from cut
where period_end > period_start
  and period_end > %(range_start)s::timestamptz
  and period_start < %(range_end)s::timestamptz;

create index on scope_period (user_id, period_start);
analyze scope_period;
