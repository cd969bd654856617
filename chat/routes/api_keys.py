"""API keys (TEAMS.md, "Webhooks and API keys"): admins make, list and revoke them. A key is
used as a bearer token on the agents' API; chat/auth.py decides what it may do there."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from chat.routes.admin import admin_service, require_admin
from chat.routes.api import PREFIX, WireResponse, _path_id, read_json
from chat.routes.spec import operation
from chat.wire import ApiKeyAnswer, ApiKeyRequest, ApiKeysAnswer, ApiKeyView, NewApiKeyAnswer

KEY = {"key_id": "An API key's id."}


@operation(
    "Every API key, the newest first, revoked ones too; never a token (admins)",
    {200: ("The keys.", ApiKeysAnswer)},
    "403",
    agent=True,
)
async def list_api_keys(request: Request) -> Response:
    await require_admin(request)
    found = await admin_service(request).list_api_keys()
    return WireResponse(ApiKeysAnswer([ApiKeyView.of(key) for key in found]))


@operation(
    "Make an API key (admins): its token is in this answer only. Used as a bearer token it"
    " acts as its creator with the rights of an agent (admin-only calls are 403); a read key"
    " may only GET",
    {201: ("Made.", NewApiKeyAnswer)},
    "400 403 413 422",
    body=ApiKeyRequest,
    agent=True,
)
async def create_api_key(request: Request) -> Response:
    admin = await require_admin(request, write=True)
    body: ApiKeyRequest = await read_json(request, ApiKeyRequest)
    made = await admin_service(request).create_api_key(admin, body.name, body.scope)
    return WireResponse(NewApiKeyAnswer(ApiKeyView.of(made.api_key), made.token), 201)


@operation(
    "Revoke an API key (admins): the next request with it is 401, on every node. A key revoked"
    " already is answered as it is",
    {200: ("Revoked.", ApiKeyAnswer)},
    "403 404",
    agent=True,
    **KEY,
)
async def revoke_api_key(request: Request) -> Response:
    admin = await require_admin(request, write=True)
    key_id = _path_id(request, "key_id", "No such API key.")
    key = await admin_service(request).revoke_api_key(admin, key_id)
    return WireResponse(ApiKeyAnswer(ApiKeyView.of(key)))


routes: list[BaseRoute] = [
    Route(f"{PREFIX}/api-keys", list_api_keys, methods=["GET"]),
    Route(f"{PREFIX}/api-keys", create_api_key, methods=["POST"]),
    Route(f"{PREFIX}/api-keys/{{key_id}}", revoke_api_key, methods=["DELETE"]),
]
