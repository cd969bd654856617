"""A lean WebSocket client for the load generator (issue #24): frames are cut out of the bytes
in `data_received` and handed on with the moment those bytes reached the process.

websockets' asyncio client, which the generator used before, costs the generator a parser step,
a queue and a task wake-up per frame: at the design load (50 agents, 200 messages/s, so 10,000
agent frames/s on one core) the generator spent more CPU per message than the server, and the
50 copies of one message were read one after the other, the last up to milliseconds after it
had arrived. That delay was counted as the server's. Here a frame costs a slice and a callback.

Only what the benchmark needs: the opening handshake (with extra headers), text frames, pings
answered with pongs, close. Frames from the server are never masked or fragmented by ours or
by the Node.js reference server; a fragmented frame is refused. The client's own frames are
masked, as RFC 6455 requires.
"""

from __future__ import annotations

import asyncio
import base64
import os
import time
from collections import deque
from collections.abc import Callable
from urllib.parse import urlsplit

from bench.client import frame_type

# (the moment the bytes arrived, perf_counter seconds; the frame's payload)
OnText = Callable[[float, bytes], None]


class HandshakeFailed(RuntimeError):
    pass


def _masked(opcode: int, payload: bytes) -> bytes:
    size = len(payload)
    if size < 126:
        head = bytes((0x80 | opcode, 0x80 | size))
    elif size < 1 << 16:
        head = bytes((0x80 | opcode, 0x80 | 126)) + size.to_bytes(2, "big")
    else:
        head = bytes((0x80 | opcode, 0x80 | 127)) + size.to_bytes(8, "big")
    key = os.urandom(4)
    mask = int.from_bytes((key * (size // 4 + 1))[:size], "big")
    body = (int.from_bytes(payload, "big") ^ mask).to_bytes(size, "big") if size else b""
    return head + key + body


class RawSocket(asyncio.Protocol):
    """One client socket. Text frames go to the callback given to `listen()`, else they wait
    for `recv()`."""

    def __init__(self, request: bytes) -> None:
        self._request = request
        self._buffer = bytearray()
        self._open = False
        self.opened: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self.transport: asyncio.Transport | None = None
        self.on_text: OnText | None = None
        self._waiting: deque[tuple[float, bytes]] = deque()
        self._waiter: asyncio.Future[None] | None = None
        self.closed = False

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]
        self.transport.write(self._request)  # type: ignore[union-attr]

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        if not self.opened.done():
            self.opened.set_exception(exc or HandshakeFailed("closed during the handshake"))
        self._wake()

    def data_received(self, data: bytes) -> None:
        now = time.perf_counter()
        buffer = self._buffer
        buffer += data
        if not self._open:
            end = buffer.find(b"\r\n\r\n")
            if end < 0:
                return
            head = bytes(buffer[:end])
            del buffer[: end + 4]
            if not head.startswith(b"HTTP/1.1 101"):
                self.opened.set_exception(HandshakeFailed(head.split(b"\r\n", 1)[0].decode()))
                self.transport.close()  # type: ignore[union-attr]
                return
            self._open = True
            self.opened.set_result(None)
        at, size = 0, len(buffer)
        while size - at >= 2:
            first, length = buffer[at], buffer[at + 1] & 0x7F
            start = at + 2
            if length == 126:
                if size - start < 2:
                    break
                length = int.from_bytes(buffer[start : start + 2], "big")
                start += 2
            elif length == 127:
                if size - start < 8:
                    break
                length = int.from_bytes(buffer[start : start + 8], "big")
                start += 8
            if size - start < length:
                break
            payload = bytes(buffer[start : start + length])
            at = start + length
            opcode = first & 0x0F
            if not first & 0x80 or opcode == 0:
                raise HandshakeFailed("a fragmented frame: not something the servers send")
            if opcode == 1:
                if self.on_text is not None:
                    self.on_text(now, payload)
                else:
                    self._waiting.append((now, payload))
                    self._wake()
            elif opcode == 9:
                self.transport.write(_masked(0xA, payload))  # type: ignore[union-attr]
            elif opcode == 8:
                self.close()
        del buffer[:at]

    def _wake(self) -> None:
        if self._waiter is not None and not self._waiter.done():
            self._waiter.set_result(None)

    async def recv(self) -> bytes:
        """The next text frame not taken by `on_text`."""
        while not self._waiting:
            if self.closed:
                raise ConnectionError("the socket closed")
            self._waiter = asyncio.get_running_loop().create_future()
            await self._waiter
        return self._waiting.popleft()[1]

    def listen(self, on_text: OnText) -> None:
        """Hand every text frame to `on_text` from now on, those waiting first."""
        while self._waiting:
            on_text(*self._waiting.popleft())
        self.on_text = on_text

    def send(self, text: str) -> None:
        if not self.closed:
            self.transport.write(_masked(0x1, text.encode()))  # type: ignore[union-attr]

    def close(self) -> None:
        if not self.closed and self.transport is not None:
            self.transport.write(_masked(0x8, (1000).to_bytes(2, "big")))
            self.transport.close()  # what was written is still sent first
            self.closed = True


async def connect(url: str, headers: dict[str, str] | None = None) -> RawSocket:
    """A socket to `url` (ws://host:port/path), open, its first frame not yet read."""
    parts = urlsplit(url)
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    lines = [
        f"GET {path or '/'} HTTP/1.1",
        f"Host: {parts.netloc}",
        "Upgrade: websocket",
        "Connection: Upgrade",
        f"Sec-WebSocket-Key: {base64.b64encode(os.urandom(16)).decode()}",
        "Sec-WebSocket-Version: 13",
        *(f"{name}: {value}" for name, value in (headers or {}).items()),
    ]
    request = ("\r\n".join(lines) + "\r\n\r\n").encode()
    loop = asyncio.get_running_loop()
    _, sock = await loop.create_connection(
        lambda: RawSocket(request), parts.hostname, parts.port or 80
    )
    await asyncio.wait_for(sock.opened, 30)
    return sock


async def open_ready(url: str, headers: dict[str, str] | None = None) -> RawSocket:
    """A socket past its connection.ready frame (as bench.client.open_socket)."""
    sock = await connect(url, headers)
    first = await sock.recv()
    if frame_type(first) != "connection.ready":
        raise RuntimeError(f"expected connection.ready, got {first[:80]!r}")
    return sock
