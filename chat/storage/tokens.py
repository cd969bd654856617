"""Queries on auth_tokens: login cookies and API tokens, kept only as hashes."""

from __future__ import annotations

import sqlite3

from chat.models import Agent


def insert_token(
    db: sqlite3.Connection, agent_id: int, kind: str, token_hash: bytes, now: str, expires: str
) -> None:
    db.execute(
        "INSERT INTO auth_tokens (agent_id, kind, token_hash, created_at, expires_at)"
        " VALUES (?, ?, ?, ?, ?)",
        (agent_id, kind, token_hash, now, expires),
    )


def get_token_agent(db: sqlite3.Connection, kind: str, token_hash: bytes, now: str) -> Agent | None:
    """The active agent a live (unrevoked, unexpired) token of this kind belongs to."""
    rows = db.execute(
        "SELECT agents.* FROM auth_tokens JOIN agents ON agents.id = auth_tokens.agent_id"
        " WHERE token_hash = ? AND kind = ? AND revoked_at IS NULL AND expires_at > ?"
        " AND agents.is_active = 1",
        (token_hash, kind, now),
    ).fetchall()
    row = rows[0] if rows else None
    return Agent.from_row(row) if row else None


def revoke_token(db: sqlite3.Connection, token_hash: bytes, now: str) -> None:
    db.execute(
        "UPDATE auth_tokens SET revoked_at = ? WHERE token_hash = ? AND revoked_at IS NULL",
        (now, token_hash),
    )


def revoke_agent_tokens(db: sqlite3.Connection, agent_id: int, now: str) -> None:
    db.execute(
        "UPDATE auth_tokens SET revoked_at = ? WHERE agent_id = ? AND revoked_at IS NULL",
        (now, agent_id),
    )
