"""PostgreSQL storage: migrations run once across nodes, event ids without gaps in commit order
(where a SEQUENCE has them), and two nodes writing to the same conversations at once."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import closing
from pathlib import Path
from typing import Any

import psycopg
import pytest
from starlette.testclient import TestClient

from chat.application import create_app
from chat.config import Settings
from chat.models import SenderType, SessionStatus, now_iso
from chat.service.retries import seen_message
from chat.service.transaction import Posted, Transaction
from chat.storage import events, sessions
from chat.storage.migrate import (
    MIGRATIONS,
    MIGRATIONS_POSTGRESQL,
    load_migrations,
    migrate_postgresql,
)
from chat.storage.postgres import LOCK_COUNTER, PgConnection, PostgresDatabase, translate
from chat.storage.search import search_sessions
from tests.conftest import ROOT
from tests.postgres import credentials, empty_database, fresh_database

URL = "postgresql://switchboard:s3cret-pass@db.example:5432/chat"


@pytest.fixture
def template_url(postgres_template: str) -> Iterator[str]:
    with fresh_database(postgres_template) as url:
        yield url


def test_both_backends_have_the_same_migrations() -> None:
    """A table added for one backend is added for the other under the same number."""
    sqlite = [(m.version, m.name) for m in load_migrations(MIGRATIONS)]
    postgresql = [(m.version, m.name) for m in load_migrations(MIGRATIONS_POSTGRESQL)]
    assert sqlite == postgresql


def test_placeholders_become_psycopg_ones_outside_quoted_text() -> None:
    assert translate("SELECT ? WHERE a LIKE '%?' AND b = ?") == (
        "SELECT %s WHERE a LIKE '%%?' AND b = %s"
    )


def test_a_database_url_never_shows_its_password() -> None:
    settings = Settings.from_args(["--database", URL], {})
    assert settings.uses_postgresql and settings.database == URL
    assert "s3cret" not in settings.database_label
    assert settings.database_label == "postgresql://switchboard:***@db.example:5432/chat"
    assert "s3cret" not in repr(PostgresDatabase(URL)) and "s3cret" not in repr(settings)
    assert str(settings.data_dir) == "data"
    assert str(Settings.from_args(["--database", URL, "--data-dir", "/srv/x"], {}).data_dir) == (
        "/srv/x"
    )


@pytest.mark.anyio
async def test_nodes_starting_together_run_each_migration_once() -> None:
    with empty_database() as url:
        nodes = [PostgresDatabase(url, readers=1) for _ in range(4)]
        await asyncio.gather(*(node.open() for node in nodes))
        try:
            assert all([await node.ping() for node in nodes])
        finally:
            await asyncio.gather(*(node.close() for node in nodes))
        with closing(psycopg.connect(url)) as conn:
            applied = conn.execute(
                "SELECT version, count(*) FROM schema_migrations GROUP BY version ORDER BY 1"
            ).fetchall()
    expected = [(m.version, 1) for m in load_migrations(MIGRATIONS_POSTGRESQL)]
    assert applied == expected


# -- event ids: a reader never sees a gap below the head ----------------------------------------


def missing_below_head(reader: psycopg.Connection, head_sql: str, ids_sql: str) -> set[int]:
    """What a replaying socket does: read the head, then every id up to it. Any id in 1..head it
    cannot see is one it would skip for ever."""
    head = reader.execute(head_sql).fetchone()[0] or 0  # type: ignore[index]
    seen = {row[0] for row in reader.execute(ids_sql, (head,)).fetchall()}
    return set(range(1, head + 1)) - seen


def test_the_gap_check_catches_a_naive_sequence(template_url: str) -> None:
    """With a SEQUENCE, the transaction that took id 1 can commit after the one that took 2: a
    reader in between sees 2 but not 1."""
    connect: Callable[[], psycopg.Connection] = lambda: psycopg.connect(  # noqa: E731
        template_url, autocommit=True
    )
    with closing(connect()) as a, closing(connect()) as b, closing(connect()) as reader:
        a.execute("CREATE TABLE naive_events (id BIGSERIAL PRIMARY KEY, body TEXT)")
        a.execute("BEGIN")
        a.execute("INSERT INTO naive_events (body) VALUES ('a')")  # takes id 1, not committed
        b.execute("BEGIN")
        b.execute("INSERT INTO naive_events (body) VALUES ('b')")  # takes id 2
        b.execute("COMMIT")
        missing = missing_below_head(
            reader,
            "SELECT max(id) FROM naive_events",
            "SELECT id FROM naive_events WHERE id <= %s",
        )
        a.execute("COMMIT")
    assert missing == {1}


def test_event_ids_commit_in_order_without_gaps(template_url: str) -> None:
    """Our scheme: a second writer waits on the counter row until the first commits, so the head
    a reader sees never has an id below it still to come."""
    a, b = PgConnection(template_url), PgConnection(template_url)
    a.connect()
    b.connect()
    with closing(psycopg.connect(template_url, autocommit=True)) as reader:

        def check() -> set[int]:
            return missing_below_head(
                reader,
                "SELECT head FROM event_counter WHERE id = 1",
                "SELECT id FROM events WHERE id <= %s",
            )

        def write(conn: PgConnection, done: list[int]) -> None:
            conn.execute("BEGIN")
            conn.execute(LOCK_COUNTER)
            done.append(events.insert_event(conn, "test", None, "{}", None, now_iso()).id)
            conn.execute("COMMIT")

        a.execute("BEGIN")
        a.execute(LOCK_COUNTER)
        first = events.insert_event(a, "test", None, "{}", None, now_iso()).id
        second: list[int] = []
        other = threading.Thread(target=write, args=(b, second))
        other.start()
        other.join(0.5)
        assert other.is_alive() and second == []  # b waits for a's commit
        assert check() == set()
        a.execute("COMMIT")
        other.join(10)
        assert (first, second) == (1, [2])
        assert check() == set()
    assert a.raw and b.raw
    a.raw.close()
    b.raw.close()


# -- two nodes writing to the same conversations --------------------------------------------


def post(session_id: int, content: str, client_id: str) -> Callable[[object], Posted]:
    """A customer's send, as the service writes it: a retry of a stored client_id gets that
    message back; otherwise the message takes the conversation's next seq."""

    def work(conn: object) -> Posted:
        tx = Transaction(conn)  # type: ignore[arg-type]
        session = tx.session(session_id)
        return seen_message(tx, session, client_id) or tx.append(
            session, SenderType.CUSTOMER, content, client_id=client_id
        )

    return work


@pytest.mark.anyio
async def test_two_nodes_writing_at_once_keep_seq_ids_and_client_ids(template_url: str) -> None:
    nodes = [PostgresDatabase(template_url), PostgresDatabase(template_url)]
    for node in nodes:
        await node.open()
    try:
        conversations = [
            await nodes[0].write(
                lambda c, n=n: sessions.insert_session(
                    c, bytes([n]), SessionStatus.QUEUED, None, None, None, now_iso()
                )
            )
            for n in range(3)
        ]
        sends = [
            node.write(post(session_id, f"message {n}", f"client-{session_id}-{n}"))
            for n in range(60)
            for session_id in conversations
            for node in nodes  # each send reaches both nodes: a retry racing its first try
        ]
        posted = await asyncio.wait_for(asyncio.gather(*sends), timeout=60)
        assert sum(p.created for p in posted) == 60 * 3

        def stored(conn: Any) -> tuple[list[tuple[int, int, str]], list[int], int]:
            messages = conn.execute(
                "SELECT session_id, seq, client_id FROM messages ORDER BY session_id, seq"
            ).fetchall()
            ids = [r[0] for r in conn.execute("SELECT id FROM events ORDER BY id").fetchall()]
            return [tuple(m) for m in messages], ids, events.get_event_head(conn)

        messages, ids, head = await nodes[1].read(stored, snapshot=True)
    finally:
        for node in nodes:
            await node.close()
    for session_id in conversations:
        mine = [m for m in messages if m[0] == session_id]
        assert [m[1] for m in mine] == list(range(1, 61))  # seq gap-free
        assert len({m[2] for m in mine}) == 60  # each client_id stored once
    assert ids == list(range(1, head + 1)) and head == 60 * 3


def test_a_node_reconnects_after_the_server_dropped_its_connections(
    template_url: str, tmp_path: Path
) -> None:
    """A restart of PostgreSQL (here: every connection of the node killed) costs at most the
    requests in flight; /healthz and writes work again without restarting the node."""
    settings = Settings(
        database=template_url, data_folder=tmp_path, secret_key="k", ai_enabled=False
    )
    with TestClient(create_app(settings)) as client:
        key = client.post("/api/v1/chat/public/start", json={}).json()["session_key"]
        with closing(psycopg.connect(template_url, autocommit=True)) as admin:
            killed = admin.execute(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
                " WHERE datname = current_database() AND pid <> pg_backend_pid()"
            ).fetchone()
        assert killed is not None and killed[0] >= 3  # the writer and two readers
        answers = [client.get("/healthz").status_code for _ in range(3)]
        assert answers[-1] == 200
        body = {"session_key": key, "content": "still there?"}
        sent = [client.post("/api/v1/chat/public/message", json=body) for _ in range(2)]
        assert sent[-1].status_code == 201


@pytest.mark.anyio
async def test_a_database_from_before_search_gets_its_messages_indexed() -> None:
    with empty_database() as url:
        old = PgConnection(url)
        old.connect()
        assert migrate_postgresql(old, target=3) == 3
        old.execute(
            "INSERT INTO chat_sessions (key_hash, status, customer_name, created_at, updated_at)"
            " VALUES ('\\x01', 'queued', 'Old Timer', 'then', 'then')"
        )
        old.execute(
            "INSERT INTO messages (session_id, seq, sender_type, content, created_at)"
            " VALUES (1, 1, 'customer', 'my gramophone is broken', 'then')"
        )
        assert old.raw is not None
        old.raw.close()
        database = PostgresDatabase(url)
        await database.open()
        try:
            found = await database.read(
                lambda c: search_sessions(c, ["gramophone"], None, None, 10)
            )
        finally:
            await database.close()
    (result,) = found
    assert result.session.customer_name == "Old Timer" and result.session.message_count == 1
    assert [hit.message.content for hit in result.hits] == ["my gramophone is broken"]


def test_create_agent_adds_an_agent_to_a_postgresql_database(
    template_url: str, tmp_path: Path
) -> None:
    environ = {k: v for k, v in os.environ.items() if not k.startswith("SWITCHBOARD_")}
    environ |= {
        "SWITCHBOARD_AGENT_PASSWORD": "Another-pass-1",
        "SWITCHBOARD_DATA_DIR": str(tmp_path),
    }
    done = subprocess.run(
        [sys.executable, str(ROOT / "app.py"), "create-agent", "--email", "New@Example.com"]
        + ["--name", "New One", "--database", template_url],
        cwd=ROOT,
        env=environ,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert credentials() not in done.stdout + done.stderr
    settings = Settings(database=template_url, data_folder=tmp_path, ai_enabled=False)
    with TestClient(create_app(settings)) as client:
        login = {"email": "NEW@example.COM", "password": "Another-pass-1"}
        assert client.post("/api/v1/auth/login", json=login).status_code == 200
