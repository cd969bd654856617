"""Sliding-window rate limits kept in memory, one window per key."""

from __future__ import annotations

import math
import time
from collections import OrderedDict, deque
from collections.abc import Callable

from chat.errors import RateLimited

MAX_KEYS = 100_000  # bounds memory when many addresses or sessions pass through


class RateLimit:
    """At most `limit` hits per `window` seconds for each key."""

    def __init__(
        self, limit: int, window: float, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.limit = limit
        self.window = window
        self._clock = clock
        self._hits: OrderedDict[str, deque[float]] = OrderedDict()

    def check(self, key: str, message: str | None = None) -> None:
        """Raise RateLimited when `key` has no hit left, without using one."""
        hits = self._hits.get(key)
        if hits is None or len(hits) < self.limit:
            return
        wait = hits[0] + self.window - self._clock()
        if wait > 0:
            raise RateLimited(math.ceil(wait), message)

    def hit(self, key: str, message: str | None = None) -> None:
        """Use one hit for `key`, or raise RateLimited when none is left."""
        self.check(key, message)
        self.record(key)

    def release(self, key: str) -> None:
        """Give back the newest hit of `key`: what it was taken for did not happen."""
        hits = self._hits.get(key)
        if hits:
            hits.pop()

    def record(self, key: str) -> None:
        hits = self._hits.get(key)
        if hits is None:
            hits = self._hits[key] = deque(maxlen=max(1, self.limit))
            if len(self._hits) > MAX_KEYS:
                self._hits.popitem(last=False)
        else:
            self._hits.move_to_end(key)
        hits.append(self._clock())
