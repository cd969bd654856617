"""The admin page (/admin) and the setup page (/setup/{token}) where a new agent, or one whose
password was reset, chooses a password and is logged in."""

from __future__ import annotations

import msgspec
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from chat.auth import COOKIE, Accounts
from chat.errors import Forbidden, Invalid
from chat.routes.admin import admin_service, audit_view
from chat.routes.pages import (
    _checked_form,
    _csrf_token,
    _with_csrf_cookie,
    current_agent,
    render,
    set_login_cookie,
)
from chat.service.webhooks import NOTE_EVENTS, SUBSCRIBABLE
from chat.wire import AdminAgentView, ArticleSummary


async def admin_page(request: Request) -> Response:
    agent = await current_agent(request)
    if agent is None:
        return RedirectResponse("/login", status_code=303)
    if not agent.is_admin:
        raise Forbidden("The admin area is for admins. Ask an admin if you need a change.")
    admin = admin_service(request)
    team = await admin.list_agents()
    articles = await admin.articles()
    initial = {
        "me": agent.id,
        "agents": [AdminAgentView.of(a, admin.presence_of(a)) for a in team],
        "widget": admin.widget,
        "ai": admin.ai_settings(),
        "routing": await admin.routing_settings(),
        "hours": admin.hours(),
        "articles": [ArticleSummary(a.slug, a.title, a.version, a.updated_at) for a in articles],
        "audit": [audit_view(e) for e in await admin.audit_log()],
        # The event types a webhook may take (the page groups them), notes apart.
        "webhook_events": sorted(SUBSCRIBABLE - NOTE_EVENTS),
    }
    context = {
        "agent": agent,
        "initial": msgspec.to_builtins(initial),
        "csrf_token": _csrf_token(request),
    }
    return _with_csrf_cookie(request, render(request, "admin.html", context))


async def setup_page(request: Request) -> Response:
    token = request.path_params["token"]
    agent = await admin_service(request).setup_agent(token)  # an error page when not live
    page = render(request, "setup.html", {"csrf_token": _csrf_token(request), "who": agent})
    return _with_csrf_cookie(request, page)


async def setup_submit(request: Request) -> Response:
    form = await _checked_form(request)
    token = request.path_params["token"]
    admin = admin_service(request)
    try:
        agent = await admin.complete_setup(
            token, form.get("password", ""), form.get("password_again", "")
        )
    except Invalid as error:
        who = await admin.setup_agent(token)
        context = {"csrf_token": _csrf_token(request), "who": who, "error": error.message}
        return _with_csrf_cookie(request, render(request, "setup.html", context, error.status))
    accounts: Accounts = request.app.state.accounts
    credential = await accounts.issue(agent, COOKIE)
    return set_login_cookie(request, RedirectResponse("/chat", status_code=303), credential)


routes: list[BaseRoute] = [
    Route("/admin", admin_page, methods=["GET"]),
    Route("/setup/{token}", setup_page, methods=["GET"]),
    Route("/setup/{token}", setup_submit, methods=["POST"]),
]
