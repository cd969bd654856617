"""The emails to a visitor who left an address: the continuity email (an agent's replies they
have not read) and the rating request, threaded like a conversation and marked so that
auto-replies do not answer them."""

from __future__ import annotations

import secrets
import smtplib
import ssl
from collections.abc import Sequence
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from html import escape

from chat.mail.servers import MailServer
from chat.mailbox import mailbox_problem
from chat.wire import RATING_LABELS

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


def rating_text(name: str, team_name: str, link: str) -> str:
    """The rating email's text: a link per rating (`link` + ?rating=N), best first."""
    lines = [
        f"Hi {name or 'there'},",
        "",
        f"How did we do? Rate your conversation with {team_name} by following one of these links:",
        "",
    ]
    for rating, label in RATING_LABELS:
        lines += [f"{rating} - {label}", f"{link}?rating={rating}", ""]
    lines += ["You can add a comment on the page before you send your rating.", ""]
    lines.append(f"— {team_name}")
    return "\n".join(lines)


def rating_html(name: str, team_name: str, link: str) -> str:
    """The same as HTML, the alternative mail clients that show HTML pick."""
    items = "".join(
        f'<li><a href="{escape(link)}?rating={rating}">{rating} - {label}</a></li>'
        for rating, label in RATING_LABELS
    )
    return (
        f"<p>Hi {escape(name or 'there')},</p>"
        f"<p>How did we do? Rate your conversation with {escape(team_name)}:</p>"
        f"<ul>{items}</ul>"
        "<p>You can add a comment on the page before you send your rating.</p>"
        f"<p>— {escape(team_name)}</p>"
    )


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
