"""The AsyncAPI 3.0 document of the two sockets, generated from the event catalogue
(chat/events.py) and the client frames (chat/wire.py): every frame, both ways."""

from __future__ import annotations

from typing import Any

import msgspec

from chat.config import Settings
from chat.events import CATALOGUE, EventType
from chat.routes.openapi import REF, Schema, apply_rules
from chat.wire import AGENT_ONLY_FRAMES, CLIENT_FRAMES, Frame

TIME = {"type": "string", "format": "date-time"}
SOCKETS = {
    "agent": ("/ws", "An agent: the login cookie (from an allowed Origin) or a bearer token."),
    "customer": ("/ws/public/{session_key}", "A customer: the session key is the credential."),
}


def asyncapi_document(settings: Settings) -> dict[str, Any]:
    """Both sockets' frames, as the server sends ("send") and receives ("receive") them."""
    data_types = {t: None for kind in CATALOGUE.values() for t in (kind.data, kind.public) if t}
    types = [*data_types, *CLIENT_FRAMES.values()]
    _, schemas = msgspec.json.schema_components(types, ref_template=REF)
    for kind in types:
        apply_rules(kind, schemas, settings.limits)
    messages: dict[str, Schema] = {}
    channels: dict[str, Schema] = {}
    operations: dict[str, Schema] = {}
    for side, (address, description) in SOCKETS.items():
        sent = {
            _name(side, k): _server_frame(k, side) for k in CATALOGUE.values() if _gets(k, side)
        }
        got = {
            _name(side, f.type, "client"): _client_frame(f)
            for f in CLIENT_FRAMES.values()
            if side == "agent" or f not in AGENT_ONLY_FRAMES
        }
        messages |= sent | got
        channels[side] = {
            "address": address,
            "description": description,
            "messages": {name: {"$ref": f"#/components/messages/{name}"} for name in sent | got},
        }
        if side == "customer":
            channels[side]["parameters"] = {"session_key": {"description": "The session key."}}
        for action, names in (("send", sent), ("receive", got)):
            operations[f"{side}.{action}"] = {
                "action": action,
                "channel": {"$ref": f"#/channels/{side}"},
                "messages": [{"$ref": f"#/channels/{side}/messages/{name}"} for name in names],
            }
    return {
        "asyncapi": "3.0.0",
        "info": {
            "title": "Switchboard sockets",
            "version": "1",
            "description": "Every server frame is `{type, data, event_id, ts}`: stored events carry"
            " an event_id that grows across the server (replayed after `?last_event_id=N`),"
            " ephemeral ones null. Client frames are `{type, data}`; a bad one is answered by an"
            " `error` frame and the socket stays open.",
        },
        "defaultContentType": "application/json",
        "channels": channels,
        "operations": operations,
        "components": {"messages": messages, "schemas": schemas},
    }


def _gets(kind: EventType, side: str) -> bool:
    return side == "agent" or kind.public is not None


def _name(side: str, kind: EventType | str, origin: str = "server") -> str:
    name = kind if isinstance(kind, str) else kind.name
    return f"{side}.{origin}.{name}"


def _server_frame(kind: EventType, side: str) -> Schema:
    data = kind.data if side == "agent" else kind.public
    assert data is not None
    event_id = {"type": "integer", "minimum": 1} if kind.stored else {"type": "null"}
    payload = {
        "type": "object",
        "required": ["type", "data", "event_id", "ts"],
        "additionalProperties": False,
        "properties": {
            "type": {"const": kind.name},
            "data": {"$ref": REF.format(name=data.__name__)},
            "event_id": event_id,
            "ts": TIME,
        },
    }
    stored = "stored, replayed on resume" if kind.stored else "ephemeral"
    return {"name": kind.name, "summary": f"To {kind.audience}; {stored}.", "payload": payload}


def _client_frame(frame: type[Frame]) -> Schema:
    payload = {
        "type": "object",
        "required": ["type"],
        "properties": {
            "type": {"const": frame.type},
            "data": {"$ref": REF.format(name=frame.__name__)},
        },
    }
    return {
        "name": frame.type,
        "summary": (frame.__doc__ or frame.type).strip(),
        "payload": payload,
    }
