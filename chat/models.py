"""Frozen dataclasses for what we store; their views on the wire are in chat/wire.py."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

Row = Mapping[str, Any]


def now_iso() -> str:
    """The current time as the contract writes times: ISO-8601 UTC, milliseconds, `Z`."""
    return iso_time(datetime.now(UTC))


def iso_time(moment: datetime) -> str:
    """An aware moment as the contract writes times: ISO-8601 UTC, milliseconds, `Z`."""
    # isoformat truncates to milliseconds as the contract does, and is C: 0.7 µs less than
    # strftime, on every event and message (issue #24).
    return moment.astimezone(UTC).isoformat(timespec="milliseconds")[:23] + "Z"


def parse_time(text: str) -> datetime:
    """A time as the contract writes it (iso_time), as an aware moment."""
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


class SessionStatus(StrEnum):
    BOT = "bot"
    QUEUED = "queued"
    ACTIVE = "active"
    CLOSED = "closed"


class SenderType(StrEnum):
    CUSTOMER = "customer"
    AGENT = "agent"
    AI = "ai"
    SYSTEM = "system"


# Rows' values to their members by a dict lookup: calling an Enum class is ~1 µs a call, and a
# session read makes two (issue #24).
SESSION_STATUSES = {status.value: status for status in SessionStatus}
SENDER_TYPES = {sender.value: sender for sender in SenderType}


class Presence(StrEnum):
    """What an agent shows the team. They choose available or busy; offline is derived."""

    AVAILABLE = "available"
    BUSY = "busy"
    OFFLINE = "offline"


class Role(StrEnum):
    AGENT = "agent"
    ADMIN = "admin"


@dataclass(frozen=True, slots=True)
class Agent:
    id: int
    name: str
    email: str
    role: Role
    password_hash: str
    is_active: bool
    presence: Presence = Presence.AVAILABLE  # the status they chose: available or busy
    capacity: int | None = None  # open conversations routing may give them; None: the default

    @classmethod
    def from_row(cls, row: Row) -> Agent:
        return cls(
            id=row["id"],
            name=row["name"],
            email=row["email"],
            role=Role(row["role"]),
            password_hash=row["password_hash"],
            is_active=bool(row["is_active"]),
            presence=Presence(row["presence"]),
            capacity=row["capacity"],
        )

    @property
    def is_admin(self) -> bool:
        return self.role is Role.ADMIN


@dataclass(frozen=True, slots=True)
class AuditEntry:
    """One admin write: who, what, when."""

    id: int
    agent_id: int | None
    agent_name: str
    action: str
    detail: str
    created_at: str

    @classmethod
    def from_row(cls, row: Row) -> AuditEntry:
        return cls(**{name: row[name] for name in cls.__slots__})  # type: ignore[attr-defined]


@dataclass(frozen=True, slots=True)
class ApiKey:
    """An API key as its admin sees it (never the token: only its hash is stored)."""

    id: int
    name: str
    scope: str  # "read" (GET and HEAD only) or "write"
    prefix: str
    created_by: int
    created_by_name: str
    created_at: str
    last_used_at: str | None
    revoked_at: str | None

    @classmethod
    def from_row(cls, row: Row) -> ApiKey:
        return cls(**{name: row[name] for name in cls.__slots__})  # type: ignore[attr-defined]


@dataclass(frozen=True, slots=True)
class KeyHolder:
    """Who a live API key acts for: its creator (still active), with the key's scope."""

    key_id: int
    scope: str
    last_used_at: str | None
    agent: Agent


@dataclass(frozen=True, slots=True)
class Article:
    """A knowledge-base article: Markdown the AI answers from."""

    slug: str
    title: str
    body: str
    version: int
    updated_at: str

    @classmethod
    def from_row(cls, row: Row) -> Article:
        return cls(**{name: row[name] for name in cls.__slots__})  # type: ignore[attr-defined]


@dataclass(frozen=True, slots=True)
class Attachment:
    """A file sent in a conversation; its bytes are in the data folder under `stored_name`."""

    id: int
    session_id: int
    name: str
    content_type: str
    size: int
    sha256: str
    stored_name: str
    created_at: str

    @classmethod
    def from_row(cls, row: Row) -> Attachment:
        return cls(**{name: row[name] for name in cls.__slots__})  # type: ignore[attr-defined]


@dataclass(frozen=True, slots=True)
class Message:
    id: int
    session_id: int
    seq: int
    sender_type: SenderType
    sender_name: str | None
    agent_id: int | None
    content: str
    client_id: str | None
    created_at: str
    attachment: str | None = None  # the attachment's view as JSON, as stored

    @classmethod
    def from_row(cls, row: Row, prefix: str = "") -> Message:
        p = prefix
        return cls(
            id=row[p + "id"],
            session_id=row[p + "session_id"],
            seq=row[p + "seq"],
            sender_type=SENDER_TYPES[row[p + "sender_type"]],
            sender_name=row[p + "sender_name"],
            agent_id=row[p + "agent_id"],
            content=row[p + "content"],
            client_id=row[p + "client_id"],
            created_at=row[p + "created_at"],
            attachment=row[p + "attachment"],
        )

    def attachment_view(self) -> dict[str, Any] | None:
        """The file this message carries ({"id", "name", "content_type", "size"}), if any."""
        return json.loads(self.attachment) if self.attachment else None


@dataclass(frozen=True, slots=True)
class Session:
    id: int
    status: SessionStatus
    customer_name: str | None
    customer_email: str | None
    page_url: str | None
    assigned_agent: dict[str, Any] | None
    message_count: int
    last_message: Message | None
    human_replied: bool
    created_at: str
    updated_at: str
    customer_read_seq: int
    agent_read_seq: int
    queue_position: int | None = None  # 1.. while queued
    waiting_since: str | None = None  # when this wait for a person began (while queued)
    labels: tuple[Label, ...] = ()  # by name

    @classmethod
    def from_row(cls, row: Row, queue_position: int | None = None) -> Session:
        """A row of storage.sessions' SESSION_SELECT: the session, its agent, its last message;
        `queue_position` when the caller found the place itself (the row's is then NULL)."""
        agent = None
        if row["assigned_agent_id"] is not None:
            agent = {"id": row["assigned_agent_id"], "name": row["agent_name"]}
        last = Message.from_row(row, "m_") if row["m_id"] is not None else None
        return cls(
            id=row["id"],
            status=SESSION_STATUSES[row["status"]],
            customer_name=row["customer_name"],
            customer_email=row["customer_email"],
            page_url=row["page_url"],
            assigned_agent=agent,
            message_count=row["message_count"],
            last_message=last,
            human_replied=bool(row["human_replied"]),
            created_at=row["created_at"],
            updated_at=row["updated_at"],
            customer_read_seq=row["customer_read_seq"],
            agent_read_seq=row["agent_read_seq"],
            queue_position=row["queue_position"] if queue_position is None else queue_position,
            waiting_since=row["waiting_since"] if row["status"] == "queued" else None,
            labels=_labels(row["labels"]),
        )

    def after_message(self, message: Message, now: str, by_agent: bool) -> Session:
        """This session once `message` was appended (what dataclasses.replace would give, in
        half the time: it runs for every message in the writer, issue #24)."""
        return Session(
            self.id,
            self.status,
            self.customer_name,
            self.customer_email,
            self.page_url,
            self.assigned_agent,
            self.message_count + 1,
            message,
            self.human_replied or by_agent,
            self.created_at,
            now,
            self.customer_read_seq,
            self.agent_read_seq,
            self.queue_position,
            self.waiting_since,
            self.labels,
        )

    @property
    def assigned_agent_id(self) -> int | None:
        return self.assigned_agent["id"] if self.assigned_agent else None

    @property
    def last_seq(self) -> int:
        return self.last_message.seq if self.last_message else 0


def _labels(raw: str | None) -> tuple[Label, ...]:
    """A session row's labels, aggregated as JSON by the query (null or "[]" when none)."""
    if not raw or raw == "[]":
        return ()  # most conversations: no JSON to parse on every session read
    found = [Label(item["id"], item["name"], item["color"]) for item in json.loads(raw)]
    return tuple(sorted(found, key=lambda label: (label.name.lower(), label.id)))


@dataclass(frozen=True, slots=True)
class Note:
    """A private note on a conversation: agents only, never the customer, no seq. `mentions`
    are the agents it named, as they were when it was written."""

    id: int
    session_id: int
    agent_id: int | None
    agent_name: str
    body: str
    client_id: str | None
    mentions: tuple[tuple[int, str], ...]
    created_at: str

    @classmethod
    def from_row(cls, row: Row) -> Note:
        mentions = tuple((m["id"], m["name"]) for m in json.loads(row["mentions"] or "[]"))
        return cls(
            id=row["id"],
            session_id=row["session_id"],
            agent_id=row["agent_id"],
            agent_name=row["agent_name"],
            body=row["body"],
            client_id=row["client_id"],
            mentions=mentions,
            created_at=row["created_at"],
        )


@dataclass(frozen=True, slots=True)
class CannedResponse:
    """A saved reply any agent can insert by its shortcode."""

    id: int
    shortcode: str
    content: str

    @classmethod
    def from_row(cls, row: Row) -> CannedResponse:
        return cls(id=row["id"], shortcode=row["shortcode"], content=row["content"])


@dataclass(frozen=True, slots=True)
class Label:
    """A tag an admin defines and agents put on conversations."""

    id: int
    name: str
    color: str

    @classmethod
    def from_row(cls, row: Row) -> Label:
        return cls(id=row["id"], name=row["name"], color=row["color"])


@dataclass(frozen=True, slots=True)
class Event:
    """A stored event: its data is kept JSON-encoded once per audience.

    `public_data` is None when the session's customer is not in the audience.
    """

    id: int
    type: str
    session_id: int | None
    data: str
    public_data: str | None
    created_at: str

    @classmethod
    def from_row(cls, row: Row) -> Event:
        return cls(
            id=row["id"],
            type=row["type"],
            session_id=row["session_id"],
            data=row["data"],
            public_data=row["public_data"],
            created_at=row["created_at"],
        )

    def agent_frame(self) -> str:
        return self._frame(self.data)

    def public_frame(self) -> str | None:
        return None if self.public_data is None else self._frame(self.public_data)

    def _frame(self, data: str) -> str:
        # data is already JSON; the frame is assembled around it instead of re-encoding it.
        return (
            f'{{"type":{json.dumps(self.type)},"data":{data},'
            f'"event_id":{self.id},"ts":"{self.created_at}"}}'
        )


@dataclass(frozen=True, slots=True)
class Part:
    text: str
    match: bool


@dataclass(frozen=True, slots=True)
class Hit:
    message: Message
    parts: tuple[Part, ...]

    @property
    def snippet(self) -> str:
        return "".join(part.text for part in self.parts)


@dataclass(frozen=True, slots=True)
class Found:
    session: Session
    hits: list[Hit]


@dataclass(frozen=True, slots=True)
class Webhook:
    """An endpoint that receives events (Standard Webhooks 1.0); `secret` is whsec_…"""

    id: int
    url: str
    secret: str
    events: str  # JSON list of event types, as asked
    include_notes: bool
    enabled: bool
    disabled_reason: str | None
    created_at: str

    @classmethod
    def from_row(cls, row: Row) -> Webhook:
        values = {name: row[name] for name in cls.__slots__}  # type: ignore[attr-defined]
        values["include_notes"] = bool(values["include_notes"])
        values["enabled"] = bool(values["enabled"])
        return cls(**values)


@dataclass(frozen=True, slots=True)
class WebhookDelivery:
    """One event for one endpoint: pending until a 2xx, failed once the retries are spent."""

    id: int
    webhook_id: int
    event_id: int | None
    type: str
    payload: str | None
    status: str  # pending | delivered | failed
    attempts: int
    next_attempt_at: str
    last_status_code: int | None
    last_error: str | None
    last_duration_ms: int | None
    created_at: str
    delivered_at: str | None

    @classmethod
    def from_row(cls, row: Row) -> WebhookDelivery:
        return cls(**{name: row[name] for name in cls.__slots__})  # type: ignore[attr-defined]
