"""Bad frames, refused connections and caps: the contract's answer, and everyone else served."""

from __future__ import annotations

import json
import re
from dataclasses import replace

import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import InvalidStatus

from chat.config import Settings
from tests.conftest import ALICE, PASSWORD
from tests.sockets import Server, Socket, running

pytestmark = pytest.mark.anyio


async def cookie_for(server: Server) -> str:
    """Log in through the login form, as a browser does; return the Cookie header."""
    page = await server.http.get("/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert token
    answer = await server.http.post(
        "/login", data={"email": ALICE, "password": PASSWORD, "csrf_token": token.group(1)}
    )
    assert answer.status_code == 303
    return "; ".join(f"{k}={v}" for k, v in server.http.cookies.items())


async def refused_with(url: str, **kwargs: object) -> int | None:
    sock = Socket(await connect(url, max_queue=None, **kwargs))  # type: ignore[arg-type]
    return await sock.closed_with()


async def test_refused_connections_get_the_contracts_close_codes(settings: Settings) -> None:
    async with running(settings) as server:
        cookie = await cookie_for(server)
        own = server.url
        assert await refused_with(f"{server.ws_url}/ws") == 4401
        assert (
            await refused_with(
                f"{server.ws_url}/ws", additional_headers={"Authorization": "Bearer nope"}
            )
            == 4401
        )
        for origin in ("http://evil.example", own + ".evil.example", "null"):
            code = await refused_with(
                f"{server.ws_url}/ws", additional_headers={"Cookie": cookie}, origin=origin
            )
            assert code == 4403, origin
        # No Origin at all: a cookie alone never opens an agent socket.
        assert await refused_with(f"{server.ws_url}/ws", additional_headers={"Cookie": cookie}) == (
            4403
        )
        assert await refused_with(f"{server.ws_url}/ws/public/not-a-key") == 4404

        with_cookie = Socket(
            await connect(f"{server.ws_url}/ws", additional_headers={"Cookie": cookie}, origin=own)  # type: ignore[arg-type]
        )
        ready = await with_cookie.next("connection.ready")
        assert ready["data"]["agent"]["email"] == ALICE


async def test_an_allowed_origin_may_use_the_cookie(settings: Settings) -> None:
    allowed = "https://support.example.com"
    async with running(replace(settings, allowed_origins=(allowed,))) as server:
        cookie = await cookie_for(server)
        sock = Socket(
            await connect(
                f"{server.ws_url}/ws", additional_headers={"Cookie": cookie}, origin=allowed
            )  # type: ignore[arg-type]
        )
        assert (await sock.next("connection.ready"))["data"]["agent"]["email"] == ALICE


async def test_bad_frames_get_error_frames_and_the_socket_stays_open(settings: Settings) -> None:
    async with running(settings) as server:
        mine, other = await server.start(), await server.start()
        sock = await server.customer_socket(mine["session_key"])
        await sock.next("connection.ready")
        bad_frames = [
            "not json",
            "[1, 2]",
            json.dumps({"type": "chat.unknown", "data": {}}),
            json.dumps({"type": 7}),
            json.dumps({"type": "chat.message.send", "data": []}),
            json.dumps({"type": "chat.message.send", "data": {"content": 5, "client_id": "x1"}}),
            json.dumps({"type": "chat.message.send", "data": {"content": "no client id"}}),
            json.dumps(
                {"type": "chat.message.send", "data": {"content": "a\u0000b", "client_id": "x2"}}
            ),
            json.dumps({"type": "chat.typing", "data": {"is_typing": "yes"}}),
        ]
        for raw in bad_frames:
            await sock.ws.send(raw)
            error = await sock.next("error")
            assert error["data"]["code"] == "invalid_request", raw
            assert error["event_id"] is None
        await sock.ws.send(b"\x00binary")
        assert (await sock.next("error"))["data"]["code"] == "invalid_request"

        await sock.send(
            "chat.message.send", content="hi", client_id="x3", session_id=other["session"]["id"]
        )
        refused = await sock.next("error")
        assert refused["data"] == {
            "code": "forbidden",
            "client_id": "x3",
            "message": refused["data"]["message"],
        }
        history = await server.http.get(f"/api/v1/chat/public/session/{other['session_key']}")
        assert history.json()["messages"] == []

        await sock.send("chat.message.send", content="still here", client_id="x4")
        assert (await sock.next("chat.message.ack"))["data"]["client_id"] == "x4"


async def test_an_oversize_frame_closes_with_1009_and_others_are_served(
    settings: Settings,
) -> None:
    async with running(settings) as server:
        key = (await server.start())["session_key"]
        big = await server.customer_socket(key)
        other = await server.customer_socket(key)
        await big.next("connection.ready")
        await other.next("connection.ready")
        await big.send("chat.message.send", content="x" * (70 * 1024), client_id="big")
        assert await big.closed_with() == 1009
        await other.send("chat.message.send", content="fine", client_id="ok")
        assert (await other.next("chat.message.ack"))["data"]["client_id"] == "ok"
        history = await server.http.get(f"/api/v1/chat/public/session/{key}")
        assert [m["content"] for m in history.json()["messages"]] == ["fine"]


async def test_a_flooding_client_is_closed_with_1008(settings: Settings) -> None:
    async with running(settings) as server:
        key = (await server.start())["session_key"]
        flood = await server.customer_socket(key)
        await flood.next("connection.ready")
        for _ in range(200):
            await flood.ws.send("garbage")
        assert await flood.closed_with() == 1008


async def test_socket_caps_close_with_4429(settings: Settings) -> None:
    limits = replace(settings.limits, sockets_per_session=2, sockets_per_agent=2)
    async with running(replace(settings, limits=limits)) as server:
        key = (await server.start())["session_key"]
        kept = [await server.customer_socket(key) for _ in range(2)]
        for sock in kept:
            await sock.next("connection.ready")
        assert await (await server.customer_socket(key)).closed_with() == 4429
        token = await server.login(ALICE)
        agents = [await server.agent_socket(token) for _ in range(2)]
        for sock in agents:
            await sock.next("connection.ready")
        assert await (await server.agent_socket(token)).closed_with() == 4429
        await kept[0].close()
        again = await server.customer_socket(key)
        assert (await again.next("connection.ready"))["type"] == "connection.ready"


async def test_a_retried_send_is_stored_once_and_acked_with_the_same_message(
    settings: Settings,
) -> None:
    async with running(settings) as server:
        key = (await server.start())["session_key"]
        first = await server.customer_socket(key)
        await first.next("connection.ready")
        await first.send("chat.message.send", content="only once", client_id="dup-1")
        await first.close()  # the ack may never have been read: the client retries
        second = await server.customer_socket(key)
        await second.next("connection.ready")
        await second.send("chat.message.send", content="only once", client_id="dup-1")
        ack = await second.next("chat.message.ack")
        history = (await server.http.get(f"/api/v1/chat/public/session/{key}")).json()
        assert [m["content"] for m in history["messages"]] == ["only once"]
        assert ack["data"]["message"]["id"] == history["messages"][0]["id"]
        assert [f for f in await second.quiet() if f["type"] == "chat.message.new"] == []


async def test_the_ack_comes_after_the_commit(settings: Settings) -> None:
    async with running(settings) as server:
        key = (await server.start())["session_key"]
        sock = await server.customer_socket(key)
        await sock.next("connection.ready")
        await sock.send("chat.message.send", content="durable", client_id="c-ack")
        frames = await sock.until(lambda f: f["type"] == "chat.message.ack")
        # The message is readable from another connection by the time the ack arrives.
        history = (await server.http.get(f"/api/v1/chat/public/session/{key}")).json()
        assert history["messages"][0]["client_id"] == "c-ack"
        assert [f["type"] for f in frames] == ["chat.message.new", "chat.message.ack"]


async def test_a_socket_on_a_path_no_route_serves_is_refused(settings: Settings) -> None:
    """The socket routes are matched before Starlette's layers (chat.application._App); any
    other path still falls through to its router, which refuses the handshake."""
    async with running(settings) as server:
        for path in ("/ws/elsewhere", "/ws/public/", "/ws/public/a/b", "/healthz"):
            with pytest.raises(InvalidStatus) as refused:
                await connect(f"{server.ws_url}{path}")
            assert refused.value.response.status_code == 403, path
        key = (await server.start())["session_key"]
        served = Socket(await connect(f"{server.ws_url}/ws/public/{key}"))
        assert (await served.next("connection.ready"))["type"] == "connection.ready"
