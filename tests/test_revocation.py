"""Logging out and removing an agent end its credentials and close its open sockets."""

from __future__ import annotations

import re

import pytest
from websockets.asyncio.client import connect

from chat.config import Settings
from tests.conftest import ADMIN, ALICE, BOB, PASSWORD
from tests.sockets import Socket, running

pytestmark = pytest.mark.anyio


async def test_logout_closes_the_sockets_opened_with_that_token(settings: Settings) -> None:
    async with running(settings) as server:
        first, second = await server.login(ALICE), await server.login(ALICE)
        doomed = await server.agent_socket(first)
        kept = await server.agent_socket(second)
        for sock in (doomed, kept):
            await sock.next("connection.ready")
        answer = await server.http.post(
            "/api/v1/auth/logout", headers={"Authorization": f"Bearer {first}"}
        )
        assert answer.status_code == 204
        assert await doomed.closed_with() == 4401
        await kept.send("ping")
        assert (await kept.next("pong"))["type"] == "pong"
        me = await server.http.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {first}"})
        assert me.status_code == 401


async def test_logging_out_of_the_page_closes_the_pages_socket(settings: Settings) -> None:
    async with running(settings) as server:
        page = await server.http.get("/login")
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
        await server.http.post(
            "/login", data={"email": ALICE, "password": PASSWORD, "csrf_token": csrf}
        )
        cookies = "; ".join(f"{k}={v}" for k, v in server.http.cookies.items())
        sock = Socket(
            await connect(
                f"{server.ws_url}/ws", additional_headers={"Cookie": cookies}, origin=server.url
            )
        )  # type: ignore[arg-type]
        await sock.next("connection.ready")
        chat = await server.http.get("/chat")
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', chat.text).group(1)  # type: ignore[union-attr]
        out = await server.http.post("/logout", data={"csrf_token": csrf})
        assert out.status_code == 303
        assert await sock.closed_with() == 4401


async def test_removing_an_agent_ends_everything_it_had(settings: Settings) -> None:
    async with running(settings) as server:
        bob_token = await server.login(BOB)
        bob_sockets = [await server.agent_socket(bob_token) for _ in range(2)]
        alice_token = await server.login(ALICE)
        alice = await server.agent_socket(alice_token)
        for sock in (*bob_sockets, alice):
            await sock.next("connection.ready")
        bob_id = (
            await server.http.get(
                "/api/v1/auth/me", headers={"Authorization": f"Bearer {bob_token}"}
            )
        ).json()["agent"]["id"]

        refused = await server.http.post(
            f"/api/v1/agents/{bob_id}/deactivate",
            headers={"Authorization": f"Bearer {alice_token}"},
        )
        assert refused.status_code == 403
        admin = await server.login(ADMIN)
        removed = await server.http.post(
            f"/api/v1/agents/{bob_id}/deactivate", headers={"Authorization": f"Bearer {admin}"}
        )
        assert removed.status_code == 200
        for sock in bob_sockets:
            assert await sock.closed_with() == 4401
        me = await server.http.get(
            "/api/v1/auth/me", headers={"Authorization": f"Bearer {bob_token}"}
        )
        assert me.status_code == 401
        again = await server.http.post(
            "/api/v1/auth/login", json={"email": BOB, "password": PASSWORD}
        )
        assert again.status_code == 401
        await alice.send("ping")
        assert (await alice.next("pong"))["type"] == "pong"
