"""Queries on messages."""

from __future__ import annotations

import aiosqlite

from chat.models import Message, SenderType


async def insert_message(
    db: aiosqlite.Connection,
    session_id: int,
    seq: int,
    sender_type: SenderType,
    sender_name: str | None,
    agent_id: int | None,
    content: str,
    client_id: str | None,
    now: str,
) -> Message:
    async with db.execute(
        "INSERT INTO messages (session_id, seq, sender_type, sender_name, agent_id, content,"
        " client_id, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING *",
        (session_id, seq, sender_type.value, sender_name, agent_id, content, client_id, now),
    ) as cursor:
        row = await cursor.fetchone()
    assert row is not None
    return Message.from_row(row)


async def get_message_by_client_id(
    db: aiosqlite.Connection, session_id: int, client_id: str
) -> Message | None:
    async with db.execute(
        "SELECT * FROM messages WHERE session_id = ? AND client_id = ?", (session_id, client_id)
    ) as cursor:
        row = await cursor.fetchone()
    return Message.from_row(row) if row else None


async def list_messages(
    db: aiosqlite.Connection, session_id: int, after_seq: int, limit: int
) -> list[Message]:
    """Messages after `after_seq` in seq order; at most `limit`."""
    async with db.execute(
        "SELECT * FROM messages WHERE session_id = ? AND seq > ? ORDER BY seq LIMIT ?",
        (session_id, after_seq, limit),
    ) as cursor:
        return [Message.from_row(row) for row in await cursor.fetchall()]
