"""The audit log: every admin write, recorded in the transaction that makes it."""

from __future__ import annotations

import sqlite3

from chat.models import Agent, AuditEntry, now_iso
from chat.storage import audit
from chat.storage.database import Database


def record(conn: sqlite3.Connection, admin: Agent, action: str, detail: str) -> None:
    """Note that `admin` did `action` (`detail` says to what); call inside the write."""
    audit.insert_audit(conn, admin.id, admin.name, action, detail, now_iso())


async def recent(db: Database, limit: int = 200) -> list[AuditEntry]:
    """The newest entries first."""
    return await db.read(lambda conn: audit.list_audit(conn, limit))
