"""Queries on the agents table."""

from __future__ import annotations

import aiosqlite

from chat.models import Agent, Role


async def insert_agent(
    db: aiosqlite.Connection, email: str, name: str, role: Role, password_hash: str, now: str
) -> Agent:
    rows = await db.execute_fetchall(
        "INSERT INTO agents (email, name, role, password_hash, created_at)"
        " VALUES (?, ?, ?, ?, ?) RETURNING *",
        (email, name, role.value, password_hash, now),
    )
    row = rows[0] if rows else None
    assert row is not None
    return Agent.from_row(row)


async def get_agent(db: aiosqlite.Connection, agent_id: int) -> Agent | None:
    rows = await db.execute_fetchall("SELECT * FROM agents WHERE id = ?", (agent_id,))
    row = rows[0] if rows else None
    return Agent.from_row(row) if row else None


async def get_agent_by_email(db: aiosqlite.Connection, email: str) -> Agent | None:
    rows = await db.execute_fetchall("SELECT * FROM agents WHERE email = ?", (email,))
    row = rows[0] if rows else None
    return Agent.from_row(row) if row else None


async def list_agents(db: aiosqlite.Connection) -> list[Agent]:
    rows = await db.execute_fetchall("SELECT * FROM agents ORDER BY id")
    return [Agent.from_row(row) for row in rows]


async def count_agents(db: aiosqlite.Connection) -> int:
    rows = await db.execute_fetchall("SELECT count(*) FROM agents")
    row = rows[0] if rows else None
    return int(row[0]) if row else 0


async def update_agent_password(
    db: aiosqlite.Connection, agent_id: int, password_hash: str
) -> None:
    await db.execute("UPDATE agents SET password_hash = ? WHERE id = ?", (password_hash, agent_id))


async def deactivate_agent(db: aiosqlite.Connection, agent_id: int) -> None:
    await db.execute("UPDATE agents SET is_active = 0 WHERE id = ?", (agent_id,))
