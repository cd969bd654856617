"""A socket's life on the service side: subscribed and present while it is open, all of it
undone in one place when it ends, however it ends (broadcaster's `async with subscribe()`)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

from chat.config import Limits
from chat.hub import Hub
from chat.hub.backplane import Release
from chat.hub.hub import Subscriber
from chat.hub.presence import PresenceBoard
from chat.hub.typing import TypingRelay
from chat.hub.viewing import ViewingRelay
from chat.models import Agent, Session
from chat.wire import AgentView, PresenceEntry, PublicSessionView, ServerLimits


@dataclass(frozen=True, slots=True)
class Viewer:
    """Whom a socket belongs to: an agent, or the customer of one session."""

    agent: Agent | None = None
    session: Session | None = None


@dataclass(frozen=True, slots=True)
class Connection:
    """An open socket as the service knows it."""

    viewer: Viewer
    subscriber: Subscriber  # its place in the hub: the frames its sender sends
    ready: dict[str, Any]  # what its `connection.ready` says beside the resume fields


class TooManySockets(Exception):
    """The agent or the session already has as many sockets open as its cap allows."""


class Sockets:
    """The open sockets: their hub subscriptions, the agents' presence, and the typing and
    viewing each one leaves behind when it closes."""

    def __init__(
        self,
        hub: Hub,
        limits: Limits,
        presence: PresenceBoard,
        typists: TypingRelay,
        viewers: ViewingRelay,
        team: Callable[[], Awaitable[list[PresenceEntry]]],
    ) -> None:
        self.hub = hub
        self.limits = limits
        self.presence = presence
        self.typists = typists
        self.viewers = viewers
        self._team = team
        # Settings do not change while the app runs: what clients are told is made once.
        self.server_limits = ServerLimits.of(limits)
        # Called once an agent's socket is present (routing may have someone to give them).
        self.on_agent_connected: Callable[[], None] | None = None

    @asynccontextmanager
    async def connect(
        self, viewer: Viewer, credential: bytes | None = None
    ) -> AsyncIterator[Connection]:
        """Hold a socket of `viewer` subscribed to the hub (and its agent present) for the block.

        Raises TooManySockets past the cap, with nothing held. When the block ends (closed,
        kicked or cancelled) the socket leaves the hub, whatever it was typing stops for the
        others, what it had open is no longer shown, and its agent goes offline once their
        last socket has been gone for the grace period. `credential` is the hash of the token
        or login the socket was opened with, so that revoking it closes the socket."""
        release = await self._count(viewer)
        try:
            subscriber = self._subscribe(viewer, credential)
        except BaseException:
            release()
            raise
        agent = viewer.agent
        if agent is not None:
            self.presence.connect(agent, subscriber.id)
            if self.on_agent_connected is not None:
                self.on_agent_connected()
        try:
            yield Connection(viewer, subscriber, await self._ready(viewer))
        finally:
            # No await in here: a cancelled socket is cleaned up as fully as a closed one.
            release()
            self.hub.unsubscribe(subscriber)
            self.typists.forget(subscriber.id)
            self.viewers.forget(subscriber.id)
            if agent is not None:
                self.presence.disconnect(agent.id)

    async def _count(self, viewer: Viewer) -> Release:
        """Count the socket against its cap on every node (one process: nothing to do, the
        hub's counts below are all there is). Raises TooManySockets at the cap."""
        if viewer.agent is not None:
            kind, key, cap = "agent", viewer.agent.id, self.limits.sockets_per_agent
        else:
            assert viewer.session is not None
            kind, key, cap = "session", viewer.session.id, self.limits.sockets_per_session
        release = await self.hub.backplane.count_socket(kind, key, cap)
        if release is None:
            raise TooManySockets()
        return release

    def _subscribe(self, viewer: Viewer, credential: bytes | None) -> Subscriber:
        """The socket's place in the hub, counted against its cap with no await in between,
        so that sockets opened at once cannot all slip under it."""
        if viewer.agent is not None:
            if self.hub.count_agent(viewer.agent.id) >= self.limits.sockets_per_agent:
                raise TooManySockets()
            return self.hub.subscribe(agent_id=viewer.agent.id, credential=credential)
        assert viewer.session is not None
        if self.hub.count_session(viewer.session.id) >= self.limits.sockets_per_session:
            raise TooManySockets()
        return self.hub.subscribe(session_id=viewer.session.id)

    async def _ready(self, viewer: Viewer) -> dict[str, Any]:
        """An agent learns who they are, who has what open and the team's presence; a customer
        their session and whether anyone is available."""
        if viewer.agent is not None:
            return {
                "agent": AgentView.of(viewer.agent),
                "viewing": self.viewers.current(),
                "presence": await self._team(),
                "limits": self.server_limits,
            }
        assert viewer.session is not None
        return {
            "session": PublicSessionView.of(viewer.session),
            "agents_available": self.presence.agents_available,
            "limits": self.server_limits,
        }
