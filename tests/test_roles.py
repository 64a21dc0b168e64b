"""Roles: the app may read billing.enforcement and record usage events, and nothing else."""

from __future__ import annotations

import uuid

import psycopg
import pytest

REFUSED = [
    "select * from billing.usage_event",
    "select * from billing.account",
    "select * from billing.quota_override",
    "select * from billing.src_account",
    "select * from billing.schema_migration",
    "update billing.enforcement set allowed = true",
    "delete from billing.enforcement",
    "insert into billing.enforcement (user_id, key, key_kind, allowed, plan_id, has_access, computed_at, "
    "data_through) values (gen_random_uuid(), 'x', 'limit', true, 'free', true, now(), now())",
    "delete from billing.usage_event",
    "insert into billing.quota_override (user_id, limit_type, override_value, created_by) "
    "values (gen_random_uuid(), 'pageViews', -1, gen_random_uuid())",
    'select * from public."user"',
    "select * from public.website_event",
    "delete from public.website_event",
    "create table billing.sneaky (id int)",
]


def _as_app(db, statement, params=None):
    with db.cursor() as cur:
        cur.execute("set local role superlytics_app")
        cur.execute(statement, params)
        return cur.fetchall() if cur.description else cur.rowcount


def test_app_reads_enforcement(db):
    with db.transaction(), db.cursor() as cur:
        cur.execute("insert into billing.enforcement (user_id, key, key_kind, allowed, plan_id, has_access, "
                    "computed_at, data_through) values (%s, 'pageViews', 'limit', true, 'free', true, now(), now())",
                    (str(uuid.uuid4()),))
    with db.transaction():
        rows = _as_app(db, "select key, allowed from billing.enforcement")
    assert rows == [("pageViews", True)]


def test_app_records_usage_events_and_a_retry_is_a_no_op(db):
    event = str(uuid.uuid4())
    # No conflict target: inferring one needs SELECT, which the app role deliberately lacks.
    insert = ("insert into billing.usage_event (event_id, user_id, event_kind) values (%s, %s, 'api_call') "
              "on conflict do nothing")
    user = str(uuid.uuid4())
    with db.transaction():
        assert _as_app(db, insert, (event, user)) == 1
    with db.transaction():
        assert _as_app(db, insert, (event, user)) == 0
    with db.cursor() as cur:
        cur.execute("select count(*) from billing.usage_event")
        assert cur.fetchone() == (1,)


@pytest.mark.parametrize("statement", REFUSED)
def test_app_is_refused_everything_else(db, statement):
    with pytest.raises(psycopg.errors.InsufficientPrivilege), db.transaction():
        _as_app(db, statement)


def test_pipeline_role_reads_sources_and_writes_billing(db):
    with db.transaction(), db.cursor() as cur:
        cur.execute("set local role superlytics_pipeline")
        cur.execute("select count(*) from billing.src_website_event")
        cur.execute("insert into billing.account (user_id, plan_id, plan_type, has_access, synced_at) "
                    "values (gen_random_uuid(), 'free', 'subscription', true, now())")
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            cur.execute("select * from public.website_event")
