"""Hub: delivers committed events to the sockets that may see them."""

from __future__ import annotations

from collections.abc import Iterable

from chat.models import Event


class Hub:
    """Local fan-out. Sockets register here; the service publishes committed events."""

    def __init__(self) -> None:
        self.published = 0

    def publish(self, events: Iterable[Event]) -> None:
        for _ in events:
            self.published += 1
