"""The catalogue of server frames: each type once, with its data's type for each audience,
who receives it and whether it is stored. Frames are `{"type", "data", "event_id", "ts"}`;
stored events carry an `event_id`, ephemeral ones null."""

# No `from __future__ import annotations`: msgspec reads these annotations at run time.

from dataclasses import dataclass
from typing import Any, Literal

import msgspec
from msgspec import Struct

from chat.models import Presence, SenderType, now_iso
from chat.wire import (
    AgentRef,
    AgentView,
    CsatView,
    MessageView,
    NoteView,
    PresenceEntry,
    PublicSessionView,
    ServerLimits,
    SessionView,
    Time,
)


class Data(Struct, omit_defaults=True):
    """The `data` of a server frame. Optional fields are left out when they have no value."""


class SessionData(Data, omit_defaults=False):
    session: SessionView


class PublicSessionData(Data, omit_defaults=False):
    session: PublicSessionView


class MessageNew(Data, omit_defaults=False):
    message: MessageView
    session: SessionView


class PublicMessageNew(Data, omit_defaults=False):
    message: MessageView
    session: PublicSessionView


class SessionAssigned(Data, omit_defaults=False):
    session: SessionView
    agent: AgentRef


class PublicSessionAssigned(Data, omit_defaults=False):
    session: PublicSessionView
    agent: AgentRef


class AgentJoined(Data, omit_defaults=False):
    session_id: int
    agent: AgentRef


class Read(Data, omit_defaults=False):
    """A read mark moved. The customer's copy never names the agent (agent is null)."""

    session_id: int
    reader: Literal["customer", "agent"]
    seq: int
    agent: AgentRef | None
    read_at: Time


class Typing(Data, omit_defaults=False):
    session_id: int
    sender_type: SenderType
    name: str | None
    is_typing: bool


class Viewing(Data, omit_defaults=False):
    session_id: int
    agent: AgentRef
    is_viewing: bool


class AgentPresence(Data):
    agent: AgentRef
    status: Presence
    removed: bool = False  # true once: the agent was removed from the team


class Availability(Data, omit_defaults=False):
    agents_available: bool


class MessageAck(Data, omit_defaults=False):
    client_id: str
    message: MessageView


class ErrorData(Data):
    code: str
    message: str
    client_id: str | None = None  # the refused frame's, when it had a well-formed one
    retry_after: int | None = None  # seconds, with rate_limited


class Pong(Data):
    pass


class QueuePlace(Data, omit_defaults=False):
    """The customer's place in the queue, and how long they may expect to wait (null until
    there are enough recent waits to say)."""

    position: int
    expected_wait_seconds: int | None


class NoteNew(Data, omit_defaults=False):
    note: NoteView
    session: SessionView


class Mention(Data, omit_defaults=False):
    """A note named an agent (`agent`); their page notifies them, whoever holds the
    conversation. Every agent socket gets it (notes are no secret among agents)."""

    note: NoteView
    session: SessionView
    agent: AgentRef


class Transferred(Data, omit_defaults=False):
    """A conversation was handed from one agent to another (who is notified)."""

    session: SessionView
    from_agent: AgentRef
    to_agent: AgentRef
    note: NoteView | None


class ViewingNow(Data, omit_defaults=False):
    session_id: int
    agent: AgentRef


class CsatRequested(Data, omit_defaults=False):
    """An agent closed the conversation and asks its customer for a rating (TEAMS.md)."""

    session_id: int


class CsatReceived(Data, omit_defaults=False):
    """The customer rated the conversation."""

    session_id: int
    csat: CsatView


class AgentReady(Data, omit_defaults=False):
    resumed: bool
    resync_required: bool
    last_event_id: int
    agent: AgentView
    viewing: list[ViewingNow]
    presence: list[PresenceEntry]
    limits: ServerLimits


class CustomerReady(Data, omit_defaults=False):
    resumed: bool
    resync_required: bool
    last_event_id: int
    session: PublicSessionView
    agents_available: bool
    limits: ServerLimits


@dataclass(frozen=True, slots=True)
class EventType:
    """One type of server frame. `public` is the type of the customer's copy (None: customers
    never get it); `stored` events are in the log, replayed on resume, with an event_id."""

    name: str
    data: type[Data]
    public: type[Data] | None
    stored: bool
    audience: str


def _event(name: str, data: Any, public: Any, stored: bool, audience: str) -> EventType:
    return EventType(name, data, public, stored, audience)


SESSION_STARTED = _event("chat.session.started", SessionData, None, True, "agents")
MESSAGE_NEW = _event(
    "chat.message.new", MessageNew, PublicMessageNew, True, "agents; the session's customer"
)
SESSION_ASSIGNED = _event(
    "chat.session.assigned", SessionAssigned, PublicSessionAssigned, True, "agents; the customer"
)
AGENT_JOINED = _event(
    "chat.agent.joined",
    AgentJoined,
    AgentJoined,
    True,
    "the customer; agents; always after the chat.session.assigned it follows",
)
SESSION_UPDATED = _event(
    "chat.session.updated",
    SessionData,
    PublicSessionData,
    True,
    "agents; the customer (status changes such as a handoff)",
)
SESSION_CLOSED = _event(
    "chat.session.closed", SessionData, PublicSessionData, True, "agents; the customer"
)
READ = _event("chat.read", Read, Read, True, "agents; the customer (without the agent's name)")
TYPING = _event(
    "chat.typing",
    Typing,
    Typing,
    False,
    "customer typing to agents; agent typing to the customer and the other agents",
)
VIEWING = _event("chat.viewing", Viewing, None, False, "the other agents")
AGENT_PRESENCE = _event("agent.presence", AgentPresence, None, False, "agents")
AVAILABILITY = _event("chat.availability", Availability, Availability, False, "every customer")
QUEUE = _event("chat.queue", QueuePlace, QueuePlace, False, "the customer of a queued conversation")
NOTE_NEW = _event("chat.note.new", NoteNew, None, True, "agents only: never the customer")
MENTION = _event(
    "chat.mention",
    Mention,
    None,
    True,
    "agents only (the mentioned agent, named by `agent`, is notified): never the customer",
)
SESSION_TRANSFERRED = _event(
    "chat.session.transferred",
    Transferred,
    None,
    True,
    "agents only (the receiving agent is notified); after its chat.session.assigned",
)
CSAT_REQUESTED = _event(
    "chat.csat.requested",
    CsatRequested,
    CsatRequested,
    True,
    "agents; the customer: after the chat.session.closed of a close that asks for a rating",
)
CSAT_RECEIVED = _event(
    "chat.csat.received", CsatReceived, CsatReceived, True, "agents; the customer"
)
MESSAGE_ACK = _event("chat.message.ack", MessageAck, MessageAck, False, "the sender")
ERROR = _event("error", ErrorData, ErrorData, False, "the sender")
PONG = _event("pong", Pong, Pong, False, "the sender")
CONNECTION_READY = _event(
    "connection.ready", AgentReady, CustomerReady, False, "the connecting socket, once"
)

CATALOGUE: dict[str, EventType] = {
    kind.name: kind
    for kind in (
        CONNECTION_READY,
        SESSION_STARTED,
        MESSAGE_NEW,
        SESSION_ASSIGNED,
        AGENT_JOINED,
        SESSION_UPDATED,
        SESSION_CLOSED,
        READ,
        TYPING,
        VIEWING,
        AGENT_PRESENCE,
        AVAILABILITY,
        QUEUE,
        NOTE_NEW,
        MENTION,
        SESSION_TRANSFERRED,
        CSAT_REQUESTED,
        CSAT_RECEIVED,
        MESSAGE_ACK,
        ERROR,
        PONG,
    )
}


class EphemeralFrame(Struct):
    type: str
    data: Data
    event_id: None
    ts: str


_encoder = msgspec.json.Encoder()


def encode_data(data: Data) -> str:
    """A stored event's data, as kept in the log (JSON text)."""
    return _encoder.encode(data).decode()


def ephemeral_frame(kind: EventType, data: Data) -> str:
    """A frame that is not stored: typing, acks, errors, pong, connection.ready."""
    assert not kind.stored, kind.name
    return _encoder.encode(EphemeralFrame(kind.name, data, None, now_iso())).decode()
