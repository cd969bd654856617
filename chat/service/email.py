"""Email continuity (TEAMS.md, "Business hours and email"): a visitor who left an address and
the tab gets the agents' replies they have not read by email, several as one, threaded; their
reply by email comes back into the conversation as their message (which reopens it if closed).

Sending: every second one pass looks for conversations with agent messages neither read nor
emailed. The oldest such message must have waited `email_delay` seconds; then all of them go
in one email. A node leases the thread in the database before sending, so one node of a cluster
sends it; what was sent is committed after the SMTP server accepted it (a crash in between
sends it again: at least once). A failure is retried with backoff and jitter for a day, then
given up (`failed_at`). Receiving: the mailbox is read over IMAP (IDLE when offered); each
reply is matched by the token in the address it was sent to. The rating request of a closed
conversation (chat/service/csat_email.py) goes out from the same pass."""

from __future__ import annotations

import asyncio
import logging
import smtplib
import ssl
import threading
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage

from chat.config import Settings
from chat.mail.imap import Mailbox
from chat.mail.incoming import Dropped, Reply, read_mail
from chat.mail.outgoing import continuity_email, display_name, is_address, new_token, send
from chat.mail.servers import MailServer, parse_server
from chat.models import Message, Session, iso_time, parse_time
from chat.service.conversations import ChatService
from chat.service.csat_email import RatingEmails
from chat.service.delivery import LEASE, next_attempt
from chat.service.transaction import Transaction
from chat.storage import email as threads
from chat.storage.email import EmailThread
from chat.wire import EmailThreadAnswer, EmailThreadView

log = logging.getLogger("chat.email")
# Only conversations active this recently are looked at: an old conversation whose visitor
# leaves an address today is not sent last year's replies.
RECENT = timedelta(days=2)
ADDRESS = "email"  # the rate limiter's address for replies that come by email


def _fits_header(name: str) -> bool:
    try:
        display_name(name)
    except ValueError:
        return False
    return True


class EmailContinuity:
    """Sends and reads nothing unless an SMTP server and the team's address are set."""

    def __init__(
        self,
        chat: ChatService,
        settings: Settings,
        *,
        team_name: str = "Support",
        context: ssl.SSLContext | None = None,
        idle_seconds: float = 300.0,
    ) -> None:
        self.chat = chat
        self.db = chat.db
        self.delay = settings.email_delay
        self.mail_from = settings.mail_from
        self.team_name = team_name
        self.context = context
        self.idle_seconds = idle_seconds
        self.smtp: MailServer | None = None
        self.imap: MailServer | None = None
        if settings.smtp_url and settings.mail_from:
            self.smtp = parse_server(settings.smtp_url, "smtp")
            if settings.imap_url:
                self.imap = parse_server(settings.imap_url, "imap")
        self.ratings = RatingEmails(chat, settings, self.smtp, team_name=team_name, context=context)
        self._stop = threading.Event()

    @property
    def enabled(self) -> bool:
        return self.smtp is not None

    # -- what agents see -------------------------------------------------------------------

    async def status(self, session_id: int) -> EmailThreadAnswer:
        """What agents see of the conversation's email (404 for no such conversation)."""
        session = await self.chat.get_session(session_id)
        if not session.customer_email:
            return EmailThreadAnswer(None)
        thread, emailed = await self.db.read(
            lambda conn: (
                threads.get_thread(conn, session_id),
                threads.emailed_seqs(conn, session_id),
            ),
            snapshot=True,
        )
        if thread is None:
            status = "waiting"
        elif thread.failed_at:
            status = "not_delivered"
        elif thread.attempts:
            status = "retrying"
        else:
            status = "sent" if thread.emailed_seq else "waiting"
        view = EmailThreadView(
            session.customer_email,
            session.customer_name or "",
            thread.emailed_seq if thread else 0,
            emailed,
            status,
            thread.last_error if thread else None,
        )
        return EmailThreadAnswer(view)

    # -- sending --------------------------------------------------------------------------

    async def run(self) -> None:
        """Send what is due every second and read the mailbox, until cancelled."""
        if not self.enabled:
            return
        receiving = asyncio.create_task(self._receive_loop(), name="email-in")
        try:
            while True:
                try:
                    await self.send_due()
                except Exception:  # noqa: BLE001 - a database hiccup: next second again
                    log.exception("email: the pass over due emails failed")
                await asyncio.sleep(1.0)
        finally:
            self._stop.set()
            receiving.cancel()

    async def send_due(self) -> int:
        """One pass: send every email that is due (replies, then rating requests); how many
        went out."""
        now = datetime.now(UTC)
        since = iso_time(now - RECENT)
        due = await self.db.read(
            lambda conn: threads.pending_threads(conn, iso_time(now), since, 50)
        )
        sent = 0
        for session_id in due:
            sent += await self._send_thread(session_id, now)
        # After the replies: a rating request threads after the last of them.
        return sent + await self.ratings.send_due(now)

    async def _send_thread(self, session_id: int, now: datetime) -> int:
        assert self.smtp is not None
        unsent = await self.db.read(lambda conn: threads.unsent_messages(conn, session_id))
        if not unsent or parse_time(unsent[0].created_at) > now - timedelta(seconds=self.delay):
            return 0
        lease_until = iso_time(now + timedelta(seconds=LEASE))

        def lease(tx: Transaction) -> tuple[EmailThread, Session] | None:
            # Made as of this pass's `now`: tx.now is later, and a new thread would not be
            # due to the lease below until the next pass.
            threads.ensure_thread(tx.conn, session_id, new_token(), iso_time(now))
            if not threads.lease_thread(tx.conn, session_id, iso_time(now), lease_until):
                return None
            thread = threads.get_thread(tx.conn, session_id)
            assert thread is not None
            return thread, tx.session(session_id)

        leased = await self.chat._write(lease)
        if leased is None:
            return 0  # another node sends it
        thread, session = leased
        if not session.customer_email or not is_address(session.customer_email):
            return 0
        message = self._compose(thread, session, unsent)
        try:
            await asyncio.to_thread(send, self.smtp, message, timeout=30, context=self.context)
        except (OSError, smtplib.SMTPException) as error:
            await self._failed(thread, now, f"{type(error).__name__}: {error}")
            return 0
        message_id = str(message["Message-ID"])

        def done(tx: Transaction) -> None:
            threads.mark_sent(tx.conn, session_id, [m.seq for m in unsent], message_id, tx.now)

        await self.chat._write(done)
        log.info("email: sent %d message(s) of conversation %d", len(unsent), session_id)
        return 1

    async def _failed(self, thread: EmailThread, now: datetime, error: str) -> None:
        retry_at, give_up = next_attempt(thread.attempts, now)
        log.warning(
            "email: not delivered for conversation %d (attempt %d%s): %s",
            thread.session_id,
            thread.attempts + 1,
            ", given up" if give_up else "",
            error,
        )

        def work(tx: Transaction) -> None:
            threads.mark_failed(
                tx.conn,
                thread.session_id,
                error,
                iso_time(retry_at),
                tx.now if give_up else None,
            )

        await self.chat._write(work)

    def _compose(
        self, thread: EmailThread, session: Session, unsent: list[Message]
    ) -> EmailMessage:
        assert session.customer_email is not None
        name = session.customer_name or ""
        page_url = session.page_url
        lines = [f"Hi {name or 'there'},", ""]
        for message in unsent:
            lines += [f"{message.sender_name or 'Our team'} wrote:", "", message.content, ""]
        lines.append("Reply to this email to answer; your reply reaches the same conversation.")
        if page_url and page_url.startswith(("https://", "http://")):
            lines.append(f"Or continue the chat where you left it: {page_url}")
        lines += ["", f"— {self.team_name}"]
        return continuity_email(
            mail_from=self.mail_from,
            team_name=self.team_name,
            to=session.customer_email,
            to_name=name if _fits_header(name) else "",
            token=thread.token,
            subject=f"Your conversation with {self.team_name}",
            text="\n".join(lines),
            previous=thread.message_ids,
        )

    # -- receiving ------------------------------------------------------------------------

    async def receive(self, raw: bytes) -> Reply | Dropped:
        """One email from the mailbox: a reply becomes the customer's message."""
        found = read_mail(raw, self.mail_from)
        if isinstance(found, Dropped):
            log.info("email: dropped a message (%s) from %s", found.reason, found.sender or "?")
            return found
        thread = await self.db.read(lambda conn: threads.thread_by_token(conn, found.token))
        if thread is None:
            log.info("email: dropped a message (unknown token) from %s", found.sender)
            return Dropped("unknown token", found.sender)
        client_id = "email:" + (found.message_id or found.token)[:100]
        await self.chat.customers.post_as_customer(
            thread.session_id, found.text, client_id, ADDRESS
        )
        return found

    async def _receive_loop(self) -> None:
        if self.imap is None:
            return
        mailbox = Mailbox(self.imap, context=self.context)
        failures = 0
        try:
            while True:
                try:
                    for raw in await asyncio.to_thread(mailbox.fetch_new):
                        try:
                            await self.receive(raw)
                        except Exception:  # noqa: BLE001 - one bad email never stops the rest
                            log.exception("email: a reply could not be stored")
                    failures = 0
                    await asyncio.to_thread(mailbox.wait, self.idle_seconds, self._stop)
                except Exception as error:  # noqa: BLE001 - the server is down: retry later
                    failures += 1
                    log.warning("email: reading %s failed: %s", self.imap.label, error)
                    await asyncio.sleep(min(60.0, 2.0**failures))
        finally:
            self._stop.set()
            await asyncio.to_thread(mailbox.close)
