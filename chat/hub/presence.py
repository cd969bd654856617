"""Agent presence: available or busy as each agent chose, offline once their sockets are gone.

An agent is online from their first open socket until their last one has been closed for
`grace` seconds, so a reload or a network blip shows no flap. While online they show the status
they chose; otherwise `offline`. Changes go to every agent socket (`agent.presence`); whether
anyone is available goes to every customer socket when it flips (`chat.availability`).
This board is one process's view; with the Redis backplane, RedisPresenceBoard
(chat/hub/shared_presence.py) keeps the same rules across every node's sockets.
"""

from __future__ import annotations

import asyncio

from chat import events
from chat.events import ephemeral_frame
from chat.hub.backplane import Delivery
from chat.hub.hub import Hub
from chat.models import Agent, Presence
from chat.wire import AgentRef, PresenceEntry


class PresenceBoard:
    """Socket counts, grace timers and chosen statuses of the agents that are online."""

    def __init__(self, hub: Hub, grace: float) -> None:
        self.hub = hub
        self.grace = grace
        self._sockets: dict[int, int] = {}  # agent id → open sockets
        self._online: dict[int, tuple[AgentRef, Presence]] = {}  # id → (ref, chosen)
        self._timers: dict[int, asyncio.TimerHandle] = {}
        self._available = False
        # Asked for by every write (whom routing may choose): kept, and made again whenever
        # _online changes, which is always followed by _announce.
        self._available_ids: frozenset[int] = frozenset()

    @property
    def agents_available(self) -> bool:
        """Whether at least one agent is online and chose Available (Busy does not count)."""
        return self._available

    def available_ids(self) -> frozenset[int]:
        """The agents online now who chose Available: whom routing may give a conversation."""
        return self._available_ids

    def _count_available(self) -> frozenset[int]:
        return frozenset(
            i for i, (_, chosen) in self._online.items() if chosen is Presence.AVAILABLE
        )

    def online_ids(self) -> frozenset[int]:
        """The agents online now, Available or Busy (within the grace after their last socket)."""
        return frozenset(self._online)

    def status(self, agent: Agent) -> Presence:
        online = self._online.get(agent.id)
        return online[1] if online else Presence.OFFLINE

    def entry(self, agent: Agent) -> PresenceEntry:
        """How the API and the sockets show one agent's presence."""
        return PresenceEntry(AgentRef.of(agent), self.status(agent))

    def connect(self, agent: Agent, socket_id: str) -> None:
        """One of `agent`'s sockets opened; a pending grace timer ends without a change."""
        self._sockets[agent.id] = self._sockets.get(agent.id, 0) + 1
        timer = self._timers.pop(agent.id, None)
        if timer is not None:
            timer.cancel()
        if agent.id not in self._online:
            self._online[agent.id] = (AgentRef.of(agent), agent.presence)
            self._announce(AgentRef.of(agent), agent.presence, skip=socket_id)

    def disconnect(self, agent_id: int) -> None:
        """One of the agent's sockets closed; the last one starts the grace period."""
        left = self._sockets.get(agent_id, 0) - 1
        if left > 0:
            self._sockets[agent_id] = left
            return
        self._sockets.pop(agent_id, None)
        if agent_id in self._online and agent_id not in self._timers:
            loop = asyncio.get_running_loop()
            self._timers[agent_id] = loop.call_later(self.grace, self._expire, agent_id)

    def choose(self, agent: Agent) -> None:
        """`agent` (as just stored) chose a status; others hear of it if they are online."""
        online = self._online.get(agent.id)
        if online is None or online[1] is agent.presence:
            return
        self._online[agent.id] = (AgentRef.of(agent), agent.presence)
        self._announce(AgentRef.of(agent), agent.presence)

    def remove(self, agent: Agent) -> None:
        """`agent` was removed from the team: the others drop them from their lists at once."""
        self._sockets.pop(agent.id, None)
        timer = self._timers.pop(agent.id, None)
        if timer is not None:
            timer.cancel()
        self._online.pop(agent.id, None)
        self._announce(AgentRef.of(agent), Presence.OFFLINE, removed=True)

    def start(self) -> None:
        """Nothing runs in the background here (a grace timer is set per agent)."""

    def close(self) -> None:
        """Cancel every grace timer (the app is shutting down)."""
        for timer in self._timers.values():
            timer.cancel()
        self._timers.clear()

    def _expire(self, agent_id: int) -> None:
        self._timers.pop(agent_id, None)
        if self._sockets.get(agent_id):
            return
        online = self._online.pop(agent_id, None)
        if online is not None:
            self._announce(online[0], Presence.OFFLINE)

    def _announce(
        self, ref: AgentRef, status: Presence, skip: str | None = None, removed: bool = False
    ) -> None:
        self._tell_agents(ref, status, skip, removed)
        self._available_ids = self._count_available()
        available = bool(self._available_ids)
        if available != self._available:
            self._available = available
            self._tell_customers(available)

    def _tell_agents(
        self, ref: AgentRef, status: Presence, skip: str | None = None, removed: bool = False
    ) -> None:
        frame = ephemeral_frame(events.AGENT_PRESENCE, events.AgentPresence(ref, status, removed))
        self.hub.publish_ephemeral(Delivery(None, None, frame, None, skip))

    def _tell_customers(self, available: bool) -> None:
        flip = ephemeral_frame(events.AVAILABILITY, events.Availability(available))
        self.hub.publish_ephemeral(Delivery(None, None, None, flip, all_customers=True))
