"""The AI's handoff to a person (issue #18): the summary and the suggested reply an agent gets,
through the API of a real server with the built-in knowledge-base responder."""

from __future__ import annotations

import asyncio
from dataclasses import replace

import pytest

from chat.config import Settings
from tests.conftest import ALICE
from tests.sockets import Server, running

pytestmark = pytest.mark.anyio
API = "/api/v1"


async def ai_replies(server: Server, key: str, count: int) -> list[dict]:
    """The conversation's messages once the AI has answered `count` times (a reply, or the
    system message it hands off with), or fail after 5 s."""
    for _ in range(100):
        messages = (await server.http.get(f"{API}/chat/public/session/{key}")).json()["messages"]
        if sum(m["sender_type"] in ("ai", "system") for m in messages) >= count:
            return messages
        await asyncio.sleep(0.05)
    raise AssertionError(messages)


async def test_an_agent_gets_a_summary_and_a_suggested_reply_never_sent_by_itself(
    settings: Settings,
) -> None:
    async with running(replace(settings, ai_enabled=True, ai_reply_delay=0)) as server:
        auth = {"Authorization": f"Bearer {await server.login(ALICE)}"}
        started = await server.start(name="Pat Jones")
        key, sid = started["session_key"], started["session"]["id"]
        nothing = (await server.http.get(f"{API}/chat/sessions/{sid}/assist", headers=auth)).json()
        assert nothing == {"summary": None, "suggestion": None}
        await server.say(key, "when will my order arrive")
        await ai_replies(server, key, 1)
        await server.say(key, "can I talk to a person please")
        before = await ai_replies(server, key, 1)
        answer = await server.http.get(f"{API}/chat/sessions/{sid}/assist", headers=auth)
        assert answer.status_code == 200
        found = answer.json()
        summary, suggestion = found["summary"], found["suggestion"]
        assert summary["questions"] == ["when will my order arrive"]
        assert summary["reason"] == "customer_asked"
        assert summary["ai_answered"] + summary["ai_unsure"] == 1
        assert "Pat Jones asked “when will my order arrive”" in summary["text"]
        assert "the customer asked for a person" in summary["text"]
        assert suggestion is not None, found
        assert suggestion["text"].startswith("Hi Pat, thanks for waiting.")
        assert suggestion["question"] == "when will my order arrive"
        articles = (await server.http.get(f"{API}/knowledge", headers=auth)).json()["articles"]
        assert suggestion["source"] in {a["slug"] for a in articles}
        # Nothing was sent: the customer's conversation is as it was.
        after = (await server.http.get(f"{API}/chat/public/session/{key}")).json()["messages"]
        assert after == before


async def test_the_summary_says_when_the_ai_could_not_answer(settings: Settings) -> None:
    async with running(replace(settings, ai_enabled=True, ai_reply_delay=0)) as server:
        auth = {"Authorization": f"Bearer {await server.login(ALICE)}"}
        started = await server.start()
        key, sid = started["session_key"], started["session"]["id"]
        await server.say(key, "zxqv plorb")
        await ai_replies(server, key, 1)
        await server.say(key, "wibble frobnicate")
        await ai_replies(server, key, 2)
        found = (await server.http.get(f"{API}/chat/sessions/{sid}/assist", headers=auth)).json()
        summary = found["summary"]
        assert summary["reason"] == "ai_unsure" and summary["ai_unsure"] == 2
        assert summary["text"].startswith("The visitor asked “zxqv plorb” and “wibble frobnicate”")
        assert found["suggestion"] is None


async def test_assist_needs_an_agent_and_a_conversation(settings: Settings) -> None:
    async with running(settings) as server:
        assert (await server.http.get(f"{API}/chat/sessions/1/assist")).status_code == 401
        auth = {"Authorization": f"Bearer {await server.login(ALICE)}"}
        missing = await server.http.get(f"{API}/chat/sessions/999999/assist", headers=auth)
        assert missing.status_code == 404 and missing.json()["error"]["code"] == "not_found"
