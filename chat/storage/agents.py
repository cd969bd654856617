"""Queries on the agents table."""

from __future__ import annotations

import sqlite3

from chat.models import Agent, Presence, Role
from chat.storage.dialect import dialect

# Emails are unique whatever their case: COLLATE NOCASE in SQLite, lower(email) in PostgreSQL
# (whose unique index agents_email this lookup uses).
BY_EMAIL = {
    "sqlite": "SELECT * FROM agents WHERE email = ?",
    "postgresql": "SELECT * FROM agents WHERE lower(email) = lower(?)",
}


def insert_agent(
    db: sqlite3.Connection, email: str, name: str, role: Role, password_hash: str, now: str
) -> Agent:
    rows = db.execute(
        "INSERT INTO agents (email, name, role, password_hash, created_at)"
        " VALUES (?, ?, ?, ?, ?) RETURNING *",
        (email, name, role.value, password_hash, now),
    ).fetchall()
    row = rows[0] if rows else None
    assert row is not None
    return Agent.from_row(row)


def get_agent(db: sqlite3.Connection, agent_id: int) -> Agent | None:
    rows = db.execute("SELECT * FROM agents WHERE id = ?", (agent_id,)).fetchall()
    row = rows[0] if rows else None
    return Agent.from_row(row) if row else None


def get_agent_by_email(db: sqlite3.Connection, email: str) -> Agent | None:
    if "\0" in email:
        return None  # no stored email holds NUL (PostgreSQL's text cannot: it would raise)
    rows = db.execute(BY_EMAIL[dialect(db)], (email,)).fetchall()
    row = rows[0] if rows else None
    return Agent.from_row(row) if row else None


def list_agents(db: sqlite3.Connection) -> list[Agent]:
    rows = db.execute("SELECT * FROM agents ORDER BY id").fetchall()
    return [Agent.from_row(row) for row in rows]


def list_active_agents(db: sqlite3.Connection) -> list[Agent]:
    rows = db.execute("SELECT * FROM agents WHERE is_active = 1 ORDER BY id").fetchall()
    return [Agent.from_row(row) for row in rows]


def count_agents(db: sqlite3.Connection) -> int:
    rows = db.execute("SELECT count(*) FROM agents").fetchall()
    row = rows[0] if rows else None
    return int(row[0]) if row else 0


def update_agent_password(db: sqlite3.Connection, agent_id: int, password_hash: str) -> None:
    db.execute("UPDATE agents SET password_hash = ? WHERE id = ?", (password_hash, agent_id))


def update_agent_presence(db: sqlite3.Connection, agent_id: int, presence: Presence) -> Agent:
    rows = db.execute(
        "UPDATE agents SET presence = ? WHERE id = ? RETURNING *", (presence.value, agent_id)
    ).fetchall()
    return Agent.from_row(rows[0])


def get_agent_by_email_any_case(db: sqlite3.Connection, email: str) -> Agent | None:
    rows = db.execute("SELECT * FROM agents WHERE lower(email) = lower(?)", (email,)).fetchall()
    return Agent.from_row(rows[0]) if rows else None


def update_agent_profile(
    db: sqlite3.Connection, agent_id: int, name: str, role: Role, capacity: int | None
) -> Agent:
    rows = db.execute(
        "UPDATE agents SET name = ?, role = ?, capacity = ? WHERE id = ? RETURNING *",
        (name, role.value, capacity, agent_id),
    ).fetchall()
    return Agent.from_row(rows[0])


def set_agent_active(db: sqlite3.Connection, agent_id: int, active: bool) -> Agent:
    rows = db.execute(
        "UPDATE agents SET is_active = ? WHERE id = ? RETURNING *", (int(active), agent_id)
    ).fetchall()
    return Agent.from_row(rows[0])


def count_other_active_admins(db: sqlite3.Connection, agent_id: int) -> int:
    rows = db.execute(
        "SELECT count(*) FROM agents WHERE role = 'admin' AND is_active = 1 AND id <> ?",
        (agent_id,),
    ).fetchall()
    return int(rows[0][0])
