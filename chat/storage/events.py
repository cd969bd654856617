"""Queries on the append-only event log that sockets replay from."""

from __future__ import annotations

import aiosqlite

from chat.models import Event


async def insert_event(
    db: aiosqlite.Connection,
    type_: str,
    session_id: int | None,
    data: str,
    public_data: str | None,
    now: str,
) -> Event:
    rows = await db.execute_fetchall(
        "INSERT INTO events (type, session_id, data, public_data, created_at)"
        " VALUES (?, ?, ?, ?, ?) RETURNING *",
        (type_, session_id, data, public_data, now),
    )
    row = rows[0] if rows else None
    assert row is not None
    return Event.from_row(row)


async def get_event_head(db: aiosqlite.Connection) -> int:
    """The newest event_id ever handed out (0 when none), deleted events included."""
    rows = await db.execute_fetchall("SELECT seq FROM sqlite_sequence WHERE name = 'events'")
    row = rows[0] if rows else None
    return int(row[0]) if row else 0


async def get_oldest_event_id(db: aiosqlite.Connection) -> int | None:
    rows = await db.execute_fetchall("SELECT min(id) FROM events")
    row = rows[0] if rows else None
    return int(row[0]) if row and row[0] is not None else None


async def list_events_after(
    db: aiosqlite.Connection, after_id: int, until_id: int, limit: int
) -> list[Event]:
    """Every event in (after_id, until_id], oldest first: what an agent socket replays."""
    rows = await db.execute_fetchall(
        "SELECT * FROM events WHERE id > ? AND id <= ? ORDER BY id LIMIT ?",
        (after_id, until_id, limit),
    )
    return [Event.from_row(row) for row in rows]


async def list_session_events_after(
    db: aiosqlite.Connection, session_id: int, after_id: int, until_id: int, limit: int
) -> list[Event]:
    """A session's customer-visible events in (after_id, until_id]: a customer's replay."""
    rows = await db.execute_fetchall(
        "SELECT * FROM events WHERE session_id = ? AND id > ? AND id <= ?"
        " AND public_data IS NOT NULL ORDER BY id LIMIT ?",
        (session_id, after_id, until_id, limit),
    )
    return [Event.from_row(row) for row in rows]


async def delete_events_before(db: aiosqlite.Connection, before: str) -> None:
    await db.execute("DELETE FROM events WHERE created_at < ?", (before,))
