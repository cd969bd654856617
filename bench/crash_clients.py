"""The clients of `python -m bench crash`: listening sockets that resume after each crash, and
the tally of every message sent, as the senders heard back about it."""

from __future__ import annotations

import asyncio
import json
import random
import sqlite3
import time
from collections.abc import Callable, Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

PING = json.dumps({"type": "ping", "data": {}})
CATCH_UP_SECONDS = 30
Row = tuple[int, int, int]  # session_id, message id, seq


class Seen(NamedTuple):
    event_id: int
    type: str
    message_id: int | None
    seq: int | None


class Watcher:
    """A socket that only listens: it keeps every stored event it receives and, after the
    server dies, reconnects with the last event_id it saw."""

    def __init__(self, path: str, headers: dict[str, str] | None = None) -> None:
        self.path = path
        self.headers = headers
        self.events: list[Seen] = []
        self.last_event_id = 0
        self.last_seq = 0
        self.checked = 0  # events[:checked] were verified in an earlier round
        self.checked_event = 0
        self.checked_seq = 0
        self.pong = asyncio.Event()
        self.ws: ClientConnection | None = None
        self.task: asyncio.Task[None] | None = None

    async def connect(self, ws_url: str) -> dict[str, Any]:
        """Resume from the last event seen; return the data of `connection.ready`."""
        url = f"{ws_url}{self.path}?last_event_id={self.last_event_id}"
        self.ws = await connect(
            url, additional_headers=self.headers, ping_interval=None, close_timeout=2
        )
        for _ in range(1_000_000):
            frame = json.loads(await asyncio.wait_for(self.ws.recv(), CATCH_UP_SECONDS))
            if frame["type"] == "connection.ready":
                break
            self._keep(frame)
        else:
            raise RuntimeError("no connection.ready after a million frames")
        self.task = asyncio.create_task(self._listen())
        return frame["data"]

    def _keep(self, frame: dict[str, Any]) -> None:
        if frame["type"] == "pong":
            self.pong.set()
        if frame["event_id"] is None:
            return
        message = frame["data"].get("message") or {}
        seen = Seen(frame["event_id"], frame["type"], message.get("id"), message.get("seq"))
        self.events.append(seen)
        self.last_event_id = seen.event_id
        if seen.seq is not None:
            self.last_seq = seen.seq

    async def _listen(self) -> None:
        assert self.ws is not None
        try:
            async for raw in self.ws:
                self._keep(json.loads(raw))
        except ConnectionClosed:
            pass

    async def catch_up(self, done: Callable[[], bool]) -> bool:
        """Wait until `done()`, then until a pong: whatever was queued before it has arrived."""
        deadline = time.monotonic() + CATCH_UP_SECONDS
        while not done() and time.monotonic() < deadline:
            await asyncio.sleep(0.01)
        if not done() or self.ws is None:
            return False
        self.pong.clear()
        await self.ws.send(PING)
        try:
            await asyncio.wait_for(self.pong.wait(), CATCH_UP_SECONDS)
        except TimeoutError:
            return False
        return True

    async def closed(self, seconds: float) -> None:
        """Wait for the dead server's socket to end."""
        if self.task is not None:
            try:
                await asyncio.wait_for(self.task, seconds)
            except TimeoutError:
                await self.close()

    async def close(self) -> None:
        if self.ws is not None:
            await self.ws.close()
        if self.task is not None:
            await self.task
            self.task = None


@dataclass
class Conversation:
    index: int
    key: str
    id: int
    watcher: Watcher


@dataclass
class Attempt:
    client_id: str
    conv: Conversation
    content: str
    via: str  # "rest" or "ws"
    ack: tuple[int, int] | None = None  # (message id, seq) as acknowledged
    error: str | None = None
    stored_before: Row | None = None  # what the restarted server had of it before the retry


@dataclass
class Tally:
    """Every attempt of one round, by client_id, and what the server answered to each."""

    tag: str
    rng: random.Random
    attempts: dict[str, Attempt] = field(default_factory=dict)
    # A reader of the database file, as another process sees it: the moment an ack arrives,
    # the message must be visible to it, since the ack may only follow the COMMIT.
    probe: sqlite3.Connection | None = None
    uncommitted: list[str] = field(default_factory=list)

    def attempt(self, conv: Conversation, client_id: str, via: str) -> Attempt:
        content = f"{client_id} crash test " + "." * self.rng.randrange(0, 300)
        attempt = Attempt(client_id, conv, content, via)
        self.attempts[client_id] = attempt
        return attempt

    def acked(self, attempt: Attempt, message: dict[str, Any], *, probe: bool) -> None:
        attempt.ack = (message["id"], message["seq"])
        if not probe or self.probe is None:
            return
        try:
            row = self.probe.execute(
                "SELECT id, seq FROM messages WHERE session_id = ? AND client_id = ?",
                (attempt.conv.id, attempt.client_id),
            ).fetchall()  # to the end, so no read transaction stays open
        except sqlite3.Error as exc:
            row = exc
        if row != [attempt.ack]:
            self.uncommitted.append(f"{attempt.client_id}: acked {attempt.ack}, reader saw {row}")

    def heard(self, frame: dict[str, Any], *, probe: bool) -> None:
        """An ack or an error frame on a sender's socket."""
        attempt = self.attempts.get(frame["data"].get("client_id", ""))
        if attempt is None:
            return
        if frame["type"] == "chat.message.ack":
            self.acked(attempt, frame["data"]["message"], probe=probe)
        else:
            attempt.error = frame["data"]["code"]


@contextmanager
def read_only(database: Path) -> Iterator[sqlite3.Connection]:
    """The database as a second process sees it, while the server runs."""
    with closing(sqlite3.connect(f"file:{database}?mode=ro", uri=True, timeout=10)) as db:
        yield db
