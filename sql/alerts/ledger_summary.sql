-- The ledger's rows by status. No params.
select status, count(*) from billing.alert_log group by status order by status;
