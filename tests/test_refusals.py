"""Refusals are decided before a write joins the writer's batch: a flood of refused sends
never makes the writer roll back and re-run the other customers' writes."""

from __future__ import annotations

import asyncio
import random
from dataclasses import replace
from typing import Any

import pytest

from chat.config import Settings
from tests.conftest import ALICE
from tests.sockets import Server, running

pytestmark = pytest.mark.anyio
PUBLIC = "/api/v1/chat/public"
LIMIT = 5  # messages per minute per conversation
FLOOD = 60  # sends to one conversation, all at once
CALM = 8  # other conversations, each sending LIMIT - 1 valid messages meanwhile


def limited(settings: Settings) -> Settings:
    return replace(settings, limits=replace(settings.limits, messages_per_minute=LIMIT))


async def send(server: Server, key: str, content: str, client_id: str) -> Any:
    body = {"session_key": key, "content": content, "client_id": client_id}
    return await server.http.post(f"{PUBLIC}/message", json=body)


async def stored_client_ids(server: Server, key: str) -> list[str]:
    history = (await server.http.get(f"{PUBLIC}/session/{key}")).json()["messages"]
    return [m["client_id"] for m in history]


async def test_a_flood_past_the_rate_limit_never_rolls_back_the_others_writes(
    settings: Settings,
) -> None:
    async with running(limited(settings)) as server:
        db = server.app.state.db
        flooded = (await server.start(name="Flood"))["session_key"]
        calm = [(await server.start(name=f"Calm {n}"))["session_key"] for n in range(CALM)]
        sends = [("flood", flooded, f"flood-{n}") for n in range(FLOOD)]
        sends += [
            ("calm", key, f"calm-{c}-{n}") for c, key in enumerate(calm) for n in range(LIMIT - 1)
        ]
        random.Random(14).shuffle(sends)

        answers = await asyncio.gather(*(send(server, key, cid, cid) for _, key, cid in sends))

        by_kind: dict[str, list[tuple[str, Any]]] = {"flood": [], "calm": []}
        for (kind, _, client_id), answer in zip(sends, answers, strict=True):
            by_kind[kind].append((client_id, answer))
        accepted = [cid for cid, a in by_kind["flood"] if a.status_code == 201]
        refused = [a for _, a in by_kind["flood"] if a.status_code != 201]
        assert len(accepted) == LIMIT, "sends queued at once cannot all slip under the limit"
        assert len(refused) == FLOOD - LIMIT
        for answer in refused:
            assert answer.status_code == 429, answer.text
            assert answer.json()["error"]["code"] == "rate_limited"
            assert int(answer.headers["retry-after"]) >= 1
        assert all(a.status_code == 201 for _, a in by_kind["calm"]), "the others are served"
        assert db.rollbacks == 0, "no refusal reached the writer's transaction"

        # Each accepted send is stored exactly once, and nothing refused is stored.
        assert sorted(await stored_client_ids(server, flooded)) == sorted(accepted)
        for c, key in enumerate(calm):
            stored = sorted(await stored_client_ids(server, key))
            assert stored == [f"calm-{c}-{n}" for n in range(LIMIT - 1)]

        # At the limit, a retry of a stored send still gets its message back (200) ...
        again = await send(server, flooded, accepted[0], accepted[0])
        assert again.status_code == 200 and again.json()["message"]["client_id"] == accepted[0]
        assert db.rollbacks == 0


async def test_an_agents_refusals_that_need_no_transaction_never_reach_the_writer(
    settings: Settings,
) -> None:
    async with running(settings) as server:
        db = server.app.state.db
        started = await server.start(name="Pat")
        customer = await send(server, started["session_key"], "hello", "pat-1")
        session_id = started["session"]["id"]
        alice = {"Authorization": f"Bearer {await server.login(ALICE)}"}
        api = "/api/v1/chat"

        async def post(path: str, body: dict[str, Any] | None = None) -> Any:
            return await server.http.post(f"{api}{path}", json=body, headers=alice)

        # The customer's client_id is not the agent's to use (409) ...
        reply = {"session_id": session_id, "content": "hi", "client_id": "pat-1"}
        taken = await post("/messages", reply)
        assert taken.status_code == 409 and taken.json()["error"]["code"] == "conflict"
        assert customer.status_code == 201
        # ... a conversation that does not exist is 404 whatever the agent does with it ...
        for answer in (
            await post("/messages", {**reply, "session_id": 4242, "client_id": "a-1"}),
            await post("/sessions/4242/assign"),
            await post("/sessions/4242/close"),
        ):
            assert answer.status_code == 404 and answer.json()["error"]["code"] == "not_found"
        # ... and only an admin may give a conversation to someone else (403).
        other = await post(f"/sessions/{session_id}/assign", {"agent_id": 2})
        assert other.status_code == 403 and other.json()["error"]["code"] == "forbidden"
        assert db.rollbacks == 0
        assert (await post("/messages", {**reply, "client_id": "a-2"})).status_code == 201


async def test_a_socket_flooding_past_the_limit_gets_acks_then_errors_without_rollbacks(
    settings: Settings,
) -> None:
    async with running(limited(settings)) as server:
        key = (await server.start(name="Pat"))["session_key"]
        sock = await server.customer_socket(key)
        await sock.next("connection.ready")
        for n in range(3 * LIMIT):
            await sock.send("chat.message.send", content=f"m{n}", client_id=f"s-{n}")
        answers = await sock.until(
            lambda f: (
                f["type"] in ("chat.message.ack", "error")
                and f["data"]["client_id"] == f"s-{3 * LIMIT - 1}"
            )
        )
        acks = [f["data"]["client_id"] for f in answers if f["type"] == "chat.message.ack"]
        errors = [f["data"] for f in answers if f["type"] == "error"]
        assert len(acks) == LIMIT
        assert len(errors) == 2 * LIMIT
        assert {e["code"] for e in errors} == {"rate_limited"}
        assert sorted(await stored_client_ids(server, key)) == sorted(acks)
        assert server.app.state.db.rollbacks == 0


async def test_the_same_client_id_sent_at_once_is_stored_once_without_rollbacks(
    settings: Settings,
) -> None:
    async with running(limited(settings)) as server:
        key = (await server.start(name="Pat"))["session_key"]
        answers = await asyncio.gather(*(send(server, key, "once", "same-1") for _ in range(10)))
        assert sorted(a.status_code for a in answers) == [200] * 9 + [201]
        assert len({a.json()["message"]["id"] for a in answers}) == 1
        assert await stored_client_ids(server, key) == ["same-1"]
        assert server.app.state.db.rollbacks == 0
        # The nine retries gave their share of the rate limit back: LIMIT - 1 sends remain.
        for n in range(LIMIT - 1):
            assert (await send(server, key, f"more {n}", f"more-{n}")).status_code == 201
        assert (await send(server, key, "too many", "over")).status_code == 429
