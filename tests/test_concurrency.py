"""Races a real server must win: simultaneous assigns, senders and retries, over real sockets."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import httpx
import pytest
from conftest import ALICE, BOB, PASSWORD, LiveServer

from tests.database_sql import run_sql

pytestmark = pytest.mark.anyio
PUBLIC = "/api/v1/chat/public"


@pytest.fixture
async def http(live_server: LiveServer) -> AsyncIterator[httpx.AsyncClient]:
    limits = httpx.Limits(max_connections=50)
    async with httpx.AsyncClient(base_url=live_server.url, timeout=20, limits=limits) as client:
        yield client


async def token(http: httpx.AsyncClient, email: str) -> dict[str, str]:
    answer = await http.post("/api/v1/auth/login", json={"email": email, "password": PASSWORD})
    assert answer.status_code == 200, answer.text
    return {"Authorization": f"Bearer {answer.json()['token']}"}


async def start(http: httpx.AsyncClient) -> dict:
    answer = await http.post(f"{PUBLIC}/start", json={"name": "Racer"})
    assert answer.status_code == 201, answer.text
    return answer.json()


async def test_two_agents_assigning_at_once_one_wins(http: httpx.AsyncClient) -> None:
    alice, bob = await asyncio.gather(token(http, ALICE), token(http, BOB))
    names = {"Alice Agent": alice, "Bob Agent": bob}
    for _ in range(10):
        session_id = (await start(http))["session"]["id"]
        url = f"/api/v1/chat/sessions/{session_id}/assign"
        answers = await asyncio.gather(http.post(url, headers=alice), http.post(url, headers=bob))
        assert sorted(a.status_code for a in answers) == [200, 409], [a.text for a in answers]
        winner = next(a for a in answers if a.status_code == 200).json()["session"]
        loser = next(a for a in answers if a.status_code == 409).json()
        assert loser["error"]["code"] == "conflict"
        holder = winner["assigned_agent"]["name"]
        held = await http.get(f"/api/v1/chat/sessions/{session_id}", headers=names[holder])
        assert held.json()["session"]["assigned_agent"]["name"] == holder


async def test_concurrent_senders_get_gap_free_seq(http: httpx.AsyncClient) -> None:
    key = (await start(http))["session_key"]
    sends = [
        http.post(f"{PUBLIC}/message", json={"session_key": key, "content": f"message {n}"})
        for n in range(20)
    ]
    answers = await asyncio.gather(*sends)
    assert [a.status_code for a in answers] == [201] * 20
    assert len({a.json()["message"]["seq"] for a in answers}) == 20
    history = (await http.get(f"{PUBLIC}/session/{key}")).json()["messages"]
    # Whatever else joined the conversation (an AI reply, say), seq runs 1..N without a gap.
    assert [m["seq"] for m in history] == list(range(1, len(history) + 1))
    sent = sorted(m["content"] for m in history if m["sender_type"] == "customer")
    assert sent == sorted(f"message {n}" for n in range(20))


async def test_simultaneous_retries_store_one_message(
    http: httpx.AsyncClient, live_server: LiveServer
) -> None:
    key = (await start(http))["session_key"]
    body = {"session_key": key, "content": "Please call me back", "client_id": "retry-42"}
    answers = await asyncio.gather(*(http.post(f"{PUBLIC}/message", json=body) for _ in range(10)))
    assert sorted(a.status_code for a in answers) == [200] * 9 + [201]
    assert len({a.json()["message"]["id"] for a in answers}) == 1
    history = (await http.get(f"{PUBLIC}/session/{key}")).json()["messages"]
    assert [m["client_id"] for m in history if m["client_id"] == "retry-42"] == ["retry-42"]
    count = run_sql(
        live_server.database, "SELECT count(*) FROM messages WHERE client_id = 'retry-42'"
    )
    assert count == [(1,)]


async def test_a_client_id_sent_at_once_by_customer_and_agent_is_one_message(
    http: httpx.AsyncClient, live_server: LiveServer
) -> None:
    """Customer and agent racing with one client_id: whichever is stored first keeps it and the
    other is refused with 409, whether a read before the write or the insert itself caught it."""
    alice = await token(http, ALICE)
    for n in range(8):
        started = await start(http)
        key, session_id = started["session_key"], started["session"]["id"]
        client_id = f"both-{n}"
        customer, agent = await asyncio.gather(
            http.post(
                f"{PUBLIC}/message",
                json={"session_key": key, "content": "from the customer", "client_id": client_id},
            ),
            http.post(
                "/api/v1/chat/messages",
                json={
                    "session_id": session_id,
                    "content": "from the agent",
                    "client_id": client_id,
                },
                headers=alice,
            ),
        )
        assert sorted((customer.status_code, agent.status_code)) == [201, 409], (
            customer.text,
            agent.text,
        )
        loser = customer if customer.status_code == 409 else agent
        assert loser.json()["error"]["code"] == "conflict"
        rows = run_sql(
            live_server.database,
            f"SELECT sender_type FROM messages WHERE client_id = '{client_id}'",
        )
        assert rows == [("customer",) if customer.status_code == 201 else ("agent",)]
