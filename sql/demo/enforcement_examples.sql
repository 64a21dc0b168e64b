-- Three typical accounts' page-view enforcement rows: the closest to (but under) its limit, the furthest
-- over, and one unlimited. No params.
(select 'near' as example, a.username, e.*
 from billing.enforcement as e join billing.src_account as a using (user_id)
 where e.key = 'pageViews' and e.near_limit and not e.over_limit and e.effective_limit > 0
 order by e.percentage desc limit 1)
union all
(select 'over', a.username, e.*
 from billing.enforcement as e join billing.src_account as a using (user_id)
 where e.key = 'pageViews' and e.over_limit
 order by e.percentage desc limit 1)
union all
(select 'unlimited', a.username, e.*
 from billing.enforcement as e join billing.src_account as a using (user_id)
 where e.key = 'pageViews' and e.effective_limit = -1
 order by e.current_usage desc limit 1);
