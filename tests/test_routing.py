"""Routing and the queue (TEAMS.md, issue #17), through the API and real sockets on a real
server, on both backends: modes and capacity, a fair first-in-first-out queue under concurrent
handoffs, capacity freed by closes, presence and raised capacities, offline agents giving their
conversations back, reopening, transfers with a private note, Accept next, auto-close, and what
the visitor is told of their place."""

from __future__ import annotations

import asyncio
from contextlib import asynccontextmanager
from dataclasses import replace
from typing import Any

import pytest

from chat.config import Settings
from tests.conftest import ADMIN, ALICE, BOB
from tests.database_sql import run_sql
from tests.sockets import Server, Socket, running

pytestmark = pytest.mark.anyio
API = "/api/v1"


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


class Team:
    """The server, the admin's header, and Alice and Bob: their tokens, ids and sockets."""

    def __init__(self, server: Server, admin: str, alice: str, bob: str) -> None:
        self.server = server
        self.http = server.http
        self.admin = bearer(admin)
        self.alice = bearer(alice)
        self.bob = bearer(bob)
        self.ids: dict[str, int] = {}
        self.sockets: dict[str, Socket] = {}

    async def routing(self, **changes: Any) -> dict[str, Any]:
        config = (await self.http.get(f"{API}/settings/routing", headers=self.admin)).json()
        answer = await self.http.put(
            f"{API}/settings/routing", json={**config, **changes}, headers=self.admin
        )
        assert answer.status_code == 200, answer.text
        return answer.json()

    async def capacity(self, who: str, capacity: int | None) -> None:
        answer = await self.http.patch(
            f"{API}/agents/{self.ids[who]}", json={"capacity": capacity}, headers=self.admin
        )
        assert answer.status_code == 200, answer.text

    async def online(self, who: str) -> Socket:
        """`who` opens the agent page's socket: online, as Available as they chose."""
        token = self.alice if who == "alice" else self.bob
        socket = await self.server.agent_socket(token["Authorization"][7:])
        await socket.next("connection.ready")
        self.sockets[who] = socket
        return socket

    async def presence(self, who: str, status: str) -> None:
        headers = self.alice if who == "alice" else self.bob
        answer = await self.http.post(
            f"{API}/agents/me/presence", json={"status": status}, headers=headers
        )
        assert answer.status_code == 200, answer.text

    async def visitor(self, name: str) -> dict[str, Any]:
        """A visitor asks for a person (the AI is off: a new conversation waits for one)."""
        return await self.server.start(name=name)

    async def session(self, session_id: int) -> dict[str, Any]:
        answer = await self.http.get(f"{API}/chat/sessions/{session_id}", headers=self.admin)
        return answer.json()["session"]

    async def queue(self, who: str = "alice") -> dict[str, Any]:
        headers = self.alice if who == "alice" else self.bob
        answer = await self.http.get(f"{API}/chat/queue", headers=headers)
        assert answer.status_code == 200, answer.text
        return answer.json()

    async def close(self, session_id: int, who: str = "admin") -> dict[str, Any]:
        headers = {"admin": self.admin, "alice": self.alice, "bob": self.bob}[who]
        answer = await self.http.post(f"{API}/chat/sessions/{session_id}/close", headers=headers)
        assert answer.status_code == 200, answer.text
        return answer.json()["session"]

    async def holder(self, session_id: int) -> str | None:
        session = await self.session(session_id)
        agent = session["assigned_agent"] if session["status"] == "active" else None
        return None if agent is None else {v: k for k, v in self.ids.items()}[agent["id"]]


@asynccontextmanager
async def team(settings: Settings, **more: Any):
    async with running(replace(settings, **more)) as server:
        crew = Team(
            server, await server.login(ADMIN), await server.login(ALICE), await server.login(BOB)
        )
        for who, headers in (("alice", crew.alice), ("bob", crew.bob)):
            me = await server.http.get(f"{API}/auth/me", headers=headers)
            crew.ids[who] = me.json()["agent"]["id"]
        try:
            yield crew
        finally:
            for socket in crew.sockets.values():
                await socket.close()


async def eventually(check: Any, within: float = 5.0) -> Any:
    """Poll `check()` until it returns something truthy (routing's housekeeping runs each
    second); fail with its last answer."""
    deadline = asyncio.get_running_loop().time() + within
    while True:
        found = await check()
        if found or asyncio.get_running_loop().time() > deadline:
            assert found, found
            return found
        await asyncio.sleep(0.05)


# -- settings -----------------------------------------------------------------------------


async def test_routing_settings_are_the_admins_and_checked_whole(settings: Settings) -> None:
    async with team(settings) as crew:
        http = crew.http
        stored = (await http.get(f"{API}/settings/routing", headers=crew.admin)).json()
        assert stored == {
            "mode": "manual",
            "default_capacity": 3,
            "requeue_offline_after": 300,
            "close_inactive_after": None,
        }
        assert (await http.get(f"{API}/settings/routing", headers=crew.alice)).status_code == 403
        bad = [
            {**stored, "mode": "random"},
            {**stored, "default_capacity": -1},
            {**stored, "requeue_offline_after": 0},
            {k: v for k, v in stored.items() if k != "mode"},
        ]
        for body in bad:
            answer = await http.put(f"{API}/settings/routing", json=body, headers=crew.admin)
            assert answer.status_code == 422, body
            assert answer.json()["error"]["code"] == "invalid_request"
        answer = await http.put(f"{API}/settings/routing", json=stored, headers=crew.alice)
        assert answer.status_code == 403
        changed = await crew.routing(mode="least_busy", default_capacity=5)
        assert (await http.get(f"{API}/settings/routing", headers=crew.admin)).json() == changed
        audit = (await http.get(f"{API}/audit", headers=crew.admin)).json()["entries"]
        assert audit[0]["action"] == "settings.routing"
        assert (await crew.queue())["mode"] == "least_busy"


# -- modes and eligibility ------------------------------------------------------------------


async def test_manual_mode_assigns_nobody(settings: Settings) -> None:
    async with team(settings) as crew:
        await crew.online("alice")
        started = await crew.visitor("Pat")
        assert started["session"]["status"] == "queued"
        assert started["session"]["queue_position"] == 1
        await asyncio.sleep(1.2)  # a housekeeping tick: still nobody assigned
        assert (await crew.session(started["session"]["id"]))["status"] == "queued"


async def test_round_robin_alternates_and_assigns_in_the_handoffs_transaction(
    settings: Settings,
) -> None:
    async with team(settings, ai_enabled=True) as crew:
        await crew.routing(mode="round_robin")
        for who in ("alice", "bob"):
            await crew.online(who)
        holders = []
        for n in range(4):
            key = (await crew.visitor(f"V{n}"))["session_key"]
            answer = await crew.http.post(f"{API}/chat/public/handoff", json={"session_key": key})
            session = answer.json()["session"]
            # The handoff's own answer shows the assignment: the same transaction made it.
            assert session["status"] == "active", session
            assert session["queue_position"] is None
            holders.append(session["assigned_agent"]["id"])
        assert holders[0] != holders[1] and holders[0::2] == [holders[0]] * 2
        assert holders[1::2] == [holders[1]] * 2
        frames = await crew.sockets["alice"].quiet(0.3)
        kinds = [f["type"] for f in frames if f["type"].startswith("chat.")]
        # As for a manual assign: assigned, then joined, for each conversation.
        assert kinds.count("chat.session.assigned") == 4
        assert kinds.count("chat.agent.joined") == 4


async def test_least_busy_fills_the_emptier_agent(settings: Settings) -> None:
    async with team(settings) as crew:
        await crew.online("alice")
        await crew.routing(mode="least_busy")
        first = [(await crew.visitor(f"A{n}"))["session"]["id"] for n in range(2)]
        assert [await crew.holder(s) for s in first] == ["alice", "alice"]
        await crew.online("bob")
        later = [(await crew.visitor(f"B{n}"))["session"]["id"] for n in range(3)]
        # Bob has none, Alice two: Bob gets two, then the tie goes to whoever waited longer.
        assert [await crew.holder(s) for s in later] == ["bob", "bob", "alice"]


async def test_only_available_online_agents_under_capacity_are_eligible(
    settings: Settings,
) -> None:
    async with team(settings) as crew:
        await crew.routing(mode="round_robin", default_capacity=1)
        # Offline (no socket): nobody eligible, the conversation waits.
        waiting = (await crew.visitor("Q1"))["session"]
        assert waiting["status"] == "queued"
        # Busy: still not eligible.
        await crew.presence("alice", "busy")
        await crew.online("alice")
        await asyncio.sleep(1.2)
        assert (await crew.session(waiting["id"]))["status"] == "queued"
        # Capacity 0: never auto-assigned, even when Available.
        await crew.capacity("alice", 0)
        await crew.presence("alice", "available")
        await asyncio.sleep(1.2)
        assert (await crew.session(waiting["id"]))["status"] == "queued"
        # Capacity back to the default (1): the waiting one is hers at once.
        await crew.capacity("alice", None)
        assert await eventually(lambda: crew.holder(waiting["id"])) == "alice"
        # At capacity: the next one waits.
        assert (await crew.visitor("Q2"))["session"]["status"] == "queued"


async def test_an_agent_turning_available_takes_the_oldest_queued(settings: Settings) -> None:
    async with team(settings) as crew:
        await crew.routing(mode="round_robin")
        await crew.presence("alice", "busy")
        await crew.online("alice")
        ids = [(await crew.visitor(f"V{n}"))["session"]["id"] for n in range(4)]
        await crew.capacity("alice", 2)
        await crew.presence("alice", "available")
        await eventually(lambda: crew.holder(ids[1]))
        assert [await crew.holder(s) for s in ids] == ["alice", "alice", None, None]
        # A raised capacity takes the next oldest, in the same write as the change.
        await crew.capacity("alice", 3)
        assert [await crew.holder(s) for s in ids] == ["alice", "alice", "alice", None]


# -- the queue under load -------------------------------------------------------------------


async def test_fifty_simultaneous_handoffs_never_exceed_capacity_and_queue_in_order(
    settings: Settings,
) -> None:
    async with team(settings, ai_enabled=True) as crew:
        await crew.routing(mode="round_robin", default_capacity=3)
        watcher = await crew.online("alice")
        await crew.online("bob")
        keys = [(await crew.visitor(f"V{n}"))["session_key"] for n in range(50)]
        answers = await asyncio.gather(
            *(crew.http.post(f"{API}/chat/public/handoff", json={"session_key": k}) for k in keys)
        )
        assert all(a.status_code == 200 for a in answers)
        listed = await crew.http.get(f"{API}/chat/sessions?limit=100", headers=crew.admin)
        sessions = listed.json()["sessions"]
        active = [s for s in sessions if s["status"] == "active"]
        queued = [s for s in sessions if s["status"] == "queued"]
        assert len(active) == 6 and len(queued) == 44
        per_agent = {}
        for s in active:
            per_agent[s["assigned_agent"]["id"]] = per_agent.get(s["assigned_agent"]["id"], 0) + 1
        assert sorted(per_agent.values()) == [3, 3]
        # In order: the queue is the order the handoffs committed in (their event ids).
        frames = await watcher.quiet(0.5)
        committed = [
            f["data"]["session"]["id"]
            for f in frames
            if f["type"] == "chat.session.updated" and f["data"]["session"]["status"] == "queued"
        ]
        assert len(committed) == 50
        assigned_ids = {s["id"] for s in active}
        # The first six to commit were assigned (FIFO), the rest wait in commit order.
        assert set(committed[:6]) == assigned_ids
        line = await crew.queue()
        assert [q["id"] for q in line["queued"]] == committed[6:]
        assert [q["position"] for q in line["queued"]] == list(range(1, 45))
        positions = {s["id"]: s["queue_position"] for s in queued}
        assert [positions[i] for i in committed[6:]] == list(range(1, 45))
        assert line["count"] == 44 and line["me"] == {"open": 3, "capacity": 3}


async def test_a_close_gives_the_freed_place_to_the_oldest_and_everyone_moves_up(
    settings: Settings,
) -> None:
    async with team(settings) as crew:
        await crew.routing(mode="round_robin", default_capacity=1)
        await crew.online("alice")
        first = await crew.visitor("First")
        behind = [await crew.visitor(f"Q{n}") for n in range(3)]
        assert first["session"]["status"] == "active"
        assert [b["session"]["queue_position"] for b in behind] == [1, 2, 3]
        sockets = [await crew.server.customer_socket(b["session_key"]) for b in behind]
        for socket in sockets:
            await socket.next("connection.ready")
        await crew.close(first["session"]["id"], "alice")
        # The oldest queued is Alice's now, in the close's own write.
        assert await crew.holder(behind[0]["session"]["id"]) == "alice"
        joined = await sockets[0].next("chat.agent.joined")
        assert joined["data"]["agent"]["id"] == crew.ids["alice"]
        # The others hear their new places: chat.queue, ephemeral.
        for socket, place in ((sockets[1], 1), (sockets[2], 2)):
            frame = await socket.next("chat.queue")
            assert frame["event_id"] is None
            assert frame["data"] == {"position": place, "expected_wait_seconds": None}
        public = await crew.http.get(f"{API}/chat/public/session/{behind[2]['session_key']}")
        assert public.json()["session"]["queue_position"] == 2
        for socket in sockets:
            await socket.close()


async def test_the_expected_wait_comes_from_real_waits_once_there_are_enough(
    settings: Settings,
) -> None:
    async with team(settings) as crew:
        http = crew.http
        # Five real waits of known length (position 1, about 0.2 s each), assigned by hand.
        for n in range(5):
            waiting = await crew.visitor(f"W{n}")
            assert (await crew.queue())["expected_wait_seconds"] is None
            await asyncio.sleep(0.2)
            sid = waiting["session"]["id"]
            await http.post(f"{API}/chat/sessions/{sid}/assign", headers=crew.alice)
            await crew.close(sid, "alice")
        # Make the recorded waits 120 s per place, as if they had been two minutes each.
        run_sql(
            crew.server.app.state.settings,
            "UPDATE queue_waits SET started_at = '2000-01-01T00:00:00.000Z'"
            " WHERE outcome = 'assigned'",
        )
        run_sql(
            crew.server.app.state.settings,
            "UPDATE queue_waits SET ended_at = '2000-01-01T00:02:00.000Z'"
            " WHERE outcome = 'assigned'",
        )
        # Too old now (the estimate uses the last 24 hours): still no estimate.
        a = await crew.visitor("A")
        assert (await crew.queue())["expected_wait_seconds"] is None
        run_sql(
            crew.server.app.state.settings,
            "UPDATE queue_waits SET ended_at = ?, started_at = ? WHERE outcome = 'assigned'",
            _iso_ago(0),
            _iso_ago(120),
        )
        b = await crew.visitor("B")
        socket = await crew.server.customer_socket(b["session_key"])
        ready = await socket.next("connection.ready")
        assert ready["data"]["session"]["queue_position"] == 2
        # On connect the visitor is told the estimate with their place: 2 places × 120 s.
        frame = await socket.next("chat.queue")
        assert frame["data"] == {"position": 2, "expected_wait_seconds": 240}
        await crew.close(a["session"]["id"])
        # (The place on connect may be told twice: once by the socket, once by the queue.)
        frames = await socket.until(
            lambda f: f["type"] == "chat.queue" and f["data"]["position"] == 1
        )
        assert frames[-1]["data"] == {"position": 1, "expected_wait_seconds": 120}
        await socket.close()


def _iso_ago(seconds: float) -> str:
    from datetime import UTC, datetime, timedelta

    moment = datetime.now(UTC) - timedelta(seconds=seconds)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


# -- offline agents and reopening ----------------------------------------------------------


async def test_an_agent_offline_too_long_gives_their_chats_back_to_the_front(
    settings: Settings,
) -> None:
    async with team(settings, presence_grace=0.2) as crew:
        await crew.routing(mode="round_robin", default_capacity=2, requeue_offline_after=1)
        alice = await crew.online("alice")
        held = [(await crew.visitor(f"H{n}"))["session"]["id"] for n in range(2)]
        assert [await crew.holder(s) for s in held] == ["alice", "alice"]
        newer = (await crew.visitor("Newer"))["session"]["id"]  # queued: she is full
        customer = await crew.server.customer_socket((await crew.visitor("Watcher"))["session_key"])
        await customer.next("connection.ready")
        await alice.close()

        async def given_back() -> bool:
            return (await crew.session(held[0]))["status"] == "queued"

        await eventually(given_back, within=6)
        line = await crew.queue("bob")
        # Her two come first, in their original order, before those simply queued.
        assert [q["id"] for q in line["queued"]][:3] == [*held, newer]
        history = await crew.http.get(f"{API}/chat/sessions/{held[0]}/messages", headers=crew.admin)
        assert history.json()["messages"][-1]["sender_type"] == "system"
        # Those behind were pushed back two places, and are told so.
        frame = await customer.next("chat.queue")
        assert frame["data"]["position"] == 4
        # Bob comes online: he takes the front of the queue first.
        await crew.online("bob")
        assert await eventually(lambda: crew.holder(held[0])) == "bob"
        assert await crew.holder(held[1]) == "bob"
        assert (await crew.session(newer))["status"] == "queued"
        await customer.close()


async def test_a_reopened_conversation_goes_to_its_agent_only_if_they_are_there(
    settings: Settings,
) -> None:
    async with team(settings, presence_grace=0.1) as crew:
        await crew.routing(mode="round_robin")
        alice = await crew.online("alice")
        started = await crew.visitor("Pat")
        sid, key = started["session"]["id"], started["session_key"]
        assert await crew.holder(sid) == "alice"
        await crew.close(sid, "alice")
        await crew.server.say(key, "One more thing")
        assert await crew.holder(sid) == "alice"  # she is there: back to her
        await crew.close(sid, "alice")
        await alice.close()
        await asyncio.sleep(0.4)  # past the grace: she is offline
        await crew.online("bob")
        await crew.presence("bob", "busy")
        await crew.server.say(key, "Hello again?")
        session = await crew.session(sid)
        assert session["status"] == "queued" and session["assigned_agent"] is None


# -- transfer, accept next, auto-close -------------------------------------------------------


async def test_a_transfer_hands_over_with_a_private_note_the_customer_never_sees(
    settings: Settings,
) -> None:
    async with team(settings) as crew:
        http = crew.http
        bob = await crew.online("bob")
        started = await crew.visitor("Pat")
        sid, key = started["session"]["id"], started["session_key"]
        customer = await crew.server.customer_socket(key)
        await customer.next("connection.ready")
        await http.post(f"{API}/chat/sessions/{sid}/assign", headers=crew.alice)
        url = f"{API}/chat/sessions/{sid}/transfer"
        note = "VIP <b>customer</b>, refund approved"
        # Not the holder: refused.
        refused = await http.post(url, json={"agent_id": crew.ids["bob"]}, headers=crew.bob)
        assert refused.status_code == 409
        missing = await http.post(url, json={"agent_id": 999999}, headers=crew.alice)
        assert missing.status_code == 404
        assert (await http.post(url, json={}, headers=crew.alice)).status_code == 422
        answer = await http.post(
            url, json={"agent_id": crew.ids["bob"], "note": note}, headers=crew.alice
        )
        assert answer.status_code == 200, answer.text
        assert answer.json()["session"]["assigned_agent"]["id"] == crew.ids["bob"]
        told = await bob.next("chat.session.transferred")
        assert told["data"]["to_agent"]["id"] == crew.ids["bob"]
        assert told["data"]["from_agent"]["id"] == crew.ids["alice"]
        assert told["data"]["note"]["content"] == note
        notes = (await http.get(f"{API}/chat/sessions/{sid}/notes", headers=crew.bob)).json()
        assert [n["content"] for n in notes["notes"]] == [note]
        # Already his: a second transfer to him is refused.
        again = await http.post(url, json={"agent_id": crew.ids["bob"]}, headers=crew.bob)
        assert again.status_code == 409
        # The customer: assigned and joined, never the note, live or replayed or in history.
        frames = await customer.quiet(0.5)
        replay = await crew.server.customer_socket(key, last_event_id=0)
        frames += await replay.until(lambda f: f["type"] == "connection.ready")
        history = await http.get(f"{API}/chat/public/session/{key}")
        seen = str(frames) + history.text
        assert "refund approved" not in seen and "chat.note" not in seen
        assert "chat.session.transferred" not in seen
        assert "chat.agent.joined" in seen
        transcript = await http.get(f"{API}/chat/public/session/{key}/transcript")
        assert "refund approved" not in transcript.text
        # Notes take no seq: the conversation's messages are numbered as before.
        messages = (await http.get(f"{API}/chat/public/session/{key}")).json()["messages"]
        assert [m["seq"] for m in messages] == list(range(1, len(messages) + 1))
        await customer.close()
        await replay.close()


async def test_accept_next_takes_the_oldest_queued(settings: Settings) -> None:
    async with team(settings) as crew:
        http = crew.http
        empty = await http.post(f"{API}/chat/queue/accept", headers=crew.alice)
        assert empty.status_code == 409 and empty.json()["error"]["code"] == "conflict"
        ids = [(await crew.visitor(f"V{n}"))["session"]["id"] for n in range(3)]
        taken = await http.post(f"{API}/chat/queue/accept", headers=crew.alice)
        assert taken.status_code == 200
        assert taken.json()["session"]["id"] == ids[0]
        assert taken.json()["session"]["assigned_agent"]["id"] == crew.ids["alice"]
        line = await crew.queue()
        assert [q["id"] for q in line["queued"]] == ids[1:]
        assert line["me"] == {"open": 1, "capacity": 3}
        unauthenticated = await http.post(f"{API}/chat/queue/accept")
        assert unauthenticated.status_code == 401


async def test_inactive_conversations_are_closed_with_a_message(settings: Settings) -> None:
    async with team(settings) as crew:
        started = await crew.visitor("Quiet")
        sid = started["session"]["id"]
        await crew.server.say(started["session_key"], "Anyone?")
        await crew.routing(close_inactive_after=1)

        async def closed() -> bool:
            return (await crew.session(sid))["status"] == "closed"

        await eventually(closed, within=6)
        messages = (
            await crew.http.get(f"{API}/chat/sessions/{sid}/messages", headers=crew.admin)
        ).json()["messages"]
        assert messages[-1]["sender_type"] == "system"
        assert "closed after 1 second without a message" in messages[-1]["content"]
