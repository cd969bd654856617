"""The AI answers first, in the background, over the real sockets; and hands off cleanly."""

from __future__ import annotations

from dataclasses import replace

import pytest

from chat.ai.responder import NOT_SURE
from chat.config import Settings
from chat.service import HANDOFF_NOTE
from chat.service.assistant import GAVE_UP, GAVE_UP_AWAY, GAVE_UP_CLOSED
from tests.conftest import ADMIN, ALICE
from tests.sockets import Server, Socket, running
from tests.test_attachments import png
from tests.test_business_hours import BERLIN_WEEKDAYS as BERLIN
from tests.test_business_hours import MONDAY_EVENING

pytestmark = pytest.mark.anyio


@pytest.fixture
def ai_settings(settings: Settings) -> Settings:
    return replace(settings, ai_enabled=True, ai_reply_delay=0.1)


async def customer(server: Server, name: str = "Pat") -> tuple[dict, Socket]:
    started = await server.start(name=name)
    assert started["session"]["status"] == "bot"
    sock = await server.customer_socket(started["session_key"])
    await sock.next("connection.ready")
    return started, sock


def messages_of(frames: list[dict], sender_type: str) -> list[dict]:
    return [
        f["data"]["message"]
        for f in frames
        if f["type"] == "chat.message.new" and f["data"]["message"]["sender_type"] == sender_type
    ]


async def test_the_ai_answers_after_the_ack_while_showing_it_types(ai_settings: Settings) -> None:
    async with running(ai_settings) as server:
        agent = await server.agent_socket(await server.login(ALICE))
        await agent.next("connection.ready")
        _, sock = await customer(server)
        await sock.send("chat.message.send", content="how much is the office plan?", client_id="q1")
        frames = await sock.until(
            lambda f: (
                f["type"] == "chat.message.new" and f["data"]["message"]["sender_type"] == "ai"
            )
        )
        kinds = [f["type"] for f in frames]
        assert kinds.index("chat.message.ack") < kinds.index("chat.typing")
        typing = next(f for f in frames if f["type"] == "chat.typing")
        assert typing["data"]["sender_type"] == "ai" and typing["data"]["is_typing"] is True
        answer = messages_of(frames, "ai")[0]
        assert "$99" in answer["content"]
        assert answer["sender_name"] == "AI assistant" and answer["agent_id"] is None
        stopped = await sock.next("chat.typing")
        assert stopped["data"]["is_typing"] is False
        seen_by_agent = await agent.until(
            lambda f: (
                f["type"] == "chat.message.new" and f["data"]["message"]["sender_type"] == "ai"
            )
        )
        assert messages_of(seen_by_agent, "ai")[0]["id"] == answer["id"]


async def test_a_burst_of_three_messages_gets_one_reply(ai_settings: Settings) -> None:
    async with running(ai_settings) as server:
        started, sock = await customer(server)
        for n, text in enumerate(["hi", "I ordered beans last week", "where is my parcel?"]):
            await sock.send("chat.message.send", content=text, client_id=f"b{n}")
        frames = await sock.until(
            lambda f: (
                f["type"] == "chat.message.new" and f["data"]["message"]["sender_type"] == "ai"
            )
        )
        frames += await sock.quiet(1.0)
        assert len(messages_of(frames, "ai")) == 1
        history = await server.http.get(f"/api/v1/chat/public/session/{started['session_key']}")
        senders = [m["sender_type"] for m in history.json()["messages"]]
        assert senders == ["customer", "customer", "customer", "ai"]


async def test_asking_for_a_person_hands_off_with_a_note(ai_settings: Settings) -> None:
    async with running(ai_settings) as server:
        agent = await server.agent_socket(await server.login(ALICE))
        await agent.next("connection.ready")
        started, sock = await customer(server)
        await sock.send(
            "chat.message.send", content="can I talk to a real person please", client_id="h1"
        )
        updated = await agent.next("chat.session.updated")
        assert updated["data"]["session"]["status"] == "queued"
        note = await sock.until(
            lambda f: (
                f["type"] == "chat.message.new" and f["data"]["message"]["sender_type"] == "system"
            )
        )
        assert messages_of(note, "system")[0]["content"] == HANDOFF_NOTE
        assert messages_of(await sock.quiet(0.6), "ai") == []


@pytest.mark.parametrize("team", ["online", "away", "closed"])
async def test_two_unanswerable_questions_in_a_row_fetch_a_person(
    ai_settings: Settings, team: str
) -> None:
    async with running(replace(ai_settings, clock=lambda: MONDAY_EVENING)) as server:
        if team == "online":
            agent = await server.agent_socket(await server.login(ALICE))
            await agent.next("connection.ready")
        if team == "closed":  # Monday 21:00 in Berlin, open weekdays 9 to 5
            admin = {"Authorization": f"Bearer {await server.login(ADMIN)}"}
            hours = await server.http.put("/api/v1/settings/hours", json=BERLIN, headers=admin)
            assert hours.status_code == 200, hours.text
        started, sock = await customer(server)
        await sock.send(
            "chat.message.send", content="can you recommend a good laptop?", client_id="u1"
        )
        first = await sock.until(lambda f: bool(messages_of([f], "ai")))
        assert messages_of(first, "ai")[0]["content"] == NOT_SURE
        await sock.send("chat.message.send", content="what's the weather in Paris?", client_id="u2")
        frames = await sock.until(lambda f: bool(messages_of([f], "system")))
        # A person is promised only while one is Available; otherwise the customer is told so,
        # and outside business hours when the team is back.
        expected = {
            "online": GAVE_UP,
            "away": GAVE_UP_AWAY,
            "closed": f"{GAVE_UP_CLOSED} We're out of the office. Back tomorrow at 9:00 CET.",
        }[team]
        assert messages_of(frames, "system")[0]["content"] == expected
        assert any(
            f["type"] == "chat.session.updated" and f["data"]["session"]["status"] == "queued"
            for f in frames
        )
        assert messages_of(await sock.quiet(0.6), "ai") == []


@pytest.mark.parametrize("how", ["assigned", "queued", "closed"])
async def test_the_ai_is_silent_once_a_person_has_it(ai_settings: Settings, how: str) -> None:
    async with running(ai_settings) as server:
        token = await server.login(ALICE)
        auth = {"Authorization": f"Bearer {token}"}
        started, sock = await customer(server)
        session_id, key = started["session"]["id"], started["session_key"]
        if how == "assigned":
            reply = {"session_id": session_id, "content": "Hi, Alice here."}
            assert (
                await server.http.post("/api/v1/chat/messages", json=reply, headers=auth)
            ).status_code == 201
        elif how == "queued":
            await server.http.post("/api/v1/chat/public/handoff", json={"session_key": key})
        else:
            await server.http.post(f"/api/v1/chat/sessions/{session_id}/close", headers=auth)
        await sock.quiet(0.3)
        await sock.send("chat.message.send", content="how much is the office plan?", client_id="s1")
        await sock.next("chat.message.ack")
        assert messages_of(await sock.quiet(0.8), "ai") == []
        history = await server.http.get(f"/api/v1/chat/public/session/{key}")
        assert "ai" not in [m["sender_type"] for m in history.json()["messages"]]


async def test_a_file_alone_wakes_no_ai_and_a_caption_is_answered(ai_settings: Settings) -> None:
    """A screenshot without words is not a question: the AI says nothing (no "not sure" about a
    file name); a caption is answered, and the file shows in what the AI reads as a file."""
    async with running(ai_settings) as server:
        started, sock = await customer(server)
        key = started["session_key"]
        upload = "/api/v1/chat/public/attachments"
        alone = await server.http.post(
            upload, data={"session_key": key}, files={"file": ("office-plan.png", png())}
        )
        assert alone.status_code == 201, alone.text
        frames = await sock.quiet(within=1.0)  # ten times the AI's pause
        assert messages_of(frames, "ai") == []
        assert not [f for f in frames if f["type"] == "chat.typing"]
        asked = await server.http.post(
            upload,
            data={"session_key": key, "caption": "how much is the office plan?"},
            files={"file": ("plan.png", png())},
        )
        assert asked.status_code == 201, asked.text
        frames = await sock.until(
            lambda f: (
                f["type"] == "chat.message.new" and f["data"]["message"]["sender_type"] == "ai"
            )
        )
        assert "$99" in messages_of(frames, "ai")[0]["content"]
        await sock.close()
