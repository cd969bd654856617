"""What crosses the wire: every request body, query, client frame and view, one typed declaration
each (msgspec Structs). The same declaration decodes and validates, encodes, and gives the schema
of /openapi.json and /asyncapi.json. Limits are named here and valued by `Limits` at start."""

# No `from __future__ import annotations`: msgspec reads these annotations at run time.

import re
from dataclasses import dataclass
from typing import Annotated, Any, ClassVar, Literal

import msgspec
from msgspec import Meta, Struct

from chat.attachments import EXTENSIONS
from chat.config import Limits
from chat.models import (
    Agent,
    ApiKey,
    Attachment,
    CannedResponse,
    Label,
    Message,
    Note,
    Presence,
    Role,
    SenderType,
    Session,
    SessionStatus,
    Webhook,
    WebhookDelivery,
)

MAX_ID = 2**63 - 1
CLIENT_ID_PATTERN = "^[A-Za-z0-9_-]{1,64}$"
CLIENT_ID = re.compile(CLIENT_ID_PATTERN)
EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s.]+")


@dataclass(frozen=True, slots=True)
class Text:
    """A text field's rules, applied after decoding: trimmed (multi-line text has its line ends
    made \\n), then at most `Limits.<limit>` characters, no control characters (\\n and \\t
    only where `multiline`); blank is refused when `required`, else it becomes None."""

    limit: str
    multiline: bool = False
    required: bool = True
    email: bool = False
    mailbox: bool = False  # one address mail will be sent to: chat/mailbox.py checks it strictly


@dataclass(frozen=True, slots=True)
class Count:
    """A page size from the query: `Limits.<default>` when absent, capped at `Limits.<most>`."""

    default: str
    most: str


# -- field types ----------------------------------------------------------------------------

Id = Annotated[int, Meta(ge=1, le=MAX_ID, description="A positive id.")]
Seq = Annotated[int, Meta(ge=0, le=MAX_ID)]
ReadSeq = Annotated[
    int,
    Meta(
        ge=0,
        le=MAX_ID,
        description="The seq of the newest message read; above the newest it is clamped.",
    ),
]
Time = Annotated[
    str,
    Meta(
        pattern=r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$",
        extra_json_schema={"format": "date-time"},
    ),
]
ClientId = Annotated[
    str,
    Meta(pattern=CLIENT_ID_PATTERN, description="The sender's id for this message: retry-safe."),
]
SessionKey = Annotated[str, Meta(min_length=1, description="The conversation's secret key.")]
Content = Annotated[str, Text("content_max", multiline=True)]
Name = Annotated[str | None, Text("name_max", required=False)]
Email = Annotated[str | None, Text("email_max", required=False, email=True)]
PageUrl = Annotated[str | None, Text("page_url_max", required=False)]
# The languages the widget speaks (static/widget/locale-*.js), ar right to left.
Language = Literal["en", "de", "fr", "es", "ar"]
WidgetLocale = Literal["auto", "en", "de", "fr", "es", "ar"]
PageSize = Annotated[int, Meta(ge=1, le=MAX_ID, description="How many at most.")]
ChosenPresence = Annotated[
    str, Meta(description='"available" or "busy"; offline follows from the sockets.')
]


# -- views: what the API answers with -------------------------------------------------------


class View(Struct, omit_defaults=False):
    """An object of the contract, exactly: these fields and no others, in this order."""


class AgentRef(View):
    id: int
    name: str

    @classmethod
    def of(cls, agent: Agent) -> "AgentRef":
        return cls(agent.id, agent.name)


class AgentView(View):
    id: int
    name: str
    email: str
    role: Role

    @classmethod
    def of(cls, agent: Agent) -> "AgentView":
        return cls(agent.id, agent.name, agent.email, agent.role)


class AttachmentView(View):
    """What a message carries of its file: never where it is stored, nor its hash."""

    id: int
    name: str
    content_type: str
    size: int

    @classmethod
    def of(cls, attachment: Attachment) -> "AttachmentView":
        return cls(attachment.id, attachment.name, attachment.content_type, attachment.size)


class MessageView(View):
    id: int
    session_id: int
    seq: int
    sender_type: SenderType
    sender_name: str | None
    agent_id: int | None
    content: str
    client_id: str | None
    created_at: Time
    attachment: AttachmentView | None

    @classmethod
    def of(cls, message: Message) -> "MessageView":
        attachment = message.attachment and _attachment_decoder.decode(message.attachment)
        return cls(
            message.id,
            message.session_id,
            message.seq,
            message.sender_type,
            message.sender_name,
            message.agent_id,
            message.content,
            message.client_id,
            message.created_at,
            attachment or None,
        )


class SessionView(View):
    """A conversation as agents see it."""

    id: int
    status: SessionStatus
    customer_name: str | None
    customer_email: str | None
    page_url: str | None
    assigned_agent: AgentRef | None
    message_count: int
    last_message: MessageView | None
    created_at: Time
    updated_at: Time
    customer_read_seq: Seq
    agent_read_seq: Seq
    queue_position: int | None  # 1.. while queued, else null
    waiting_since: Time | None  # when this wait for a person began (while queued)
    labels: list["LabelView"]  # by name

    @classmethod
    def of(cls, session: Session, last: MessageView | None = None) -> "SessionView":
        """`last`: the view of the session's last message, when the caller made it already."""
        message = session.last_message
        return cls(
            session.id,
            session.status,
            session.customer_name,
            session.customer_email,
            session.page_url,
            _ref(session),
            session.message_count,
            last or (MessageView.of(message) if message else None),
            session.created_at,
            session.updated_at,
            session.customer_read_seq,
            session.agent_read_seq,
            session.queue_position,
            session.waiting_since,
            [LabelView.of(label) for label in session.labels],
        )


class PublicSessionView(View):
    """A conversation as its customer sees it: no emails, nothing internal."""

    id: int
    status: SessionStatus
    assigned_agent: AgentRef | None
    created_at: Time
    updated_at: Time
    customer_read_seq: Seq
    agent_read_seq: Seq
    queue_position: int | None  # 1.. while queued, else null (TEAMS.md, routing)

    @classmethod
    def of(cls, session: Session) -> "PublicSessionView":
        return cls(
            session.id,
            session.status,
            _ref(session),
            session.created_at,
            session.updated_at,
            session.customer_read_seq,
            session.agent_read_seq,
            session.queue_position,
        )


def _ref(session: Session) -> AgentRef | None:
    agent = session.assigned_agent
    return AgentRef(agent["id"], agent["name"]) if agent else None


class ServerLimits(View):
    """What the server accepts, so that clients need not hard-code it: the longest message
    (characters, after trimming), the largest file (bytes), and the file name extensions
    accepted (the type itself is read from the content)."""

    content_max: int
    attachment_max_bytes: int
    attachment_types: list[str]

    @classmethod
    def of(cls, limits: Limits) -> "ServerLimits":
        return cls(limits.content_max, limits.attachment_max_bytes, list(EXTENSIONS))


class PresenceEntry(View):
    agent: AgentRef
    status: Presence


_attachment_decoder = msgspec.json.Decoder(AttachmentView)


# -- request bodies -------------------------------------------------------------------------


class Request(Struct):
    """A request body or a client frame's data; unknown fields are ignored."""


class StartRequest(Request):
    name: Name = None
    email: Email = None
    page_url: PageUrl = None


class PublicMessageRequest(Request):
    session_key: SessionKey
    content: Content
    client_id: ClientId | None = None


class HandoffRequest(Request):
    session_key: SessionKey
    locale: Annotated[
        Language | None,
        Meta(description="The widget's language: the away message and notes are in it."),
    ] = None


class PublicReadRequest(Request):
    session_key: SessionKey
    seq: ReadSeq


class LoginRequest(Request):
    email: str
    password: str


class PresenceRequest(Request):
    status: ChosenPresence


class AgentMessageRequest(Request):
    session_id: Id
    content: Content
    client_id: ClientId | None = None


class AssignRequest(Request):
    agent_id: Id | None = None


class ReadRequest(Request):
    seq: ReadSeq


# -- queries --------------------------------------------------------------------------------


class Query(Struct):
    """Query parameters, converted from their text."""


class HistoryQuery(Query):
    after_seq: Annotated[int, Meta(ge=0, le=MAX_ID, description="Messages after this seq.")] = 0
    limit: Annotated[PageSize | None, Count("history_default", "history_max")] = None


class SessionsQuery(Query):
    status: SessionStatus | None = None
    assignee: (
        Annotated[
            str,
            Meta(
                pattern=r"^(me|none|[1-9][0-9]{0,18})$",
                description="`me`, `none` (unassigned) or an agent's id.",
            ),
        ]
        | None
    ) = None
    label: Annotated[
        list[Id],
        Meta(max_length=50, description="Label ids (repeat the parameter: label=1&label=2)."),
    ] = []
    label_match: Annotated[
        Literal["any", "all", "none"],
        Meta(description="Conversations with any, all or none of the labels."),
    ] = "any"
    limit: Annotated[PageSize | None, Count("sessions_default", "sessions_max")] = None


class SearchQuery(Query):
    q: Annotated[
        str | None,
        Meta(description="Words, all of which a message must hold; the last may be a prefix."),
    ] = None
    customer: Annotated[str | None, Text("email_max", required=False)] = None
    status: SessionStatus | None = None
    limit: Annotated[PageSize | None, Count("search_default", "search_max")] = None


class TranscriptQuery(Query):
    format: Literal["txt", "json", "csv"] = "txt"


# -- frames a client sends on a socket -------------------------------------------------------


class Frame(Request):
    """The `data` of a client frame; `type` names which (see CLIENT_FRAMES)."""

    type: ClassVar[str]


class MessageSendFrame(Frame):
    type = "chat.message.send"
    content: Content
    client_id: ClientId | None = None  # required on a socket; checked with its own message
    session_id: Id | None = None


class TypingFrame(Frame):
    type = "chat.typing"
    is_typing: bool
    session_id: Id | None = None


class ReadFrame(Frame):
    type = "chat.read"
    seq: ReadSeq
    session_id: Id | None = None


class ViewingFrame(Frame):
    """Agents only: which conversation this socket's agent has open (none: null)."""

    type = "chat.viewing"
    session_id: Id | None = None


class PresenceSetFrame(Frame):
    """Agents only: the status they choose."""

    type = "agent.presence.set"
    status: ChosenPresence


class PingFrame(Frame):
    type = "ping"


CLIENT_FRAMES: dict[str, type[Frame]] = {
    kind.type: kind
    for kind in (
        MessageSendFrame,
        TypingFrame,
        ReadFrame,
        ViewingFrame,
        PresenceSetFrame,
        PingFrame,
    )
}
AGENT_ONLY_FRAMES = {ViewingFrame, PresenceSetFrame}


class Envelope(Struct):
    """Every client frame: `{"type": ..., "data": {...}}`; data is decoded once its type is
    known."""

    type: str
    data: msgspec.Raw = msgspec.Raw(b"{}")


def field_rules(kind: type[Struct]) -> dict[str, Any]:
    """Each field's own rule (Text or Count) of a Struct type, by field name."""
    rules: dict[str, Any] = {}
    for field in msgspec.structs.fields(kind):
        for extra in getattr(field.type, "__metadata__", ()):
            if isinstance(extra, Text | Count | Upload):
                rules[field.name] = extra
    return rules


# -- answers: the bodies the REST API answers with -------------------------------------------


class MessageAnswer(View):
    message: MessageView


class StartAnswer(View):
    session_key: Annotated[str, Meta(min_length=22)]
    session: PublicSessionView
    messages: list[MessageView]


class PublicHistoryAnswer(View):
    session: PublicSessionView
    messages: list[MessageView]
    has_more: bool


class MessagesAnswer(View):
    messages: list[MessageView]
    has_more: bool


class PublicSessionAnswer(View):
    session: PublicSessionView


class SessionAnswer(View):
    session: SessionView


class SessionsAnswer(View):
    sessions: list[SessionView]


class LoginAnswer(View):
    token: str
    agent: AgentView


class AgentAnswer(View):
    agent: AgentView


class TeamAnswer(View):
    agents: list[PresenceEntry]


class AvailabilityAnswer(View):
    agents_available: bool


class PublicConfig(View):
    """What the widget needs at load: the limits, whether anyone is there, whether the team is
    within its business hours (`next_open`: when it opens, while closed; else null) and the
    widget settings an admin chose."""

    limits: ServerLimits
    agents_available: bool
    open_now: bool
    next_open: Time | None
    title: str
    greeting: str
    accent: str
    position: str
    ask_details: str
    locale: str
    greetings: Annotated[
        dict[str, str], Meta(description="The greeting by language; else `greeting`.")
    ]


class SnippetPart(View):
    text: str
    match: bool


class Match(View):
    message: MessageView
    snippet: Annotated[str, Meta(description="Plain text around the match.")]
    snippet_parts: Annotated[
        list[SnippetPart],
        Meta(
            description="The snippet cut where the matched words start and end; `match` marks"
            " them. Render as text, never as markup."
        ),
    ]


class SearchResult(View):
    session: SessionView
    matches: Annotated[list[Match], Meta(max_length=3)]


class SearchAnswer(View):
    results: list[SearchResult]


class Health(View):
    status: Literal["ok", "unavailable"]


class ErrorBody(View):
    code: str
    message: Annotated[str, Meta(min_length=1)]


class ErrorAnswer(View):
    """Every error: `{"error": {"code", "message"}}`."""

    error: ErrorBody


# -- multipart forms --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Upload:
    """A file part of at most `Limits.<limit>` bytes (documented; enforced while it streams)."""

    limit: str


File = Annotated[str, Upload("attachment_max_bytes")]
Caption = Annotated[str | None, Text("content_max", multiline=True, required=False)]


class PublicAttachmentForm(Request):
    """The text fields are decoded from the form; the file part streams to disk on its own."""

    session_key: SessionKey
    file: File = ""
    client_id: ClientId | None = None
    caption: Caption = None


class AgentAttachmentForm(Request):
    file: File = ""
    client_id: ClientId | None = None
    caption: Caption = None


# -- the admin area (TEAMS.md, "Agents and the admin area") -----------------------------------

HexColour = Annotated[str, Meta(pattern="^#[0-9A-Fa-f]{6}$", description="#RRGGBB")]
Capacity = Annotated[
    int,
    Meta(ge=0, le=1000, description="Open conversations routing may give them; 0: never."),
]
Slug = Annotated[str, Meta(pattern="^[a-z0-9-]{1,64}$")]
SettingText = Annotated[str, Text("setting_text_max")]
SettingLine = Annotated[str, Text("setting_text_max", required=False)]
Translations = Annotated[
    dict[Language, str],
    Text("setting_text_max", required=False),
    Meta(
        description="The same text by language (en, de, fr, es, ar), each held to the default"
        " text's rules; a blank one is dropped, a language left out gets the default text."
    ),
]
ArticleBody = Annotated[str, Text("article_max", multiline=True)]


class AdminAgentView(View):
    """An agent as an admin sees it (`presence` is our addition: what the team sees now)."""

    id: int
    name: str
    email: str
    role: Role
    active: bool
    capacity: int | None
    presence: Presence

    @classmethod
    def of(cls, agent: Agent, presence: Presence) -> "AdminAgentView":
        return cls(
            agent.id,
            agent.name,
            agent.email,
            agent.role,
            agent.is_active,
            agent.capacity,
            presence,
        )


class AgentsAnswer(View):
    agents: list[AdminAgentView]


class AdminAgentAnswer(View):
    agent: AdminAgentView


class NewAgentRequest(Request):
    name: Annotated[str, Text("name_max")]
    email: Annotated[str, Text("email_max", email=True)]
    role: Role = Role.AGENT


class NewAgentAnswer(View):
    agent: AdminAgentView
    setup_url: str


class AgentPatch(Request):
    """Only the fields sent change; `capacity: null` goes back to the routing default."""

    name: Annotated[str | msgspec.UnsetType, Text("name_max")] = msgspec.UNSET
    role: Role | msgspec.UnsetType = msgspec.UNSET
    capacity: Capacity | None | msgspec.UnsetType = msgspec.UNSET


class SetupUrlAnswer(View):
    setup_url: str


class WidgetSettings(Request):
    """The widget's look and manners; attributes on its <script> tag override each one."""

    title: SettingText
    greeting: SettingLine
    accent: HexColour
    position: Literal["right", "left"]
    ask_details: Literal["never", "optional", "required"]
    locale: WidgetLocale
    greetings: Translations = msgspec.field(default_factory=dict)


class AiSettingsRequest(Request):
    """`gemini_api_key`: null (or absent) keeps the stored key, "" removes it."""

    enabled: bool
    reply_delay: Annotated[float, Meta(ge=0, le=30)]
    gemini_model: Annotated[str, Meta(pattern="^[A-Za-z0-9._-]{1,64}$")]
    gemini_api_key: Annotated[str, Meta(max_length=200)] | None = None


class AiSettingsView(View):
    """The AI settings as stored; the key itself is never shown again."""

    enabled: bool
    reply_delay: float
    gemini_model: str
    gemini_configured: bool


class AiTestAnswer(View):
    """What Gemini said to the test question, or why it could not answer."""

    ok: bool
    answer: str | None
    error: str | None


class ArticleSummary(View):
    slug: str
    title: str
    version: int
    updated_at: Time


class ArticleView(View):
    slug: str
    title: str
    version: int
    updated_at: Time
    body: str


class ArticlesAnswer(View):
    articles: list[ArticleSummary]


class ArticleAnswer(View):
    article: ArticleView


class ArticleRequest(Request):
    body: ArticleBody
    version: Annotated[int, Meta(ge=1, le=MAX_ID)] | None = None


class AuditView(View):
    id: int
    agent: AgentRef | None
    action: str
    detail: str
    created_at: Time


class AuditAnswer(View):
    entries: list[AuditView]


# -- routing and the queue (TEAMS.md, "Routing and the queue") -------------------------------

Seconds = Annotated[int, Meta(ge=1, le=30 * 24 * 3600, description="Seconds.")]


class RoutingSettings(Request):
    """How queued conversations reach agents. `requeue_offline_after`: null never gives an
    offline agent's conversations back; `close_inactive_after`: null never closes one."""

    mode: Literal["manual", "round_robin", "least_busy"]
    default_capacity: Capacity
    requeue_offline_after: Seconds | None
    close_inactive_after: Seconds | None


# Until an admin chooses: nobody is assigned automatically (as before routing existed).
DEFAULT_ROUTING = RoutingSettings("manual", 3, 300, None)


class TransferRequest(Request):
    agent_id: Id
    note: Annotated[str | None, Text("content_max", multiline=True, required=False)] = None


class NoteView(View):
    """A private note: agents only, never the customer. `agent` is null once its writer's
    account is gone; `mentions` are the agents its `@Name`s named when it was written."""

    id: int
    session_id: int
    agent: AgentRef | None
    content: str
    mentions: list[AgentRef]
    created_at: Time

    @classmethod
    def of(cls, note: Note) -> "NoteView":
        ref = AgentRef(note.agent_id, note.agent_name) if note.agent_id is not None else None
        mentions = [AgentRef(agent_id, name) for agent_id, name in note.mentions]
        return cls(note.id, note.session_id, ref, note.body, mentions, note.created_at)


class NoteRequest(Request):
    content: Content
    client_id: ClientId | None = None


class NoteAnswer(View):
    note: NoteView


class NotesAnswer(View):
    notes: list[NoteView]


class QueuedEntry(View):
    id: int
    position: int
    waiting_since: Time | None


class Load(View):
    """The caller's open conversations and how many routing may give them."""

    open: int
    capacity: int


class QueueAnswer(View):
    """The queue as agents see it, and the caller's own load."""

    mode: Literal["manual", "round_robin", "least_busy"]
    count: int
    oldest_waiting_since: Time | None
    expected_wait_seconds: int | None
    queued: list[QueuedEntry]
    me: Load


# -- the AI's handoff to an agent (issue #18) --------------------------------------------------


class HandoffSummary(View):
    """What the customer asked before a person took over, and how the AI fared."""

    text: str
    questions: list[str]  # the customer's last questions (person requests left out), quoted
    ai_answered: int
    ai_unsure: int
    reason: Literal["customer_asked", "ai_unsure", "no_ai"]


class Suggestion(View):
    """A reply drawn from the knowledge base: inserted in the composer, never sent by itself."""

    text: str
    source: str  # the article's slug
    question: str  # the customer's question it answers


class AssistAnswer(View):
    summary: HandoffSummary | None  # null until the customer has written
    suggestion: Suggestion | None  # null when the knowledge base has nothing for them


# -- business hours and the visitor's address (TEAMS.md, "Business hours and email") ---------

ClockTime = Annotated[
    str,
    Meta(
        max_length=5,
        extra_json_schema={"pattern": "^(([01][0-9]|2[0-3]):[0-5][0-9]|24:00)$"},
        description="HH:MM on the team's wall clock (24:00: midnight at the end of the day).",
    ),
]
HoursInterval = Annotated[
    list[ClockTime],
    Meta(
        min_length=2,
        max_length=2,
        description='["start", "end"]; an end before the start runs past midnight into the'
        " next day (the interval belongs to the day it starts).",
    ),
]
DayHours = Annotated[list[HoursInterval], Meta(max_length=12)]
ClosedDate = Annotated[
    str,
    Meta(max_length=10, extra_json_schema={"format": "date"}, description="YYYY-MM-DD."),
]


class WeeklyHours(Request):
    """Each weekday's opening intervals (none: closed that day)."""

    mon: DayHours
    tue: DayHours
    wed: DayHours
    thu: DayHours
    fri: DayHours
    sat: DayHours
    sun: DayHours


class HoursSettings(Request):
    """When a person can answer: intervals per weekday in an IANA `timezone`, dates the team
    is closed (in that timezone), and what a visitor who asks for a person outside them is
    told (before the next opening time)."""

    timezone: Annotated[str, Meta(max_length=64, description='IANA, e.g. "Europe/Berlin".')]
    weekly: WeeklyHours
    closed_dates: Annotated[list[ClosedDate], Meta(max_length=1000)]
    away_message: SettingText
    away_messages: Translations = msgspec.field(default_factory=dict)


ALWAYS = [["00:00", "24:00"]]
# Until an admin chooses: always open (as before business hours existed).
DEFAULT_HOURS = HoursSettings(
    "UTC",
    WeeklyHours(ALWAYS, ALWAYS, ALWAYS, ALWAYS, ALWAYS, ALWAYS, ALWAYS),
    [],
    "Our team is away right now.",
)


ContactEmail = Annotated[str, Text("email_max", mailbox=True)]


class ContactRequest(Request):
    """The visitor leaves an address for replies (and, optionally, their name)."""

    session_key: SessionKey
    email: ContactEmail
    name: Name = None


# -- canned responses and labels (TEAMS.md, "Notes, canned responses, labels") ---------------

SHORTCODE_PATTERN = "^[a-z0-9_-]{2,32}$"
COLOR_PATTERN = "^#[0-9A-Fa-f]{6}$"


class CannedView(View):
    id: int
    shortcode: str
    content: str

    @classmethod
    def of(cls, canned: CannedResponse) -> "CannedView":
        return cls(canned.id, canned.shortcode, canned.content)


class CannedRequest(Request):
    """`shortcode` is taken in lower case; `content` may hold {{customer.name}},
    {{customer.first_name}}, {{customer.email}}, {{agent.name}}, {{agent.first_name}} and
    {{conversation.id}}, each with an optional fallback: {{customer.first_name || 'there'}}."""

    shortcode: Annotated[
        str, Meta(min_length=2, max_length=32, description="2 to 32 of a-z 0-9 _ -.")
    ]
    content: Content


class CannedAnswer(View):
    canned: CannedView


class CannedListAnswer(View):
    canned: list[CannedView]


class FillRequest(Request):
    session_id: Id


class GapView(View):
    """A variable left as written: `start`/`end` are its place in `text` (UTF-16 code units,
    as a browser's text field counts them), `reason` is `unknown` or `empty`."""

    variable: str
    start: int
    end: int
    reason: Literal["unknown", "empty"]


class FilledAnswer(View):
    """A canned response filled in for one conversation: plain text, never markup."""

    text: str
    gaps: list[GapView]


class LabelView(View):
    id: int
    name: str
    color: Annotated[str, Meta(pattern=COLOR_PATTERN)]

    @classmethod
    def of(cls, label: Label) -> "LabelView":
        return cls(label.id, label.name, label.color)


class LabelRequest(Request):
    name: Annotated[str, Text("name_max")]
    color: Annotated[str, Meta(pattern=COLOR_PATTERN, description="#RRGGBB.")]


class LabelAnswer(View):
    label: LabelView


class LabelsAnswer(View):
    labels: list[LabelView]


class SessionLabelsRequest(Request):
    label_ids: Annotated[list[Id], Meta(max_length=50)]


class EmailThreadView(Struct, omit_defaults=False):
    """Where a conversation's unread agent replies are emailed, and how that went: `status`
    waiting (nothing sent yet), sent, retrying (the last attempt failed; `last_error` says how)
    or not_delivered (given up after a day of failures). `emailed`: the seqs of the messages
    that went out by email (the newest 500), `emailed_seq` the newest of them."""

    address: str
    name: str
    emailed_seq: int
    emailed: list[int]
    status: str
    last_error: str | None


class EmailThreadAnswer(Struct, omit_defaults=False):
    email: EmailThreadView | None


# -- satisfaction and reports (TEAMS.md, "Satisfaction and reports") -------------------------

Rating = Annotated[int, Meta(ge=1, le=5, description="1 (very bad) to 5 (very good).")]
# How the rating email and the /rate page name each rating, best first.
RATING_LABELS = ((5, "Excellent"), (4, "Good"), (3, "Okay"), (2, "Poor"), (1, "Very poor"))
Comment = Annotated[str | None, Text("csat_comment_max", multiline=True, required=False)]


class CsatView(View):
    session_id: int
    rating: Rating
    comment: str | None
    agent: AgentRef | None  # who held the conversation at the close that asked for the rating
    created_at: Time


class CsatRequest(Request):
    session_key: SessionKey
    rating: Rating
    comment: Comment = None


class CsatForm(Query):
    """The /rate page's form (a rating email's link): form fields, converted from their text."""

    rating: Rating
    comment: Comment = None


class CsatAnswer(View):
    csat: CsatView


class CsatStateAnswer(View):
    """`requested`: the latest close asked for a rating; `csat`: the rating, once given."""

    requested: bool
    csat: CsatView | None


class CloseRequest(Request):
    survey: Annotated[
        bool, Meta(description='false: "close without survey" (no rating is asked for).')
    ] = True


ReportDate = Annotated[str, Meta(pattern=r"^\d{4}-\d\d-\d\d$", description="YYYY-MM-DD.")]


class ReportQuery(Query):
    """Dates in the business hours' timezone, both included; without them, the last 7 days."""

    since: ReportDate | None = None
    until: ReportDate | None = None


class Stat(View):
    """Seconds over `n` samples; the three figures are null when `n` is 0. Median and p90 are
    interpolated between the nearest ranks (as numpy's and Excel's PERCENTILE.INC)."""

    n: int
    median_seconds: float | None
    p90_seconds: float | None
    average_seconds: float | None


class CsatFigures(View):
    """`satisfied_share`: the share of ratings of 4 or 5; null (with `average`) without any."""

    responses: int
    average: float | None
    satisfied_share: float | None


class CommentView(View):
    session_id: int
    rating: int
    comment: str
    agent: AgentRef | None
    created_at: Time


class DayFigures(View):
    date: str
    conversations: int
    handed_off: int
    ai_resolved: int
    first_response: Stat
    resolution: Stat
    wait: Stat
    csat: CsatFigures


class AgentFigures(View):
    """`conversations`: those the agent held at some time; `closed`: the closes they held
    the conversation at; `first_response`: the cycles whose first agent reply was theirs."""

    agent: AgentRef
    conversations: int
    closed: int
    first_response: Stat
    resolution: Stat
    csat: CsatFigures


class ReportSummary(View):
    since: str
    until: str
    timezone: str
    conversations: int
    handed_off: int
    ai_resolved: int
    handoff_rate: float | None
    ai_resolved_share: float | None
    first_response: Stat
    resolution: Stat
    wait: Stat
    csat: CsatFigures
    comments: list[CommentView]
    by_day: list[DayFigures]
    by_agent: list[AgentFigures]


# -- webhooks (TEAMS.md, "Webhooks and API keys") --------------------------------------------

WEBHOOK_URL_MAX = 2000


class WebhookRequest(Request):
    """A new endpoint: an http(s) URL and the stored event types it takes; the agents-only note
    events (chat.note.new, chat.mention) only with `include_notes`."""

    url: Annotated[str, Meta(min_length=1, max_length=WEBHOOK_URL_MAX)]
    events: Annotated[list[Annotated[str, Meta(max_length=64)]], Meta(min_length=1, max_length=64)]
    include_notes: bool = False


class WebhookPatch(Request):
    enabled: bool


class WebhookView(View):
    id: int
    url: str
    events: list[str]
    include_notes: bool
    enabled: bool
    disabled_reason: str | None
    created_at: Time

    @classmethod
    def of(cls, webhook: Webhook) -> "WebhookView":
        return cls(
            webhook.id,
            webhook.url,
            msgspec.json.decode(webhook.events, type=list[str]),
            webhook.include_notes,
            webhook.enabled,
            webhook.disabled_reason,
            webhook.created_at,
        )


class NewWebhookAnswer(View):
    """`secret` (whsec_ + base64) is shown here once and never again."""

    webhook: WebhookView
    secret: str


class WebhookAnswer(View):
    webhook: WebhookView


class WebhooksAnswer(View):
    webhooks: list[WebhookView]


class DeliveryView(View):
    """`next_attempt_at`: when a pending delivery is tried next (null once settled)."""

    id: int
    event_id: int | None
    type: str
    status: Literal["pending", "delivered", "failed"]
    attempts: int
    last_status_code: int | None
    last_error: str | None
    last_duration_ms: int | None
    created_at: Time
    next_attempt_at: Time | None
    delivered_at: Time | None

    @classmethod
    def of(cls, delivery: WebhookDelivery) -> "DeliveryView":
        pending = delivery.status == "pending"
        return cls(
            delivery.id,
            delivery.event_id,
            delivery.type,
            delivery.status,  # type: ignore[arg-type]
            delivery.attempts,
            delivery.last_status_code,
            delivery.last_error,
            delivery.last_duration_ms,
            delivery.created_at,
            delivery.next_attempt_at if pending else None,
            delivery.delivered_at,
        )


class DeliveryAnswer(View):
    delivery: DeliveryView


class DeliveriesAnswer(View):
    deliveries: list[DeliveryView]


# -- API keys (issue #22) ----------------------------------------------------------------------


class ApiKeyRequest(Request):
    name: Annotated[str, Text("name_max")]
    scope: Annotated[
        Literal["read", "write"],
        Meta(description="read: GET and HEAD only; write: whatever an agent may do."),
    ]


class ApiKeyView(View):
    """A key as its admin sees it; the token itself is shown once, when it is made."""

    id: int
    name: str
    scope: Literal["read", "write"]
    prefix: Annotated[str, Meta(description="The token's first characters, to recognise it.")]
    created_by: AgentRef
    created_at: Time
    last_used_at: Annotated[
        Time | None, Meta(description="Its latest use, written at most once a minute.")
    ]
    revoked: bool
    revoked_at: Time | None

    @classmethod
    def of(cls, key: ApiKey) -> "ApiKeyView":
        return cls(
            key.id,
            key.name,
            "write" if key.scope == "write" else "read",
            key.prefix,
            AgentRef(key.created_by, key.created_by_name),
            key.created_at,
            key.last_used_at,
            key.revoked_at is not None,
            key.revoked_at,
        )


class NewApiKeyAnswer(View):
    api_key: ApiKeyView
    token: Annotated[
        str, Meta(description="The bearer token: sbk_ and 43 characters. Shown only here.")
    ]


class ApiKeyAnswer(View):
    api_key: ApiKeyView


class ApiKeysAnswer(View):
    api_keys: list[ApiKeyView]
