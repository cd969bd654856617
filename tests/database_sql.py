"""Run SQL on a test's database as an operator would, with sqlite3 or psql: the same statement
(with `?` placeholders) on either backend."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from typing import Any

import psycopg

from chat.config import Settings
from chat.storage.postgres import translate


def run_sql(settings: Settings, statement: str, *args: Any) -> list[tuple[Any, ...]]:
    """Run one statement in its own transaction; its rows (none for a statement without)."""
    if settings.uses_postgresql:
        with closing(psycopg.connect(str(settings.database), autocommit=True)) as pg:
            cursor = pg.execute(translate(statement), args)  # type: ignore[arg-type]
            return cursor.fetchall() if cursor.description else []
    with closing(sqlite3.connect(settings.database)) as db, db:
        return db.execute(statement, args).fetchall()
