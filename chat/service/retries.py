"""A send's `client_id`: a retry gets back the message it already stored, once; the id of
another sender's message is refused with 409.

A retry is answered from a read before its write is queued (`stored_message`); two sends of one
client_id at once are told apart inside the writer's transaction (`seen_message`).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from typing import Any

from chat.errors import Conflict, NotFound
from chat.models import Message, Session
from chat.service.transaction import Posted, Transaction
from chat.storage import messages, sessions
from chat.storage.database import Database


async def stored_message(
    db: Database, session_id: int, client_id: str | None, *, check_session: bool = False
) -> Posted | None:
    """Read before a write is queued: the message a send with `client_id` already stored,
    which a retry gets back. With `check_session`, 404 when there is no such conversation
    (none is ever deleted, so that too can be decided before the write)."""

    def lookup(conn: sqlite3.Connection) -> tuple[Session | None, Message | None]:
        found = None
        if client_id is not None:
            found = messages.get_message_by_client_id(conn, session_id, client_id)
        if found is None and not check_session:
            return None, None  # the usual case: one indexed lookup, no session read
        return sessions.get_session(conn, session_id), found

    session, found = await db.read(lookup)
    if check_session and session is None:
        raise NotFound("No such conversation.")
    return Posted(found, session, False) if found and session else None


def seen_message(tx: Transaction, session: Session, client_id: str) -> Posted | None:
    """The message already stored under this client_id: a retry gets it back, once."""
    found = messages.get_message_by_client_id(tx.conn, session.id, client_id)
    return Posted(found, session, False) if found else None


def taken_by(tx: Transaction, session: Session, client_id: str) -> Posted:
    """The message an insert found already holding `client_id` (Transaction.append_new)."""
    seen = seen_message(tx, session, client_id)
    if seen is None:  # PostgreSQL: a send of another node's that this statement cannot see
        raise Conflict("That client_id is being stored by another send.")
    return seen


def stored_then(on_stored: Callable[[Posted], None] | None) -> Callable[[Any], None] | None:
    """A write's `then` that tells `on_stored` of a message this send created (a retry's
    stored message is answered by the caller once it resumes)."""
    if on_stored is None:
        return None

    def then(out: Any) -> None:
        if isinstance(out, Posted) and out.created:
            on_stored(out)

    return then


def retried(stored: Posted, same_sender: bool) -> Posted:
    """A retry gets the stored message back; a client_id of someone else's message is 409."""
    if not same_sender:
        raise Conflict("That client_id belongs to another sender's message.")
    return stored
