"""Webhooks' REST API (TEAMS.md, "Webhooks and API keys"): admins add, list, disable and delete
endpoints, see their deliveries, send a test event and retry a delivery."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from chat.routes.admin import require_admin
from chat.routes.api import PREFIX, WireResponse, _path_id, read_json
from chat.routes.spec import operation
from chat.service.webhooks import Webhooks
from chat.wire import (
    DeliveriesAnswer,
    DeliveryAnswer,
    DeliveryView,
    NewWebhookAnswer,
    WebhookAnswer,
    WebhookPatch,
    WebhookRequest,
    WebhooksAnswer,
    WebhookView,
)

WEBHOOK = {"webhook_id": "A webhook's id."}
DELIVERY = {**WEBHOOK, "delivery_id": "A delivery's id."}


def webhooks(request: Request) -> Webhooks:
    return request.app.state.webhooks


def _webhook_id(request: Request) -> int:
    return _path_id(request, "webhook_id", "No such webhook.")


@operation(
    "Every webhook endpoint (admins); secrets are never shown again",
    {200: ("The endpoints.", WebhooksAnswer)},
    "403",
    agent=True,
)
async def list_webhooks(request: Request) -> Response:
    await require_admin(request)
    found = await webhooks(request).list()
    return WireResponse(WebhooksAnswer([WebhookView.of(w) for w in found]))


@operation(
    "Add an endpoint (admins): http(s), a public address unless webhook_allow_private is on;"
    " stored event types of the catalogue (chat.note.new and chat.mention only with"
    " include_notes). The secret (whsec_…) is shown in this answer only",
    {201: ("Added.", NewWebhookAnswer)},
    "400 403 413 422",
    body=WebhookRequest,
    agent=True,
)
async def add_webhook(request: Request) -> Response:
    admin = await require_admin(request, write=True)
    asked: WebhookRequest = await read_json(request, WebhookRequest)
    webhook, secret = await webhooks(request).add(admin, asked)
    return WireResponse(NewWebhookAnswer(WebhookView.of(webhook), secret), 201)


@operation(
    "Enable or disable an endpoint (admins); a disabled one is sent nothing, its pending"
    " deliveries wait",
    {200: ("Changed.", WebhookAnswer)},
    "400 403 404 413 422",
    body=WebhookPatch,
    agent=True,
    **WEBHOOK,
)
async def update_webhook(request: Request) -> Response:
    admin = await require_admin(request, write=True)
    webhook_id = _webhook_id(request)
    patch: WebhookPatch = await read_json(request, WebhookPatch)
    webhook = await webhooks(request).set_enabled(admin, webhook_id, patch.enabled)
    return WireResponse(WebhookAnswer(WebhookView.of(webhook)))


@operation(
    "Delete an endpoint (admins); its pending deliveries are dropped",
    {204: {"description": "Deleted."}},
    "403 404",
    agent=True,
    **WEBHOOK,
)
async def delete_webhook(request: Request) -> Response:
    admin = await require_admin(request, write=True)
    await webhooks(request).delete(admin, _webhook_id(request))
    return Response(status_code=204)


@operation(
    "An endpoint's newest 50 deliveries, newest first (admins)",
    {200: ("The deliveries.", DeliveriesAnswer)},
    "403 404",
    agent=True,
    **WEBHOOK,
)
async def list_deliveries(request: Request) -> Response:
    await require_admin(request)
    found = await webhooks(request).deliveries(_webhook_id(request))
    return WireResponse(DeliveriesAnswer([DeliveryView.of(d) for d in found]))


@operation(
    'Queue a webhook.test event for an endpoint (admins): data {"webhook_id"}',
    {202: ("Queued.", DeliveryAnswer)},
    "403 404",
    agent=True,
    **WEBHOOK,
)
async def test_webhook(request: Request) -> Response:
    admin = await require_admin(request, write=True)
    delivery = await webhooks(request).send_test(admin, _webhook_id(request))
    return WireResponse(DeliveryAnswer(DeliveryView.of(delivery)), 202)


@operation(
    "Send a delivery again now (admins): its attempts are kept, the webhook-id is the same",
    {202: ("Queued.", DeliveryAnswer)},
    "403 404",
    agent=True,
    **DELIVERY,
)
async def retry_delivery(request: Request) -> Response:
    admin = await require_admin(request, write=True)
    webhook_id = _webhook_id(request)
    delivery_id = _path_id(request, "delivery_id", "No such delivery.")
    delivery = await webhooks(request).retry(admin, webhook_id, delivery_id)
    return WireResponse(DeliveryAnswer(DeliveryView.of(delivery)), 202)


routes: list[BaseRoute] = [
    Route(f"{PREFIX}/webhooks", list_webhooks, methods=["GET"]),
    Route(f"{PREFIX}/webhooks", add_webhook, methods=["POST"]),
    Route(f"{PREFIX}/webhooks/{{webhook_id}}", update_webhook, methods=["PATCH"]),
    Route(f"{PREFIX}/webhooks/{{webhook_id}}", delete_webhook, methods=["DELETE"]),
    Route(f"{PREFIX}/webhooks/{{webhook_id}}/deliveries", list_deliveries, methods=["GET"]),
    Route(f"{PREFIX}/webhooks/{{webhook_id}}/test", test_webhook, methods=["POST"]),
    Route(
        f"{PREFIX}/webhooks/{{webhook_id}}/deliveries/{{delivery_id}}/retry",
        retry_delivery,
        methods=["POST"],
    ),
]
