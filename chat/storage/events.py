"""Queries on the append-only event log that sockets replay from."""

from __future__ import annotations

import sqlite3

from chat.models import Event
from chat.storage.dialect import dialect

# PostgreSQL: the id comes from the counter row the transaction locked first (never a SEQUENCE,
# whose ids can commit out of order; see migrations_postgresql/0002_chat.sql).
INSERT_POSTGRESQL = (
    "WITH counter AS (UPDATE event_counter SET head = head + 1 WHERE id = 1 RETURNING head)"
    " INSERT INTO events (id, type, session_id, data, public_data, created_at)"
    " SELECT head, ?, ?, ?, ?, ? FROM counter RETURNING *"
)
INSERT_SQLITE = (
    "INSERT INTO events (type, session_id, data, public_data, created_at)"
    " VALUES (?, ?, ?, ?, ?) RETURNING *"
)
HEAD = {
    "sqlite": "SELECT seq FROM sqlite_sequence WHERE name = 'events'",
    "postgresql": "SELECT head FROM event_counter WHERE id = 1",
}


def insert_event(
    db: sqlite3.Connection,
    type_: str,
    session_id: int | None,
    data: str,
    public_data: str | None,
    now: str,
) -> Event:
    sql = INSERT_POSTGRESQL if dialect(db) == "postgresql" else INSERT_SQLITE
    rows = db.execute(sql, (type_, session_id, data, public_data, now)).fetchall()
    row = rows[0] if rows else None
    assert row is not None
    return Event.from_row(row)


def get_event_head(db: sqlite3.Connection) -> int:
    """The newest event_id ever handed out (0 when none), deleted events included."""
    rows = db.execute(HEAD[dialect(db)]).fetchall()
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
