"""Typing indicators: relayed at most once a second per typist, expired when a typist goes quiet."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, replace

from chat import events
from chat.events import ephemeral_frame
from chat.hub.backplane import Delivery
from chat.hub.hub import Hub

THROTTLE = 1.0  # seconds between two relayed "still typing" frames of one typist
EXPIRY = 6.0  # seconds without news after which a typist is taken to have stopped
# A typist on another node is expired by that node; should it die first, this node tells its own
# sockets that the typist stopped once this much longer has passed without news.
REMOTE_EXPIRY = EXPIRY + THROTTLE + 1.0


@dataclass(slots=True)
class _Typist:
    session_id: int
    sender_type: str
    name: str
    to_customer: bool
    skip: str | None
    last_relayed: float
    deadline: float


class TypingRelay:
    """Who is typing where. A typist is a socket (or the AI) in one session."""

    def __init__(self, hub: Hub, clock: Callable[[], float] = time.monotonic) -> None:
        self.hub = hub
        self._clock = clock
        self._typists: dict[tuple[str, int], _Typist] = {}
        # Typists of other nodes: when their "stopped" is due at the latest, and that frame.
        self._heard: dict[tuple[str, int | None], tuple[float, Delivery]] = {}
        hub.listeners["typing"] = self._hear

    def update(
        self,
        typist: str,
        session_id: int,
        sender_type: str,
        name: str,
        is_typing: bool,
        *,
        to_customer: bool,
    ) -> None:
        """Record what `typist` says and relay it unless it only repeats itself too soon.

        Customers' typing goes to the agents; agents' (and the AI's) to the customer and the
        other agents, never back to the typist's own socket.
        """
        now = self._clock()
        key = (typist, session_id)
        known = self._typists.get(key)
        if not is_typing:
            if known is not None:
                del self._typists[key]
                self._relay(known, False)
            return
        if known is not None:
            known.deadline = now + EXPIRY
            if now - known.last_relayed < THROTTLE:
                return
            known.last_relayed = now
        else:
            known = self._typists[key] = _Typist(
                session_id, sender_type, name, to_customer, typist, now, now + EXPIRY
            )
        self._relay(known, True)

    def forget(self, typist: str) -> None:
        """The typist's socket closed: whatever it was typing, it has stopped."""
        for key in [k for k in self._typists if k[0] == typist]:
            self._relay(self._typists.pop(key), False)

    def expire(self) -> None:
        now = self._clock()
        for key in [k for k, t in self._typists.items() if t.deadline <= now]:
            self._relay(self._typists.pop(key), False)
        for key in [k for k, (due, _) in self._heard.items() if due <= now]:
            self.hub.deliver(self._heard.pop(key)[1])  # to this node's sockets only

    def _hear(self, delivery: Delivery) -> None:
        """A typing frame relayed by any node; one of another node's typists is remembered
        until it stops, so that it does not show forever here if its node dies."""
        assert delivery.skip is not None and delivery.agent_frame is not None
        key = (delivery.skip, delivery.session_id)
        if key in self._typists:
            return  # this node's own typist
        data = json.loads(delivery.agent_frame)["data"]
        if not data["is_typing"]:
            self._heard.pop(key, None)
            return
        stopped = events.Typing(data["session_id"], data["sender_type"], data["name"], False)
        frame = ephemeral_frame(events.TYPING, stopped)
        public = frame if delivery.public_frame is not None else None
        due = self._clock() + REMOTE_EXPIRY
        self._heard[key] = (due, replace(delivery, agent_frame=frame, public_frame=public))

    async def run(self, every: float = 1.0) -> None:
        """Expire quiet typists until cancelled (the app's lifespan owns this task)."""
        while True:
            await asyncio.sleep(every)
            self.expire()

    def _relay(self, typist: _Typist, is_typing: bool) -> None:
        data = events.Typing(typist.session_id, typist.sender_type, typist.name, is_typing)
        frame = ephemeral_frame(events.TYPING, data)
        public = frame if typist.to_customer else None
        self.hub.publish_ephemeral(
            Delivery(None, typist.session_id, frame, public, typist.skip, topic="typing")
        )
