"""A socket's life held by the service: however it ends (closed, kicked, cancelled), the others
see its typing stop and its open conversation cleared, and its agent offline after the grace."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass, replace
from typing import Any

import pytest

from chat.auth import Accounts
from chat.config import Settings
from chat.hub import Hub
from chat.hub.hub import Subscriber
from chat.models import Agent, Session
from chat.service import ChatService, TooManySockets, Viewer
from chat.storage import agents
from chat.storage.postgres import open_database
from chat.wire import PublicSessionView, ServerLimits
from tests.conftest import ALICE, BOB
from tests.sockets import running

pytestmark = pytest.mark.anyio
GRACE = 0.2


@dataclass
class World:
    service: ChatService
    hub: Hub
    alice: Agent
    bob: Agent
    session: Session


@pytest.fixture
async def world(settings: Settings) -> AsyncIterator[World]:
    """The service over a real database and hub, as the app builds it, with the demo agents."""
    settings = replace(settings, presence_grace=GRACE)
    db = open_database(settings)
    await db.open()
    hub = Hub()
    await hub.start()
    try:
        await Accounts(db, settings, hub).ensure_demo_agents()
        service = ChatService(db, hub, settings)
        team = {a.email: a for a in await db.read(agents.list_active_agents)}
        started = await service.start_session("Pat", None, None, "127.0.0.1")
        yield World(service, hub, team[ALICE], team[BOB], started.session)
        service.presence.close()
    finally:
        await hub.stop()
        await db.close()


def listener(hub: Hub, **where: Any) -> Subscriber:
    """A bare subscriber standing for another socket: it hears what that socket would."""
    sub = hub.subscribe(**where)
    sub.go_live(0)
    return sub


def heard(sub: Subscriber) -> list[tuple[str, dict[str, Any]]]:
    """The frames waiting for `sub`, as (type, data)."""
    frames = []
    while sub.frames:
        frame = json.loads(sub.frames.pop(0))
        frames.append((frame["type"], frame["data"]))
    return frames


async def test_a_cancelled_socket_is_cleaned_up_like_a_closed_one(world: World) -> None:
    service, alice, session_id = world.service, world.alice, world.session.id
    bob = listener(world.hub, agent_id=world.bob.id)
    pat = listener(world.hub, session_id=session_id)
    inside = asyncio.Event()

    async def alices_socket() -> None:
        async with service.connect(Viewer(agent=alice), credential=b"token") as connection:
            assert set(connection.ready) == {"agent", "viewing", "presence", "limits"}
            socket_id = connection.subscriber.id
            service.view(alice, socket_id, session_id)
            service.typing(connection.viewer, socket_id, session_id, True)
            inside.set()
            await asyncio.Event().wait()  # until cancelled

    task = asyncio.create_task(alices_socket())
    await asyncio.wait_for(inside.wait(), 5)  # bounded: a failure inside must not hang
    assert world.hub.count_agent(alice.id) == 1
    assert [t for t, _ in heard(bob)] == ["agent.presence", "chat.viewing", "chat.typing"]
    assert [t for t, _ in heard(pat)] == ["chat.availability", "chat.typing"]

    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert world.hub.count_agent(alice.id) == 0
    stopped = {
        "session_id": session_id,
        "sender_type": "agent",
        "name": "Alice Agent",
        "is_typing": False,
    }
    assert heard(bob) == [
        ("chat.typing", stopped),
        (
            "chat.viewing",
            {
                "session_id": session_id,
                "agent": {"id": alice.id, "name": alice.name},
                "is_viewing": False,
            },
        ),
    ]
    assert heard(pat) == [("chat.typing", stopped)]
    assert service.viewers.current() == []  # what a new agent socket is told

    assert heard(bob) == []  # still online within the grace period
    await asyncio.sleep(GRACE * 3)
    assert heard(bob) == [
        ("agent.presence", {"agent": {"id": alice.id, "name": alice.name}, "status": "offline"})
    ]
    assert heard(pat) == [("chat.availability", {"agents_available": False})]
    assert not service.agents_available


async def test_a_socket_over_the_cap_holds_nothing(world: World, settings: Settings) -> None:
    one_each = replace(settings.limits, sockets_per_agent=1)
    service = ChatService(
        world.service.db, world.hub, replace(settings, presence_grace=GRACE, limits=one_each)
    )
    bob = listener(world.hub, agent_id=world.bob.id)
    viewer = Viewer(agent=world.alice)
    async with service.connect(viewer):
        with pytest.raises(TooManySockets):
            async with service.connect(viewer):
                pytest.fail("a second socket was let in")
        assert world.hub.count_agent(world.alice.id) == 1
        await asyncio.sleep(GRACE * 3)
        assert [d["status"] for _, d in heard(bob)] == ["available"], "the refusal changed nothing"
    await asyncio.sleep(GRACE * 3)
    assert [d["status"] for _, d in heard(bob)] == ["offline"]
    service.presence.close()


async def test_a_customer_socket_is_told_its_session_and_leaves_the_hub(world: World) -> None:
    viewer = Viewer(session=world.session)
    async with world.service.connect(viewer) as connection:
        assert connection.ready == {
            "session": PublicSessionView.of(world.session),
            "agents_available": False,
            "limits": ServerLimits.of(world.service.settings.limits),
        }
        assert world.hub.count_session(world.session.id) == 1
    assert world.hub.count_session(world.session.id) == 0


async def test_a_kicked_agent_socket_stops_typing_clears_viewing_and_goes_offline(
    settings: Settings,
) -> None:
    async with running(replace(settings, presence_grace=GRACE)) as server:
        doomed_token = await server.login(ALICE)
        alice = await server.agent_socket(doomed_token)
        bob = await server.agent_socket(await server.login(BOB))
        started = await server.start(name="Pat")
        session_id = started["session"]["id"]
        pat = await server.customer_socket(started["session_key"])
        for sock in (alice, bob, pat):
            await sock.next("connection.ready")
        await alice.send("chat.viewing", session_id=session_id)
        await alice.send("chat.typing", session_id=session_id, is_typing=True)
        assert (await bob.next("chat.viewing"))["data"]["is_viewing"] is True
        assert (await bob.next("chat.typing"))["data"]["is_typing"] is True
        assert (await pat.next("chat.typing"))["data"]["is_typing"] is True

        logout = await server.http.post(
            "/api/v1/auth/logout", headers={"Authorization": f"Bearer {doomed_token}"}
        )
        assert logout.status_code == 204
        assert await alice.closed_with() == 4401  # kicked: the token was revoked

        stopped = await pat.next("chat.typing")
        assert stopped["data"] == {
            "session_id": session_id,
            "sender_type": "agent",
            "name": "Alice Agent",
            "is_typing": False,
        }
        assert (await bob.next("chat.typing"))["data"]["is_typing"] is False
        cleared = await bob.next("chat.viewing")
        assert cleared["data"] == {
            "session_id": session_id,
            "agent": {"id": 1, "name": "Alice Agent"},
            "is_viewing": False,
        }
        offline = await bob.next("agent.presence")
        assert offline["data"] == {"agent": {"id": 1, "name": "Alice Agent"}, "status": "offline"}
        late = await server.agent_socket(await server.login(BOB))
        ready = (await late.next("connection.ready"))["data"]
        assert ready["viewing"] == []
        assert {e["agent"]["name"]: e["status"] for e in ready["presence"]}["Alice Agent"] == (
            "offline"
        )
