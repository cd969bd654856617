"""bench/rawws.py, the load generator's lean client, against a real websockets server: frames of
every length form arrive whole however the bytes are cut, pings are answered, sends arrive."""

from __future__ import annotations

import asyncio
import time
from typing import Any

from websockets.asyncio.server import ServerConnection, serve

from bench import rawws

SIZES = (0, 5, 125, 126, 300, 65_535, 65_536, 200_000)  # each length form and its edges


async def _server(received: list[str], pinged: list[float], headers: dict[str, str]) -> Any:
    async def handler(ws: ServerConnection) -> None:
        headers["Authorization"] = ws.request.headers["Authorization"]  # type: ignore[union-attr]
        await ws.send('{"type":"connection.ready"}')
        for size in SIZES:
            await ws.send("x" * size)
        pong = await ws.ping()
        pinged.append(await asyncio.wait_for(pong, 5))
        received.append(await ws.recv())  # type: ignore[arg-type]
        received.append(await ws.recv())  # type: ignore[arg-type]
        await ws.wait_closed()

    return await serve(handler, "127.0.0.1", 0, compression=None, max_size=None)


def test_frames_arrive_whole_pings_are_answered_and_sends_arrive() -> None:
    async def main() -> None:
        received: list[str] = []
        pinged: list[float] = []
        headers: dict[str, str] = {}
        server = await _server(received, pinged, headers)
        port = server.sockets[0].getsockname()[1]
        try:
            sock = await rawws.open_ready(
                f"ws://127.0.0.1:{port}/ws", {"Authorization": "Bearer t"}
            )
            got: list[tuple[float, bytes]] = []
            sock.listen(lambda now, payload: got.append((now, payload)))
            deadline = time.monotonic() + 10
            while len(got) < len(SIZES) and time.monotonic() < deadline:
                await asyncio.sleep(0.01)
            assert [len(payload) for _, payload in got] == list(SIZES)
            assert all(payload == b"x" * len(payload) for _, payload in got)
            assert all(now <= time.perf_counter() for now, _ in got)
            sock.send("héllo, server")  # masked: the server unmasks it
            sock.send("y" * 70_000)
            while len(received) < 2 and time.monotonic() < deadline:
                await asyncio.sleep(0.01)
            assert received == ["héllo, server", "y" * 70_000]
            assert len(pinged) == 1  # the ping's pong came back
            assert headers["Authorization"] == "Bearer t"
            sock.close()
        finally:
            server.close()
            await server.wait_closed()

    asyncio.run(main())


def test_a_refused_handshake_is_an_error_not_a_hang() -> None:
    async def main() -> None:
        async def handler(ws: ServerConnection) -> None:
            await ws.close()

        def refuse(connection: Any, request: Any) -> Any:
            return connection.respond(403, "no\n")

        server = await serve(handler, "127.0.0.1", 0, process_request=refuse)
        port = server.sockets[0].getsockname()[1]
        try:
            try:
                await rawws.connect(f"ws://127.0.0.1:{port}/ws")
            except rawws.HandshakeFailed as refused:
                assert "403" in str(refused)
            else:
                raise AssertionError("a 403 opened a socket")
        finally:
            server.close()
            await server.wait_closed()

    asyncio.run(main())
