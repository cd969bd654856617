"""Looking back: search over every conversation, and a conversation's whole transcript."""

from __future__ import annotations

from collections.abc import AsyncIterator

from chat.models import Found, Message, Session, SessionStatus
from chat.storage import messages, search
from chat.storage.database import Database


class Archive:
    """Reads only: FTS5 search by words, search by customer, and transcripts page by page."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def search(
        self,
        words: list[str] | None,
        customer: str | None,
        status: SessionStatus | None,
        limit: int,
    ) -> list[Found]:
        """Conversations holding all `words` (newest match first), or, with no words, those
        of the customers whose name or email contains `customer` (latest activity first)."""
        if words:
            return await self.db.read(
                lambda c: search.search_sessions(c, words, customer, status, limit)
            )
        assert customer is not None
        found = await self.db.read(
            lambda c: search.list_sessions_by_customer(c, customer, status, limit)
        )
        return [Found(session, []) for session in found]

    async def transcript_pages(self, session: Session, size: int) -> AsyncIterator[list[Message]]:
        """Every message the conversation had when `session` was read, `size` at a time: a
        huge conversation is never held in memory whole."""
        after = 0
        while after < session.message_count:
            count = min(size, session.message_count - after)
            page = await self.db.read(
                lambda c, after=after, count=count: messages.list_messages(
                    c, session.id, after, count
                )
            )
            if not page:
                return
            yield page
            after = page[-1].seq
