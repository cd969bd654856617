"""The bare transport: the same uvicorn and Starlette stack doing only WebSocket fan-out.

No storage, no auth, no validation: the limit for this stack. It answers the same URLs and
frames as the app so the same load generator can drive it: `python bench/bare.py --port N`.
"""

from __future__ import annotations

import argparse
import itertools
import json
import secrets
import sys
from datetime import UTC, datetime

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route, WebSocketRoute
from starlette.websockets import WebSocket, WebSocketDisconnect

agents: set[WebSocket] = set()
ids = itertools.count(1)


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


async def login(request: Request) -> JSONResponse:
    return JSONResponse({"token": "bare", "agent": {"id": 1, "name": "Alice Agent"}})


async def start(request: Request) -> JSONResponse:
    return JSONResponse(
        {"session_key": secrets.token_urlsafe(32), "session": {}, "messages": []}, 201
    )


async def healthz(request: Request) -> JSONResponse:
    return JSONResponse({"status": "ok"})


async def agent_socket(ws: WebSocket) -> None:
    await ws.accept()
    await ws.send_text('{"type":"connection.ready","data":{},"event_id":null,"ts":null}')
    agents.add(ws)
    try:
        while True:
            await ws.receive_text()
    except WebSocketDisconnect:
        agents.discard(ws)


async def customer_socket(ws: WebSocket) -> None:
    await ws.accept()
    await ws.send_text('{"type":"connection.ready","data":{},"event_id":null,"ts":null}')
    try:
        while True:
            frame = json.loads(await ws.receive_text())
            data = frame["data"]
            event_id = next(ids)
            message = {
                "id": event_id,
                "session_id": 1,
                "seq": event_id,
                "sender_type": "customer",
                "sender_name": "Load",
                "agent_id": None,
                "content": data["content"],
                "client_id": data["client_id"],
                "created_at": _now(),
            }
            new = json.dumps(
                {
                    "type": "chat.message.new",
                    "data": {"message": message, "session": {"id": 1}},
                    "event_id": event_id,
                    "ts": _now(),
                }
            )
            for agent in list(agents):
                await agent.send_text(new)
            await ws.send_text(new)
            await ws.send_text(
                json.dumps(
                    {
                        "type": "chat.message.ack",
                        "data": {"client_id": data["client_id"], "message": message},
                        "event_id": None,
                        "ts": _now(),
                    }
                )
            )
    except WebSocketDisconnect:
        pass


app = Starlette(
    routes=[
        Route("/api/v1/auth/login", login, methods=["POST"]),
        Route("/api/v1/chat/public/start", start, methods=["POST"]),
        Route("/healthz", healthz),
        WebSocketRoute("/ws", agent_socket),
        WebSocketRoute("/ws/public/{key}", customer_socket),
    ]
)


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--database", help="ignored: the bare transport stores nothing")
    args = parser.parse_args(argv)
    uvicorn.run(
        app,
        host="127.0.0.1",
        port=args.port,
        ws="websockets-sansio",
        ws_per_message_deflate=False,
        log_level="warning",
    )


if __name__ == "__main__":
    main(sys.argv[1:])
