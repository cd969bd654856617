"""uvicorn's sans-I/O WebSocket protocol with a direct write path for the hub (issue #24).

`python app.py --ws direct` (the default) serves sockets with `DirectProtocol`: uvicorn's own
`websockets-sansio` protocol, unchanged for the handshake, keepalive pings, reading and
closing, which also offers the application `scope["extensions"]["switchboard.direct"]`, an
object with which a socket's Subscriber writes a ready text frame straight to the transport:

- no sender task per socket, no ASGI message dict, no Starlette or uvicorn checks per frame;
- each frame's bytes (header and payload: frames from a server are not masked) are made once
  per delivery, however many sockets it goes to (`wire`);
- when the peer stops reading and the transport's buffer passes its high-water mark, the
  Subscriber queues (bounded, as before) and `on_writable` drains it once the buffer empties.

A socket that negotiated compression (`--ws-per-message-deflate`) is not offered the direct
path, so that every frame it gets is compressed as asked. Under any other server the
extension is absent and sockets send through ASGI as before.

The receive queue and the flow-control flag of uvicorn's protocol are replaced with leaner
equivalents (a list and a waiter): an asyncio.Queue and an asyncio.Event hold four deques
between them, about 3.5 KiB on every idle socket.
"""

from __future__ import annotations

import asyncio
import struct
from collections.abc import Callable
from typing import Any

from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol
from websockets.protocol import State

EXTENSION = "switchboard.direct"
# --ws names for uvicorn: "direct" is ours; the others are uvicorn's own.
PROTOCOLS = {"direct": "chat.transport:DirectProtocol"}
_OPEN = State.OPEN


class _WireCache:
    """Text frames' bytes, each made once however many sockets it goes to: the frames of a
    write batch reach every agent socket in the same order, one after the other, so the last
    few hundred strings are kept (a str keeps its hash, so a lookup of the same object is an
    identity check)."""

    __slots__ = ("made",)
    SIZE = 256

    def __init__(self) -> None:
        self.made: dict[str, bytes] = {}

    def __call__(self, text: str) -> bytes:
        data = self.made.get(text)
        if data is not None:
            return data
        payload = text.encode()
        size = len(payload)
        if size < 126:
            header = bytes((0x81, size))
        elif size < 65536:
            header = struct.pack("!BBH", 0x81, 126, size)
        else:
            header = struct.pack("!BBQ", 0x81, 127, size)
        if len(self.made) >= self.SIZE:
            self.made.clear()
        data = self.made[text] = header + payload
        return data


wire = _WireCache()


def uvicorn_ws(name: str) -> str:
    """What uvicorn's `ws` option takes for one of our --ws choices."""
    return PROTOCOLS.get(name, name)


class _Inbox:
    """What asyncio.Queue does for uvicorn's protocol (put_nowait, get, empty), in a list."""

    __slots__ = ("items", "waiter")

    def __init__(self) -> None:
        self.items: list[Any] = []
        self.waiter: asyncio.Future[None] | None = None

    def put_nowait(self, item: Any) -> None:
        self.items.append(item)
        if self.waiter is not None and not self.waiter.done():
            self.waiter.set_result(None)

    def empty(self) -> bool:
        return not self.items

    async def get(self) -> Any:
        while not self.items:
            self.waiter = asyncio.get_running_loop().create_future()
            try:
                await self.waiter
            finally:
                self.waiter = None
        return self.items.pop(0)


class _Flag:
    """What asyncio.Event does for uvicorn's flow control (set, clear, is_set, wait)."""

    __slots__ = ("value", "waiters")

    def __init__(self) -> None:
        self.value = True
        self.waiters: list[asyncio.Future[None]] | None = None

    def is_set(self) -> bool:
        return self.value

    def set(self) -> None:
        self.value = True
        waiters, self.waiters = self.waiters, None
        for waiter in waiters or ():
            if not waiter.done():
                waiter.set_result(None)

    def clear(self) -> None:
        self.value = False

    async def wait(self) -> bool:
        while not self.value:
            waiter = asyncio.get_running_loop().create_future()
            if self.waiters is None:
                self.waiters = []
            self.waiters.append(waiter)
            await waiter
        return True


class DirectProtocol(WebSocketsSansIOProtocol):
    """uvicorn's sans-I/O protocol plus the direct frame writer the hub uses (see above)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.queue = _Inbox()  # type: ignore[assignment]
        self.writable = _Flag()  # type: ignore[assignment]
        self.on_writable: Callable[[], None] | None = None

    @property
    def paused(self) -> bool:
        """The transport's buffer is full: queue until on_writable (uvicorn's own flag)."""
        return not self.writable.value  # type: ignore[attr-defined]

    async def run_asgi(self) -> None:
        if not self.conn.extensions:  # compressed sockets keep the ASGI path
            self.scope["extensions"][EXTENSION] = self
        self.request = None  # type: ignore[assignment]  # read into the scope already
        await super().run_asgi()

    async def send(self, message: Any) -> None:
        await super().send(message)
        if self.handshake_complete:
            self.response = None  # type: ignore[assignment]  # sent: its headers are 1.7 KiB

    def write(self, text: str) -> None:
        """Send one whole text frame now; dropped once the socket is closing."""
        if self.close_sent or self.disconnected or self.conn.state is not _OPEN:
            return
        self.transport.write(wire(text))

    def write_many(self, texts: list[str]) -> None:
        """Send whole text frames, in order, in one write (one `send()` system call)."""
        if self.close_sent or self.disconnected or self.conn.state is not _OPEN:
            return
        self.transport.write(b"".join([wire(text) for text in texts]))

    def interrupt(self) -> None:
        """End the application's wait for the next message, as if the peer had left: the
        socket's handler then closes it with the code it was kicked with."""
        self.queue.put_nowait({"type": "websocket.disconnect", "code": 1000})

    def resume_writing(self) -> None:
        super().resume_writing()
        if self.on_writable is not None:
            self.on_writable()

    def connection_lost(self, exc: Exception | None) -> None:
        super().connection_lost(exc)
        self.on_writable = None  # frees the Subscriber
