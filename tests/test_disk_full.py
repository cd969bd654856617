"""A full disk: a send that cannot be stored fails in the contract's shape, leaves nothing
behind, is never broadcast, and the server keeps reading and writes again once there is room."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest

from chat.config import Settings
from tests.conftest import ALICE, assert_error
from tests.sockets import Server, Socket, running

# The SQLite file filling its disk: PostgreSQL keeps its own files (tests/conftest.py).
pytestmark = [pytest.mark.anyio, pytest.mark.sqlite_only]
# A message this long fills a page on its own, and its event row holds it twice: storing it
# needs new pages whatever room the pages in use have left.
BIG = "x" * 4000


async def pragma(server: Server, statement: str) -> int:
    """Run a pragma on the writer connection and return its answer.

    Filling a real disk needs root here (a small tmpfs or a loop mount), so SQLite itself is
    made to refuse to grow the file: `max_page_count` near the current size makes the next write
    that needs more pages fail with SQLITE_FULL, "database or disk is full", the very error a
    full disk gives. The pragma belongs to one connection and every write goes through the
    writer, hence the reach into the Database's private `_writer`; nothing else writes meanwhile.
    """
    writer = server.app.state.db._writer
    async with writer.execute(statement) as cursor:
        row = await cursor.fetchone()
    return int(row[0])


def stored(database: Path) -> tuple[int, int, int]:
    """Messages, events and the newest event_id, as another process reads the file."""
    with closing(sqlite3.connect(f"file:{database}?mode=ro", uri=True)) as db:
        messages = db.execute("SELECT count(*) FROM messages").fetchone()[0]
        events, head = db.execute("SELECT count(*), max(id) FROM events").fetchone()
    return messages, events, head


def events_in(frames: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [f for f in frames if f["event_id"] is not None]


def is_new(client_id: str) -> Any:
    def done(frame: dict[str, Any]) -> bool:
        if frame["type"] != "chat.message.new":
            return False
        return frame["data"]["message"]["client_id"] == client_id

    return done


@pytest.mark.parametrize(
    ("headroom", "closed"),
    [(0, False), (2, False), (0, True)],
    # With two pages to spare the seq is taken and the message row fits, then its event row
    # does not; a closed conversation is first reopened and announced, then the message fails.
    ids=["no page to spare", "room for the message not its event", "reopening a closed one"],
)
async def test_a_full_disk_fails_the_send_cleanly_and_the_server_recovers(
    settings: Settings, headroom: int, closed: bool
) -> None:
    async with running(settings) as server:
        token = await server.login(ALICE)
        agent_headers = {"Authorization": f"Bearer {token}"}
        started = await server.start(name="Pat")
        key, session_id = started["session_key"], started["session"]["id"]
        session_url = f"/api/v1/chat/sessions/{session_id}"
        agent = await server.agent_socket(token)
        customer = await server.customer_socket(key)
        await agent.next("connection.ready")
        await customer.next("connection.ready")
        first = await server.say(key, "before the disk filled", "c-before")
        if closed:
            answer = await server.http.post(f"{session_url}/close", headers=agent_headers)
            assert answer.status_code == 200, answer.text
        # A close by an agent ends with its request for a rating (TEAMS.md, satisfaction).
        last = "chat.csat.requested" if closed else "chat.message.new"
        head = (await agent.next(last))["event_id"]
        await customer.next(last)
        before = stored(settings.database)

        assert await pragma(server, "PRAGMA freelist_count") == 0, "no free pages to reuse"
        room = await pragma(server, "PRAGMA max_page_count")
        pages = await pragma(server, "PRAGMA page_count") + headroom
        assert await pragma(server, f"PRAGMA max_page_count = {pages}") == pages

        body = {"session_key": key, "content": BIG, "client_id": "c-rest"}
        answer = await server.http.post("/api/v1/chat/public/message", json=body)
        error = assert_error(answer, 500, "internal")
        assert "disk" not in error["message"].lower(), "no details leak"
        await customer.send("chat.message.send", content=BIG, client_id="c-ws")
        frames = await customer.until(lambda f: f["type"] == "error")
        assert events_in(frames) == [], "nothing of a failed write is broadcast"
        refused = frames[-1]["data"]
        assert (refused["code"], refused["client_id"]) == ("internal", "c-ws")

        # Nothing half-written: the same rows, no seq or event_id used up, and reads still work.
        assert stored(settings.database) == before
        history = await server.http.get(f"/api/v1/chat/public/session/{key}")
        assert history.status_code == 200
        assert history.json()["messages"] == [first]
        session = (await server.http.get(session_url, headers=agent_headers)).json()["session"]
        assert session["message_count"] == 1
        assert session["status"] == ("closed" if closed else "queued")
        health = await server.http.get("/healthz")
        assert (health.status_code, health.json()) == (200, {"status": "ok"})

        await pragma(server, f"PRAGMA max_page_count = {room}")
        to_customer = await send_again_once_there_is_room(server, customer, body)
        if not any(map(is_new("c-ws"), to_customer)):
            to_customer += await customer.until(is_new("c-ws"))
        to_agent = await agent.until(is_new("c-ws"))
        expected = ["chat.session.updated"] * closed + ["chat.message.new"] * 2
        for seen in (to_agent, to_customer):
            # Events go out in order: a broadcast of a rolled-back write would come first.
            news = events_in(seen)
            assert [n["type"] for n in news] == expected
            assert [n["event_id"] for n in news] == list(range(head + 1, head + 1 + len(news)))
            messages = [n["data"]["message"] for n in news if "message" in n["data"]]
            assert [(m["client_id"], m["seq"]) for m in messages] == [("c-rest", 2), ("c-ws", 3)]
        history = await server.http.get(f"/api/v1/chat/public/session/{key}")
        assert [m["seq"] for m in history.json()["messages"]] == [1, 2, 3]
        await agent.close()
        await customer.close()


async def send_again_once_there_is_room(
    server: Server, customer: Socket, body: dict[str, str]
) -> list[dict[str, Any]]:
    """The same client_ids again: stored now as new messages (201, not a replay of something
    half-kept), with the next seq. Returns what the customer's socket got up to its ack."""
    answer = await server.http.post("/api/v1/chat/public/message", json=body)
    assert answer.status_code == 201, answer.text
    assert answer.json()["message"]["seq"] == 2
    await customer.send("chat.message.send", content=BIG, client_id="c-ws")
    frames = await customer.until(lambda f: f["type"] == "chat.message.ack")
    ack = frames[-1]["data"]
    assert (ack["client_id"], ack["message"]["seq"]) == ("c-ws", 3)
    return frames
