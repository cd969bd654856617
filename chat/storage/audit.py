"""Queries on audit_log: every admin write, who did it and when."""

from __future__ import annotations

import sqlite3

from chat.models import AuditEntry


def insert_audit(
    db: sqlite3.Connection,
    agent_id: int,
    agent_name: str,
    action: str,
    detail: str,
    now: str,
) -> None:
    db.execute(
        "INSERT INTO audit_log (agent_id, agent_name, action, detail, created_at)"
        " VALUES (?, ?, ?, ?, ?)",
        (agent_id, agent_name, action, detail, now),
    )


def list_audit(db: sqlite3.Connection, limit: int) -> list[AuditEntry]:
    rows = db.execute("SELECT * FROM audit_log ORDER BY id DESC LIMIT ?", (limit,)).fetchall()
    return [AuditEntry.from_row(row) for row in rows]
