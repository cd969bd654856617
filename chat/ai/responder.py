"""The seam between the chat and whatever answers customers first: turns, replies, responders."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

CUSTOMER = "customer"

NOT_SURE = (
    "I'm not sure about that one. I can connect you with a person — just say "
    '"talk to a person" or use the button.'
)


@dataclass(frozen=True, slots=True)
class Turn:
    """One message of the conversation so far, oldest first."""

    sender_type: str  # "customer" | "ai" | "agent" | "system"
    content: str


@dataclass(frozen=True, slots=True)
class Reply:
    text: str
    answered: bool  # False when the responder honestly could not answer (counts toward handoff)
    source: str | None = None  # knowledge article slug used, if any


class Responder(Protocol):
    async def reply(self, history: Sequence[Turn]) -> Reply: ...

    async def aclose(self) -> None:
        """Release what the responder holds (an HTTP client); called at shutdown."""
        ...


def latest_question(history: Sequence[Turn]) -> str:
    """The customer's turns since the last message from anyone else, joined: a burst is one
    question."""
    burst: list[str] = []
    for turn in reversed(history):
        if turn.sender_type != CUSTOMER:
            break
        burst.append(turn.content.strip())
    return "\n".join(reversed([text for text in burst if text]))


_FILE_NOTE = re.compile(r"\[sent a file: [^\]\n]*\]\s*")


def search_text(question: str) -> str:
    """The question as the knowledge base is searched with it: without the "[sent a file: …]"
    notes (chat/service/assistant.py) whose file names say nothing about what is asked."""
    return _FILE_NOTE.sub("", question).strip()


# Asking for a person: each pattern is a request ("talk to", "transfer me", "a real person") or a
# message that is nothing but the word, so "human error", "personal data", "someone else pick
# up", "my customs agent" or "I talked to someone yesterday" do not match.
_PERSON = r"(?:human|person|someone|somebody|agent|operator|representative|rep|staff)"
_ANYONE = rf"(?:{_PERSON}|manager|supervisor|support|customer\s+service|your\s+team)"
_ASK_FOR_PERSON = [
    # The whole message: "agent", "human please!!", "a real person, please".
    rf"^\W*(?:a\s+|an\s+)?(?:real\s+|live\s+)?{_PERSON}\W*(?:please|pls|now)?\W*$",
    r"\b(?:real|live|actual)\s+(?:human|person|agent)\b",
    # "talk to a human", "speak with somebody from support", "chat to your team".
    rf"\b(?:talk|speak|chat)\s+(?:to|with)\s+(?:a|an|the|some|your)?\s*{_ANYONE}\b(?!\s+else)",
    # "I want a human", "can I get a person?".
    r"\b(?:want|need|get)\s+(?:a|an)\s+(?:human|person)\b",
    # "transfer me to a person", "connect me to customer service", "put me through".
    r"\b(?:transfer|connect|put)\s+me\s+(?:to|through|with)\b",
    r"\bnot\s+(?:a|the)\s+(?:bot|robot|machine)\b",
    r"\b(?:operator|representative)\b",
]
_ASK_FOR_PERSON_RE = [re.compile(pattern, re.IGNORECASE) for pattern in _ASK_FOR_PERSON]


def wants_person(text: str) -> bool:
    """True when the customer asks to be put through to a person."""
    return any(pattern.search(text) for pattern in _ASK_FOR_PERSON_RE)
