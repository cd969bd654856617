"""Load-generator plumbing: sign in, start conversations, open sockets, pick frames apart fast."""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
from websockets.asyncio.client import ClientConnection, connect

CLIENT_ID = re.compile(r'"client_id":"([^"]+)"')
TYPE = re.compile(r'^\{"type":"([^"]+)"')
PASSWORD = "Password123!"
AGENT = "agent1@callcenter.com"


def frame_type(raw: str | bytes) -> str:
    text = raw if isinstance(raw, str) else raw.decode()
    found = TYPE.match(text)
    return found.group(1) if found else json.loads(text)["type"]


def client_id_of(raw: str | bytes) -> str | None:
    text = raw if isinstance(raw, str) else raw.decode()
    found = CLIENT_ID.search(text)
    return found.group(1) if found else None


async def login(http: httpx.AsyncClient) -> str:
    answer = await http.post("/api/v1/auth/login", json={"email": AGENT, "password": PASSWORD})
    answer.raise_for_status()
    return answer.json()["token"]


async def start_sessions(http: httpx.AsyncClient, count: int, parallel: int = 16) -> list[str]:
    keys: list[str] = []

    async def worker(n: int) -> None:
        for _ in range(n):
            answer = await http.post("/api/v1/chat/public/start", json={"name": "Load"})
            answer.raise_for_status()
            keys.append(answer.json()["session_key"])

    share = [count // parallel + (1 if i < count % parallel else 0) for i in range(parallel)]
    await asyncio.gather(*(worker(n) for n in share))
    return keys


async def open_socket(url: str, headers: dict[str, str] | None = None) -> ClientConnection:
    """A socket past its connection.ready frame."""
    ws = await connect(
        url,
        additional_headers=headers,
        max_queue=None,
        compression=None,
        ping_interval=None,
        open_timeout=30,
    )
    first = await ws.recv()
    if frame_type(first) != "connection.ready":
        raise RuntimeError(f"expected connection.ready, got {first[:80]!r}")
    return ws


async def open_many(
    urls: list[str],
    headers: dict[str, str] | None = None,
    parallel: int = 64,
    opener: Callable[[str, dict[str, str] | None], Awaitable[Any]] = open_socket,
) -> list[Any]:
    """Sockets to `urls`, each past its connection.ready frame, opened `parallel` at a time
    with `opener` (websockets' client; bench.rawws.open_ready for the lean one)."""
    opened: list[Any] = [None] * len(urls)
    queue: asyncio.Queue[int] = asyncio.Queue()
    for index in range(len(urls)):
        queue.put_nowait(index)

    async def worker() -> None:
        while not queue.empty():
            index = queue.get_nowait()
            opened[index] = await opener(urls[index], headers)

    await asyncio.gather(*(worker() for _ in range(parallel)))
    return opened


async def agents_and_keys(
    base_url: str,
    ws_url: str,
    agents: int,
    customers: int,
    opener: Callable[[str, dict[str, str] | None], Awaitable[Any]] = open_socket,
) -> tuple[list[Any], list[str]]:
    """`agents` sockets of the demo agent (opened with `opener`), and the session keys of
    `customers` new conversations."""
    async with httpx.AsyncClient(base_url=base_url, timeout=60) as http:
        token = await login(http)
        keys = await start_sessions(http, customers)
    headers = {"Authorization": f"Bearer {token}"}
    agent_ws = await open_many([f"{ws_url}/ws"] * agents, headers, opener=opener)
    return agent_ws, keys


def send_frame(content: str, client_id: str, **extra: Any) -> str:
    return json.dumps(
        {"type": "chat.message.send", "data": {"content": content, "client_id": client_id, **extra}}
    )
