"""Who answers a conversation: the AI while it is `bot` and no person has replied, a person once
it is handed off (the customer asked for one, or the AI gave up)."""

from __future__ import annotations

from chat import events as catalogue
from chat.models import Message, SenderType, Session, SessionStatus
from chat.service.history import read_history, session_by_id
from chat.service.routing import route
from chat.service.transaction import Changed, Posted, Transaction, Write
from chat.storage.database import Database

HANDOFF_NOTE = "Connecting you with a person. An agent will be with you shortly."
# When no agent is Available at the moment of the handoff: no promise of a person soon.
AWAY_NOTE = "Our team is away right now. We'll reply as soon as someone is back."
# The same two in the widget's other languages (wire.Language), as its own words say them.
NOTES = {
    "en": (HANDOFF_NOTE, AWAY_NOTE),
    "de": (
        "Wir verbinden Sie mit einem Menschen. Gleich ist ein Mitarbeiter für Sie da.",
        "Unser Team ist gerade nicht da. Wir antworten, sobald jemand zurück ist.",
    ),
    "fr": (
        "Nous vous mettons en relation avec une personne. Un conseiller va vous répondre"
        " dans un instant.",
        "Notre équipe est absente pour le moment. Nous vous répondrons dès que quelqu’un"
        " sera de retour.",
    ),
    "es": (
        "Te estamos pasando con una persona. Un agente te atenderá enseguida.",
        "Nuestro equipo no está disponible ahora mismo. Te responderemos en cuanto alguien vuelva.",
    ),
    "ar": (
        "جارٍ تحويلك إلى أحد الموظفين. سيكون معك قريبًا.",
        "فريقنا غير متاح الآن. سنرد عليك فور عودة أحد أعضائه.",
    ),
}


def handoff_note(agents_available: bool, language: str | None = None) -> str:
    """What the customer is told when the conversation is queued for a person: a promise
    only while someone is Available; in `language` when we speak it, else English."""
    person, away = NOTES.get(language or "en", NOTES["en"])
    return person if agents_available else away


def ai_may_answer(session: Session) -> bool:
    """The AI answers only while the conversation is `bot` and no person has replied."""
    return session.status is SessionStatus.BOT and not session.human_replied


def queue_for_person(tx: Transaction, session_id: int, note: str) -> Changed:
    """The conversation waits in the queue for an agent, the customer told so by `note`, and
    routing gives it to an eligible agent in the same transaction when the mode is automatic
    and it is first in line; one already waiting for or held by a person is left as it is."""
    session = tx.session(session_id)
    if session.status in (SessionStatus.QUEUED, SessionStatus.ACTIVE):
        return Changed(session)
    session = tx.set_status(session, SessionStatus.QUEUED, None)
    tx.emit_session(catalogue.SESSION_UPDATED, session)
    posted = tx.append(session, SenderType.SYSTEM, note)
    if route(tx):
        return Changed(tx.session(session_id), tx.events)
    return Changed(posted.session, tx.events)


class AiTurn:
    """What the assistant asks of the service while a conversation is the AI's."""

    def __init__(self, db: Database, write: Write) -> None:
        self.db = db
        self._write = write

    async def recent_messages(self, session_id: int, count: int) -> list[Message] | None:
        """The last `count` messages, or None once the conversation is no longer the AI's."""
        session = await session_by_id(self.db, session_id)
        if not ai_may_answer(session):
            return None
        after = max(0, session.message_count - count)
        return (await read_history(self.db, session, after, count)).messages

    async def post_ai_message(
        self, session_id: int, content: str, name: str, seen_seq: int
    ) -> Posted | None | bool:
        """Post the AI's reply: None when the AI may no longer answer, False when the customer
        wrote again after message `seen_seq` (the reply must be composed anew)."""

        def work(tx: Transaction) -> Posted | None | bool:
            session = tx.session(session_id)
            if not ai_may_answer(session):
                return None
            if session.message_count != seen_seq:
                return False
            return tx.append(session, SenderType.AI, content, sender_name=name)

        return await self._write(work)

    async def ai_hand_off(self, session_id: int, note: str) -> None:
        """The AI gives up: the conversation waits for a person, with a note saying so."""

        def work(tx: Transaction) -> Changed:
            session = tx.session(session_id)
            if not ai_may_answer(session):
                return Changed(session)
            return queue_for_person(tx, session_id, note)

        await self._write(work)
