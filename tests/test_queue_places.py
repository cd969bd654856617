"""A session read takes its place in the queue from the queue's order, read once per change of
the queue (migration 0016's token), not counted on every read (issue #24). The places must be
the counted ones after every kind of change, a rolled-back one included, on both backends."""

from __future__ import annotations

import random
import sqlite3

import pytest

from chat.models import SessionStatus
from chat.storage import queue, sessions
from chat.storage.database import Database

pytestmark = pytest.mark.anyio
NOW = "2026-12-01T00:00:00.000Z"


def read_places(conn: sqlite3.Connection, ids: list[int]) -> tuple[list[object], list[object]]:
    """(each session read's place, each counted place)."""
    read = []
    for session_id in ids:
        found = sessions.get_session(conn, session_id)
        assert found is not None
        read.append(found.queue_position)
    return read, [queue.place(conn, session_id) for session_id in ids]


def change(conn: sqlite3.Connection, ids: list[int], rng: random.Random) -> None:
    """One change of the queue: a conversation queued at the back or the front, one taken by an
    agent, or one closed."""
    session_id = rng.choice(ids)
    found = sessions.get_session(conn, session_id)
    assert found is not None
    if found.status is SessionStatus.QUEUED and rng.random() < 0.5:
        status = rng.choice([SessionStatus.ACTIVE, SessionStatus.CLOSED])
        sessions.update_session_status(conn, session_id, status, None, NOW)
    else:
        queue.enter_queue(conn, session_id, NOW, front=rng.random() < 0.3)


async def test_every_read_place_is_the_counted_one_through_every_change(db: Database) -> None:
    rng = random.Random(24)

    def seed(conn: sqlite3.Connection) -> list[int]:
        ids = [
            sessions.insert_session(
                conn, rng.randbytes(32), SessionStatus.BOT, f"v{n}", None, None, NOW
            )
            for n in range(30)
        ]
        for session_id in ids[:20]:
            queue.enter_queue(conn, session_id, NOW, front=False)
        return ids

    ids = await db.write(seed)
    for _ in range(40):
        await db.write(lambda conn: change(conn, ids, rng))
        read, counted = await db.read(lambda conn: read_places(conn, ids))
        assert read == counted
        # and inside the writer's transaction, right after a change it made itself
        read, counted = await db.write(
            lambda conn: (change(conn, ids, rng), read_places(conn, ids))[1]
        )
        assert read == counted
    assert any(place is not None and place > 1 for place in counted)


async def test_a_rolled_back_change_leaves_the_places_as_they_were(db: Database) -> None:
    def seed(conn: sqlite3.Connection) -> list[int]:
        ids = [
            sessions.insert_session(conn, bytes([n]) * 32, SessionStatus.BOT, None, None, None, NOW)
            for n in range(1, 4)
        ]
        for session_id in ids:
            queue.enter_queue(conn, session_id, NOW, front=False)
        return ids

    ids = await db.write(seed)
    assert (await db.read(lambda conn: read_places(conn, ids)))[0] == [1, 2, 3]

    def take_first_then_fail(conn: sqlite3.Connection) -> None:
        sessions.update_session_status(conn, ids[0], SessionStatus.ACTIVE, None, NOW)
        assert [s.queue_position for s in map(lambda i: sessions.get_session(conn, i), ids)] == [
            None,
            1,
            2,
        ]
        raise RuntimeError("rolled back")

    with pytest.raises(Exception):  # noqa: B017 - the writer reports it as StorageFailed
        await db.write(take_first_then_fail)
    assert (await db.read(lambda conn: read_places(conn, ids)))[0] == [1, 2, 3]
    assert (await db.write(lambda conn: read_places(conn, ids)))[0] == [1, 2, 3]


async def test_reads_without_a_change_read_the_queue_once(db: Database) -> None:
    """What makes a post cheap with a long queue: a second read of the same queue is a lookup."""

    def seed(conn: sqlite3.Connection) -> list[int]:
        ids = [
            sessions.insert_session(
                conn, bytes([n]) * 32, SessionStatus.QUEUED, None, None, None, NOW
            )
            for n in range(1, 6)
        ]
        for session_id in ids:
            queue.enter_queue(conn, session_id, NOW, front=False)
        return ids

    ids = await db.write(seed)
    await db.write(lambda conn: read_places(conn, ids))
    before = queue.PLACES.reads
    for _ in range(3):
        assert (await db.write(lambda conn: read_places(conn, ids)))[0] == [1, 2, 3, 4, 5]
    assert queue.PLACES.reads == before
    await db.write(lambda conn: queue.enter_queue(conn, ids[4], NOW, front=True))
    assert (await db.write(lambda conn: read_places(conn, ids)))[0] == [2, 3, 4, 5, 1]
    assert queue.PLACES.reads == before + 1
