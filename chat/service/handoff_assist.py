"""What an agent is given when a conversation reaches them from the AI (issue #18): a short
summary of what the customer asked and what the AI answered, and a suggested reply drawn from
the knowledge base, which the agent may insert, edit and send (it is never sent by itself)."""

from __future__ import annotations

from chat.ai.knowledge import KnowledgeBase, KnowledgeResponder
from chat.ai.responder import NOT_SURE, Turn, wants_person
from chat.models import Message, SenderType
from chat.service.assistant import GAVE_UP_LEAD
from chat.service.conversations import ChatService
from chat.wire import AssistAnswer, HandoffSummary, Suggestion

HISTORY = 200  # messages read to summarise
QUOTE = 120  # characters of a question or answer quoted in the summary


def _quote(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= QUOTE else text[: QUOTE - 1].rstrip() + "…"


def _unsure(message: Message) -> bool:
    return message.content == NOT_SURE or message.content.startswith(GAVE_UP_LEAD)


class HandoffAssist:
    """Summary and suggested reply for one conversation, made from its messages as stored (so
    they are the same on every node and after a restart) and the knowledge base as it is now."""

    def __init__(self, chat: ChatService, kb: KnowledgeBase) -> None:
        self.chat = chat
        self.responder = KnowledgeResponder(kb)

    async def assist(self, session_id: int) -> AssistAnswer:
        session = await self.chat.get_session(session_id)
        history = await self.chat.history(session_id, 0, HISTORY)
        before_agent: list[Message] = []
        for message in history.messages:
            if message.sender_type is SenderType.AGENT:
                break
            before_agent.append(message)
        asked = [m for m in before_agent if m.sender_type is SenderType.CUSTOMER]
        questions = [m.content for m in asked if not wants_person(m.content)]
        ai = [m for m in before_agent if m.sender_type is SenderType.AI]
        # The AI's second "not sure" is a system message: it hands off with it.
        gave_up = [m for m in before_agent if m.sender_type is SenderType.SYSTEM and _unsure(m)]
        unsure = sum(_unsure(m) for m in ai) + len(gave_up)
        if not asked:
            return AssistAnswer(None, None)
        person = any(wants_person(m.content) for m in asked)
        reason = "customer_asked" if person else "ai_unsure" if unsure else "no_ai"
        name = session.customer_name or "The visitor"
        summary = HandoffSummary(
            _summary_text(
                name, questions, len(ai) + len(gave_up) - unsure, unsure, reason, bool(ai)
            ),
            [_quote(q) for q in questions[-5:]],
            len(ai) + len(gave_up) - unsure,
            unsure,
            reason,
        )
        return AssistAnswer(summary, await self._suggest(session.customer_name, questions))

    async def _suggest(self, name: str | None, questions: list[str]) -> Suggestion | None:
        """The knowledge base's answer to the customer's latest question it can answer."""
        for question in reversed(questions):
            reply = await self.responder.reply([Turn("customer", question)])
            if reply.answered and reply.source is not None:
                hello = (
                    f"Hi {name.split()[0]}, thanks for waiting."
                    if name
                    else "Hi, thanks for waiting."
                )
                return Suggestion(f"{hello} {reply.text}", reply.source, _quote(question))
        return None


def _summary_text(
    name: str, questions: list[str], answered: int, unsure: int, reason: str, had_ai: bool
) -> str:
    parts = []
    if questions:
        quoted = " and ".join(f"“{_quote(q)}”" for q in questions[-2:])
        more = f" (and {len(questions) - 2} more)" if len(questions) > 2 else ""
        parts.append(f"{name} asked {quoted}{more}.")
    else:
        parts.append(f"{name} asked for a person straight away.")
    if had_ai:
        parts.append(
            f"The AI answered {answered} {'reply' if answered == 1 else 'replies'}"
            f" and was not sure {unsure} {'time' if unsure == 1 else 'times'}."
        )
    parts.append(
        {
            "customer_asked": "Handed off: the customer asked for a person.",
            "ai_unsure": "Handed off: the AI could not answer.",
            "no_ai": "The AI did not take part.",
        }[reason]
    )
    return " ".join(parts)
