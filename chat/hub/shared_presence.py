"""Presence across the nodes of a cluster, with the rules of PresenceBoard: an agent is online
while any node has one of their sockets, offline once the last one anywhere has been closed
for the grace period (a node that died counts as having closed its sockets once its heartbeat
expired), and each change is announced once, by the node whose Lua script made it.

In Redis (beside the per-node socket counts of chat/hub/redis.py):
`presence` maps each online agent to {"id", "name", "status"}; `presence:gone` the time (Redis
clock, ms) at which an agent with no socket anywhere goes offline; `available` whether anyone
online chose Available, as last announced to the customers.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Coroutine
from typing import Any

import redis.asyncio as aioredis

from chat.hub.hub import Hub
from chat.hub.presence import PresenceBoard
from chat.hub.redis import LIVE_SUM, RedisBackplane
from chat.models import Agent, Presence
from chat.wire import AgentRef

log = logging.getLogger("chat.hub")
SWEEP = 0.5  # seconds between two passes over the online agents (grace timers, dead nodes)

# Recompute whether anyone online is Available; returns 0 (unchanged), 1 (now nobody), 2 (now
# someone), flipping KEYS[2] so that exactly one node announces a flip.
_AVAILABILITY = """
local function availability(presence, flag)
  local now = '0'
  for _, entry in ipairs(redis.call('HVALS', presence)) do
    if cjson.decode(entry)['status'] == 'available' then now = '1' break end
  end
  if (redis.call('GET', flag) or '0') == now then return 0 end
  redis.call('SET', flag, now)
  return tonumber(now) + 1
end
"""
# KEYS: presence, available, gone. ARGV: agent id, entry. Online unless already.
_CONNECT = """
redis.call('HDEL', KEYS[3], ARGV[1])
local added = redis.call('HSETNX', KEYS[1], ARGV[1], ARGV[2])
return {added, availability(KEYS[1], KEYS[2])}
"""
# The agent chose a status: stored if they are online and it differs.
_CHOOSE = """
local before = redis.call('HGET', KEYS[1], ARGV[1])
if not before or before == ARGV[2] then return {0, 0} end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
return {1, availability(KEYS[1], KEYS[2])}
"""
_REMOVE = """
redis.call('HDEL', KEYS[3], ARGV[1])
redis.call('HDEL', KEYS[1], ARGV[1])
return {1, availability(KEYS[1], KEYS[2])}
"""
# ARGV: this node, socket count hash prefix, node key prefix, grace in ms. Every online agent
# with no socket on a live node gets a deadline; past it, they go offline. Returns JSON:
# the entries that went offline, the availability flip, and everyone still online.
_SWEEP = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local offline, online = {}, {}
local entries = redis.call('HGETALL', KEYS[1])
for i = 1, #entries, 2 do
  local agent, entry = entries[i], entries[i + 1]
  if live_sum(ARGV[2] .. agent, ARGV[1], ARGV[3]) > 0 then
    redis.call('HDEL', KEYS[3], agent)
    table.insert(online, entry)
  else
    local deadline = redis.call('HGET', KEYS[3], agent)
    if not deadline then
      redis.call('HSET', KEYS[3], agent, now + tonumber(ARGV[4]))
      table.insert(online, entry)
    elseif tonumber(deadline) <= now then
      redis.call('HDEL', KEYS[1], agent)
      redis.call('HDEL', KEYS[3], agent)
      table.insert(offline, entry)
    else
      table.insert(online, entry)
    end
  end
end
return cjson.encode({offline = offline, online = online, flip = availability(KEYS[1], KEYS[2])})
"""


class RedisPresenceBoard(PresenceBoard):
    """The team's presence as every node sees it. Changes are made in Redis by one Lua script
    each, in order (one task runs them), and this node's view of who is online is refreshed
    every SWEEP seconds (and at once after its own changes)."""

    def __init__(self, hub: Hub, grace: float, backplane: RedisBackplane) -> None:
        super().__init__(hub, grace)
        self.backplane = backplane
        redis = backplane.redis
        key = backplane.key
        self._keys = [key("presence"), key("available"), key("presence", "gone")]
        self._connect = redis.register_script(_AVAILABILITY + _CONNECT)
        self._choose = redis.register_script(_AVAILABILITY + _CHOOSE)
        self._remove = redis.register_script(_AVAILABILITY + _REMOVE)
        self._sweep = redis.register_script(LIVE_SUM + _AVAILABILITY + _SWEEP)
        self._work: asyncio.Queue[Coroutine[Any, Any, None]] = asyncio.Queue()
        self._mine: dict[int, tuple[Agent, int]] = {}  # agents with sockets here, and how many
        backplane.on_rejoin.append(self._rejoined)
        self._tasks: list[asyncio.Task[None]] = []

    def available_ids(self) -> frozenset[int]:
        """Counted on each call: here _online also changes with what Redis says, not only
        through _announce, so the one-process board's kept set would go stale."""
        return self._count_available()

    def connect(self, agent: Agent, socket_id: str) -> None:
        self._mine[agent.id] = (agent, self._mine.get(agent.id, (agent, 0))[1] + 1)
        ref = AgentRef.of(agent)
        self._online[agent.id] = (ref, self._online.get(agent.id, (ref, agent.presence))[1])
        self._run(self._connected(agent, socket_id))

    def disconnect(self, agent_id: int) -> None:
        """The socket's count is gone (chat/hub/redis.py); the sweep starts the grace."""
        agent, sockets = self._mine.get(agent_id, (None, 0))
        if agent is not None and sockets > 1:
            self._mine[agent_id] = (agent, sockets - 1)
        else:
            self._mine.pop(agent_id, None)

    def choose(self, agent: Agent) -> None:
        if agent.id in self._mine:
            self._mine[agent.id] = (agent, self._mine[agent.id][1])
        if agent.id in self._online:
            self._online[agent.id] = (AgentRef.of(agent), agent.presence)
        self._run(self._chosen(agent))

    def remove(self, agent: Agent) -> None:
        self._mine.pop(agent.id, None)
        self._online.pop(agent.id, None)
        self._run(self._removed(agent))

    def close(self) -> None:
        for task in self._tasks:
            task.cancel()
        while not self._work.empty():
            self._work.get_nowait().close()  # never run: the app is stopping

    def start(self) -> None:
        self._tasks = [
            asyncio.create_task(self._worker(), name="presence-changes"),
            asyncio.create_task(self._sweeper(), name="presence-sweep"),
        ]

    # -- in Redis, in order ----------------------------------------------------------------

    def _run(self, change: Coroutine[Any, Any, None]) -> None:
        self._work.put_nowait(change)

    async def _worker(self) -> None:
        while True:
            change = await self._work.get()
            try:
                await change
            except (aioredis.RedisError, OSError) as error:
                log.warning("presence change lost: Redis unreachable (%s)", error)
            except Exception:  # noqa: BLE001 - one bad change must not stop the others
                log.exception("presence change failed")

    async def _sweeper(self) -> None:
        while True:
            await asyncio.sleep(SWEEP)
            self._run(self._swept())

    def _rejoined(self) -> None:
        for agent, _ in list(self._mine.values()):
            self._run(self._connected(agent, None))

    async def _connected(self, agent: Agent, socket_id: str | None) -> None:
        added, flip = await self._connect(keys=self._keys, args=[agent.id, _entry(agent)])
        if added:
            self._tell_agents(AgentRef.of(agent), agent.presence, skip=socket_id)
        self._flip(flip)

    async def _chosen(self, agent: Agent) -> None:
        changed, flip = await self._choose(keys=self._keys, args=[agent.id, _entry(agent)])
        if changed:
            self._tell_agents(AgentRef.of(agent), agent.presence)
        self._flip(flip)

    async def _removed(self, agent: Agent) -> None:
        _, flip = await self._remove(keys=self._keys, args=[agent.id])
        self._tell_agents(AgentRef.of(agent), Presence.OFFLINE, removed=True)
        self._flip(flip)

    async def _swept(self) -> None:
        backplane = self.backplane
        raw = await self._sweep(
            keys=self._keys,
            args=[
                backplane.node,
                backplane.key("sockets", "agent", ""),
                backplane.node_key(""),
                int(self.grace * 1000),
            ],
        )
        found = json.loads(raw)
        for entry in _entries(found["offline"]):
            self._tell_agents(AgentRef(entry["id"], entry["name"]), Presence.OFFLINE)
        self._online = {
            e["id"]: (AgentRef(e["id"], e["name"]), Presence(e["status"]))
            for e in _entries(found["online"])
        }
        self._flip(found["flip"])
        if not found["flip"]:
            self._available = any(p is Presence.AVAILABLE for _, p in self._online.values())

    def _flip(self, flip: int) -> None:
        if flip:
            self._available = flip == 2
            self._tell_customers(self._available)


def _entry(agent: Agent) -> str:
    return json.dumps({"id": agent.id, "name": agent.name, "status": agent.presence.value})


def _entries(found: Any) -> list[dict[str, Any]]:
    """The entries a sweep returned (as stored: JSON text); cjson writes an empty list as {}."""
    return [json.loads(entry) for entry in found] if isinstance(found, list) else []
