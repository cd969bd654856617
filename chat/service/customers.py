"""The customer's side of a conversation: start it, send messages and files, read it, ask for a
person. The customer is known by the session key they were given at the start."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import BinaryIO

from chat import events as catalogue
from chat.ai.responder import wants_person
from chat.attachments import Staged
from chat.auth import hash_token, new_secret
from chat.config import Settings
from chat.errors import RateLimited
from chat.hub.presence import PresenceBoard
from chat.models import Attachment, Message, SenderType, Session, SessionStatus
from chat.ratelimit import Limiter
from chat.service.handoff import ai_may_answer, handoff_note, queue_for_person
from chat.service.history import History, read_history, session_by_key
from chat.service.hours import BusinessHours
from chat.service.receipts import ReadReceipts
from chat.service.retries import retried, seen_message, stored_message, stored_then, taken_by
from chat.service.routing import reopen, route
from chat.service.transaction import Changed, Posted, Transaction, Write
from chat.service.uploads import Uploads, attach
from chat.storage import sessions
from chat.storage.database import Database

TOO_MANY_STARTS = "Too many new conversations from this address; please wait."
SESSION_TOO_FAST = "You are sending messages too fast."
ADDRESS_TOO_FAST = "Too many messages from this address; please wait."


@dataclass(frozen=True, slots=True)
class Started:
    session_key: str
    session: Session
    messages: list[Message]


class CustomerSide:
    """What the customer behind a session key can do, under the rate limits of their session
    and their address."""

    def __init__(
        self,
        db: Database,
        write: Write,
        settings: Settings,
        presence: PresenceBoard,
        hours: BusinessHours,
        uploads: Uploads,
        receipts: ReadReceipts,
        wake_ai: Callable[[int], None],
        limiter: Callable[[str, int, float], Limiter],
    ) -> None:
        self.db = db
        self._write = write
        self.settings = settings
        self.presence = presence
        self.hours = hours
        self.uploads = uploads
        self.receipts = receipts
        self._wake_ai = wake_ai  # a customer message the AI may answer was committed
        # Whether new conversations start with the AI; an admin may switch it at run time.
        self.ai_enabled = settings.ai_enabled
        limits = settings.limits
        # Shared by every node of a cluster (see chat/hub/redis.py), kept in memory otherwise.
        self._starts = limiter("starts", limits.starts_per_minute, 60)
        self._session_sends = limiter("session-sends", limits.messages_per_minute, 60)
        self._address_sends = limiter("address-sends", limits.address_messages_per_minute, 60)
        # Sends being written now, by (session, client_id): a retry that arrives meanwhile waits
        # for the first one's outcome instead of using a share of the rate limit or a write.
        self._in_flight: dict[tuple[int, str], asyncio.Future[Posted]] = {}

    async def start_session(
        self, name: str | None, email: str | None, page_url: str | None, address: str
    ) -> Started:
        await self._starts.take(address, TOO_MANY_STARTS)
        key = new_secret()
        status = SessionStatus.BOT if self.ai_enabled else SessionStatus.QUEUED

        def work(tx: Transaction) -> Changed:
            session_id = sessions.insert_session(
                tx.conn, hash_token(key), status, name, email, page_url, tx.now
            )
            session = tx.session(session_id)
            if status is SessionStatus.QUEUED:
                session = tx.requeue(session, front=False)  # its place and its wait
            tx.emit_session(catalogue.SESSION_STARTED, session, public=False)
            if route(tx):
                session = tx.session(session_id)
            return Changed(session, tx.events)

        out: Changed = await self._write(work)
        return Started(key, out.session, [])

    async def post_message(
        self, session_key: str, content: str, client_id: str | None, address: str
    ) -> Posted:
        session_id = (await session_by_key(self.db, session_key)).id
        return await self.post_as_customer(session_id, content, client_id, address)

    async def post_file(
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
        session_id = (await session_by_key(self.db, session_key)).id
        await self.check_send_rate(session_id, address)  # before any disk work
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

    async def file(self, session_key: str, attachment_id: int) -> tuple[Attachment, Path]:
        """A file of the key's own conversation; any other is not found."""
        session_id = (await session_by_key(self.db, session_key)).id
        return await self.uploads.find(attachment_id, session_id)

    async def post_as_customer(
        self,
        session_id: int,
        content: str,
        client_id: str | None,
        address: str,
        staged: Staged | None = None,
        wake_ai: bool = True,
        on_stored: Callable[[Posted], None] | None = None,
    ) -> Posted:
        """The customer of `session_id` (already authenticated by its key) sends a message;
        `wake_ai` False when it holds nothing to answer (a file without a caption);
        `on_stored` told once a new message has committed, within its write batch.

        Refusals never raise in the writer's transaction, where they would roll back and re-run
        every other write of its batch: the rate limits are taken before the write is queued
        (a send at the limit costs one read, to answer a retry of a stored message), and a
        client_id already stored comes back from the transaction unwritten, its sender checked
        after. The usual send costs no read before its write. A retry of a send still being
        written waits for that send and gets its answer."""
        if not client_id:
            return await self._post(
                session_id, content, client_id, address, staged, wake_ai, on_stored
            )
        key = (session_id, client_id)
        if (earlier := self._in_flight.get(key)) is not None:
            try:
                first = await asyncio.shield(earlier)
            except Exception:  # noqa: BLE001 - the first send failed: this one tries on its own
                pass
            else:
                return retried(
                    replace(first, created=False), first.message.sender_type is SenderType.CUSTOMER
                )
            return await self.post_as_customer(
                session_id, content, client_id, address, staged, wake_ai, on_stored
            )
        outcome: asyncio.Future[Posted] = asyncio.get_running_loop().create_future()
        self._in_flight[key] = outcome
        try:
            posted = await self._post(
                session_id, content, client_id, address, staged, wake_ai, on_stored
            )
        except BaseException as exc:
            outcome.set_exception(exc if isinstance(exc, Exception) else RuntimeError("cancelled"))
            outcome.exception()  # retrieved: nobody may be waiting
            raise
        else:
            outcome.set_result(posted)
        finally:
            del self._in_flight[key]
        return posted

    async def _post(
        self,
        session_id: int,
        content: str,
        client_id: str | None,
        address: str,
        staged: Staged | None,
        wake_ai: bool,
        on_stored: Callable[[Posted], None] | None = None,
    ) -> Posted:
        try:
            await self._take_send(session_id, address)
        except RateLimited:
            if client_id and (stored := await stored_message(self.db, session_id, client_id)):
                return retried(stored, stored.message.sender_type is SenderType.CUSTOMER)
            raise
        note = self.handoff_note()

        def work(tx: Transaction) -> Posted:
            # without its last message, which the one appended here replaces
            session = tx.session_head(session_id)
            if client_id and staged is None and session.status is not SessionStatus.CLOSED:
                # the usual send: the retry check is the insert's own (nothing else is written
                # before it, so a retry writes nothing)
                fresh = tx.append_new(
                    session, SenderType.CUSTOMER, content, session.customer_name, client_id
                )
                if fresh is None:
                    return taken_by(tx, tx.session(session_id), client_id)
                return _routed(tx, fresh, session_id, content, note)
            if client_id and (seen := seen_message(tx, tx.session(session_id), client_id)):
                return seen  # written by nobody: whose it is is checked after the commit
            if session.status is SessionStatus.CLOSED:
                session = reopen(tx, session)
            posted = tx.append(
                session,
                SenderType.CUSTOMER,
                content,
                client_id=client_id,
                sender_name=session.customer_name,
                attachment=attach(tx, session_id, staged),
            )
            return _routed(tx, posted, session_id, content, note)

        try:
            posted: Posted = await self._write(work, stored_then(on_stored))
        except Exception:  # a cancelled caller keeps its share: its write may still commit
            await self._give_back_send(session_id, address)
            raise
        if not posted.created:
            await self._give_back_send(session_id, address)
            return retried(posted, posted.message.sender_type is SenderType.CUSTOMER)
        if wake_ai and ai_may_answer(posted.session):
            self._wake_ai(session_id)
        return posted

    async def check_send_rate(self, session_id: int, address: str) -> None:
        """Refuse a send over the rate limits before any costly work (staging a file). Only a
        check: the send takes its share when it is queued, once a retry has been answered."""
        await self._session_sends.check(str(session_id), SESSION_TOO_FAST)
        await self._address_sends.check(address, ADDRESS_TOO_FAST)

    async def _take_send(self, session_id: int, address: str) -> None:
        """Use one send of the session's and the address's allowance, or refuse with 429.

        Taken before the write rather than counted after it, so sends queued at once (on any
        node) cannot all slip under the limit; given back when the send stores nothing."""
        await self._session_sends.take(str(session_id), SESSION_TOO_FAST)
        try:
            await self._address_sends.take(address, ADDRESS_TOO_FAST)
        except BaseException:
            await self._session_sends.give_back(str(session_id))
            raise

    async def _give_back_send(self, session_id: int, address: str) -> None:
        await self._session_sends.give_back(str(session_id))
        await self._address_sends.give_back(address)

    async def mark_read(self, session_key: str, seq: int) -> Session:
        """The customer behind `session_key` has read their conversation up to message `seq`."""
        session_id = (await session_by_key(self.db, session_key)).id
        return await self.receipts.mark(session_id, seq, None)

    async def history(self, session_key: str, after_seq: int, limit: int) -> History:
        session = await session_by_key(self.db, session_key)
        return await read_history(self.db, session, after_seq, limit)

    async def hand_off(self, session_key: str, language: str | None = None) -> Session:
        """The customer asks for a person: the session waits in the queue for an agent, the
        note that says so in the widget's `language` when it sent one."""
        session_id = (await session_by_key(self.db, session_key)).id
        note = self.handoff_note(language)
        out = await self._write(lambda tx: queue_for_person(tx, session_id, note))
        return out.session

    def handoff_note(self, language: str | None = None) -> str:
        """What the customer is told when the conversation is queued for a person: outside
        business hours the away message and when the team is back; else a promise only while
        someone is Available."""
        return self.hours.away_note(language) or handoff_note(
            self.presence.agents_available, language
        )

    async def leave_contact(
        self, session_key: str, email: str, name: str | None, address: str
    ) -> Session:
        """The visitor leaves an address for replies (and maybe their name): kept on the
        conversation as its customer's email, shown to agents (chat.session.updated). Counted
        against the same allowance as their messages."""
        session_id = (await session_by_key(self.db, session_key)).id
        await self._take_send(session_id, address)

        def work(tx: Transaction) -> Changed:
            sessions.update_contact(tx.conn, session_id, email, name, tx.now)
            session = tx.session(session_id)
            tx.emit_session(catalogue.SESSION_UPDATED, session)
            return Changed(session, tx.events)

        try:
            out: Changed = await self._write(work)
        except Exception:
            await self._give_back_send(session_id, address)
            raise
        return out.session


def _routed(tx: Transaction, posted: Posted, session_id: int, content: str, note: str) -> Posted:
    """After a customer's message: a conversation with the AI goes to a person when the
    customer asks for one; a queued one is routed (it may have been reopened)."""
    if posted.session.status is SessionStatus.BOT and wants_person(content):
        changed = queue_for_person(tx, session_id, note)
        posted.session = changed.session
    elif posted.session.status is SessionStatus.QUEUED and route(tx):
        posted.session = tx.session(session_id)  # reopened, and routed at once
    return posted
