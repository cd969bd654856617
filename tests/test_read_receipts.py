"""Read receipts: each side's read mark over REST and sockets, as events, and on resume."""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from chat.config import Settings
from chat.models import now_iso
from chat.storage.database import Database, connect
from chat.storage.migrate import migrate
from chat.wire import MAX_ID
from tests.conftest import ALICE, BOB, ROOMY
from tests.sockets import Server, Socket, running

pytestmark = pytest.mark.anyio

API = "/api/v1"
TIME = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z")
BAD_SEQS: list[Any] = ["2", 2.0, 1.5, True, None, -1, MAX_ID + 1, 10**30, [1], {"seq": 1}]


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def agent_reads(server: Server, token: str, session_id: int, seq: Any) -> Any:
    return await server.http.post(
        f"{API}/chat/sessions/{session_id}/read", json={"seq": seq}, headers=auth(token)
    )


async def customer_reads(server: Server, key: str, seq: Any) -> Any:
    return await server.http.post(f"{API}/chat/public/read", json={"session_key": key, "seq": seq})


async def agent_replies(server: Server, token: str, session_id: int, content: str) -> dict:
    answer = await server.http.post(
        f"{API}/chat/messages",
        json={"session_id": session_id, "content": content},
        headers=auth(token),
    )
    assert answer.status_code == 201, answer.text
    return answer.json()["message"]


async def marks(server: Server, token: str, session_id: int) -> tuple[int, int]:
    """(customer_read_seq, agent_read_seq) as the agent API tells them."""
    answer = await server.http.get(f"{API}/chat/sessions/{session_id}", headers=auth(token))
    session = answer.json()["session"]
    return session["customer_read_seq"], session["agent_read_seq"]


async def ready(socket: Socket) -> dict:
    return await socket.next("connection.ready")


# Presence frames may arrive at any time (an agent's socket opening flips availability).
PRESENCE = ("chat.availability", "agent.presence")


async def error_code(socket: Socket) -> str:
    """The code of the next frame that is not presence news, which must be an error."""
    frame = await socket.recv()
    while frame["type"] in PRESENCE:
        frame = await socket.recv()
    assert frame["type"] == "error" and frame["event_id"] is None, frame
    return frame["data"]["code"]


async def test_an_agent_reading_is_stored_and_seen_by_the_customer_and_every_agent(
    settings: Settings,
) -> None:
    async with running(settings) as server:
        alice, bob = await server.login(ALICE), await server.login(BOB)
        started = await server.start(name="Pat")
        key, session_id = started["session_key"], started["session"]["id"]
        assert started["session"]["agent_read_seq"] == 0
        assert started["session"]["customer_read_seq"] == 0
        await server.say(key, "Hello?")
        await server.say(key, "Anyone there?")
        customer, bobs = await server.customer_socket(key), await server.agent_socket(bob)
        ready_data = (await ready(customer))["data"]
        assert ready_data["session"]["agent_read_seq"] == 0
        await ready(bobs)
        before = await server.http.get(f"{API}/chat/sessions/{session_id}", headers=auth(bob))
        before_session = before.json()["session"]

        answer = await agent_reads(server, alice, session_id, 2)
        assert answer.status_code == 200, answer.text
        session = answer.json()["session"]
        assert (session["agent_read_seq"], session["customer_read_seq"]) == (2, 0)
        assert session["customer_email"] is None and "status" in session  # the agent view

        told = await customer.next("chat.read")
        assert isinstance(told["event_id"], int)
        assert told["data"]["read_at"] == told["ts"] and TIME.fullmatch(told["ts"])
        assert told["data"] == {
            "session_id": session_id,
            "reader": "agent",
            "seq": 2,
            "agent": None,  # the customer sees "Seen", not who looked
            "read_at": told["ts"],
        }
        seen_by_bob = await bobs.next("chat.read")
        assert seen_by_bob["event_id"] == told["event_id"]
        assert seen_by_bob["data"]["agent"]["name"] == "Alice Agent"
        assert seen_by_bob["data"]["reader"] == "agent" and seen_by_bob["data"]["seq"] == 2

        assert await marks(server, bob, session_id) == (0, 2)
        public = (await server.http.get(f"{API}/chat/public/session/{key}")).json()["session"]
        assert (public["customer_read_seq"], public["agent_read_seq"]) == (0, 2)
        # Reading is not activity: the conversation keeps its place in the inbox.
        assert session["updated_at"] == before_session["updated_at"]
        assert session == {**before_session, "agent_read_seq": 2}
        # The next message's session view carries the mark along.
        await server.say(key, "Thanks for looking")
        new = await customer.next("chat.message.new")
        assert new["data"]["session"]["agent_read_seq"] == 2


async def test_the_customer_reads_over_its_socket_and_the_agents_hear_it(
    settings: Settings,
) -> None:
    async with running(settings) as server:
        alice = await server.login(ALICE)
        started = await server.start(name="Pat")
        key, session_id = started["session_key"], started["session"]["id"]
        await server.say(key, "Question")
        await agent_replies(server, alice, session_id, "Answer")
        customer, agent = await server.customer_socket(key), await server.agent_socket(alice)
        await ready(customer)
        await ready(agent)

        await customer.send("chat.read", seq=2)
        heard = await agent.next("chat.read")
        assert heard["data"] == {
            "session_id": session_id,
            "reader": "customer",
            "seq": 2,
            "agent": None,
            "read_at": heard["ts"],
        }
        own = await customer.next("chat.read")  # its other tabs learn it too
        assert own["event_id"] == heard["event_id"]
        assert await marks(server, alice, session_id) == (2, 0)

        # The same seq again, and an older one, change nothing and send nothing: the next frame
        # the agent gets is the customer's next message.
        await customer.send("chat.read", seq=2)
        await customer.send("chat.read", seq=1, session_id=session_id)  # its own id is fine
        answer = await customer_reads(server, key, 1)
        assert answer.status_code == 200
        assert answer.json()["session"]["customer_read_seq"] == 2
        assert "customer_email" not in answer.json()["session"]  # the public view
        await server.say(key, "One more thing")
        assert (await agent.recv())["type"] == "chat.message.new"
        assert await marks(server, alice, session_id) == (2, 0)


async def test_a_mark_is_clamped_to_the_newest_message_and_only_moves_forward(
    settings: Settings,
) -> None:
    async with running(settings) as server:
        alice = await server.login(ALICE)
        started = await server.start()
        key, session_id = started["session_key"], started["session"]["id"]
        empty = await agent_reads(server, alice, session_id, 5)  # nothing to read yet
        assert empty.status_code == 200 and empty.json()["session"]["agent_read_seq"] == 0
        for n in range(3):
            await server.say(key, f"line {n}")
        agent = await server.agent_socket(alice)
        await ready(agent)

        answer = await agent_reads(server, alice, session_id, MAX_ID)
        assert answer.json()["session"]["agent_read_seq"] == 3
        assert (await agent.next("chat.read"))["data"]["seq"] == 3
        for seq in (0, 1, 3, 99):
            answer = await agent_reads(server, alice, session_id, seq)
            assert answer.status_code == 200 and answer.json()["session"]["agent_read_seq"] == 3
        answer = await customer_reads(server, key, 10**9)
        assert answer.json()["session"]["customer_read_seq"] == 3
        assert (await agent.recv())["data"]["reader"] == "customer"  # no agent read in between
        await server.say(key, "line 3")
        await agent.send("chat.read", session_id=session_id, seq=4)
        frames = await agent.until(lambda f: f["type"] == "chat.read")
        assert [f["type"] for f in frames] == ["chat.message.new", "chat.read"]
        assert frames[-1]["data"]["seq"] == 4
        assert await marks(server, alice, session_id) == (3, 4)


async def test_bad_read_requests_are_refused_and_move_nothing(settings: Settings) -> None:
    async with running(settings) as server:
        alice = await server.login(ALICE)
        started, other = await server.start(), await server.start()
        key, session_id = started["session_key"], started["session"]["id"]
        await server.say(key, "hello")
        await server.say(other["session_key"], "hello from elsewhere")
        for seq in BAD_SEQS:
            answer = await customer_reads(server, key, seq)
            assert answer.status_code == 422, (seq, answer.text)
            assert answer.json()["error"]["code"] == "invalid_request"
            answer = await agent_reads(server, alice, session_id, seq)
            assert answer.status_code == 422, (seq, answer.text)
        missing_seq = await server.http.post(f"{API}/chat/public/read", json={"session_key": key})
        assert missing_seq.status_code == 422
        for bad_key in ("", 7, None):
            answer = await server.http.post(
                f"{API}/chat/public/read", json={"session_key": bad_key, "seq": 1}
            )
            assert answer.status_code == 422, bad_key
        assert (await customer_reads(server, key + "x", 1)).status_code == 404
        not_json = await server.http.post(
            f"{API}/chat/public/read", content=b"seq=1", headers={"content-type": "text/plain"}
        )
        assert not_json.status_code == 400
        for path_id in (other["session"]["id"] + 1, "0", "-1", "abc", "9" * 30):
            assert (await agent_reads(server, alice, path_id, 1)).status_code == 404, path_id

        # A customer cannot speak for the agents: its key is no credential for the agent API.
        url = f"{API}/chat/sessions/{session_id}/read"
        for headers in ({}, {"Authorization": f"Bearer {key}"}):
            answer = await server.http.post(url, json={"seq": 1}, headers=headers)
            assert answer.status_code == 401
        assert await marks(server, alice, session_id) == (0, 0)


async def test_bad_read_frames_get_an_error_and_a_customer_marks_only_its_own_side(
    settings: Settings,
) -> None:
    async with running(settings) as server:
        alice = await server.login(ALICE)
        started, other = await server.start(), await server.start()
        key, session_id = started["session_key"], started["session"]["id"]
        other_id = other["session"]["id"]
        await server.say(key, "hello")
        await server.say(other["session_key"], "hello from elsewhere")
        customer, agent = await server.customer_socket(key), await server.agent_socket(alice)
        await ready(customer)
        await ready(agent)

        for seq in BAD_SEQS:
            await customer.send("chat.read", seq=seq)
            assert await error_code(customer) == "invalid_request", seq
            await agent.send("chat.read", session_id=session_id, seq=seq)
            assert await error_code(agent) == "invalid_request", seq
        await customer.send("chat.read")
        assert await error_code(customer) == "invalid_request"
        for named in (None, 0, "1", other_id + 1):  # an agent must name an existing conversation
            await agent.send("chat.read", seq=1, **({} if named is None else {"session_id": named}))
            assert await error_code(agent) in ("invalid_request", "not_found"), named
        await customer.send("chat.read", seq=1, session_id=other_id)
        assert await error_code(customer) == "forbidden"
        assert await marks(server, alice, other_id) == (0, 0)

        # "reader" is not the client's to choose: the customer's socket moves the customer's mark.
        await customer.send("chat.read", seq=1, reader="agent")
        frame = await agent.next("chat.read")
        assert frame["data"]["reader"] == "customer" and frame["data"]["session_id"] == session_id
        assert await marks(server, alice, session_id) == (1, 0)
        assert await marks(server, alice, other_id) == (0, 0)


async def test_read_frames_count_against_the_sockets_frame_limit(settings: Settings) -> None:
    settings = replace(settings, limits=replace(ROOMY, socket_frames_per_10s=5))
    async with running(settings) as server:
        started = await server.start()
        key = started["session_key"]
        await server.say(key, "hello")
        customer = await server.customer_socket(key)
        await ready(customer)
        for _ in range(5):
            await customer.send("chat.read", seq=1)
        await customer.send("chat.read", seq=1)
        frames = await customer.until(lambda f: f["type"] == "error")
        assert [f["type"] for f in frames] == ["chat.read", "error"]  # one advance, then refused
        assert frames[-1]["data"]["code"] == "rate_limited"
        assert frames[-1]["data"]["retry_after"] >= 1


async def test_resume_replays_the_read_marks_missed_meanwhile(settings: Settings) -> None:
    async with running(settings) as server:
        alice = await server.login(ALICE)
        started = await server.start()
        key, session_id = started["session_key"], started["session"]["id"]
        await server.say(key, "hello")
        await agent_replies(server, alice, session_id, "hi")
        agent, customer = await server.agent_socket(alice), await server.customer_socket(key)
        await ready(agent)
        await ready(customer)
        await server.say(key, "are you there?")
        k_agent = (await agent.next("chat.message.new"))["event_id"]
        k_customer = (await customer.next("chat.message.new"))["event_id"]
        await agent.close()
        await customer.close()

        assert (await customer_reads(server, key, 2)).status_code == 200
        assert (await agent_reads(server, alice, session_id, 3)).status_code == 200
        agent = await server.agent_socket(alice, last_event_id=k_agent)
        frames = await agent.until(lambda f: f["type"] == "connection.ready")
        replayed = [(f["data"]["reader"], f["data"]["seq"]) for f in frames[:-1]]
        assert replayed == [("customer", 2), ("agent", 3)]
        assert frames[-1]["data"]["resumed"] is True

        customer = await server.customer_socket(key, last_event_id=k_customer)
        frames = await customer.until(lambda f: f["type"] == "connection.ready")
        replayed, ready_frame = frames[:-1], frames[-1]
        assert [f["data"] for f in replayed] == [
            {
                "session_id": session_id,
                "reader": "customer",
                "seq": 2,
                "agent": None,
                "read_at": replayed[0]["ts"],
            },
            {
                "session_id": session_id,
                "reader": "agent",
                "seq": 3,
                "agent": None,
                "read_at": replayed[1]["ts"],
            },
        ]
        assert ready_frame["data"]["session"]["agent_read_seq"] == 3


async def test_a_database_from_before_read_receipts_starts_with_nothing_read(
    tmp_path: Path,
) -> None:
    path = tmp_path / "old.db"
    conn = await connect(path, "FULL")
    try:
        assert await migrate(conn, target=3) == 3
        await conn.execute(
            "INSERT INTO chat_sessions (key_hash, status, created_at, updated_at)"
            " VALUES (x'00', 'queued', ?, ?)",
            (now_iso(), now_iso()),
        )
        await conn.commit()
        await migrate(conn)
    finally:
        await conn.close()
    database = Database(path)
    await database.open()
    try:
        rows = await database.read(
            lambda c: c.execute(
                "SELECT customer_read_seq, agent_read_seq FROM chat_sessions"
            ).fetchall()
        )
        assert [tuple(row) for row in rows] == [(0, 0)]
    finally:
        await database.close()
