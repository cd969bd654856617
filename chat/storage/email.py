"""Queries for email continuity: the thread of a conversation whose visitor left an address,
the agent messages not yet emailed nor read, and the state of delivery."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass

from chat.models import Message


@dataclass(frozen=True, slots=True)
class EmailThread:
    session_id: int
    address: str
    name: str
    token: str
    emailed_seq: int
    message_ids: tuple[str, ...]
    attempts: int
    next_attempt_at: str
    last_error: str | None
    failed_at: str | None

    @classmethod
    def from_row(cls, row: sqlite3.Row) -> EmailThread:
        return cls(
            row["session_id"],
            row["address"],
            row["name"],
            row["token"],
            row["emailed_seq"],
            tuple(row["message_ids"].split()),
            row["attempts"],
            row["next_attempt_at"],
            row["last_error"],
            row["failed_at"],
        )


def upsert_thread(
    db: sqlite3.Connection, session_id: int, address: str, name: str, token: str, now: str
) -> None:
    """Set the conversation's address (a new address keeps the token and what was sent)."""
    db.execute(
        "INSERT INTO email_threads (session_id, address, name, token, next_attempt_at, created_at)"
        " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (session_id) DO UPDATE SET"
        " address = excluded.address, name = excluded.name, failed_at = NULL, attempts = 0",
        (session_id, address, name, token, now, now),
    )


def get_thread(db: sqlite3.Connection, session_id: int) -> EmailThread | None:
    row = db.execute("SELECT * FROM email_threads WHERE session_id = ?", (session_id,)).fetchone()
    return EmailThread.from_row(row) if row else None


def thread_by_token(db: sqlite3.Connection, token: str) -> EmailThread | None:
    row = db.execute("SELECT * FROM email_threads WHERE token = ?", (token,)).fetchone()
    return EmailThread.from_row(row) if row else None


def pending_threads(db: sqlite3.Connection, now: str, limit: int) -> list[int]:
    """Conversations with an agent message neither emailed nor read by the customer, whose
    delivery is not leased or backing off (next_attempt_at passed) nor given up."""
    rows = db.execute(
        "SELECT t.session_id FROM email_threads AS t"
        " JOIN chat_sessions AS s ON s.id = t.session_id"
        " WHERE t.failed_at IS NULL AND t.next_attempt_at <= ? AND EXISTS ("
        "  SELECT 1 FROM messages AS m WHERE m.session_id = t.session_id"
        "  AND m.sender_type = 'agent' AND m.seq > t.emailed_seq AND m.seq > s.customer_read_seq)"
        " ORDER BY t.next_attempt_at LIMIT ?",
        (now, limit),
    ).fetchall()
    return [row[0] for row in rows]


def unsent_messages(db: sqlite3.Connection, session_id: int) -> list[Message]:
    """The agent messages neither emailed nor read, oldest first."""
    rows = db.execute(
        "SELECT m.* FROM messages AS m JOIN email_threads AS t ON t.session_id = m.session_id"
        " JOIN chat_sessions AS s ON s.id = m.session_id"
        " WHERE m.session_id = ? AND m.sender_type = 'agent' AND m.seq > t.emailed_seq"
        " AND m.seq > s.customer_read_seq ORDER BY m.seq LIMIT 100",
        (session_id,),
    ).fetchall()
    return [Message.from_row(row) for row in rows]


def lease_thread(db: sqlite3.Connection, session_id: int, now: str, until: str) -> bool:
    """Take the thread's delivery until `until` (one node sends it); False if another did."""
    cursor = db.execute(
        "UPDATE email_threads SET next_attempt_at = ?"
        " WHERE session_id = ? AND next_attempt_at <= ? AND failed_at IS NULL",
        (until, session_id, now),
    )
    return cursor.rowcount == 1


def mark_sent(
    db: sqlite3.Connection, session_id: int, up_to_seq: int, message_id: str, now: str
) -> None:
    db.execute(
        "UPDATE email_threads SET emailed_seq = ?, message_ids = trim(message_ids || ' ' || ?),"
        " attempts = 0, last_error = NULL, next_attempt_at = ? WHERE session_id = ?",
        (up_to_seq, message_id, now, session_id),
    )


def mark_failed(
    db: sqlite3.Connection,
    session_id: int,
    error: str,
    next_attempt_at: str,
    failed_at: str | None,
) -> int:
    """Count a failed attempt; returns how many in a row there were."""
    db.execute(
        "UPDATE email_threads SET attempts = attempts + 1, last_error = ?, next_attempt_at = ?,"
        " failed_at = ? WHERE session_id = ?",
        (error[:500], next_attempt_at, failed_at, session_id),
    )
    row = db.execute(
        "SELECT attempts FROM email_threads WHERE session_id = ?", (session_id,)
    ).fetchone()
    return int(row[0]) if row else 0


def set_customer_email(db: sqlite3.Connection, session_id: int, address: str, now: str) -> None:
    db.execute(
        "UPDATE chat_sessions SET customer_email = ?, updated_at = ? WHERE id = ?",
        (address, now, session_id),
    )
