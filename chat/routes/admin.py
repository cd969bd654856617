"""The admin area's REST API (TEAMS.md, "Agents and the admin area"): agents, settings, the
knowledge base and the audit log. Every call needs an admin; a write with the login cookie also
needs our own Origin and the page's CSRF token (`X-CSRF-Token`, the `sb_csrf` cookie's value)."""

from __future__ import annotations

import hmac
import re

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from chat.auth import bearer_token, origin_allowed, own_origin, require_agent
from chat.errors import Forbidden, Invalid
from chat.models import Agent, Article, AuditEntry
from chat.routes.api import PREFIX, WireResponse, _path_id, read_json
from chat.routes.spec import operation
from chat.service.admin import AdminService
from chat.wire import (
    AdminAgentAnswer,
    AdminAgentView,
    AgentPatch,
    AgentRef,
    AgentsAnswer,
    AiSettingsRequest,
    AiSettingsView,
    AiTestAnswer,
    ArticleAnswer,
    ArticleRequest,
    ArticlesAnswer,
    ArticleSummary,
    ArticleView,
    AuditAnswer,
    AuditView,
    HoursSettings,
    NewAgentAnswer,
    NewAgentRequest,
    RoutingSettings,
    SetupUrlAnswer,
    WidgetSettings,
)

CSRF_COOKIE = "sb_csrf"
CSRF_HEADER = "x-csrf-token"
SLUG = re.compile(r"[a-z0-9-]{1,64}")
AGENT = {"agent_id": "An agent's id."}
ARTICLE = {"slug": "The article's slug: [a-z0-9-]{1,64}."}


def admin_service(request: Request) -> AdminService:
    return request.app.state.admin


async def require_admin(request: Request, *, write: bool = False) -> Agent:
    """The admin behind this request: 401 without a credential, 403 for an agent. A write with
    the login cookie needs our Origin and the CSRF token the page was given (403 otherwise)."""
    agent = await require_agent(request, unsafe=write)
    if write and bearer_token(request) is None:
        _check_cookie_write(request)
    if not agent.is_admin:
        raise Forbidden("Only an admin can do that.")
    return agent


def _check_cookie_write(request: Request) -> None:
    if not origin_allowed(request, request.app.state.settings):
        raise Forbidden("A write with the login cookie needs this site's Origin.")
    cookie = request.cookies.get(CSRF_COOKIE, "")
    sent = request.headers.get(CSRF_HEADER, "")
    if not cookie or not hmac.compare_digest(cookie.encode(), sent.encode()):
        raise Forbidden("The page's CSRF token is missing or stale. Reload the page.")


def _view(request: Request, agent: Agent) -> AdminAgentView:
    return AdminAgentView.of(agent, admin_service(request).presence_of(agent))


def setup_url(request: Request, token: str) -> str:
    return f"{own_origin(request)}/setup/{token}"


def _agent_id(request: Request) -> int:
    return _path_id(request, "agent_id", "No such agent.")


def _slug(request: Request) -> str:
    slug: str = request.path_params["slug"]
    if not SLUG.fullmatch(slug):
        raise Invalid("A slug is 1 to 64 of a-z, 0-9 and -.")
    return slug


# -- agents -----------------------------------------------------------------------------


@operation(
    "Every agent, active or not (admins)", {200: ("The team.", AgentsAnswer)}, "403", agent=True
)
async def list_agents(request: Request) -> Response:
    await require_admin(request)
    found = await admin_service(request).list_agents()
    return WireResponse(AgentsAnswer([_view(request, a) for a in found]))


@operation(
    "Add an agent (admins): a one-time setup link to hand over, valid 72 hours; 409 for an email"
    " already used (case-insensitive)",
    {201: ("Added.", NewAgentAnswer)},
    "400 403 409 413 422",
    body=NewAgentRequest,
    agent=True,
)
async def add_agent(request: Request) -> Response:
    admin = await require_admin(request, write=True)
    body: NewAgentRequest = await read_json(request, NewAgentRequest)
    added = await admin_service(request).add_agent(admin, body.name, body.email, body.role)
    answer = NewAgentAnswer(_view(request, added.agent), setup_url(request, added.setup_token))
    return WireResponse(answer, 201)


@operation(
    "Rename, change the role or the capacity (admins; `capacity: null` is the routing"
    " default); 409 when it would leave no active admin",
    {200: ("Changed.", AdminAgentAnswer)},
    "400 403 404 409 413 422",
    body=AgentPatch,
    agent=True,
    **AGENT,
)
async def update_agent(request: Request) -> Response:
    admin = await require_admin(request, write=True)
    agent_id = _agent_id(request)
    patch: AgentPatch = await read_json(request, AgentPatch)
    agent = await admin_service(request).update_agent(admin, agent_id, patch)
    return WireResponse(AdminAgentAnswer(_view(request, agent)))


@operation(
    "Deactivate an agent (admins): logins, tokens and sockets end, their open conversations go"
    " back to the queue; 409 for oneself or the last active admin",
    {200: ("Deactivated.", AdminAgentAnswer)},
    "403 404 409",
    agent=True,
    **AGENT,
)
async def deactivate_agent(request: Request) -> Response:
    admin = await require_admin(request, write=True)
    agent = await admin_service(request).deactivate_agent(admin, _agent_id(request))
    return WireResponse(AdminAgentAnswer(_view(request, agent)))


@operation(
    "Reactivate an agent (admins)",
    {200: ("Active again.", AdminAgentAnswer)},
    "403 404",
    agent=True,
    **AGENT,
)
async def reactivate_agent(request: Request) -> Response:
    admin = await require_admin(request, write=True)
    agent = await admin_service(request).reactivate_agent(admin, _agent_id(request))
    return WireResponse(AdminAgentAnswer(_view(request, agent)))


@operation(
    "Reset an agent's password (admins): a new setup link; the old password, every token and"
    " cookie stop working and their sockets close (4401)",
    {200: ("The new link.", SetupUrlAnswer)},
    "403 404",
    agent=True,
    **AGENT,
)
async def reset_password(request: Request) -> Response:
    admin = await require_admin(request, write=True)
    token = await admin_service(request).reset_password(admin, _agent_id(request))
    return WireResponse(SetupUrlAnswer(setup_url(request, token)))


# -- settings ---------------------------------------------------------------------------


@operation("The widget settings (admins)", {200: ("Stored.", WidgetSettings)}, "403", agent=True)
async def get_widget(request: Request) -> Response:
    await require_admin(request)
    return WireResponse(admin_service(request).widget)


@operation(
    "Replace the widget settings (admins; the whole object, 422 for any bad field); the next"
    " widget load shows them",
    {200: ("Stored.", WidgetSettings)},
    "400 403 413 422",
    body=WidgetSettings,
    agent=True,
)
async def put_widget(request: Request) -> Response:
    admin = await require_admin(request, write=True)
    body: WidgetSettings = await read_json(request, WidgetSettings)
    return WireResponse(await admin_service(request).put_widget(admin, body))


@operation("The routing settings (admins)", {200: ("Stored.", RoutingSettings)}, "403", agent=True)
async def get_routing(request: Request) -> Response:
    await require_admin(request)
    return WireResponse(await admin_service(request).routing_settings())


@operation(
    "Replace the routing settings (admins; the whole object, 422 for any bad field); queued"
    " conversations are routed under them at once",
    {200: ("Stored.", RoutingSettings)},
    "400 403 413 422",
    body=RoutingSettings,
    agent=True,
)
async def put_routing(request: Request) -> Response:
    admin = await require_admin(request, write=True)
    body: RoutingSettings = await read_json(request, RoutingSettings)
    return WireResponse(await admin_service(request).put_routing(admin, body))


@operation(
    "The business hours (admins, as every setting; the widget and the agent page learn whether"
    " the team is open from the public config). Never set: always open",
    {200: ("Stored.", HoursSettings)},
    "403",
    agent=True,
)
async def get_hours(request: Request) -> Response:
    await require_admin(request)
    return WireResponse(admin_service(request).hours())


@operation(
    "Replace the business hours (admins; the whole object, 422 for a bad timezone, time or"
    " date and for overlapping intervals); outside them nobody is assigned automatically and"
    " a handoff gets the away message with the next opening",
    {200: ("Stored.", HoursSettings)},
    "400 403 413 422",
    body=HoursSettings,
    agent=True,
)
async def put_hours(request: Request) -> Response:
    admin = await require_admin(request, write=True)
    body: HoursSettings = await read_json(request, HoursSettings)
    return WireResponse(await admin_service(request).put_hours(admin, body))


@operation(
    "The AI settings (admins); the key is never shown, only whether one is configured",
    {200: ("Stored.", AiSettingsView)},
    "403",
    agent=True,
)
async def get_ai(request: Request) -> Response:
    await require_admin(request)
    return WireResponse(admin_service(request).ai_settings())


@operation(
    'Replace the AI settings (admins; `gemini_api_key`: null keeps the stored key, "" removes'
    " it); effective at once",
    {200: ("Stored.", AiSettingsView)},
    "400 403 413 422",
    body=AiSettingsRequest,
    agent=True,
)
async def put_ai(request: Request) -> Response:
    admin = await require_admin(request, write=True)
    body: AiSettingsRequest = await read_json(request, AiSettingsRequest)
    return WireResponse(await admin_service(request).put_ai(admin, body))


@operation(
    "Ask Gemini one question with the stored model and key (admins): its answer or its error",
    {200: ("What Gemini said, or why it could not.", AiTestAnswer)},
    "403",
    agent=True,
)
async def test_ai(request: Request) -> Response:
    await require_admin(request, write=True)
    return WireResponse(await admin_service(request).test_ai())


# -- knowledge base -----------------------------------------------------------------------


def _summary(article: Article) -> ArticleSummary:
    return ArticleSummary(article.slug, article.title, article.version, article.updated_at)


def _article(article: Article) -> ArticleView:
    return ArticleView(
        article.slug, article.title, article.version, article.updated_at, article.body
    )


@operation("The knowledge base's articles", {200: ("The list.", ArticlesAnswer)}, agent=True)
async def list_articles(request: Request) -> Response:
    await require_agent(request)
    found = await admin_service(request).articles()
    return WireResponse(ArticlesAnswer([_summary(a) for a in found]))


@operation(
    "One article with its Markdown body",
    {200: ("The article.", ArticleAnswer)},
    "404 422",
    agent=True,
    **ARTICLE,
)
async def get_article(request: Request) -> Response:
    await require_agent(request)
    article = await admin_service(request).article(_slug(request))
    return WireResponse(ArticleAnswer(_article(article)))


@operation(
    "Create (201) or replace (200) an article (admins); a `version` that is not the stored one"
    " is 409: someone else saved meanwhile. The AI answers from it within 2 seconds.",
    {200: ("Replaced.", ArticleAnswer), 201: ("Created.", ArticleAnswer)},
    "400 403 409 413 422",
    body=ArticleRequest,
    agent=True,
    **ARTICLE,
)
async def put_article(request: Request) -> Response:
    admin = await require_admin(request, write=True)
    slug = _slug(request)
    body: ArticleRequest = await read_json(request, ArticleRequest)
    saved, created = await admin_service(request).put_article(admin, slug, body.body, body.version)
    return WireResponse(ArticleAnswer(_article(saved)), 201 if created else 200)


@operation(
    "Delete an article (admins)",
    {204: {"description": "Deleted."}},
    "403 404 422",
    agent=True,
    **ARTICLE,
)
async def delete_article(request: Request) -> Response:
    admin = await require_admin(request, write=True)
    await admin_service(request).delete_article(admin, _slug(request))
    return Response(status_code=204)


# -- audit log ----------------------------------------------------------------------------


def audit_view(entry: AuditEntry) -> AuditView:
    who = AgentRef(entry.agent_id, entry.agent_name) if entry.agent_id is not None else None
    return AuditView(entry.id, who, entry.action, entry.detail, entry.created_at)


@operation(
    "The newest 200 admin writes: who, what, when (admins)",
    {200: ("The log, newest first.", AuditAnswer)},
    "403",
    agent=True,
)
async def audit_log(request: Request) -> Response:
    await require_admin(request)
    entries = await admin_service(request).audit_log()
    return WireResponse(AuditAnswer([audit_view(e) for e in entries]))


routes: list[BaseRoute] = [
    Route(f"{PREFIX}/agents", list_agents, methods=["GET"]),
    Route(f"{PREFIX}/agents", add_agent, methods=["POST"]),
    Route(f"{PREFIX}/agents/{{agent_id}}", update_agent, methods=["PATCH"]),
    Route(f"{PREFIX}/agents/{{agent_id}}/deactivate", deactivate_agent, methods=["POST"]),
    Route(f"{PREFIX}/agents/{{agent_id}}/reactivate", reactivate_agent, methods=["POST"]),
    Route(f"{PREFIX}/agents/{{agent_id}}/password-reset", reset_password, methods=["POST"]),
    Route(f"{PREFIX}/settings/widget", get_widget, methods=["GET"]),
    Route(f"{PREFIX}/settings/widget", put_widget, methods=["PUT"]),
    Route(f"{PREFIX}/settings/routing", get_routing, methods=["GET"]),
    Route(f"{PREFIX}/settings/routing", put_routing, methods=["PUT"]),
    Route(f"{PREFIX}/settings/hours", get_hours, methods=["GET"]),
    Route(f"{PREFIX}/settings/hours", put_hours, methods=["PUT"]),
    Route(f"{PREFIX}/settings/ai", get_ai, methods=["GET"]),
    Route(f"{PREFIX}/settings/ai", put_ai, methods=["PUT"]),
    Route(f"{PREFIX}/settings/ai/test", test_ai, methods=["POST"]),
    Route(f"{PREFIX}/knowledge", list_articles, methods=["GET"]),
    Route(f"{PREFIX}/knowledge/{{slug}}", get_article, methods=["GET"]),
    Route(f"{PREFIX}/knowledge/{{slug}}", put_article, methods=["PUT"]),
    Route(f"{PREFIX}/knowledge/{{slug}}", delete_article, methods=["DELETE"]),
    Route(f"{PREFIX}/audit", audit_log, methods=["GET"]),
]
