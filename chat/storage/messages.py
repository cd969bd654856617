"""Queries on messages."""

from __future__ import annotations

import sqlite3

from chat.models import Message, SenderType


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
    rows = db.execute(
        "INSERT INTO messages (session_id, seq, sender_type, sender_name, agent_id, content,"
        " client_id, created_at, attachment)"
        " VALUES (?, (SELECT last_seq + 1 FROM chat_sessions WHERE id = ?), ?, ?, ?, ?, ?, ?, ?)"
        " RETURNING *",
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
    return Message.from_row(rows[0])


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
