"""Queries on attachments: the files of a conversation."""

from __future__ import annotations

import sqlite3

from chat.models import Attachment


def insert_attachment(
    db: sqlite3.Connection,
    session_id: int,
    name: str,
    content_type: str,
    size: int,
    sha256: str,
    stored_name: str,
    now: str,
) -> Attachment:
    rows = db.execute(
        "INSERT INTO attachments (session_id, name, content_type, size, sha256, stored_name,"
        " created_at) VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING *",
        (session_id, name, content_type, size, sha256, stored_name, now),
    ).fetchall()
    return Attachment.from_row(rows[0])


def get_attachment(db: sqlite3.Connection, attachment_id: int) -> Attachment | None:
    rows = db.execute("SELECT * FROM attachments WHERE id = ?", (attachment_id,)).fetchall()
    return Attachment.from_row(rows[0]) if rows else None


def list_stored_names(db: sqlite3.Connection) -> set[str]:
    """The on-disk names of every file a message carries: what a sweep of the folder keeps."""
    return {row[0] for row in db.execute("SELECT stored_name FROM attachments").fetchall()}
