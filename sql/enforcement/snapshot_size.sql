-- Rows in the published snapshot. No params.
select count(*) from billing.enforcement;
