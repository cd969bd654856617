"""Satisfaction ratings and reports (TEAMS.md, "Satisfaction and reports"): the customer's
rating, what agents see of it, and the admins' summary and CSV export."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from chat.auth import require_agent
from chat.routes.admin import require_admin
from chat.routes.api import (
    KEY,
    PREFIX,
    SESSION,
    WireResponse,
    _session_id,
    query,
    read_json,
    service,
)
from chat.routes.spec import operation
from chat.wire import CsatAnswer, CsatRequest, CsatStateAnswer, ReportQuery, ReportSummary

CSV_ANSWER = {
    200: {
        "description": "One row per conversation started in the range, with the summary's"
        " figures: session_id, date, started_at (the team's clock), status, handed_off,"
        " ai_resolved, agents, wait_seconds, first_response_seconds, first_response_agents,"
        " resolution_seconds, closed_by, rating, comment, rated_agent, link. A reopened"
        " conversation's figures of each cycle are separated by `;`. UTF-8 with a BOM; cells"
        " that start with = + - @ are prefixed with `'`.",
        "headers": {
            "Content-Disposition": {
                "required": True,
                "description": 'attachment; filename="report-<since>-<until>.csv"',
                "schema": {"type": "string", "pattern": '^attachment; filename="report-'},
            }
        },
        "content": {"text/csv": {"schema": {"type": "string"}}},
    }
}


@operation(
    "Rate the closed conversation, once: 1 to 5 and an optional comment (409: not closed, no"
    " rating asked for, or rated already)",
    {201: ("Stored.", CsatAnswer)},
    "400 404 409 413 422",
    body=CsatRequest,
)
async def public_csat(request: Request) -> Response:
    body: CsatRequest = await read_json(request, CsatRequest)
    view = await service(request).rate(body.session_key, body.rating, body.comment)
    return WireResponse(CsatAnswer(view), 201)


@operation(
    "Whether the customer is asked for a rating, and the rating once given",
    {200: ("The rating's state.", CsatStateAnswer)},
    "404",
    **KEY,
)
async def public_csat_state(request: Request) -> Response:
    key = request.path_params["session_key"]
    return WireResponse(await service(request).csat_for_key(key))


@operation(
    "Whether the customer was asked for a rating, and the rating once given",
    {200: ("The rating's state.", CsatStateAnswer)},
    "404",
    agent=True,
    **SESSION,
)
async def session_csat(request: Request) -> Response:
    await require_agent(request)
    return WireResponse(await service(request).csat(_session_id(request)))


@operation(
    "The figures of the conversations started from `since` to `until` (both included, days on"
    " the business hours' clock; without them the last 7 days): admins only",
    {200: ("The report.", ReportSummary)},
    "403 422",
    query=ReportQuery,
    agent=True,
)
async def report_summary(request: Request) -> Response:
    await require_admin(request)
    asked: ReportQuery = query(request, ReportQuery)
    return WireResponse(await service(request).report(asked.since, asked.until))


@operation(
    "The same conversations as a CSV file, one row each: admins only",
    CSV_ANSWER,
    "403 422",
    query=ReportQuery,
    agent=True,
)
async def report_csv(request: Request) -> Response:
    await require_admin(request)
    asked: ReportQuery = query(request, ReportQuery)
    link = str(request.base_url).rstrip("/") + "/chat?session="
    name, text = await service(request).report_csv(asked.since, asked.until, link)
    return Response(
        "\ufeff" + text,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


routes: list[BaseRoute] = [
    Route(f"{PREFIX}/chat/public/csat", public_csat, methods=["POST"]),
    Route(f"{PREFIX}/chat/public/session/{{session_key}}/csat", public_csat_state, methods=["GET"]),
    Route(f"{PREFIX}/chat/sessions/{{session_id}}/csat", session_csat, methods=["GET"]),
    Route(f"{PREFIX}/reports/summary", report_summary, methods=["GET"]),
    Route(f"{PREFIX}/reports/export.csv", report_csv, methods=["GET"]),
]
