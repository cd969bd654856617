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
