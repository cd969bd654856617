"""The agents' tools beside the chat itself: the queue and the caller's load, "Accept next",
transfers (TEAMS.md, "Routing and the queue"; notes are in desk.py), and the AI's
handoff summary and suggested reply (issue #18). The routing settings are the admin's
(chat/routes/admin.py)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from chat.auth import require_agent
from chat.routes.api import PREFIX, SESSION, WireResponse, _session_id, read_json, service
from chat.routes.spec import operation
from chat.service.handoff_assist import HandoffAssist
from chat.wire import (
    AssistAnswer,
    QueueAnswer,
    SessionAnswer,
    SessionView,
    TransferRequest,
)


@operation(
    "The queue (how many wait, since when, each one's place, the expected wait of the next to"
    " join) and the caller's load: open conversations and capacity",
    {200: ("The queue.", QueueAnswer)},
    "",
    agent=True,
)
async def queue_summary(request: Request) -> Response:
    agent = await require_agent(request)
    return WireResponse(await service(request).queue_summary(agent))


@operation(
    'Take the oldest queued conversation ("Accept next"); 409 when nobody is waiting',
    {200: ("Assigned to the caller.", SessionAnswer)},
    "403 409",
    agent=True,
)
async def accept_next(request: Request) -> Response:
    agent = await require_agent(request, unsafe=True)
    session = await service(request).accept_next(agent)
    return WireResponse(SessionAnswer(SessionView.of(session)))


@operation(
    "Hand the conversation to another active agent (the holder, or an admin); the note becomes"
    " a private note and the receiving agent is told (chat.session.transferred). 404: no such"
    " conversation or active agent; 409: closed, held by someone else, or theirs already",
    {200: ("Transferred.", SessionAnswer)},
    "400 403 404 409 413 422",
    body=TransferRequest,
    agent=True,
    **SESSION,
)
async def transfer(request: Request) -> Response:
    agent = await require_agent(request, unsafe=True)
    body: TransferRequest = await read_json(request, TransferRequest)
    session = await service(request).transfer(agent, _session_id(request), body.agent_id, body.note)
    return WireResponse(SessionAnswer(SessionView.of(session)))


@operation(
    "What the customer asked before a person took over and how the AI fared (summary), and a"
    " reply drawn from the knowledge base to insert and edit (suggestion; never sent by itself)",
    {200: ("The summary and suggestion; each null when there is nothing to say.", AssistAnswer)},
    "404",
    agent=True,
    **SESSION,
)
async def assist(request: Request) -> Response:
    await require_agent(request)
    helper: HandoffAssist = request.app.state.assist
    return WireResponse(await helper.assist(_session_id(request)))


routes: list[BaseRoute] = [
    Route(f"{PREFIX}/chat/queue", queue_summary, methods=["GET"]),
    Route(f"{PREFIX}/chat/queue/accept", accept_next, methods=["POST"]),
    Route(f"{PREFIX}/chat/sessions/{{session_id}}/transfer", transfer, methods=["POST"]),
    Route(f"{PREFIX}/chat/sessions/{{session_id}}/assist", assist, methods=["GET"]),
]
