"""Queries on labels and session_labels: the team's labels and which conversations carry them."""

from __future__ import annotations

import sqlite3

from chat.models import Label


def list_labels(db: sqlite3.Connection) -> list[Label]:
    rows = db.execute("SELECT * FROM labels ORDER BY lower(name), id").fetchall()
    return [Label.from_row(row) for row in rows]


def find_label_by_name(db: sqlite3.Connection, name: str) -> Label | None:
    rows = db.execute("SELECT * FROM labels WHERE lower(name) = lower(?)", (name,)).fetchall()
    return Label.from_row(rows[0]) if rows else None


def insert_label(db: sqlite3.Connection, name: str, color: str, now: str) -> Label:
    rows = db.execute(
        "INSERT INTO labels (name, color, created_at) VALUES (?, ?, ?) RETURNING *",
        (name, color, now),
    ).fetchall()
    return Label.from_row(rows[0])


def update_label(db: sqlite3.Connection, label_id: int, name: str, color: str) -> Label | None:
    rows = db.execute(
        "UPDATE labels SET name = ?, color = ? WHERE id = ? RETURNING *", (name, color, label_id)
    ).fetchall()
    return Label.from_row(rows[0]) if rows else None


def delete_label(db: sqlite3.Connection, label_id: int) -> bool:
    """Delete the label; it leaves every conversation with it (ON DELETE CASCADE)."""
    rows = db.execute("DELETE FROM labels WHERE id = ? RETURNING id", (label_id,)).fetchall()
    return bool(rows)


def count_labels(db: sqlite3.Connection, label_ids: list[int]) -> int:
    """How many of these ids name a label."""
    marks = ", ".join("?" * len(label_ids))
    rows = db.execute(
        f"SELECT count(*) FROM labels WHERE id IN ({marks})", tuple(label_ids)
    ).fetchall()
    return int(rows[0][0])


def list_labelled_sessions(db: sqlite3.Connection, label_id: int) -> list[int]:
    rows = db.execute(
        "SELECT session_id FROM session_labels WHERE label_id = ? ORDER BY session_id",
        (label_id,),
    ).fetchall()
    return [int(row[0]) for row in rows]


def clear_session_labels(db: sqlite3.Connection, session_id: int) -> None:
    db.execute("DELETE FROM session_labels WHERE session_id = ?", (session_id,))


def add_session_labels(db: sqlite3.Connection, session_id: int, label_ids: list[int]) -> None:
    db.executemany(
        "INSERT INTO session_labels (session_id, label_id) VALUES (?, ?)",
        [(session_id, label_id) for label_id in label_ids],
    )
