"""/asyncapi.json describes every socket frame, both ways, and is true of what the server sends."""

from __future__ import annotations

from typing import Any

import pytest
from jsonschema import Draft202012Validator

from chat.config import Settings
from chat.events import CATALOGUE
from chat.wire import CLIENT_FRAMES
from tests.conftest import ALICE, BOB
from tests.sockets import Socket, running

pytestmark = pytest.mark.anyio


def check(document: dict[str, Any], side: str, origin: str, frame: dict[str, Any]) -> None:
    """`frame` is one of the `side` channel's messages, and valid against its payload."""
    name = f"{side}.{origin}.{frame['type']}"
    assert name in document["channels"][side]["messages"], f"undocumented frame {name}"
    payload = document["components"]["messages"][name]["payload"]
    schema = {**payload, "components": document["components"]}
    errors = [e.message for e in Draft202012Validator(schema).iter_errors(frame)]
    assert errors == [], (name, frame, errors)


async def drain(socket: Socket, seen: list[dict[str, Any]]) -> None:
    seen.extend(await socket.quiet(0.4))


async def test_every_frame_of_a_full_chat_matches_the_socket_schema(settings: Settings) -> None:
    async with running(settings) as server:
        document = (await server.http.get("/asyncapi.json")).json()
        alice_token, bob_token = await server.login(ALICE), await server.login(BOB)
        alice, bob = await server.agent_socket(alice_token), await server.agent_socket(bob_token)
        bob_auth = {"Authorization": f"Bearer {bob_token}"}
        me = await server.http.get(
            "/api/v1/auth/me", headers={"Authorization": f"Bearer {alice_token}"}
        )
        ALICE_ID = me.json()["agent"]["id"]  # noqa: N806
        got: dict[str, list[dict[str, Any]]] = {"alice": [], "bob": [], "customer": []}
        sent: dict[str, list[dict[str, Any]]] = {"agent": [], "customer": []}

        async def say(socket: Socket, side: str, type_: str, **data: Any) -> None:
            sent[side].append({"type": type_, "data": data})
            await socket.send(type_, **data)

        # Sam asks for a person first: Pat queues behind them, then moves up (chat.queue).
        sam = await server.start(name="Sam")
        await server.http.post(
            "/api/v1/chat/public/handoff", json={"session_key": sam["session_key"]}
        )
        started = await server.start(name="Pat", email="pat@example.com")
        session_id = started["session"]["id"]
        customer = await server.customer_socket(started["session_key"], last_event_id=0)
        await say(customer, "customer", "ping")
        await say(customer, "customer", "chat.typing", is_typing=True)
        await say(customer, "customer", "chat.message.send", content="Hello?", client_id="c-1")
        await say(customer, "customer", "chat.message.send", content="", client_id="c-2")
        await say(customer, "customer", "chat.read", seq=1)
        await server.http.post(
            "/api/v1/chat/public/handoff", json={"session_key": started["session_key"]}
        )
        await say(alice, "agent", "chat.viewing", session_id=session_id)
        # Nobody available, then Alice again: every customer hears chat.availability flip.
        await say(bob, "agent", "agent.presence.set", status="busy")
        await say(alice, "agent", "agent.presence.set", status="busy")
        await drain(customer, got["customer"])
        await say(alice, "agent", "agent.presence.set", status="available")
        auth = {"Authorization": f"Bearer {alice_token}"}
        await server.http.post(f"/api/v1/chat/sessions/{sam['session']['id']}/assign", headers=auth)
        # Pat moved up: the announcement reads the queue after the commit, so Bob takes Pat only
        # once it came (on a loaded machine his assign could commit first, and nothing moves)
        got["customer"].extend(await customer.until(lambda frame: frame["type"] == "chat.queue"))
        await server.http.post(f"/api/v1/chat/sessions/{session_id}/assign", headers=bob_auth)
        # Bob hands Pat to Alice with a note: chat.note.new and chat.session.transferred.
        await server.http.post(
            f"/api/v1/chat/sessions/{session_id}/transfer",
            json={"agent_id": ALICE_ID, "note": "Pat asked about invoices"},
            headers=bob_auth,
        )
        # A note naming Bob: chat.note.new, and chat.mention for him.
        await server.http.post(
            f"/api/v1/chat/sessions/{session_id}/notes",
            json={"content": "@Bob Agent can you check the invoice?"},
            headers=auth,
        )
        await say(alice, "agent", "chat.typing", is_typing=True, session_id=session_id)
        await say(
            alice,
            "agent",
            "chat.message.send",
            content="Hi!",
            client_id="a-1",
            session_id=session_id,
        )
        await say(alice, "agent", "chat.read", seq=2, session_id=session_id)
        await say(alice, "agent", "no.such.frame")
        await server.http.post(f"/api/v1/chat/sessions/{session_id}/close", headers=auth)
        # The close asked for a rating (chat.csat.requested); the customer gives it.
        rating = {"session_key": started["session_key"], "rating": 5, "comment": "Thanks"}
        rated = await server.http.post("/api/v1/chat/public/csat", json=rating)
        assert rated.status_code == 201, rated.text
        # A message to a closed conversation reopens it: chat.session.updated.
        await say(customer, "customer", "chat.message.send", content="One more", client_id="c-3")
        for name, socket in (("alice", alice), ("bob", bob), ("customer", customer)):
            await drain(socket, got[name])
            await socket.close()

    for name, frames in got.items():
        side = "customer" if name == "customer" else "agent"
        for frame in frames:
            check(document, side, "server", frame)
    for side, frames in sent.items():
        for frame in frames:
            if frame["type"] in CLIENT_FRAMES:
                check(document, side, "client", frame)
    seen = {frame["type"] for frames in got.values() for frame in frames}
    # The chat above reaches every type of the catalogue: the check covered them all.
    assert seen == set(CATALOGUE), set(CATALOGUE) - seen
    assert {f["type"] for f in got["customer"]} >= {"chat.message.ack", "error", "pong"}


async def test_the_socket_document_names_every_frame_of_the_catalogue(settings: Settings) -> None:
    async with running(settings) as server:
        document = (await server.http.get("/asyncapi.json")).json()
    assert document["asyncapi"] == "3.0.0"
    agent = document["channels"]["agent"]["messages"]
    customer = document["channels"]["customer"]["messages"]
    for kind in CATALOGUE.values():
        assert f"agent.server.{kind.name}" in agent
        assert (f"customer.server.{kind.name}" in customer) == (kind.public is not None)
    for frame in CLIENT_FRAMES:
        assert f"agent.client.{frame}" in agent
    # A customer cannot say which conversation it views, nor choose an agent's presence.
    assert "customer.client.chat.viewing" not in customer
    assert "customer.client.agent.presence.set" not in customer
    content = document["components"]["schemas"]["MessageSendFrame"]["properties"]["content"]
    assert content["maxLength"] == settings.limits.content_max
