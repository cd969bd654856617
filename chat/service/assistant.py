"""The AI first responder at work: answers `bot` conversations in the background, hands off.

The customer's send is acknowledged first; the service then tells the assistant, which waits a
moment (longer while the customer is still typing, so a burst gets one considered reply),
shows the AI typing, composes from the conversation so far and posts through the service.
"""

from __future__ import annotations

import asyncio
import logging
import time

from chat.ai.responder import NOT_SURE, Responder, Turn
from chat.models import Message, SenderType
from chat.service.conversations import ChatService

log = logging.getLogger("chat.ai")
AI_NAME = "AI assistant"
# How every message the AI hands off with begins (the handoff summary knows them by it).
GAVE_UP_LEAD = "I couldn't find an answer to that either"
GAVE_UP = (
    f"{GAVE_UP_LEAD}, so I'm fetching a person to help you. An agent will be with you shortly."
)
GAVE_UP_AWAY = (
    f"{GAVE_UP_LEAD}, so I've passed your question to our team. "
    "They're away right now; we'll reply as soon as someone is back."
)
# Outside business hours: the away message and the next opening follow (see hours.py).
GAVE_UP_CLOSED = f"{GAVE_UP_LEAD}, so I've passed your question to our team."
HISTORY = 50  # messages of context a reply is composed from
TURN_TTL = 60.0  # seconds a node may hold a conversation's turn (compose and post) at most


class Assistant:
    """One background task per conversation that is waiting for the AI."""

    def __init__(
        self, service: ChatService, responder: Responder, *, delay: float, max_wait: float = 4.0
    ) -> None:
        self.service = service
        self.responder = responder
        self.delay = delay
        self.max_wait = max_wait
        self._tasks: dict[int, asyncio.Task[None]] = {}
        self._due: dict[int, float] = {}
        self._first: dict[int, float] = {}
        self._typing: set[int] = set()

    def notice(self, session_id: int) -> None:
        """A customer message was committed in a `bot` conversation: reply after a pause."""
        now = time.monotonic()
        self._first.setdefault(session_id, now)
        self._due[session_id] = now + self.delay
        if session_id not in self._tasks:
            task = asyncio.create_task(self._answer(session_id), name=f"ai-{session_id}")
            self._tasks[session_id] = task
            task.add_done_callback(lambda _: self._tasks.pop(session_id, None))

    def customer_typing(self, session_id: int, is_typing: bool) -> None:
        """While the customer is still typing, the reply waits (up to `max_wait`)."""
        if is_typing:
            self._typing.add(session_id)
        else:
            self._typing.discard(session_id)
            if session_id in self._due:
                self._due[session_id] = time.monotonic() + self.delay

    async def close(self) -> None:
        tasks = list(self._tasks.values())
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    async def _answer(self, session_id: int) -> None:
        try:
            while await self._wait_turn(session_id):
                if await self._take_turn(session_id):
                    break
        except asyncio.CancelledError:
            raise
        except Exception:  # noqa: BLE001 - a failed reply must not end the assistant
            log.exception("the AI could not answer conversation %s", session_id)
        finally:
            self._due.pop(session_id, None)
            self._first.pop(session_id, None)
            self._set_typing(session_id, False)

    async def _wait_turn(self, session_id: int) -> bool:
        """Sleep until the conversation has been quiet for `delay` (or `max_wait` passed)."""
        while True:
            now = time.monotonic()
            deadline = self._first.get(session_id, now) + self.max_wait
            due = self._due.get(session_id, now)
            if session_id in self._typing:
                due = max(due, now + self.delay)
            wake = min(due, deadline)
            if wake <= now:
                return True
            await asyncio.sleep(wake - now)

    async def _take_turn(self, session_id: int) -> bool:
        """Compose and post while holding the conversation's turn, so that two nodes that both
        heard from its customer (a burst sent through both) do not both answer: the one that
        waited reads the history after the other's reply and finds nothing left to answer."""
        backplane = self.service.hub.backplane
        while (release := await backplane.claim(f"ai:{session_id}", TURN_TTL)) is None:
            await asyncio.sleep(self.delay)  # another node is answering this conversation
        try:
            return await self._compose_and_post(session_id)
        finally:
            release()

    async def _compose_and_post(self, session_id: int) -> bool:
        """Answer once; False when the customer wrote again meanwhile and it must start over."""
        history = await self.service.recent_messages(session_id, HISTORY)
        if history is None:
            return True  # no longer the AI's conversation
        if not history or history[-1].sender_type is not SenderType.CUSTOMER:
            return True  # answered already (by another node, say): nothing new to answer
        seen = history[-1].seq if history else 0
        self._due.pop(session_id, None)
        self._set_typing(session_id, True)
        turns = [_turn(m) for m in history]
        reply = await self.responder.reply(turns)
        if session_id in self._due:
            return False  # a newer message arrived while composing: answer them all at once
        if not reply.answered and _missed_before(turns):
            await self.service.ai_hand_off(session_id, self._gave_up())
            return True
        posted = await self.service.post_ai_message(session_id, reply.text, AI_NAME, seen)
        return posted is not False

    def _gave_up(self) -> str:
        """The AI's handoff note: when the team is back outside business hours, else whether
        a person will come soon."""
        closed = self.service.away_note()
        if closed is not None:
            return f"{GAVE_UP_CLOSED} {closed}"
        return GAVE_UP_AWAY if not self.service.presence.agents_available else GAVE_UP

    def _set_typing(self, session_id: int, is_typing: bool) -> None:
        self.service.typists.update(
            f"ai-{session_id}", session_id, "ai", AI_NAME, is_typing, to_customer=True
        )


def _turn(message: Message) -> Turn:
    """What the responder reads of a message: a file is named as one, not read as a question."""
    attachment = message.attachment_view()
    if attachment is None:
        return Turn(message.sender_type.value, message.content)
    name = attachment["name"]
    said = "" if message.content == name else f" {message.content}"
    return Turn(message.sender_type.value, f"[sent a file: {name}]{said}")


def _missed_before(turns: list[Turn]) -> bool:
    """Whether the AI's previous answer in this conversation was its honest "not sure"."""
    for turn in reversed(turns):
        if turn.sender_type == "ai":
            return turn.content == NOT_SURE
    return False
