"""A socket's queue in the hub: frames reach its sender in order, and a kick wakes it at once."""

from __future__ import annotations

import asyncio

import pytest

from chat.hub import Hub

pytestmark = pytest.mark.anyio


async def test_a_waiting_sender_gets_each_frame_in_order_then_none_once_kicked() -> None:
    sub = Hub(max_queue=8).subscribe(session_id=1)
    sub.go_live(0)
    received: list[str | None] = []

    async def sender() -> None:
        while (frame := await sub.next_frame()) is not None:
            received.append(frame)
        received.append(None)

    task = asyncio.create_task(sender())
    await asyncio.sleep(0)  # the sender now waits on an empty queue
    for n in range(3):
        sub.offer(f"frame {n}", n + 1)
    await asyncio.sleep(0)
    sub.kick(4401)
    await asyncio.wait_for(task, 1)
    assert received == ["frame 0", "frame 1", "frame 2", None]
    assert sub.close_code == 4401


async def test_a_socket_too_far_behind_is_cut_off_and_its_queue_freed() -> None:
    sub = Hub(max_queue=4).subscribe(session_id=1)
    sub.go_live(0)
    for n in range(4):
        sub.offer(f"frame {n}", None)
    assert len(sub.frames) == 4 and not sub.kicked
    sub.offer("one too many", None)
    assert sub.kicked and sub.close_code == 1013
    assert not sub.frames
    assert await sub.next_frame() is None


class RecordingWriter:
    """A FrameWriter that notes, across sockets, which one was written to when."""

    def __init__(self, name: str, log: list[tuple[str, list[str]]]) -> None:
        self.name, self.log = name, log
        self.paused = False
        self.on_writable = None

    def write(self, text: str) -> None:
        self.log.append((self.name, [text]))

    def write_many(self, texts: list[str]) -> None:
        self.log.append((self.name, list(texts)))

    def interrupt(self) -> None:
        pass


async def test_a_batch_writes_each_socket_once_customers_before_agents() -> None:
    """At a write batch's end every socket gets its frames in one write, in order; customers'
    sockets first (their own message and its ack), then the agents' (every message)."""
    hub, log = Hub(max_queue=8), []
    agents = [hub.subscribe(agent_id=n) for n in (1, 2)]
    customers = [hub.subscribe(session_id=n) for n in (10, 11)]
    for sub, name in zip([*agents, *customers], ["a1", "a2", "c10", "c11"], strict=True):
        sub.go_live(0)
        sub.attach(RecordingWriter(name, log))  # type: ignore[arg-type]
    with hub.batch():
        for n, sub in enumerate(customers):
            for agent in agents:
                agent.offer(f"message {n}", n + 1)
            sub.offer(f"message {n}", n + 1)
            sub.offer(f"ack {n}", None)
        assert log == []  # nothing goes out while the batch is handed out
    assert log == [
        ("c10", ["message 0", "ack 0"]),
        ("c11", ["message 1", "ack 1"]),
        ("a1", ["message 0", "message 1"]),
        ("a2", ["message 0", "message 1"]),
    ]
    agents[0].offer("outside a batch", 3)
    assert log[-1] == ("a1", ["outside a batch"])  # written at once
