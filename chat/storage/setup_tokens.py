"""Queries on setup_tokens: one-time links with which an agent chooses a password."""

from __future__ import annotations

import sqlite3


def insert_setup_token(
    db: sqlite3.Connection, agent_id: int, token_hash: bytes, now: str, expires: str
) -> None:
    db.execute(
        "INSERT INTO setup_tokens (agent_id, token_hash, created_at, expires_at)"
        " VALUES (?, ?, ?, ?)",
        (agent_id, token_hash, now, expires),
    )


def get_setup_token(db: sqlite3.Connection, token_hash: bytes) -> sqlite3.Row | None:
    rows = db.execute(
        "SELECT agent_id, expires_at, used_at FROM setup_tokens WHERE token_hash = ?",
        (token_hash,),
    ).fetchall()
    return rows[0] if rows else None


def use_setup_token(db: sqlite3.Connection, token_hash: bytes, now: str) -> int | None:
    """Mark a live token used; the agent it was for, or None when it was not live (used,
    expired, unknown). One statement, so two uses at once cannot both succeed."""
    rows = db.execute(
        "UPDATE setup_tokens SET used_at = ? WHERE token_hash = ? AND used_at IS NULL"
        " AND expires_at > ? RETURNING agent_id",
        (now, token_hash, now),
    ).fetchall()
    return int(rows[0][0]) if rows else None


def retire_agent_setup_tokens(db: sqlite3.Connection, agent_id: int, now: str) -> None:
    """A newer link replaces every unused one of this agent."""
    db.execute(
        "UPDATE setup_tokens SET used_at = ? WHERE agent_id = ? AND used_at IS NULL",
        (now, agent_id),
    )
