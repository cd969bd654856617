"""One write transaction: its connection, its timestamp, and the events it appends to the log.

The service builds every change through a Transaction inside the database writer's thread; the
events collected here are published once the transaction has committed.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field, replace
from typing import Any

from chat.errors import NotFound
from chat.models import (
    Agent,
    Attachment,
    Event,
    Message,
    SenderType,
    Session,
    SessionStatus,
    encode,
    now_iso,
)
from chat.storage import events, messages, sessions


@dataclass(slots=True)
class Posted:
    message: Message
    session: Session
    created: bool
    events: list[Event] = field(default_factory=list)


@dataclass(slots=True)
class Changed:
    session: Session
    events: list[Event] = field(default_factory=list)


class Transaction:
    """One write: its connection, its timestamp and the events it appends."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn
        self.now = now_iso()
        self.events: list[Event] = []

    def session(self, session_id: int) -> Session:
        found = sessions.get_session(self.conn, session_id)
        if found is None:
            raise NotFound("No such conversation.")
        return found

    def emit(self, type_: str, session_id: int, data: Any, public: Any | None) -> None:
        public_data = None if public is None else encode(public)
        event = events.insert_event(
            self.conn, type_, session_id, encode(data), public_data, self.now
        )
        self.events.append(event)

    def emit_session(self, type_: str, session: Session, *, public: bool = True) -> None:
        self.emit(
            type_,
            session.id,
            {"session": session.agent_view()},
            {"session": session.public_view()} if public else None,
        )

    def set_status(self, session: Session, status: SessionStatus, agent_id: int | None) -> Session:
        sessions.update_session_status(self.conn, session.id, status, agent_id, self.now)
        return self.session(session.id)

    def append(
        self,
        session: Session,
        sender: SenderType,
        content: str,
        *,
        agent: Agent | None = None,
        sender_name: str | None = None,
        client_id: str | None = None,
        attachment: Attachment | None = None,
    ) -> Posted:
        """Store a message with the session's next seq and emit chat.message.new.

        `session` is the session as this transaction left it; the view sent out is derived
        from it and the new message instead of being read back."""
        message = messages.insert_message(
            self.conn,
            session.id,
            sender,
            agent.name if agent else sender_name,
            agent.id if agent else None,
            content,
            client_id,
            self.now,
            encode(attachment.view()) if attachment else None,
        )
        session = replace(
            session,
            message_count=session.message_count + 1,
            last_message=message,
            human_replied=session.human_replied or sender is SenderType.AGENT,
            updated_at=self.now,
        )
        view = message.view()
        self.emit(
            "chat.message.new",
            session.id,
            {"message": view, "session": session.agent_view()},
            {"message": view, "session": session.public_view()},
        )
        return Posted(message, session, True, self.events)

    def assign(self, session: Session, agent: Agent) -> Session:
        session = self.set_status(session, SessionStatus.ACTIVE, agent.id)
        ref = agent.ref()
        self.emit(
            "chat.session.assigned",
            session.id,
            {"session": session.agent_view(), "agent": ref},
            {"session": session.public_view(), "agent": ref},
        )
        joined = {"session_id": session.id, "agent": ref}
        self.emit("chat.agent.joined", session.id, joined, joined)
        return session
