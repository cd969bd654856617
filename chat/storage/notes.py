"""Queries on notes: a conversation's private notes (agents only, no seq)."""

from __future__ import annotations

import json
import sqlite3

from chat.models import Note


def insert_note(
    db: sqlite3.Connection,
    session_id: int,
    agent_id: int,
    agent_name: str,
    body: str,
    now: str,
    client_id: str | None = None,
    mentions: tuple[tuple[int, str], ...] = (),
) -> Note:
    listed = json.dumps([{"id": agent, "name": name} for agent, name in mentions])
    rows = db.execute(
        "INSERT INTO notes (session_id, agent_id, agent_name, body, created_at, client_id,"
        " mentions) VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING *",
        (session_id, agent_id, agent_name, body, now, client_id, listed),
    ).fetchall()
    return Note.from_row(rows[0])


def get_note_by_client_id(
    db: sqlite3.Connection, session_id: int, agent_id: int, client_id: str
) -> Note | None:
    rows = db.execute(
        "SELECT * FROM notes WHERE session_id = ? AND agent_id = ? AND client_id = ?",
        (session_id, agent_id, client_id),
    ).fetchall()
    return Note.from_row(rows[0]) if rows else None


def list_notes(db: sqlite3.Connection, session_id: int) -> list[Note]:
    rows = db.execute(
        "SELECT * FROM notes WHERE session_id = ? ORDER BY id", (session_id,)
    ).fetchall()
    return [Note.from_row(row) for row in rows]
