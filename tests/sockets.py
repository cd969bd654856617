"""Real WebSocket clients and an in-process uvicorn server on 127.0.0.1 for socket tests."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

import httpx
import uvicorn
from starlette.applications import Starlette
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from chat.application import create_app
from chat.config import Settings
from chat.transport import uvicorn_ws
from tests.conftest import PASSWORD, free_port


class Server:
    """The app under a real uvicorn on 127.0.0.1, in this test's event loop."""

    def __init__(self, app: Starlette, port: int) -> None:
        self.app = app
        self.port = port
        self.url = f"http://127.0.0.1:{port}"
        self.ws_url = f"ws://127.0.0.1:{port}"
        self.http = httpx.AsyncClient(base_url=self.url, timeout=10)

    async def login(self, email: str) -> str:
        answer = await self.http.post(
            "/api/v1/auth/login", json={"email": email, "password": PASSWORD}
        )
        assert answer.status_code == 200, answer.text
        return answer.json()["token"]

    async def start(self, **body: Any) -> dict[str, Any]:
        answer = await self.http.post("/api/v1/chat/public/start", json=body)
        assert answer.status_code == 201, answer.text
        return answer.json()

    async def say(self, key: str, content: str, client_id: str | None = None) -> dict[str, Any]:
        body = {"session_key": key, "content": content}
        if client_id:
            body["client_id"] = client_id
        answer = await self.http.post("/api/v1/chat/public/message", json=body)
        assert answer.status_code in (200, 201), answer.text
        return answer.json()["message"]

    async def agent_socket(self, token: str, last_event_id: int | str | None = None) -> Socket:
        query = "" if last_event_id is None else f"?last_event_id={last_event_id}"
        ws = await connect(
            f"{self.ws_url}/ws{query}",
            additional_headers={"Authorization": f"Bearer {token}"},
            max_queue=None,
        )
        return Socket(ws)

    async def customer_socket(self, key: str, last_event_id: int | str | None = None) -> Socket:
        query = "" if last_event_id is None else f"?last_event_id={last_event_id}"
        return Socket(await connect(f"{self.ws_url}/ws/public/{key}{query}", max_queue=None))


@asynccontextmanager
async def running(settings: Settings) -> AsyncIterator[Server]:
    """Serve create_app(settings) with uvicorn as `python app.py` does, until the block ends."""
    port = free_port()
    app = create_app(settings)
    config = uvicorn.Config(
        app,
        host="127.0.0.1",
        port=port,
        log_level="warning",
        ws=uvicorn_ws(settings.ws_impl),
        ws_max_size=settings.limits.frame_max_bytes,
        ws_per_message_deflate=settings.ws_deflate,  # as app.py: off unless asked for
        lifespan="on",
    )
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    while not server.started:
        if task.done():
            task.result()
        await asyncio.sleep(0.01)
    wrapper = Server(app, port)
    try:
        yield wrapper
    finally:
        await wrapper.http.aclose()
        server.should_exit = True
        await asyncio.wait_for(task, 15)


class Socket:
    """A client socket that reads frames as JSON and remembers the newest event_id.

    Opened with no limit on the frames it holds unread (max_queue=None): with the library's
    default of 16, a socket closed with more unread frames than that stops reading, never sees
    the server's close frame, and its close waits the full 10 s close timeout."""

    def __init__(self, ws: ClientConnection) -> None:
        self.ws = ws
        self.last_event_id: int | None = None

    async def recv(self, timeout: float = 5) -> dict[str, Any]:
        frame = json.loads(await asyncio.wait_for(self.ws.recv(), timeout))
        if frame.get("event_id") is not None:
            self.last_event_id = frame["event_id"]
        return frame

    async def next(self, type_: str, timeout: float = 5) -> dict[str, Any]:
        """The next frame of this type, skipping others."""
        while True:
            frame = await self.recv(timeout)
            if frame["type"] == type_:
                return frame

    async def until(self, done: Callable[[dict[str, Any]], bool], timeout: float = 5) -> list[dict]:
        """Every frame up to and including the first for which `done` is true."""
        frames = []
        while True:
            frame = await self.recv(timeout)
            frames.append(frame)
            if done(frame):
                return frames

    async def quiet(self, within: float = 0.3) -> list[dict[str, Any]]:
        """Whatever arrives within `within` seconds (ideally nothing)."""
        frames = []
        try:
            while True:
                frames.append(await self.recv(within))
        except TimeoutError:
            return frames

    async def send(self, type_: str, **data: Any) -> None:
        await self.ws.send(json.dumps({"type": type_, "data": data}))

    async def closed_with(self, timeout: float = 5) -> int | None:
        """Read until the server closes; return its close code."""
        try:
            while True:
                await asyncio.wait_for(self.ws.recv(), timeout)
        except ConnectionClosed as closed:
            return closed.rcvd.code if closed.rcvd else None

    async def close(self) -> None:
        await self.ws.close()
