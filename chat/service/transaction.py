"""One write transaction: its connection, its timestamp, and the events it appends to the log.

The service builds every change through a Transaction inside the database writer's thread; the
events collected here are published once the transaction has committed.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol

from chat import events as catalogue
from chat.codec import encode_text
from chat.errors import NotFound
from chat.events import Data, EventType, encode_data
from chat.models import (
    Agent,
    Attachment,
    Event,
    Message,
    SenderType,
    Session,
    SessionStatus,
    iso_time,
)
from chat.storage import events, messages, queue, reports, sessions, webhooks
from chat.wire import AgentRef, AttachmentView, MessageView, PublicSessionView, SessionView


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

    def __init__(
        self,
        conn: sqlite3.Connection,
        available: frozenset[int] = frozenset(),
        moment: datetime | None = None,
    ) -> None:
        self.conn = conn
        # The moment of the write (Settings.clock: the real time outside tests): its timestamp,
        # and the moment business hours are judged at.
        self.moment = moment or datetime.now(UTC)
        self.now = iso_time(self.moment)
        self.events: list[Event] = []
        # The agents online and Available when the write was queued: whom routing may choose.
        self.available = available
        # Whether a conversation entered or left the queue (its customers hear of their place).
        self.queue_changed = False
        # Whether the latest close ended a person's cycle (False: the AI alone had it).
        self.cycle_closed = False
        # Whether an event queued webhook deliveries (the sender is woken after the commit).
        self.deliveries_queued = False

    def session(self, session_id: int) -> Session:
        found = sessions.get_session(self.conn, session_id)
        if found is None:
            raise NotFound("No such conversation.")
        return found

    def session_head(self, session_id: int) -> Session:
        """The session without its last message, for appending one (storage's
        get_session_head)."""
        found = sessions.get_session_head(self.conn, session_id)
        if found is None:
            raise NotFound("No such conversation.")
        return found

    def emit(self, kind: EventType, session_id: int, data: Data, public: Data | None) -> None:
        """Append a stored event: its data encoded once for agents and once for the customer
        (None when the customer does not get it), each of the catalogue's type."""
        assert kind.stored and isinstance(data, kind.data), kind.name
        assert (public is None) or (kind.public and isinstance(public, kind.public)), kind.name
        public_data = None if public is None else encode_data(public)
        event = events.insert_event(
            self.conn, kind.name, session_id, encode_data(data), public_data, self.now
        )
        self.events.append(event)
        # The webhooks' outbox: written with the event, so a delivery exists iff it committed.
        if webhooks.queue_deliveries(self.conn, kind.name, event.id, self.now):
            self.deliveries_queued = True

    def emit_session(self, kind: EventType, session: Session, *, public: bool = True) -> None:
        """An event whose data is the session alone (started, updated, closed)."""
        self.emit(
            kind,
            session.id,
            catalogue.SessionData(SessionView.of(session)),
            catalogue.PublicSessionData(PublicSessionView.of(session)) if public else None,
        )

    def set_status(
        self,
        session: Session,
        status: SessionStatus,
        agent_id: int | None,
        *,
        survey: bool = False,
    ) -> Session:
        """Change the status; entering the queue takes the last place in it (requeue() gives
        the front), and leaving it ends the wait that routing's estimates are made from.

        The reports' facts are written here too: a person's cycle begins when the conversation
        is queued or taken from the AI (or reopened), its first assignment is kept, and a close
        ends it (`survey`: the close asks the customer for a rating)."""
        if status is SessionStatus.QUEUED and session.status is not SessionStatus.QUEUED:
            return self.requeue(session, front=False)
        sessions.update_session_status(self.conn, session.id, status, agent_id, self.now)
        if session.status is SessionStatus.QUEUED and status is not SessionStatus.QUEUED:
            outcome = "assigned" if status is SessionStatus.ACTIVE else status.value
            queue.end_wait(self.conn, session.id, self.now, outcome, agent_id)
            self.queue_changed = True
        if status is SessionStatus.ACTIVE and agent_id is not None:
            reports.open_cycle(
                self.conn,
                session.id,
                self.now,
                queued=False,
                reopened=session.status is SessionStatus.CLOSED,
            )
            reports.mark_assigned(self.conn, session.id, self.now, agent_id)
            reports.add_holder(self.conn, session.id, agent_id)
        elif status is SessionStatus.CLOSED:
            self.cycle_closed = reports.close_cycle(
                self.conn, session.id, self.now, agent_id, survey
            )
        return self.session(session.id)

    def requeue(self, session: Session, *, front: bool) -> Session:
        """The conversation waits for a person: last in the queue, or (`front`) before every
        conversation that was simply queued, in the order these were first queued."""
        queue.enter_queue(self.conn, session.id, self.now, front)
        reports.open_cycle(
            self.conn,
            session.id,
            self.now,
            queued=True,
            reopened=session.status is SessionStatus.CLOSED,
        )
        self.queue_changed = True
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
            encode_text(AttachmentView.of(attachment)) if attachment else None,
        )
        if sender is SenderType.AGENT and agent is not None:
            reports.mark_replied(self.conn, session.id, self.now, agent.id)
        return self._posted(session, message, sender is SenderType.AGENT)

    def append_new(
        self,
        session: Session,
        sender: SenderType,
        content: str,
        sender_name: str | None,
        client_id: str,
    ) -> Posted | None:
        """As append (no agent, no attachment), unless the session already has a message with
        this client_id: then nothing is stored and None is returned."""
        message = messages.insert_new_message(
            self.conn, session.id, sender, sender_name, content, client_id, self.now
        )
        return None if message is None else self._posted(session, message, False)

    def _posted(self, session: Session, message: Message, by_agent: bool) -> Posted:
        session = session.after_message(message, self.now, by_agent)
        view = MessageView.of(message)
        self.emit(
            catalogue.MESSAGE_NEW,
            session.id,
            catalogue.MessageNew(view, SessionView.of(session, last=view)),
            catalogue.PublicMessageNew(view, PublicSessionView.of(session)),
        )
        return Posted(message, session, True, self.events)

    def assign(self, session: Session, agent: Agent) -> Session:
        session = self.set_status(session, SessionStatus.ACTIVE, agent.id)
        ref = AgentRef.of(agent)
        self.emit(
            catalogue.SESSION_ASSIGNED,
            session.id,
            catalogue.SessionAssigned(SessionView.of(session), ref),
            catalogue.PublicSessionAssigned(PublicSessionView.of(session), ref),
        )
        joined = catalogue.AgentJoined(session.id, ref)
        self.emit(catalogue.AGENT_JOINED, session.id, joined, joined)
        return session


class Write(Protocol):
    """How a part of the service writes: `work` runs in one transaction, its events are
    published once that transaction has committed, and then `then` is called with its result,
    still within the write batch's hand-out (ChatService._write)."""

    def __call__(
        self, work: Callable[[Transaction], Any], then: Callable[[Any], None] | None = None
    ) -> Awaitable[Any]: ...
