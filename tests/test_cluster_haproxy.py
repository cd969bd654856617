"""Three `python app.py` nodes on one PostgreSQL database and a Redis of their own, behind
HAProxy.

What a team running a cluster would notice: a customer on one node and agents on others chat
live; a socket resumes on another node with exactly what it missed; a message sent twice at
once to two nodes is stored once; logging out on one node closes the agent's socket on
another; a conversation's rate limit holds whichever node a send reaches; and with a node
killed (SIGKILL) and Redis restarted while customers keep sending, nothing acknowledged is
lost, nothing is stored or delivered twice or out of order, the event ids are exactly
1..head, and every socket is back within 5 seconds.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Iterator
from dataclasses import dataclass, field

import httpx
import psycopg
import pytest
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidHandshake, InvalidStatus

from bench.cluster import Cluster, cluster
from bench.server import AppProcess, free_port
from tests.conftest import ALICE, BOB, PASSWORD
from tests.sockets import Socket

pytestmark = pytest.mark.anyio
PUBLIC = "/api/v1/chat/public"
RATE = 12  # messages per minute per conversation, in the shared cluster


@pytest.fixture(scope="module")
def shared() -> Iterator[Cluster]:
    with cluster(3, env={"SWITCHBOARD_MESSAGES_PER_MINUTE": str(RATE)}) as made:
        yield made


def client(url: str) -> httpx.AsyncClient:
    return httpx.AsyncClient(base_url=url, timeout=10)


async def login(url: str, email: str) -> str:
    async with client(url) as http:
        answer = await http.post("/api/v1/auth/login", json={"email": email, "password": PASSWORD})
        assert answer.status_code == 200, answer.text
        return answer.json()["token"]


async def start(url: str, name: str) -> str:
    async with client(url) as http:
        answer = await http.post(f"{PUBLIC}/start", json={"name": name})
        assert answer.status_code == 201, answer.text
        return answer.json()["session_key"]


async def agent_socket(ws_url: str, token: str, last_event_id: int | None = None) -> Socket:
    query = "" if last_event_id is None else f"?last_event_id={last_event_id}"
    headers = {"Authorization": f"Bearer {token}"}
    return Socket(await connect(f"{ws_url}/ws{query}", additional_headers=headers, max_queue=None))


def ws(url: str) -> str:
    return url.replace("http://", "ws://")


async def test_a_customer_on_one_node_and_agents_on_the_others_chat_live(shared: Cluster) -> None:
    one, two, three = (node.url for node in shared.nodes)
    alice = await agent_socket(ws(two), await login(two, ALICE))
    bob = await agent_socket(ws(three), await login(three, BOB))
    for agent in (alice, bob):
        await agent.next("connection.ready")
    key = await start(one, "Pat on node one")
    customer = Socket(await connect(f"{ws(one)}/ws/public/{key}", max_queue=None))
    await customer.next("connection.ready")

    await customer.send("chat.message.send", content="Hello from node one", client_id="live-1")
    for agent in (alice, bob):  # both agents, on the two other nodes, see it arrive
        new = await agent.next("chat.message.new")
        assert new["data"]["message"]["content"] == "Hello from node one"
    session_id = new["data"]["session"]["id"]

    token = await login(two, ALICE)
    async with client(two) as http:
        headers = {"Authorization": f"Bearer {token}"}
        taken = await http.post(f"/api/v1/chat/sessions/{session_id}/assign", headers=headers)
        assert taken.status_code == 200, taken.text
        body = {"session_id": session_id, "content": "Alice here, on node two", "client_id": "a-1"}
        reply = await http.post("/api/v1/chat/messages", json=body, headers=headers)
        assert reply.status_code == 201, reply.text
    heard = await customer.until(  # on node one
        lambda f: f["type"] == "chat.message.new" and f["data"]["message"]["seq"] == 2
    )
    assert heard[-1]["data"]["message"]["content"] == "Alice here, on node two"
    seen_by_bob = await bob.until(
        lambda f: f["type"] == "chat.message.new" and f["data"]["message"]["seq"] == 2
    )
    assert seen_by_bob[-1]["data"]["message"]["content"] == "Alice here, on node two"
    for sock in (alice, bob, customer):
        await sock.ws.close()


async def test_a_socket_resumes_on_another_node_with_exactly_what_it_missed(
    shared: Cluster,
) -> None:
    one, two, three = (node.url for node in shared.nodes)
    token = await login(one, ALICE)
    first = await agent_socket(ws(one), token)
    ready = await first.next("connection.ready")
    key = await start(three, "Sam")
    async with client(three) as http:
        body = {"session_key": key, "content": "before", "client_id": "r-0"}
        assert (await http.post(f"{PUBLIC}/message", json=body)).status_code == 201
    await first.next("chat.message.new")
    seen = first.last_event_id
    assert seen is not None and seen > ready["data"]["last_event_id"]
    await first.ws.close()

    async with client(three) as http:  # while the agent is away, on yet another node
        for n in range(1, 6):
            body = {"session_key": key, "content": f"missed {n}", "client_id": f"r-{n}"}
            assert (await http.post(f"{PUBLIC}/message", json=body)).status_code == 201
    with psycopg.connect(shared.database) as conn:
        missed = [
            row[0]
            for row in conn.execute("SELECT id FROM events WHERE id > %s ORDER BY id", (seen,))
        ]
    assert len(missed) >= 5

    again = await agent_socket(ws(two), token, last_event_id=seen)  # a different node
    frames = await again.until(lambda f: f["type"] == "connection.ready")
    replayed = [f["event_id"] for f in frames if f["event_id"] is not None]
    assert replayed == missed, "exactly the events it missed, in order, once"
    assert frames[-1]["data"]["resumed"] is True
    assert frames[-1]["data"]["last_event_id"] == missed[-1]
    contents = [f["data"]["message"]["content"] for f in frames if f["type"] == "chat.message.new"]
    assert contents == [f"missed {n}" for n in range(1, 6)]
    assert await again.quiet(0.5) == [], "and nothing twice once live"
    await again.ws.close()


async def test_the_same_client_id_sent_at_once_to_two_nodes_is_stored_once(
    shared: Cluster,
) -> None:
    one, two, _ = (node.url for node in shared.nodes)
    key = await start(one, "Twice")
    body = {"session_key": key, "content": "only once", "client_id": "dup-1"}
    async with client(one) as a, client(two) as b:
        for _ in range(3):  # three rounds of one send to each node at the same moment
            answers = await asyncio.gather(
                a.post(f"{PUBLIC}/message", json=body), b.post(f"{PUBLIC}/message", json=body)
            )
            assert {x.status_code for x in answers} <= {200, 201}
            assert len({x.json()["message"]["id"] for x in answers}) == 1
        history = await a.get(f"{PUBLIC}/session/{key}")
    assert [m["content"] for m in history.json()["messages"]] == ["only once"]


async def test_logout_on_one_node_closes_the_agents_socket_on_another_within_a_second(
    shared: Cluster,
) -> None:
    one, two, _ = (node.url for node in shared.nodes)
    token = await login(one, BOB)
    sock = await agent_socket(ws(two), token)
    await sock.next("connection.ready")
    async with client(one) as http:
        headers = {"Authorization": f"Bearer {token}"}
        assert (await http.post("/api/v1/auth/logout", headers=headers)).status_code == 204
    began = time.monotonic()
    code = await sock.closed_with(timeout=3)
    assert time.monotonic() - began < 1.0
    assert code is not None and code != 1000


async def test_a_conversations_rate_limit_holds_across_nodes(shared: Cluster) -> None:
    urls = [node.url for node in shared.nodes]
    key = await start(urls[0], "Fast")
    clients = [client(url) for url in urls]
    try:
        statuses = []
        for n in range(RATE + 6):  # round robin over the three nodes
            body = {"session_key": key, "content": f"m{n}", "client_id": f"rl-{n}"}
            statuses.append((await clients[n % 3].post(f"{PUBLIC}/message", json=body)).status_code)
    finally:
        for http in clients:
            await http.aclose()
    assert statuses[:RATE] == [201] * RATE
    assert statuses[RATE:] == [429] * 6, "not RATE per node: RATE in all"


async def test_a_node_on_another_files_folder_refuses_to_start_and_says_why(
    shared: Cluster,
) -> None:
    key = await start(shared.url, "Files")
    async with client(shared.url) as http:  # a file, stored in the cluster's shared folder
        answer = await http.post(
            f"{PUBLIC}/attachments",
            data={"session_key": key},
            files={"file": ("note.txt", b"shared folder", "text/plain")},
        )
        assert answer.status_code == 201, answer.text
        stored = answer.json()["message"]["attachment"]["id"]
        for node in shared.nodes:  # every node serves it
            got = await http.get(f"{node.url}{PUBLIC}/session/{key}/files/{stored}")
            assert got.content == b"shared folder"
    stray = AppProcess(
        shared.database,
        free_port(),
        shared.nodes[0].env,
        shared.folder / "stray.log",
        extra_flags=("--no-ai", "--data-dir", str(shared.folder / "elsewhere")),
    )
    with pytest.raises(RuntimeError, match="server exited"):
        await asyncio.to_thread(stray.start, "--backplane-url", shared.redis.url)
    assert "Every node of a cluster needs the same shared folder" in stray.log.read_text()


# -- faults under load ------------------------------------------------------------------------


@dataclass
class Listener:
    """A socket through the balancer that reconnects with its last event_id whenever it is cut,
    keeping every stored event id it receives and how long each reconnection took."""

    path: str
    headers: dict[str, str]
    ids: list[int] = field(default_factory=list)
    types: list[str] = field(default_factory=list)
    outages: list[float] = field(default_factory=list)
    start_head: int = 0
    ws: ClientConnection | None = None
    stopping: bool = False

    async def run(self, ws_url: str, ready: asyncio.Event) -> None:
        last: int | None = None
        cut_at: float | None = None
        for _ in range(1000):  # reconnections; bounded
            if self.stopping:
                return
            query = "" if last is None else f"?last_event_id={last}"
            try:
                self.ws = await connect(
                    f"{ws_url}{self.path}{query}",
                    additional_headers=self.headers,
                    open_timeout=3,
                    close_timeout=1,
                )
                async for raw in self.ws:
                    frame = json.loads(raw)
                    if frame["type"] == "connection.ready":
                        if last is None:
                            self.start_head = frame["data"]["last_event_id"]
                            last = self.start_head
                        ready.set()
                        if cut_at is not None:
                            self.outages.append(time.monotonic() - cut_at)
                            cut_at = None
                    if frame.get("event_id") is not None:
                        self.ids.append(frame["event_id"])
                        self.types.append(frame["type"])
                        last = frame["event_id"]
            except (OSError, ConnectionClosed, InvalidHandshake, InvalidStatus, TimeoutError):
                pass
            if cut_at is None and not self.stopping:
                cut_at = time.monotonic()
            await asyncio.sleep(0.05)

    async def stop(self) -> None:
        self.stopping = True
        if self.ws is not None:
            await self.ws.close()


@dataclass
class Sender:
    """A customer sending over REST through the balancer, each message retried with its
    client_id until it is acknowledged."""

    key: str
    name: str
    acked: dict[str, tuple[int, int]] = field(default_factory=dict)  # client_id → (id, seq)
    retries: int = 0

    async def send(self, http: httpx.AsyncClient, client_id: str, deadline: float) -> None:
        body = {"session_key": self.key, "content": client_id, "client_id": client_id}
        while time.monotonic() < deadline:
            try:
                answer = await http.post(f"{PUBLIC}/message", json=body)
            except httpx.HTTPError:
                answer = None
            if answer is not None and answer.status_code in (200, 201):
                message = answer.json()["message"]
                self.acked[client_id] = (message["id"], message["seq"])
                return
            self.retries += 1
            await asyncio.sleep(0.05)
        raise AssertionError(f"{client_id} was never acknowledged")

    async def run(self, url: str, stop: asyncio.Event, most: int) -> None:
        async with httpx.AsyncClient(base_url=url, timeout=5) as http:
            for n in range(most):
                if stop.is_set():
                    return
                await self.send(http, f"{self.name}-{n}", time.monotonic() + 30)
                await asyncio.sleep(0.01)


def stored(database: str) -> tuple[dict[str, list[tuple[int, int, int]]], list[int], int]:
    """Messages by client_id (id, session, seq), every event id, and the head."""
    with psycopg.connect(database) as conn:
        rows = conn.execute("SELECT client_id, id, session_id, seq FROM messages").fetchall()
        ids = [row[0] for row in conn.execute("SELECT id FROM events ORDER BY id")]
        head = conn.execute("SELECT max(id) FROM events").fetchone()[0]
    found: dict[str, list[tuple[int, int, int]]] = {}
    for client_id, message_id, session_id, seq in rows:
        found.setdefault(client_id, []).append((message_id, session_id, seq))
    return found, ids, head


async def test_a_node_killed_and_redis_restarted_under_load_lose_and_double_nothing() -> None:
    with cluster(3) as made:
        url = made.url
        senders = [Sender(await start(url, f"Load {n}"), f"load{n}") for n in range(6)]
        tokens = [await login(url, email) for email in (ALICE, BOB, ALICE)]
        agents = [Listener("/ws", {"Authorization": f"Bearer {t}"}) for t in tokens]
        customers = [Listener(f"/ws/public/{s.key}", {}) for s in senders]
        listeners = agents + customers
        readies = [asyncio.Event() for _ in listeners]
        tasks = [
            asyncio.create_task(x.run(made.ws_url, r))
            for x, r in zip(listeners, readies, strict=True)
        ]
        await asyncio.wait_for(asyncio.gather(*(r.wait() for r in readies)), 10)

        stop = asyncio.Event()
        sending = [asyncio.create_task(s.run(url, stop, 400)) for s in senders]
        await asyncio.sleep(1.5)
        made.nodes[1].kill()  # SIGKILL mid-traffic
        await asyncio.sleep(2.0)
        await asyncio.to_thread(made.start_node, 1)
        await asyncio.sleep(1.0)
        await asyncio.to_thread(made.redis.restart)  # every subscription gone at once
        await asyncio.sleep(2.5)
        stop.set()
        await asyncio.gather(*sending)

        found, ids, head = stored(made.database)
        # Every listener catches up to the head (bounded wait), then stops.
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and any(
            (x.ids[-1] if x.ids else x.start_head) < head for x in agents
        ):
            await asyncio.sleep(0.05)
        await asyncio.sleep(0.5)  # anything doubled would arrive now
        for x in listeners:
            await x.stop()
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

        acked = {cid: ack for s in senders for cid, ack in s.acked.items()}
        assert len(acked) > 100, "the load really ran"
        # 0 acknowledged lost, 0 duplicated: each stored once, with the id and seq acknowledged.
        for client_id, (message_id, seq) in acked.items():
            assert [(m, q) for m, _, q in found.get(client_id, [])] == [(message_id, seq)]
        # Each conversation's seq is 1..n.
        by_session: dict[int, list[int]] = {}
        for rows in found.values():
            for _, session_id, seq in rows:
                by_session.setdefault(session_id, []).append(seq)
        for seqs in by_session.values():
            assert sorted(seqs) == list(range(1, len(seqs) + 1))
        # Event ids are exactly 1..head.
        assert ids == list(range(1, head + 1))
        # Every agent socket got every event after its start once, in order, whichever node.
        for agent in agents:
            assert agent.ids == list(range(agent.start_head + 1, head + 1))
        with psycopg.connect(made.database) as conn:
            for sender, listener in zip(senders, customers, strict=True):
                public = [
                    row[0]
                    for row in conn.execute(
                        "SELECT id FROM events WHERE public_data IS NOT NULL AND id > %s"
                        " AND session_id = (SELECT session_id FROM messages WHERE client_id = %s)"
                        " ORDER BY id",
                        (listener.start_head, f"{sender.name}-0"),
                    )
                ]
                assert listener.ids == public, "a customer's events once, in order"
        # Sockets on the killed node came back through the balancer within 5 s.
        outages = [o for x in listeners for o in x.outages]
        assert outages, "the kill cut some sockets"
        assert max(outages) < 5.0
