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
from tests.conftest import ADMIN, ALICE, PASSWORD, assert_error, login, serving
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
    assert (
        on.json()["webhook"]["enabled"] is True and on.json()["webhook"]["disabled_reason"] is None
    )

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
    error = assert_error(
        client.post(f"{API}/webhooks", json=body, headers=admin), 422, "invalid_request"
    )
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


@pytest.mark.anyio
async def test_a_410_disables_the_endpoint_and_nothing_more_is_sent_to_it(
    settings: Settings,
) -> None:
    gone, witness = Receiver(), Receiver()
    gone.statuses = [410]
    await gone.start()
    await witness.start()
    try:
        async with running(private(settings, webhook_retries=QUICK)) as server:
            headers = await admin_of(server)
            hook = await add_hook(server, headers, gone, ["chat.message.new"])
            started = await server.start()
            await server.say(started["session_key"], "first")
            await settled(server, headers, hook["id"], "failed")
            listed = (await server.http.get(f"{API}/webhooks", headers=headers)).json()
            [disabled] = listed["webhooks"]
            assert disabled["enabled"] is False and "410" in disabled["disabled_reason"]
            # Later events: the witness (added after) gets one; the disabled endpoint none.
            await add_hook(server, headers, witness, ["chat.message.new"])
            await server.say(started["session_key"], "second")
            await eventually(lambda: witness.received)
            found = await deliveries(server, headers, hook["id"])
    finally:
        await gone.stop()
        await witness.stop()
    assert len(gone.received) == 1 and gone.bad == [] and witness.bad == []
    assert [d["status"] for d in found] == ["failed"]  # disabled: nothing new was queued
    assert found[0]["last_status_code"] == 410


@pytest.mark.anyio
async def test_a_slow_receiver_never_delays_the_chat(settings: Settings) -> None:
    """The receiver holds every request until the test releases it; meanwhile twenty messages
    are sent on the customer's socket and all twenty are acknowledged."""
    receiver = Receiver()
    receiver.held = asyncio.Event()
    await receiver.start()
    try:
        async with running(private(settings)) as server:
            headers = await admin_of(server)
            hook = await add_hook(server, headers, receiver, ["chat.message.new"])
            started = await server.start()
            customer = await server.customer_socket(started["session_key"])
            await customer.next("connection.ready")
            for n in range(20):
                await customer.send("chat.message.send", content=f"line {n}", client_id=f"c{n}")
            acks = [await customer.next("chat.message.ack") for _ in range(20)]
            # Eight requests (the sender's bound) reach the receiver and wait there.
            await eventually(lambda: receiver.waiting == 8)
            assert receiver.received == []  # still held: not one delivery was taken yet
            receiver.held.set()
            await settled(server, headers, hook["id"], "delivered", count=20)
            await customer.ws.close()
    finally:
        await receiver.stop()
    assert receiver.most_waiting == 8  # never more in flight at once
    assert sorted(a["data"]["client_id"] for a in acks) == sorted(f"c{n}" for n in range(20))
    contents = sorted(r.json["data"]["message"]["content"] for r in receiver.received)
    assert contents == sorted(f"line {n}" for n in range(20)) and receiver.bad == []


@pytest.mark.anyio
async def test_the_test_event_and_a_manual_retry_reach_the_receiver(settings: Settings) -> None:
    receiver = Receiver()
    await receiver.start()
    try:
        async with running(private(settings)) as server:
            headers = await admin_of(server)
            hook = await add_hook(server, headers, receiver, ["chat.session.closed"])
            path = f"{API}/webhooks/{hook['id']}"
            sent = await server.http.post(f"{path}/test", headers=headers)
            assert sent.status_code == 202, sent.text
            delivery = sent.json()["delivery"]
            assert delivery["type"] == "webhook.test" and delivery["status"] == "pending"
            await settled(server, headers, hook["id"], "delivered")
            again = await server.http.post(
                f"{path}/deliveries/{delivery['id']}/retry", headers=headers
            )
            assert again.status_code == 202, again.text
            await eventually(lambda: len(receiver.received) == 2)
            [after] = await settled(server, headers, hook["id"], "delivered")
            missing = await server.http.post(f"{path}/deliveries/999999/retry", headers=headers)
            assert_error(missing, 404, "not_found")
            agent = {"Authorization": f"Bearer {await server.login(ALICE)}"}
            refused = await server.http.post(f"{path}/test", headers=agent)
            assert_error(refused, 403, "forbidden")
    finally:
        await receiver.stop()
    first, second = receiver.received
    assert first.type == second.type == "webhook.test"
    assert first.json["data"] == {"webhook_id": hook["id"]}
    assert first.id == second.id == f"test_{delivery['id']}"  # the same webhook-id again
    assert after["attempts"] == 2 and receiver.bad == []


@pytest.mark.anyio
async def test_notes_reach_only_an_endpoint_that_asked_for_them(settings: Settings) -> None:
    notes, plain = Receiver(), Receiver()
    await notes.start()
    await plain.start()
    try:
        async with running(private(settings)) as server:
            headers = await admin_of(server)
            both = ["chat.message.new", "chat.note.new"]
            await add_hook(server, headers, notes, both, include_notes=True)
            refused = await server.http.post(
                f"{API}/webhooks", json={"url": plain.url, "events": both}, headers=headers
            )
            assert_error(refused, 422, "invalid_request")
            await add_hook(server, headers, plain, ["chat.message.new"])
            started = await server.start()
            session_id = started["session"]["id"]
            note = await server.http.post(
                f"{API}/chat/sessions/{session_id}/notes",
                json={"content": "VIP customer"},
                headers=headers,
            )
            assert note.status_code == 201, note.text
            await server.say(started["session_key"], "after the note")
            await eventually(lambda: len(notes.received) == 2 and plain.received)
    finally:
        await notes.stop()
        await plain.stop()
    assert sorted(r.type for r in notes.received) == ["chat.message.new", "chat.note.new"]
    assert [r.type for r in plain.received] == ["chat.message.new"]
    assert notes.of_type("chat.note.new")[0].json["data"]["note"]["content"] == "VIP customer"


@pytest.mark.anyio
async def test_deliveries_pending_at_a_kill_9_are_all_delivered_after_the_restart(
    tmp_path: Path, database: Path | str
) -> None:
    """The receiver is down: deliveries fail and wait. The server is killed (SIGKILL) and
    started again, the receiver comes up: every event arrives, with its own webhook-id."""
    receiver = Receiver()
    # Retries 1 s apart, twenty of them: none gives up while the test waits, even on a loaded
    # machine (with a single retry of 0.5 s some had failed for good before it looked).
    retries = ",".join(["1"] * 20)
    env = {"SWITCHBOARD_WEBHOOK_ALLOW_PRIVATE": "1", "SWITCHBOARD_WEBHOOK_RETRIES": retries}
    with serving(tmp_path, "crash", database if isinstance(database, str) else None, **env) as app:
        async with httpx.AsyncClient(base_url=app.url, timeout=10) as http:
            headers = await _login(http, ADMIN)
            body = {"url": receiver.url, "events": ["chat.session.started", "chat.message.new"]}
            added = await http.post(f"{API}/webhooks", json=body, headers=headers)
            assert added.status_code == 201, added.text
            receiver.secrets.append(added.json()["secret"])
            hook_id = added.json()["webhook"]["id"]
            for n in range(3):
                key = (await http.post(f"{API}/chat/public/start", json={})).json()["session_key"]
                for line in range(3):
                    said = {"session_key": key, "content": f"{n}.{line}"}
                    assert (await http.post(f"{API}/chat/public/message", json=said)).is_success
            path = f"{API}/webhooks/{hook_id}/deliveries"

            async def tried() -> list[dict]:
                while True:
                    found = (await http.get(path, headers=headers)).json()["deliveries"]
                    if len(found) == 12 and all(d["attempts"] >= 1 for d in found):
                        return found
                    await asyncio.sleep(0.05)

            pending = await asyncio.wait_for(tried(), 20)
        assert {d["status"] for d in pending} == {"pending"}
        app.kill()
        await receiver.start()
        try:
            await asyncio.to_thread(app.start)
            expected = {str(d["event_id"]) for d in pending}
            await eventually(lambda: expected <= {r.id for r in receiver.received}, 30)
        finally:
            await receiver.stop()
    assert receiver.bad == []


async def _login(http: httpx.AsyncClient, email: str) -> dict[str, str]:
    answer = await http.post(f"{API}/auth/login", json={"email": email, "password": PASSWORD})
    assert answer.status_code == 200, answer.text
    return {"Authorization": f"Bearer {answer.json()['token']}"}


@pytest.mark.anyio
async def test_an_endpoint_no_longer_allowed_is_checked_again_before_each_attempt(
    settings: Settings,
) -> None:
    """Added while private addresses were allowed; the server restarts without the setting:
    its deliveries are refused at send time (as when DNS changes) and wait, none is sent."""
    receiver = Receiver()
    await receiver.start()
    try:
        async with running(private(settings)) as server:
            headers = await admin_of(server)
            hook = await add_hook(server, headers, receiver, ["chat.message.new"])
        async with running(replace(settings, webhook_retries=QUICK)) as server:
            headers = await admin_of(server)
            started = await server.start()
            await server.say(started["session_key"], "hello")
            async with asyncio.timeout(20):
                while True:
                    [delivery] = await deliveries(server, headers, hook["id"])
                    if delivery["attempts"] >= 2:
                        break
                    await asyncio.sleep(0.05)
    finally:
        await receiver.stop()
    assert receiver.received == []
    assert delivery["status"] in ("pending", "failed") and delivery["last_status_code"] is None
    assert "not public" in delivery["last_error"]


@pytest.mark.anyio
async def test_two_nodes_on_one_database_send_each_delivery_once(settings: Settings) -> None:
    """Both nodes' senders look for the same due deliveries; the lease lets one of them send
    each (both are woken: each node takes half of the messages)."""
    receiver = Receiver()
    await receiver.start()
    try:
        async with running(private(settings)) as one, running(private(settings)) as two:
            headers = await admin_of(one)
            hook = await add_hook(one, headers, receiver, ["chat.message.new"])
            started = await one.start()
            for n in range(30):
                await (one if n % 2 else two).say(started["session_key"], f"line {n}")
            await settled(one, headers, hook["id"], "delivered", count=30)
    finally:
        await receiver.stop()
    ids = [r.id for r in receiver.received]
    assert len(ids) == len(set(ids)) == 30 and receiver.bad == []
