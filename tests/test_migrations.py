"""Migrations: recorded once, safe to run twice and from two processes at once, all-or-nothing."""

from __future__ import annotations

import shutil
import threading
from contextlib import closing

import pytest

from superlytics_usage import database, migrations
from superlytics_usage.paths import SQL_DIR


@pytest.fixture
def scratch_url(server_url):
    """An empty database of its own: these tests start from nothing."""
    url = database.with_database(server_url, f"superlytics_test_mig_{threading.get_ident() % 100000}")
    database.drop_database(url)
    database.ensure_database(url)
    with closing(database.connect(url)) as conn:
        migrations.create_app_schema(conn)
    yield url
    database.drop_database(url)


def _ledger(url):
    with closing(database.connect(url)) as conn, conn.cursor() as cur:
        cur.execute("select script, version from billing.schema_migration order by script")
        return cur.fetchall()


def test_second_run_applies_nothing(scratch_url):
    with closing(database.connect(scratch_url)) as conn:
        first = migrations.apply_migrations(conn)
        second = migrations.apply_migrations(conn)
    expected = len(migrations.versioned_scripts()) + len(migrations.repeatable_scripts())
    assert len(first) == expected and second == []
    versions = [v for _, v in _ledger(scratch_url) if v is not None]
    assert versions == sorted(versions) and versions[0] == 1


def test_two_processes_at_once(scratch_url):
    results, errors = [], []

    def run():
        try:
            with closing(database.connect(scratch_url)) as conn:
                results.append(migrations.apply_migrations(conn))
        except Exception as exc:  # collected and asserted below
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert sorted(len(r) for r in results)[:2] == [0, 0]  # exactly one did the work
    assert len(_ledger(scratch_url)) == max(len(r) for r in results)


def test_failing_migration_leaves_database_as_it_was(scratch_url, tmp_path):
    sql_dir = tmp_path / "sql"
    shutil.copytree(SQL_DIR, sql_dir)
    (sql_dir / "migrations" / "9999_broken.sql").write_text("create table billing.half_done (id int);\nselect 1/0;")
    with closing(database.connect(scratch_url)) as conn, pytest.raises(Exception, match="division by zero"):
        migrations.apply_migrations(conn, sql_dir)
    with closing(database.connect(scratch_url)) as conn, conn.cursor() as cur:
        cur.execute("select to_regclass('billing.half_done'), to_regclass('billing.account')")
        assert cur.fetchone() == (None, None)


def test_edited_migration_is_refused(scratch_url, tmp_path):
    sql_dir = tmp_path / "sql"
    shutil.copytree(SQL_DIR, sql_dir)
    with closing(database.connect(scratch_url)) as conn:
        migrations.apply_migrations(conn, sql_dir)
        first = sorted((sql_dir / "migrations").glob("*.sql"))[0]
        first.write_text(first.read_text() + "\n-- edited\n")
        with pytest.raises(migrations.MigrationError, match=f"{first.name} changed after it was applied"):
            migrations.apply_migrations(conn, sql_dir)


def test_edited_source_view_is_reapplied(scratch_url, tmp_path):
    sql_dir = tmp_path / "sql"
    shutil.copytree(SQL_DIR, sql_dir)
    view = sql_dir / "source_views" / "src_account.sql"
    with closing(database.connect(scratch_url)) as conn:
        migrations.apply_migrations(conn, sql_dir)
        tail = '\nfrom public."user" as u;'
        edited = view.read_text().replace(tail, ",\n    u.display_name" + tail)
        assert edited != view.read_text()
        view.write_text(edited)
        assert migrations.apply_migrations(conn, sql_dir) == ["source_views/src_account.sql"]
        with conn.cursor() as cur:
            cur.execute("select display_name from billing.src_account limit 0")
