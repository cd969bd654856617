"""The database: migrations, group commit, one failing write among many, durability pragmas."""

from __future__ import annotations

import asyncio
import sqlite3
from contextlib import closing
from pathlib import Path

import aiosqlite
import pytest

from chat.errors import Conflict, StorageFailed
from chat.models import Agent, Role, now_iso
from chat.storage import agents
from chat.storage.database import Database, connect
from chat.storage.migrate import MIGRATIONS, migrate, schema_version

pytestmark = pytest.mark.anyio
MIGRATION_COUNT = len(list(MIGRATIONS.glob("*.sql")))


def add_agent(email: str, *, fail: BaseException | None = None):
    """A write that inserts an agent, then raises `fail` if one is given."""

    def work(conn: sqlite3.Connection) -> Agent:
        agent = agents.insert_agent(conn, email, email, Role.AGENT, "hash", now_iso())
        if fail is not None:
            raise fail
        return agent

    return work


async def emails(db: Database) -> set[str]:
    """The agents' emails that these tests wrote (not the demo agents of the app's start)."""
    return {a.email for a in await db.read(agents.list_agents) if a.email.endswith("@example.com")}


async def tables(conn: aiosqlite.Connection) -> set[str]:
    async with conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'") as cursor:
        return {row[0] for row in await cursor.fetchall()}


async def test_an_empty_database_gets_every_migration(tmp_path: Path) -> None:
    assert MIGRATION_COUNT >= 2
    database = Database(tmp_path / "new" / "chat.db")
    await database.open()
    await database.close()
    conn = await connect(tmp_path / "new" / "chat.db", "FULL")
    try:
        assert await schema_version(conn) == MIGRATION_COUNT
        expected = {"agents", "auth_tokens", "chat_sessions", "messages", "events"}
        assert expected <= await tables(conn)
        assert await migrate(conn) == MIGRATION_COUNT  # a second run changes nothing
    finally:
        await conn.close()


async def test_an_older_database_is_brought_up_to_date_keeping_its_data(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    conn = await connect(path, "FULL")
    try:
        assert await migrate(conn, target=1) == 1
        assert "chat_sessions" not in await tables(conn)
        await conn.execute(
            "INSERT INTO agents (email, name, role, password_hash, created_at)"
            " VALUES ('old@example.com', 'Old', 'admin', 'h', ?)",
            (now_iso(),),
        )
        assert await migrate(conn) == MIGRATION_COUNT
        assert await schema_version(conn) == MIGRATION_COUNT
        assert "chat_sessions" in await tables(conn)
    finally:
        await conn.close()
    database = Database(path)
    await database.open()  # opening runs the migrations again: nothing to do, nothing lost
    try:
        assert await emails(database) == {"old@example.com"}
        kept = await database.read(lambda c: agents.get_agent_by_email(c, "old@example.com"))
        assert kept is not None and kept.name == "Old" and kept.role is Role.ADMIN
    finally:
        await database.close()


async def test_concurrent_writes_share_transactions(db: Database) -> None:
    async def write_then_read(n: int) -> bool:
        agent = await db.write(add_agent(f"agent{n}@example.com"))
        # The caller hears "done" only after the commit: any reader sees the row at once.
        found = await db.read(lambda c: agents.get_agent(c, agent.id))
        return found is not None and found.email == f"agent{n}@example.com"

    results = await asyncio.gather(*(write_then_read(n) for n in range(50)))
    assert all(results)
    assert db.writes == 50
    assert db.batches < db.writes
    assert len(await emails(db)) == 50


async def test_a_failing_write_is_rolled_back_alone(db: Database) -> None:
    before = db.batches
    assert db.rollbacks == 0
    jobs = [
        db.write(add_agent("one@example.com")),
        db.write(add_agent("refused@example.com", fail=Conflict("no"))),
        db.write(add_agent("crashed@example.com", fail=RuntimeError("bug"))),
        db.write(add_agent("two@example.com")),
    ]
    one, refused, crashed, two = await asyncio.gather(*jobs, return_exceptions=True)
    assert db.batches - before < len(jobs)  # they shared a transaction ...
    assert isinstance(one, Agent) and isinstance(two, Agent)
    assert isinstance(refused, Conflict)  # ... the client's error comes back as raised ...
    assert isinstance(crashed, StorageFailed)  # ... a bug comes back as "nothing stored"
    assert await emails(db) == {"one@example.com", "two@example.com"}
    assert db.rollbacks == 2  # one per failing write: the others ran again each time


async def test_a_write_that_breaks_a_constraint_does_not_spoil_the_batch(db: Database) -> None:
    await db.write(add_agent("taken@example.com"))
    results = await asyncio.gather(
        db.write(add_agent("taken@example.com")),
        db.write(add_agent("fresh@example.com")),
        return_exceptions=True,
    )
    assert isinstance(results[0], StorageFailed) and isinstance(results[1], Agent)
    assert await emails(db) == {"taken@example.com", "fresh@example.com"}


@pytest.mark.sqlite_only  # SQLite's pragmas; PostgreSQL's durability is the server's setting
async def test_writes_are_durable_by_default(db: Database) -> None:
    def pragma(conn: sqlite3.Connection, name: str) -> object:
        row = conn.execute(f"PRAGMA {name}").fetchone()
        return row[0] if row else None

    assert await db.write(lambda c: pragma(c, "journal_mode")) == "wal"
    assert await db.write(lambda c: pragma(c, "synchronous")) == 2  # FULL
    assert await db.write(lambda c: pragma(c, "foreign_keys")) == 1
    assert await db.read(lambda c: pragma(c, "synchronous")) == 2


async def test_synchronous_normal_when_asked(tmp_path: Path) -> None:
    database = Database(tmp_path / "chat.db", synchronous="NORMAL")
    await database.open()
    try:

        def level(conn: sqlite3.Connection) -> int:
            row = conn.execute("PRAGMA synchronous").fetchone()
            return int(row[0]) if row else -1

        assert await database.write(level) == 1
    finally:
        await database.close()


async def test_a_committed_write_survives_a_reopen(tmp_path: Path) -> None:
    path = tmp_path / "chat.db"
    database = Database(path)
    await database.open()
    await database.write(add_agent("kept@example.com"))
    await database.close()
    with closing(sqlite3.connect(path)) as plain:
        rows = plain.execute("SELECT email FROM agents").fetchall()
    assert rows == [("kept@example.com",)]


def test_a_session_after_a_message_is_what_replace_would_make() -> None:
    """Session.after_message builds the session positionally (the writer's hot path): it must
    equal dataclasses.replace for every field, so a field added later cannot slip through."""
    from dataclasses import fields, replace

    from chat.models import Label, Message, SenderType, Session, SessionStatus

    def message(seq: int) -> Message:
        return Message(
            seq, 7, seq, SenderType.CUSTOMER, "Ana", None, f"m{seq}", f"c{seq}", "t", None
        )

    before = Session(
        7, SessionStatus.QUEUED, "Ana", "ana@example.com", "https://shop.example/",
        {"id": 3, "name": "Bob"}, 4, message(4), False, "2026-01-01T00:00:00.000Z",
        "2026-01-02T00:00:00.000Z", 2, 3, 5, "2026-01-01T00:01:00.000Z",
        (Label(1, "vip", "#aa0000"),),
    )  # fmt: skip
    assert all(getattr(before, f.name) != f.default for f in fields(Session))  # all set
    new = message(5)
    for by_agent in (False, True):
        after = before.after_message(new, "2026-01-03T00:00:00.000Z", by_agent)
        assert after == replace(
            before,
            message_count=5,
            last_message=new,
            human_replied=by_agent,
            updated_at="2026-01-03T00:00:00.000Z",
        )


async def test_a_session_read_for_an_append_is_the_full_read_without_its_last_message(
    db: Database,
) -> None:
    """The customer's send reads its session without the last message (the new one replaces
    it): every other field must be the full read's."""
    from dataclasses import replace

    from chat.auth import hash_token
    from chat.models import SenderType, SessionStatus
    from chat.storage import messages, sessions

    def work(conn: sqlite3.Connection) -> tuple[object, object]:
        now = now_iso()
        session_id = sessions.insert_session(
            conn, hash_token("k-head"), SessionStatus.QUEUED, "Ana", "ana@example.com",
            "https://shop.example/", now,
        )  # fmt: skip
        messages.insert_message(
            conn, session_id, SenderType.CUSTOMER, "Ana", None, "hello", "c-1", now
        )
        return sessions.get_session(conn, session_id), sessions.get_session_head(conn, session_id)

    full, head = await db.write(work)
    assert full.last_message is not None and full.last_message.content == "hello"  # type: ignore[union-attr]
    assert head == replace(full, last_message=None)  # type: ignore[type-var]
