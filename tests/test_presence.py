"""Agent presence over real sockets: who is available, busy or offline, and what customers hear."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from typing import Any

import pytest
from starlette.testclient import TestClient

from chat.config import Settings
from chat.service import AWAY_NOTE, HANDOFF_NOTE
from tests.conftest import ALICE, BOB, assert_error, login
from tests.sockets import Server, Socket, running
from tests.test_auth_pages import log_in

pytestmark = pytest.mark.anyio
BOB_NAME = "Bob Agent"
TEAM = {"Admin": "offline", "Alice Agent": "offline", "Bob Agent": "offline"}


def grace(settings: Settings, seconds: float) -> Settings:
    return replace(settings, presence_grace=seconds)


async def agent(server: Server, email: str) -> tuple[Socket, dict[str, Any], dict[str, str]]:
    """An agent's socket, its connection.ready data and the agent's Authorization header."""
    token = await server.login(email)
    sock = await server.agent_socket(token)
    ready = await sock.next("connection.ready")
    return sock, ready["data"], {"Authorization": f"Bearer {token}"}


async def customer(server: Server) -> tuple[Socket, dict[str, Any], dict[str, Any]]:
    started = await server.start(name="Pat")
    sock = await server.customer_socket(started["session_key"])
    ready = await sock.next("connection.ready")
    return sock, ready["data"], started


def team(entries: list[dict[str, Any]]) -> dict[str, str]:
    return {entry["agent"]["name"]: entry["status"] for entry in entries}


async def presence_of(sock: Socket, name: str) -> str:
    """The status in the next `agent.presence` frame about `name` (others are skipped)."""
    while True:
        frame = await sock.next("agent.presence", timeout=10)
        assert set(frame["data"]) == {"agent", "status"} and frame["event_id"] is None
        assert set(frame["data"]["agent"]) == {"id", "name"}
        if frame["data"]["agent"]["name"] == name:
            return frame["data"]["status"]


async def availability(sock: Socket) -> bool:
    frame = await sock.next("chat.availability", timeout=10)
    assert frame["event_id"] is None
    return frame["data"]["agents_available"]


async def test_connection_ready_holds_the_team_and_whether_anyone_is_available(
    settings: Settings,
) -> None:
    async with running(settings) as server:
        pat, ready, _ = await customer(server)
        assert ready["agents_available"] is False
        answer = await server.http.get("/api/v1/chat/public/availability")
        assert answer.json() == {"agents_available": False}

        alice, alice_ready, headers = await agent(server, ALICE)
        assert team(alice_ready["presence"]) == {**TEAM, "Alice Agent": "available"}
        assert await availability(pat) is True
        assert (await server.http.get("/api/v1/chat/public/availability")).json() == {
            "agents_available": True
        }
        listed = await server.http.get("/api/v1/agents/presence", headers=headers)
        assert listed.status_code == 200
        assert team(listed.json()["agents"]) == {**TEAM, "Alice Agent": "available"}

        # A new customer socket is told the current state in its own connection.ready.
        _, later, _ = await customer(server)
        assert later["agents_available"] is True
        heard = [f["type"] for f in await alice.quiet(0.3)]
        assert "agent.presence" not in heard, "her own arrival is not announced back to her"


async def test_busy_and_available_reach_the_team_and_customers_hear_only_the_flips(
    settings: Settings,
) -> None:
    async with running(settings) as server:
        pat, _, _ = await customer(server)
        alice, _, alice_auth = await agent(server, ALICE)
        assert await availability(pat) is True
        bob, bob_ready, bob_auth = await agent(server, BOB)
        assert team(bob_ready["presence"])["Alice Agent"] == "available"
        assert await presence_of(alice, "Bob Agent") == "available"

        # Alice goes Busy over REST: Bob sees it; Bob is still available, so customers hear nothing.
        answer = await server.http.post(
            "/api/v1/agents/me/presence", json={"status": "busy"}, headers=alice_auth
        )
        assert answer.status_code == 200
        assert answer.json()["agent"]["name"] == "Alice Agent"
        assert answer.json()["status"] == "busy"
        assert await presence_of(bob, "Alice Agent") == "busy"
        assert await presence_of(alice, "Alice Agent") == "busy", "her other tabs follow"

        # Bob goes Busy over his socket: now nobody is available, and customers are told.
        await bob.send("agent.presence.set", status="busy")
        assert await presence_of(alice, "Bob Agent") == "busy"
        assert await availability(pat) is False
        assert [f["type"] for f in await pat.quiet(0.3)] == []

        # Bob is back: customers hear the flip once.
        answer = await server.http.post(
            "/api/v1/agents/me/presence", json={"status": "available"}, headers=bob_auth
        )
        assert answer.json()["status"] == "available"
        assert await availability(pat) is True
        listed = await server.http.get("/api/v1/agents/presence", headers=bob_auth)
        assert team(listed.json()["agents"]) == {
            **TEAM,
            "Alice Agent": "busy",
            "Bob Agent": "available",
        }


async def test_an_agent_goes_offline_only_after_the_grace_period(settings: Settings) -> None:
    async with running(grace(settings, 3)) as server:
        pat, _, _ = await customer(server)
        alice, _, alice_auth = await agent(server, ALICE)
        bob, _, _ = await agent(server, BOB)
        assert await presence_of(alice, "Bob Agent") == "available"
        await alice.send("agent.presence.set", status="busy")
        assert await presence_of(alice, "Alice Agent") == "busy"

        await bob.close()
        # Within the grace period Bob still shows as he was, and customers still have him.
        listed = await server.http.get("/api/v1/agents/presence", headers=alice_auth)
        assert team(listed.json()["agents"])["Bob Agent"] == "available"
        assert await presence_of(alice, "Bob Agent") == "offline"
        listed = await server.http.get("/api/v1/agents/presence", headers=alice_auth)
        assert team(listed.json()["agents"])["Bob Agent"] == "offline"
        flips = [f for f in await pat.quiet(0.3) if f["type"] == "chat.availability"]
        assert [f["data"]["agents_available"] for f in flips] in ([False], [True, False])


async def test_a_reconnect_within_the_grace_period_shows_no_flap(settings: Settings) -> None:
    seconds = 2.0
    async with running(grace(settings, seconds)) as server:
        pat, _, _ = await customer(server)
        alice, _, _ = await agent(server, ALICE)
        bob, _, _ = await agent(server, BOB)
        assert await presence_of(alice, "Bob Agent") == "available"
        await availability(pat)

        await bob.close()
        bob, _, _ = await agent(server, BOB)  # a reload: the new socket is open within the grace
        await asyncio.sleep(seconds + 1)  # past the grace period of the closed socket
        await bob.send("agent.presence.set", status="busy")
        # The next word about Bob is his own choice: no offline, no second "available".
        assert await presence_of(alice, "Bob Agent") == "busy"
        assert [f["type"] for f in await pat.quiet(0.3)] == []


async def test_the_chosen_status_is_kept_while_offline_and_across_a_restart(
    settings: Settings,
) -> None:
    async with running(settings) as server:
        token = await server.login(BOB)
        auth = {"Authorization": f"Bearer {token}"}
        answer = await server.http.post(
            "/api/v1/agents/me/presence", json={"status": "busy"}, headers=auth
        )
        # Without a socket Bob is offline to the others; his choice waits for his first socket.
        assert answer.json()["agent"]["name"] == "Bob Agent"
        assert answer.json()["status"] == "offline"
    async with running(settings) as server:
        alice, _, _ = await agent(server, ALICE)
        _, ready, _ = await agent(server, BOB)
        assert team(ready["presence"])["Bob Agent"] == "busy"
        assert await presence_of(alice, "Bob Agent") == "busy"


async def test_the_handoff_note_promises_a_person_only_when_one_is_available(
    settings: Settings,
) -> None:
    # With the AI answering first a conversation starts as `bot`, so a handoff queues it.
    async with running(replace(settings, ai_enabled=True)) as server:
        _, _, nobody = await customer(server)
        answer = await server.http.post(
            "/api/v1/chat/public/handoff", json={"session_key": nobody["session_key"]}
        )
        assert answer.status_code == 200
        key = nobody["session_key"]
        history = (await server.http.get(f"/api/v1/chat/public/session/{key}")).json()
        assert [m["content"] for m in history["messages"]] == [AWAY_NOTE]
        assert "reply as soon as someone is back" in AWAY_NOTE

        alice, _, _ = await agent(server, ALICE)
        _, _, someone = await customer(server)
        key = someone["session_key"]
        await server.http.post("/api/v1/chat/public/handoff", json={"session_key": key})
        history = (await server.http.get(f"/api/v1/chat/public/session/{key}")).json()
        assert [m["content"] for m in history["messages"]] == [HANDOFF_NOTE]


async def test_bad_presence_frames_are_refused_on_the_socket(settings: Settings) -> None:
    async with running(settings) as server:
        alice, _, _ = await agent(server, ALICE)
        for status in ["offline", "away", None, 1]:
            await alice.send("agent.presence.set", status=status)
            error = await alice.next("error")
            assert error["data"]["code"] == "invalid_request"
        pat, _, _ = await customer(server)
        await pat.send("agent.presence.set", status="busy")
        error = await pat.next("error")
        assert error["data"]["code"] == "invalid_request", "a customer has no presence"
        listed = await server.http.get(
            "/api/v1/agents/presence",
            headers={"Authorization": f"Bearer {await server.login(BOB)}"},
        )
        assert team(listed.json()["agents"])["Alice Agent"] == "available"


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"status": "offline"}, 422, "invalid_request"),
        ({"status": "away"}, 422, "invalid_request"),
        ({"status": "BUSY"}, 422, "invalid_request"),
        ({}, 422, "invalid_request"),
        ({"status": ["busy"]}, 422, "invalid_request"),
        ([], 422, "invalid_request"),
        ("not json", 400, "invalid_request"),
    ],
)
def test_setting_presence_refuses_bad_input(
    client: TestClient, body: object, status: int, code: str
) -> None:
    headers = login(client, ALICE)
    if isinstance(body, str):
        answer = client.post("/api/v1/agents/me/presence", content=body, headers=headers)
    else:
        answer = client.post("/api/v1/agents/me/presence", json=body, headers=headers)
    error = assert_error(answer, status, code)
    if body == {"status": "offline"}:
        assert "offline" in error["message"]
    assert client.get("/api/v1/agents/presence", headers=headers).status_code == 200


def test_presence_needs_an_agent_and_a_cookie_needs_our_origin(client: TestClient) -> None:
    assert_error(client.get("/api/v1/agents/presence"), 401, "unauthorized")
    assert_error(
        client.post("/api/v1/agents/me/presence", json={"status": "busy"}), 401, "unauthorized"
    )
    bad = {"Authorization": "Bearer not-a-token"}
    assert_error(client.get("/api/v1/agents/presence", headers=bad), 401, "unauthorized")
    # The public answer is a bool and nothing else: no names, no count.
    assert client.get("/api/v1/chat/public/availability").json() == {"agents_available": False}

    assert log_in(client).status_code == 303  # the login cookie, as the agent page has it
    url = "/api/v1/agents/me/presence"
    evil = client.post(url, json={"status": "busy"}, headers={"origin": "https://evil.example"})
    assert_error(evil, 403, "forbidden")
    own = client.post(url, json={"status": "busy"}, headers={"origin": "http://testserver"})
    assert own.status_code == 200 and own.json()["agent"]["name"] == "Alice Agent"


async def test_a_removed_agent_leaves_the_team_at_once(settings: Settings) -> None:
    """Deactivating Bob tells the others straight away (no grace period) that he is gone."""
    async with running(grace(settings, 30)) as server:
        alice, _, _ = await agent(server, ALICE)
        bob, ready, _ = await agent(server, BOB)
        assert await presence_of(alice, "Bob Agent") == "available"
        bob_id = next(e["agent"]["id"] for e in ready["presence"] if e["agent"]["name"] == BOB_NAME)
        admin = {"Authorization": f"Bearer {await server.login('admin@callcenter.com')}"}
        removed = await server.http.post(f"/api/v1/agents/{bob_id}/deactivate", headers=admin)
        assert removed.status_code == 200, removed.text
        frame = await alice.next("agent.presence", timeout=5)  # long before the 30 s grace
        assert frame["data"] == {
            "agent": {"id": bob_id, "name": BOB_NAME},
            "status": "offline",
            "removed": True,
        }
        assert await bob.closed_with() == 4401
        listed = await server.http.get("/api/v1/agents/presence", headers=admin)
        assert BOB_NAME not in team(listed.json()["agents"])
        assert await alice.quiet(0.5) == []  # Bob's closing socket announces nothing more


async def test_whom_routing_may_choose_follows_every_change_of_presence() -> None:
    """The board keeps the set of Available agents that every write asks for; it must change
    with each connect, choice, removal and the grace's end, or routing picks the wrong one."""
    from chat.hub import Hub
    from chat.hub.presence import PresenceBoard
    from chat.models import Agent, Presence, Role

    def member(n: int, presence: Presence = Presence.AVAILABLE) -> Agent:
        return Agent(n, f"Agent {n}", f"a{n}@example.com", Role.AGENT, "x", True, presence)

    board = PresenceBoard(Hub(), grace=0.01)
    assert board.available_ids() == frozenset()
    board.connect(member(1), "s1")
    assert board.available_ids() == {1}
    board.connect(member(2, Presence.BUSY), "s2")
    assert board.available_ids() == {1}
    board.choose(member(2))
    assert board.available_ids() == {1, 2}
    board.choose(member(1, Presence.BUSY))
    assert board.available_ids() == {2}
    board.remove(member(2))
    assert board.available_ids() == frozenset() and not board.agents_available
    board.choose(member(1))
    assert board.available_ids() == {1}
    board.disconnect(1)
    assert board.available_ids() == {1}  # within the grace
    await asyncio.sleep(0.05)
    assert board.available_ids() == frozenset()
