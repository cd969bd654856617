"""Sliding-window rate limits, one window per key: in memory (one process), or in Redis
(shared by the nodes of a cluster) behind the same async `Limiter`."""

from __future__ import annotations

import contextlib
import logging
import math
import secrets
import time
from collections import OrderedDict, deque
from collections.abc import Callable
from typing import Any, Protocol

from redis.exceptions import RedisError

from chat.errors import RateLimited

log = logging.getLogger("chat")
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


class Limiter(Protocol):
    """A rate limit as the service uses it; shared by every node when kept in Redis."""

    async def check(self, key: str, message: str | None = None) -> None:
        """Raise RateLimited when `key` has no hit left, without using one."""
        ...

    async def take(self, key: str, message: str | None = None) -> None:
        """Use one hit for `key` (checked and used at once), or raise RateLimited."""
        ...

    async def record(self, key: str) -> None:
        """Use one hit for `key` whatever is left (a failed login, say)."""
        ...

    async def give_back(self, key: str) -> None:
        """Give back the newest hit of `key`: what it was taken for did not happen."""
        ...


class MemoryLimiter:
    """One process's limit: a RateLimit, with no await that could let another caller in
    between the check and the use of a hit."""

    def __init__(self, limit: int, window: float) -> None:
        self.local = RateLimit(limit, window)

    async def check(self, key: str, message: str | None = None) -> None:
        self.local.check(key, message)

    async def take(self, key: str, message: str | None = None) -> None:
        self.local.hit(key, message)

    async def record(self, key: str) -> None:
        self.local.record(key)

    async def give_back(self, key: str) -> None:
        self.local.release(key)


# KEYS[1]: the sorted set of one key's hits (score: Redis time in ms). ARGV: limit, window in ms,
# a unique member, and the mode: `check`, `take` or `record`. Returns 0, or the ms to wait.
# Redis's own clock, so that every node measures the window alike.
_HIT = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local limit, window, mode = tonumber(ARGV[1]), tonumber(ARGV[2]), ARGV[4]
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
if mode ~= 'record' and redis.call('ZCARD', KEYS[1]) >= limit then
  local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
  local wait = tonumber(oldest[2]) + window - now
  if wait > 0 then return wait end
end
if mode == 'check' then return 0 end
redis.call('ZADD', KEYS[1], now, ARGV[3])
redis.call('ZREMRANGEBYRANK', KEYS[1], 0, -(math.max(limit, 1) + 1))
redis.call('PEXPIRE', KEYS[1], window)
return 0
"""


class RedisLimiter:
    """The same sliding window as RateLimit, kept in Redis so that every node shares it:
    each key a sorted set of its hits, checked and used in one Lua script (atomic)."""

    def __init__(self, redis: Any, prefix: str, limit: int, window: float) -> None:
        self.redis = redis  # a redis.asyncio.Redis
        self.prefix = prefix
        self.limit = limit
        self.window_ms = int(window * 1000)
        self._hit = redis.register_script(_HIT)

    async def check(self, key: str, message: str | None = None) -> None:
        await self._run(key, "check", message)

    async def take(self, key: str, message: str | None = None) -> None:
        await self._run(key, "take", message)

    async def record(self, key: str) -> None:
        await self._run(key, "record", None)

    async def give_back(self, key: str) -> None:
        with contextlib.suppress(RedisError, OSError):
            await self.redis.zpopmax(f"{self.prefix}:{key}")

    async def _run(self, key: str, mode: str, message: str | None) -> None:
        """Redis unreachable: let it through (a chat that stops while Redis restarts would be
        worse than a limit not enforced for those seconds)."""
        try:
            wait = await self._hit(
                keys=[f"{self.prefix}:{key}"],
                args=[self.limit, self.window_ms, secrets.token_hex(8), mode],
            )
        except (RedisError, OSError) as error:
            log.warning("rate limit %s not checked: Redis unreachable (%s)", self.prefix, error)
            return
        if int(wait) > 0:
            raise RateLimited(math.ceil(int(wait) / 1000), message)
