"""The use cases: start a session, post messages, assign, close, hand off.

Every write runs in the database's writer transaction together with the events it appends to
the log; the events are published to the hub only once that transaction has committed.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

from chat import events as catalogue
from chat.ai.responder import wants_person
from chat.attachments import Staged
from chat.auth import Accounts, hash_token, new_secret
from chat.config import Settings
from chat.errors import Conflict, Forbidden, Invalid, NotFound, RateLimited
from chat.hub import Hub
from chat.hub.presence import PresenceBoard
from chat.hub.typing import TypingRelay
from chat.hub.viewing import ViewingRelay
from chat.models import (
    Agent,
    Attachment,
    Event,
    Found,
    Message,
    Presence,
    SenderType,
    Session,
    SessionStatus,
)
from chat.ratelimit import RateLimit
from chat.service.archive import Archive
from chat.service.receipts import ReadReceipts
from chat.service.sockets import Connection, Sockets, Viewer
from chat.service.transaction import Changed, Posted, Transaction
from chat.service.uploads import Uploads
from chat.storage import agents, attachments, events, messages, sessions
from chat.storage.database import Database
from chat.wire import AgentRef, PresenceEntry

HANDOFF_NOTE = "Connecting you with a person. An agent will be with you shortly."
# When no agent is Available at the moment of the handoff: no promise of a person soon.
AWAY_NOTE = "Our team is away right now. We'll reply as soon as someone is back."


@dataclass(frozen=True, slots=True)
class Started:
    session_key: str
    session: Session
    messages: list[Message]


@dataclass(frozen=True, slots=True)
class Resume:
    """Where a socket's replay starts and ends, or that it cannot be served."""

    head: int
    after: int | None
    resync_required: bool = False


@dataclass(frozen=True, slots=True)
class History:
    session: Session
    messages: list[Message]
    has_more: bool


class ChatService:
    """What customers and agents can do; the only code that both writes and publishes."""

    def __init__(self, db: Database, hub: Hub, settings: Settings) -> None:
        self.db = db
        self.hub = hub
        self.settings = settings
        limits = settings.limits
        self._starts = RateLimit(limits.starts_per_minute, 60)
        self._session_sends = RateLimit(limits.messages_per_minute, 60)
        self._address_sends = RateLimit(limits.address_messages_per_minute, 60)
        self.typists = TypingRelay(hub)
        self.viewers = ViewingRelay(hub)
        self.presence = PresenceBoard(hub, settings.presence_grace)
        self.receipts = ReadReceipts(db, self._write)
        self.uploads = Uploads(db, settings.data_dir / "files", limits.attachment_max_bytes)
        self.archive = Archive(db)
        self.sockets = Sockets(
            hub, limits, self.presence, self.typists, self.viewers, self.team_presence
        )
        # Set by the app when the AI answers first; the service never imports the assistant.
        self.on_customer_message: Callable[[int], None] | None = None
        self.on_customer_typing: Callable[[int, bool], None] | None = None

    async def _write(self, work: Callable[[Transaction], Any]) -> Any:
        """Run `work` in one transaction; publish its events once it has committed.

        `work` returns a Posted or Changed, or a plain answer when it changed nothing."""
        return await self.db.write(
            lambda conn: work(Transaction(conn)),
            after_commit=lambda out: self.hub.publish(getattr(out, "events", ())),
        )

    # -- customers ----------------------------------------------------------------------

    async def start_session(
        self, name: str | None, email: str | None, page_url: str | None, address: str
    ) -> Started:
        self._starts.hit(address, "Too many new conversations from this address; please wait.")
        key = new_secret()
        status = SessionStatus.BOT if self.settings.ai_enabled else SessionStatus.QUEUED

        def work(tx: Transaction) -> Changed:
            session_id = sessions.insert_session(
                tx.conn, hash_token(key), status, name, email, page_url, tx.now
            )
            session = tx.session(session_id)
            tx.emit_session(catalogue.SESSION_STARTED, session, public=False)
            return Changed(session, tx.events)

        out: Changed = await self._write(work)
        return Started(key, out.session, [])

    async def session_for_key(self, session_key: str) -> Session:
        found = await self.db.read(
            lambda c: sessions.get_session_by_key(c, hash_token(session_key))
        )
        if found is None:
            raise NotFound("No conversation has that session key.")
        return found

    async def post_customer_message(
        self, session_key: str, content: str, client_id: str | None, address: str
    ) -> Posted:
        session_id = (await self.session_for_key(session_key)).id
        return await self.post_as_customer(session_id, content, client_id, address)

    async def post_customer_file(
        self,
        session_key: str,
        source: BinaryIO,
        name: str,
        caption: str | None,
        client_id: str | None,
        address: str,
    ) -> Posted:
        """The customer sends a file: stored and posted as one message (its caption, or the
        file's name), idempotent on client_id like any message. A file alone wakes no AI."""
        session_id = (await self.session_for_key(session_key)).id
        self.check_send_rate(session_id, address)  # before any disk work
        return await self.uploads.post_file(
            source,
            name,
            lambda staged: self.post_as_customer(
                session_id,
                caption or staged.name,
                client_id,
                address,
                staged,
                wake_ai=caption is not None,
            ),
        )

    async def customer_file(self, session_key: str, attachment_id: int) -> tuple[Attachment, Path]:
        """A file of the key's own conversation; any other is not found."""
        session_id = (await self.session_for_key(session_key)).id
        return await self.uploads.find(attachment_id, session_id)

    async def post_as_customer(
        self,
        session_id: int,
        content: str,
        client_id: str | None,
        address: str,
        staged: Staged | None = None,
        wake_ai: bool = True,
    ) -> Posted:
        """The customer of `session_id` (already authenticated by its key) sends a message;
        `wake_ai` False when it holds nothing to answer (a file without a caption).

        Refusals never raise in the writer's transaction, where they would roll back and re-run
        every other write of its batch: the rate limits are taken before the write is queued
        (a send at the limit costs one read, to answer a retry of a stored message), and a
        client_id already stored comes back from the transaction unwritten, its sender checked
        after. The usual send costs no read before its write."""
        try:
            self._take_send(session_id, address)
        except RateLimited:
            if client_id and (stored := await self._stored(session_id, client_id)):
                return _retried(stored, stored.message.sender_type is SenderType.CUSTOMER)
            raise
        note = self.handoff_note()

        def work(tx: Transaction) -> Posted:
            session = tx.session(session_id)
            if client_id and (seen := self._seen(tx, session, client_id)):
                return seen  # written by nobody: whose it is is checked after the commit
            if session.status is SessionStatus.CLOSED:
                session = tx.set_status(session, SessionStatus.QUEUED, None)
                tx.emit_session(catalogue.SESSION_UPDATED, session)
            posted = tx.append(
                session,
                SenderType.CUSTOMER,
                content,
                client_id=client_id,
                sender_name=session.customer_name,
                attachment=_attach(tx, session_id, staged),
            )
            if posted.session.status is SessionStatus.BOT and wants_person(content):
                changed = self._queue_for_person(tx, session_id, note)
                posted.session = changed.session
            return posted

        try:
            posted: Posted = await self._write(work)
        except Exception:  # a cancelled caller keeps its share: its write may still commit
            self._give_back_send(session_id, address)
            raise
        if not posted.created:
            self._give_back_send(session_id, address)
            return _retried(posted, posted.message.sender_type is SenderType.CUSTOMER)
        if wake_ai and self._ai_may_answer(posted.session) and self.on_customer_message:
            self.on_customer_message(session_id)
        return posted

    def check_send_rate(self, session_id: int, address: str) -> None:
        """Refuse a send over the rate limits before any costly work (staging a file). Only a
        check: the send takes its share when it is queued, once a retry has been answered."""
        self._session_sends.check(str(session_id), "You are sending messages too fast.")
        self._address_sends.check(address, "Too many messages from this address; please wait.")

    def _take_send(self, session_id: int, address: str) -> None:
        """Use one send of the session's and the address's allowance, or refuse with 429.

        Taken before the write rather than counted after it, so sends queued at once cannot
        all slip under the limit; given back when the send stores nothing."""
        self.check_send_rate(session_id, address)
        self._session_sends.record(str(session_id))
        self._address_sends.record(address)

    def _give_back_send(self, session_id: int, address: str) -> None:
        self._session_sends.release(str(session_id))
        self._address_sends.release(address)

    async def mark_customer_read(self, session_key: str, seq: int) -> Session:
        """The customer behind `session_key` has read their conversation up to message `seq`."""
        session_id = (await self.session_for_key(session_key)).id
        return await self.receipts.mark(session_id, seq, None)

    async def public_history(self, session_key: str, after_seq: int, limit: int) -> History:
        session = await self.session_for_key(session_key)
        return await self._history(session, after_seq, limit)

    async def hand_off(self, session_key: str) -> Session:
        """The customer asks for a person: the session waits in the queue for an agent."""
        session_id = (await self.session_for_key(session_key)).id
        note = self.handoff_note()
        out = await self._write(lambda tx: self._queue_for_person(tx, session_id, note))
        return out.session

    def handoff_note(self) -> str:
        """What the customer is told when the conversation is queued for a person: a promise
        only while someone is Available."""
        return HANDOFF_NOTE if self.presence.agents_available else AWAY_NOTE

    def _queue_for_person(self, tx: Transaction, session_id: int, note: str) -> Changed:
        session = tx.session(session_id)
        if session.status in (SessionStatus.QUEUED, SessionStatus.ACTIVE):
            return Changed(session)
        session = tx.set_status(session, SessionStatus.QUEUED, None)
        tx.emit_session(catalogue.SESSION_UPDATED, session)
        posted = tx.append(session, SenderType.SYSTEM, note)
        return Changed(posted.session, tx.events)

    # -- the AI -------------------------------------------------------------------------

    @staticmethod
    def _ai_may_answer(session: Session) -> bool:
        """The AI answers only while the conversation is `bot` and no person has replied."""
        return session.status is SessionStatus.BOT and not session.human_replied

    async def recent_messages(self, session_id: int, count: int) -> list[Message] | None:
        """The last `count` messages, or None once the conversation is no longer the AI's."""
        session = await self.get_session(session_id)
        if not self._ai_may_answer(session):
            return None
        after = max(0, session.message_count - count)
        return (await self._history(session, after, count)).messages

    async def post_ai_message(
        self, session_id: int, content: str, name: str, seen_seq: int
    ) -> Posted | None | bool:
        """Post the AI's reply: None when the AI may no longer answer, False when the customer
        wrote again after message `seen_seq` (the reply must be composed anew)."""

        def work(tx: Transaction) -> Posted | None | bool:
            session = tx.session(session_id)
            if not self._ai_may_answer(session):
                return None
            if session.message_count != seen_seq:
                return False
            return tx.append(session, SenderType.AI, content, sender_name=name)

        return await self._write(work)

    async def ai_hand_off(self, session_id: int, note: str) -> None:
        """The AI gives up: the conversation waits for a person, with a note saying so."""

        def work(tx: Transaction) -> Changed:
            session = tx.session(session_id)
            if not self._ai_may_answer(session):
                return Changed(session)
            return self._queue_for_person(tx, session_id, note)

        await self._write(work)

    # -- agents -------------------------------------------------------------------------

    async def list_sessions(self, status: SessionStatus | None, limit: int) -> list[Session]:
        return await self.db.read(lambda c: sessions.list_sessions(c, status, limit))

    async def get_session(self, session_id: int) -> Session:
        found = await self.db.read(lambda c: sessions.get_session(c, session_id))
        if found is None:
            raise NotFound("No such conversation.")
        return found

    async def history(self, session_id: int, after_seq: int, limit: int) -> History:
        return await self._history(await self.get_session(session_id), after_seq, limit)

    async def post_agent_file(
        self,
        agent: Agent,
        session_id: int,
        source: BinaryIO,
        name: str,
        caption: str | None,
        client_id: str | None,
    ) -> Posted:
        """An agent sends a file, under the same rules as a reply."""
        await self.get_session(session_id)
        return await self.uploads.post_file(
            source,
            name,
            lambda staged: self.post_agent_message(
                agent, session_id, caption or staged.name, client_id, staged
            ),
        )

    async def sweep_files(self) -> int:
        """Remove upload debris a crash left behind; run at start."""
        return await self.uploads.sweep()

    async def agent_file(self, attachment_id: int) -> tuple[Attachment, Path]:
        return await self.uploads.find(attachment_id)

    async def post_agent_message(
        self,
        agent: Agent,
        session_id: int,
        content: str,
        client_id: str | None,
        staged: Staged | None = None,
    ) -> Posted:
        """An agent replies; replying to an unassigned conversation takes it.

        A retry is answered before the write is queued; whether the agent may reply depends on
        who holds the conversation at that moment, so that is decided in the transaction."""
        if (stored := await self._stored(session_id, client_id, check_session=True)) is not None:
            return _retried(stored, stored.message.agent_id == agent.id)

        def work(tx: Transaction) -> Posted:
            session = tx.session(session_id)
            # The race guard: the same client_id, sent twice at once, may have committed since.
            if client_id and (seen := self._seen(tx, session, client_id)):
                return _retried(seen, seen.message.agent_id == agent.id)
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
                attachment=_attach(tx, session_id, staged),
            )

        return await self._write(work)

    async def mark_read(self, session_id: int, seq: int, agent: Agent | None) -> Session:
        """`agent` (the customer when None) has read the conversation up to message `seq`."""
        return await self.receipts.mark(session_id, seq, agent)

    async def search(
        self,
        words: list[str] | None,
        customer: str | None,
        status: SessionStatus | None,
        limit: int,
    ) -> list[Found]:
        """Conversations by the words of their messages and/or their customer."""
        return await self.archive.search(words, customer, status, limit)

    def transcript_pages(self, session: Session, size: int) -> AsyncIterator[list[Message]]:
        """The conversation's messages as `session` counted them, `size` at a time."""
        return self.archive.transcript_pages(session, size)

    async def assign(self, agent: Agent, session_id: int, target_id: int | None) -> Session:
        """Give the session to the caller, or, for an admin, to the agent it names. Who holds
        it decides the answer, so that is checked in the transaction; whether it exists is not."""
        target = await self._assignee(agent, target_id)
        await self.get_session(session_id)  # 404 before the write: none is ever deleted

        def work(tx: Transaction) -> Changed:
            session = tx.session(session_id)
            if session.status is SessionStatus.CLOSED:
                raise Conflict("This conversation is closed.")
            if session.status is SessionStatus.ACTIVE and session.assigned_agent_id == target.id:
                return Changed(session)
            _check_holder(session, agent)
            return Changed(tx.assign(session, target), tx.events)

        return (await self._write(work)).session

    async def close(self, agent: Agent, session_id: int) -> Session:
        await self.get_session(session_id)  # 404 before the write: none is ever deleted

        def work(tx: Transaction) -> Changed:
            session = tx.session(session_id)
            if session.status is SessionStatus.CLOSED:
                return Changed(session)
            _check_holder(session, agent)
            session = tx.set_status(session, SessionStatus.CLOSED, session.assigned_agent_id)
            tx.emit_session(catalogue.SESSION_CLOSED, session)
            return Changed(session, tx.events)

        return (await self._write(work)).session

    # -- presence -------------------------------------------------------------------------

    async def set_presence(self, agent: Agent, status: Presence) -> PresenceEntry:
        """The agent chose Available or Busy: kept across restarts, shown to the others.
        Returns how the team sees the agent now."""
        stored = await self.db.write(
            lambda conn: agents.update_agent_presence(conn, agent.id, status)
        )
        self.presence.choose(stored)
        return self.presence.entry(stored)

    @property
    def agents_available(self) -> bool:
        """Whether any agent is online and Available now."""
        return self.presence.agents_available

    async def choose_presence(self, agent: Agent, status: str) -> PresenceEntry:
        """The agent chose `status`: Available or Busy (offline follows from their sockets).
        The answer is what the others see now."""
        if status == Presence.OFFLINE.value:
            raise Invalid(
                "`status` cannot be set to offline: you are offline once you close the app."
            )
        if status not in (Presence.AVAILABLE.value, Presence.BUSY.value):
            raise Invalid('`status` must be "available" or "busy".')
        return await self.set_presence(agent, Presence(status))

    async def team_presence(self) -> list[PresenceEntry]:
        """Every active agent's presence, offline ones included."""
        team = await self.db.read(agents.list_active_agents)
        return [self.presence.entry(agent) for agent in team]

    async def remove_agent(self, accounts: Accounts, agent_id: int) -> Agent:
        """An admin removed an agent: credentials revoked, sockets closed, gone from the team."""
        agent = await accounts.deactivate(agent_id)
        self.presence.remove(agent)
        return agent

    def connect(
        self, viewer: Viewer, credential: bytes | None = None
    ) -> AbstractAsyncContextManager[Connection]:
        """`async with service.connect(viewer) as connection:` holds a socket subscribed and
        present for the block, and undoes all of it when the block ends (see Sockets.connect).
        Raises TooManySockets past the cap of sockets per agent or per session."""
        return self.sockets.connect(viewer, credential)

    async def resume(self, raw_last_event_id: str | None) -> Resume:
        """Check a socket's `last_event_id`: what to replay, or that the client must resync."""
        head = await self.db.read(events.get_event_head)
        if raw_last_event_id is None:
            return Resume(head, None)
        if not re.fullmatch(r"\d{1,18}", raw_last_event_id):
            return Resume(head, None, resync_required=True)
        after = int(raw_last_event_id)
        if after > head:
            return Resume(head, None, resync_required=True)
        return Resume(head, after)

    async def replay(self, viewer: Viewer, after: int, until: int, limit: int) -> list[Event]:
        """The stored events in (after, until] this viewer may see, oldest first."""
        if viewer.agent is not None:
            return await self.db.read(lambda c: events.list_events_after(c, after, until, limit))
        assert viewer.session is not None
        session_id = viewer.session.id
        return await self.db.read(
            lambda c: events.list_session_events_after(c, session_id, after, until, limit)
        )

    def view(self, agent: Agent, socket_id: str, session_id: int | None) -> None:
        """The agent on socket `socket_id` now has `session_id` open (None: none); the other
        agents see it, so that two of them do not answer the same customer."""
        self.viewers.update(socket_id, AgentRef.of(agent), session_id)

    def typing(self, viewer: Viewer, typist: str, session_id: int, is_typing: bool) -> None:
        if viewer.agent is not None:
            self.typists.update(
                typist, session_id, "agent", viewer.agent.name, is_typing, to_customer=True
            )
        elif viewer.session is not None:
            name = viewer.session.customer_name or "Visitor"
            self.typists.update(
                typist, viewer.session.id, "customer", name, is_typing, to_customer=False
            )
            if self.on_customer_typing is not None:
                self.on_customer_typing(viewer.session.id, is_typing)

    # -- shared -------------------------------------------------------------------------

    async def _assignee(self, agent: Agent, target_id: int | None) -> Agent:
        if target_id is None or target_id == agent.id:
            return agent
        if not agent.is_admin:
            raise Forbidden("Only an admin can assign a conversation to someone else.")
        target = await self.db.read(lambda c: agents.get_agent(c, target_id))
        if target is None or not target.is_active:
            raise NotFound("No such agent.")
        return target

    async def _stored(
        self, session_id: int, client_id: str | None, *, check_session: bool = False
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

        session, found = await self.db.read(lookup)
        if check_session and session is None:
            raise NotFound("No such conversation.")
        return Posted(found, session, False) if found and session else None

    def _seen(self, tx: Transaction, session: Session, client_id: str) -> Posted | None:
        """The message already stored under this client_id: a retry gets it back, once."""
        found = messages.get_message_by_client_id(tx.conn, session.id, client_id)
        return Posted(found, session, False) if found else None

    async def _history(self, session: Session, after_seq: int, limit: int) -> History:
        found = await self.db.read(
            lambda c: messages.list_messages(c, session.id, after_seq, limit + 1)
        )
        return History(session, found[:limit], len(found) > limit)


def _attach(tx: Transaction, session_id: int, staged: Staged | None) -> Attachment | None:
    """Record a staged file in this transaction; its message is appended next."""
    if staged is None:
        return None
    return attachments.insert_attachment(
        tx.conn,
        session_id,
        staged.name,
        staged.kind.content_type,
        staged.size,
        staged.sha256,
        staged.stored_name,
        tx.now,
    )


def _retried(stored: Posted, same_sender: bool) -> Posted:
    """A retry gets the stored message back; a client_id of someone else's message is 409."""
    if not same_sender:
        raise Conflict("That client_id belongs to another sender's message.")
    return stored


def _check_holder(session: Session, agent: Agent) -> None:
    """Only the agent holding a conversation, or an admin, may act on it."""
    holder = session.assigned_agent
    if holder is not None and holder["id"] != agent.id and not agent.is_admin:
        raise Conflict(f"{holder['name']} is handling this conversation.")
