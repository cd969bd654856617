"""Property tests: arbitrary bodies and socket frames get the contract's errors, never a crash."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import hypothesis
import pytest
from hypothesis import HealthCheck, given
from hypothesis import strategies as st
from starlette.testclient import TestClient
from websockets.exceptions import ConnectionClosed

from chat.application import create_app
from chat.config import Settings
from chat.wire import MAX_ID
from tests.conftest import ADMIN, ALICE, BOB, PASSWORD, ROOMY, login
from tests.sockets import Server, Socket, running

CODES = {
    400: "invalid_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    409: "conflict",
    413: "payload_too_large",
    422: "invalid_request",
    429: "rate_limited",
}
QUICK = {
    "deadline": None,
    "database": None,  # no example database: each run explores afresh
    "suppress_health_check": [HealthCheck.too_slow, HealthCheck.data_too_large],
}

# -- arbitrary JSON ------------------------------------------------------------------------

ODD_CHARACTERS = ["\x00", "\ud800", "\udfff", "\udc00", "\x7f", "\x85", "\u2028", "\ufeff", "\r"]
characters = st.characters() | st.sampled_from(ODD_CHARACTERS)
strings = st.text(characters, max_size=40) | st.sampled_from(
    ["", " ", "\ud800", "a\x00b", "\t\n", "x" * 5000, "\ud83d\ude00", "\ude00\ud83d"]
)
numbers = (
    st.integers()
    | st.sampled_from([0, -1, 2**63 - 1, 2**63, -(2**63), 2**64, 10**400, -(10**4000)])
    | st.floats()  # NaN and ±inf included: json.dumps writes them as NaN and Infinity
    | st.sampled_from([1e308, -1e308, 5e-324, 1.0, -0.0])
)
leaves = st.none() | st.booleans() | numbers | strings


def nested(value: Any, depth: int) -> Any:
    for level in range(depth):
        value = [value] if level % 2 else {"k": value}
    return value


json_values = st.recursive(
    leaves,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(strings, inner, max_size=4),
    max_leaves=12,
) | st.tuples(leaves, st.integers(1, 100)).map(lambda pair: nested(*pair))

# What a field holds: a string or a number as often as anything else.
field_values = strings | numbers | json_values


def encoded(value: Any, how: str) -> bytes:
    """JSON text of `value`: ASCII escapes (a lone surrogate arrives as `\\ud800` and parses into
    one), or raw UTF-8 with surrogates passed through, which is not valid UTF-8."""
    if how == "ascii":
        return json.dumps(value).encode()
    return json.dumps(value, ensure_ascii=False).encode("utf-8", "surrogatepass")


# -- the REST API -------------------------------------------------------------------------


@dataclass
class Api:
    client: TestClient
    auth: dict[str, str]
    key: str
    session_id: int
    agent_id: int


@pytest.fixture(scope="module")
def api(module_database: Path | str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Api]:
    limits = replace(ROOMY, failed_logins=10**6)
    settings = Settings(
        database=module_database,
        data_folder=tmp_path_factory.mktemp("fuzz"),
        secret_key="fuzz",
        limits=limits,
        ai_enabled=False,
    )
    with TestClient(create_app(settings), raise_server_exceptions=False) as client:
        auth = login(client, ALICE)
        started = client.post("/api/v1/chat/public/start", json={"name": "Pat"}).json()
        agent_id = client.get("/api/v1/auth/me", headers=auth).json()["agent"]["id"]
        yield Api(client, auth, started["session_key"], started["session"]["id"], agent_id)


@dataclass(frozen=True)
class Endpoint:
    path: str
    agent: bool  # needs the bearer token
    valid: Callable[[Api], dict[str, Any]]  # a body that is accepted: its fields, sometimes kept


ENDPOINTS = {
    "start": Endpoint(
        "/api/v1/chat/public/start",
        False,
        lambda a: {"name": "Pat", "email": "pat@example.com", "page_url": "https://x.example/"},
    ),
    "public message": Endpoint(
        "/api/v1/chat/public/message",
        False,
        lambda a: {"session_key": a.key, "content": "Hello", "client_id": "c-1"},
    ),
    "handoff": Endpoint("/api/v1/chat/public/handoff", False, lambda a: {"session_key": a.key}),
    "login": Endpoint("/api/v1/auth/login", False, lambda a: {"email": BOB, "password": PASSWORD}),
    "agent message": Endpoint(
        "/api/v1/chat/messages",
        True,
        lambda a: {"session_id": a.session_id, "content": "Hi there", "client_id": "a-1"},
    ),
    "assign": Endpoint("/api/v1/chat/sessions/{id}/assign", True, lambda a: {"agent_id": None}),
}


def post(api: Api, endpoint: Endpoint, body: bytes) -> Any:
    path = endpoint.path.replace("{id}", str(api.session_id))
    headers = {"content-type": "application/json", **(api.auth if endpoint.agent else {})}
    return api.client.post(path, content=body, headers=headers)


def assert_contract_answer(answer: Any) -> None:
    """A 2xx, or one of the contract's 4xx in its error shape; never a 5xx."""
    assert answer.status_code < 500, answer.text
    if answer.status_code < 300:
        return
    assert answer.status_code in CODES, answer.text
    body = answer.json()
    assert set(body) == {"error"} and set(body["error"]) == {"code", "message"}, body
    assert body["error"]["code"] == CODES[answer.status_code], body
    assert isinstance(body["error"]["message"], str) and body["error"]["message"]


def assert_still_serving(api: Api) -> None:
    sent = api.client.post(
        "/api/v1/chat/public/message", json={"session_key": api.key, "content": "still there?"}
    )
    assert sent.status_code == 201, sent.text


@st.composite
def bodies(draw: st.DrawFn, valid: dict[str, Any], mostly_valid: bool = False) -> Any:
    """A JSON object whose fields are arbitrary values or their valid ones, plus junk fields;
    sometimes not an object at all."""
    if draw(st.integers(0, 9)) == 9:
        return draw(json_values)
    body: dict[str, Any] = {}
    choices = ["valid"] * (4 if mostly_valid else 1) + ["arbitrary", "missing"]
    for name, good in valid.items():
        choice = draw(st.sampled_from(choices))
        if choice != "missing":
            body[name] = draw(field_values) if choice == "arbitrary" else good
    body.update(draw(st.dictionaries(strings, json_values, max_size=2)))
    return body


@pytest.mark.parametrize("name", list(ENDPOINTS))
def test_arbitrary_json_fields_get_a_4xx_in_the_contract_shape(api: Api, name: str) -> None:
    endpoint = ENDPOINTS[name]

    @given(body=bodies(endpoint.valid(api)), how=st.sampled_from(["ascii", "utf-8"]))
    @hypothesis.settings(max_examples=40 if name == "login" else 150, **QUICK)
    def fuzz(body: Any, how: str) -> None:
        assert_contract_answer(post(api, endpoint, encoded(body, how)))

    fuzz()
    assert_still_serving(api)


raw_bodies = st.one_of(
    st.binary(max_size=300),
    st.sampled_from(
        [
            b"",
            b"\xff\xfe\xfd",
            b'{"content": "\xed\xa0\x80"}',  # a surrogate encoded as UTF-8: not valid UTF-8
            b'{"content": "\xc0\xaf"}',  # an overlong encoding
            b'{"name": "\\ud800", "content": "\\udfff\\ud800"}',
            b"NaN",
            b"1e999999",
            b'{"session_id": 1e999, "agent_id": -Infinity}',
            b'{"a": 1, "a": [}',
            "{}".encode("utf-16"),
            b"[" * 5000 + b"]" * 5000,
            b'{"a":' * 5000 + b"1" + b"}" * 5000,
            b"[" * 30000,
            b"1" * 5000,
            b'{"agent_id": ' + b"9" * 5000 + b"}",
            b" " * (64 * 1024 + 1),
            b'{"content": "' + b"x" * (64 * 1024) + b'"}',
        ]
    ),
)


@pytest.mark.parametrize("name", list(ENDPOINTS))
def test_raw_bodies_that_are_not_json_get_400_or_413(api: Api, name: str) -> None:
    endpoint = ENDPOINTS[name]

    @given(body=raw_bodies)
    @hypothesis.settings(max_examples=60, **QUICK)
    def fuzz(body: bytes) -> None:
        assert_contract_answer(post(api, endpoint, body))

    fuzz()
    assert_still_serving(api)


def test_huge_ids_in_paths_are_not_found(api: Api) -> None:
    """Regression: more than 4300 digits used to be a 500 (int() refuses that many)."""
    for digits in ("0", "9" * 19, "9" * 4301, "1" * 10000, "-1", "1e3", "\u0661"):
        for method, path in [
            ("GET", f"/api/v1/chat/sessions/{digits}"),
            ("GET", f"/api/v1/chat/sessions/{digits}/messages"),
            ("POST", f"/api/v1/chat/sessions/{digits}/assign"),
            ("POST", f"/api/v1/chat/sessions/{digits}/close"),
        ]:
            answer = api.client.request(method, path, headers=api.auth)
            assert answer.status_code == 404, (path, answer.text)
            assert_contract_answer(answer)
    admin = login(api.client, ADMIN)
    answer = api.client.post(f"/api/v1/agents/{'7' * 5000}/deactivate", headers=admin)
    assert answer.status_code == 404, answer.text
    assert_contract_answer(answer)


# -- the sockets --------------------------------------------------------------------------

STRIKES = 20  # refused frames a socket may send in 10 s; the next one closes it (1008)
SOCKET_ERRORS = {"invalid_request", "forbidden", "rate_limited", "not_found", "conflict"}
PING = json.dumps({"type": "ping"})
OVERSIZE = "x" * (64 * 1024 + 1)  # over the frame limit: closed with 1009
client_ids = st.from_regex(r"[A-Za-z0-9_-]{1,64}", fullmatch=True)


@st.composite
def frame_objects(draw: st.DrawFn) -> Any:
    """A frame of a known type (or not), whose data fields are arbitrary, valid or missing.

    Session 1 is the conversation of the socket's customer (see prepare())."""
    kinds = ["chat.message.send"] * 4 + ["chat.typing"] * 2 + ["chat.viewing", "ping", "other"]
    kind = draw(st.sampled_from(kinds))
    if kind == "other":
        kind = draw(strings | json_values)
    frame: dict[str, Any] = {"type": kind}
    valid = {
        "content": "hi",
        "client_id": draw(client_ids),
        "session_id": 1,
        "is_typing": draw(st.booleans()),
    }
    if draw(st.integers(0, 9)):
        frame["data"] = draw(bodies(valid, mostly_valid=True))
    return frame


JUNK_FRAMES = [
    json_values.map(json.dumps),
    st.text(max_size=200),  # a text frame cannot carry a lone surrogate
    st.binary(max_size=200),
    st.integers(1000, 20000).map(lambda n: "[" * n + "]" * n),
]
# Most frames are objects of a known shape, some are junk; a run ends over the size limit now
# and then.
frames = st.sampled_from(range(-8, len(JUNK_FRAMES))).flatmap(
    lambda n: frame_objects().map(json.dumps) if n < 0 else JUNK_FRAMES[n]
)
frame_runs = st.tuples(st.lists(frames, min_size=5, max_size=40), st.sampled_from(range(10))).map(
    lambda pair: pair[0] + [OVERSIZE] if pair[1] == 9 else pair[0]
)


def parsed(frame: str | bytes) -> tuple[str, dict[str, Any]] | None:
    """(type, data) when the server will read the frame as an object with a string type."""
    if isinstance(frame, bytes):
        return None
    try:
        value = json.loads(frame)
    except (ValueError, RecursionError):
        return None
    if not isinstance(value, dict) or not isinstance(value.get("type"), str):
        return None
    data = value.get("data", {})
    return (value["type"], data) if isinstance(data, dict) else None


def is_id(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= MAX_ID


def answered_without_error(frame: str | bytes, own_session: int | None) -> bool | None:
    """True for a ping (a pong), None for a valid frame that gets no answer (typing, an agent's
    viewing), False for everything else. `own_session` is None on an agent's socket."""
    read = parsed(frame)
    if read is None:
        return False
    kind, data = read
    named = data.get("session_id")
    if kind == "ping":
        return True
    if kind == "chat.viewing" and own_session is None:
        return None if named is None or is_id(named) else False
    if kind != "chat.typing" or not isinstance(data.get("is_typing"), bool):
        return False
    if own_session is None:  # an agent names the session
        return None if is_id(named) else False
    # 1.0 == 1 in Python, but JSON's 1.0 is no integer: the server refuses it as an id.
    return None if named is None or (is_id(named) and named == own_session) else False


async def answers_until_pongs(sock: Socket, pongs: int) -> list[dict[str, Any]]:
    """Every frame before the `pongs`-th pong."""
    answers = []
    while pongs:
        frame = await sock.recv()
        assert set(frame) == {"type", "data", "event_id", "ts"}, frame
        if frame["type"] == "pong":
            pongs -= 1
        else:
            answers.append(frame)
    return answers


async def send_frames(sock: Socket, frames: list[str | bytes], own_session: int | None) -> None:
    """Send each frame, then a ping, and check what came back before its pong."""
    await sock.next("connection.ready")
    refused = 0
    for frame in frames:
        expect = answered_without_error(frame, own_session)
        try:
            await sock.ws.send(frame)
            await sock.ws.send(PING)
            answers = await answers_until_pongs(sock, 2 if expect else 1)
        except ConnectionClosed as closed:
            code = closed.rcvd.code if closed.rcvd else None
            too_big = len(frame if isinstance(frame, bytes) else frame.encode()) > 64 * 1024
            assert (code, too_big or refused) in {(1009, True), (1008, STRIKES)}, (code, frame)
            return
        errors = [a["data"] for a in answers if a["type"] == "error"]
        assert all(e["code"] in SOCKET_ERRORS and e["message"] for e in errors), errors
        acked = any(a["type"] == "chat.message.ack" for a in answers)
        assert len(errors) == (0 if expect is not False or acked else 1), (frame, answers)
        refused += len(errors)


@dataclass
class World:
    server: Server
    key: str
    session_id: int
    token: str
    bystander: Socket
    seen: list[dict[str, Any]] = field(default_factory=list)
    watcher: asyncio.Task[None] | None = None


async def prepare(server: Server) -> World:
    started = await server.start(name="Pat")
    token = await server.login(ALICE)
    bystander = await server.agent_socket(await server.login(BOB))
    world = World(server, started["session_key"], started["session"]["id"], token, bystander)
    assert world.session_id == 1  # what frame_objects() names as the valid session

    async def watch() -> None:
        # Drains the bystander all along, so its queue never overflows.
        while True:
            world.seen.append(await bystander.recv(timeout=3600))

    world.watcher = asyncio.create_task(watch())
    return world


async def fuzz_one_socket(world: World, frames: list[str | bytes], as_agent: bool) -> None:
    if as_agent:
        sock, own = await world.server.agent_socket(world.token), None
    else:
        sock, own = await world.server.customer_socket(world.key), world.session_id
    try:
        await send_frames(sock, frames, own)
    finally:
        await sock.close()


async def still_served(world: World) -> None:
    sock = await world.server.customer_socket(world.key)
    await sock.next("connection.ready")
    await sock.send("chat.message.send", content="after the storm", client_id="final-1")
    ack = await sock.next("chat.message.ack")
    assert ack["data"]["message"]["content"] == "after the storm"
    for _ in range(100):
        new = [f for f in world.seen if f["type"] == "chat.message.new"]
        if any(f["data"]["message"]["client_id"] == "final-1" for f in new):
            break
        await asyncio.sleep(0.05)
    else:
        raise AssertionError("the bystander agent socket stopped being served")
    await sock.close()


def test_arbitrary_socket_frames_get_error_frames_or_the_contracts_close(
    settings: Settings,
) -> None:
    with asyncio.Runner() as runner:
        serving = running(settings)
        # One server for every example: the loop runs only inside runner.run(), and each
        # example runs there from its socket's opening to its close.
        world = runner.run(prepare(runner.run(serving.__aenter__())))
        try:

            @given(frames=frame_runs, as_agent=st.booleans())
            @hypothesis.settings(max_examples=120, **QUICK)
            def fuzz(frames: list[str | bytes], as_agent: bool) -> None:
                runner.run(asyncio.wait_for(fuzz_one_socket(world, frames, as_agent), 60))

            fuzz()
            runner.run(still_served(world))
        finally:
            if world.watcher is not None:
                world.watcher.cancel()
            runner.run(serving.__aexit__(None, None, None))


def test_a_client_id_with_a_lone_surrogate_gets_an_error_frame(settings: Settings) -> None:
    async def scenario() -> None:
        async with running(settings) as server:
            started = await server.start()
            sock = await server.customer_socket(started["session_key"])
            await sock.next("connection.ready")
            bad = {"type": "chat.message.send", "data": {"content": "x", "client_id": "\ud800"}}
            await sock.ws.send(json.dumps(bad))
            error = await sock.next("error")
            assert error["data"]["code"] == "invalid_request"

    asyncio.run(scenario())
