"""Queries on api_keys: admins' long-lived bearer keys, kept only as hashes."""

from __future__ import annotations

import sqlite3

from chat.models import Agent, ApiKey, KeyHolder

# A key with its creator's name, as the list shows it.
_KEY = (
    "SELECT api_keys.id, api_keys.name, scope, prefix, created_by,"
    " agents.name AS created_by_name, api_keys.created_at, last_used_at, revoked_at"
    " FROM api_keys JOIN agents ON agents.id = api_keys.created_by"
)


def insert_api_key(
    db: sqlite3.Connection,
    name: str,
    scope: str,
    token_hash: bytes,
    prefix: str,
    agent_id: int,
    now: str,
) -> int:
    rows = db.execute(
        "INSERT INTO api_keys (name, scope, token_hash, prefix, created_by, created_at)"
        " VALUES (?, ?, ?, ?, ?, ?) RETURNING id",
        (name, scope, token_hash, prefix, agent_id, now),
    ).fetchall()
    return int(rows[0][0])


def get_api_key(db: sqlite3.Connection, key_id: int) -> ApiKey | None:
    rows = db.execute(f"{_KEY} WHERE api_keys.id = ?", (key_id,)).fetchall()
    return ApiKey.from_row(rows[0]) if rows else None


def list_api_keys(db: sqlite3.Connection) -> list[ApiKey]:
    """Every key, the newest first, revoked ones too."""
    rows = db.execute(f"{_KEY} ORDER BY api_keys.id DESC").fetchall()
    return [ApiKey.from_row(row) for row in rows]


def get_key_holder(db: sqlite3.Connection, token_hash: bytes) -> KeyHolder | None:
    """Who a live (unrevoked) key acts for; None when its creator is no longer active."""
    rows = db.execute(
        "SELECT api_keys.id AS key_id, api_keys.scope AS key_scope,"
        " api_keys.last_used_at AS key_last_used_at, agents.*"
        " FROM api_keys JOIN agents ON agents.id = api_keys.created_by"
        " WHERE token_hash = ? AND revoked_at IS NULL AND agents.is_active = 1",
        (token_hash,),
    ).fetchall()
    if not rows:
        return None
    row = rows[0]
    return KeyHolder(row["key_id"], row["key_scope"], row["key_last_used_at"], Agent.from_row(row))


def revoke_api_key(db: sqlite3.Connection, key_id: int, now: str) -> bool:
    """Revoke a live key; False when there is no such key or it was revoked already."""
    rows = db.execute(
        "UPDATE api_keys SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL RETURNING id",
        (now, key_id),
    ).fetchall()
    return bool(rows)


def touch_api_key(db: sqlite3.Connection, key_id: int, now: str) -> None:
    db.execute("UPDATE api_keys SET last_used_at = ? WHERE id = ?", (now, key_id))
