"""Queries on the append-only event log that sockets replay from."""

from __future__ import annotations

import sqlite3

from chat.models import Event


def insert_event(
    db: sqlite3.Connection,
    type_: str,
    session_id: int | None,
    data: str,
    public_data: str | None,
    now: str,
) -> Event:
    rows = db.execute(
        "INSERT INTO events (type, session_id, data, public_data, created_at)"
        " VALUES (?, ?, ?, ?, ?) RETURNING *",
        (type_, session_id, data, public_data, now),
    ).fetchall()
    row = rows[0] if rows else None
    assert row is not None
    return Event.from_row(row)


def get_event_head(db: sqlite3.Connection) -> int:
    """The newest event_id ever handed out (0 when none), deleted events included."""
    rows = db.execute("SELECT seq FROM sqlite_sequence WHERE name = 'events'").fetchall()
    row = rows[0] if rows else None
    return int(row[0]) if row else 0


def list_events_after(
    db: sqlite3.Connection, after_id: int, until_id: int, limit: int
) -> list[Event]:
    """Every event in (after_id, until_id], oldest first: what an agent socket replays."""
    rows = db.execute(
        "SELECT * FROM events WHERE id > ? AND id <= ? ORDER BY id LIMIT ?",
        (after_id, until_id, limit),
    ).fetchall()
    return [Event.from_row(row) for row in rows]


def list_session_events_after(
    db: sqlite3.Connection, session_id: int, after_id: int, until_id: int, limit: int
) -> list[Event]:
    """A session's customer-visible events in (after_id, until_id]: a customer's replay."""
    rows = db.execute(
        "SELECT * FROM events WHERE session_id = ? AND id > ? AND id <= ?"
        " AND public_data IS NOT NULL ORDER BY id LIMIT ?",
        (session_id, after_id, until_id, limit),
    ).fetchall()
    return [Event.from_row(row) for row in rows]
