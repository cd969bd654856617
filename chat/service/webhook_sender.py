"""The webhook sender: one task per node that sends the deliveries the event log's transactions
queued (chat/service/transaction.py), signed as Standard Webhooks 1.0 says.

It wakes after a commit that queued deliveries and looks every second besides. A node claims a
due delivery by moving its next_attempt_at to the end of a lease (a compare and set: one node
wins), then sends it with at most `concurrency` requests in flight, so a slow receiver holds
those slots and nothing else: the chat never waits for a webhook. A 2xx delivers it; 410
disables the endpoint; anything else (3xx, 4xx, 5xx, a timeout, a refused connection) is tried
again on the settings' schedule with ±20% jitter, then it has failed. All of it is rows in the
database, so a restart (or a kill -9) carries on where it was: at least once, with the same
webhook-id on every attempt."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import logging
import random
import sqlite3
import time
from datetime import UTC, datetime, timedelta

import httpx
import msgspec

from chat.config import Settings
from chat.errors import Invalid
from chat.models import Webhook, WebhookDelivery, iso_time
from chat.service.webhooks import check_destination
from chat.storage import webhooks as store
from chat.storage.database import Database

log = logging.getLogger("chat.webhooks")
USER_AGENT = "Switchboard-Webhooks/1.0"
POLL = 1.0  # seconds between looks for due deliveries when nothing woke the sender
ERROR_MAX = 500  # characters of an error kept on a delivery


def signature(secret: str, message_id: str, timestamp: int, body: bytes) -> str:
    """`v1,` and the base64 HMAC-SHA256 of "id.timestamp.body", keyed with the secret's bytes."""
    key = base64.b64decode(secret.removeprefix("whsec_"))
    signed = f"{message_id}.{timestamp}.".encode() + body
    return "v1," + base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()


def message_id(delivery: WebhookDelivery) -> str:
    """The webhook-id: the event's event_id (a test delivery has its own, stable one)."""
    return str(delivery.event_id) if delivery.event_id is not None else f"test_{delivery.id}"


def payload(kind: str, timestamp: str, data: str) -> bytes:
    """`{"type", "timestamp", "data"}`; `data` is the stored JSON, sent as it is."""
    head = msgspec.json.encode({"type": kind, "timestamp": timestamp})
    return head[:-1] + b',"data":' + data.encode() + b"}"


class WebhookSender:
    """Sends due deliveries until cancelled (run())."""

    def __init__(
        self, db: Database, settings: Settings, *, concurrency: int = 8, timeout: float = 10.0
    ) -> None:
        self.db = db
        self.retries = settings.webhook_retries
        self.allow_private = settings.webhook_allow_private
        self.concurrency = concurrency
        self.timeout = timeout
        # Long enough for one attempt's whole timeout; a crashed node's lease runs out.
        self.lease = timedelta(seconds=timeout + 20)
        self._woken = asyncio.Event()
        self._sending: dict[int, asyncio.Task[None]] = {}

    def wake(self) -> None:
        """Deliveries were committed: look now rather than at the next poll."""
        self._woken.set()

    async def run(self) -> None:
        limits = httpx.Limits(max_connections=self.concurrency)
        async with httpx.AsyncClient(
            follow_redirects=False, timeout=self.timeout, limits=limits, trust_env=False
        ) as client:
            try:
                while True:
                    try:
                        await self.send_due(client)
                    except Exception:  # noqa: BLE001 - a database hiccup: next look again
                        log.exception("webhooks: the look for due deliveries failed")
                    try:
                        await asyncio.wait_for(self._woken.wait(), POLL)
                    except TimeoutError:
                        pass
                    self._woken.clear()
            finally:
                for task in self._sending.values():
                    task.cancel()

    async def send_due(self, client: httpx.AsyncClient) -> int:
        """Claim as many due deliveries as there are free slots and start sending them."""
        free = self.concurrency - len(self._sending)
        if free <= 0:
            return 0
        now = datetime.now(UTC)
        due = await self.db.read(lambda c: store.list_due_deliveries(c, iso_time(now), free * 2))
        due = [d for d in due if d.id not in self._sending][:free]
        if not due:
            return 0
        lease_until = iso_time(now + self.lease)

        def claim(conn: sqlite3.Connection) -> list[WebhookDelivery]:
            return [
                d for d in due if store.lease_delivery(conn, d.id, d.next_attempt_at, lease_until)
            ]

        for delivery in await self.db.write(claim):
            task = asyncio.create_task(self._send(client, delivery), name="webhook")
            self._sending[delivery.id] = task
            task.add_done_callback(lambda _, key=delivery.id: self._finished(key))
        return len(due)

    def _finished(self, delivery_id: int) -> None:
        self._sending.pop(delivery_id, None)
        self._woken.set()  # a slot is free: what waited for one may go

    async def _send(self, client: httpx.AsyncClient, delivery: WebhookDelivery) -> None:
        def look(conn: sqlite3.Connection) -> tuple[Webhook | None, tuple[str, str] | None]:
            return (
                store.get_webhook(conn, delivery.webhook_id),
                store.get_delivery_body(conn, delivery.id),
            )

        webhook, body = await self.db.read(look)
        if webhook is None or body is None or not webhook.enabled:
            return  # deleted or disabled meanwhile: not sent
        data, at = body
        content = payload(delivery.type, at, data)
        started = time.monotonic()
        code: int | None = None
        error: str | None = None
        try:
            if not self.allow_private:
                await check_destination(webhook.url, False)  # DNS may have changed
            code = await self._post(client, webhook, message_id(delivery), content)
        except Invalid as refused:
            error = refused.message
        except (httpx.HTTPError, OSError) as failed:  # TimeoutError is an OSError
            error = f"{type(failed).__name__}: {failed}".removesuffix(": ")
        duration = round((time.monotonic() - started) * 1000)
        await self._record(webhook, delivery, code, error, duration)

    async def _post(
        self, client: httpx.AsyncClient, webhook: Webhook, msg_id: str, content: bytes
    ) -> int:
        timestamp = int(time.time())
        headers = {
            "content-type": "application/json",
            "user-agent": USER_AGENT,
            "webhook-id": msg_id,
            "webhook-timestamp": str(timestamp),
            "webhook-signature": signature(webhook.secret, msg_id, timestamp, content),
        }
        # The whole attempt within the timeout, however the receiver trickles its answer.
        async with asyncio.timeout(self.timeout):
            response = await client.post(webhook.url, content=content, headers=headers)
        return response.status_code

    async def _record(
        self,
        webhook: Webhook,
        delivery: WebhookDelivery,
        code: int | None,
        error: str | None,
        duration: int,
    ) -> None:
        now = datetime.now(UTC)
        stamp = iso_time(now)
        if error is None and code is not None and not 200 <= code < 300:
            error = f"HTTP {code}"
        if error is None:
            status, next_at, delivered = "delivered", stamp, stamp
        else:
            status, next_at, delivered = *self._next(delivery.attempts, now), None
        gone = code == 410

        def work(conn: sqlite3.Connection) -> None:
            store.record_attempt(
                conn,
                delivery.id,
                "failed" if gone else status,
                code,
                None if error is None else error[:ERROR_MAX],
                duration,
                next_at,
                delivered,
            )
            if gone:
                reason = f"The endpoint answered 410 Gone at {stamp}."
                store.set_webhook_enabled(conn, webhook.id, False, reason)

        await self.db.write(work)
        if error is not None:
            log.warning(
                "webhooks: delivery %d to %s not delivered (attempt %d): %s",
                delivery.id,
                webhook.url,
                delivery.attempts + 1,
                error,
            )

    def _next(self, attempts: int, now: datetime) -> tuple[str, str]:
        """After failed attempt number `attempts + 1`: pending until the next time on the
        schedule (±20%), or failed once the schedule is spent."""
        if attempts >= len(self.retries):
            return "failed", iso_time(now)
        wait = self.retries[attempts] * random.uniform(0.8, 1.2)
        return "pending", iso_time(now + timedelta(seconds=wait))
