"""Queries on messages."""

from __future__ import annotations

import sqlite3

from chat.models import Message, SenderType

INSERT = (
    "INSERT INTO messages (session_id, seq, sender_type, sender_name, agent_id, content,"
    " client_id, created_at, attachment)"
    " VALUES (?, (SELECT last_seq + 1 FROM chat_sessions WHERE id = ?), ?, ?, ?, ?, ?, ?, ?)"
)
RETURNING = " RETURNING *"
# A client_id the session already has: nothing is written (no seq taken, no trigger fired)
IF_NEW = " ON CONFLICT (session_id, client_id) DO NOTHING RETURNING *"


def insert_message(
    db: sqlite3.Connection,
    session_id: int,
    sender_type: SenderType,
    sender_name: str | None,
    agent_id: int | None,
    content: str,
    client_id: str | None,
    now: str,
    attachment: str | None = None,
) -> Message:
    """Store a message with its session's next seq; a trigger advances the session's counters.

    The single writer runs one statement at a time, so seq stays gap-free."""
    found = _insert(
        db,
        RETURNING,
        session_id,
        sender_type,
        sender_name,
        agent_id,
        content,
        client_id,
        now,
        attachment,
    )
    assert found is not None
    return found


def insert_new_message(
    db: sqlite3.Connection,
    session_id: int,
    sender_type: SenderType,
    sender_name: str | None,
    content: str,
    client_id: str,
    now: str,
) -> Message | None:
    """As insert_message, unless the session already has a message with this client_id: then
    nothing is written and None is returned. The retry check and the insert in one statement:
    the unique index on (session_id, client_id) is probed by the insert anyway."""
    return _insert(
        db, IF_NEW, session_id, sender_type, sender_name, None, content, client_id, now, None
    )


def _insert(
    db: sqlite3.Connection,
    tail: str,
    session_id: int,
    sender_type: SenderType,
    sender_name: str | None,
    agent_id: int | None,
    content: str,
    client_id: str | None,
    now: str,
    attachment: str | None,
) -> Message | None:
    rows = db.execute(
        INSERT + tail,
        (
            session_id,
            session_id,
            sender_type.value,
            sender_name,
            agent_id,
            content,
            client_id,
            now,
            attachment,
        ),
    ).fetchall()
    return Message.from_row(rows[0]) if rows else None


def get_message_by_client_id(
    db: sqlite3.Connection, session_id: int, client_id: str
) -> Message | None:
    rows = db.execute(
        "SELECT * FROM messages WHERE session_id = ? AND client_id = ?", (session_id, client_id)
    ).fetchall()
    row = rows[0] if rows else None
    return Message.from_row(row) if row else None


def list_messages(
    db: sqlite3.Connection, session_id: int, after_seq: int, limit: int
) -> list[Message]:
    """Messages after `after_seq` in seq order; at most `limit`."""
    rows = db.execute(
        "SELECT * FROM messages WHERE session_id = ? AND seq > ? ORDER BY seq LIMIT ?",
        (session_id, after_seq, limit),
    ).fetchall()
    return [Message.from_row(row) for row in rows]
