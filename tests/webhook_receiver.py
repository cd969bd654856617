"""A webhook receiver for the tests: a real HTTP server (uvicorn) on 127.0.0.1 that keeps what
it was sent, answers the statuses a test queues (204 when none is queued), can hold every
request until the test releases it, and checks each signature two ways: by hand, exactly as
the README says, and with the reference library `standardwebhooks`."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import uvicorn
from standardwebhooks import Webhook as Verifier

from tests.conftest import free_port


@dataclass
class Received:
    id: str
    timestamp: str
    signature: str
    body: bytes
    headers: dict[str, str]

    @property
    def json(self) -> dict[str, Any]:
        return json.loads(self.body)

    @property
    def type(self) -> str:
        return self.json["type"]


def signed_by_hand(secret: str, got: Received) -> bool:
    """The README's recipe: HMAC-SHA256 of "id.timestamp.body" with the secret's bytes."""
    key = base64.b64decode(secret.removeprefix("whsec_"))
    signed = f"{got.id}.{got.timestamp}.".encode() + got.body
    expected = base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()
    return any(
        part.startswith("v1,") and hmac.compare_digest(part[3:], expected)
        for part in got.signature.split()
    )


class Receiver:
    """Serve on `port` (a free one by default) until stop(); start() again on the same port."""

    def __init__(self, port: int | None = None) -> None:
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}/hook"
        self.received: list[Received] = []
        self.statuses: list[int] = []  # answered in order; then 204
        self.held: asyncio.Event | None = None  # set(): held requests go on
        self.waiting = 0  # requests being held right now
        self.most_waiting = 0  # the most ever held at once
        self.secrets: list[str] = []  # each request must verify with one of these
        self.bad: list[str] = []  # why a request failed verification
        self._server: uvicorn.Server | None = None
        self._task: asyncio.Task[None] | None = None

    async def __call__(self, scope: dict, receive: Callable, send: Callable) -> None:
        assert scope["type"] == "http"
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        headers = {k.decode().lower(): v.decode() for k, v in scope["headers"]}
        got = Received(
            headers.get("webhook-id", ""),
            headers.get("webhook-timestamp", ""),
            headers.get("webhook-signature", ""),
            body,
            headers,
        )
        self._verify(got)
        if self.held is not None:
            self.waiting += 1
            self.most_waiting = max(self.most_waiting, self.waiting)
            await self.held.wait()
            self.waiting -= 1
        status = self.statuses.pop(0) if self.statuses else 204
        self.received.append(got)
        await send({"type": "http.response.start", "status": status, "headers": []})
        await send({"type": "http.response.body", "body": b""})

    def _verify(self, got: Received) -> None:
        for secret in self.secrets:
            if signed_by_hand(secret, got):
                try:
                    Verifier(secret).verify(got.body, got.headers)
                except Exception as error:  # noqa: BLE001 - recorded, asserted by the test
                    self.bad.append(f"standardwebhooks refused {got.id}: {error}")
                return
        self.bad.append(f"no secret signs {got.id}")

    def of_type(self, kind: str) -> list[Received]:
        return [r for r in self.received if r.type == kind]

    async def start(self) -> None:
        config = uvicorn.Config(
            self, host="127.0.0.1", port=self.port, log_level="warning", lifespan="off"
        )
        self._server = uvicorn.Server(config)
        self._task = asyncio.create_task(self._server.serve())
        while not self._server.started:
            if self._task.done():
                self._task.result()
            await asyncio.sleep(0.01)

    async def stop(self) -> None:
        if self.held is not None:
            self.held.set()
        if self._server is not None and self._task is not None:
            self._server.should_exit = True
            await asyncio.wait_for(self._task, 15)
            self._server = self._task = None


async def eventually(check: Callable[[], Any], timeout: float = 20.0) -> Any:
    """Wait until `check()` is truthy (polling); its value. Fails the test after `timeout`."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        value = check()
        if value:
            return value
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError("still not so after the wait")
        await asyncio.sleep(0.05)
