"""The /rate page a rating email links to (issue #21): the link's token, not the session key,
finds the conversation. GET only shows (mail scanners fetch links before anyone clicks them);
the form's POST stores the rating under the rule of the widget's (chat/service/satisfaction.py).
The token in the path is the form's credential: no cookie, so no CSRF token either."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from chat.errors import Conflict, Invalid
from chat.routes.api import codec, read_body, service
from chat.routes.pages import FORM_MAX_BYTES, render
from chat.wire import RATING_LABELS, CsatForm


def _chosen(text: str | None) -> int | None:
    """The rating a link's ?rating= preselects (anything else preselects none)."""
    return int(text) if text in ("1", "2", "3", "4", "5") else None


def _page(request: Request, token: str, status: int = 200, **context: Any) -> Response:
    context = {
        "token": token,
        "ratings": RATING_LABELS,
        "comment_max": request.app.state.settings.limits.csat_comment_max,
        "chosen": None,
        "comment": "",
        "error": None,
        "refusal": None,
        "csat": None,
        **context,
    }
    return render(request, "rate.html", context, status)


async def rate_page(request: Request) -> Response:
    token = request.path_params["token"]
    found = await service(request).rating_page(token)
    chosen = _chosen(request.query_params.get("rating"))
    return _page(request, token, csat=found.csat, refusal=found.refusal, chosen=chosen)


async def rate_submit(request: Request) -> Response:
    token = request.path_params["token"]
    found = await service(request).rating_page(token)  # 404 for a bad link, before the form
    if found.csat is not None or found.refusal is not None:
        refusal = "This conversation has been rated already." if found.csat else found.refusal
        return _page(request, token, 409, refusal=refusal)
    raw = await read_body(request, _form_max_bytes(request))
    fields = {k: v[0] for k, v in parse_qs(raw.decode("utf-8", "replace")).items()}
    chosen, comment = _chosen(fields.get("rating")), fields.get("comment", "")
    try:
        form = codec(request).query(CsatForm, fields)
    except Invalid as error:
        message = "Choose a rating from 1 to 5." if chosen is None else error.message
        return _page(request, token, 422, chosen=chosen, comment=comment, error=message)
    try:
        await service(request).rate_by_link(token, form.rating, form.comment)
    except Conflict as error:
        return _page(request, token, 409, refusal=error.message)
    # Post/Redirect/Get: the page now thanks them, and a reload posts nothing again.
    return RedirectResponse(request.url.path, status_code=303)


def _form_max_bytes(request: Request) -> int:
    """Room for the longest comment however it is written: a character is at most 4 bytes of
    UTF-8, each sent as %XX (12 bytes), so this form may be larger than the others."""
    return max(FORM_MAX_BYTES, request.app.state.settings.limits.csat_comment_max * 12 + 1024)


routes: list[BaseRoute] = [
    Route("/rate/{token}", rate_page, methods=["GET"]),
    Route("/rate/{token}", rate_submit, methods=["POST"]),
]
