"""The two sockets: /ws for agents, /ws/public/{session_key} for a customer.

Each socket is held connected by the service (`async with service.connect(...)`: subscribed to
the hub first, and everything undone in one place when it ends), replays what it missed from
the event log, says `connection.ready`, then runs a receiver and a sender until either ends.
"""

from __future__ import annotations

import asyncio
from typing import Any

import anyio
from starlette.routing import BaseRoute, WebSocketRoute
from starlette.websockets import WebSocket, WebSocketDisconnect, WebSocketState

from chat import events
from chat.auth import API, COOKIE, COOKIE_NAME, Accounts, bearer_token, origin_allowed
from chat.codec import Codec
from chat.errors import ChatError, Forbidden, Invalid, NotFound, RateLimited
from chat.events import ephemeral_frame
from chat.hub.hub import Subscriber
from chat.models import Agent
from chat.ratelimit import RateLimit
from chat.service import ChatService, Posted, TooManySockets, Viewer
from chat.transport import EXTENSION
from chat.wire import (
    Frame,
    MessageSendFrame,
    MessageView,
    PingFrame,
    PresenceSetFrame,
    ReadFrame,
    TypingFrame,
    ViewingFrame,
)

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
    found = await _authenticate_agent(websocket)
    if isinstance(found, int):
        await _refuse(websocket, found)
        return
    agent, credential = found
    await _serve(websocket, Viewer(agent=agent), credential)


async def customer_socket(websocket: WebSocket) -> None:
    service: ChatService = websocket.app.state.service
    try:
        session = await service.session_for_key(websocket.path_params["session_key"])
    except NotFound:
        await _refuse(websocket, UNKNOWN_KEY)
        return
    await _serve(websocket, Viewer(session=session))


async def _serve(websocket: WebSocket, viewer: Viewer, credential: bytes | None = None) -> None:
    """Accept, serve for as long as the service holds the socket connected, then close it with
    the code it ended with (none when the peer left)."""
    service: ChatService = websocket.app.state.service
    await websocket.accept()
    code: int | None = None
    try:
        async with service.connect(viewer, credential=credential) as connection:
            sub = connection.subscriber
            if (writer := (websocket.scope.get("extensions") or {}).get(EXTENSION)) is not None:
                sub.attach(writer)  # frames go straight to the socket (chat.transport)
            await _replay_then_ready(websocket, sub, viewer, connection.ready)
            code = await _run(websocket, sub, viewer)
    except TooManySockets:
        code = TOO_MANY  # accepted, then closed at once: the contract's way to refuse
    except (WebSocketDisconnect, OSError):
        code = None
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
    ready_type = events.AgentReady if viewer.agent else events.CustomerReady
    ready = ready_type(
        resumed=resume.after is not None,
        resync_required=resume.resync_required,
        last_event_id=resume.head,
        **about,
    )
    await websocket.send_text(ephemeral_frame(events.CONNECTION_READY, ready))
    if viewer.session is not None and (place := await service.queue_place(viewer.session.id)):
        await websocket.send_text(ephemeral_frame(events.QUEUE, events.QueuePlace(*place)))
    sub.go_live(resume.head)


async def _run(websocket: WebSocket, sub: Subscriber, viewer: Viewer) -> int | None:
    """Run receiver and sender until one ends or the hub kicks the socket; return the close
    code. A kick cancels both at once, even a send stalled on a peer that stopped reading.

    Two plain asyncio tasks rather than an anyio task group: an idle socket holds 7 KiB less
    (measured with tracemalloc, issue #24), and what either task ends with is read here.

    With a direct writer (chat.transport) there is no sender, and the receiver runs here: a
    kick wakes its wait for the next frame as if the peer had left."""
    if sub.writer is not None:
        code = None
        if not sub.kicked:
            try:
                await _receive(websocket, sub, viewer)
            except _Close as close:
                code = close.code
        return sub.close_code if sub.kicked else code
    tasks = (
        asyncio.ensure_future(_receive(websocket, sub, viewer)),
        asyncio.ensure_future(_send(websocket, sub)),
    )

    def stop() -> None:
        for task in tasks:
            task.cancel()

    sub.on_kick = stop
    if sub.kicked:
        stop()
    try:
        done, _ = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
    finally:
        stop()  # the other one, or both when this handler itself is cancelled
        sub.on_kick = None
    await asyncio.wait(tasks)
    ended = [_ending(task) for task in tasks]  # read both, so that no error goes unseen
    if sub.kicked:
        return sub.close_code
    return next((code for task, code in zip(tasks, ended, strict=True) if task in done), None)


def _ending(task: asyncio.Task[None]) -> int | None:
    """The close code a task ended with: a _Close's, or None when the peer left or the task
    was stopped; any other error is raised."""
    error = None if task.cancelled() else task.exception()
    if isinstance(error, _Close):
        return error.code
    if error is not None and not isinstance(error, WebSocketDisconnect | OSError):
        raise error
    return None


async def _send(websocket: WebSocket, sub: Subscriber) -> None:
    while (frame := await sub.next_frame()) is not None:
        await websocket.send_text(frame)
    raise _Close(sub.close_code)


async def _receive(websocket: WebSocket, sub: Subscriber, viewer: Viewer) -> None:
    settings = websocket.app.state.settings
    codec: Codec = websocket.app.state.codec
    frames = RateLimit(settings.limits.socket_frames_per_10s, 10)
    strikes = RateLimit(STRIKES, 10)
    while True:
        message = await websocket.receive()
        if message["type"] == "websocket.disconnect":
            return
        text = message.get("text")
        if text is not None and len(text.encode()) > settings.limits.frame_max_bytes:
            raise _Close(TOO_BIG)
        frame: Frame | None = None
        try:
            frames.hit("frames", "You are sending too fast; slow down.")
            if text is None:
                raise Invalid("Frames must be JSON text.")
            frame = codec.frame(text)
            await _handle(websocket, sub, viewer, frame)
        except ChatError as error:
            try:
                strikes.hit("strikes")
            except RateLimited:
                raise _Close(POLICY) from None
            sub.offer(_error_frame(error, _client_id_of(frame, codec, text)), None)


def _client_id_of(frame: Frame | None, codec: Codec, text: str | None) -> str | None:
    """The refused frame's client_id, so that the sender knows which send failed."""
    if isinstance(frame, MessageSendFrame):
        return frame.client_id
    return codec.client_id_of(text) if frame is None and text is not None else None


async def _handle(websocket: WebSocket, sub: Subscriber, viewer: Viewer, frame: Frame) -> None:
    service: ChatService = websocket.app.state.service
    agent = viewer.agent
    if isinstance(frame, PingFrame):
        sub.offer(ephemeral_frame(events.PONG, events.Pong()), None)
    elif isinstance(frame, MessageSendFrame):
        await _send_message(websocket, sub, viewer, frame)
    elif isinstance(frame, ViewingFrame) and agent is not None:
        service.view(agent, sub.id, frame.session_id)
    elif isinstance(frame, PresenceSetFrame) and agent is not None:
        await service.choose_presence(agent, frame.status)
    elif isinstance(frame, ReadFrame):
        await service.mark_read(_target_session(viewer, frame), frame.seq, agent)
    elif isinstance(frame, TypingFrame):
        service.typing(viewer, sub.id, _target_session(viewer, frame), frame.is_typing)
    else:
        raise Invalid(f"Unknown frame type {frame.type!r}.")


def _target_session(viewer: Viewer, frame: MessageSendFrame | ReadFrame | TypingFrame) -> int:
    """The session a frame is about: an agent names it; a customer has only its own."""
    named = frame.session_id
    if viewer.agent is not None:
        if named is None:
            raise Invalid("`session_id` must be a positive integer.")
        return named
    assert viewer.session is not None
    if named is not None and named != viewer.session.id:
        raise Forbidden("A customer can only write to its own conversation.")
    return viewer.session.id


async def _send_message(
    websocket: WebSocket, sub: Subscriber, viewer: Viewer, frame: MessageSendFrame
) -> None:
    service: ChatService = websocket.app.state.service
    session_id = _target_session(viewer, frame)
    content, client_id = frame.content, frame.client_id
    if client_id is None:
        raise Invalid("`client_id` is required on a socket, so that a retry is safe.")
    acked: list[Posted] = []

    def ack(posted: Posted) -> None:
        """Queue the ack: a new message's goes out in its write batch, with its own frame and
        before the copies to agents (Hub.batch); a retry's once this handler resumes."""
        acked.append(posted)
        data = events.MessageAck(client_id, MessageView.of(posted.message))
        sub.offer(ephemeral_frame(events.MESSAGE_ACK, data), None)

    service.typing(viewer, sub.id, session_id, False)
    if viewer.agent is not None:
        posted = await service.post_agent_message(
            viewer.agent, session_id, content, client_id, on_stored=ack
        )
    else:
        address = websocket.client.host if websocket.client else "unknown"
        posted = await service.post_as_customer(
            session_id, content, client_id, address, on_stored=ack
        )
    if not acked:
        ack(posted)


def _error_frame(error: ChatError, client_id: str | None) -> str:
    retry_after = error.retry_after if isinstance(error, RateLimited) else None
    data = events.ErrorData(error.code, error.message, client_id, retry_after)
    return ephemeral_frame(events.ERROR, data)


routes: list[BaseRoute] = [
    WebSocketRoute("/ws", agent_socket),
    WebSocketRoute("/ws/public/{session_key}", customer_socket),
]
