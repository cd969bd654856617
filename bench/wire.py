"""`python -m bench.wire`: what encoding an event and decoding a frame cost, in µs per operation.

Each measured operation is one small function at the top of this module that calls the
production code as the server calls it, so that a change of wire format (issue #14: msgspec in
place of the hand-written JSON and checks) changes only those functions, and the same command
gives the numbers before and after.
"""

from __future__ import annotations

import argparse
import gc
import json
import platform
import statistics
import subprocess
import time
import timeit
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any, TypeVar

from starlette.applications import Starlette
from starlette.requests import Request

from bench.server import ROOT
from chat import events
from chat.codec import Codec
from chat.config import Settings
from chat.events import encode_data, ephemeral_frame
from chat.models import Agent, Event, Message, Role, SenderType, Session, SessionStatus
from chat.routes import api, ws
from chat.service import Viewer
from chat.wire import (
    Content,
    MessageSendFrame,
    MessageView,
    PublicMessageRequest,
    PublicSessionView,
    SessionView,
)

RESULTS = ROOT / "bench" / "results"
T = TypeVar("T")

# -- the measured operations: the only lines to change when the wire format changes -----------


def encode_message_event() -> tuple[str, str | None]:
    """chat.message.new for agents and for the customer: the views and encode() of
    Transaction.append/emit, then the frames Hub.publish builds from the stored Event."""
    view = MessageView.of(MESSAGE)
    data = encode_data(events.MessageNew(view, SessionView.of(SESSION)))
    public = encode_data(events.PublicMessageNew(view, PublicSessionView.of(SESSION)))
    event = Event(EVENT_ID, "chat.message.new", SESSION.id, data, public, MESSAGE.created_at)
    return event.agent_frame(), event.public_frame()


def encode_typing() -> str:
    """A chat.typing frame, as TypingRelay._relay builds it (not stored, encoded once)."""
    return ephemeral_frame(events.TYPING, TYPING)


def decode_socket_send() -> tuple[int, str, str | None]:
    """An agent's chat.message.send frame through the codec (the typed decode and the text
    rules) and _send_message's _target_session, as the socket route runs them."""
    frame = CODEC.frame(SOCKET_FRAME)
    assert isinstance(frame, MessageSendFrame)
    return ws._target_session(AGENT_VIEWER, frame), frame.content, frame.client_id


def decode_rest_message() -> tuple[str, str, str | None]:
    """POST /api/v1/chat/public/message's body through api.read_json and the checks
    public_message applies (the body arrives in one chunk, as a small body does)."""
    body = _complete(api.read_json(_request(REST_BODY), PublicMessageRequest))
    return body.session_key, body.content, body.client_id


def check_long_content() -> str:
    """The content rule alone on a message of the longest allowed length (4,000 characters)."""
    return CODEC.text(LONG_CONTENT, "content", CONTENT_RULE)


OPERATIONS: dict[str, Callable[[], object]] = {
    "encode chat.message.new (agents + customer)": encode_message_event,
    "encode chat.typing (ephemeral)": encode_typing,
    "decode socket chat.message.send": decode_socket_send,
    "decode REST public/message body": decode_rest_message,
    "validate content, 4,000 characters": check_long_content,
}

# -- the inputs -------------------------------------------------------------------------------

SENTENCE = (
    "Hi, I ordered the Barista Pro grinder last Tuesday (order 48213) and the tracking page "
    "still says 'label created'. Could you check whether it has shipped, and if not, when? "
    "Thanks a lot! "
)
CONTENT = (SENTENCE * 2)[:200]  # a typical chat message
LONG_CONTENT = (SENTENCE * 25)[:3999] + "."  # the longest content the contract allows
COMPACT = {"separators": (",", ":"), "ensure_ascii": False}  # as JSON.stringify writes it
SETTINGS = Settings()
LIMITS = SETTINGS.limits
NOW = "2026-11-24T10:15:30.123Z"
EVENT_ID = 123_456
AGENT = Agent(7, "Ada Lovelace", "ada@example.com", Role.AGENT, "", True)
AGENT_VIEWER = Viewer(agent=AGENT)
MESSAGE = Message(
    98_765, 4, 12, SenderType.CUSTOMER, None, None, CONTENT, "c-1", NOW, attachment=None
)
SESSION = Session(
    id=4,
    status=SessionStatus.ACTIVE,
    customer_name="Grace Hopper",
    customer_email="grace@example.com",
    page_url="https://shop.example.com/orders/48213",
    assigned_agent={"id": AGENT.id, "name": AGENT.name},
    message_count=12,
    last_message=MESSAGE,
    human_replied=True,
    created_at="2026-11-24T10:01:02.345Z",
    updated_at=NOW,
    customer_read_seq=11,
    agent_read_seq=12,
)
TYPING = events.Typing(4, SenderType.AGENT, "Ada Lovelace", True)
CODEC = Codec(LIMITS)
CONTENT_RULE = Content.__metadata__[0]
SOCKET_FRAME = json.dumps(
    {
        "type": "chat.message.send",
        "data": {"content": CONTENT, "client_id": "c-1", "session_id": 4},
    },
    **COMPACT,
)
REST_BODY = json.dumps(
    {"session_key": "k" * 43, "content": CONTENT, "client_id": "c-1"}, **COMPACT
).encode()
APP = Starlette()
APP.state.settings = SETTINGS
APP.state.codec = CODEC


def _request(body: bytes) -> Request:
    """A POST as uvicorn hands it to the route: headers, then the whole body in one message."""

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": body, "more_body": False}

    scope = {
        "type": "http",
        "method": "POST",
        "path": "/api/v1/chat/public/message",
        "headers": [
            (b"content-type", b"application/json"),
            (b"content-length", str(len(body)).encode()),
        ],
        "app": APP,
    }
    return Request(scope, receive)


def _complete(coroutine: Coroutine[Any, Any, T]) -> T:
    """Run a coroutine that never waits (its receive answers at once) without an event loop,
    whose scheduling would otherwise cost more than the decoding measured."""
    try:
        coroutine.send(None)
    except StopIteration as done:
        return done.value
    coroutine.close()
    raise RuntimeError("the coroutine waited for something")


# -- measuring --------------------------------------------------------------------------------


def measure(repeats: int = 7, min_seconds: float = 0.2) -> dict[str, dict[str, float]]:
    """µs per call of each operation: median and min over `repeats` runs of `number` calls,
    `number` chosen so that one run takes at least `min_seconds`. The garbage collector stays
    on, as it is in the server."""
    results = {}
    for name, operation in OPERATIONS.items():
        timer = timeit.Timer(operation, setup=gc.enable)
        number = _calls_for(timer, min_seconds)
        runs = [seconds / number * 1e6 for seconds in timer.repeat(repeats, number)]
        results[name] = {
            "median_us": statistics.median(runs),
            "min_us": min(runs),
            "max_us": max(runs),
            "repeats": repeats,
            "number": number,
        }
    return results


def _calls_for(timer: timeit.Timer, min_seconds: float) -> int:
    number = 1
    while (seconds := timer.timeit(number)) < min_seconds / 10:
        number *= 10
    return max(1, round(number * min_seconds / seconds))


def table(results: dict[str, dict[str, float]]) -> str:
    lines = [f"{'operation':<46} {'median µs':>10} {'min µs':>9} {'max µs':>9}  runs x calls"]
    for name, row in results.items():
        lines.append(
            f"{name:<46} {row['median_us']:>10.2f} {row['min_us']:>9.2f} {row['max_us']:>9.2f}"
            f"  {row['repeats']} x {row['number']}"
        )
    return "\n".join(lines)


def _commit() -> str | None:
    done = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
    )
    return done.stdout.strip() or None


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.wire", description=__doc__)
    parser.add_argument("--repeats", type=int, default=7, help="runs per operation (default 7)")
    parser.add_argument(
        "--json", type=Path, help="where to write the results (default bench/results/wire.json)"
    )
    args = parser.parse_args()
    for operation in OPERATIONS.values():
        operation()  # fail on a broken operation before spending time on any
    began = time.monotonic()
    results = measure(args.repeats)
    print(table(results))
    target = args.json or RESULTS / "wire.json"
    target.parent.mkdir(parents=True, exist_ok=True)
    report = {
        "commit": _commit(),
        "python": platform.python_version(),
        "when": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "seconds": time.monotonic() - began,
        "operations": results,
    }
    target.write_text(json.dumps(report, indent=2))
    print(f"results: {target} ({report['seconds']:.0f} s)")


if __name__ == "__main__":
    main()
