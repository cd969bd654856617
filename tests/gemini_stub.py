"""The Gemini stand-in of tests/test_ai_gemini.py as a context manager, for other test modules."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

from tests.test_ai_gemini import FakeGemini, GeminiHandler, GeminiServer


@contextmanager
def gemini_stub() -> Iterator[FakeGemini]:
    """A server on 127.0.0.1 that speaks Gemini's REST API, for the block."""
    server = GeminiServer(("127.0.0.1", 0), GeminiHandler)
    server.fake = FakeGemini(url=f"http://127.0.0.1:{server.server_address[1]}")
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield server.fake
    finally:
        server.fake.released.set()
        server.shutdown()
        server.server_close()
        thread.join()
