"""Webhooks (TEAMS.md, "Webhooks and API keys"): the endpoints an admin adds, lists, disables
and deletes, their deliveries, a test event and a manual retry. Each change is in the audit log.

An endpoint takes stored event types of the catalogue (chat/events.py); the agents-only note
events only when asked for with `include_notes`. Its URL must be http(s) and every address its
host resolves to public, unless the `webhook_allow_private` setting is on; the sender checks
again before each attempt (chat/service/webhook_sender.py), since DNS may change."""

from __future__ import annotations

import asyncio
import base64
import ipaddress
import secrets
import socket
import sqlite3
from collections.abc import Callable
from urllib.parse import urlsplit

import msgspec

from chat.config import Settings
from chat.errors import Invalid, NotFound
from chat.events import CATALOGUE, MENTION, NOTE_NEW
from chat.models import Agent, Webhook, WebhookDelivery, now_iso
from chat.service.audit import record
from chat.storage import webhooks as store
from chat.storage.database import Database
from chat.wire import WebhookRequest

SUBSCRIBABLE = frozenset(name for name, kind in CATALOGUE.items() if kind.stored)
NOTE_EVENTS = frozenset((NOTE_NEW.name, MENTION.name))  # agents only: never the customer
TEST_EVENT = "webhook.test"
DELIVERIES_SHOWN = 50


def new_secret() -> str:
    """`whsec_` and the base64 of 24 random bytes (Standard Webhooks)."""
    return "whsec_" + base64.b64encode(secrets.token_bytes(24)).decode()


def is_public(address: str) -> bool:
    """Whether an address is one a webhook may go to: not loopback, private, link-local,
    multicast, reserved or unspecified (an IPv4-mapped IPv6 address is judged as IPv4)."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    refused = (
        ip.is_private
        or ip.is_loopback
        or ip.is_link_local
        or ip.is_multicast
        or ip.is_reserved
        or ip.is_unspecified
    )
    return ip.is_global and not refused


def parse_url(url: str) -> tuple[str, int]:
    """The host and port of an http(s) URL; 422 for anything else."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as error:
        raise Invalid(f"That URL is not valid: {error}.") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise Invalid("A webhook URL is http:// or https:// with a host name.")
    return parts.hostname, port or (443 if parts.scheme == "https" else 80)


async def check_destination(url: str, allow_private: bool) -> None:
    """422 unless the URL is http(s) and (without `allow_private`) every address of its host
    is public."""
    host, port = parse_url(url)
    if allow_private:
        return
    try:
        found = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError):
        raise Invalid(f"The host name {host} does not resolve.") from None
    refused = sorted({str(info[4][0]) for info in found if not is_public(str(info[4][0]))})
    if refused or not found:
        raise Invalid(
            f"{host} resolves to an address that is not public ({', '.join(refused)}); "
            "such endpoints need the webhook_allow_private setting."
        )


def check_events(asked: list[str], include_notes: bool) -> list[str]:
    """The event types, each once, in the order asked; 422 for an unknown one or a note event
    without `include_notes`."""
    chosen = list(dict.fromkeys(asked))
    unknown = [kind for kind in chosen if kind not in SUBSCRIBABLE]
    if unknown:
        raise Invalid(f"Unknown event type: {', '.join(unknown)}.")
    notes = [kind for kind in chosen if kind in NOTE_EVENTS]
    if notes and not include_notes:
        raise Invalid(
            f'{", ".join(notes)} carry the agents\' notes: they need "include_notes": true.'
        )
    return chosen


class Webhooks:
    """The admin's side of webhooks; `wake` tells the sender that deliveries are due."""

    def __init__(self, db: Database, settings: Settings, wake: Callable[[], None]) -> None:
        self.db = db
        self.allow_private = settings.webhook_allow_private
        self.wake = wake

    async def list(self) -> list[Webhook]:
        return await self.db.read(store.list_webhooks)

    async def add(self, admin: Agent, asked: WebhookRequest) -> tuple[Webhook, str]:
        """A new endpoint and its secret (shown once)."""
        kinds = check_events(asked.events, asked.include_notes)
        url = asked.url.strip()
        await check_destination(url, self.allow_private)
        secret = new_secret()
        listed = msgspec.json.encode(kinds).decode()

        def work(conn: sqlite3.Connection) -> Webhook:
            webhook = store.insert_webhook(
                conn, url, secret, listed, asked.include_notes, now_iso()
            )
            store.insert_subscriptions(conn, webhook.id, kinds)
            record(conn, admin, "webhook.add", f"{webhook.id} {url} ({', '.join(kinds)})")
            return webhook

        return await self.db.write(work), secret

    async def delete(self, admin: Agent, webhook_id: int) -> None:
        """Remove the endpoint; its pending deliveries are dropped with it."""

        def work(conn: sqlite3.Connection) -> None:
            webhook = self._get(conn, webhook_id)
            store.delete_webhook(conn, webhook_id)
            record(conn, admin, "webhook.delete", f"{webhook_id} {webhook.url}")

        await self.db.write(work)

    async def set_enabled(self, admin: Agent, webhook_id: int, enabled: bool) -> Webhook:
        def work(conn: sqlite3.Connection) -> Webhook:
            self._get(conn, webhook_id)
            changed = store.set_webhook_enabled(conn, webhook_id, enabled, "Disabled by an admin.")
            assert changed is not None
            action = "webhook.enable" if enabled else "webhook.disable"
            record(conn, admin, action, f"{webhook_id} {changed.url}")
            return changed

        changed = await self.db.write(work)
        if enabled:
            self.wake()  # what waited while it was disabled is due
        return changed

    async def deliveries(self, webhook_id: int) -> list[WebhookDelivery]:
        """The endpoint's newest deliveries first."""

        def work(conn: sqlite3.Connection) -> list[WebhookDelivery]:
            self._get(conn, webhook_id)
            return store.list_deliveries(conn, webhook_id, DELIVERIES_SHOWN)

        return await self.db.read(work)

    async def send_test(self, admin: Agent, webhook_id: int) -> WebhookDelivery:
        """Queue a webhook.test delivery: data {"webhook_id"}, its own webhook-id."""
        data = msgspec.json.encode({"webhook_id": webhook_id}).decode()

        def work(conn: sqlite3.Connection) -> WebhookDelivery:
            webhook = self._get(conn, webhook_id)
            delivery = store.insert_delivery(conn, webhook_id, TEST_EVENT, data, now_iso())
            record(conn, admin, "webhook.test", f"{webhook_id} {webhook.url}")
            return delivery

        delivery = await self.db.write(work)
        self.wake()
        return delivery

    async def retry(self, admin: Agent, webhook_id: int, delivery_id: int) -> WebhookDelivery:
        """Due now, its attempts kept; a delivered one is sent again with the same webhook-id."""

        def work(conn: sqlite3.Connection) -> WebhookDelivery:
            webhook = self._get(conn, webhook_id)
            delivery = store.retry_delivery(conn, webhook_id, delivery_id, now_iso())
            if delivery is None:
                raise NotFound("No such delivery.")
            record(conn, admin, "webhook.retry", f"{webhook_id} {webhook.url} #{delivery_id}")
            return delivery

        delivery = await self.db.write(work)
        self.wake()
        return delivery

    @staticmethod
    def _get(conn: sqlite3.Connection, webhook_id: int) -> Webhook:
        webhook = store.get_webhook(conn, webhook_id)
        if webhook is None:
            raise NotFound("No such webhook.")
        return webhook
