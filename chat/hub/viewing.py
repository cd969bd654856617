"""Which agent has which conversation open, so that others see a collision coming."""

from __future__ import annotations

import json

from chat import events
from chat.events import ViewingNow, ephemeral_frame
from chat.hub.backplane import Delivery
from chat.hub.hub import Hub
from chat.wire import AgentRef


class ViewingRelay:
    """One open conversation per agent socket; changes go to the other agents at once."""

    def __init__(self, hub: Hub) -> None:
        self.hub = hub
        self._open: dict[str, tuple[int, AgentRef]] = {}
        self._elsewhere: dict[str, tuple[int, AgentRef]] = {}  # other nodes' sockets
        hub.listeners["viewing"] = self._hear

    def update(self, socket_id: str, agent: AgentRef | None, session_id: int | None) -> None:
        """The agent on `socket_id` now has `session_id` open (None: nothing)."""
        before = self._open.get(socket_id)
        if before is not None and before[0] == session_id:
            return
        if before is not None:
            del self._open[socket_id]
            self._relay(socket_id, before[0], before[1], False)
        if session_id is not None and agent is not None:
            self._open[socket_id] = (session_id, agent)
            self._relay(socket_id, session_id, agent, True)

    def forget(self, socket_id: str) -> None:
        self.update(socket_id, None, None)

    def current(self) -> list[ViewingNow]:
        """Who has what open now: sent to an agent socket when it connects."""
        return [
            ViewingNow(sid, agent)
            for sid, agent in (*self._open.values(), *self._elsewhere.values())
        ]

    def _hear(self, delivery: Delivery) -> None:
        """A viewing change relayed by any node: another node's is kept for `current()`."""
        socket_id = delivery.skip
        if socket_id is None or socket_id in self._open or delivery.agent_frame is None:
            return
        data = json.loads(delivery.agent_frame)["data"]
        if data["is_viewing"]:
            agent = data["agent"]
            self._elsewhere[socket_id] = (data["session_id"], AgentRef(agent["id"], agent["name"]))
        elif self._elsewhere.get(socket_id, (None,))[0] == data["session_id"]:
            del self._elsewhere[socket_id]

    def _relay(self, socket_id: str, session_id: int, agent: AgentRef, on: bool) -> None:
        frame = ephemeral_frame(events.VIEWING, events.Viewing(session_id, agent, on))
        self.hub.publish_ephemeral(
            Delivery(None, session_id, frame, None, socket_id, topic="viewing")
        )
