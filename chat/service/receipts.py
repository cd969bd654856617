"""Read receipts: how far each side of a conversation has read, stored and sent as `chat.read`."""

from __future__ import annotations

from dataclasses import replace

import msgspec

from chat import events
from chat.errors import NotFound
from chat.models import Agent, Session
from chat.service.transaction import Changed, Transaction, Write
from chat.storage import sessions
from chat.storage.database import Database
from chat.wire import AgentRef


class ReadReceipts:
    """One read mark per side (the customer, the agents together); a mark only moves forward."""

    def __init__(self, db: Database, write: Write) -> None:
        self.db = db
        self._write = write

    async def mark(self, session_id: int, seq: int, agent: Agent | None) -> Session:
        """`agent` (the customer when None) has read the conversation up to message `seq`.

        The mark is clamped to the newest message. A mark that would not move forward writes
        and sends nothing, so clients may repeat themselves cheaply."""
        reader = "customer" if agent is None else "agent"
        session = await self.db.read(lambda c: sessions.get_session(c, session_id))
        if session is None:
            raise NotFound("No such conversation.")
        if min(seq, session.last_seq) <= _mark_of(session, reader):
            return session

        def work(tx: Transaction) -> Changed:
            session = tx.session(session_id)
            mark = sessions.advance_read_mark(tx.conn, session_id, reader, seq)
            if mark is None:
                return Changed(session)  # another request moved it as far already
            session = replace(session, **{sessions.READ_MARKS[reader]: mark})
            ref = AgentRef.of(agent) if agent else None
            data = events.Read(session_id, reader, mark, ref, tx.now)
            # The customer hears "Seen", not which agent looked.
            tx.emit(events.READ, session_id, data, msgspec.structs.replace(data, agent=None))
            return Changed(session, tx.events)

        return (await self._write(work)).session


def _mark_of(session: Session, reader: str) -> int:
    return session.customer_read_seq if reader == "customer" else session.agent_read_seq
