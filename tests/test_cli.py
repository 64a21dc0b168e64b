"""The command line as an operator meets it: the demo's summary and its one-line errors."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from conftest import ROOT


def _cli(*args, env=None):
    return subprocess.run([sys.executable, "-m", "superlytics_usage.cli", *args], capture_output=True, text=True,
                          cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT / "plugins"), **(env or {})},
                          timeout=300)


def test_broken_catalogue_stops_the_demo_with_one_line(tmp_path, database_url):
    bad = tmp_path / "plans.yaml"
    bad.write_text((ROOT / "include" / "plans.yaml").read_text().replace("pageViews: 100000", "pageViews: -7"))
    result = _cli("demo", env={"SUPERLYTICS_PLANS": str(bad), "DATABASE_URL": database_url})
    assert result.returncode == 2
    assert "Traceback" not in result.stdout + result.stderr
    (line,) = [ln for ln in result.stdout.splitlines() if ln.strip()]
    assert f"{bad}: plan 'starter', key 'limits.pageViews'" in line


def test_demo_on_database_url_prints_the_summary(db, database_url):
    result = _cli("demo", "--accounts", "30", "--events", "4000", env={"DATABASE_URL": database_url})
    assert result.returncode == 0, result.stdout + result.stderr
    for section in ("What Stripe reconciliation changed", "Usage per plan", "billing.enforcement — what the app reads",
                    "Usage alert emails sent", "data_retention dry run", "make airflow"):
        assert section in result.stdout, section
    assert "superlytics_test_" in result.stdout  # it used that database, not the embedded default
    with db.cursor() as cur:
        cur.execute("select count(*) from website_event")
        assert cur.fetchone() == (4000,)


def test_demo_refuses_a_database_with_real_users(db, database_url):
    with db.transaction(), db.cursor() as cur:
        cur.execute("insert into \"user\" (user_id, username, password, role, email) "
                    "values (gen_random_uuid(), 'alice', 'x', 'user', 'alice@customer.com')")
    result = _cli("demo", "--accounts", "10", "--events", "500", env={"DATABASE_URL": database_url})
    assert result.returncode == 2
    assert "non-synthetic user" in result.stdout
    with db.cursor() as cur:
        cur.execute('select username from "user"')
        assert cur.fetchall() == [("alice",)]


def test_seed_if_empty_seeds_once_and_writes_the_stripe_state(db, database_url, tmp_path):
    state = tmp_path / "stripe_state.json"
    args = ("seed", "--if-empty", "--accounts", "20", "--events", "2000", "--stripe-state", str(state))
    first = _cli(*args, env={"DATABASE_URL": database_url})
    assert first.returncode == 0, first.stdout + first.stderr
    customers = json.loads(state.read_text())["customers"]
    with db.cursor() as cur:
        cur.execute("select count(*) from \"user\" where stripe_customer_id is not null")
        assert cur.fetchone() == (len(customers),) and customers
        cur.execute("update website_event set url_path = '/kept'")

    second = _cli(*args, env={"DATABASE_URL": database_url})
    assert second.returncode == 0 and "not seeding" in second.stdout
    with db.cursor() as cur:
        cur.execute("select count(*), min(url_path) from website_event")
        assert cur.fetchone() == (2000, "/kept")  # the second call left the data alone
