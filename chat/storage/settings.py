"""Queries on settings: values the whole installation shares, by name."""

from __future__ import annotations

import sqlite3


def get_setting(db: sqlite3.Connection, name: str) -> str | None:
    rows = db.execute("SELECT value FROM settings WHERE name = ?", (name,)).fetchall()
    return str(rows[0][0]) if rows else None


def put_setting(db: sqlite3.Connection, name: str, value: str) -> None:
    db.execute(
        "INSERT INTO settings (name, value) VALUES (?, ?)"
        " ON CONFLICT (name) DO UPDATE SET value = excluded.value",
        (name, value),
    )


def count_attachments(db: sqlite3.Connection) -> int:
    return int(db.execute("SELECT count(*) FROM attachments").fetchall()[0][0])
