"""The agents' side of a conversation: the lists they work from, their replies and files,
taking or giving a conversation, closing it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import BinaryIO

from chat import events as catalogue
from chat.attachments import Staged
from chat.errors import Conflict, Forbidden, NotFound
from chat.models import Agent, SenderType, Session, SessionStatus
from chat.service.history import session_by_id
from chat.service.retries import retried, seen_message, stored_message, stored_then
from chat.service.routing import route
from chat.service.transaction import Changed, Posted, Transaction, Write
from chat.service.uploads import Uploads, attach
from chat.storage import agents, reports, sessions
from chat.storage.database import Database


@dataclass(frozen=True, slots=True)
class Chosen:
    """How an inbox narrows its list beside the status: `assignee` an agent's id or 0 for
    nobody, `labels` with `label_match` any, all or none of them."""

    assignee: int | None = None
    labels: tuple[int, ...] = ()
    label_match: str = "any"


class AgentSide:
    """What a signed-in agent can do to conversations; who holds one decides who may act on it."""

    def __init__(self, db: Database, write: Write, uploads: Uploads) -> None:
        self.db = db
        self._write = write
        self.uploads = uploads

    async def list_sessions(
        self, status: SessionStatus | None, limit: int, chosen: Chosen | None = None
    ) -> list[Session]:
        chosen = chosen or Chosen()
        narrowed = sessions.SessionFilter(
            status, chosen.assignee, tuple(chosen.labels), chosen.label_match
        )
        return await self.db.read(lambda c: sessions.list_sessions(c, narrowed, limit))

    async def post_file(
        self,
        agent: Agent,
        session_id: int,
        source: BinaryIO,
        name: str,
        caption: str | None,
        client_id: str | None,
    ) -> Posted:
        """An agent sends a file, under the same rules as a reply."""
        await session_by_id(self.db, session_id)
        return await self.uploads.post_file(
            source,
            name,
            lambda staged: self.post_message(
                agent, session_id, caption or staged.name, client_id, staged
            ),
        )

    async def post_message(
        self,
        agent: Agent,
        session_id: int,
        content: str,
        client_id: str | None,
        staged: Staged | None = None,
        on_stored: Callable[[Posted], None] | None = None,
    ) -> Posted:
        """An agent replies; replying to an unassigned conversation takes it.

        A retry is answered before the write is queued; whether the agent may reply depends on
        who holds the conversation at that moment, so that is decided in the transaction."""
        stored = await stored_message(self.db, session_id, client_id, check_session=True)
        if stored is not None:
            return retried(stored, stored.message.agent_id == agent.id)

        def work(tx: Transaction) -> Posted:
            session = tx.session(session_id)
            # The race guard: the same client_id, sent twice at once, may have committed since.
            if client_id and (seen := seen_message(tx, session, client_id)):
                return retried(seen, seen.message.agent_id == agent.id)
            if session.status is SessionStatus.CLOSED:
                raise Conflict("This conversation is closed.")
            _check_holder(session, agent)
            if session.assigned_agent_id is None:
                session = tx.assign(session, agent)
            sessions.mark_human_replied(tx.conn, session_id)
            return tx.append(
                session,
                SenderType.AGENT,
                content,
                agent=agent,
                client_id=client_id,
                attachment=attach(tx, session_id, staged),
            )

        return await self._write(work, stored_then(on_stored))

    async def assign(self, agent: Agent, session_id: int, target_id: int | None) -> Session:
        """Give the session to the caller, or, for an admin, to the agent it names. Who holds
        it decides the answer, so that is checked in the transaction; whether it exists is not."""
        target = await self._assignee(agent, target_id)
        await session_by_id(self.db, session_id)  # 404 before the write: none is ever deleted

        def work(tx: Transaction) -> Changed:
            session = tx.session(session_id)
            if session.status is SessionStatus.CLOSED:
                raise Conflict("This conversation is closed.")
            if session.status is SessionStatus.ACTIVE and session.assigned_agent_id == target.id:
                return Changed(session)
            _check_holder(session, agent)
            return Changed(tx.assign(session, target), tx.events)

        return (await self._write(work)).session

    async def close(self, agent: Agent, session_id: int, survey: bool = True) -> Session:
        """Close the conversation; unless `survey` is false, a conversation a person handled
        asks its customer for a rating (chat.csat.requested), once per conversation."""
        await session_by_id(self.db, session_id)  # 404 before the write: none is ever deleted

        def work(tx: Transaction) -> Changed:
            session = tx.session(session_id)
            if session.status is SessionStatus.CLOSED:
                return Changed(session)
            _check_holder(session, agent)
            asks = survey and reports.get_rating(tx.conn, session_id) is None
            session = tx.set_status(
                session, SessionStatus.CLOSED, session.assigned_agent_id, survey=asks
            )
            tx.emit_session(catalogue.SESSION_CLOSED, session)
            if asks and tx.cycle_closed:
                requested = catalogue.CsatRequested(session_id)
                tx.emit(catalogue.CSAT_REQUESTED, session_id, requested, requested)
                if session.customer_email:
                    reports.ask_by_email(tx.conn, session_id, tx.now)
            route(tx)  # the capacity this close freed goes to the oldest queued conversation
            return Changed(session, tx.events)

        return (await self._write(work)).session

    async def _assignee(self, agent: Agent, target_id: int | None) -> Agent:
        if target_id is None or target_id == agent.id:
            return agent
        if not agent.is_admin:
            raise Forbidden("Only an admin can assign a conversation to someone else.")
        target = await self.db.read(lambda c: agents.get_agent(c, target_id))
        if target is None or not target.is_active:
            raise NotFound("No such agent.")
        return target


def _check_holder(session: Session, agent: Agent) -> None:
    """Only the agent holding a conversation, or an admin, may act on it."""
    holder = session.assigned_agent
    if holder is not None and holder["id"] != agent.id and not agent.is_admin:
        raise Conflict(f"{holder['name']} is handling this conversation.")
