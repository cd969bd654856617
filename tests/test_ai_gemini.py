"""The Gemini responder through the real SDK, against a stand-in Gemini REST API on 127.0.0.1."""

from __future__ import annotations

import json
import logging
import sys
import threading
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field, replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from chat.ai.gemini import GeminiResponder, build_responder
from chat.ai.knowledge import KnowledgeBase, KnowledgeResponder
from chat.ai.responder import Turn
from chat.config import Settings

pytest.importorskip("google.genai")

pytestmark = pytest.mark.anyio

KNOWLEDGE = Path(__file__).resolve().parent.parent / "data" / "knowledge"
KEY = "AIza-test-key-0123456789-never-log-me"
MODEL = "gemini-2.5-flash"
PATH = f"/v1beta/models/{MODEL}:generateContent"
TIMEOUT = 0.5


@dataclass
class FakeGemini:
    """What the stand-in server answers, and every request it was sent."""

    url: str = ""
    text: str = "Our Office plan is $99 a month for four 1 kg bags."
    status: int = 200
    body: bytes | None = None  # sent as is instead of a generateContent answer
    delay: float = 0.0
    requests: list[dict[str, Any]] = field(default_factory=list)
    released: threading.Event = field(default_factory=threading.Event)

    def answer(self) -> bytes:
        if self.body is not None:
            return self.body
        if self.status != 200:
            error = {"code": self.status, "message": "Internal error", "status": "INTERNAL"}
            return json.dumps({"error": error}).encode()
        candidate = {
            "content": {"parts": [{"text": self.text}], "role": "model"},
            "finishReason": "STOP",
            "index": 0,
        }
        usage = {"promptTokenCount": 100, "candidatesTokenCount": 12, "totalTokenCount": 112}
        return json.dumps(
            {"candidates": [candidate], "usageMetadata": usage, "modelVersion": MODEL}
        ).encode()


class GeminiHandler(BaseHTTPRequestHandler):
    server: GeminiServer

    def do_POST(self) -> None:
        fake = self.server.fake
        raw = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        fake.requests.append(
            {"path": self.path, "headers": dict(self.headers), "json": json.loads(raw)}
        )
        if fake.delay:
            fake.released.wait(fake.delay)
        body = fake.answer()
        try:
            self.send_response(fake.status)
            self.send_header("Content-Type", "application/json; charset=UTF-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):  # the client gave up waiting
            pass

    def log_message(self, format: str, *args: Any) -> None:
        pass


class GeminiServer(ThreadingHTTPServer):
    fake: FakeGemini


@pytest.fixture
def gemini() -> Iterator[FakeGemini]:
    server = GeminiServer(("127.0.0.1", 0), GeminiHandler)
    server.fake = FakeGemini(url=f"http://127.0.0.1:{server.server_address[1]}")
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield server.fake
    server.fake.released.set()
    server.shutdown()
    server.server_close()
    thread.join()


@pytest.fixture(scope="module")
def kb() -> KnowledgeBase:
    return KnowledgeBase(KNOWLEDGE)


@pytest.fixture
async def responder(gemini: FakeGemini, kb: KnowledgeBase) -> AsyncIterator[GeminiResponder]:
    responder = GeminiResponder(
        KEY, MODEL, kb, timeout=TIMEOUT, fallback=KnowledgeResponder(kb), base_url=gemini.url
    )
    yield responder
    await responder.aclose()


HISTORY = [
    Turn("ai", "Hi! I'm Northwind Coffee's virtual assistant."),
    Turn("customer", "hello"),
    Turn("ai", "Hi! What can I help you with today?"),
    Turn("system", "A visitor opened the chat."),
    Turn("customer", "how much is the office plan?"),
    Turn("customer", "the monthly price I mean"),
]


def texts(content: dict[str, Any]) -> str:
    return "".join(part["text"] for part in content["parts"])


async def test_asks_gemini_with_the_history_and_the_passages(
    responder: GeminiResponder, gemini: FakeGemini
) -> None:
    reply = await responder.reply(HISTORY)

    assert reply.text == gemini.text
    assert reply.answered
    assert reply.source == "pricing"
    [request] = gemini.requests
    assert request["path"] == PATH
    assert request["headers"]["x-goog-api-key"] == KEY
    body = request["json"]
    # The opening greeting and the system notice are not sent; the burst is one user turn.
    assert [(c["role"], texts(c)) for c in body["contents"]] == [
        ("user", "hello"),
        ("model", "Hi! What can I help you with today?"),
        ("user", "how much is the office plan?\n\nthe monthly price I mean"),
    ]
    instruction = texts(body["systemInstruction"])
    assert "Northwind Coffee Co." in instruction
    assert "only from the help-centre passages" in instruction
    assert "[HANDOFF]" in instruction
    assert "Office: $99 a month for four 1 kg bags." in instruction  # the grounding passage
    assert body["generationConfig"]["temperature"] == 0.3
    assert body["generationConfig"]["maxOutputTokens"] > 0


async def test_handoff_marker_is_an_honest_unanswered_reply(
    responder: GeminiResponder, gemini: FakeGemini
) -> None:
    gemini.text = "[HANDOFF]"
    reply = await responder.reply([Turn("customer", "how tall is mount everest?")])
    assert not reply.answered
    assert reply.source is None
    assert "talk to a person" in reply.text
    instruction = texts(gemini.requests[0]["json"]["systemInstruction"])
    assert "(no passage matches this message)" in instruction


async def test_a_slow_gemini_falls_back_to_the_knowledge_base_within_the_timeout(
    responder: GeminiResponder, gemini: FakeGemini, kb: KnowledgeBase
) -> None:
    gemini.delay = 10
    started = time.monotonic()
    reply = await responder.reply(HISTORY)
    elapsed = time.monotonic() - started

    assert TIMEOUT <= elapsed < TIMEOUT + 0.5
    assert len(gemini.requests) == 1  # it was asked, and did not answer in time
    assert reply == await KnowledgeResponder(kb).reply(HISTORY)
    assert reply.source == "pricing" and "$99" in reply.text


@pytest.mark.parametrize(
    ("status", "body"),
    [
        (500, None),
        (503, b"<html>Service Unavailable</html>"),
        (200, b"this is not json"),
        (200, b'{"candidates": []}'),
        (200, b'{"candidates": [{"content": {"parts": []}, "finishReason": "SAFETY"}]}'),
        (200, b"[1, 2, 3]"),
    ],
    ids=["500", "503-html", "not-json", "no-candidates", "no-text", "wrong-shape"],
)
async def test_an_error_or_garbage_answer_falls_back_to_the_knowledge_base(
    responder: GeminiResponder, gemini: FakeGemini, kb: KnowledgeBase, status: int, body: bytes
) -> None:
    gemini.status, gemini.body = status, body
    question = [Turn("customer", "do gift cards expire?")]
    reply = await responder.reply(question)
    assert reply == await KnowledgeResponder(kb).reply(question)
    assert reply.answered and reply.source == "gift-cards"
    assert len(gemini.requests) == 1  # no retries that would blow the deadline


async def test_the_api_key_never_reaches_the_logs(
    responder: GeminiResponder, gemini: FakeGemini, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    # A server that echoes the key back in its error, as a real proxy might.
    gemini.status = 400
    error = {"code": 400, "message": f"API key not valid: {KEY}", "status": "INVALID_ARGUMENT"}
    gemini.body = json.dumps({"error": error}).encode()
    await responder.reply(HISTORY)
    gemini.status, gemini.body, gemini.delay = 200, None, 10
    await responder.reply(HISTORY)

    assert gemini.requests[0]["headers"]["x-goog-api-key"] == KEY  # sent where it belongs
    warnings = [r for r in caplog.records if r.name == "chat.ai.gemini"]
    assert [r.levelno for r in warnings] == [logging.WARNING, logging.WARNING]
    assert "ClientError" in warnings[0].getMessage()
    assert "[redacted]" in warnings[0].getMessage()
    assert "TimeoutError" in warnings[1].getMessage()
    assert KEY not in caplog.text
    assert all(KEY not in record.getMessage() for record in caplog.records)


async def test_build_responder_picks_gemini_only_with_a_key(
    settings: Settings, kb: KnowledgeBase, gemini: FakeGemini
) -> None:
    assert isinstance(build_responder(settings, kb), KnowledgeResponder)

    keyed = replace(settings, gemini_api_key=KEY, gemini_base_url=gemini.url, ai_timeout=TIMEOUT)
    responder = build_responder(keyed, kb)
    assert isinstance(responder, GeminiResponder)
    try:
        reply = await responder.reply([Turn("customer", "how much is the office plan?")])
    finally:
        await responder.aclose()
    assert reply.text == gemini.text
    assert gemini.requests[0]["path"] == PATH


def test_build_responder_without_the_sdk_uses_the_knowledge_base(
    settings: Settings, kb: KnowledgeBase, monkeypatch: pytest.MonkeyPatch
) -> None:
    google = sys.modules["google"]
    monkeypatch.delattr(google, "genai")
    monkeypatch.setitem(sys.modules, "google.genai", None)  # makes the import fail
    responder = build_responder(replace(settings, gemini_api_key=KEY), kb)
    assert isinstance(responder, KnowledgeResponder)
