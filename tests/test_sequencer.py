"""The sequencer of the Redis backplane: stored events reach a node's sockets in event_id order,
each once, whatever order and however often they arrive, gaps read from the event log."""

from __future__ import annotations

import asyncio

import pytest

from chat.hub.backplane import Delivery
from chat.hub.redis import Sequencer

pytestmark = pytest.mark.anyio


def event(event_id: int) -> Delivery:
    return Delivery(event_id, 1, f"frame {event_id}", None)


class Log:
    """An event log as the database answers it: ids in (after, until], some deleted."""

    def __init__(self, head: int, deleted: set[int] = frozenset()) -> None:
        self.events = [event(i) for i in range(1, head + 1) if i not in deleted]
        self.reads = 0

    async def read(self, after: int, until: int, limit: int) -> list[Delivery]:
        self.reads += 1
        await asyncio.sleep(0)
        found = [e for e in self.events if after < (e.event_id or 0) <= until]
        return found[:limit]


async def settle(sequencer: Sequencer) -> None:
    for _ in range(50):
        await asyncio.sleep(0)


async def test_duplicates_are_dropped_and_a_gap_is_filled_from_the_log_in_order() -> None:
    log, delivered = Log(8), []
    sequencer = Sequencer(lambda d: delivered.append(d.event_id), log.read, 2)
    sequencer.offer(event(2))  # delivered before start: the head was 2
    sequencer.offer(event(3))
    sequencer.offer(event(3))
    sequencer.offer(event(6))  # 4 and 5 were missed on the channel
    sequencer.offer(event(5))
    await settle(sequencer)
    sequencer.offer(event(7))
    sequencer.offer(event(4))
    assert delivered == [3, 4, 5, 6, 7]
    sequencer.catch_up(8)  # the poll saw the head at 8
    await settle(sequencer)
    assert delivered == [3, 4, 5, 6, 7, 8] and sequencer.last == 8


async def test_deleted_events_do_not_stall_the_sequence() -> None:
    log, delivered = Log(6, deleted={3, 4}), []
    sequencer = Sequencer(lambda d: delivered.append(d.event_id), log.read, 1)
    sequencer.offer(event(6))
    await settle(sequencer)
    assert delivered == [2, 5, 6]
    sequencer.offer(event(7))
    assert delivered == [2, 5, 6, 7]
