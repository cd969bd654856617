"""Several nodes over one database and a real Redis behave as one server: live chat across
nodes, stored events in id order on every node, catch-up after a lost subscription, kicks."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import time
from dataclasses import replace
from pathlib import Path

import httpx
import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from bench.server import AppProcess, free_port
from chat.config import Settings
from tests.cluster import backplane, cluster, shared_redis
from tests.conftest import ADMIN, ALICE, BOB
from tests.sockets import Server

pytestmark = pytest.mark.anyio


def is_message(frame: dict, content: str) -> bool:
    return frame["type"] == "chat.message.new" and frame["data"]["message"]["content"] == content


async def test_a_customer_on_one_node_and_an_agent_on_another_chat_live(
    settings: Settings,
) -> None:
    async with cluster(settings) as (a, b):
        assert backplane(a).node != backplane(b).node
        agent = await b.agent_socket(await b.login(ALICE))
        await agent.next("connection.ready")
        started = await a.start(name="Pat")
        customer = await a.customer_socket(started["session_key"])
        await customer.next("connection.ready")
        await customer.send("chat.message.send", content="hello from A", client_id="c1")
        await agent.until(lambda f: is_message(f, "hello from A"))
        session_id = started["session"]["id"]
        await agent.send("chat.session.claim", session_id=session_id)
        await agent.send(
            "chat.message.send", session_id=session_id, content="hi from B", client_id="a1"
        )
        await customer.until(lambda f: is_message(f, "hi from B"))


async def test_an_agent_gets_every_stored_event_in_id_order_when_two_nodes_write_at_once(
    settings: Settings,
) -> None:
    async with cluster(settings, 3) as (a, b, c):
        agent = await c.agent_socket(await c.login(ALICE))
        await agent.next("connection.ready")
        keys = [(await a.start())["session_key"], (await b.start())["session_key"]]

        async def burst(server, key: str, tag: str) -> None:
            for n in range(25):
                await server.say(key, f"{tag}{n}", client_id=f"{tag}{n}")

        await asyncio.gather(burst(a, keys[0], "a"), burst(b, keys[1], "b"))
        count = [0]

        def fifty(frame: dict) -> bool:
            count[0] += frame["type"] == "chat.message.new"
            return count[0] == 50

        frames = await agent.until(fifty, timeout=10)
        ids = [f["event_id"] for f in frames if f.get("event_id") is not None]
        assert ids == list(range(ids[0], ids[0] + len(ids))), "a gap or a repeat"
        contents = {
            f["data"]["message"]["content"] for f in frames if f["type"] == "chat.message.new"
        }
        assert contents == {f"a{n}" for n in range(25)} | {f"b{n}" for n in range(25)}


async def test_a_node_whose_subscription_is_cut_catches_up_from_the_database(
    settings: Settings,
) -> None:
    async with cluster(settings) as (a, b), shared_redis() as (redis, _):
        agent = await b.agent_socket(await b.login(ALICE))
        await agent.next("connection.ready")
        key = (await a.start())["session_key"]
        await asyncio.wait_for(backplane(b).subscribed.wait(), 5)
        # Cut every Pub/Sub connection to Redis, and send at once: B hears none of it on the
        # channel while it resubscribes, and finds it in the database.
        await redis.client_kill_filter(_type="pubsub")
        sent = time.monotonic()
        await a.say(key, "while B was deaf", client_id="d1")
        frames = await agent.until(lambda f: is_message(f, "while B was deaf"), timeout=3)
        assert time.monotonic() - sent < 2.0  # a poll every 0.5 s, on a loaded machine
        ids = [f["event_id"] for f in frames if f.get("event_id") is not None]
        assert ids == sorted(set(ids))


async def test_logout_on_one_node_closes_the_agents_socket_on_another_within_a_second(
    settings: Settings,
) -> None:
    async with cluster(settings) as (a, b):
        token = await a.login(ALICE)
        sock = await b.agent_socket(token)
        await sock.next("connection.ready")
        answer = await a.http.post(
            "/api/v1/auth/logout", headers={"Authorization": f"Bearer {token}"}
        )
        assert answer.status_code in (200, 204), answer.text
        began = time.monotonic()
        assert await sock.closed_with(timeout=2) is not None
        assert time.monotonic() - began < 1


async def test_typing_and_viewing_on_one_node_reach_the_other(settings: Settings) -> None:
    async with cluster(settings) as (a, b):
        bob = await b.agent_socket(await b.login(BOB))
        await bob.next("connection.ready")
        started = await a.start(name="Pat")
        session_id = started["session"]["id"]
        customer = await a.customer_socket(started["session_key"])
        await customer.next("connection.ready")
        await customer.send("chat.typing", is_typing=True)
        typing = await bob.next("chat.typing")
        assert typing["data"]["sender_type"] == "customer" and typing["data"]["is_typing"]
        alice = await a.agent_socket(await a.login(ALICE))
        await alice.next("connection.ready")
        await alice.send("chat.viewing", session_id=session_id)
        seen = await bob.next("chat.viewing")
        assert seen["data"]["is_viewing"] is True
        late = await b.agent_socket(await b.login(BOB))  # B's new socket learns what A's show
        ready = await late.next("connection.ready")
        assert ready["data"]["viewing"] == [
            {"session_id": session_id, "agent": {"id": 1, "name": "Alice Agent"}}
        ]
        await alice.close()
        assert (await bob.next("chat.viewing"))["data"]["is_viewing"] is False
        again = await b.agent_socket(await b.login(BOB))
        assert (await again.next("connection.ready"))["data"]["viewing"] == []


async def test_one_conversations_rate_limit_holds_across_nodes(settings: Settings) -> None:
    limits = replace(settings.limits, messages_per_minute=4)
    async with cluster(replace(settings, limits=limits)) as (a, b):
        key = (await a.start())["session_key"]
        answers = []
        for n in range(6):
            node = (a, b)[n % 2]
            body = {"session_key": key, "content": f"m{n}", "client_id": f"m{n}"}
            answers.append(await node.http.post("/api/v1/chat/public/message", json=body))
        assert [r.status_code for r in answers] == [201, 201, 201, 201, 429, 429]
        assert int(answers[-1].headers["Retry-After"]) > 0
        # A retry of a stored message is still answered (not refused) on the other node.
        retry = await b.http.post(
            "/api/v1/chat/public/message",
            json={"session_key": key, "content": "m0", "client_id": "m0"},
        )
        assert retry.status_code == 200, retry.text


async def test_socket_caps_count_the_sockets_open_on_every_node(settings: Settings) -> None:
    limits = replace(settings.limits, sockets_per_session=2, sockets_per_agent=2)
    async with cluster(replace(settings, limits=limits)) as (a, b):
        key = (await a.start())["session_key"]
        kept = [await a.customer_socket(key), await b.customer_socket(key)]
        for sock in kept:
            await sock.next("connection.ready")
        assert await (await a.customer_socket(key)).closed_with() == 4429
        assert await (await b.customer_socket(key)).closed_with() == 4429
        token = await a.login(ALICE)
        agents = [await a.agent_socket(token), await b.agent_socket(token)]
        for sock in agents:
            await sock.next("connection.ready")
        assert await (await b.agent_socket(token)).closed_with() == 4429
        await kept[0].close()  # closed on A: B may open one again (its count freed shortly)
        for _ in range(20):
            again = await b.customer_socket(key)
            with contextlib.suppress(ConnectionClosed):
                if (await again.recv())["type"] == "connection.ready":
                    break
            await asyncio.sleep(0.05)
        else:
            raise AssertionError("the socket closed on A still counts")


async def test_an_agent_on_one_node_shows_online_on_another_until_grace_after_they_left(
    settings: Settings,
) -> None:
    async with cluster(replace(settings, presence_grace=1.0)) as (a, b):
        alice = await a.agent_socket(await a.login(ALICE))
        await alice.next("connection.ready")
        started = await a.start(name="Pat")
        customer = await a.customer_socket(started["session_key"])
        await customer.next("connection.ready")
        bob_token = await b.login(BOB)
        auth = {"Authorization": f"Bearer {bob_token}"}
        await b.http.post("/api/v1/agents/me/presence", json={"status": "busy"}, headers=auth)
        await a.http.post(
            "/api/v1/agents/me/presence",
            json={"status": "busy"},
            headers={"Authorization": f"Bearer {await a.login(ALICE)}"},
        )
        await alice.quiet(0.8)  # nobody is Available now (both chose Busy)
        await customer.quiet(0.2)
        bob = await b.agent_socket(bob_token)
        await bob.next("connection.ready")
        await b.http.post("/api/v1/agents/me/presence", json={"status": "available"}, headers=auth)
        heard = await alice.until(lambda f: presence_is(f, "Bob Agent", "available"), timeout=5)
        assert not [f for f in heard if presence_is(f, "Bob Agent", "offline")]
        flip = await customer.next("chat.availability", timeout=5)
        assert flip["data"]["agents_available"] is True
        for _ in range(30):  # A's own view (its REST answer) follows within a sweep
            listed = (await a.http.get("/api/v1/agents/presence", headers=auth)).json()
            if status_in(listed, "Bob Agent") == "available":
                break
            await asyncio.sleep(0.1)
        else:
            raise AssertionError(f"A still lists {listed}")
        await bob.close()
        closed = time.monotonic()
        await alice.until(lambda f: presence_is(f, "Bob Agent", "offline"), timeout=6)
        assert time.monotonic() - closed >= 0.9, "offline before the grace period"
        flip = await customer.next("chat.availability", timeout=5)
        assert flip["data"]["agents_available"] is False
        # Announced once, not once per node.
        later = await alice.quiet(1.2) + await customer.quiet(0.1)
        assert not [f for f in later if f["type"] in ("agent.presence", "chat.availability")]


def presence_is(frame: dict, name: str, status: str) -> bool:
    return (
        frame["type"] == "agent.presence"
        and frame["data"]["agent"]["name"] == name
        and frame["data"]["status"] == status
    )


def status_in(listed: object, name: str) -> str | None:
    entries = listed["agents"] if isinstance(listed, dict) else listed
    return next((e["status"] for e in entries if e["agent"]["name"] == name), None)


async def test_two_messages_sent_through_two_nodes_get_exactly_one_ai_reply(
    settings: Settings,
) -> None:
    ai = replace(settings, ai_enabled=True, ai_reply_delay=0.2)
    async with cluster(ai) as (a, b):
        started = await a.start(name="Pat")
        key = started["session_key"]
        customer = await a.customer_socket(key)
        await customer.next("connection.ready")
        await asyncio.gather(
            a.say(key, "how much is the office plan?", client_id="q1"),
            b.say(key, "and is there a discount?", client_id="q2"),
        )
        frames = await customer.until(lambda f: is_from(f, "ai"), timeout=10)
        frames += await customer.quiet(2.0)
        replies = [f for f in frames if is_from(f, "ai")]
        assert len(replies) == 1, [f["data"]["message"]["content"] for f in replies]
        stored = (await b.http.get(f"/api/v1/chat/public/session/{key}")).json()
        senders = [m["sender_type"] for m in stored["messages"]]
        assert senders.count("ai") == 1 and senders[-1] == "ai", senders


def is_from(frame: dict, sender_type: str) -> bool:
    return (
        frame["type"] == "chat.message.new"
        and frame["data"]["message"]["sender_type"] == sender_type
    )


async def test_a_node_killed_with_sigkill_stops_holding_sockets_presence_and_typing(
    settings: Settings, tmp_path: Path
) -> None:
    """`python app.py` as a second node, killed with -9: within a few seconds its sockets stop
    counting against the caps, its agent goes offline for the others after the grace, and its
    customer's "typing" stops showing on the other node."""
    limits = replace(settings.limits, sockets_per_agent=2)
    one_cap = replace(settings, limits=limits, presence_grace=1.0)
    async with cluster(one_cap, 1) as (a,):
        env = {
            **os.environ,
            "SWITCHBOARD_SECRET_KEY": settings.secret_key,
            "SWITCHBOARD_BACKPLANE_URL": backplane_url(a),
            "SWITCHBOARD_SOCKETS_PER_AGENT": "2",
            "SWITCHBOARD_PRESENCE_GRACE": "1",
            "SWITCHBOARD_FAILED_LOGINS": "1000",
            "SWITCHBOARD_AI": "0",
        }
        node = AppProcess(
            settings.database,
            free_port(),
            env,
            tmp_path / "node.log",
            extra_flags=("--data-dir", str(settings.data_dir)),  # the other nodes' folder
        )
        await asyncio.to_thread(node.start)
        try:
            bob = await a.agent_socket(await a.login(BOB))
            await bob.next("connection.ready")
            token = await a.login(ALICE)
            held = [await connect(f"{node.ws_url}/ws", additional_headers=bearer(token))]
            held.append(await connect(f"{node.ws_url}/ws", additional_headers=bearer(token)))
            for ws in held:
                assert json.loads(await ws.recv())["type"] == "connection.ready"
            await bob.until(lambda f: presence_is(f, "Alice Agent", "available"), timeout=3)
            assert await (await a.agent_socket(token)).closed_with() == 4429
            async with httpx.AsyncClient(base_url=node.url) as http:
                started = await http.post("/api/v1/chat/public/start", json={"name": "Pat"})
            key = started.json()["session_key"]
            typist = await connect(f"{node.ws_url}/ws/public/{key}")
            assert json.loads(await typist.recv())["type"] == "connection.ready"
            await typist.send(json.dumps({"type": "chat.typing", "data": {"is_typing": True}}))
            await bob.until(lambda f: typing_is(f, "Pat", True), timeout=3)
            node.kill()
            killed = time.monotonic()
            seen: dict[str, float] = {}

            def both(frame: dict) -> bool:
                if presence_is(frame, "Alice Agent", "offline"):
                    seen["offline"] = time.monotonic() - killed
                if typing_is(frame, "Pat", False):
                    seen["stopped typing"] = time.monotonic() - killed
                return len(seen) == 2

            await bob.until(both, timeout=15)
            # Heartbeat expiry (3 s) + grace (1 s) + two sweeps; typing: 8 s after its last news.
            assert seen["offline"] < 7.5 and seen["stopped typing"] < 11, seen
            again = await a.agent_socket(token)
            assert (await again.next("connection.ready"))["type"] == "connection.ready"
        finally:
            await asyncio.to_thread(node.stop)


def typing_is(frame: dict, name: str, is_typing: bool) -> bool:
    return (
        frame["type"] == "chat.typing"
        and frame["data"]["name"] == name
        and frame["data"]["is_typing"] is is_typing
    )


def backplane_url(server: Server) -> str:
    plane = backplane(server)
    return f"{plane.url}{'&' if '?' in plane.url else '?'}prefix={plane.prefix}"


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def test_when_redis_loses_its_data_the_nodes_count_their_sockets_and_presence_again(
    settings: Settings,
) -> None:
    """What a Redis restart without persistence does to the cluster's keys: every one of them
    gone at once. Within a couple of seconds each node has written its state again."""
    limits = replace(settings.limits, sockets_per_agent=1)
    async with cluster(replace(settings, limits=limits)) as (a, b), shared_redis() as (redis, _):
        token = await b.login(BOB)
        bob = await b.agent_socket(token)
        await bob.next("connection.ready")
        await until_listed(a, token, "Bob Agent", "available")
        keys = [k async for k in redis.scan_iter(f"{backplane(a).prefix}:*")]
        assert keys
        await redis.delete(*keys)
        await asyncio.sleep(1.5)  # a heartbeat notices, the node writes its state again
        await until_listed(a, token, "Bob Agent", "available")
        assert await (await a.agent_socket(token)).closed_with() == 4429, "B's socket counts"


async def until_listed(server: Server, token: str, name: str, status: str) -> None:
    for _ in range(40):
        answer = await server.http.get("/api/v1/agents/presence", headers=bearer(token))
        if status_in(answer.json(), name) == status:
            return
        await asyncio.sleep(0.1)
    raise AssertionError(f"{name} is not listed {status}: {answer.json()}")


async def test_handoffs_through_two_nodes_at_once_never_exceed_an_agents_capacity(
    settings: Settings,
) -> None:
    """Routing across nodes: Alice on node A and Bob on node B, capacity 2 each, 20 handoffs
    split over both nodes at once: exactly 4 assigned (2 each), 16 queued in commit order; a
    close on node B gives the oldest queued conversation to Bob."""
    async with cluster(replace(settings, ai_enabled=True)) as (a, b):
        admin = {"Authorization": f"Bearer {await a.login(ADMIN)}"}
        config = {
            "mode": "least_busy",
            "default_capacity": 2,
            "requeue_offline_after": 300,
            "close_inactive_after": None,
        }
        answer = await a.http.put("/api/v1/settings/routing", json=config, headers=admin)
        assert answer.status_code == 200
        alice = await a.agent_socket(await a.login(ALICE))
        bob_token = await b.login(BOB)
        bob_auth = {"Authorization": f"Bearer {bob_token}"}
        bob_id = (await b.http.get("/api/v1/auth/me", headers=bob_auth)).json()["agent"]["id"]
        bob = await b.agent_socket(bob_token)
        for socket in (alice, bob):
            await socket.next("connection.ready")
        await asyncio.sleep(1.2)  # each node's presence sweep has seen the other's agent
        keys = [(await (a, b)[n % 2].start())["session_key"] for n in range(20)]
        answers = await asyncio.gather(
            *(
                (a, b)[n % 2].http.post("/api/v1/chat/public/handoff", json={"session_key": k})
                for n, k in enumerate(keys)
            )
        )
        assert all(answer.status_code == 200 for answer in answers)
        listed = await a.http.get("/api/v1/chat/sessions?limit=100", headers=admin)
        sessions = listed.json()["sessions"]
        held: dict[int, int] = {}
        for s in sessions:
            if s["status"] == "active":
                held[s["assigned_agent"]["id"]] = held.get(s["assigned_agent"]["id"], 0) + 1
        assert len(held) == 2 and sorted(held.values()) == [2, 2], held
        queue = (await b.http.get("/api/v1/chat/queue", headers=admin)).json()
        assert queue["count"] == 16
        frames = await alice.quiet(0.5)
        order = [
            f["data"]["session"]["id"]
            for f in frames
            if f["type"] == "chat.session.updated" and f["data"]["session"]["status"] == "queued"
        ]
        assert [q["id"] for q in queue["queued"]] == order[4:]
        bobs = next(
            s["id"]
            for s in sessions
            if s["status"] == "active" and s["assigned_agent"]["id"] == bob_id
        )
        closed = await b.http.post(f"/api/v1/chat/sessions/{bobs}/close", headers=bob_auth)
        assert closed.status_code == 200
        oldest = queue["queued"][0]["id"]
        session = (await a.http.get(f"/api/v1/chat/sessions/{oldest}", headers=admin)).json()
        assert session["session"]["status"] == "active"
        assert session["session"]["assigned_agent"]["id"] == bob_id
        for socket in (alice, bob):
            await socket.close()
