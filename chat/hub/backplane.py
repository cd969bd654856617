"""Backplane: publish/subscribe between processes. In memory now; Redis fills the seam later."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Protocol


@dataclass(frozen=True, slots=True)
class Delivery:
    """One frame, encoded once per audience, on its way to every process's sockets.

    `agent_frame` goes to every agent socket, `public_frame` to the sockets of the customer of
    `session_id` (or, with `all_customers`, to every customer socket); either may be None.
    `skip` names a socket that must not get it (its sender).
    """

    event_id: int | None
    session_id: int | None
    agent_frame: str | None
    public_frame: str | None
    skip: str | None = None
    all_customers: bool = False

    def encode(self) -> str:
        return json.dumps(asdict(self), separators=(",", ":"))

    @classmethod
    def decode(cls, raw: str) -> Delivery:
        return cls(**json.loads(raw))


Deliver = Callable[[Delivery], None]


class Backplane(Protocol):
    """What the hub needs between processes: ordered publish, and a callback on receipt."""

    async def start(self, deliver: Deliver) -> None: ...

    def publish(self, delivery: Delivery) -> None:
        """Send to every process, this one included, in the order published; never blocks."""
        ...

    async def stop(self) -> None: ...


class MemoryBackplane:
    """One process: publishing is delivering."""

    def __init__(self) -> None:
        self._deliver: Deliver | None = None

    async def start(self, deliver: Deliver) -> None:
        self._deliver = deliver

    def publish(self, delivery: Delivery) -> None:
        if self._deliver is not None:
            self._deliver(delivery)

    async def stop(self) -> None:
        self._deliver = None


def backplane_for(url: str) -> Backplane:
    """The backplane a URL names: `memory://` now; `redis://` is the planned second one."""
    if url.startswith("memory://"):
        return MemoryBackplane()
    raise ValueError(f"unsupported backplane URL {url!r}: only memory:// is available")
