"""Satisfaction ratings (TEAMS.md, "Satisfaction and reports"): a close by an agent asks the
customer for a rating (chat/service/agents.py); the customer gives it once, 1 to 5 with an
optional comment, and agents and the customer hear of it (chat.csat.received)."""

from __future__ import annotations

from dataclasses import dataclass

from chat import events as catalogue
from chat.errors import Conflict
from chat.models import Event, SessionStatus
from chat.service.history import session_by_id, session_by_key
from chat.service.transaction import Transaction, Write
from chat.storage import agents, reports
from chat.storage.database import Database
from chat.wire import AgentRef, CsatStateAnswer, CsatView


@dataclass(slots=True)
class Rated:
    csat: CsatView
    events: list[Event]  # published once the write has committed


class Satisfaction:
    def __init__(self, db: Database, write: Write) -> None:
        self.db = db
        self._write = write

    async def rate(self, session_key: str, rating: int, comment: str | None) -> CsatView:
        """Store the rating (404 for an unknown key; 409 when the conversation is not closed,
        no rating was asked for, or it was rated already)."""
        session_id = (await session_by_key(self.db, session_key)).id

        def work(tx: Transaction) -> Rated:
            session = tx.session(session_id)
            if session.status is not SessionStatus.CLOSED:
                raise Conflict("The conversation is still open: rate it once it is closed.")
            if reports.get_rating(tx.conn, session_id) is not None:
                raise Conflict("This conversation has been rated already.")
            cycle = reports.latest_cycle(tx.conn, session_id)
            if cycle is None or not cycle.survey:
                raise Conflict("No rating was asked for in this conversation.")
            agent_id = cycle.closed_agent_id
            reports.insert_rating(tx.conn, session_id, rating, comment, agent_id, tx.now)
            view = _view(tx, session_id)
            assert view is not None
            received = catalogue.CsatReceived(session_id, view)
            tx.emit(catalogue.CSAT_RECEIVED, session_id, received, received)
            return Rated(view, tx.events)

        return (await self._write(work)).csat

    async def state_for_key(self, session_key: str) -> CsatStateAnswer:
        session = await session_by_key(self.db, session_key)
        return await self._state(session.id)

    async def state(self, session_id: int) -> CsatStateAnswer:
        await session_by_id(self.db, session_id)
        return await self._state(session_id)

    async def _state(self, session_id: int) -> CsatStateAnswer:
        def read(conn: object) -> CsatStateAnswer:
            cycle = reports.latest_cycle(conn, session_id)  # type: ignore[arg-type]
            requested = cycle is not None and cycle.closed_at is not None and cycle.survey
            return CsatStateAnswer(requested, _view(conn, session_id))

        return await self.db.read(read, snapshot=True)


def _view(source: object, session_id: int) -> CsatView | None:
    conn = source.conn if isinstance(source, Transaction) else source
    rating = reports.get_rating(conn, session_id)  # type: ignore[arg-type]
    if rating is None:
        return None
    holder = None if rating.agent_id is None else agents.get_agent(conn, rating.agent_id)  # type: ignore[arg-type]
    agent = None if holder is None else AgentRef.of(holder)
    return CsatView(session_id, rating.rating, rating.comment, agent, rating.created_at)
