"""The Redis backplane: every node's deliveries on one Pub/Sub channel, stored events delivered
by each node strictly in event_id order (gaps filled from the database), and the node heartbeat
that other shared state (socket counts, presence) uses to forget a node that died.

Redis carries nothing durable: stored events are in the database, which each node polls for
its head about every half second, so a node that missed Pub/Sub messages (Redis restarted, the
subscriber was slow or cut off) catches up from the database within about a second.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import secrets
from collections import Counter
from collections.abc import Callable, Coroutine
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import redis.asyncio as aioredis

from chat.hub.backplane import (
    Deliver,
    Delivery,
    Kick,
    ReadEvents,
    ReadHead,
    Receive,
    Release,
    new_node_id,
)
from chat.ratelimit import Limiter, RedisLimiter

log = logging.getLogger("chat.hub")
POLL = 0.5  # seconds between two reads of the database's event head
HEARTBEAT = 1.0  # seconds between two renewals of this node's liveness key
STOP_WITHIN = 5.0  # seconds a stopping node waits for its backplane tasks and subscription
NODE_TTL = 3.0  # a node silent this long counts as dead: its sockets count as closed
OUTBOX = 10_000  # messages waiting for Redis; past this, new ones are dropped (see publish)
PAGE = 500  # events read from the database per query while filling a gap
WAITING = 10_000  # out-of-order events held while a gap fills; beyond that the poll recovers


# Lua: the sum of a per-node count hash (KEYS[1]) over the nodes still alive, a dead node's
# field deleted on the way. ARGV[1]: this node (alive by definition); ARGV[3]: node key prefix.
LIVE_SUM = """
local function live_sum(counts, me, node_prefix)
  local total = 0
  local fields = redis.call('HGETALL', counts)
  for i = 1, #fields, 2 do
    local node = fields[i]
    if node ~= me and redis.call('EXISTS', node_prefix .. node) == 0 then
      redis.call('HDEL', counts, node)
    else
      total = total + tonumber(fields[i + 1])
    end
  end
  return total
end
"""
# One more socket on this node unless the live nodes have ARGV[2] (the cap) open already.
COUNT = """
if live_sum(KEYS[1], ARGV[1], ARGV[3]) >= tonumber(ARGV[2]) then return 0 end
redis.call('HINCRBY', KEYS[1], ARGV[1], 1)
return 1
"""
UNCOUNT = """
if redis.call('HINCRBY', KEYS[1], ARGV[1], -1) <= 0 then redis.call('HDEL', KEYS[1], ARGV[1]) end
return 1
"""

UNCLAIM = """
if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('DEL', KEYS[1]) end
return 1
"""


class Sequencer:
    """Delivers stored events strictly in event_id order, each once, from whatever source.

    `last` is the id delivered last. An id ≤ last is a duplicate and dropped; last+1 goes out
    (with any held successors); a larger id is held and the gap before it read from the
    database. One filling task at a time; `catch_up(until)` asks it to reach `until`.
    """

    def __init__(self, deliver: Deliver, read_events: ReadEvents, last: int) -> None:
        self.last = last
        self._deliver = deliver
        self._read_events = read_events
        self._held: dict[int, Delivery] = {}
        self._target = last
        self._filling: asyncio.Task[None] | None = None

    def offer(self, delivery: Delivery) -> None:
        event_id = delivery.event_id
        assert event_id is not None
        if event_id <= self.last:
            return
        if event_id == self.last + 1:
            self._advance(delivery)
            return
        if len(self._held) < WAITING:
            self._held[event_id] = delivery
        self.catch_up(event_id - 1)

    def catch_up(self, until: int) -> None:
        """Make sure every event up to `until` gets delivered (read from the database)."""
        self._target = max(self._target, until)
        if self._target > self.last and (self._filling is None or self._filling.done()):
            self._filling = asyncio.create_task(self._fill(), name="backplane-fill")

    async def stop(self) -> None:
        if self._filling is not None:
            self._filling.cancel()
            with contextlib.suppress(BaseException):
                await self._filling

    def _advance(self, delivery: Delivery) -> None:
        self._deliver(delivery)
        self.last = delivery.event_id or self.last
        self._release_held()

    def _release_held(self) -> None:
        while (following := self._held.pop(self.last + 1, None)) is not None:
            self._deliver(following)
            self.last += 1
        for stale in [i for i in self._held if i <= self.last]:
            del self._held[stale]

    async def _fill(self) -> None:
        """Read (last, target] from the database. Every id up to the target is committed (a
        head read, or just below an id that was published after its commit), so an id the
        database no longer has was deleted and is skipped."""
        try:
            while self._target > self.last:
                until = min(self._target, self.last + PAGE)
                page = await self._read_events(self.last, until, PAGE)
                for delivery in page:
                    assert delivery.event_id is not None
                    if delivery.event_id > self.last:
                        self._deliver(delivery)
                        self.last = delivery.event_id
                if len(page) < PAGE:
                    self.last = max(self.last, until)
                self._release_held()
        except Exception:  # noqa: BLE001 - the database may be busy; the next poll retries
            log.exception("could not read events (%d, %d]", self.last, self._target)


class RedisBackplane:
    """Pub/Sub between nodes over `redis://host:port/db` (`?prefix=` names this cluster's keys
    and channel, `switchboard` by default). Publishing never waits on Redis: messages go
    through a bounded outbox drained by one task, in order; this node's own messages are
    delivered here at once rather than after the round trip."""

    def __init__(self, url: str) -> None:
        parts = urlsplit(url)
        query = dict(parse_qsl(parts.query))
        self.prefix = query.pop("prefix", "switchboard")
        self.url = urlunsplit(parts._replace(query=urlencode(query)))
        self.node = new_node_id()
        self.redis: aioredis.Redis = aioredis.Redis.from_url(
            self.url, decode_responses=True, socket_connect_timeout=2, health_check_interval=5
        )
        self.channel = f"{self.prefix}:bus"
        self._outbox: asyncio.Queue[str] = asyncio.Queue(OUTBOX)
        self._receive: Receive | None = None
        self._sequencer: Sequencer | None = None
        self._tasks: list[asyncio.Task[None]] = []
        self._read_head: ReadHead | None = None
        self.subscribed = asyncio.Event()  # set while the Pub/Sub subscription is up
        self._background: set[asyncio.Task[None]] = set()
        self._stopped = False
        self._stopping = False  # set by stop(): every background loop ends on it
        self._counted: Counter[str] = Counter()  # this node's sockets, by count hash
        # Called when Redis had forgotten this node (it restarted, or lost its data): what the
        # node holds is written again.
        self.on_rejoin: list[Callable[[], None]] = []
        self._count = self.redis.register_script(LIVE_SUM + COUNT)
        self._uncount = self.redis.register_script(UNCOUNT)
        self._unclaim = self.redis.register_script(UNCLAIM)

    def key(self, *parts: object) -> str:
        return ":".join((self.prefix, *map(str, parts)))

    def node_key(self, node: str) -> str:
        return self.key("node", node)

    async def start(self, receive: Receive, read_events: ReadEvents, read_head: ReadHead) -> None:
        self._stopped = False
        self._stopping = False
        self._receive = receive
        self._read_head = read_head
        self._sequencer = Sequencer(receive, read_events, await read_head())
        try:
            await self.redis.set(self.node_key(self.node), "1", px=int(NODE_TTL * 1000))
        except aioredis.RedisError:
            log.warning("node %s: Redis is unreachable; retrying in the background", self.node)
        log.info("node %s joined the Redis backplane %s", self.node, self.channel)
        self._spawn(self._listen(), "backplane-listen")
        self._spawn(self._send(), "backplane-send")
        self._spawn(self._poll(), "backplane-poll")
        self._spawn(self._heartbeat(), "backplane-heartbeat")

    def publish(self, message: Delivery | Kick) -> None:
        if self._receive is None or self._sequencer is None:
            return
        if isinstance(message, Delivery) and message.event_id is not None:
            self._sequencer.offer(message)
        else:
            self._receive(message)
        try:
            self._outbox.put_nowait(_encode(self.node, message))
        except asyncio.QueueFull:
            pass  # stored events reach the other nodes from the database; the rest is dropped

    async def stop(self) -> None:
        # Every loop below also ends on this flag: a cancellation that a Redis call swallows
        # would otherwise leave its task running for good (and hang whoever cancels it next).
        self._stopping = True
        for task in self._tasks:
            task.cancel()
        # Bounded: a task stuck in a Redis call that ignores its cancellation must not hold the
        # node's shutdown (seen once in CI: a node's stop still waiting after 15 s).
        if self._tasks:
            _, stuck = await asyncio.wait(self._tasks, timeout=STOP_WITHIN)
            for task in stuck:
                log.warning("node %s: %s did not stop in time", self.node, task.get_name())
        self._tasks.clear()
        # Releases still on their way (a socket that closed as the node stopped) go out before
        # the client closes: one run after it would open a connection that nobody closes.
        if self._background:
            await asyncio.wait(set(self._background), timeout=STOP_WITHIN)
        self._stopped = True
        if self._sequencer is not None:
            await self._sequencer.stop()
        with contextlib.suppress(aioredis.RedisError, OSError):
            await self.redis.delete(self.node_key(self.node))
        await self.redis.aclose()
        self._receive = None

    def limiter(self, name: str, limit: int, window: float) -> Limiter:
        return RedisLimiter(self.redis, self.key("rate", name), limit, window)

    async def claim(self, name: str, ttl: float) -> Release | None:
        """SET NX PX with a token of our own; let go only if it is still ours (it may have
        expired and been claimed by another node meanwhile). Redis unreachable: held."""
        key, token = self.key("claim", name), secrets.token_hex(8)
        try:
            if not await self.redis.set(key, token, nx=True, px=int(ttl * 1000)):
                return None
        except (aioredis.RedisError, OSError):
            return lambda: None
        return lambda: self._later(self._unclaim(keys=[key], args=[token]))

    async def count_socket(self, kind: str, key: int, cap: int) -> Release | None:
        """Sockets are counted per node (a hash per key, one field per node) so that a node
        that died stops counting once its heartbeat key expired. Redis unreachable: the socket
        opens, counted by nobody (better than refusing every socket)."""
        counts = self.key("sockets", kind, key)
        try:
            counted = await self._count(keys=[counts], args=[self.node, cap, self.node_key("")])
        except (aioredis.RedisError, OSError):
            counted = True
        if not counted:
            return None
        self._counted[counts] += 1

        def release() -> None:
            self._counted[counts] -= 1
            if not self._counted[counts]:
                del self._counted[counts]
            self._later(self._uncount(keys=[counts], args=[self.node]))

        return release

    def _later(self, work: Coroutine[Any, Any, Any]) -> None:
        """Run `work` in the background, its failure (Redis down) ignored; nothing once the
        node has stopped (its counts go with its heartbeat key)."""
        if self._stopped:
            work.close()
            return

        async def quietly() -> None:
            with contextlib.suppress(aioredis.RedisError, OSError):
                await work

        task = asyncio.create_task(quietly())
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    def _spawn(self, work: Coroutine[Any, Any, None], name: str) -> None:
        self._tasks.append(asyncio.create_task(work, name=f"{name}-{self.node}"))

    def _on_message(self, raw: str) -> None:
        assert self._receive is not None and self._sequencer is not None
        try:
            node, message = _decode(raw)
        except (ValueError, TypeError, KeyError):
            log.warning("node %s: ignored a malformed backplane message", self.node)
            return
        if node == self.node:
            return  # delivered here when it was published
        if isinstance(message, Delivery) and message.event_id is not None:
            self._sequencer.offer(message)
        else:
            self._receive(message)

    async def _listen(self) -> None:
        backoff = 0.05
        while not self._stopping:
            pubsub = self.redis.pubsub(ignore_subscribe_messages=True)
            try:
                await pubsub.subscribe(self.channel)
                self.subscribed.set()
                backoff = 0.05
                await self._catch_up()  # whatever was missed while not subscribed
                while not self._stopping:
                    message = await pubsub.get_message(timeout=1.0)
                    if message is not None and message["type"] == "message":
                        self._on_message(message["data"])
            except (aioredis.RedisError, OSError) as error:
                self.subscribed.clear()
                log.warning("node %s: Redis subscription lost (%s); reconnecting", self.node, error)
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 2.0)
            finally:
                self.subscribed.clear()
                with contextlib.suppress(Exception):
                    await asyncio.wait_for(pubsub.aclose(), STOP_WITHIN)

    async def _send(self) -> None:
        backoff = 0.05
        while not self._stopping:
            batch = [await self._outbox.get()]
            while not self._outbox.empty() and len(batch) < PAGE:
                batch.append(self._outbox.get_nowait())
            try:
                async with self.redis.pipeline(transaction=False) as pipe:
                    for raw in batch:
                        pipe.publish(self.channel, raw)
                    await pipe.execute()
                backoff = 0.05
            except (aioredis.RedisError, OSError) as error:
                log.warning("node %s: could not publish to Redis (%s)", self.node, error)
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 2.0)

    async def _poll(self) -> None:
        while not self._stopping:
            await asyncio.sleep(POLL)
            await self._catch_up()

    async def _catch_up(self) -> None:
        assert self._read_head is not None and self._sequencer is not None
        try:
            self._sequencer.catch_up(await self._read_head())
        except Exception:  # noqa: BLE001 - the database may be busy; the next poll retries
            log.exception("node %s: could not read the event head", self.node)

    async def _heartbeat(self) -> None:
        while not self._stopping:
            await asyncio.sleep(HEARTBEAT)
            try:
                known = await self.redis.set(
                    self.node_key(self.node), "1", px=int(NODE_TTL * 1000), get=True
                )
                if known is None:
                    await self._rejoin()
            except (aioredis.RedisError, OSError):
                pass  # the listener logs the outage

    async def _rejoin(self) -> None:
        """Redis does not know this node (it restarted empty, or this node was taken for
        dead): count this node's sockets again, and let the presence board re-announce."""
        log.warning("node %s: Redis had forgotten this node; writing its state again", self.node)
        counted = dict(self._counted)
        if counted:
            async with self.redis.pipeline(transaction=False) as pipe:
                for counts, n in counted.items():
                    pipe.hset(counts, self.node, n)
                await pipe.execute()
        for rejoined in self.on_rejoin:
            rejoined()


def _encode(node: str, message: Delivery | Kick) -> str:
    if isinstance(message, Kick):
        body: dict[str, Any] = {
            "n": node,
            "k": [message.code, message.agent_id, message.credential and message.credential.hex()],
        }
    else:
        body = {
            "n": node,
            "d": [
                message.event_id,
                message.session_id,
                message.agent_frame,
                message.public_frame,
                message.skip,
                message.all_customers,
                message.topic,
            ],
        }
    return json.dumps(body, separators=(",", ":"))


def _decode(raw: str) -> tuple[str, Delivery | Kick]:
    body = json.loads(raw)
    if "k" in body:
        code, agent_id, credential = body["k"]
        return body["n"], Kick(code, agent_id, bytes.fromhex(credential) if credential else None)
    return body["n"], Delivery(*body["d"])
