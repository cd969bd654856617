"""The continuity email: an agent's replies that the visitor has not read, sent to the address
they left, threaded like a conversation and marked so that auto-replies do not answer it."""

from __future__ import annotations

import secrets
import smtplib
import ssl
from collections.abc import Sequence
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from chat.mail.servers import MailServer
from chat.mailbox import mailbox_problem

MAX_NAME = 100


def is_address(text: str) -> bool:
    """One plain address (chat/mailbox.py's rule, the one the contact endpoint applies)."""
    return mailbox_problem(text) is None


def display_name(name: str) -> str:
    """A name fit for a header: control characters (line breaks above all) refused."""
    if len(name) > MAX_NAME or any(ord(c) < 32 or ord(c) == 127 for c in name):
        raise ValueError("a name holds no line breaks or control characters")
    return name.strip()


def new_token() -> str:
    """What a reply's address carries to find its conversation: random, never the session
    key (an email address is seen by every server on the way), lowercase because some servers
    lowercase addresses."""
    return secrets.token_hex(12)


def reply_address(mail_from: str, token: str) -> str:
    """mail_from with the token as its subaddress: support@x.com → support+TOKEN@x.com."""
    local, domain = mail_from.rsplit("@", 1)
    return f"{local.split('+', 1)[0]}+{token}@{domain}"


def continuity_email(
    *,
    mail_from: str,
    team_name: str,
    to: str,
    to_name: str,
    token: str,
    subject: str,
    text: str,
    previous: Sequence[str] = (),
) -> EmailMessage:
    """One email carrying the agent messages in `text`. `previous` are the Message-IDs of the
    conversation's earlier emails, oldest first: In-Reply-To and References thread them."""
    if not is_address(to) or not is_address(mail_from):
        raise ValueError("not an email address")
    message = EmailMessage()
    message["From"] = Address(display_name(team_name), addr_spec=mail_from)
    message["To"] = Address(display_name(to_name), addr_spec=to)
    message["Reply-To"] = Address(
        display_name(team_name), addr_spec=reply_address(mail_from, token)
    )
    message["Subject"] = display_name(subject)
    message["Date"] = formatdate(usegmt=True)
    message["Message-ID"] = make_msgid("switchboard", domain=mail_from.rsplit("@", 1)[1])
    if previous:
        message["In-Reply-To"] = previous[-1]
        message["References"] = " ".join(previous[-20:])
    # RFC 3834: machine-sent, so vacation responders stay quiet; Outlook reads its own header.
    message["Auto-Submitted"] = "auto-generated"
    message["X-Auto-Response-Suppress"] = "All"
    message.set_content(text)
    return message


def send(
    server: MailServer,
    message: EmailMessage,
    *,
    timeout: float = 30.0,
    context: ssl.SSLContext | None = None,
) -> None:
    """Hand the message to the SMTP server (blocking: call it in a thread). Raises OSError or
    smtplib.SMTPException when it was not accepted."""
    context = context or ssl.create_default_context()
    client: smtplib.SMTP
    if server.tls:
        client = smtplib.SMTP_SSL(server.host, server.port, timeout=timeout, context=context)
    else:
        client = smtplib.SMTP(server.host, server.port, timeout=timeout)
    with client:
        if server.starttls:
            client.starttls(context=context)
        if server.username:
            client.login(server.username, server.password)
        client.send_message(message)
