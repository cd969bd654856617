"""Scenario 3, idle capacity: open customer sockets in steps; memory per socket, time to open."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import httpx

from bench.client import open_many, start_sessions
from bench.server import AppProcess

PER_SESSION = 10  # sockets per conversation: the default cap, as tabs of one customer


async def run(server: AppProcess, steps: list[int]) -> dict[str, Any]:
    async with httpx.AsyncClient(base_url=server.url, timeout=60) as http:
        keys = await start_sessions(http, max(steps) // PER_SESSION + 1)
    await asyncio.sleep(0.5)
    base = server.rss_kib()
    opened: list[Any] = []
    rows = []
    for target in steps:
        began = time.perf_counter()
        urls = [
            f"{server.ws_url}/ws/public/{keys[i // PER_SESSION]}"
            for i in range(len(opened), target)
        ]
        opened += await open_many(urls)
        seconds = time.perf_counter() - began
        await asyncio.sleep(1.0)  # let the server settle before reading its memory
        rss = server.rss_kib()
        rows.append(
            {
                "sockets": target,
                "open_seconds": seconds,
                "rss_mib": rss / 1024,
                "kib_per_socket": (rss - base) / target,
            }
        )
    await asyncio.gather(*(ws.close() for ws in opened), return_exceptions=True)
    return {"base_rss_mib": base / 1024, "steps": rows}
