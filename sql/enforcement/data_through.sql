-- How far the usage data runs: the latest usage record's data_through. No params.
select max(data_through) from billing.usage_record;
