"""The API's own descriptions: GET /openapi.json (REST) and GET /asyncapi.json (sockets)."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from chat.routes.api import WireResponse
from chat.routes.asyncapi import asyncapi_document
from chat.routes.openapi import openapi_document
from chat.routes.spec import operation

DOCUMENT = {
    200: {
        "description": "The document.",
        "content": {"application/json": {"schema": {"type": "object"}}},
    }
}


@operation("This document (OpenAPI 3.1)", DOCUMENT)
async def openapi_json(request: Request) -> Response:
    return WireResponse(
        _cached(
            request,
            "openapi",
            lambda: openapi_document(request.app.routes, request.app.state.settings),
        )
    )


@operation("The sockets' frames, both ways (AsyncAPI 3.0)", DOCUMENT)
async def asyncapi_json(request: Request) -> Response:
    return WireResponse(
        _cached(request, "asyncapi", lambda: asyncapi_document(request.app.state.settings))
    )


def _cached(request: Request, name: str, make: Any) -> Any:
    """Each document is made once per app: routes and settings do not change while it runs."""
    documents = request.app.state.documents
    if name not in documents:
        documents[name] = make()
    return documents[name]


routes: list[BaseRoute] = [
    Route("/openapi.json", openapi_json, methods=["GET"]),
    Route("/asyncapi.json", asyncapi_json, methods=["GET"]),
]
