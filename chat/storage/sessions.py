"""Queries on chat_sessions; every read joins the assigned agent's name and the last message."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass

from chat.models import Session, SessionStatus
from chat.storage.dialect import dialect
from chat.storage.queue import PLACES, QUEUE_POSITION, QUEUE_TOKEN

LABELS = {
    "sqlite": "(SELECT json_group_array(json_object('id', l.id, 'name', l.name, 'color', l.color))",
    "postgresql": "(SELECT json_agg(json_build_object('id', l.id, 'name', l.name,"
    " 'color', l.color))::text",
}
SESSION_SELECT = """
SELECT s.*, a.name AS agent_name, {place},
       {last},
       {labels} FROM session_labels AS sl JOIN labels AS l ON l.id = sl.label_id
        WHERE sl.session_id = s.id) AS labels
FROM chat_sessions AS s
LEFT JOIN agents AS a ON a.id = s.assigned_agent_id
{last_join}
"""
LAST = """m.id AS m_id, m.session_id AS m_session_id, m.seq AS m_seq,
       m.sender_type AS m_sender_type, m.sender_name AS m_sender_name,
       m.agent_id AS m_agent_id, m.content AS m_content, m.client_id AS m_client_id,
       m.created_at AS m_created_at, m.attachment AS m_attachment"""
LAST_JOIN = "LEFT JOIN messages AS m ON m.session_id = s.id AND m.seq = s.last_seq"
SELECTS = {
    name: SESSION_SELECT.format(
        labels=LABELS[name],
        place=f"{QUEUE_POSITION[name]} AS queue_position",
        last=LAST,
        last_join=LAST_JOIN,
    )
    for name in LABELS
}
# One session's read: its place is looked up by the queue's token (QueuePlaces), not counted.
ONE_PLACE = f"NULL AS queue_position, {QUEUE_TOKEN} AS queue_token"
ONE_SELECTS = {
    name: SESSION_SELECT.format(
        labels=LABELS[name], place=ONE_PLACE, last=LAST, last_join=LAST_JOIN
    )
    for name in LABELS
}
# The same without the last message, for a write that is about to append one.
HEAD_SELECTS = {
    name: SESSION_SELECT.format(
        labels=LABELS[name], place=ONE_PLACE, last="NULL AS m_id", last_join=""
    )
    for name in LABELS
}
# Conversations with any, all or none of the given labels (the ids are bound once per mark).
LABEL_MATCH = {
    "any": "s.id IN (SELECT session_id FROM session_labels WHERE label_id IN ({marks}))",
    "all": "(SELECT count(DISTINCT label_id) FROM session_labels"
    " WHERE session_id = s.id AND label_id IN ({marks})) = {count}",
    "none": "s.id NOT IN (SELECT session_id FROM session_labels WHERE label_id IN ({marks}))",
}


def session_select(db: sqlite3.Connection) -> str:
    """The SELECT every session read starts with: the session, its agent's name, its last
    message and its labels (as JSON, in the connection's dialect)."""
    return SELECTS[dialect(db)]


@dataclass(frozen=True, slots=True)
class SessionFilter:
    """Which conversations a list shows: a status, an assignee (an agent's id, or 0 for none),
    labels (with how they must match)."""

    status: SessionStatus | None = None
    assignee: int | None = None
    labels: tuple[int, ...] = ()
    label_match: str = "any"

    def where(self) -> tuple[str, tuple[object, ...]]:
        clauses: list[str] = []
        args: list[object] = []
        if self.status is not None:
            clauses.append("s.status = ?")
            args.append(self.status.value)
        if self.assignee == 0:
            clauses.append("s.assigned_agent_id IS NULL")
        elif self.assignee is not None:
            clauses.append("s.assigned_agent_id = ?")
            args.append(self.assignee)
        if self.labels:
            ids = sorted(set(self.labels))
            marks = ", ".join("?" * len(ids))
            clauses.append(LABEL_MATCH[self.label_match].format(marks=marks, count=len(ids)))
            args.extend(ids)
        return ("WHERE " + " AND ".join(clauses) if clauses else ""), tuple(args)


def insert_session(
    db: sqlite3.Connection,
    key_hash: bytes,
    status: SessionStatus,
    name: str | None,
    email: str | None,
    page_url: str | None,
    now: str,
) -> int:
    rows = db.execute(
        "INSERT INTO chat_sessions"
        " (key_hash, status, customer_name, customer_email, page_url, created_at, updated_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id",
        (key_hash, status.value, name, email, page_url, now, now),
    ).fetchall()
    row = rows[0] if rows else None
    assert row is not None
    return int(row[0])


def get_session(db: sqlite3.Connection, session_id: int) -> Session | None:
    return _one(db, "s.id", session_id)


def get_session_head(db: sqlite3.Connection, session_id: int) -> Session | None:
    """The session with no last message (None): for a write that appends one, which replaces
    it (Session.after_message). Every customer's send reads its session so (issue #24)."""
    return _one(db, "s.id", session_id, HEAD_SELECTS)


def get_session_by_key(db: sqlite3.Connection, key_hash: bytes) -> Session | None:
    return _one(db, "s.key_hash", key_hash)


def _one(
    db: sqlite3.Connection, column: str, value: object, selects: dict[str, str] = ONE_SELECTS
) -> Session | None:
    """One session, its place (while queued) taken from the queue's order as of the token the
    same statement saw. Every message's post reads its session: with 2,000 queued, counting
    the place was 260 µs of the 800 µs a post cost (`python -m bench.post_path`)."""
    rows = db.execute(f"{selects[dialect(db)]} WHERE {column} = ?", (value,)).fetchall()
    if not rows:
        return None
    row = rows[0]
    token = row["queue_token"]
    if token is None:
        return Session.from_row(row)
    # the place goes into the one Session made: a dataclasses.replace() after it cost 7 µs
    return Session.from_row(row, PLACES.place(db, row["id"], token))


def list_sessions(db: sqlite3.Connection, chosen: SessionFilter, limit: int) -> list[Session]:
    """Latest activity first."""
    where, args = chosen.where()
    rows = db.execute(
        f"{session_select(db)} {where} ORDER BY s.updated_at DESC, s.id DESC LIMIT ?",
        (*args, limit),
    ).fetchall()
    return [Session.from_row(row) for row in rows]


def update_session_status(
    db: sqlite3.Connection,
    session_id: int,
    status: SessionStatus,
    assigned_agent_id: int | None,
    now: str,
) -> None:
    db.execute(
        "UPDATE chat_sessions SET status = ?, assigned_agent_id = ?, updated_at = ? WHERE id = ?",
        (status.value, assigned_agent_id, now, session_id),
    )


def update_contact(
    db: sqlite3.Connection, session_id: int, email: str, name: str | None, now: str
) -> None:
    """The visitor's address (and their name, when given: else the one they had)."""
    db.execute(
        "UPDATE chat_sessions SET customer_email = ?,"
        " customer_name = COALESCE(?, customer_name), updated_at = ? WHERE id = ?",
        (email, name, now, session_id),
    )


def mark_human_replied(db: sqlite3.Connection, session_id: int) -> None:
    db.execute("UPDATE chat_sessions SET human_replied = 1 WHERE id = ?", (session_id,))


READ_MARKS = {"customer": "customer_read_seq", "agent": "agent_read_seq"}


def advance_read_mark(db: sqlite3.Connection, session_id: int, reader: str, seq: int) -> int | None:
    """Move `reader`'s read mark forward to `seq`, clamped to the newest message; the new mark,
    or None when that would not move it forward (nothing is written then)."""
    column = READ_MARKS[reader]
    least = "LEAST" if dialect(db) == "postgresql" else "min"
    rows = db.execute(
        f"UPDATE chat_sessions SET {column} = {least}(?, last_seq)"
        f" WHERE id = ? AND {column} < {least}(?, last_seq) RETURNING {column}",
        (seq, session_id, seq),
    ).fetchall()
    return int(rows[0][0]) if rows else None
