"""bench/wire.py measures the real work: each operation yields what the server would produce."""

from __future__ import annotations

import json

import msgspec
import pytest

from bench import wire
from chat.errors import Invalid


def test_the_event_is_encoded_for_agents_with_emails_and_for_the_customer_without() -> None:
    agent_frame, public_frame = wire.encode_message_event()
    assert public_frame is not None
    agents, customer = json.loads(agent_frame), json.loads(public_frame)
    for frame in (agents, customer):
        assert frame["type"] == "chat.message.new" and frame["event_id"] == wire.EVENT_ID
        assert frame["data"]["message"]["content"] == wire.CONTENT
    assert agents["data"]["session"]["customer_email"] == "grace@example.com"
    assert "customer_email" not in customer["data"]["session"]


def test_the_typing_frame_carries_its_data() -> None:
    frame = json.loads(wire.encode_typing())
    assert frame["type"] == "chat.typing" and frame["data"] == msgspec.to_builtins(wire.TYPING)


def test_the_socket_and_rest_decoders_return_the_validated_fields() -> None:
    assert len(wire.CONTENT) == 200
    assert wire.decode_socket_send() == (4, wire.CONTENT, "c-1")
    assert wire.decode_rest_message() == ("k" * 43, wire.CONTENT, "c-1")
    assert wire.check_long_content() == wire.LONG_CONTENT
    assert len(wire.LONG_CONTENT) == wire.LIMITS.content_max


def test_the_measured_checks_still_refuse_what_the_server_refuses(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(wire, "LONG_CONTENT", wire.LONG_CONTENT + "!")
    with pytest.raises(Invalid):
        wire.check_long_content()
    monkeypatch.setattr(wire, "SOCKET_FRAME", wire.SOCKET_FRAME.replace('"c-1"', '"c 1"'))
    with pytest.raises(Invalid):
        wire.decode_socket_send()


def test_a_short_measurement_reports_every_operation() -> None:
    results = wire.measure(repeats=2, min_seconds=0.001)
    assert set(results) == set(wire.OPERATIONS)
    for row in results.values():
        assert 0 < row["min_us"] <= row["median_us"] <= row["max_us"]
