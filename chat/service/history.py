"""Reading a conversation: found by its id or by its customer's session key, and its messages
a page at a time."""

from __future__ import annotations

from dataclasses import dataclass

from chat.auth import hash_token
from chat.errors import NotFound
from chat.models import Message, Session
from chat.storage import messages, sessions
from chat.storage.database import Database


@dataclass(frozen=True, slots=True)
class History:
    session: Session
    messages: list[Message]
    has_more: bool


async def session_by_id(db: Database, session_id: int) -> Session:
    found = await db.read(lambda c: sessions.get_session(c, session_id))
    if found is None:
        raise NotFound("No such conversation.")
    return found


async def session_by_key(db: Database, session_key: str) -> Session:
    found = await db.read(lambda c: sessions.get_session_by_key(c, hash_token(session_key)))
    if found is None:
        raise NotFound("No conversation has that session key.")
    return found


async def read_history(db: Database, session: Session, after_seq: int, limit: int) -> History:
    """Up to `limit` messages after `after_seq`, and whether more follow them."""
    found = await db.read(lambda c: messages.list_messages(c, session.id, after_seq, limit + 1))
    return History(session, found[:limit], len(found) > limit)
