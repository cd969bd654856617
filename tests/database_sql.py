"""Run SQL on a test's database as an operator would, with sqlite3 or psql: the same statement
(with `?` placeholders) on either backend."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path
from typing import Any

import psycopg

from chat.config import Settings, is_database_url
from chat.storage.postgres import translate


def run_sql(settings: Settings | Path | str, statement: str, *args: Any) -> list[tuple[Any, ...]]:
    """Run one statement in its own transaction on the settings' (or this) database; its rows
    (none for a statement without)."""
    database = settings.database if isinstance(settings, Settings) else settings
    if is_database_url(database):
        with closing(psycopg.connect(str(database), autocommit=True)) as pg:
            cursor = pg.execute(translate(statement), args)  # type: ignore[arg-type]
            return cursor.fetchall() if cursor.description else []
    with closing(sqlite3.connect(database)) as db, db:
        return db.execute(statement, args).fetchall()
