"""Each stored event reaches exactly its audience: all agents, and only its own customer."""

from __future__ import annotations

from dataclasses import replace

import pytest

from chat.config import Settings
from tests.conftest import ALICE, BOB
from tests.sockets import running

pytestmark = pytest.mark.anyio

PUBLIC_SESSION_FIELDS = {"id", "status", "assigned_agent", "created_at", "updated_at"}
# Read receipts: how far the customer and the agents have read (no emails, nothing internal).
PUBLIC_SESSION_FIELDS |= {"customer_read_seq", "agent_read_seq"}
# Routing: the place in the queue while queued (TEAMS.md), null otherwise.
PUBLIC_SESSION_FIELDS |= {"queue_position"}


async def test_each_event_reaches_agents_and_only_its_own_customer(settings: Settings) -> None:
    async with running(settings) as server:
        alice_token, bob_token = await server.login(ALICE), await server.login(BOB)
        alice = await server.agent_socket(alice_token)
        bob = await server.agent_socket(bob_token)
        for agent in (alice, bob):
            ready = await agent.next("connection.ready")
            assert ready["data"]["resumed"] is False
            assert ready["data"]["agent"]["email"] in (ALICE, BOB)
        bystander_start = await server.start(name="Bystander")
        bystander = await server.customer_socket(bystander_start["session_key"])
        await bystander.next("connection.ready")
        for agent in (alice, bob):
            assert (await agent.next("chat.session.started"))["data"]["session"]["id"] == (
                bystander_start["session"]["id"]
            )

        started = await server.start(name="Pat", email="pat@example.com")
        session_id = started["session"]["id"]
        for agent in (alice, bob):
            frame = await agent.next("chat.session.started")
            assert frame["data"]["session"]["customer_email"] == "pat@example.com"
            assert isinstance(frame["event_id"], int)
        pat = await server.customer_socket(started["session_key"])
        ready = await pat.next("connection.ready")
        assert set(ready["data"]["session"]) == PUBLIC_SESSION_FIELDS

        await pat.send("chat.message.send", content="Where is my order?", client_id="p-1")
        new = await pat.next("chat.message.new")
        assert new["data"]["message"]["content"] == "Where is my order?"
        assert set(new["data"]["session"]) == PUBLIC_SESSION_FIELDS
        ack = await pat.next("chat.message.ack")
        assert ack["data"]["client_id"] == "p-1"
        assert ack["data"]["message"]["id"] == new["data"]["message"]["id"]
        assert ack["event_id"] is None
        for agent in (alice, bob):
            frame = await agent.next("chat.message.new")
            assert frame["data"]["session"]["customer_email"] == "pat@example.com"
            assert frame["data"]["session"]["message_count"] == 1

        await alice.send(
            "chat.message.send", session_id=session_id, content="Let me check.", client_id="a-1"
        )
        assigned = await pat.next("chat.session.assigned")
        assert assigned["data"]["agent"] == {"id": 1, "name": "Alice Agent"}
        joined = await pat.next("chat.agent.joined")
        assert joined["event_id"] > assigned["event_id"]
        reply = await pat.next("chat.message.new")
        assert reply["data"]["message"]["sender_type"] == "agent"
        assert reply["data"]["message"]["sender_name"] == "Alice Agent"
        assert (await alice.next("chat.message.ack"))["data"]["client_id"] == "a-1"
        bob_saw = [f["type"] for f in await bob.until(lambda f: f["type"] == "chat.message.new")]
        assert bob_saw == ["chat.session.assigned", "chat.agent.joined", "chat.message.new"]

        closed = await server.http.post(
            f"/api/v1/chat/sessions/{session_id}/close",
            headers={"Authorization": f"Bearer {alice_token}"},
        )
        assert closed.status_code == 200
        assert (await pat.next("chat.session.closed"))["data"]["session"]["status"] == "closed"
        assert (await bob.next("chat.session.closed"))["data"]["session"]["id"] == session_id

        assert await bystander.quiet() == []
        for sock in (alice, bob, pat, bystander):
            await sock.close()


async def test_handoff_reaches_agents_and_the_customer(settings: Settings) -> None:
    async with running(replace(settings, ai_enabled=True)) as server:
        alice = await server.agent_socket(await server.login(ALICE))
        await alice.next("connection.ready")
        started = await server.start()
        pat = await server.customer_socket(started["session_key"])
        await pat.next("connection.ready")
        answer = await server.http.post(
            "/api/v1/chat/public/handoff", json={"session_key": started["session_key"]}
        )
        assert answer.json()["session"]["status"] == "queued"
        for sock in (alice, pat):
            updated = await sock.next("chat.session.updated")
            assert updated["data"]["session"]["status"] == "queued"
            note = await sock.next("chat.message.new")
            assert note["data"]["message"]["sender_type"] == "system"


async def test_typing_goes_to_the_other_side_and_expires_on_disconnect(
    settings: Settings,
) -> None:
    async with running(settings) as server:
        alice = await server.agent_socket(await server.login(ALICE))
        bob = await server.agent_socket(await server.login(BOB))
        started = await server.start(name="Pat")
        session_id = started["session"]["id"]
        pat = await server.customer_socket(started["session_key"])
        for sock in (alice, bob, pat):
            await sock.next("connection.ready")

        await pat.send("chat.typing", is_typing=True)
        for agent in (alice, bob):
            typing = await agent.next("chat.typing")
            assert typing["data"] == {
                "session_id": session_id,
                "sender_type": "customer",
                "name": "Pat",
                "is_typing": True,
            }
            assert typing["event_id"] is None

        # Repeats within the throttle window are not relayed.
        await pat.send("chat.typing", is_typing=True)
        assert [f for f in await alice.quiet() if f["type"] == "chat.typing"] == []

        await alice.send("chat.typing", session_id=session_id, is_typing=True)
        to_customer = await pat.next("chat.typing")
        assert to_customer["data"]["name"] == "Alice Agent"
        assert to_customer["data"]["sender_type"] == "agent"
        assert (await bob.next("chat.typing"))["data"]["name"] == "Alice Agent"
        assert [f for f in await alice.quiet() if f["type"] == "chat.typing"] == []

        await pat.close()  # stops typing by leaving: the agents are told
        stopped = await alice.next("chat.typing")
        assert stopped["data"]["is_typing"] is False
        assert stopped["data"]["sender_type"] == "customer"


async def test_agents_see_who_has_a_conversation_open(settings: Settings) -> None:
    async with running(settings) as server:
        alice = await server.agent_socket(await server.login(ALICE))
        bob = await server.agent_socket(await server.login(BOB))
        for sock in (alice, bob):
            await sock.next("connection.ready")
        started = await server.start(name="Pat")
        pat = await server.customer_socket(started["session_key"])
        await pat.next("connection.ready")
        session_id = started["session"]["id"]

        await alice.send("chat.viewing", session_id=session_id)
        seen = await bob.next("chat.viewing")
        assert seen["data"] == {
            "session_id": session_id,
            "agent": {"id": 1, "name": "Alice Agent"},
            "is_viewing": True,
        }
        late = await server.agent_socket(await server.login(BOB))
        ready = await late.next("connection.ready")
        assert ready["data"]["viewing"] == [
            {"session_id": session_id, "agent": {"id": 1, "name": "Alice Agent"}}
        ]
        await alice.close()
        gone = await bob.next("chat.viewing")
        assert gone["data"]["is_viewing"] is False
        assert [f for f in await pat.quiet() if f["type"] == "chat.viewing"] == []
