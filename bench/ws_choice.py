"""Choose uvicorn's WebSocket implementation and per-message-deflate by measurement.

`python -m bench.ws_choice` opens idle customer sockets (memory per socket), then drives
messages to 50 agent sockets (server CPU per delivered frame), for each combination.
"""

from __future__ import annotations

import argparse
import asyncio
import json

import httpx
from websockets.asyncio.client import connect

from bench.server import app_server

IMPLS = ("websockets-sansio", "websockets", "wsproto")


async def _idle_rss(server, sockets: int) -> float:  # type: ignore[no-untyped-def]
    async with httpx.AsyncClient(base_url=server.url) as http:
        key = (await http.post("/api/v1/chat/public/start", json={})).json()["session_key"]
    base = server.rss_kib()
    opened = []
    for _ in range(sockets):
        ws = await connect(f"{server.ws_url}/ws/public/{key}", max_size=2**20)
        await ws.recv()
        opened.append(ws)
    await asyncio.sleep(0.5)
    per_socket = (server.rss_kib() - base) / sockets
    await asyncio.gather(*(ws.close() for ws in opened))
    return per_socket


async def _cpu_per_frame(server, messages: int, agents: int) -> float:  # type: ignore[no-untyped-def]
    async with httpx.AsyncClient(base_url=server.url) as http:
        login = await http.post(
            "/api/v1/auth/login",
            json={"email": "agent1@callcenter.com", "password": "Password123!"},
        )
        token = login.json()["token"]
        key = (await http.post("/api/v1/chat/public/start", json={})).json()["session_key"]
    headers = {"Authorization": f"Bearer {token}"}
    readers = [
        await connect(f"{server.ws_url}/ws", additional_headers=headers) for _ in range(agents)
    ]
    customer = await connect(f"{server.ws_url}/ws/public/{key}")
    for ws in (*readers, customer):
        await ws.recv()

    async def drain(ws) -> None:  # type: ignore[no-untyped-def]
        seen = 0
        while seen < messages:
            if json.loads(await ws.recv())["type"] == "chat.message.new":
                seen += 1

    drains = [asyncio.create_task(drain(ws)) for ws in readers]
    cpu = server.cpu_seconds()
    text = "Hello, I have a question about my order and the delivery time. " * 3
    for n in range(messages):
        frame = {"type": "chat.message.send", "data": {"content": text, "client_id": f"m{n}"}}
        await customer.send(json.dumps(frame))
        while (answer := json.loads(await customer.recv()))["type"] != "chat.message.ack":
            if answer["type"] == "error":
                raise RuntimeError(f"the server refused a send: {answer['data']}")
    await asyncio.gather(*drains)
    used = server.cpu_seconds() - cpu
    for ws in (*readers, customer):
        await ws.close()
    return used / (messages * (agents + 1)) * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sockets", type=int, default=1000)
    parser.add_argument("--messages", type=int, default=500)
    args = parser.parse_args()
    print(f"{'implementation':<20} {'deflate':<8} {'KiB/idle socket':>16} {'µs CPU/frame':>13}")
    for impl in IMPLS:
        for deflate in (False, True):
            flags = [
                "--no-ai",
                "--ws",
                impl,
                "--ws-per-message-deflate" if deflate else "--no-ws-per-message-deflate",
            ]
            env = {"SWITCHBOARD_SOCKETS_PER_SESSION": str(args.sockets + 10)}
            with app_server(*flags, env=env, cpu=0) as server:
                rss = asyncio.run(_idle_rss(server, args.sockets))
                cpu = asyncio.run(_cpu_per_frame(server, args.messages, 50))
            print(f"{impl:<20} {str(deflate):<8} {rss:>16.1f} {cpu:>13.1f}", flush=True)


if __name__ == "__main__":
    main()
