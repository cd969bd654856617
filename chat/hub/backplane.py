"""Backplane: publish/subscribe between processes. `memory://` for one process (the default),
`redis://` between the nodes of a cluster (chat/hub/redis.py)."""

from __future__ import annotations

import json
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass
from typing import Protocol

from chat.ratelimit import Limiter, MemoryLimiter


@dataclass(frozen=True, slots=True)
class Delivery:
    """One frame, encoded once per audience, on its way to every process's sockets.

    `agent_frame` goes to every agent socket, `public_frame` to the sockets of the customer of
    `session_id` (or, with `all_customers`, to every customer socket); either may be None.
    `skip` names a socket that must not get it (its sender). `topic` ("typing", "viewing") marks
    the state a socket (`skip`) leaves on every node, for the relay of that topic to follow.
    """

    event_id: int | None
    session_id: int | None
    agent_frame: str | None
    public_frame: str | None
    skip: str | None = None
    all_customers: bool = False
    topic: str | None = None

    def encode(self) -> str:
        return json.dumps(asdict(self), separators=(",", ":"))

    @classmethod
    def decode(cls, raw: str) -> Delivery:
        return cls(**json.loads(raw))


@dataclass(frozen=True, slots=True)
class Kick:
    """Close the agent sockets of `agent_id`, or those opened with `credential`, on every node."""

    code: int
    agent_id: int | None = None
    credential: bytes | None = None


Deliver = Callable[[Delivery], None]
Release = Callable[[], None]
Receive = Callable[[Delivery | Kick], None]
# The stored events in (after, until] as deliveries, oldest first, at most `limit` of them.
ReadEvents = Callable[[int, int, int], Awaitable[list[Delivery]]]
ReadHead = Callable[[], Awaitable[int]]


class Backplane(Protocol):
    """What the hub needs between processes: publish, and a callback on receipt.

    Stored events (those with an event_id) reach `receive` in event_id order, each once.
    `read_events` and `read_head` let a backplane fill a gap from the database."""

    node: str  # this process's id among the nodes, unique per start

    async def start(
        self, receive: Receive, read_events: ReadEvents, read_head: ReadHead
    ) -> None: ...

    def publish(self, message: Delivery | Kick) -> None:
        """Send to every process, this one included; never blocks."""
        ...

    async def stop(self) -> None: ...

    def limiter(self, name: str, limit: int, window: float) -> Limiter:
        """The rate limit `name`, shared by every node this backplane joins."""
        ...

    async def claim(self, name: str, ttl: float) -> Release | None:
        """Hold `name` for at most `ttl` seconds across nodes, or None while another holds it;
        call what it returns to let it go sooner."""
        ...

    async def count_socket(self, kind: str, key: int, cap: int) -> Release | None:
        """Count one more socket of `kind` ("agent", "session") `key` on every node, or None
        when `cap` are open already; call what it returns once the socket has closed."""
        ...


def new_node_id() -> str:
    """A random id for this process, shown in logs and in front of its socket ids."""
    return secrets.token_hex(4)


class MemoryBackplane:
    """One process: publishing is delivering (in the order published: after each commit)."""

    def __init__(self) -> None:
        self.node = new_node_id()
        self._receive: Receive | None = None

    async def start(self, receive: Receive, read_events: ReadEvents, read_head: ReadHead) -> None:
        self._receive = receive

    def publish(self, message: Delivery | Kick) -> None:
        if self._receive is not None:
            self._receive(message)

    async def stop(self) -> None:
        self._receive = None

    def limiter(self, name: str, limit: int, window: float) -> Limiter:
        return MemoryLimiter(limit, window)

    async def claim(self, name: str, ttl: float) -> Release | None:
        return _nothing  # one process: its callers take turns by themselves

    async def count_socket(self, kind: str, key: int, cap: int) -> Release | None:
        return _nothing  # one process: the hub's own counts are every socket there is


def _nothing() -> None:
    pass
