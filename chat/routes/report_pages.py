"""The Reports page (/reports, admins only): its script reads /api/v1/reports/summary for the
range in its URL; the page carries the team's timezone and today's date there."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from chat.errors import Forbidden
from chat.routes.admin import admin_service
from chat.routes.pages import _csrf_token, _with_csrf_cookie, current_agent, render


def _today(request: Request, timezone: str) -> str:
    """Today's date where the team works: the reports count days in the hours' timezone."""
    now: datetime = request.app.state.settings.clock()
    return now.astimezone(ZoneInfo(timezone)).date().isoformat()


async def reports_page(request: Request) -> Response:
    agent = await current_agent(request)
    if agent is None:
        return RedirectResponse("/login", status_code=303)
    if not agent.is_admin:
        raise Forbidden("Reports are for admins. Ask an admin if you need the figures.")
    timezone = admin_service(request).hours().timezone
    context = {
        "agent": agent,
        "page": "reports",
        "timezone": timezone,
        "today": _today(request, timezone),
        "csrf_token": _csrf_token(request),
    }
    return _with_csrf_cookie(request, render(request, "reports.html", context))


routes: list[BaseRoute] = [Route("/reports", reports_page, methods=["GET"])]
