"""Queries for email continuity: the thread of a conversation whose visitor left an address,
the agent messages not yet emailed nor read, and the state of delivery."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass

from chat.models import Message


@dataclass(frozen=True, slots=True)
class EmailThread:
    session_id: int
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
            row["token"],
            row["emailed_seq"],
            tuple(row["message_ids"].split()),
            row["attempts"],
            row["next_attempt_at"],
            row["last_error"],
            row["failed_at"],
        )


def ensure_thread(db: sqlite3.Connection, session_id: int, token: str, now: str) -> None:
    """Give the conversation its thread (and reply token) unless it has one."""
    db.execute(
        "INSERT INTO email_threads (session_id, token, next_attempt_at, created_at)"
        " VALUES (?, ?, ?, ?) ON CONFLICT (session_id) DO NOTHING",
        (session_id, token, now, now),
    )


def get_thread(db: sqlite3.Connection, session_id: int) -> EmailThread | None:
    row = db.execute("SELECT * FROM email_threads WHERE session_id = ?", (session_id,)).fetchone()
    return EmailThread.from_row(row) if row else None


def thread_by_token(db: sqlite3.Connection, token: str) -> EmailThread | None:
    row = db.execute("SELECT * FROM email_threads WHERE token = ?", (token,)).fetchone()
    return EmailThread.from_row(row) if row else None


def pending_threads(db: sqlite3.Connection, now: str, since: str, limit: int) -> list[int]:
    """Conversations with an address and an agent message neither emailed nor read by the
    customer, active since `since`, whose delivery is not leased, backing off nor given up."""
    rows = db.execute(
        "SELECT s.id FROM chat_sessions AS s LEFT JOIN email_threads AS t ON t.session_id = s.id"
        " WHERE s.updated_at >= ? AND s.customer_email IS NOT NULL"
        " AND (t.session_id IS NULL OR (t.failed_at IS NULL AND t.next_attempt_at <= ?))"
        " AND EXISTS (SELECT 1 FROM messages AS m WHERE m.session_id = s.id"
        "  AND m.sender_type = 'agent' AND m.seq > COALESCE(t.emailed_seq, 0)"
        "  AND m.seq > s.customer_read_seq)"
        " ORDER BY s.updated_at LIMIT ?",
        (since, now, limit),
    ).fetchall()
    return [row[0] for row in rows]


def unsent_messages(db: sqlite3.Connection, session_id: int) -> list[Message]:
    """The agent messages neither emailed nor read, oldest first."""
    rows = db.execute(
        "SELECT m.* FROM messages AS m JOIN chat_sessions AS s ON s.id = m.session_id"
        " LEFT JOIN email_threads AS t ON t.session_id = m.session_id"
        " WHERE m.session_id = ? AND m.sender_type = 'agent' AND m.seq > COALESCE(t.emailed_seq, 0)"
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
    db: sqlite3.Connection, session_id: int, seqs: list[int], message_id: str, now: str
) -> None:
    """The messages `seqs` went out in the email `message_id`."""
    db.execute(
        "UPDATE email_threads SET emailed_seq = ?, message_ids = trim(message_ids || ' ' || ?),"
        " attempts = 0, last_error = NULL, next_attempt_at = ? WHERE session_id = ?",
        (max(seqs), message_id, now, session_id),
    )
    db.executemany(
        "INSERT INTO emailed_messages (session_id, seq, email_id) VALUES (?, ?, ?)"
        " ON CONFLICT (session_id, seq) DO NOTHING",
        [(session_id, seq, message_id) for seq in seqs],
    )


def add_message_id(db: sqlite3.Connection, session_id: int, message_id: str) -> None:
    """Another email of the conversation went out (the rating request): later ones thread
    after it too."""
    db.execute(
        "UPDATE email_threads SET message_ids = trim(message_ids || ' ' || ?) WHERE session_id = ?",
        (message_id, session_id),
    )


def emailed_seqs(db: sqlite3.Connection, session_id: int, limit: int = 500) -> list[int]:
    """The newest `limit` messages of the conversation that went out by email, oldest first."""
    rows = db.execute(
        "SELECT seq FROM emailed_messages WHERE session_id = ? ORDER BY seq DESC LIMIT ?",
        (session_id, limit),
    ).fetchall()
    return [row[0] for row in reversed(rows)]


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
