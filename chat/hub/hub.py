"""Hub: fan-out of frames to this process's sockets, each through its own bounded queue."""

from __future__ import annotations

import asyncio
import itertools
from collections import defaultdict
from collections.abc import Awaitable, Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import Protocol

from chat.hub.backplane import Backplane, Delivery, Kick, MemoryBackplane
from chat.models import Event

_ids = itertools.count(1)


class FrameWriter(Protocol):
    """A socket its server lets us write to directly (chat.transport.DirectProtocol)."""

    paused: bool  # the peer's buffer is full: queue frames until on_writable is called
    on_writable: Callable[[], None] | None

    def write(self, text: str) -> None:
        """Send one whole frame now (dropped once the socket is closing)."""

    def write_many(self, texts: list[str]) -> None:
        """Send whole frames, in order, in one write (dropped once the socket is closing)."""

    def interrupt(self) -> None:
        """Wake the socket's reader as if the peer had left, so that its handler ends."""


class _Cork:
    """While a write batch's events are handed out (`Hub.batch`), a direct socket's frames wait
    in its queue and go out together when the batch ends: one write per socket per batch, not
    one per frame. `dirty` lists the sockets with frames waiting for that."""

    __slots__ = ("depth", "dirty")

    def __init__(self) -> None:
        self.depth = 0
        self.dirty: list[Subscriber] = []


class Subscriber:
    """One socket's place in the hub: a bounded queue of frames its sender task drains.

    While the socket replays the event log, live frames wait in `pending`; those the replay
    already covered are dropped when it ends, so nothing is missed or sent twice.

    The queue is a plain list and one future that exists only while the sender waits: a frame
    costs an append (and, when the sender was idle, one wake-up), not asyncio.Queue's bookkeeping,
    and an idle socket holds one empty list (56 bytes) instead of a Queue's four deques (760
    bytes each, issue #24); taking from its front moves at most max_queue pointers.

    When the server offers a direct writer (`attach`), there is no sender at all: a live frame
    is written to the socket at once, in the hub's loop over its sockets, and queued only while
    the peer's buffer is full or older frames still wait, or while a write batch's events are
    handed out (`Hub.batch`), whose end writes the socket's frames out together.
    """

    __slots__ = (
        "id",
        "session_id",
        "agent_id",
        "credential",
        "close_code",
        "frames",
        "max_queue",
        "pending",
        "replayed_through",
        "kicked",
        "on_kick",
        "_waiter",
        "_loop",
        "writer",
        "_cork",
    )

    def __init__(
        self,
        *,
        session_id: int | None,
        agent_id: int | None,
        max_queue: int,
        credential: bytes | None = None,
        node: str = "",
        cork: _Cork | None = None,
    ) -> None:
        self.id = f"{node}-s{next(_ids)}"  # unique across the nodes of a cluster
        self.session_id = session_id  # set for a customer's socket
        self.agent_id = agent_id  # set for an agent's socket
        self.credential = credential  # the hash of the token or login it was opened with
        self.close_code = 1013  # what the socket is closed with once it is kicked
        self.frames: list[str] = []  # queued for the sender, oldest first
        self.max_queue = max_queue
        self.pending: list[tuple[int | None, str]] | None = []
        self.replayed_through = 0
        self.kicked = False
        self.on_kick: Callable[[], None] | None = None  # stops the socket's tasks at once
        self._waiter: asyncio.Future[None] | None = None  # set while the sender waits
        # The sender's loop, asked for once: on Python 3.11 each get_running_loop() is a
        # getpid() system call, which was 6% of the event loop's time in fan-out (issue #24).
        self._loop: asyncio.AbstractEventLoop | None = None
        self.writer: FrameWriter | None = None
        self._cork = cork or _Cork()  # the hub's: shared by all of its sockets

    def attach(self, writer: FrameWriter) -> None:
        """Write live frames straight to `writer` from now on, instead of through next_frame."""
        self.writer = writer
        writer.on_writable = self._flush
        self._flush()

    def _flush(self) -> None:
        """Write every queued frame in one write, unless the peer's buffer is full."""
        writer, frames = self.writer, self.frames
        if writer is None or not frames or writer.paused or self.kicked:
            return
        if len(frames) == 1:
            writer.write(frames[0])
        else:
            writer.write_many(frames)
        frames.clear()

    def offer(self, frame: str, event_id: int | None) -> None:
        """Queue a frame without ever waiting; a socket too far behind is cut off instead."""
        if self.kicked:
            return
        if self.pending is not None:
            if len(self.pending) >= self.max_queue * 4:
                self._overflow()
            else:
                self.pending.append((event_id, frame))
            return
        if event_id is not None and event_id <= self.replayed_through:
            return
        writer = self.writer
        if writer is not None and not writer.paused and not self.frames:
            if not self._cork.depth:
                writer.write(frame)
                return
            self._cork.dirty.append(self)  # written when the batch ends, with what follows
        if len(self.frames) >= self.max_queue:
            self._overflow()
            return
        self.frames.append(frame)
        if self._waiter is not None:
            self._wake()

    async def next_frame(self) -> str | None:
        """The oldest queued frame, waiting for one if need be; None once the socket is kicked."""
        while not self.frames:
            if self.kicked:
                return None
            if self._loop is None:
                self._loop = asyncio.get_running_loop()
            self._waiter = self._loop.create_future()
            try:
                await self._waiter
            finally:
                self._waiter = None
        return None if self.kicked else self.frames.pop(0)

    def go_live(self, replayed_through: int) -> None:
        """The replay covered every event up to `replayed_through`: release what came since."""
        self.replayed_through = replayed_through
        waiting, self.pending = self.pending or [], None
        for event_id, frame in waiting:
            self.offer(frame, event_id)

    def kick(self, code: int) -> None:
        """Close this socket with `code` (its credential was revoked, say)."""
        if not self.kicked:
            self.close_code = code
            self._overflow()

    def _wake(self) -> None:
        if self._waiter is not None and not self._waiter.done():
            self._waiter.set_result(None)

    def _overflow(self) -> None:
        self.pending = None
        self.frames.clear()  # free the memory now; the socket is closing anyway
        self.kicked = True
        self._wake()
        if self.writer is not None:
            self.writer.on_writable = None
            self.writer.interrupt()
        if self.on_kick is not None:
            self.on_kick()


class Hub:
    """Sockets register here; the service publishes; the backplane carries it to each process."""

    def __init__(self, backplane: Backplane | None = None, max_queue: int = 512) -> None:
        self.backplane = backplane or MemoryBackplane()
        self.node = self.backplane.node
        self.max_queue = max_queue
        self._agents: set[Subscriber] = set()
        self._customers: defaultdict[int, set[Subscriber]] = defaultdict(set)
        self._per_agent: defaultdict[int, int] = defaultdict(int)
        # Told of every delivery of their topic, from any node (see Delivery.topic).
        self.listeners: dict[str, Callable[[Delivery], None]] = {}
        self._cork = _Cork()

    @contextmanager
    def batch(self) -> Iterator[None]:
        """Hand out a write batch's events: each direct socket gets the frames published
        meanwhile in one write when the batch ends (in order, after any it had queued).

        Customers' sockets are written first: each holds its own message and its ack, a few
        frames, while the agents' may be dozens; a sender's ack then waits for no agent's."""
        cork = self._cork
        cork.depth += 1
        try:
            yield
        finally:
            cork.depth -= 1
            if not cork.depth:
                dirty, cork.dirty = cork.dirty, []
                for sub in dirty:
                    if sub.agent_id is None:
                        sub._flush()
                for sub in dirty:
                    if sub.agent_id is not None:
                        sub._flush()

    async def start(
        self,
        read_events: Callable[[int, int, int], Awaitable[list[Event]]] | None = None,
        read_head: Callable[[], Awaitable[int]] | None = None,
    ) -> None:
        """Join the backplane; `read_events(after, until, limit)` and `read_head()` read the
        event log, so that a node can fill from the database what it missed between nodes."""

        async def events_after(after: int, until: int, limit: int) -> list[Delivery]:
            found = await read_events(after, until, limit) if read_events is not None else []
            return [_delivery(event) for event in found]

        async def head() -> int:
            return await read_head() if read_head is not None else 0

        await self.backplane.start(self.receive, events_after, head)

    async def stop(self) -> None:
        await self.backplane.stop()

    # -- sockets ---------------------------------------------------------------------------

    def subscribe(
        self,
        *,
        session_id: int | None = None,
        agent_id: int | None = None,
        credential: bytes | None = None,
    ) -> Subscriber:
        sub = Subscriber(
            session_id=session_id,
            agent_id=agent_id,
            max_queue=self.max_queue,
            credential=credential,
            node=self.node,
            cork=self._cork,
        )
        if agent_id is not None:
            self._agents.add(sub)
            self._per_agent[agent_id] += 1
        elif session_id is not None:
            self._customers[session_id].add(sub)
        return sub

    def unsubscribe(self, sub: Subscriber) -> None:
        if sub.agent_id is not None and sub in self._agents:
            self._agents.discard(sub)
            self._per_agent[sub.agent_id] -= 1
            if not self._per_agent[sub.agent_id]:
                del self._per_agent[sub.agent_id]
        elif sub.session_id is not None:
            subs = self._customers.get(sub.session_id)
            if subs is not None:
                subs.discard(sub)
                if not subs:
                    del self._customers[sub.session_id]

    def count_agent(self, agent_id: int) -> int:
        return self._per_agent.get(agent_id, 0)

    def count_session(self, session_id: int) -> int:
        return len(self._customers.get(session_id, ()))

    def kick_agents(
        self, code: int, *, agent_id: int | None = None, credential: bytes | None = None
    ) -> None:
        """Close the agent sockets of `agent_id`, or those opened with `credential`, on every
        node (here at once)."""
        self.backplane.publish(Kick(code, agent_id, credential))

    def _kick(self, kick: Kick) -> None:
        for sub in list(self._agents):
            if (kick.agent_id is not None and sub.agent_id == kick.agent_id) or (
                kick.credential is not None and sub.credential == kick.credential
            ):
                sub.kick(kick.code)

    @property
    def socket_count(self) -> int:
        return len(self._agents) + sum(len(s) for s in self._customers.values())

    # -- frames ----------------------------------------------------------------------------

    def publish(self, events: Iterable[Event]) -> None:
        """Hand committed events to every process, each frame encoded once per audience."""
        for event in events:
            self.backplane.publish(_delivery(event))

    def publish_ephemeral(self, delivery: Delivery) -> None:
        self.backplane.publish(delivery)

    def receive(self, message: Delivery | Kick) -> None:
        """What the backplane brings: a delivery for this node's sockets, or a kick."""
        if isinstance(message, Kick):
            self._kick(message)
            return
        self.deliver(message)
        if message.topic is not None and (listener := self.listeners.get(message.topic)):
            listener(message)

    def deliver(self, delivery: Delivery) -> None:
        """Fan a delivery out to this process's sockets; never waits on any of them."""
        if delivery.agent_frame is not None:
            for sub in self._agents:
                if sub.id != delivery.skip:
                    sub.offer(delivery.agent_frame, delivery.event_id)
        if delivery.public_frame is None:
            return
        if delivery.all_customers:
            for subs in self._customers.values():
                for sub in subs:
                    sub.offer(delivery.public_frame, delivery.event_id)
        elif delivery.session_id is not None:
            for sub in self._customers.get(delivery.session_id, ()):
                if sub.id != delivery.skip:
                    sub.offer(delivery.public_frame, delivery.event_id)


def _delivery(event: Event) -> Delivery:
    return Delivery(event.id, event.session_id, event.agent_frame(), event.public_frame())
