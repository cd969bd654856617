"""The visitor's address for replies by email (TEAMS.md, "Business hours and email")."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from chat.routes.api import PREFIX, WireResponse, read_json
from chat.routes.spec import operation
from chat.service.email import EmailContinuity
from chat.wire import ContactRequest, PublicSessionAnswer, PublicSessionView


@operation(
    "Leave an email address: agents' replies the visitor has not read within the configured"
    " delay are emailed to it, and replies by email come back into the conversation",
    {200: ("The conversation.", PublicSessionAnswer)},
    "400 404 413 422",
    body=ContactRequest,
)
async def public_contact(request: Request) -> Response:
    body: ContactRequest = await read_json(request, ContactRequest)
    email: EmailContinuity = request.app.state.email
    session = await email.leave_address_by_key(body.session_key, body.email, body.name)
    return WireResponse(PublicSessionAnswer(PublicSessionView.of(session)))


routes: list[BaseRoute] = [
    Route(f"{PREFIX}/chat/public/contact", public_contact, methods=["POST"]),
]
