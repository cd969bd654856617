"""The REST API of the contract: parse, call the service once, answer."""

from __future__ import annotations

import re
from typing import Any

from starlette.requests import Request
from starlette.responses import Response, StreamingResponse
from starlette.routing import BaseRoute, Route

from chat.auth import API, COOKIE, COOKIE_NAME, Accounts, bearer_token, require_agent
from chat.codec import Codec, encode
from chat.errors import Invalid, NotFound, PayloadTooLarge
from chat.models import Found, Session
from chat.routes.spec import operation
from chat.service import ChatService, History, Posted, transcripts
from chat.service.agents import Chosen
from chat.wire import (
    MAX_ID,
    AgentAnswer,
    AgentMessageRequest,
    AgentView,
    AssignRequest,
    AvailabilityAnswer,
    CloseRequest,
    ContactRequest,
    HandoffRequest,
    HistoryQuery,
    LoginAnswer,
    LoginRequest,
    Match,
    MessageAnswer,
    MessagesAnswer,
    MessageView,
    PresenceEntry,
    PresenceRequest,
    PublicConfig,
    PublicHistoryAnswer,
    PublicMessageRequest,
    PublicReadRequest,
    PublicSessionAnswer,
    PublicSessionView,
    ReadRequest,
    SearchAnswer,
    SearchQuery,
    SearchResult,
    SessionAnswer,
    SessionsAnswer,
    SessionsQuery,
    SessionView,
    SnippetPart,
    StartAnswer,
    StartRequest,
    TeamAnswer,
    TranscriptQuery,
)
from chat.words import search_words

TRANSCRIPT_PAGE = 500  # messages read from the database at a time while a transcript streams

PATH_ID = re.compile(r"[0-9]{1,19}")
KEY = {"session_key": "The conversation's secret key."}
SESSION = {"session_id": "A conversation's id."}
POSTED = {
    201: ("Stored.", MessageAnswer),
    200: ("That client_id was stored already: the stored message.", MessageAnswer),
}
TRANSCRIPT = {
    200: {
        "description": "txt: a header, then `[time] Name (sender_type): content`; json: the"
        " session and its messages; csv: seq,time,sender_type,sender_name,content with a UTF-8"
        " BOM, cells that start with = + - @ prefixed with `'`.",
        "headers": {
            "Content-Disposition": {
                "required": True,
                "description": 'attachment; filename="conversation-<id>.<format>"',
                "schema": {
                    "type": "string",
                    "pattern": '^attachment; filename="conversation-[0-9]+',
                },
            }
        },
        "content": {
            "text/plain": {"schema": {"type": "string"}},
            "application/json": {"schema": {"type": "object"}},
            "text/csv": {"schema": {"type": "string"}},
        },
    }
}


class WireResponse(Response):
    """A JSON answer encoded by msgspec: wire types, dicts and lists alike."""

    media_type = "application/json"

    def render(self, content: Any) -> bytes:
        return encode(content)


def service(request: Request) -> ChatService:
    return request.app.state.service


def codec(request: Request) -> Codec:
    return request.app.state.codec


def client_address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


async def read_body(request: Request, max_bytes: int) -> bytes:
    """The request body, refused with 413 as soon as it grows past `max_bytes`."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > max_bytes:
        raise PayloadTooLarge(f"The request body is larger than {max_bytes // 1024} KiB.")
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > max_bytes:
            raise PayloadTooLarge(f"The request body is larger than {max_bytes // 1024} KiB.")
        chunks.append(chunk)
    return b"".join(chunks)


async def read_json(request: Request, kind: type[Any]) -> Any:
    """The body as `kind`: 400 when it is not JSON, 422 when a field is wrong."""
    raw = await read_body(request, request.app.state.settings.limits.body_max_bytes)
    return codec(request).body(kind, raw)


def query(request: Request, kind: type[Any]) -> Any:
    return codec(request).query(kind, request.query_params)


def _posted(posted: Posted) -> Response:
    return WireResponse(
        MessageAnswer(MessageView.of(posted.message)), 201 if posted.created else 200
    )


def _messages(history: History) -> list[MessageView]:
    return [MessageView.of(m) for m in history.messages]


def _path_id(request: Request, name: str, missing: str) -> int:
    """A numeric id from the path; anything else names nothing (404).

    Parsed here, not by Starlette's `int` convertor: that one calls int() on any run of digits,
    and past 4300 digits int() raises, which made a 500 of what is a 404.
    """
    raw: str = request.path_params[name]
    if not PATH_ID.fullmatch(raw) or not 1 <= int(raw) <= MAX_ID:
        raise NotFound(missing)
    return int(raw)


def _session_id(request: Request) -> int:
    return _path_id(request, "session_id", "No such conversation.")


# -- public: the session key is the credential -----------------------------------------


@operation(
    "Start a conversation",
    {201: ("Started.", StartAnswer)},
    "400 413 422 429",
    body=StartRequest,
)
async def public_start(request: Request) -> Response:
    body: StartRequest = await read_json(request, StartRequest)
    started = await service(request).start_session(
        body.name, body.email, body.page_url, client_address(request)
    )
    messages = [MessageView.of(m) for m in started.messages]
    answer = StartAnswer(started.session_key, PublicSessionView.of(started.session), messages)
    return WireResponse(answer, 201)


@operation(
    "Send as the customer (409: the client_id is another sender's)",
    POSTED,
    "400 404 409 413 422 429",
    body=PublicMessageRequest,
)
async def public_message(request: Request) -> Response:
    body: PublicMessageRequest = await read_json(request, PublicMessageRequest)
    posted = await service(request).post_customer_message(
        body.session_key, body.content, body.client_id, client_address(request)
    )
    return _posted(posted)


@operation(
    "The conversation and its messages in seq order",
    {200: ("The history.", PublicHistoryAnswer)},
    "404 422",
    query=HistoryQuery,
    **KEY,
)
async def public_session(request: Request) -> Response:
    paging: HistoryQuery = query(request, HistoryQuery)
    key = request.path_params["session_key"]
    history = await service(request).public_history(key, paging.after_seq, paging.limit)
    session = PublicSessionView.of(history.session)
    return WireResponse(PublicHistoryAnswer(session, _messages(history), history.has_more))


@operation(
    "The customer's own conversation as a file: the public view, no email",
    TRANSCRIPT,
    "404 422",
    query=TranscriptQuery,
    **KEY,
)
async def public_transcript(request: Request) -> Response:
    """The customer's own conversation as a file: the public view, no email, nothing internal."""
    fmt = query(request, TranscriptQuery).format
    session = await service(request).session_for_key(request.path_params["session_key"])
    return _transcript(request, session, fmt, public=True)


def _transcript(request: Request, session: Session, fmt: str, public: bool) -> Response:
    pages = service(request).transcript_pages(session, TRANSCRIPT_PAGE)
    name = transcripts.filename(session, fmt)
    return StreamingResponse(
        transcripts.render(session, fmt, public, pages),
        media_type=transcripts.MEDIA_TYPES[fmt],
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@operation(
    "Ask for a person: the conversation is queued",
    {200: ("Queued.", PublicSessionAnswer)},
    "400 404 413 422",
    body=HandoffRequest,
)
async def public_handoff(request: Request) -> Response:
    body: HandoffRequest = await read_json(request, HandoffRequest)
    session = await service(request).hand_off(body.session_key, body.locale)
    return WireResponse(PublicSessionAnswer(PublicSessionView.of(session)))


@operation(
    "Leave an address for replies (and maybe a name): kept as the conversation's customer"
    " email, shown to agents; one plain address, checked strictly",
    {200: ("Kept.", PublicSessionAnswer)},
    "400 404 413 422 429",
    body=ContactRequest,
)
async def public_contact(request: Request) -> Response:
    body: ContactRequest = await read_json(request, ContactRequest)
    session = await service(request).leave_contact(
        body.session_key, body.email, body.name, client_address(request)
    )
    return WireResponse(PublicSessionAnswer(PublicSessionView.of(session)))


@operation(
    "Whether at least one agent is online and Available (Busy does not count)",
    {200: ("Now.", AvailabilityAnswer)},
)
async def public_availability(request: Request) -> Response:
    """Whether any agent is Available now: a bool, nothing about who."""
    return WireResponse(AvailabilityAnswer(service(request).agents_available))


@operation(
    "What the widget needs at load: the limits the server holds a customer to, whether anyone"
    " is Available now, and the widget settings an admin chose",
    {200: ("Now.", PublicConfig)},
)
async def public_config(request: Request) -> Response:
    return WireResponse(request.app.state.admin.public_config())


@operation(
    "The customer has read up to `seq`; a mark only moves forward (chat.read)",
    {200: ("The conversation.", PublicSessionAnswer)},
    "400 404 413 422",
    body=PublicReadRequest,
)
async def public_read(request: Request) -> Response:
    """The customer has read the conversation up to `seq`."""
    body: PublicReadRequest = await read_json(request, PublicReadRequest)
    session = await service(request).mark_customer_read(body.session_key, body.seq)
    return WireResponse(PublicSessionAnswer(PublicSessionView.of(session)))


# -- agents: a bearer token or the login cookie ----------------------------------------


@operation(
    "Log in: a bearer token for the API (the same 401 for any mistake)",
    {200: ("Logged in.", LoginAnswer)},
    "400 401 413 422 429",
    body=LoginRequest,
)
async def login(request: Request) -> Response:
    body: LoginRequest = await read_json(request, LoginRequest)
    accounts: Accounts = request.app.state.accounts
    agent = await accounts.login(body.email, body.password, client_address(request))
    token = await accounts.issue(agent, API)
    return WireResponse(LoginAnswer(token, AgentView.of(agent)))


@operation(
    "Revoke this request's credential", {204: {"description": "Logged out."}}, "403", agent=True
)
async def logout(request: Request) -> Response:
    """Revoke the credential this request came with: its bearer token, or its login cookie."""
    await require_agent(request, unsafe=True)
    accounts: Accounts = request.app.state.accounts
    token = bearer_token(request)
    response = Response(status_code=204)
    if token is not None:
        await accounts.revoke(API, token)
    else:
        await accounts.revoke(COOKIE, request.cookies.get(COOKIE_NAME, ""))
        response.delete_cookie(COOKIE_NAME, path="/")
    return response


@operation("The caller", {200: ("The caller.", AgentAnswer)}, agent=True)
async def me(request: Request) -> Response:
    agent = await require_agent(request)
    return WireResponse(AgentAnswer(AgentView.of(agent)))


@operation(
    "Every active agent's presence: available, busy or offline",
    {200: ("The team.", TeamAnswer)},
    agent=True,
)
async def team_presence(request: Request) -> Response:
    await require_agent(request)
    return WireResponse(TeamAnswer(await service(request).team_presence()))


@operation(
    "Choose Available or Busy (422 for `offline`: it follows from your sockets); kept across"
    " restarts. The answer's status is what others see now.",
    {200: ("Chosen.", PresenceEntry)},
    "400 403 413 422",
    body=PresenceRequest,
    agent=True,
)
async def set_presence(request: Request) -> Response:
    """The caller chooses Available or Busy; `offline` is refused (it follows from sockets)."""
    agent = await require_agent(request, unsafe=True)
    body: PresenceRequest = await read_json(request, PresenceRequest)
    return WireResponse(await service(request).choose_presence(agent, body.status))


@operation(
    "Conversations, latest activity first; narrowed by status, assignee and labels (any, all or"
    " none of them)",
    {200: ("The list.", SessionsAnswer)},
    "422",
    query=SessionsQuery,
    agent=True,
)
async def list_sessions(request: Request) -> Response:
    agent = await require_agent(request)
    asked: SessionsQuery = query(request, SessionsQuery)
    assignee = {"me": agent.id, "none": 0, None: None}.get(asked.assignee)
    if assignee is None and asked.assignee is not None:
        assignee = int(asked.assignee)
    chosen = Chosen(assignee, tuple(asked.label), asked.label_match)
    found = await service(request).list_sessions(asked.status, asked.limit, chosen)
    return WireResponse(SessionsAnswer([SessionView.of(s) for s in found]))


@operation(
    "One conversation", {200: ("The conversation.", SessionAnswer)}, "404", agent=True, **SESSION
)
async def get_session(request: Request) -> Response:
    await require_agent(request)
    session = await service(request).get_session(_session_id(request))
    return WireResponse(SessionAnswer(SessionView.of(session)))


@operation(
    "A conversation's messages in seq order",
    {200: ("A page.", MessagesAnswer)},
    "404 422",
    query=HistoryQuery,
    agent=True,
    **SESSION,
)
async def session_messages(request: Request) -> Response:
    await require_agent(request)
    paging: HistoryQuery = query(request, HistoryQuery)
    history = await service(request).history(_session_id(request), paging.after_seq, paging.limit)
    return WireResponse(MessagesAnswer(_messages(history), history.has_more))


@operation(
    "A conversation as a file (txt, json or csv)",
    TRANSCRIPT,
    "404 422",
    query=TranscriptQuery,
    agent=True,
    **SESSION,
)
async def session_transcript(request: Request) -> Response:
    await require_agent(request)
    fmt = query(request, TranscriptQuery).format
    session = await service(request).get_session(_session_id(request))
    return _transcript(request, session, fmt, public=False)


@operation(
    "Conversations by the words of their messages (`q`) and/or their customer (`customer`),"
    " latest activity first, with up to 3 matching messages each",
    {200: ("The conversations found.", SearchAnswer)},
    "422",
    query=SearchQuery,
    agent=True,
)
async def search(request: Request) -> Response:
    """Conversations by the words of their messages (`q`) and/or their customer (`customer`)."""
    await require_agent(request)
    limits = request.app.state.settings.limits
    asked: SearchQuery = query(request, SearchQuery)
    words = _search_words(asked.q, limits.search_query_max, limits.search_words_max)
    if words is None and asked.customer is None:
        raise Invalid("Give `q` (words to find), `customer` (a name or email), or both.")
    found = await service(request).search(words, asked.customer, asked.status, asked.limit)
    return WireResponse(SearchAnswer([_found(f) for f in found]))


def _search_words(raw: str | None, most_chars: int, most_words: int) -> list[str] | None:
    """The words to search for; None when `q` is absent or blank. 422 when it holds no word."""
    if raw is None or not raw.strip():
        return None
    if len(raw) > most_chars:
        raise Invalid(f"`q` is longer than {most_chars} characters.")
    words = search_words(raw)
    if not words:
        raise Invalid("`q` holds no words to search for.")
    if len(words) > most_words:
        raise Invalid(f"`q` has more than {most_words} different words.")
    return words


def _found(found: Found) -> SearchResult:
    matches = [
        Match(
            MessageView.of(hit.message),
            hit.snippet,
            [SnippetPart(p.text, p.match) for p in hit.parts],
        )
        for hit in found.hits
    ]
    return SearchResult(SessionView.of(found.session), matches)


@operation(
    "Reply as the agent; an unassigned conversation becomes the caller's (409: closed, held by"
    " another agent, or the client_id is another sender's)",
    POSTED,
    "400 403 404 409 413 422",
    body=AgentMessageRequest,
    agent=True,
)
async def agent_message(request: Request) -> Response:
    agent = await require_agent(request, unsafe=True)
    body: AgentMessageRequest = await read_json(request, AgentMessageRequest)
    posted = await service(request).post_agent_message(
        agent, body.session_id, body.content, body.client_id
    )
    return _posted(posted)


@operation(
    "Take the conversation (an admin may name `agent_id`; 409 when another agent holds it,"
    " unless the caller is an admin)",
    {200: ("Assigned.", SessionAnswer)},
    "400 403 404 409 413 422",
    body=AssignRequest,
    agent=True,
    **SESSION,
)
async def assign(request: Request) -> Response:
    agent = await require_agent(request, unsafe=True)
    body = await read_json(request, AssignRequest) if await _has_body(request) else AssignRequest()
    session = await service(request).assign(agent, _session_id(request), body.agent_id)
    return WireResponse(SessionAnswer(SessionView.of(session)))


@operation(
    "Close the conversation; the customer is asked for a rating (chat.csat.requested) unless"
    " the body says `survey: false` or the AI alone had it",
    {200: ("Closed.", SessionAnswer)},
    "400 403 404 409 413 422",
    body=CloseRequest,
    agent=True,
    **SESSION,
)
async def close(request: Request) -> Response:
    agent = await require_agent(request, unsafe=True)
    body = await read_json(request, CloseRequest) if await _has_body(request) else CloseRequest()
    session = await service(request).close(agent, _session_id(request), body.survey)
    return WireResponse(SessionAnswer(SessionView.of(session)))


@operation(
    "The agents have read up to `seq`; a mark only moves forward (chat.read)",
    {200: ("The conversation.", SessionAnswer)},
    "400 403 404 413 422",
    body=ReadRequest,
    agent=True,
    **SESSION,
)
async def read(request: Request) -> Response:
    """The agent side has read the conversation up to `seq`: any agent may say so."""
    agent = await require_agent(request, unsafe=True)
    body: ReadRequest = await read_json(request, ReadRequest)
    session = await service(request).mark_read(_session_id(request), body.seq, agent)
    return WireResponse(SessionAnswer(SessionView.of(session)))


async def _has_body(request: Request) -> bool:
    """Whether a POST whose body is optional sent one."""
    length = request.headers.get("content-length")
    return (length is not None and length != "0") or "transfer-encoding" in request.headers


PREFIX = "/api/v1"

routes: list[BaseRoute] = [
    Route(f"{PREFIX}/chat/public/start", public_start, methods=["POST"]),
    Route(f"{PREFIX}/chat/public/message", public_message, methods=["POST"]),
    Route(f"{PREFIX}/chat/public/session/{{session_key}}", public_session, methods=["GET"]),
    Route(f"{PREFIX}/chat/public/handoff", public_handoff, methods=["POST"]),
    Route(f"{PREFIX}/chat/public/contact", public_contact, methods=["POST"]),
    Route(f"{PREFIX}/chat/public/availability", public_availability, methods=["GET"]),
    Route(f"{PREFIX}/chat/public/config", public_config, methods=["GET"]),
    Route(f"{PREFIX}/chat/public/read", public_read, methods=["POST"]),
    Route(
        f"{PREFIX}/chat/public/session/{{session_key}}/transcript",
        public_transcript,
        methods=["GET"],
    ),
    Route(f"{PREFIX}/auth/login", login, methods=["POST"]),
    Route(f"{PREFIX}/auth/logout", logout, methods=["POST"]),
    Route(f"{PREFIX}/auth/me", me, methods=["GET"]),
    Route(f"{PREFIX}/agents/presence", team_presence, methods=["GET"]),
    Route(f"{PREFIX}/agents/me/presence", set_presence, methods=["POST"]),
    Route(f"{PREFIX}/chat/sessions", list_sessions, methods=["GET"]),
    Route(f"{PREFIX}/chat/sessions/{{session_id}}", get_session, methods=["GET"]),
    Route(f"{PREFIX}/chat/sessions/{{session_id}}/messages", session_messages, methods=["GET"]),
    Route(f"{PREFIX}/chat/messages", agent_message, methods=["POST"]),
    Route(f"{PREFIX}/chat/search", search, methods=["GET"]),
    Route(f"{PREFIX}/chat/sessions/{{session_id}}/transcript", session_transcript, methods=["GET"]),
    Route(f"{PREFIX}/chat/sessions/{{session_id}}/assign", assign, methods=["POST"]),
    Route(f"{PREFIX}/chat/sessions/{{session_id}}/close", close, methods=["POST"]),
    Route(f"{PREFIX}/chat/sessions/{{session_id}}/read", read, methods=["POST"]),
]
