"""A reply by email, read back into the conversation: which conversation (the token in the
address it was sent to), and what the customer wrote (their new text, without the quoted
email, the signature or the phone's footer). Bounces and auto-replies are dropped."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from email.utils import getaddresses, parseaddr

MAX_TEXT = 4000  # characters kept of one reply (a chat message's limit)


@dataclass(frozen=True, slots=True)
class Reply:
    token: str
    sender: str  # the From address
    text: str
    message_id: str


@dataclass(frozen=True, slots=True)
class Dropped:
    reason: str  # "auto-reply", "bounce", "unknown token" or "empty"
    sender: str = ""


# Where the quoted email starts, as clients write it (English, German, French, Spanish); a
# header may wrap onto the next lines ("On Mon, 1 Dec 2026, Bob\n<bob@x> wrote:").
_ATTRIBUTION = re.compile(
    r"(?:On\b.{0,400}\bwrote|Am\b.{0,400}\bschrieb\b.{0,200}|Le\b.{0,400}\ba écrit"
    r"|El\b.{0,400}\bescribió)\s*:\s*",
    re.S,
)
_SEPARATOR = re.compile(
    r"-{2,}\s*(?:Original Message|Ursprüngliche Nachricht|Message d'origine)\s*-{2,}.*"
    r"|_{10,}\s*",  # Outlook's rule above "From: … Sent: …"
    re.I,
)
_OUTLOOK = re.compile(r"From:\s.+\n(?:.*\n){0,3}?(?:Sent|Date):\s.*", re.I)
_SIGNATURE = re.compile(
    r"(?:--|-- |Sent from my \w+.*|Sent from (?:Mail|Outlook) for \w+.*|Get Outlook for \w+.*"
    r"|Von meinem \w+ gesendet.*|Envoyé de mon \w+.*|Enviado desde mi \w+.*)\s*",
    re.I,
)


def _quote_starts(lines: list[str], n: int) -> bool:
    line = lines[n].strip()
    if line.startswith(">") or _SIGNATURE.fullmatch(line) or _SEPARATOR.fullmatch(line):
        return True
    if _OUTLOOK.match("\n".join(lines[n : n + 5]) + "\n"):
        return True
    return any(
        _ATTRIBUTION.fullmatch(" ".join(part.strip() for part in lines[n : n + k]))
        for k in (1, 2, 3)
    )


def strip_quoted(text: str) -> str:
    """The reply's own text: everything above the first quote header, quoted (>) line,
    signature delimiter or phone footer."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    kept: list[str] = []
    for n, line in enumerate(lines):
        if _quote_starts(lines, n):
            break
        kept.append(line.rstrip())
    found = "\n".join(kept).strip()
    return re.sub(r"\n{3,}", "\n\n", found)[:MAX_TEXT]


def _html_text(markup: str) -> str:
    """An HTML-only email's text: tags dropped, blocks as lines, entities decoded."""
    markup = re.sub(r"(?is)<(script|style|blockquote)\b.*?</\1>", "", markup)
    markup = re.sub(r"(?i)<br\s*/?>|</(?:p|div|li|tr|h\d)>", "\n", markup)
    return html.unescape(re.sub(r"<[^>]+>", "", markup))


def _token(message: EmailMessage, mail_from: str) -> str | None:
    local, domain = mail_from.lower().rsplit("@", 1)
    local = local.split("+", 1)[0]
    headers = [
        str(v)
        for h in ("To", "Cc", "Delivered-To", "X-Original-To")
        for v in message.get_all(h, [])
    ]
    for _, address in getaddresses(headers):
        address = address.lower()
        if "@" not in address:
            continue
        box, host = address.rsplit("@", 1)
        if host == domain and box.startswith(local + "+"):
            token = box[len(local) + 1 :]
            if re.fullmatch(r"[0-9a-f]{8,64}", token):
                return token
    return None


def read_mail(raw: bytes, mail_from: str) -> Reply | Dropped:
    """What one email in the mailbox is: a customer's reply, or dropped and why."""
    message = BytesParser(policy=policy.default).parsebytes(raw)
    assert isinstance(message, EmailMessage)
    sender = parseaddr(str(message.get("From", "")))[1].lower()
    submitted = str(message.get("Auto-Submitted", "no")).split(";")[0].strip().lower()
    precedence = str(message.get("Precedence", "")).strip().lower()
    if (
        submitted != "no"
        or precedence in ("bulk", "junk", "list", "auto_reply")
        or message.get("X-Autoreply") is not None
        or message.get("X-Autorespond") is not None
    ):
        return Dropped("auto-reply", sender)
    return_path = str(message.get("Return-Path", "")).strip()
    if (
        message.get_content_type() == "multipart/report"
        or return_path == "<>"
        or sender.split("@", 1)[0] in ("mailer-daemon", "postmaster")
    ):
        return Dropped("bounce", sender)
    token = _token(message, mail_from)
    if token is None:
        return Dropped("unknown token", sender)
    body = message.get_body(preferencelist=("plain", "html"))
    content = ""
    if body is not None:
        content = str(body.get_content())
        if body.get_content_type() == "text/html":
            content = _html_text(content)
    text = strip_quoted(content)
    if not text:
        return Dropped("empty", sender)
    return Reply(token, sender, text, str(message.get("Message-ID", "")).strip())
