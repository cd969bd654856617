"""Which SQL dialect a work function's connection speaks: "sqlite" or "postgresql"."""

from __future__ import annotations

from typing import Any, Literal

Dialect = Literal["sqlite", "postgresql"]


def dialect(conn: Any) -> Dialect:
    """A query module branches on this where the two dialects differ; a sqlite3 connection has
    no `dialect` attribute, the PostgreSQL wrapper (chat/storage/postgres.py) says its own."""
    return getattr(conn, "dialect", "sqlite")
