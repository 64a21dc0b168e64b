"""Apply the pipeline's schema: versioned migrations, then the repeatable source views.

Versioned files `sql/migrations/NNNN_name.sql` run once each, in order, and are never edited after they
land (a changed checksum is an error). Source views (`sql/source_views/*.sql`) are the one place that
knows the app's schema, so they are re-applied whenever their text changes. Everything runs in one
transaction under an advisory lock: a second process waits and then finds nothing to do, and a failing
file leaves the database as it was.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

from psycopg import Connection, Cursor

from superlytics_usage.database import read_sql
from superlytics_usage.paths import SQL_DIR

# Arbitrary but fixed: every migrator of this schema takes the same advisory lock.
MIGRATION_LOCK_KEY = 0x5E1A_B111
VERSIONED = re.compile(r"^(\d{4})_[a-z0-9_]+\.sql$")


class MigrationError(RuntimeError):
    """The migration files and the database disagree; the message names the script."""


@dataclass(frozen=True)
class Script:
    name: str
    version: int | None
    text: str

    @property
    def checksum(self) -> str:
        return hashlib.sha256(self.text.encode()).hexdigest()


def versioned_scripts(folder: Path = SQL_DIR / "migrations") -> list[Script]:
    scripts = []
    for path in sorted(folder.glob("*.sql")):
        match = VERSIONED.match(path.name)
        if not match:
            raise MigrationError(f"{path}: migration files are named NNNN_snake_case.sql")
        scripts.append(Script(f"migrations/{path.name}", int(match.group(1)), path.read_text()))
    versions = [s.version for s in scripts]
    if len(set(versions)) != len(versions):
        raise MigrationError(f"{folder}: two migrations share a version number")
    return scripts


def repeatable_scripts(folder: Path = SQL_DIR / "source_views") -> list[Script]:
    return [Script(f"source_views/{p.name}", None, p.read_text()) for p in sorted(folder.glob("*.sql"))]


def apply_migrations(conn: Connection, sql_dir: Path = SQL_DIR) -> list[str]:
    """Bring the schema up to date; returns the scripts that ran (empty when already current)."""
    applied_now: list[str] = []
    with conn.transaction(), conn.cursor() as cur:
        cur.execute("select pg_advisory_xact_lock(%s)", (MIGRATION_LOCK_KEY,))
        cur.execute(read_sql("schema_migration_bootstrap"))
        cur.execute("select script, checksum from billing.schema_migration")
        recorded = dict(cur.fetchall())
        for script in versioned_scripts(sql_dir / "migrations"):
            if script.name in recorded:
                if recorded[script.name] != script.checksum:
                    raise MigrationError(
                        f"sql/{script.name} changed after it was applied; add a new migration instead")
                continue
            _run(cur, script)
            applied_now.append(script.name)
        for script in repeatable_scripts(sql_dir / "source_views"):
            if recorded.get(script.name) == script.checksum:
                continue
            _run(cur, script)
            applied_now.append(script.name)
    return applied_now


def _run(cur: Cursor, script: Script) -> None:
    cur.execute(script.text)
    cur.execute(read_sql("schema_migration_record"),
                {"script": script.name, "version": script.version, "checksum": script.checksum})


def create_app_schema(conn: Connection) -> None:
    """Create the Umami-compatible app tables (development, tests and the demo only)."""
    with conn.transaction(), conn.cursor() as cur:
        cur.execute("select pg_advisory_xact_lock(%s)", (MIGRATION_LOCK_KEY,))
        cur.execute(read_sql("app_schema/umami"))
