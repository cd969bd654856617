"""Forward-only migrations: migrations/NNNN_what.sql, applied in order, tracked by user_version;
on PostgreSQL migrations_postgresql/NNNN_what.sql (the same numbers), tracked in schema_migrations.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiosqlite

MIGRATIONS = Path(__file__).with_name("migrations")
MIGRATIONS_POSTGRESQL = Path(__file__).with_name("migrations_postgresql")
# pg_advisory_lock's key for "migrating Switchboard's schema": nodes starting together wait for
# the first one's migrations, then find nothing left to do.
MIGRATION_LOCK = 0x5357_4D49_4752  # "SWMIGR"


@dataclass(frozen=True, slots=True)
class Migration:
    version: int
    name: str
    sql: str


def load_migrations(folder: Path = MIGRATIONS) -> list[Migration]:
    found = []
    for path in sorted(folder.glob("*.sql")):
        number, _, name = path.stem.partition("_")
        found.append(Migration(int(number), name, path.read_text()))
    versions = [m.version for m in found]
    if versions != list(range(1, len(found) + 1)):
        raise RuntimeError(f"migrations must be numbered 1..n without gaps, found {versions}")
    return found


async def schema_version(conn: aiosqlite.Connection) -> int:
    async with conn.execute("PRAGMA user_version") as cursor:
        row = await cursor.fetchone()
    return int(row[0]) if row else 0


async def migrate(conn: aiosqlite.Connection, target: int | None = None) -> int:
    """Apply every migration newer than the database, each in its own transaction."""
    current = await schema_version(conn)
    for migration in load_migrations():
        if migration.version <= current or (target is not None and migration.version > target):
            continue
        script = (
            f"BEGIN IMMEDIATE;\n{migration.sql}\nPRAGMA user_version={migration.version};\nCOMMIT;"
        )
        try:
            await conn.executescript(script)
        except sqlite3.Error:
            if conn.in_transaction:
                await conn.execute("ROLLBACK")
            raise
        current = migration.version
    return current


def migrate_postgresql(conn: Any, target: int | None = None) -> int:
    """Apply every PostgreSQL migration the database lacks, each in its own transaction, under
    an advisory lock so that several nodes starting at once run each migration once.
    `conn` is a chat.storage.postgres.PgConnection in autocommit mode, in its own thread."""
    conn.execute("SELECT pg_advisory_lock(?)", (MIGRATION_LOCK,))
    try:
        conn.execute(
            "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY,"
            " name TEXT NOT NULL, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())"
        )
        rows = conn.execute("SELECT version FROM schema_migrations").fetchall()
        current = max((int(row[0]) for row in rows), default=0)
        for migration in load_migrations(MIGRATIONS_POSTGRESQL):
            if migration.version <= current or (target is not None and migration.version > target):
                continue
            with conn.raw.transaction():
                conn.raw.execute(migration.sql.encode(), prepare=False)  # several statements
                conn.execute(
                    "INSERT INTO schema_migrations (version, name) VALUES (?, ?)",
                    (migration.version, migration.name),
                )
            current = migration.version
        return current
    finally:
        conn.execute("SELECT pg_advisory_unlock(?)", (MIGRATION_LOCK,))
