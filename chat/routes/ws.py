"""The two sockets: /ws for agents, /ws/public/{session_key} for a customer.

Each socket subscribes to the hub first, replays what it missed from the event log, says
`connection.ready`, then runs a receiver and a sender until either ends.
"""

from __future__ import annotations

import json
from typing import Any

import anyio
from starlette.routing import BaseRoute, WebSocketRoute
from starlette.websockets import WebSocket, WebSocketDisconnect, WebSocketState

from chat import validation
from chat.auth import API, COOKIE, COOKIE_NAME, Accounts, bearer_token, origin_allowed
from chat.errors import ChatError, Forbidden, Invalid, NotFound, RateLimited
from chat.hub import Hub
from chat.hub.hub import CLOSE, Subscriber
from chat.models import Agent, ephemeral_frame
from chat.ratelimit import RateLimit
from chat.service import ChatService, Viewer
from chat.service.client_config import client_limits

REPLAY_PAGE = 500
NOT_AUTHENTICATED, ORIGIN_REFUSED, UNKNOWN_KEY, TOO_MANY = 4401, 4403, 4404, 4429
POLICY, TOO_BIG = 1008, 1009
STRIKES = 20  # refused frames in 10 s after which a socket is closed (1008)
CLOSE_WAIT = 5  # seconds a closing socket may take to drain before it is dropped


class _Close(Exception):
    def __init__(self, code: int) -> None:
        self.code = code


async def _refuse(websocket: WebSocket, code: int) -> None:
    """The contract's way to refuse: accept, then close at once with a code."""
    await websocket.accept()
    await websocket.close(code)


async def _authenticate_agent(websocket: WebSocket) -> tuple[Agent, bytes | None] | int:
    """The agent behind the bearer token or login cookie (and that credential's hash, so that
    revoking it closes the socket), or the close code to refuse with."""
    accounts: Accounts = websocket.app.state.accounts
    token = bearer_token(websocket)
    if token is not None:
        agent = await accounts.agent_for(API, token)
        return (agent, accounts.digest(API, token)) if agent else NOT_AUTHENTICATED
    cookie = websocket.cookies.get(COOKIE_NAME)
    agent = await accounts.agent_for(COOKIE, cookie) if cookie else None
    if agent is None or cookie is None:
        return NOT_AUTHENTICATED
    if not origin_allowed(websocket, accounts.settings):
        return ORIGIN_REFUSED  # a cookie is ambient: only our own pages may use it
    return agent, accounts.digest(COOKIE, cookie)


async def agent_socket(websocket: WebSocket) -> None:
    hub: Hub = websocket.app.state.hub
    found = await _authenticate_agent(websocket)
    if isinstance(found, int):
        await _refuse(websocket, found)
        return
    agent, credential = found
    if hub.count_agent(agent.id) >= websocket.app.state.settings.limits.sockets_per_agent:
        await _refuse(websocket, TOO_MANY)
        return
    await websocket.accept()
    service: ChatService = websocket.app.state.service
    sub = hub.subscribe(agent_id=agent.id, credential=credential)
    service.presence.connect(agent, sub.id)
    try:
        about = {
            "agent": agent.view(),
            "viewing": service.viewers.current(),
            "presence": await service.team_presence(),
            "limits": client_limits(websocket.app.state.settings.limits),
        }
    except BaseException:
        hub.unsubscribe(sub)
        service.presence.disconnect(agent.id)
        raise
    await _serve(websocket, sub, Viewer(agent=agent), about)


async def customer_socket(websocket: WebSocket) -> None:
    hub: Hub = websocket.app.state.hub
    service: ChatService = websocket.app.state.service
    try:
        session = await service.session_for_key(websocket.path_params["session_key"])
    except NotFound:
        await _refuse(websocket, UNKNOWN_KEY)
        return
    if hub.count_session(session.id) >= websocket.app.state.settings.limits.sockets_per_session:
        await _refuse(websocket, TOO_MANY)
        return
    await websocket.accept()
    sub = hub.subscribe(session_id=session.id)
    about = {
        "session": session.public_view(),
        "agents_available": service.presence.agents_available,
        "limits": client_limits(websocket.app.state.settings.limits),
    }
    await _serve(websocket, sub, Viewer(session=session), about)


async def _serve(
    websocket: WebSocket, sub: Subscriber, viewer: Viewer, about: dict[str, Any]
) -> None:
    hub: Hub = websocket.app.state.hub
    service: ChatService = websocket.app.state.service
    code: int | None = None
    try:
        await _replay_then_ready(websocket, sub, viewer, about)
        code = await _run(websocket, sub, viewer)
    except (WebSocketDisconnect, OSError):
        code = None
    finally:
        hub.unsubscribe(sub)
        service.typists.forget(sub.id)
        service.viewers.forget(sub.id)
        if viewer.agent is not None:
            service.presence.disconnect(viewer.agent.id)
    if code is not None and websocket.application_state is WebSocketState.CONNECTED:
        with anyio.move_on_after(CLOSE_WAIT):
            try:
                await websocket.close(code)
            except (WebSocketDisconnect, OSError, RuntimeError):
                pass  # the peer is gone already


async def _replay_then_ready(
    websocket: WebSocket, sub: Subscriber, viewer: Viewer, about: dict[str, Any]
) -> None:
    """Send every missed event once, oldest first, then `connection.ready`, then go live.

    The socket is already subscribed, so live events gather in its pending list meanwhile;
    those the replay covered (event_id <= head) are dropped when it goes live.
    """
    service: ChatService = websocket.app.state.service
    resume = await service.resume(websocket.query_params.get("last_event_id"))
    if resume.after is not None:
        after = resume.after
        while page := await service.replay(viewer, after, resume.head, REPLAY_PAGE):
            for event in page:
                frame = event.agent_frame() if viewer.agent else event.public_frame()
                if frame is not None:
                    await websocket.send_text(frame)
            after = page[-1].id
    ready = {
        "resumed": resume.after is not None,
        "resync_required": resume.resync_required,
        "last_event_id": resume.head,
        **about,
    }
    await websocket.send_text(ephemeral_frame("connection.ready", ready))
    sub.go_live(resume.head)


async def _run(websocket: WebSocket, sub: Subscriber, viewer: Viewer) -> int | None:
    """Run receiver and sender until one ends or the hub kicks the socket; return the close
    code. A kick cancels both at once, even a send stalled on a peer that stopped reading."""
    outcome: list[int | None] = []

    async def guard(task: Any) -> None:
        try:
            await task()
        except _Close as close:
            outcome.append(close.code)
        except (WebSocketDisconnect, OSError):
            outcome.append(None)
        finally:
            group.cancel_scope.cancel()

    async with anyio.create_task_group() as group:
        sub.on_kick = group.cancel_scope.cancel
        if sub.kicked:
            group.cancel_scope.cancel()
        group.start_soon(guard, lambda: _receive(websocket, sub, viewer))
        group.start_soon(guard, lambda: _send(websocket, sub))
    sub.on_kick = None
    if sub.kicked:
        return sub.close_code
    return outcome[0] if outcome else None


async def _send(websocket: WebSocket, sub: Subscriber) -> None:
    while True:
        frame = await sub.queue.get()
        if frame is CLOSE:
            raise _Close(sub.close_code)
        await websocket.send_text(frame)


async def _receive(websocket: WebSocket, sub: Subscriber, viewer: Viewer) -> None:
    settings = websocket.app.state.settings
    frames = RateLimit(settings.limits.socket_frames_per_10s, 10)
    strikes = RateLimit(STRIKES, 10)
    while True:
        message = await websocket.receive()
        if message["type"] == "websocket.disconnect":
            return
        text = message.get("text")
        if text is not None and len(text.encode()) > settings.limits.frame_max_bytes:
            raise _Close(TOO_BIG)
        client_id = None
        try:
            frames.hit("frames", "You are sending too fast; slow down.")
            if text is None:
                raise Invalid("Frames must be JSON text.")
            kind, data = _parse(text)
            raw_id = data.get("client_id")
            # Only a well-formed id is echoed back: anything else (a lone surrogate, say) could
            # not even be encoded into the error frame.
            valid = isinstance(raw_id, str) and validation.CLIENT_ID.fullmatch(raw_id)
            client_id = raw_id if valid else None
            await _handle(websocket, sub, viewer, kind, data)
        except ChatError as error:
            try:
                strikes.hit("strikes")
            except RateLimited:
                raise _Close(POLICY) from None
            sub.offer(_error_frame(error, client_id), None)


def _parse(text: str) -> tuple[str, dict[str, Any]]:
    try:
        frame = json.loads(text)
    except (ValueError, RecursionError):
        raise Invalid("Frames must be JSON objects.") from None
    if not isinstance(frame, dict) or not isinstance(frame.get("type"), str):
        raise Invalid("A frame is an object with a string `type`.")
    data = frame.get("data", {})
    if not isinstance(data, dict):
        raise Invalid("`data` must be an object.")
    return frame["type"], data


async def _handle(
    websocket: WebSocket, sub: Subscriber, viewer: Viewer, kind: str, data: dict[str, Any]
) -> None:
    service: ChatService = websocket.app.state.service
    if kind == "ping":
        sub.offer(ephemeral_frame("pong", {}), None)
    elif kind == "chat.message.send":
        await _send_message(websocket, sub, viewer, data)
    elif kind == "chat.viewing" and viewer.agent is not None:
        named = data.get("session_id")
        session_id = None if named is None else validation.positive_id(named, "session_id")
        service.viewers.update(sub.id, viewer.agent.ref(), session_id)
    elif kind == "agent.presence.set" and viewer.agent is not None:
        status = validation.presence(data.get("status"))
        await service.set_presence(viewer.agent, status)
    elif kind == "chat.read":
        seq = validation.read_seq(data.get("seq"))
        await service.receipts.mark(_target_session(viewer, data), seq, viewer.agent)
    elif kind == "chat.typing":
        is_typing = data.get("is_typing")
        if not isinstance(is_typing, bool):
            raise Invalid("`is_typing` must be true or false.")
        service.typing(viewer, sub.id, _target_session(viewer, data), is_typing)
    else:
        raise Invalid(f"Unknown frame type {kind[:40]!r}.")


def _target_session(viewer: Viewer, data: dict[str, Any]) -> int:
    """The session a frame is about: an agent names it; a customer has only its own."""
    if viewer.agent is not None:
        return validation.positive_id(data.get("session_id"), "session_id")
    assert viewer.session is not None
    named = data.get("session_id")
    if named is not None and named != viewer.session.id:
        raise Forbidden("A customer can only write to its own conversation.")
    return viewer.session.id


async def _send_message(
    websocket: WebSocket, sub: Subscriber, viewer: Viewer, data: dict[str, Any]
) -> None:
    service: ChatService = websocket.app.state.service
    limits = websocket.app.state.settings.limits
    session_id = _target_session(viewer, data)
    content = validation.content(data.get("content"), limits)
    client_id = validation.client_id(data.get("client_id"))
    if client_id is None:
        raise Invalid("`client_id` is required on a socket, so that a retry is safe.")
    if viewer.agent is not None:
        service.typing(viewer, sub.id, session_id, False)
        posted = await service.post_agent_message(viewer.agent, session_id, content, client_id)
    else:
        address = websocket.client.host if websocket.client else "unknown"
        service.typing(viewer, sub.id, session_id, False)
        posted = await service.post_as_customer(session_id, content, client_id, address)
    ack = {"client_id": client_id, "message": posted.message.view()}
    sub.offer(ephemeral_frame("chat.message.ack", ack), None)


def _error_frame(error: ChatError, client_id: str | None) -> str:
    data: dict[str, Any] = {"code": error.code, "message": error.message}
    if client_id is not None:
        data["client_id"] = client_id
    if isinstance(error, RateLimited):
        data["retry_after"] = error.retry_after
    return ephemeral_frame("error", data)


routes: list[BaseRoute] = [
    WebSocketRoute("/ws", agent_socket),
    WebSocketRoute("/ws/public/{session_key}", customer_socket),
]
