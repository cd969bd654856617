"""The codec: typed decoding with this server's limits, one compiled check for bad characters."""

from __future__ import annotations

from dataclasses import replace

import pytest

from chat.codec import Codec
from chat.config import Limits
from chat.errors import BadRequest, Invalid
from chat.wire import MessageSendFrame, PublicMessageRequest, StartRequest


def test_text_is_trimmed_before_its_limit_applies() -> None:
    codec = Codec(replace(Limits(), content_max=5))
    body = codec.body(PublicMessageRequest, b'{"session_key": "k", "content": "  hello \\r\\n "}')
    assert body.content == "hello"
    with pytest.raises(Invalid, match="longer than 5"):
        codec.body(PublicMessageRequest, b'{"session_key": "k", "content": "hello!"}')


def test_a_body_that_is_not_json_is_400_and_a_wrong_field_422() -> None:
    codec = Codec(Limits())
    with pytest.raises(BadRequest):
        codec.body(StartRequest, b'{"name": ')
    with pytest.raises(Invalid, match="`name`"):
        codec.body(StartRequest, b'{"name": 5}')
    with pytest.raises(Invalid, match="JSON object"):
        codec.body(StartRequest, b"[]")


def test_an_escaped_lone_surrogate_is_a_bad_character_not_bad_json() -> None:
    codec = Codec(Limits())
    with pytest.raises(Invalid, match="U\\+D800"):
        codec.body(PublicMessageRequest, b'{"session_key": "k", "content": "a\\ud800"}')
    with pytest.raises(Invalid, match="U\\+D800"):
        codec.frame(
            '{"type": "chat.message.send", "data": {"content": "\\ud800", "client_id": "x"}}'
        )


def test_one_line_fields_refuse_line_breaks_and_emails_must_look_like_addresses() -> None:
    codec = Codec(Limits())
    with pytest.raises(Invalid, match="one line"):
        codec.body(StartRequest, b'{"name": "Pat\\nSmith"}')
    with pytest.raises(Invalid, match="email address"):
        codec.body(StartRequest, b'{"email": "pat"}')
    assert codec.body(StartRequest, b'{"name": "   "}').name is None


def test_a_frame_is_typed_by_its_type_and_a_refused_one_still_names_its_client_id() -> None:
    codec = Codec(Limits())
    frame = codec.frame(
        '{"type": "chat.message.send", "data": {"content": " hi ", "client_id": "c1"}}'
    )
    assert isinstance(frame, MessageSendFrame) and frame.content == "hi"
    with pytest.raises(Invalid, match="Unknown frame type"):
        codec.frame('{"type": "chat.nope"}')
    refused = '{"type": "chat.message.send", "data": {"content": "", "client_id": "c-9"}}'
    with pytest.raises(Invalid):
        codec.frame(refused)
    assert codec.client_id_of(refused) == "c-9"
    assert codec.client_id_of('{"data": {"client_id": "bad id!"}}') is None
