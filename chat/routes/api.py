"""The REST API of the contract: parse, call the service once, answer."""

from __future__ import annotations

import json
import re
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import BaseRoute, Route

from chat import validation
from chat.auth import API, COOKIE, COOKIE_NAME, Accounts, bearer_token, require_agent
from chat.errors import BadRequest, Conflict, Forbidden, Invalid, NotFound, PayloadTooLarge
from chat.models import Found, Session
from chat.service import ChatService, History, Posted, client_config, transcripts

TRANSCRIPT_PAGE = 500  # messages read from the database at a time while a transcript streams

PATH_ID = re.compile(r"[0-9]{1,19}")


def service(request: Request) -> ChatService:
    return request.app.state.service


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


async def read_json(request: Request) -> dict[str, Any]:
    """The body as a JSON object: 400 when it is not JSON, 422 when it is not an object."""
    raw = await read_body(request, request.app.state.settings.limits.body_max_bytes)
    try:
        body = json.loads(raw)
    except (ValueError, RecursionError):
        raise BadRequest() from None
    if not isinstance(body, dict):
        raise Invalid("The request body must be a JSON object.")
    return body


def _posted(posted: Posted) -> JSONResponse:
    return JSONResponse({"message": posted.message.view()}, 201 if posted.created else 200)


def _history(history: History, public: bool) -> dict[str, Any]:
    view = history.session.public_view() if public else history.session.agent_view()
    return {
        "session": view,
        "messages": [m.view() for m in history.messages],
        "has_more": history.has_more,
    }


def _path_id(request: Request, name: str, missing: str) -> int:
    """A numeric id from the path; anything else names nothing (404).

    Parsed here, not by Starlette's `int` convertor: that one calls int() on any run of digits,
    and past 4300 digits int() raises, which made a 500 of what is a 404.
    """
    raw: str = request.path_params[name]
    if not PATH_ID.fullmatch(raw) or not 1 <= int(raw) <= validation.MAX_ID:
        raise NotFound(missing)
    return int(raw)


def _session_id(request: Request) -> int:
    return _path_id(request, "session_id", "No such conversation.")


def _paging(request: Request) -> tuple[int, int]:
    limits = request.app.state.settings.limits
    query = request.query_params
    after = validation.query_int(query.get("after_seq"), "after_seq", 0, 0, None)
    limit = validation.query_int(
        query.get("limit"), "limit", limits.history_default, 1, limits.history_max
    )
    return after, limit


# -- public: the session key is the credential -----------------------------------------


async def public_start(request: Request) -> Response:
    body = await read_json(request)
    limits = request.app.state.settings.limits
    started = await service(request).start_session(
        validation.text(body.get("name"), "name", limits.name_max, required=False),
        validation.email(body.get("email"), limits),
        validation.text(body.get("page_url"), "page_url", limits.page_url_max, required=False),
        client_address(request),
    )
    return JSONResponse(
        {
            "session_key": started.session_key,
            "session": started.session.public_view(),
            "messages": [m.view() for m in started.messages],
        },
        201,
    )


async def public_message(request: Request) -> Response:
    body = await read_json(request)
    posted = await service(request).post_customer_message(
        validation.session_key(body.get("session_key")),
        validation.content(body.get("content"), request.app.state.settings.limits),
        validation.client_id(body.get("client_id")),
        client_address(request),
    )
    return _posted(posted)


async def public_session(request: Request) -> Response:
    after, limit = _paging(request)
    key = request.path_params["session_key"]
    history = await service(request).public_history(key, after, limit)
    return JSONResponse(_history(history, public=True))


async def public_transcript(request: Request) -> Response:
    """The customer's own conversation as a file: the public view, no email, nothing internal."""
    fmt = validation.transcript_format(request.query_params.get("format"))
    session = await service(request).session_for_key(request.path_params["session_key"])
    return _transcript(request, session, fmt, public=True)


def _transcript(request: Request, session: Session, fmt: str, public: bool) -> Response:
    pages = service(request).archive.transcript_pages(session, TRANSCRIPT_PAGE)
    name = transcripts.filename(session, fmt)
    return StreamingResponse(
        transcripts.render(session, fmt, public, pages),
        media_type=transcripts.MEDIA_TYPES[fmt],
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


async def public_handoff(request: Request) -> Response:
    body = await read_json(request)
    session = await service(request).hand_off(validation.session_key(body.get("session_key")))
    return JSONResponse({"session": session.public_view()})


async def public_availability(request: Request) -> Response:
    """Whether any agent is Available now: a bool, nothing about who."""
    return JSONResponse({"agents_available": service(request).presence.agents_available})


async def public_config(request: Request) -> Response:
    """The limits the server holds a customer to, and whether anyone is Available now."""
    available = service(request).presence.agents_available
    return JSONResponse(client_config.public_config(request.app.state.settings, available))


async def public_read(request: Request) -> Response:
    """The customer has read the conversation up to `seq`."""
    body = await read_json(request)
    key = validation.session_key(body.get("session_key"))
    seq = validation.read_seq(body.get("seq"))
    session = await service(request).session_for_key(key)
    session = await service(request).receipts.mark(session.id, seq, None)
    return JSONResponse({"session": session.public_view()})


# -- agents: a bearer token or the login cookie ----------------------------------------


async def login(request: Request) -> Response:
    body = await read_json(request)
    accounts: Accounts = request.app.state.accounts
    agent = await accounts.login(body.get("email"), body.get("password"), client_address(request))
    token = await accounts.issue(agent, API)
    return JSONResponse({"token": token, "agent": agent.view()})


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


async def me(request: Request) -> Response:
    agent = await require_agent(request)
    return JSONResponse({"agent": agent.view()})


async def deactivate_agent(request: Request) -> Response:
    """An admin removes an agent: logins, tokens and open sockets all end."""
    caller = await require_agent(request, unsafe=True)
    if not caller.is_admin:
        raise Forbidden("Only an admin can remove an agent.")
    agent_id = _path_id(request, "agent_id", "No such agent.")
    if agent_id == caller.id:
        raise Conflict("You cannot remove yourself.")
    agent = await request.app.state.accounts.deactivate(agent_id)
    service(request).presence.remove(agent)
    return JSONResponse({"agent": agent.view()})


async def team_presence(request: Request) -> Response:
    await require_agent(request)
    return JSONResponse({"agents": await service(request).team_presence()})


async def set_presence(request: Request) -> Response:
    """The caller chooses Available or Busy; `offline` is refused (it follows from sockets)."""
    agent = await require_agent(request, unsafe=True)
    body = await read_json(request)
    stored = await service(request).set_presence(agent, validation.presence(body.get("status")))
    return JSONResponse(service(request).presence.entry(stored))


async def list_sessions(request: Request) -> Response:
    await require_agent(request)
    limits = request.app.state.settings.limits
    query = request.query_params
    status = validation.status(query.get("status"))
    limit = validation.query_int(
        query.get("limit"), "limit", limits.sessions_default, 1, limits.sessions_max
    )
    found = await service(request).list_sessions(status, limit)
    return JSONResponse({"sessions": [s.agent_view() for s in found]})


async def get_session(request: Request) -> Response:
    await require_agent(request)
    session = await service(request).get_session(_session_id(request))
    return JSONResponse({"session": session.agent_view()})


async def session_messages(request: Request) -> Response:
    await require_agent(request)
    after, limit = _paging(request)
    history = await service(request).history(_session_id(request), after, limit)
    body = _history(history, public=False)
    del body["session"]
    return JSONResponse(body)


async def session_transcript(request: Request) -> Response:
    await require_agent(request)
    fmt = validation.transcript_format(request.query_params.get("format"))
    session = await service(request).get_session(_session_id(request))
    return _transcript(request, session, fmt, public=False)


async def search(request: Request) -> Response:
    """Conversations by the words of their messages (`q`) and/or their customer (`customer`)."""
    await require_agent(request)
    limits = request.app.state.settings.limits
    query = request.query_params
    words = validation.search_query(query.get("q"), limits)
    customer = validation.text(query.get("customer"), "customer", limits.email_max, required=False)
    if words is None and customer is None:
        raise Invalid("Give `q` (words to find), `customer` (a name or email), or both.")
    status = validation.status(query.get("status"))
    limit = validation.query_int(
        query.get("limit"), "limit", limits.search_default, 1, limits.search_max
    )
    found = await service(request).archive.search(words, customer, status, limit)
    return JSONResponse({"results": [_found(f) for f in found]})


def _found(found: Found) -> dict[str, Any]:
    return {
        "session": found.session.agent_view(),
        "matches": [
            {
                "message": hit.message.view(),
                "snippet": hit.snippet,
                "snippet_parts": [{"text": p.text, "match": p.match} for p in hit.parts],
            }
            for hit in found.hits
        ],
    }


async def agent_message(request: Request) -> Response:
    agent = await require_agent(request, unsafe=True)
    body = await read_json(request)
    posted = await service(request).post_agent_message(
        agent,
        validation.positive_id(body.get("session_id"), "session_id"),
        validation.content(body.get("content"), request.app.state.settings.limits),
        validation.client_id(body.get("client_id")),
    )
    return _posted(posted)


async def assign(request: Request) -> Response:
    agent = await require_agent(request, unsafe=True)
    body = await read_json(request) if await _has_body(request) else {}
    session = await service(request).assign(
        agent, _session_id(request), validation.optional_id(body, "agent_id")
    )
    return JSONResponse({"session": session.agent_view()})


async def close(request: Request) -> Response:
    agent = await require_agent(request, unsafe=True)
    session = await service(request).close(agent, _session_id(request))
    return JSONResponse({"session": session.agent_view()})


async def read(request: Request) -> Response:
    """The agent side has read the conversation up to `seq`: any agent may say so."""
    agent = await require_agent(request, unsafe=True)
    body = await read_json(request)
    seq = validation.read_seq(body.get("seq"))
    session = await service(request).receipts.mark(_session_id(request), seq, agent)
    return JSONResponse({"session": session.agent_view()})


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
    Route(f"{PREFIX}/agents/{{agent_id}}/deactivate", deactivate_agent, methods=["POST"]),
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
