-- Umami-compatible app schema with the Superlytics billing columns on "user".
-- For development, tests and the demo only: in production the app owns these tables and the pipeline
-- never creates them. Like Umami, no foreign keys (nothing cascades).

create table if not exists "user" (
    user_id                uuid primary key,
    username               varchar(255) not null unique,
    password               varchar(60)  not null,
    role                   varchar(50)  not null,
    logo_url               varchar(2183),
    display_name           varchar(255),
    email                  varchar(255),
    created_at             timestamptz(6) default now(),
    updated_at             timestamptz(6),
    deleted_at             timestamptz(6),
    -- billing columns of the seed design
    plan_id                varchar(50) not null default 'free',
    plan_type              varchar(20) not null default 'subscription',
    stripe_customer_id     varchar(255),
    stripe_subscription_id varchar(255),
    subscription_status    varchar(50),
    has_access             boolean not null default true,
    trial_ends_at          timestamptz(6),
    lifetime_purchase      boolean not null default false,
    current_period_start   timestamptz(6),
    current_period_end     timestamptz(6)
);
create index if not exists user_plan_id_idx on "user" (plan_id);
create index if not exists user_subscription_status_idx on "user" (subscription_status);
create index if not exists user_current_period_end_idx on "user" (current_period_end);

create table if not exists team (
    team_id     uuid primary key,
    name        varchar(50) not null,
    access_code varchar(50) unique,
    logo_url    varchar(2183),
    created_at  timestamptz(6) default now(),
    updated_at  timestamptz(6),
    deleted_at  timestamptz(6)
);

create table if not exists team_user (
    team_user_id uuid primary key,
    team_id      uuid not null,
    user_id      uuid not null,
    role         varchar(50) not null,
    created_at   timestamptz(6) default now(),
    updated_at   timestamptz(6)
);
create index if not exists team_user_team_id_idx on team_user (team_id);
create index if not exists team_user_user_id_idx on team_user (user_id);

create table if not exists website (
    website_id uuid primary key,
    name       varchar(100) not null,
    domain     varchar(500),
    share_id   varchar(50) unique,
    reset_at   timestamptz(6),
    user_id    uuid,
    team_id    uuid,
    created_by uuid,
    created_at timestamptz(6) default now(),
    updated_at timestamptz(6),
    deleted_at timestamptz(6)
);
create index if not exists website_user_id_idx on website (user_id);
create index if not exists website_team_id_idx on website (team_id);

create table if not exists session (
    session_id  uuid primary key,
    website_id  uuid not null,
    browser     varchar(20),
    os          varchar(20),
    device      varchar(20),
    screen      varchar(11),
    language    varchar(35),
    country     char(2),
    region      varchar(20),
    city        varchar(50),
    distinct_id varchar(50),
    created_at  timestamptz(6) default now()
);
create index if not exists session_created_at_idx on session (created_at);
create index if not exists session_website_id_created_at_idx on session (website_id, created_at);

create table if not exists website_event (
    event_id        uuid primary key,
    website_id      uuid not null,
    session_id      uuid not null,
    visit_id        uuid not null,
    created_at      timestamptz(6) default now(),
    url_path        varchar(500) not null,
    url_query       varchar(500),
    utm_source      varchar(255),
    utm_medium      varchar(255),
    utm_campaign    varchar(255),
    utm_content     varchar(255),
    utm_term        varchar(255),
    referrer_path   varchar(500),
    referrer_query  varchar(500),
    referrer_domain varchar(500),
    page_title      varchar(500),
    gclid           varchar(255),
    fbclid          varchar(255),
    msclkid         varchar(255),
    ttclid          varchar(255),
    li_fat_id       varchar(255),
    twclid          varchar(255),
    event_type      integer not null default 1,
    event_name      varchar(50),
    tag             varchar(50),
    hostname        varchar(100)
);
create index if not exists website_event_created_at_idx on website_event (created_at);
create index if not exists website_event_session_id_idx on website_event (session_id);
create index if not exists website_event_website_id_created_at_idx on website_event (website_id, created_at);
create index if not exists website_event_website_id_session_id_created_at_idx
    on website_event (website_id, session_id, created_at);

create table if not exists event_data (
    event_data_id    uuid primary key,
    website_id       uuid not null,
    website_event_id uuid not null,
    data_key         varchar(500) not null,
    string_value     varchar(500),
    number_value     decimal(19, 4),
    date_value       timestamptz(6),
    data_type        integer not null,
    created_at       timestamptz(6) default now()
);
create index if not exists event_data_website_event_id_idx on event_data (website_event_id);
create index if not exists event_data_website_id_created_at_idx on event_data (website_id, created_at);

create table if not exists session_data (
    session_data_id uuid primary key,
    website_id      uuid not null,
    session_id      uuid not null,
    data_key        varchar(500) not null,
    string_value    varchar(500),
    number_value    decimal(19, 4),
    date_value      timestamptz(6),
    data_type       integer not null,
    created_at      timestamptz(6) default now(),
    distinct_id     varchar(50)
);
create index if not exists session_data_session_id_idx on session_data (session_id);
create index if not exists session_data_website_id_created_at_idx on session_data (website_id, created_at);

create table if not exists revenue (
    revenue_id uuid primary key,
    website_id uuid not null,
    session_id uuid not null,
    event_id   uuid not null,
    event_name varchar(50) not null,
    currency   varchar(10) not null,
    revenue    decimal(19, 4),
    created_at timestamptz(6) default now()
);
create index if not exists revenue_website_id_created_at_idx on revenue (website_id, created_at);

create table if not exists report (
    report_id   uuid primary key,
    user_id     uuid not null,
    website_id  uuid not null,
    type        varchar(200) not null,
    name        varchar(200) not null,
    description varchar(500) not null,
    parameters  jsonb not null,
    created_at  timestamptz(6) default now(),
    updated_at  timestamptz(6)
);

-- Superlytics: the account's choice to receive no usage emails (the app sets it).
alter table "user" add column if not exists usage_alerts_opt_out boolean not null default false;
