"""create_app(settings): routes, middleware, lifespan and error handlers."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Match, Mount, WebSocketRoute
from starlette.staticfiles import StaticFiles
from starlette.templating import Jinja2Templates
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from starlette.websockets import WebSocket

from chat.ai.gemini import build_responder
from chat.ai.knowledge import KnowledgeBase
from chat.ai.responder import Responder
from chat.auth import Accounts
from chat.codec import Codec
from chat.config import Settings
from chat.errors import ChatError, Conflict, Forbidden, Invalid, NotFound, Unauthorized
from chat.hub import Hub, backplane_for
from chat.redact import redact
from chat.routes import admin as admin_routes
from chat.routes import (
    admin_pages,
    api,
    api_keys,
    desk,
    docs,
    files,
    pages,
    queue,
    rate_pages,
    report_pages,
    reports,
    webhooks,
    widget,
    ws,
)
from chat.routes import email as email_routes
from chat.service import ChatService
from chat.service.admin import AdminService
from chat.service.assistant import Assistant
from chat.service.email import EmailContinuity
from chat.service.handoff_assist import HandoffAssist
from chat.service.preferences import AiConfig
from chat.service.webhook_sender import WebhookSender
from chat.service.webhooks import Webhooks
from chat.storage import events
from chat.storage.postgres import open_database

ROOT = Path(__file__).resolve().parent.parent
log = logging.getLogger("chat")

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self' ws: wss:; frame-ancestors 'none'; base-uri 'none'; "
    "form-action 'self'; object-src 'none'"
)
PUBLIC_API = "/api/v1/chat/public/"
HTTP_ERRORS: dict[int, type[ChatError]] = {
    401: Unauthorized,
    403: Forbidden,
    404: NotFound,
    409: Conflict,
}


class _App(Starlette):
    """Starlette, with its socket routes served straight from here.

    Otherwise every socket would wait, for its whole life, in a coroutine of each layer:
    Starlette's error middleware, our two header middlewares (which pass sockets through
    untouched), its exception middleware, its router and the route's session wrappers. At
    2,000 sockets that was 11 coroutines, 22 closure cells and 6 functions each, walked again
    by every full garbage collection (issue #24).

    An error escaping a socket's handler reaches uvicorn, which logs it and closes the
    socket, as it did through those layers (they handle errors of HTTP requests only)."""

    def __init__(self, *, sockets: list[WebSocketRoute], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._sockets = tuple(sockets)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "websocket":
            for route in self._sockets:
                match, child = route.matches(scope)
                if match is Match.FULL:
                    scope["app"] = self
                    scope.update(child)
                    await route.endpoint(WebSocket(scope, receive, send))
                    return
        await super().__call__(scope, receive, send)


class CatchUnexpected:
    """Turns an unexpected exception into the contract's 500 inside SecurityHeaders, so even
    that answer carries CORS, no-store and the CSP; the exception is logged, never shown."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def tracking_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, tracking_send)
        except Exception:  # noqa: BLE001 - the last line of defence; logged below
            log.exception("unexpected error on %s", redact(scope.get("path", "")))
            if started:
                raise
            response = _error_response(Request(scope), ChatError())
            await response(scope, receive, send)


class SecurityHeaders:
    """Adds the headers every answer needs: CSP on pages, no caching of API answers,
    and CORS on the public API so the widget works on a company's own site."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]
        public = path.startswith(PUBLIC_API)
        if public and scope["method"] == "OPTIONS":
            await _preflight(send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = message.setdefault("headers", [])
                present = {bytes(name).lower() for name, _ in headers}
                # A header the answer set itself stays (a file's own Cache-Control).
                headers.extend(h for h in _security_headers(path, public) if h[0] not in present)
            await send(message)

        await self.app(scope, receive, send_with_headers)


def _security_headers(path: str, public: bool) -> list[tuple[bytes, bytes]]:
    headers = [
        (b"x-content-type-options", b"nosniff"),
        (b"referrer-policy", b"same-origin"),
    ]
    if path.startswith("/api/"):
        headers.append((b"cache-control", b"no-store"))
    else:
        headers.append((b"content-security-policy", CONTENT_SECURITY_POLICY.encode()))
        headers.append((b"x-frame-options", b"DENY"))
    if public:
        headers.append((b"access-control-allow-origin", b"*"))
        headers.append((b"access-control-expose-headers", b"Retry-After"))
    return headers


async def _preflight(send: Send) -> None:
    await send(
        {
            "type": "http.response.start",
            "status": 204,
            "headers": [
                (b"access-control-allow-origin", b"*"),
                (b"access-control-allow-methods", b"GET, POST, OPTIONS"),
                (b"access-control-allow-headers", b"content-type"),
                (b"access-control-max-age", b"600"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": b""})


def _error_response(request: Request, error: ChatError) -> Response:
    if request.url.path.startswith("/api/"):
        response: Response = JSONResponse(error.body(), status_code=error.status)
    else:
        templates: Jinja2Templates = request.app.state.templates
        response = templates.TemplateResponse(
            request, "error.html", {"error": error}, status_code=error.status
        )
    retry_after = getattr(error, "retry_after", None)
    if retry_after is not None:
        response.headers["Retry-After"] = str(retry_after)
    return response


async def on_chat_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ChatError)
    return _error_response(request, exc)


async def on_http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    kind = HTTP_ERRORS.get(exc.status_code)
    if kind is not None:
        error = kind()
    else:
        error = Invalid("That method is not allowed here.")
        error.status = exc.status_code
    response = _error_response(request, error)
    for name, value in (exc.headers or {}).items():
        response.headers[name] = value  # e.g. the Allow header of a 405
    return response


async def on_server_error(request: Request, exc: Exception) -> Response:
    # Starlette logs the exception itself; the client hears nothing of it.
    return _error_response(request, ChatError())


def _start_assistant(
    settings: Settings, service: ChatService, admin: AdminService, kb: KnowledgeBase
) -> Assistant:
    """The AI first responder: Gemini when a key is set, the knowledge base otherwise. It
    answers the conversations that start as `bot`; the admin page switches it on and off (new
    conversations then start queued) and may change its pause, model and key at run time."""
    ai = admin.preferences.ai.settings(settings)
    assistant = Assistant(service, build_responder(ai, kb), delay=ai.ai_reply_delay)
    service.on_customer_message = assistant.notice
    service.on_customer_typing = assistant.customer_typing
    retired: set[asyncio.Task[None]] = set()

    def swap(config: AiConfig) -> None:
        old = assistant.responder
        assistant.responder = build_responder(config.settings(settings), kb)
        assistant.delay = config.reply_delay
        task = asyncio.create_task(_close_later(old, settings.ai_timeout + 1))
        retired.add(task)
        task.add_done_callback(retired.discard)

    admin.on_ai_change(swap)
    return assistant


async def _close_later(responder: Responder, delay: float) -> None:
    """Close a replaced responder once the replies it may be composing have had their time."""
    await asyncio.sleep(delay)
    await responder.aclose()


def create_app(settings: Settings, on_started: Callable[[], None] | None = None) -> Starlette:
    """The app; `on_started` is called once its startup is done, before the first request."""
    settings = settings.with_secret()

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        db = open_database(settings)
        await db.open()
        try:
            hub = Hub(backplane_for(settings.backplane_url), settings.limits.socket_queue)
            await hub.start(
                lambda after, until, limit: db.read(
                    lambda c: events.list_events_after(c, after, until, limit)
                ),
                lambda: db.read(events.get_event_head),
            )
            log.info("node %s started", hub.node)
            accounts = Accounts(db, settings, hub)
            if settings.demo_data:
                await accounts.ensure_demo_agents()
            service = ChatService(db, hub, settings)
            await service.check_files_folder()
            if swept := await service.sweep_files():
                log.info("removed %d file(s) that no message carries", swept)
            app.state.db = db
            app.state.accounts = accounts
            app.state.hub = hub
            app.state.service = service
            kb = KnowledgeBase(settings.knowledge_dir or ROOT / "data" / "knowledge")
            admin = AdminService(service, kb, settings)
            await admin.start()
            app.state.admin = admin
            app.state.assist = HandoffAssist(service, kb)
            email = EmailContinuity(service, settings)
            app.state.email = email
            sender = WebhookSender(db, settings)
            service.on_deliveries_queued = sender.wake
            app.state.webhooks = Webhooks(db, settings, sender.wake)
            assistant = _start_assistant(settings, service, admin, kb)
            app.state.assistant = assistant
            expiry = asyncio.create_task(service.typists.run(), name="typing-expiry")
            watch = asyncio.create_task(admin.watch(), name="admin-settings")
            routing = asyncio.create_task(service.routing.run(), name="routing")
            mailing = asyncio.create_task(email.run(), name="email")
            sending = asyncio.create_task(sender.run(), name="webhooks")
            service.presence.start()
            if on_started is not None:
                on_started()
            try:
                yield
            finally:
                expiry.cancel()
                watch.cancel()
                routing.cancel()
                mailing.cancel()
                sending.cancel()
                service.presence.close()
                await assistant.close()
                await assistant.responder.aclose()
                await hub.stop()
        finally:
            await db.close()

    app = _App(
        sockets=[route for route in ws.routes if isinstance(route, WebSocketRoute)],
        routes=[
            *api.routes,
            *queue.routes,
            *desk.routes,
            *email_routes.routes,
            *reports.routes,
            *admin_routes.routes,
            *webhooks.routes,
            *api_keys.routes,
            *files.routes,
            *pages.routes,
            *admin_pages.routes,
            *report_pages.routes,
            *rate_pages.routes,
            *widget.routes,
            *docs.routes,
            *ws.routes,
            Mount("/static", StaticFiles(directory=ROOT / "static"), name="static"),
        ],
        middleware=[Middleware(SecurityHeaders), Middleware(CatchUnexpected)],
        exception_handlers={
            ChatError: on_chat_error,
            HTTPException: on_http_error,
            Exception: on_server_error,
        },
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.codec = Codec(settings.limits)
    app.state.documents = {}
    app.state.templates = Jinja2Templates(directory=ROOT / "templates")
    app.state.widget_script = widget.join_modules(ROOT / "static")
    return app
