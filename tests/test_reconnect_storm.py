"""A reconnect storm: 500 customer sockets over 50 conversations lose the server to a restart,
come back with jittered exponential backoff, and each resumes with nothing missed or repeated."""

from __future__ import annotations

import asyncio
import json
import os
import random
import resource
import time
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidHandshake

from tests.conftest import LiveServer, free_port

pytestmark = pytest.mark.anyio
SESSIONS = 50
PER_SESSION = 10  # sockets per conversation: 500 in all
BEFORE, AFTER = 3, 3  # messages per conversation before and (at least) after the restart
ROUNDS_AFTER = 40  # at most this many after it, one per conversation a round
BASE, CAP = 0.05, 1.0  # backoff: before try n, sleep uniform(0, min(CAP, BASE * 2**n))
ATTEMPTS = 200
BOUND = 30.0  # seconds within which every socket must be back and past connection.ready
PUBLIC = "/api/v1/chat/public"
PING = json.dumps({"type": "ping", "data": {}})
OPTIONS: dict[str, Any] = {"ping_interval": None, "close_timeout": 2}


@pytest.fixture
def file_limit() -> Iterator[None]:
    """1000 sockets in play (both ends) plus the server's files need more than 1024 fds."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = 4096 if hard == resource.RLIM_INFINITY else min(hard, 4096)
    if soft != resource.RLIM_INFINITY and soft < wanted:
        resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))
    yield
    resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))


@pytest.fixture
def server(tmp_path: Path, file_limit: None, database: Path | str) -> Iterator[LiveServer]:
    env = dict(os.environ)
    env.update(
        {
            "SWITCHBOARD_SECRET_KEY": "storm-test-secret",
            "SWITCHBOARD_STARTS_PER_MINUTE": "100000",
            "SWITCHBOARD_MESSAGES_PER_MINUTE": "100000",
            "SWITCHBOARD_ADDRESS_MESSAGES_PER_MINUTE": "100000",
            "SWITCHBOARD_SOCKETS_PER_SESSION": str(PER_SESSION * 2),
            "SWITCHBOARD_AI": "0",
            "SWITCHBOARD_DATA_DIR": str(tmp_path),
        }
    )
    where = database if isinstance(database, str) else tmp_path / "storm.db"
    live = LiveServer(where, free_port(), env, tmp_path / "server.log")  # type: ignore[arg-type]
    live.start()
    yield live
    live.stop()


class Customer:
    """One customer socket: the stored events it received before the restart and after it."""

    def __init__(self, server: LiveServer, key: str, rng: random.Random) -> None:
        self.url = f"{server.ws_url}/ws/public/{key}"
        self.key = key
        self.rng = rng
        self.before: list[dict[str, Any]] = []
        self.after: list[dict[str, Any]] = []  # the replay, then live events
        self.resume_from = 0
        self.ready_at: float | None = None
        self.resumed: bool | None = None
        self.failures: Counter[str] = Counter()
        self.pong = asyncio.Event()
        self.ws: ClientConnection | None = None
        self.reader: asyncio.Task[None] | None = None

    async def open(self) -> None:
        self.ws = await connect(f"{self.url}?last_event_id=0", **OPTIONS, open_timeout=30)
        await self._until_ready(self.before)
        self.reader = asyncio.create_task(self._read(self.before))

    async def _until_ready(self, into: list[dict[str, Any]]) -> dict[str, Any]:
        assert self.ws is not None
        for _ in range(1000):
            frame = json.loads(await asyncio.wait_for(self.ws.recv(), BOUND))
            if frame["type"] == "connection.ready":
                return frame["data"]
            self._keep(frame, into)
        raise AssertionError("no connection.ready within 1000 frames")

    def _keep(self, frame: dict[str, Any], into: list[dict[str, Any]]) -> None:
        if frame["type"] == "pong":
            self.pong.set()
        elif frame["event_id"] is not None:
            into.append(frame)

    async def _read(self, into: list[dict[str, Any]]) -> None:
        assert self.ws is not None
        try:
            async for raw in self.ws:
                self._keep(json.loads(raw), into)
        except ConnectionClosed:
            pass

    def choose_resume_point(self, stale: bool) -> None:
        """The last event seen; for a stale client, an older one (as if it had saved its place
        a little while ago), which the server must serve just as well."""
        seen = [f["event_id"] for f in self.before]
        self.resume_from = self.rng.choice([0, *seen[:-1]]) if stale else seen[-1]

    async def reconnect(self, deadline: float) -> None:
        """Try again and again with full-jitter exponential backoff until ready or out of time."""
        for attempt in range(ATTEMPTS):
            await asyncio.sleep(self.rng.uniform(0, min(CAP, BASE * 2**attempt)))
            if time.monotonic() >= deadline:
                return
            replay: list[dict[str, Any]] = []  # kept only once connection.ready says it's whole
            url = f"{self.url}?last_event_id={self.resume_from}"
            try:
                self.ws = await connect(url, **OPTIONS, open_timeout=5)
                ready = await self._until_ready(replay)
            except (OSError, TimeoutError, InvalidHandshake, ConnectionClosed) as error:
                self.failures[type(error).__name__] += 1
                continue
            self.ready_at, self.resumed = time.monotonic(), ready["resumed"]
            self.after += replay
            self.reader = asyncio.create_task(self._read(self.after))
            return

    async def barrier(self) -> None:
        """A pong: every event queued for this socket before it has arrived."""
        assert self.ws is not None
        self.pong.clear()
        await self.ws.send(PING)
        await asyncio.wait_for(self.pong.wait(), BOUND)

    async def close(self) -> None:
        if self.ws is not None:
            await self.ws.close()
        if self.reader is not None:
            await self.reader


async def post_messages(server: LiveServer, keys: list[str], count: int, label: str) -> None:
    """`count` messages in each conversation, the conversations side by side."""
    limits = httpx.Limits(max_connections=len(keys))
    async with httpx.AsyncClient(base_url=server.url, timeout=30, limits=limits) as http:

        async def talk(key: str) -> None:
            for n in range(count):
                body = {"session_key": key, "content": f"{label} {n}", "client_id": f"{label}-{n}"}
                answer = await http.post(f"{PUBLIC}/message", json=body)
                assert answer.status_code == 201, answer.text

        await asyncio.gather(*(talk(key) for key in keys))


async def eventually(done: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + BOUND
    while not done():
        assert time.monotonic() < deadline, f"not within {BOUND} s: {what}"
        await asyncio.sleep(0.02)


async def open_all(customers: list[Customer]) -> None:
    gate = asyncio.Semaphore(50)

    async def open_one(customer: Customer) -> None:
        async with gate:
            await customer.open()

    await asyncio.gather(*(open_one(c) for c in customers))


def messages_of(frames: list[dict[str, Any]]) -> list[int | None]:
    return [f["data"].get("message", {}).get("id") for f in frames]


async def test_500_sockets_reconnect_after_a_restart_and_miss_nothing(server: LiveServer) -> None:
    async with httpx.AsyncClient(base_url=server.url, timeout=30) as http:
        keys = []
        for _ in range(SESSIONS):
            answer = await http.post(f"{PUBLIC}/start", json={"name": "Storm"})
            assert answer.status_code == 201, answer.text
            keys.append(answer.json()["session_key"])
    await post_messages(server, keys, 1, "early")
    rng = random.Random(2024)
    customers = [Customer(server, key, random.Random(rng.random())) for key in keys * PER_SESSION]
    storm: list[asyncio.Task[None]] = []
    try:
        await open_all(customers)  # each replays the first message, then goes live
        await post_messages(server, keys, BEFORE - 1, "before")
        await eventually(lambda: all(len(c.before) == BEFORE for c in customers), "all caught up")

        began = time.monotonic()
        stopping = asyncio.create_task(asyncio.to_thread(server.stop))
        readers = [c.reader for c in customers if c.reader is not None]
        await asyncio.wait_for(asyncio.gather(*readers), BOUND)  # every socket saw it go
        for index, customer in enumerate(customers):
            customer.choose_resume_point(stale=index % 3 == 0)
        storm += [asyncio.create_task(c.reconnect(began + BOUND)) for c in customers]
        await stopping
        await asyncio.to_thread(server.start)
        # Messages while the sockets come back, so that some land mid-replay.
        for n in range(ROUNDS_AFTER):
            if n >= AFTER and all(task.done() for task in storm):
                break
            await post_messages(server, keys, 1, f"after{n}")
        await asyncio.wait_for(asyncio.gather(*storm), BOUND + 10)

        late = [c for c in customers if c.ready_at is None]
        assert not late, f"{len(late)} sockets not back in {BOUND} s: {late[0].failures}"
        assert all(c.resumed is True for c in customers)
        await check_every_stream(server, customers)
    finally:
        for task in storm:
            task.cancel()
        await asyncio.gather(*storm, return_exceptions=True)
        await asyncio.wait_for(asyncio.gather(*(c.close() for c in customers)), BOUND)


async def check_every_stream(server: LiveServer, customers: list[Customer]) -> None:
    """Each socket got every event after its resume point once, in order, as REST has them."""
    async with httpx.AsyncClient(base_url=server.url, timeout=30) as http:
        history = {}
        for key in {c.key for c in customers}:
            answer = await http.get(f"{PUBLIC}/session/{key}")
            history[key] = answer.json()["messages"]
            assert len(history[key]) >= BEFORE + AFTER
    newest = {key: messages[-1]["id"] for key, messages in history.items()}
    await eventually(
        lambda: all(newest[c.key] in messages_of(c.after) for c in customers), "all caught up"
    )
    await asyncio.gather(*(c.barrier() for c in customers))
    wrong = []
    for customer in customers:
        first = [m["id"] for m in history[customer.key][:BEFORE]]
        assert messages_of(customer.before) == first, "before the restart too, each once in order"
        seq_of = {f["event_id"]: f["data"]["message"]["seq"] for f in customer.before}
        resume_seq = seq_of.get(customer.resume_from, 0)
        expected = [m["id"] for m in history[customer.key] if m["seq"] > resume_seq]
        ids = [customer.resume_from, *(f["event_id"] for f in customer.after)]
        in_order = all(a < b for a, b in zip(ids, ids[1:], strict=False))
        kinds = {f["type"] for f in customer.after}
        if messages_of(customer.after) != expected or not in_order or kinds != {"chat.message.new"}:
            wrong.append((customer.resume_from, ids, expected))
    assert not wrong, f"{len(wrong)} of {len(customers)} sockets got the wrong events: {wrong[:3]}"
