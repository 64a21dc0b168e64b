-- Empty the dev/demo app tables and the pipeline's derived state before a fresh synthetic seed.
truncate public."user", public.team, public.team_user, public.website, public.session,
         public.website_event, public.event_data, public.session_data, public.revenue, public.report,
         billing.usage_event, billing.account, billing.account_history, billing.quota_override,
         billing.enforcement;
