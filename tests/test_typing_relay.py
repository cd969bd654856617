"""The server ends a typing indicator itself when the typist goes quiet."""

from __future__ import annotations

import json

import pytest

from chat.hub import Hub
from chat.hub.typing import EXPIRY, TypingRelay


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def drain(sub) -> list[dict]:  # type: ignore[no-untyped-def]
    frames = []
    while sub.frames:
        frames.append(json.loads(sub.frames.pop(0)))
    return frames


@pytest.mark.anyio
async def test_a_quiet_typist_is_expired_and_repeats_are_throttled() -> None:
    hub, clock = Hub(), Clock()
    await hub.start()
    relay = TypingRelay(hub, clock=clock)
    agent = hub.subscribe(agent_id=1)
    agent.go_live(0)

    relay.update("customer-socket", 7, "customer", "Pat", True, to_customer=False)
    clock.now += 0.5
    relay.update("customer-socket", 7, "customer", "Pat", True, to_customer=False)
    assert [f["data"]["is_typing"] for f in drain(agent)] == [True], "a repeat within 1 s waits"

    clock.now += EXPIRY - 0.1
    relay.expire()
    assert drain(agent) == [], "still within the expiry of the last keystroke"
    clock.now += 0.2
    relay.expire()
    stopped = drain(agent)
    assert [(f["type"], f["data"]["is_typing"], f["data"]["name"]) for f in stopped] == [
        ("chat.typing", False, "Pat")
    ]
    relay.expire()
    assert drain(agent) == [], "told once"
