"""The Gemini responder: answers grounded in the knowledge base, and falls back to it."""

from __future__ import annotations

import asyncio
import logging
import math
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from chat.ai.knowledge import KnowledgeBase, KnowledgeResponder, Passage
from chat.ai.responder import (
    CUSTOMER,
    NOT_SURE,
    Reply,
    Responder,
    Turn,
    latest_question,
    search_text,
)

if TYPE_CHECKING:
    from chat.config import Settings

log = logging.getLogger(__name__)

HANDOFF = "[HANDOFF]"
API_VERSION = "v1beta"  # pinned: the SDK's default has moved between releases
MAX_TURNS = 20  # of history sent: enough for context, bounded in cost
MAX_OUTPUT_TOKENS = 512
ROLES = {CUSTOMER: "user", "ai": "model", "agent": "model"}  # system notices are not sent

INSTRUCTION = """\
You are the virtual assistant of Northwind Coffee Co., chatting with a customer on its website.

- Be friendly, warm and concise: a few short sentences, or a short list when steps help.
  Plain text, no Markdown headings.
- Answer only from the help-centre passages below. Do not guess and do not use outside
  knowledge, even for general questions that have nothing to do with Northwind Coffee.
- You may answer a greeting or a thank-you briefly without the passages.
- If the passages do not answer the customer's latest message, reply with exactly {handoff}
  and nothing else.

Help-centre passages for the customer's latest message:

{passages}"""


def grounding(passages: Sequence[Passage]) -> str:
    if not passages:
        return "(no passage matches this message)"
    return "\n\n".join(
        f"[{n}] {p.title} — {p.heading} (article: {p.slug})\n{p.text}"
        for n, p in enumerate(passages, 1)
    )


def conversation(history: Sequence[Turn]) -> list[tuple[str, str]]:
    """(role, text) pairs for Gemini: roles alternate, and the first one is the customer's."""
    pairs: list[tuple[str, str]] = []
    for turn in history[-MAX_TURNS:]:
        role = ROLES.get(turn.sender_type)
        text = turn.content.strip()
        if role is None or not text or (role == "model" and not pairs):
            continue
        if pairs and pairs[-1][0] == role:
            pairs[-1] = (role, pairs[-1][1] + "\n\n" + text)
        else:
            pairs.append((role, text))
    return pairs


class GeminiResponder:
    """Asks Gemini, grounded in the top passages; any failure or timeout asks the fallback."""

    def __init__(
        self,
        api_key: str,
        model: str,
        kb: KnowledgeBase,
        timeout: float = 8.0,
        fallback: Responder | None = None,
        base_url: str | None = None,
    ) -> None:
        from google import genai  # an optional extra: imported only when Gemini is configured
        from google.genai import types

        self._types = types
        self._secret = api_key
        self.model = model
        self.kb = kb
        self.timeout = timeout
        self.fallback = fallback if fallback is not None else KnowledgeResponder(kb)
        options = types.HttpOptions(
            api_version=API_VERSION,
            # Our own deadline (asyncio.wait_for) comes first; this one only frees the socket.
            timeout=math.ceil((timeout + 1) * 1000),
            retry_options=types.HttpRetryOptions(attempts=1),  # a retry would miss the deadline
        )
        if base_url:
            options.base_url = base_url
        self._client = genai.Client(api_key=api_key, http_options=options)

    async def reply(self, history: Sequence[Turn]) -> Reply:
        try:
            return await asyncio.wait_for(self._ask(history), self.timeout)
        except Exception as exc:  # whatever went wrong, the customer still gets an answer
            log.warning(
                "Gemini failed (%s: %s); answering from the knowledge base",
                type(exc).__name__,
                self._redacted(exc),
            )
            return await self.fallback.reply(history)

    async def ask_once(self, question: str) -> str:
        """One question straight to Gemini, with no grounding and no fallback (the admin
        page's Test button): its answer, or the exception of whatever went wrong."""
        response = await asyncio.wait_for(
            self._client.aio.models.generate_content(model=self.model, contents=question),
            self.timeout,
        )
        text = (response.text or "").strip()
        if not text:
            raise ValueError(f"empty answer (finish reason {self._finish_reason(response)})")
        return text

    async def aclose(self) -> None:
        await self._client.aio.aclose()
        self._client.close()

    async def _ask(self, history: Sequence[Turn]) -> Reply:
        types = self._types
        passages = self.kb.search(search_text(latest_question(history)), limit=3)
        contents = [
            types.Content(role=role, parts=[types.Part(text=text)])
            for role, text in conversation(history)
        ]
        if not contents or contents[-1].role != "user":
            raise ValueError("no customer message to answer")
        response = await self._client.aio.models.generate_content(
            model=self.model, contents=contents, config=self._config(passages)
        )
        text = (response.text or "").strip()
        if not text:
            raise ValueError(f"empty answer (finish reason {self._finish_reason(response)})")
        if HANDOFF in text or text.strip("[]. ").upper() == HANDOFF.strip("[]"):
            return Reply(NOT_SURE, answered=False)
        return Reply(text, answered=True, source=passages[0].slug if passages else None)

    def _config(self, passages: Sequence[Passage]) -> Any:
        types = self._types
        thinking = None
        if self.model.startswith("gemini-2.5-flash"):
            # Thinking tokens count against max_output_tokens and cost seconds; a support
            # answer read from three passages needs none.
            thinking = types.ThinkingConfig(thinking_budget=0)
        return types.GenerateContentConfig(
            system_instruction=INSTRUCTION.format(handoff=HANDOFF, passages=grounding(passages)),
            temperature=0.3,
            max_output_tokens=MAX_OUTPUT_TOKENS,
            thinking_config=thinking,
        )

    @staticmethod
    def _finish_reason(response: Any) -> str:
        candidates = getattr(response, "candidates", None) or []
        return str(getattr(candidates[0], "finish_reason", None)) if candidates else "none"

    def _redacted(self, exc: BaseException) -> str:
        """The exception's message, short, and never with the API key in it."""
        return _redacted(exc, self._secret)


def _redacted(exc: BaseException, secret: str) -> str:
    message = str(exc) or "no message"
    if secret:
        message = message.replace(secret, "[redacted]")
    return message[:200]


def describe_failure(exc: BaseException, secret: str) -> str:
    """What went wrong asking Gemini, for a person: the kind and message, never the key."""
    if isinstance(exc, TimeoutError):
        return "Gemini did not answer in time."
    return f"{type(exc).__name__}: {_redacted(exc, secret)}"


def build_responder(settings: Settings, kb: KnowledgeBase) -> Responder:
    """Gemini when a key is configured and its SDK is installed; the knowledge base otherwise."""
    fallback = KnowledgeResponder(kb)
    if not settings.gemini_api_key:
        return fallback
    try:
        return GeminiResponder(
            settings.gemini_api_key,
            settings.gemini_model,
            kb,
            timeout=settings.ai_timeout,
            fallback=fallback,
            base_url=settings.gemini_base_url or None,
        )
    except ImportError:
        log.warning(
            "a Gemini API key is set but google-genai is not installed "
            "(pip install 'switchboard[gemini]'); answering from the knowledge base"
        )
        return fallback
