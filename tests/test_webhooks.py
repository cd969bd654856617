"""Webhooks (TEAMS.md, "Webhooks and API keys"): admins manage endpoints; every stored event an
endpoint takes reaches a real receiver on 127.0.0.1, signed as Standard Webhooks 1.0 says
(checked by hand and with the reference library), retried until it is taken, across a kill -9."""

from __future__ import annotations

import asyncio
import re
from dataclasses import replace
from pathlib import Path
from typing import Any

import httpx
import pytest
from starlette.testclient import TestClient

from chat.config import Settings
from tests.conftest import ADMIN, ALICE, assert_error, login, serving, start
from tests.sockets import Server, running
from tests.webhook_receiver import Receiver, eventually

API = "/api/v1"
SECRET = re.compile(r"^whsec_[A-Za-z0-9+/]{32}$")  # base64 of 24 bytes
QUICK = (0.2, 0.2, 0.2, 0.2)  # a short retry schedule: the tests' own, through the settings


def private(settings: Settings, **changes: Any) -> Settings:
    """The receivers live on 127.0.0.1: these settings allow it."""
    return replace(settings, webhook_allow_private=True, **changes)


async def admin_of(server: Server) -> dict[str, str]:
    return {"Authorization": f"Bearer {await server.login(ADMIN)}"}


async def add_hook(
    server: Server, headers: dict[str, str], receiver: Receiver, events: list[str], **more: Any
) -> dict[str, Any]:
    body = {"url": receiver.url, "events": events, **more}
    answer = await server.http.post(f"{API}/webhooks", json=body, headers=headers)
    assert answer.status_code == 201, answer.text
    added = answer.json()
    receiver.secrets.append(added["secret"])
    return added["webhook"]


async def deliveries(server: Server, headers: dict[str, str], hook_id: int) -> list[dict]:
    answer = await server.http.get(f"{API}/webhooks/{hook_id}/deliveries", headers=headers)
    assert answer.status_code == 200, answer.text
    return answer.json()["deliveries"]


async def settled(
    server: Server, headers: dict[str, str], hook_id: int, *statuses: str, count: int = 1
) -> list[dict]:
    """The endpoint's deliveries once `count` of them have one of these statuses."""
    deadline = asyncio.get_running_loop().time() + 20
    while True:
        found = await deliveries(server, headers, hook_id)
        if sum(d["status"] in statuses for d in found) >= count:
            return found
        assert asyncio.get_running_loop().time() < deadline, found
        await asyncio.sleep(0.05)


def test_admins_add_list_disable_and_delete_endpoints_and_agents_may_not(
    make_client: Any,
) -> None:
    client: TestClient = make_client(webhook_allow_private=True)
    admin, agent = login(client, ADMIN), login(client, ALICE)
    body = {"url": "http://127.0.0.1:9/hook", "events": ["chat.message.new"]}
    assert_error(client.post(f"{API}/webhooks", json=body, headers=agent), 403, "forbidden")
    assert_error(client.get(f"{API}/webhooks", headers=agent), 403, "forbidden")

    added = client.post(f"{API}/webhooks", json=body, headers=admin)
    assert added.status_code == 201, added.text
    secret, hook = added.json()["secret"], added.json()["webhook"]
    assert SECRET.match(secret), secret
    assert hook["events"] == ["chat.message.new"] and hook["enabled"] is True
    assert hook["include_notes"] is False and hook["disabled_reason"] is None
    hook_path = f"{API}/webhooks/{hook['id']}"
    assert_error(client.delete(hook_path, headers=agent), 403, "forbidden")
    assert_error(client.get(f"{hook_path}/deliveries", headers=agent), 403, "forbidden")

    listed = client.get(f"{API}/webhooks", headers=admin)
    assert listed.json() == {"webhooks": [hook]}
    assert secret not in listed.text and "whsec_" not in listed.text

    off = client.patch(hook_path, json={"enabled": False}, headers=admin)
    assert off.status_code == 200 and off.json()["webhook"]["enabled"] is False
    assert off.json()["webhook"]["disabled_reason"]
    on = client.patch(hook_path, json={"enabled": True}, headers=admin)
    assert on.json()["webhook"]["enabled"] is True and on.json()["webhook"]["disabled_reason"] is None

    assert client.delete(hook_path, headers=admin).status_code == 204
    assert client.get(f"{API}/webhooks", headers=admin).json() == {"webhooks": []}
    assert_error(client.delete(hook_path, headers=admin), 404, "not_found")
    assert_error(client.post(f"{hook_path}/test", headers=admin), 404, "not_found")

    audit = client.get(f"{API}/audit", headers=admin).json()["entries"]
    actions = [entry["action"] for entry in audit]
    for action in ("webhook.add", "webhook.disable", "webhook.enable", "webhook.delete"):
        assert action in actions


@pytest.mark.parametrize(
    ("body", "why"),
    [
        ({"url": "ftp://example.com/hook", "events": ["chat.message.new"]}, "http"),
        ({"url": "not a url", "events": ["chat.message.new"]}, "http"),
        ({"url": "https://example.com/" + "a" * 2000, "events": ["chat.message.new"]}, ""),
        ({"url": "https://example.com/hook", "events": []}, ""),
        ({"url": "https://example.com/hook", "events": ["chat.nothing"]}, "chat.nothing"),
        ({"url": "https://example.com/hook", "events": ["chat.typing"]}, "chat.typing"),
        ({"url": "https://example.com/hook", "events": ["chat.note.new"]}, "include_notes"),
        ({"url": "https://example.com/hook", "events": ["chat.mention"]}, "include_notes"),
        ({"url": "http://127.0.0.1:8080/hook", "events": ["chat.message.new"]}, "not public"),
        ({"url": "http://localhost/hook", "events": ["chat.message.new"]}, "not public"),
        ({"url": "http://10.1.2.3/hook", "events": ["chat.message.new"]}, "not public"),
        ({"url": "http://169.254.169.254/latest", "events": ["chat.message.new"]}, "not public"),
        ({"url": "http://[::1]:80/hook", "events": ["chat.message.new"]}, "not public"),
        ({"url": "http://0.0.0.0/hook", "events": ["chat.message.new"]}, "not public"),
        ({"url": "http://224.0.0.1/hook", "events": ["chat.message.new"]}, "not public"),
        ({"url": "http://[::ffff:127.0.0.1]/hook", "events": ["chat.message.new"]}, "not public"),
    ],
)
def test_a_bad_endpoint_is_refused_with_422(client: TestClient, body: dict, why: str) -> None:
    """Without webhook_allow_private, loopback, private, link-local, multicast and unspecified
    addresses are refused (the host name is resolved: localhost too)."""
    admin = login(client, ADMIN)
    error = assert_error(client.post(f"{API}/webhooks", json=body, headers=admin), 422, "invalid_request")
    assert why in error["message"]
    assert client.get(f"{API}/webhooks", headers=admin).json() == {"webhooks": []}


def test_note_events_need_include_notes_and_private_addresses_need_the_setting(
    make_client: Any,
) -> None:
    client: TestClient = make_client(webhook_allow_private=True)
    admin = login(client, ADMIN)
    body = {"url": "http://127.0.0.1:9/", "events": ["chat.note.new", "chat.mention"]}
    answer = client.post(f"{API}/webhooks", json={**body, "include_notes": True}, headers=admin)
    assert answer.status_code == 201, answer.text
    assert answer.json()["webhook"]["include_notes"] is True


@pytest.mark.anyio
async def test_a_conversations_events_arrive_signed_with_their_types_and_data(
    settings: Settings,
) -> None:
    receiver = Receiver()
    await receiver.start()
    try:
        async with running(private(settings)) as server:
            headers = await admin_of(server)
            events = ["chat.session.started", "chat.message.new"]
            hook = await add_hook(server, headers, receiver, events)
            agent = await server.agent_socket(await server.login(ALICE))
            await agent.next("connection.ready")
            started = await server.start(name="Ann")
            await server.say(started["session_key"], "Where is my parcel?")
            new = await agent.next("chat.message.new")
            await eventually(lambda: len(receiver.received) == 2)
            await agent.ws.close()
            assert await deliveries(server, headers, hook["id"]) != []
    finally:
        await receiver.stop()
    assert receiver.bad == []
    opened, message = sorted(receiver.received, key=lambda r: int(r.id))
    assert opened.type == "chat.session.started"
    assert opened.json["data"]["session"]["id"] == started["session"]["id"]
    assert message.type == "chat.message.new"
    assert message.id == str(new["event_id"])  # the webhook-id is the event's event_id
    assert message.json["data"] == new["data"]  # the agents' data, as the socket got it
    assert message.json["timestamp"] == new["ts"]
    assert message.headers["content-type"] == "application/json"
    assert message.headers["user-agent"].startswith("Switchboard")


@pytest.mark.anyio
async def test_a_failing_receiver_gets_the_same_webhook_id_until_it_takes_it(
    settings: Settings,
) -> None:
    receiver = Receiver()
    receiver.statuses = [500, 302]  # a redirect is not followed: it is a failure too
    await receiver.start()
    try:
        async with running(private(settings, webhook_retries=QUICK)) as server:
            headers = await admin_of(server)
            hook = await add_hook(server, headers, receiver, ["chat.message.new"])
            started = await server.start()
            await server.say(started["session_key"], "hello?")
            found = await settled(server, headers, hook["id"], "delivered")
    finally:
        await receiver.stop()
    assert receiver.bad == []
    assert len({r.id for r in receiver.received}) == 1  # the same webhook-id every time
    [delivery] = found
    assert delivery["attempts"] == 3 and delivery["last_status_code"] == 204
    assert delivery["delivered_at"] is not None and delivery["next_attempt_at"] is None
