"""Access and error logs never hold a session key or a token."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from websockets.asyncio.client import connect

from chat.auth import new_secret
from tests.conftest import ALICE, PASSWORD, LiveServer, assert_log_holds_no_secrets

pytestmark = pytest.mark.anyio


async def test_the_server_log_never_shows_keys_or_tokens(live_server: LiveServer) -> None:
    async with httpx.AsyncClient(base_url=live_server.url) as http:
        token = (
            await http.post("/api/v1/auth/login", json={"email": ALICE, "password": PASSWORD})
        ).json()["token"]
        key = (await http.post("/api/v1/chat/public/start", json={})).json()["session_key"]
        assert (await http.get(f"/api/v1/chat/public/session/{key}")).status_code == 200
        await http.get(f"/api/v1/chat/public/session/{key}x")  # a 404 is logged too
        await http.get(f"/api/v1/chat/sessions?token={token}")
    async with connect(f"{live_server.ws_url}/ws/public/{key}?last_event_id=0") as ws:
        await ws.recv()
    async with connect(
        f"{live_server.ws_url}/ws", additional_headers={"Authorization": f"Bearer {token}"}
    ) as ws:
        await ws.recv()
    live_server.stop()
    log = live_server.log.read_text()
    assert "/public/session/[redacted]" in log, "requests with a key are logged, redacted"
    assert "/ws/public/[redacted]" in log
    assert key not in log
    assert token not in log
    assert PASSWORD not in log


def test_the_log_check_catches_a_leaked_key(tmp_path: Path) -> None:
    """The check every live server's log gets at the end of its test can fail."""
    log = tmp_path / "server.log"
    log.write_text('INFO: 127.0.0.1 - "GET /api/v1/chat/public/session/[redacted] HTTP/1.1" 200\n')
    assert_log_holds_no_secrets(log)
    log.write_text(f'INFO: 127.0.0.1 - "GET /x?k={new_secret()} HTTP/1.1" 200\n')
    with pytest.raises(AssertionError):
        assert_log_holds_no_secrets(log)
