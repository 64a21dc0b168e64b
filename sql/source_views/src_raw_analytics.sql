-- Source views over Umami's raw, website-scoped analytics tables. Simple (auto-updatable) views, so
-- retention deletes through them and nothing else in the pipeline names the app's tables. row_ctid is the
-- row's physical address: retention walks a table in block ranges (the reads of one sequential scan,
-- split into short batches) and deletes by it. It is read-only, which keeps the views deletable.
create or replace view billing.src_website_event as
select event_id, website_id, session_id, created_at, event_type, event_name, ctid as row_ctid
from public.website_event;

create or replace view billing.src_event_data as
select event_data_id, website_id, website_event_id, created_at, ctid as row_ctid
from public.event_data;

create or replace view billing.src_session as
select session_id, website_id, created_at, ctid as row_ctid
from public.session;

create or replace view billing.src_session_data as
select session_data_id, website_id, session_id, created_at, ctid as row_ctid
from public.session_data;

create or replace view billing.src_revenue as
select revenue_id, website_id, session_id, event_id, created_at, ctid as row_ctid
from public.revenue;

grant select, delete on
    billing.src_website_event,
    billing.src_event_data,
    billing.src_session,
    billing.src_session_data,
    billing.src_revenue
to superlytics_pipeline;
