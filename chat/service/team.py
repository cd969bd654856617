"""The team as its agents see one another: each one's presence (Available, Busy, offline),
kept across restarts. Adding and removing agents is the admin's (staff.py)."""

from __future__ import annotations

from chat.errors import Invalid
from chat.hub.presence import PresenceBoard
from chat.models import Agent, Presence
from chat.storage import agents
from chat.storage.database import Database
from chat.wire import PresenceEntry


class Team:
    """The active agents and their presence: chosen by each agent, offline without a socket."""

    def __init__(self, db: Database, presence: PresenceBoard) -> None:
        self.db = db
        self.presence = presence

    async def set_presence(self, agent: Agent, status: Presence) -> PresenceEntry:
        """The agent chose Available or Busy: kept across restarts, shown to the others.
        Returns how the team sees the agent now."""
        stored = await self.db.write(
            lambda conn: agents.update_agent_presence(conn, agent.id, status)
        )
        self.presence.choose(stored)
        return self.presence.entry(stored)

    async def choose_presence(self, agent: Agent, status: str) -> PresenceEntry:
        """The agent chose `status`: Available or Busy (offline follows from their sockets).
        The answer is what the others see now."""
        if status == Presence.OFFLINE.value:
            raise Invalid(
                "`status` cannot be set to offline: you are offline once you close the app."
            )
        if status not in (Presence.AVAILABLE.value, Presence.BUSY.value):
            raise Invalid('`status` must be "available" or "busy".')
        return await self.set_presence(agent, Presence(status))

    async def roster(self) -> list[PresenceEntry]:
        """Every active agent's presence, offline ones included."""
        team = await self.db.read(agents.list_active_agents)
        return [self.presence.entry(agent) for agent in team]
