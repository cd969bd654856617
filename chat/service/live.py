"""What an open socket asks and tells beside its messages: where its replay starts and the
events it missed, who is typing, and which conversation each agent has open."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from chat.hub.typing import TypingRelay
from chat.hub.viewing import ViewingRelay
from chat.models import Agent, Event
from chat.service.sockets import Viewer
from chat.storage import events
from chat.storage.database import Database
from chat.wire import AgentRef


@dataclass(frozen=True, slots=True)
class Resume:
    """Where a socket's replay starts and ends, or that it cannot be served."""

    head: int
    after: int | None
    resync_required: bool = False


class Live:
    """The replay a socket catches up with, and the typing and viewing relayed between sockets."""

    def __init__(
        self,
        db: Database,
        typists: TypingRelay,
        viewers: ViewingRelay,
        customer_typing: Callable[[int, bool], None],
    ) -> None:
        self.db = db
        self.typists = typists
        self.viewers = viewers
        self._customer_typing = customer_typing  # the assistant waits while a customer types

    async def resume(self, raw_last_event_id: str | None) -> Resume:
        """Check a socket's `last_event_id`: what to replay, or that the client must resync."""
        head = await self.db.read(events.get_event_head)
        if raw_last_event_id is None:
            return Resume(head, None)
        if not re.fullmatch(r"\d{1,18}", raw_last_event_id):
            return Resume(head, None, resync_required=True)
        after = int(raw_last_event_id)
        if after > head:
            return Resume(head, None, resync_required=True)
        return Resume(head, after)

    async def replay(self, viewer: Viewer, after: int, until: int, limit: int) -> list[Event]:
        """The stored events in (after, until] this viewer may see, oldest first."""
        if viewer.agent is not None:
            return await self.db.read(lambda c: events.list_events_after(c, after, until, limit))
        assert viewer.session is not None
        session_id = viewer.session.id
        return await self.db.read(
            lambda c: events.list_session_events_after(c, session_id, after, until, limit)
        )

    def view(self, agent: Agent, socket_id: str, session_id: int | None) -> None:
        """The agent on socket `socket_id` now has `session_id` open (None: none); the other
        agents see it, so that two of them do not answer the same customer."""
        self.viewers.update(socket_id, AgentRef.of(agent), session_id)

    def typing(self, viewer: Viewer, typist: str, session_id: int, is_typing: bool) -> None:
        if viewer.agent is not None:
            self.typists.update(
                typist, session_id, "agent", viewer.agent.name, is_typing, to_customer=True
            )
        elif viewer.session is not None:
            name = viewer.session.customer_name or "Visitor"
            self.typists.update(
                typist, viewer.session.id, "customer", name, is_typing, to_customer=False
            )
            self._customer_typing(viewer.session.id, is_typing)
