"""The API's own description: GET /openapi.json."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from chat.openapi import openapi_document


async def openapi_json(request: Request) -> Response:
    return JSONResponse(openapi_document(request.app.state.settings))


routes: list[BaseRoute] = [Route("/openapi.json", openapi_json, methods=["GET"])]
