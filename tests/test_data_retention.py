"""Retention's batching on the real database: batches resume across equal timestamps, a locked row makes a
batch give way and retry instead of failing or stalling, and a concurrent insert is never blocked."""

from __future__ import annotations

import logging
import threading
import time
from contextlib import closing
from datetime import UTC, datetime, timedelta

from superlytics_usage import database, synthetic
from superlytics_usage.data_retention import RetentionOptions, apply_retention

AS_OF = datetime(2026, 12, 1, 2, tzinfo=UTC)
OLD = AS_OF - timedelta(days=40)


def options(**overrides) -> RetentionOptions:
    return RetentionOptions(**{"as_of": AS_OF, "run_id": "test", "batch_size": 3, **overrides})


def free_site_with_old_events(db, same_instant: int, spread: int) -> str:
    b = synthetic.Builder()
    website = b.website(user=b.user("free"))
    if same_instant:
        b.event(website, OLD, count=same_instant)
    for minute in range(spread):
        b.event(website, OLD + timedelta(minutes=minute))
    b.event(website, AS_OF - timedelta(days=1))
    b.load(db)
    return website


def test_small_batches_resume_across_rows_with_the_same_timestamp(db, catalog):
    website = free_site_with_old_events(db, same_instant=25, spread=10)

    (decision,) = apply_retention(db, catalog, options())

    assert decision.status == "done"
    assert decision.rows["website_event_rows"] == 35 and decision.rows["session_rows"] == 35
    left = db.execute("select count(*) from website_event where website_id = %s", (website,)).fetchone()[0]
    assert left == 1
    # the batches' limits end with the deletes: the closing counts (and whatever the connection does next) run
    # without them
    assert db.execute("show statement_timeout").fetchone()[0] == "0"


def test_a_locked_row_makes_a_batch_give_way_and_retry(db, catalog, database_url, caplog):
    free_site_with_old_events(db, same_instant=0, spread=5)
    locked, release = threading.Event(), threading.Event()

    def hold_a_row_lock():
        with closing(database.connect(database_url)) as other, other.transaction():
            other.execute("select 1 from website_event order by created_at limit 1 for update")
            locked.set()
            release.wait(5)

    holder = threading.Thread(target=hold_a_row_lock)
    holder.start()
    locked.wait(5)
    threading.Timer(1.5, release.set).start()
    with caplog.at_level(logging.WARNING, logger="superlytics_usage.data_retention"):
        (decision,) = apply_retention(db, catalog, options(batch_size=10))
    holder.join()

    assert decision.status == "done" and decision.rows["website_event_rows"] == 5
    assert any("gave way (LockNotAvailable)" in r.getMessage() for r in caplog.records)


def test_inserts_into_website_event_keep_flowing_during_a_run(db, catalog, database_url):
    website = free_site_with_old_events(db, same_instant=0, spread=3000)
    inserts: list[tuple[float, float]] = []  # (started, seconds waited)
    running, done = threading.Event(), threading.Event()

    def insert_new_events():
        b = synthetic.Builder(seed=99)
        with closing(database.connect(database_url)) as other:
            while not done.is_set():
                b.event(website, AS_OF)
                row = b.rows.pop("website_event")[0]
                began = time.monotonic()
                other.execute("insert into website_event (event_id, website_id, session_id, visit_id, created_at, "
                              "url_path) values (%(event_id)s, %(website_id)s, %(session_id)s, %(visit_id)s, "
                              "%(created_at)s, '/')", row)
                inserts.append((began, time.monotonic() - began))
                running.set()

    inserter = threading.Thread(target=insert_new_events)
    inserter.start()
    try:
        assert running.wait(10)
        started = time.monotonic()
        (decision,) = apply_retention(db, catalog, options(batch_size=100))
        finished = time.monotonic()
    finally:
        done.set()
        inserter.join()

    assert decision.rows["website_event_rows"] == 3000
    during = [waited for began, waited in inserts if started <= began <= finished]
    assert during and max(waited for _, waited in inserts) < 1.0
    assert db.execute("select count(*) from website_event where website_id = %s and created_at = %s",
                      (website, AS_OF)).fetchone()[0] == len(inserts)  # every insert landed, none was deleted
