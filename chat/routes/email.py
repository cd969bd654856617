"""What agents see of a conversation's email (TEAMS.md, "Business hours and email")."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from chat.auth import require_agent
from chat.routes.api import PREFIX, SESSION, WireResponse, _session_id
from chat.routes.spec import operation
from chat.service.email import EmailContinuity
from chat.wire import EmailThreadAnswer


@operation(
    "The address the conversation's unread agent replies are emailed to, the messages that went"
    " out by email (up to emailed_seq) and whether delivery failed; email null without one",
    {200: ("The conversation's email.", EmailThreadAnswer)},
    "404",
    agent=True,
    **SESSION,
)
async def session_email(request: Request) -> Response:
    await require_agent(request)
    email: EmailContinuity = request.app.state.email
    return WireResponse(await email.status(_session_id(request)))


routes: list[BaseRoute] = [
    Route(f"{PREFIX}/chat/sessions/{{session_id}}/email", session_email, methods=["GET"]),
]
