"""Scenario 5, the AI's first reply: a customer's send to the AI's answer on their socket."""

from __future__ import annotations

import time
from typing import Any

import httpx

from bench.client import client_id_of, frame_type, open_socket, send_frame
from bench.server import AppProcess
from bench.stats import summary

QUESTIONS = [
    "how much is the office plan?",
    "Do you ship to Canada?",
    "I forgot my password, how do I reset it?",
    "what are your opening hours?",
    "can I return an opened bag of coffee?",
]


async def run(server: AppProcess, conversations: int) -> dict[str, Any]:
    timings = []
    async with httpx.AsyncClient(base_url=server.url, timeout=60) as http:
        for n in range(conversations):
            key = (await http.post("/api/v1/chat/public/start", json={})).json()["session_key"]
            ws = await open_socket(f"{server.ws_url}/ws/public/{key}")
            began = time.perf_counter()
            await ws.send(send_frame(QUESTIONS[n % len(QUESTIONS)], f"q{n}"))
            while True:
                raw = await ws.recv()
                if frame_type(raw) == "chat.message.new" and '"sender_type":"ai"' in raw:
                    timings.append((time.perf_counter() - began) * 1000)
                    break
                if frame_type(raw) == "error":
                    raise RuntimeError(f"the server refused {client_id_of(raw)}")
            await ws.close()
    return {"conversations": conversations, "reply_ms": summary(timings)}
