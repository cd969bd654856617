"""Resume by last_event_id: every missed event once, in order, then ready, then live."""

from __future__ import annotations

import asyncio

import httpx
import msgspec
import pytest
from websockets.asyncio.client import connect

from chat.config import Settings
from chat.wire import ServerLimits
from tests.conftest import ALICE, LiveServer
from tests.sockets import Socket, running

pytestmark = pytest.mark.anyio


def ids_of(frames: list[dict]) -> list[int]:
    return [f["event_id"] for f in frames if f["event_id"] is not None]


async def test_missed_events_replay_once_in_order_then_live(settings: Settings) -> None:
    async with running(settings) as server:
        token = await server.login(ALICE)
        started = await server.start(name="Pat")
        key = started["session_key"]
        agent = await server.agent_socket(token)
        await agent.next("connection.ready")
        await server.say(key, "message k")
        k = (await agent.next("chat.message.new"))["event_id"]
        await agent.close()

        for n in range(50):
            await server.say(key, f"missed {n}")
        agent = await server.agent_socket(token, last_event_id=k)
        frames = await agent.until(lambda f: f["type"] == "connection.ready")
        replayed, ready = frames[:-1], frames[-1]
        assert ids_of(replayed) == list(range(k + 1, k + 51))
        assert [f["data"]["message"]["content"] for f in replayed] == [
            f"missed {n}" for n in range(50)
        ]
        assert ready["data"] == {
            "resumed": True,
            "resync_required": False,
            "last_event_id": k + 50,
            "agent": ready["data"]["agent"],
            "viewing": [],
            "presence": ready["data"]["presence"],
            "limits": msgspec.to_builtins(ServerLimits.of(settings.limits)),
        }
        # State, not log: the team as it is now (Alice came back within the grace period).
        assert {"agent": {"id": 1, "name": "Alice Agent"}, "status": "available"} in ready["data"][
            "presence"
        ]
        await server.say(key, "live")
        live = await agent.next("chat.message.new")
        assert live["event_id"] == k + 51
        assert live["data"]["message"]["content"] == "live"


async def test_events_during_the_reconnect_are_neither_lost_nor_doubled(
    settings: Settings,
) -> None:
    async with running(settings) as server:
        token = await server.login(ALICE)
        key = (await server.start())["session_key"]
        first = await server.agent_socket(token)
        await first.next("connection.ready")
        await server.say(key, "before")
        k = (await first.next("chat.message.new"))["event_id"]
        await first.close()

        async def keep_talking() -> None:
            for n in range(120):
                await server.say(key, f"during {n}")

        talker = asyncio.create_task(keep_talking())
        await asyncio.sleep(0.05)  # let some land before the socket reconnects
        second = await server.agent_socket(token, last_event_id=k)
        await talker
        seen = await second.until(
            lambda f: (
                f["type"] == "chat.message.new" and f["data"]["message"]["content"] == "during 119"
            )
        )
        event_ids = ids_of(seen)
        assert event_ids == list(range(k + 1, k + 121)), "each event exactly once, in order"
        ready_at = [i for i, f in enumerate(seen) if f["type"] == "connection.ready"]
        assert len(ready_at) == 1


async def test_customer_replay_holds_only_its_own_session(settings: Settings) -> None:
    async with running(settings) as server:
        mine = await server.start(name="Mine")
        other = await server.start(name="Other")
        await server.say(mine["session_key"], "mine 1")
        await server.say(other["session_key"], "other secret")
        await server.say(mine["session_key"], "mine 2")
        await server.http.post(
            "/api/v1/chat/public/handoff", json={"session_key": other["session_key"]}
        )
        sock = await server.customer_socket(mine["session_key"], last_event_id=0)
        frames = await sock.until(lambda f: f["type"] == "connection.ready")
        assert frames[-1]["data"]["resumed"] is True
        replayed = frames[:-1]
        assert [f["data"]["message"]["content"] for f in replayed] == ["mine 1", "mine 2"]
        assert all(f["data"]["session"]["id"] == mine["session"]["id"] for f in replayed)
        assert "other secret" not in str(frames)


@pytest.mark.parametrize("bad", ["abc", "-1", "1.5", "99999", "1e3", "", "9" * 40])
async def test_unservable_last_event_id_asks_for_resync(settings: Settings, bad: str) -> None:
    async with running(settings) as server:
        key = (await server.start())["session_key"]
        await server.say(key, "hello")
        for sock in (
            await server.agent_socket(await server.login(ALICE), last_event_id=bad),
            await server.customer_socket(key, last_event_id=bad),
        ):
            frames = await sock.until(lambda f: f["type"] == "connection.ready")
            assert len(frames) == 1, "nothing is replayed when resync is required"
            data = frames[0]["data"]
            assert data["resumed"] is False
            assert data["resync_required"] is True
            assert data["last_event_id"] == 2
            await sock.send("ping")
            assert (await sock.next("pong"))["event_id"] is None


async def test_without_last_event_id_the_socket_only_goes_live(settings: Settings) -> None:
    async with running(settings) as server:
        key = (await server.start())["session_key"]
        await server.say(key, "old news")
        sock = await server.customer_socket(key)
        ready = await sock.recv()
        assert ready["type"] == "connection.ready"
        assert ready["data"]["resumed"] is False
        assert ready["data"]["resync_required"] is False
        assert ready["data"]["last_event_id"] == 2
        await server.say(key, "fresh")
        assert (await sock.next("chat.message.new"))["data"]["message"]["content"] == "fresh"


async def _connect(server: LiveServer, path: str, headers: dict[str, str]) -> Socket:
    return Socket(await connect(server.ws_url + path, additional_headers=headers, max_queue=None))


async def test_resume_works_across_a_server_restart(live_server: LiveServer) -> None:
    async with httpx.AsyncClient(base_url=live_server.url) as http:
        login = await http.post(
            "/api/v1/auth/login", json={"email": ALICE, "password": "Password123!"}
        )
        headers = {"Authorization": f"Bearer {login.json()['token']}"}
        key = (await http.post("/api/v1/chat/public/start", json={})).json()["session_key"]
        agent = await _connect(live_server, "/ws", headers)
        customer = await _connect(live_server, f"/ws/public/{key}", {})
        await agent.next("connection.ready")
        await customer.next("connection.ready")
        body = {"session_key": key, "content": "before restart"}
        await http.post("/api/v1/chat/public/message", json=body)
        k_agent = (await agent.next("chat.message.new"))["event_id"]
        k_customer = (await customer.next("chat.message.new"))["event_id"]

    live_server.stop()
    live_server.start()
    async with httpx.AsyncClient(base_url=live_server.url) as http:
        for n in range(5):
            body = {"session_key": key, "content": f"after {n}", "client_id": f"r-{n}"}
            assert (await http.post("/api/v1/chat/public/message", json=body)).status_code == 201
    agent = await _connect(live_server, f"/ws?last_event_id={k_agent}", headers)
    customer = await _connect(live_server, f"/ws/public/{key}?last_event_id={k_customer}", {})
    for sock, k in ((agent, k_agent), (customer, k_customer)):
        frames = await sock.until(lambda f: f["type"] == "connection.ready")
        assert ids_of(frames) == list(range(k + 1, k + 6))
        assert frames[-1]["data"]["resumed"] is True
        await sock.close()
