"""A socket that stops reading is cut off; the others never wait for it."""

from __future__ import annotations

import asyncio
import base64
import os
import socket
from dataclasses import replace

import pytest
from websockets.asyncio.client import connect

from chat.config import Settings
from chat.storage.agents import get_agent_by_email
from tests.conftest import ALICE, BOB
from tests.sockets import Server, Socket, running

pytestmark = pytest.mark.anyio
MESSAGES = 1000


def tiny_buffer_socket(port: int) -> socket.socket:
    """A TCP socket with a small receive window, so a client that stops reading soon stalls."""
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.connect(("127.0.0.1", port))
    sock.setblocking(False)
    return sock


async def stalling_agent(server: Server, email: str) -> Socket:
    """An agent's socket that soon stops taking frames unless the test reads them."""
    ws = await connect(
        f"{server.ws_url}/ws",
        sock=tiny_buffer_socket(server.port),
        additional_headers={"Authorization": f"Bearer {await server.login(email)}"},
        max_queue=1,
        compression=None,  # so that the frames fill the kernel's buffers quickly
    )
    return Socket(ws)


async def test_a_stalled_reader_is_closed_and_a_fast_one_gets_everything(
    settings: Settings,
) -> None:
    """Frames written straight from the hub (chat.transport, what `python app.py` runs)."""
    await _stalled_and_fast(settings, "direct")


@pytest.mark.sqlite_only  # the sockets' path, not the backend's, is under test
async def test_the_same_through_a_sender_task_under_another_server(settings: Settings) -> None:
    """Frames sent through ASGI by a sender task per socket, as under any server but ours."""
    await _stalled_and_fast(settings, "websockets-sansio")


async def _stalled_and_fast(settings: Settings, ws: str) -> None:
    limits = replace(settings.limits, socket_queue=16)
    async with running(replace(settings, limits=limits, ws_impl=ws)) as server:
        hub = server.app.state.hub
        fast = await server.agent_socket(await server.login(ALICE))
        await fast.next("connection.ready")
        slow = await stalling_agent(server, BOB)
        await slow.next("connection.ready")
        assert hub.socket_count == 2

        key = (await server.start())["session_key"]
        await fast.next("chat.session.started")
        big = base64.b64encode(os.urandom(2990)).decode()  # ~4000 characters that do not compress

        async def talk() -> None:
            for n in range(MESSAGES):
                await server.say(key, f"{n} {big}")

        async def read_once_cut_off() -> int | None:
            while hub.socket_count > 1:
                await asyncio.sleep(0.01)
            return await slow.closed_with(timeout=20)  # a reader that wakes up again

        slow_end = asyncio.create_task(read_once_cut_off())
        talker = asyncio.create_task(talk())
        contents = []
        while len(contents) < MESSAGES:
            frame = await fast.next("chat.message.new", timeout=20)
            contents.append(frame["data"]["message"]["content"].split()[0])
        await talker
        assert contents == [str(n) for n in range(MESSAGES)]
        assert hub.socket_count == 1, "the stalled socket was cut off"
        assert all(len(sub.frames) <= 17 for sub in hub._agents)
        assert await slow_end == 1013


@pytest.mark.sqlite_only  # the sockets' path, not the backend's, is under test
async def test_a_reader_that_stalls_then_reads_again_gets_every_frame_in_order(
    settings: Settings,
) -> None:
    """While the peer's buffers are full the hub queues its frames (bounded), and writes them
    out, oldest first, once the socket can take them again."""
    async with running(settings) as server:
        hub = server.app.state.hub
        slow = await stalling_agent(server, BOB)
        await slow.next("connection.ready")
        key = (await server.start())["session_key"]
        big = base64.b64encode(os.urandom(2990)).decode()
        (sub,) = hub._agents
        sent = 0
        while not sub.frames:  # until the peer's buffers are full and frames wait in the hub
            assert sent < 400, "the socket never stalled"
            await server.say(key, f"{sent} {big}")
            sent += 1
        for n in range(sent, sent + 20):  # and some more while it is stalled
            await server.say(key, f"{n} {big}")
        sent += 20
        assert sub.frames, "frames wait while the peer does not read"
        contents = []
        while len(contents) < sent:
            frame = await slow.next("chat.message.new", timeout=20)
            contents.append(frame["data"]["message"]["content"].split()[0])
        assert contents == [str(n) for n in range(sent)]
        assert not sub.frames and hub.socket_count == 1


async def test_a_write_batch_reaches_every_socket_whole_and_in_order(settings: Settings) -> None:
    """Sends queued at once commit in one write batch, whose frames each direct socket gets in
    one write once the batch's events have all been handed out (Hub.batch): the agent gets
    every message once, in event order, and each customer its own message, then its ack."""
    async with running(settings) as server:
        db = server.app.state.db
        agent = await server.agent_socket(await server.login(ALICE))
        await agent.next("connection.ready")
        customers = []
        for _ in range(12):
            key = (await server.start())["session_key"]
            customer = await server.customer_socket(key)
            await customer.next("connection.ready")
            customers.append(customer)
        writes, batches, rounds = db.writes, db.batches, 5
        for n in range(rounds):  # each round: every customer sends at once
            for c, customer in enumerate(customers):
                await customer.send("chat.message.send", content=f"{c}:{n}", client_id=f"{c}-{n}")
            for c, customer in enumerate(customers):
                got = await customer.until(lambda f: f["type"] == "chat.message.ack")
                mine = [
                    (f["type"], f["data"]["message"]["content"])
                    for f in got
                    if f["type"] in ("chat.message.new", "chat.message.ack")
                ]
                assert mine == [("chat.message.new", f"{c}:{n}"), ("chat.message.ack", f"{c}:{n}")]
        assert db.writes - writes == 12 * rounds
        assert db.batches - batches < 12 * rounds, "the sends never shared a write batch"
        seen: list[dict[str, object]] = []
        while len(seen) < 12 * rounds:
            seen.append(await agent.next("chat.message.new"))
        ids = [frame["event_id"] for frame in seen]
        assert ids == sorted(ids) and len(set(ids)) == len(ids)  # type: ignore[type-var]
        contents = {frame["data"]["message"]["content"] for frame in seen}  # type: ignore[index]
        assert contents == {f"{c}:{n}" for c in range(12) for n in range(rounds)}
        assert not [f for f in await agent.quiet() if f["type"] == "chat.message.new"]


async def test_a_new_message_is_told_in_its_write_batch_and_a_retry_is_not(
    settings: Settings,
) -> None:
    """The socket's ack rides in the write batch of the message it acknowledges: `on_stored`
    runs once the message has committed, before the send returns, once; a retry stores
    nothing and is not told (its ack comes from the handler as before)."""
    async with running(settings) as server:
        db, service = server.app.state.db, server.app.state.service
        session = await service.session_for_key((await server.start())["session_key"])
        told: list[tuple[object, int]] = []

        def on_stored(posted: object) -> None:
            told.append((posted, db.batches))

        batches = db.batches
        posted = await service.post_as_customer(
            session.id, "hello", "c-1", "127.0.0.1", on_stored=on_stored
        )
        assert posted.created and told == [(posted, batches + 1)]  # told after its commit
        again = await service.post_as_customer(
            session.id, "hello", "c-1", "127.0.0.1", on_stored=on_stored
        )
        assert not again.created and again.message.id == posted.message.id
        assert len(told) == 1
        alice = await db.read(lambda conn: get_agent_by_email(conn, ALICE))
        reply = await service.post_agent_message(
            alice, session.id, "hi", "a-1", on_stored=on_stored
        )
        assert len(told) == 2 and told[1][0] is reply
        await service.post_agent_message(alice, session.id, "hi", "a-1", on_stored=on_stored)
        assert len(told) == 2
