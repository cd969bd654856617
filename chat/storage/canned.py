"""Queries on canned_responses: the team's saved replies."""

from __future__ import annotations

import sqlite3

from chat.models import CannedResponse


def list_canned(db: sqlite3.Connection) -> list[CannedResponse]:
    rows = db.execute("SELECT * FROM canned_responses ORDER BY shortcode").fetchall()
    return [CannedResponse.from_row(row) for row in rows]


def get_canned(db: sqlite3.Connection, canned_id: int) -> CannedResponse | None:
    rows = db.execute("SELECT * FROM canned_responses WHERE id = ?", (canned_id,)).fetchall()
    return CannedResponse.from_row(rows[0]) if rows else None


def find_canned_by_shortcode(db: sqlite3.Connection, shortcode: str) -> CannedResponse | None:
    rows = db.execute(
        "SELECT * FROM canned_responses WHERE lower(shortcode) = lower(?)", (shortcode,)
    ).fetchall()
    return CannedResponse.from_row(rows[0]) if rows else None


def insert_canned(db: sqlite3.Connection, shortcode: str, content: str, now: str) -> CannedResponse:
    rows = db.execute(
        "INSERT INTO canned_responses (shortcode, content, created_at, updated_at)"
        " VALUES (?, ?, ?, ?) RETURNING *",
        (shortcode, content, now, now),
    ).fetchall()
    return CannedResponse.from_row(rows[0])


def update_canned(
    db: sqlite3.Connection, canned_id: int, shortcode: str, content: str, now: str
) -> CannedResponse | None:
    rows = db.execute(
        "UPDATE canned_responses SET shortcode = ?, content = ?, updated_at = ?"
        " WHERE id = ? RETURNING *",
        (shortcode, content, now, canned_id),
    ).fetchall()
    return CannedResponse.from_row(rows[0]) if rows else None


def delete_canned(db: sqlite3.Connection, canned_id: int) -> bool:
    rows = db.execute(
        "DELETE FROM canned_responses WHERE id = ? RETURNING id", (canned_id,)
    ).fetchall()
    return bool(rows)
