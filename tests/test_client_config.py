"""What the server tells clients about itself: the public config and connection.ready state the
limits it really holds them to, so that no client has to hard-code them."""

from __future__ import annotations

from dataclasses import replace

import pytest

from chat.config import Settings
from tests.conftest import ALICE, assert_error
from tests.sockets import running

pytestmark = pytest.mark.anyio
CONFIG = "/api/v1/chat/public/config"
UPLOAD = "/api/v1/chat/public/attachments"


@pytest.fixture
def strict(settings: Settings) -> Settings:
    """Limits far from the defaults, so that a value a client hard-coded would not match."""
    limits = replace(settings.limits, content_max=50, attachment_max_bytes=2048)
    return replace(settings, limits=limits)


async def test_the_public_config_states_the_limits_the_server_holds_a_customer_to(
    strict: Settings,
) -> None:
    async with running(strict) as server:
        answer = await server.http.get(CONFIG, headers={"Origin": "https://shop.example"})
        assert answer.status_code == 200, answer.text
        assert answer.headers["access-control-allow-origin"] == "*"  # the widget is elsewhere
        assert answer.headers["cache-control"] == "no-store"
        body = answer.json()
        widget = {"title", "greeting", "accent", "position", "ask_details", "locale", "greetings"}
        assert set(body) == {"limits", "agents_available", "open_now", "next_open", *widget}
        assert body["accent"] == "#2563eb" and body["position"] == "right"  # the defaults
        limits = body["limits"]
        assert set(limits) == {"content_max", "attachment_max_bytes", "attachment_types"}
        assert limits["content_max"] == 50
        assert limits["attachment_max_bytes"] == 2048
        assert {".png", ".jpg", ".pdf", ".txt", ".docx", ".xlsx"} <= set(limits["attachment_types"])
        assert not {".svg", ".html", ".exe", ".zip"} & set(limits["attachment_types"])
        assert body["agents_available"] is False  # nobody is online yet

        # What it says is what it does: the stated maxima pass, one more is refused.
        key = (await server.start())["session_key"]
        for content, status in (("x" * 50, 201), ("x" * 51, 422)):
            body = {"session_key": key, "content": content}
            sent = await server.http.post("/api/v1/chat/public/message", json=body)
            assert sent.status_code == status, sent.text
        for size, status in ((2048, 201), (2049, 413)):
            files = {"file": ("notes.txt", b"a" * size, "text/plain")}
            sent = await server.http.post(UPLOAD, data={"session_key": key}, files=files)
            assert sent.status_code == status, sent.text
        refused = await server.http.post(
            UPLOAD, data={"session_key": key}, files={"file": ("x.svg", b"<svg/>", "image/svg")}
        )
        assert_error(refused, 422, "invalid_request")


async def test_the_public_config_says_when_an_agent_is_available(settings: Settings) -> None:
    async with running(settings) as server:
        assert (await server.http.get(CONFIG)).json()["agents_available"] is False
        alice = await server.agent_socket(await server.login(ALICE))
        await alice.next("connection.ready")
        assert (await server.http.get(CONFIG)).json()["agents_available"] is True
        await alice.close()


async def test_connection_ready_carries_the_same_limits_on_both_sockets(strict: Settings) -> None:
    async with running(strict) as server:
        stated = (await server.http.get(CONFIG)).json()["limits"]
        assert stated["content_max"] == 50
        customer = await server.customer_socket((await server.start())["session_key"])
        agent = await server.agent_socket(await server.login(ALICE))
        for sock in (customer, agent):
            ready = await sock.next("connection.ready")
            assert ready["data"]["limits"] == stated
            await sock.close()
