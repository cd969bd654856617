"""Server-rendered pages: login, logout, the Chat page, health, the app manifest and worker."""

from __future__ import annotations

import hmac
import secrets
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import msgspec
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from chat.auth import COOKIE, COOKIE_NAME, Accounts, origin_allowed, require_agent
from chat.errors import Forbidden, RateLimited, Unauthorized
from chat.models import Agent
from chat.routes.api import client_address, read_body
from chat.routes.spec import operation
from chat.wire import AgentView, Health, SessionView

STATIC = Path(__file__).resolve().parent.parent.parent / "static"
CSRF_COOKIE = "sb_csrf"
FORM_MAX_BYTES = 8 * 1024


def render(request: Request, name: str, context: dict[str, Any], status: int = 200) -> Response:
    templates = request.app.state.templates
    return templates.TemplateResponse(request, name, context, status_code=status)


async def current_agent(request: Request) -> Agent | None:
    try:
        return await require_agent(request)
    except Unauthorized:
        return None


def _is_https(request: Request) -> bool:
    return request.url.scheme == "https"


def _csrf_token(request: Request) -> str:
    """The visitor's CSRF token: kept in a cookie, repeated in every form (double submit)."""
    token = request.cookies.get(CSRF_COOKIE)
    if token and len(token) == 43:
        return token
    token = request.state.new_csrf = secrets.token_urlsafe(32)
    return token


def _with_csrf_cookie(request: Request, response: Response) -> Response:
    token = getattr(request.state, "new_csrf", None)
    if token:
        response.set_cookie(
            CSRF_COOKIE,
            token,
            httponly=True,
            samesite="strict",
            secure=_is_https(request),
            path="/",
        )
    return response


async def _checked_form(request: Request) -> dict[str, str]:
    """The posted form, after the CSRF token and the Origin are checked."""
    raw = await read_body(request, FORM_MAX_BYTES)
    form = {k: v[0] for k, v in parse_qs(raw.decode("utf-8", "replace")).items()}
    cookie = request.cookies.get(CSRF_COOKIE, "")
    sent = form.get("csrf_token", "")
    if not cookie or not hmac.compare_digest(cookie.encode(), sent.encode()):
        raise Forbidden("The form expired or came from another site. Please try again.")
    if "origin" in request.headers and not origin_allowed(request, request.app.state.settings):
        raise Forbidden("This form was posted from another site.")
    return form


async def home(request: Request) -> Response:
    target = "/chat" if await current_agent(request) else "/login"
    return RedirectResponse(target, status_code=303)


async def login_page(request: Request) -> Response:
    if await current_agent(request):
        return RedirectResponse("/chat", status_code=303)
    page = render(request, "login.html", {"csrf_token": _csrf_token(request), "email": ""})
    return _with_csrf_cookie(request, page)


async def login_submit(request: Request) -> Response:
    form = await _checked_form(request)
    accounts: Accounts = request.app.state.accounts
    email = form.get("email", "")
    try:
        agent = await accounts.login(email, form.get("password", ""), client_address(request))
    except (Unauthorized, RateLimited) as error:
        context = {"csrf_token": _csrf_token(request), "email": email, "error": error.message}
        page = render(request, "login.html", context, status=error.status)
        if isinstance(error, RateLimited):
            page.headers["Retry-After"] = str(error.retry_after)
        return page
    credential = await accounts.issue(agent, COOKIE)
    return set_login_cookie(request, RedirectResponse("/chat", status_code=303), credential)


def set_login_cookie(request: Request, response: Response, credential: str) -> Response:
    settings = request.app.state.settings
    response.set_cookie(
        COOKIE_NAME,
        credential,
        max_age=settings.login_ttl_hours * 3600,
        httponly=True,
        samesite="lax",
        secure=_is_https(request),
        path="/",
    )
    return response


async def logout_submit(request: Request) -> Response:
    await _checked_form(request)
    cookie = request.cookies.get(COOKIE_NAME)
    if cookie:
        await request.app.state.accounts.revoke(COOKIE, cookie)
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(COOKIE_NAME, path="/")
    return response


async def chat_page(request: Request) -> Response:
    agent = await current_agent(request)
    if agent is None:
        return RedirectResponse("/login", status_code=303)
    sessions = await request.app.state.service.list_sessions(None, 100)
    initial = {
        "agent": AgentView.of(agent),
        "sessions": [SessionView.of(s) for s in sessions],
        "limits": request.app.state.service.server_limits,
    }
    context = {
        "agent": agent,
        "sessions": sessions,
        "initial": msgspec.to_builtins(initial),
        "csrf_token": _csrf_token(request),
    }
    return _with_csrf_cookie(request, render(request, "chat.html", context))


async def canned_page(request: Request) -> Response:
    """The team's canned responses, to add, change and delete (any agent; the page uses the
    REST API with the login cookie)."""
    agent = await current_agent(request)
    if agent is None:
        return RedirectResponse("/login", status_code=303)
    context = {"agent": agent, "page": "canned", "csrf_token": _csrf_token(request)}
    return _with_csrf_cookie(request, render(request, "canned.html", context))


Endpoint = Callable[[Request], Awaitable[Response]]


def static_file(name: str, media_type: str | None = None) -> Endpoint:
    """A page or script shipped in static/, served at the top-level path the contract names."""
    path = STATIC / name

    async def serve(request: Request) -> Response:
        return FileResponse(path, media_type=media_type, headers={"Cache-Control": "no-cache"})

    return serve


@operation(
    "Whether the database and the hub answer",
    {200: ("Up.", Health), 503: ("Down.", Health)},
)
async def healthz(request: Request) -> Response:
    if not await request.app.state.db.ping():
        return JSONResponse({"status": "unavailable"}, status_code=503)
    return JSONResponse({"status": "ok"})


routes: list[BaseRoute] = [
    Route("/", home, methods=["GET"]),
    Route("/login", login_page, methods=["GET"]),
    Route("/login", login_submit, methods=["POST"]),
    Route("/logout", logout_submit, methods=["POST"]),
    Route("/chat", chat_page, methods=["GET"]),
    Route("/canned", canned_page, methods=["GET"]),
    Route("/healthz", healthz, methods=["GET"]),
    Route("/widget-demo.html", static_file("widget-demo.html"), methods=["GET"]),
    Route("/websocket-test.html", static_file("websocket-test.html"), methods=["GET"]),
    # The agent app (issue #23): the worker at the root, so that its scope covers /chat.
    Route("/sw.js", static_file("sw.js", "text/javascript"), methods=["GET"]),
    Route(
        "/manifest.webmanifest",
        static_file("manifest.webmanifest", "application/manifest+json"),
        methods=["GET"],
    ),
]
