"""Which agent has which conversation open, so that others see a collision coming."""

from __future__ import annotations

from typing import Any

from chat.hub.backplane import Delivery
from chat.hub.hub import Hub
from chat.models import ephemeral_frame


class ViewingRelay:
    """One open conversation per agent socket; changes go to the other agents at once."""

    def __init__(self, hub: Hub) -> None:
        self.hub = hub
        self._open: dict[str, tuple[int, dict[str, Any]]] = {}

    def update(self, socket_id: str, agent: dict[str, Any], session_id: int | None) -> None:
        """The agent on `socket_id` now has `session_id` open (None: nothing)."""
        before = self._open.get(socket_id)
        if before is not None and before[0] == session_id:
            return
        if before is not None:
            del self._open[socket_id]
            self._relay(socket_id, before[0], before[1], False)
        if session_id is not None:
            self._open[socket_id] = (session_id, agent)
            self._relay(socket_id, session_id, agent, True)

    def forget(self, socket_id: str) -> None:
        self.update(socket_id, {}, None)

    def current(self) -> list[dict[str, Any]]:
        """Who has what open now: sent to an agent socket when it connects."""
        return [{"session_id": sid, "agent": agent} for sid, agent in self._open.values()]

    def _relay(self, socket_id: str, session_id: int, agent: dict[str, Any], on: bool) -> None:
        frame = ephemeral_frame(
            "chat.viewing", {"session_id": session_id, "agent": agent, "is_viewing": on}
        )
        self.hub.publish_ephemeral(Delivery(None, session_id, frame, None, socket_id))
