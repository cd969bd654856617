"""Satisfaction ratings (TEAMS.md, "Satisfaction and reports"): a close by an agent asks the
customer for a rating (chat/service/agents.py); the customer gives it once, 1 to 5 with an
optional comment, in the widget or on the /rate page a rating email links to, and agents and the
customer hear of it (chat.csat.received)."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass

from itsdangerous import BadSignature, URLSafeSerializer

from chat import events as catalogue
from chat.errors import Conflict, NotFound
from chat.models import Event, Session, SessionStatus
from chat.service.history import session_by_id, session_by_key
from chat.service.transaction import Transaction, Write
from chat.storage import agents, reports, sessions
from chat.storage.database import Database
from chat.wire import AgentRef, CsatStateAnswer, CsatView


@dataclass(frozen=True, slots=True)
class RatingPage:
    """A rating link's conversation: its rating once given, else why it cannot be rated (None:
    the form is shown)."""

    session_id: int
    csat: CsatView | None
    refusal: str | None


@dataclass(slots=True)
class Rated:
    csat: CsatView
    events: list[Event]  # published once the write has committed


class RatingLinks:
    """The token a rating email's links carry instead of the session key (a link in an email is
    seen by every server on the way): the conversation's id, signed with the app's secret."""

    def __init__(self, secret_key: str) -> None:
        self._signer = URLSafeSerializer(secret_key, salt="csat")

    def token(self, session_id: int) -> str:
        return self._signer.dumps(session_id)

    def session_id(self, token: str) -> int:
        """The conversation of a token (404 for a bad or tampered one)."""
        try:
            found = self._signer.loads(token)
        except BadSignature:
            raise NotFound("This rating link is not valid.") from None
        if not isinstance(found, int) or isinstance(found, bool):
            raise NotFound("This rating link is not valid.")
        return found


def refusal(conn: sqlite3.Connection, session: Session) -> str | None:
    """Why the conversation cannot be rated now (None: it can): the rule of the widget's rating,
    of the /rate page and of the rating email, which is not sent when this has a reason."""
    if session.status is not SessionStatus.CLOSED:
        return "The conversation is still open: rate it once it is closed."
    if reports.get_rating(conn, session.id) is not None:
        return "This conversation has been rated already."
    cycle = reports.latest_cycle(conn, session.id)
    if cycle is None or not cycle.survey:
        return "No rating was asked for in this conversation."
    return None


class Satisfaction:
    def __init__(self, db: Database, write: Write, links: RatingLinks) -> None:
        self.db = db
        self._write = write
        self.links = links

    async def rate(self, session_key: str, rating: int, comment: str | None) -> CsatView:
        """Store the rating (404 for an unknown key; 409 when the conversation is not closed,
        no rating was asked for, or it was rated already)."""
        session_id = (await session_by_key(self.db, session_key)).id
        return await self.rate_session(session_id, rating, comment)

    async def rate_session(self, session_id: int, rating: int, comment: str | None) -> CsatView:
        """Store the rating of the conversation `session_id` (404, 409: as rate())."""
        await session_by_id(self.db, session_id)

        def work(tx: Transaction) -> Rated:
            problem = refusal(tx.conn, tx.session(session_id))
            if problem is not None:
                raise Conflict(problem)
            cycle = reports.latest_cycle(tx.conn, session_id)
            agent_id = None if cycle is None else cycle.closed_agent_id
            reports.insert_rating(tx.conn, session_id, rating, comment, agent_id, tx.now)
            view = _view(tx.conn, session_id)
            assert view is not None
            received = catalogue.CsatReceived(session_id, view)
            tx.emit(catalogue.CSAT_RECEIVED, session_id, received, received)
            return Rated(view, tx.events)

        return (await self._write(work)).csat

    async def by_link(self, token: str) -> RatingPage:
        """What the /rate page of a rating link shows (404 for a bad link); reads only."""
        session_id = self.links.session_id(token)
        await session_by_id(self.db, session_id)  # 404: none is ever deleted

        def read(conn: sqlite3.Connection) -> RatingPage:
            view = _view(conn, session_id)
            if view is not None:
                return RatingPage(session_id, view, None)
            session = sessions.get_session(conn, session_id)
            assert session is not None
            return RatingPage(session_id, None, refusal(conn, session))

        return await self.db.read(read, snapshot=True)

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


def _view(conn: sqlite3.Connection, session_id: int) -> CsatView | None:
    rating = reports.get_rating(conn, session_id)  # type: ignore[arg-type]
    if rating is None:
        return None
    holder = None if rating.agent_id is None else agents.get_agent(conn, rating.agent_id)  # type: ignore[arg-type]
    agent = None if holder is None else AgentRef.of(holder)
    return CsatView(session_id, rating.rating, rating.comment, agent, rating.created_at)
