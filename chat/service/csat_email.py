"""The rating by email (issue #21): a visitor who left an address and whose conversation an agent
closed asking for a rating gets one email, "How did we do?", with a link per rating to the /rate
page (chat/routes/rate_pages.py), unless they rated in the widget first.

The close stores the request (csat_emails, asked_at). The email worker's pass, every second,
sends those that are `email_delay` old: a node leases the row before sending, so one node of a
cluster sends it; `sent_at` once the SMTP server accepted it. A row whose conversation was rated
meanwhile, reopened, or closed again without a survey is deleted unsent (a later close that asks
again stores a new one). Failures are retried on the continuity emails' schedule and given up
after a day (chat/service/delivery.py)."""

from __future__ import annotations

import asyncio
import logging
import smtplib
import ssl
from datetime import datetime, timedelta
from email.message import EmailMessage

from chat.config import Settings
from chat.mail.outgoing import (
    continuity_email,
    display_name,
    is_address,
    new_token,
    rating_html,
    rating_text,
    send,
)
from chat.mail.servers import MailServer
from chat.models import Session, iso_time
from chat.service.conversations import ChatService
from chat.service.delivery import LEASE, next_attempt
from chat.service.satisfaction import refusal
from chat.service.transaction import Transaction
from chat.storage import email as threads
from chat.storage import reports
from chat.storage.email import EmailThread
from chat.storage.reports import RatingEmail

log = logging.getLogger("chat.email")
SUBJECT = "How did we do?"


class RatingEmails:
    """Sends nothing without an SMTP server and `public_url` (the links need it)."""

    def __init__(
        self,
        chat: ChatService,
        settings: Settings,
        smtp: MailServer | None,
        *,
        team_name: str,
        context: ssl.SSLContext | None = None,
    ) -> None:
        self.chat = chat
        self.db = chat.db
        self.delay = settings.email_delay
        self.mail_from = settings.mail_from
        self.public_url = settings.public_url.rstrip("/")
        self.smtp = smtp if self.public_url else None
        self.team_name = team_name
        self.context = context
        if smtp is not None and not self.public_url:
            log.warning("email: no rating emails: --public-url is not set (their links need it)")

    async def send_due(self, now: datetime) -> int:
        """One pass: send every rating email that is due; how many went out."""
        if self.smtp is None:
            return 0
        asked_before = iso_time(now - timedelta(seconds=self.delay))
        due = await self.db.read(
            lambda conn: reports.due_rating_emails(conn, iso_time(now), asked_before, 50)
        )
        sent = 0
        for row in due:
            sent += await self._send(row, now)
        return sent

    async def _send(self, row: RatingEmail, now: datetime) -> int:
        assert self.smtp is not None
        claimed = await self.chat._write(lambda tx: self._claim(tx, row, now))
        if claimed is None:
            return 0  # another node sends it, or there is nothing to ask any more
        thread, session = claimed
        message = self._compose(thread, session)
        try:
            await asyncio.to_thread(send, self.smtp, message, timeout=30, context=self.context)
        except (OSError, smtplib.SMTPException) as error:
            await self._failed(row, now, f"{type(error).__name__}: {error}")
            return 0
        message_id = str(message["Message-ID"])

        def done(tx: Transaction) -> None:
            reports.mark_rating_emailed(tx.conn, row.session_id, tx.now)
            threads.add_message_id(tx.conn, row.session_id, message_id)

        await self.chat._write(done)
        log.info("email: asked for the rating of conversation %d", row.session_id)
        return 1

    def _claim(
        self, tx: Transaction, row: RatingEmail, now: datetime
    ) -> tuple[EmailThread, Session] | None:
        """Lease the row (None: another node did); drop it when there is nothing to ask."""
        until = iso_time(now + timedelta(seconds=LEASE))
        if not reports.lease_rating_email(tx.conn, row.session_id, row.next_attempt_at, until):
            return None
        session = tx.session(row.session_id)
        address = session.customer_email
        if refusal(tx.conn, session) is not None or not address or not is_address(address):
            reports.delete_rating_email(tx.conn, row.session_id)
            return None
        # The email's Reply-To is the conversation's: an answer to it reaches the conversation.
        threads.ensure_thread(tx.conn, row.session_id, new_token(), tx.now)
        thread = threads.get_thread(tx.conn, row.session_id)
        assert thread is not None
        return thread, session

    async def _failed(self, row: RatingEmail, now: datetime, error: str) -> None:
        retry_at, give_up = next_attempt(row.attempts, now)
        log.warning(
            "email: rating request not delivered for conversation %d (attempt %d%s): %s",
            row.session_id,
            row.attempts + 1,
            ", given up" if give_up else "",
            error,
        )

        def work(tx: Transaction) -> None:
            reports.mark_rating_email_failed(
                tx.conn,
                row.session_id,
                error,
                iso_time(retry_at),
                tx.now if give_up else None,
            )

        await self.chat._write(work)

    def _compose(self, thread: EmailThread, session: Session) -> EmailMessage:
        assert session.customer_email is not None
        name = session.customer_name or ""
        try:
            to_name = display_name(name)
        except ValueError:
            to_name = ""
        link = f"{self.public_url}/rate/{self.chat.satisfaction.links.token(session.id)}"
        message = continuity_email(
            mail_from=self.mail_from,
            team_name=self.team_name,
            to=session.customer_email,
            to_name=to_name,
            token=thread.token,
            subject=SUBJECT,
            text=rating_text(to_name, self.team_name, link),
            previous=thread.message_ids,
        )
        message.add_alternative(rating_html(to_name, self.team_name, link), subtype="html")
        return message
