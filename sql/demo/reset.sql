-- Empty the dev/demo app tables and everything the pipeline derived from them before a fresh synthetic
-- seed (the schema and its migration ledger stay).
truncate public."user", public.team, public.team_user, public.website, public.session,
         public.website_event, public.event_data, public.session_data, public.revenue, public.report,
         billing.usage_event, billing.account, billing.account_history, billing.quota_override,
         billing.usage_hourly, billing.usage_hour_coverage, billing.usage_record, billing.usage_gauge,
         billing.usage_run, billing.stripe_sync_run, billing.stripe_discrepancy, billing.enforcement,
         billing.enforcement_candidate, billing.alert_log, billing.data_retention_policy, billing.retention_audit;
