"""Mail servers as configured: `smtp://user:pass@host:port` (`?starttls=1`), `smtps://…`,
`imap://user:pass@host:port/INBOX`, `imaps://…`."""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import parse_qs, unquote, urlsplit

DEFAULT_PORTS = {"smtp": 25, "smtps": 465, "imap": 143, "imaps": 993}


@dataclass(frozen=True, slots=True)
class MailServer:
    scheme: str  # smtp, smtps, imap or imaps
    host: str
    port: int
    username: str = ""
    password: str = field(default="", repr=False)
    starttls: bool = False  # plain connection upgraded with STARTTLS before login
    mailbox: str = "INBOX"  # IMAP only

    @property
    def tls(self) -> bool:
        """TLS from the first byte (smtps, imaps)."""
        return self.scheme.endswith("s")

    @property
    def label(self) -> str:
        """The server as it may be logged: never its password."""
        return f"{self.scheme}://{self.host}:{self.port}"


def parse_server(url: str, kind: str) -> MailServer:
    """The server of an smtp(s) (kind "smtp") or imap(s) (kind "imap") URL; ValueError says
    what is wrong with it, without repeating the password."""
    parts = urlsplit(url)
    if parts.scheme not in (kind, kind + "s"):
        raise ValueError(f"a {kind} URL starts with {kind}:// or {kind}s://")
    if not parts.hostname:
        raise ValueError(f"the {kind} URL names no host")
    try:
        port = parts.port or DEFAULT_PORTS[parts.scheme]
    except ValueError as error:
        raise ValueError(f"the {kind} URL's port is not a number") from error
    query = parse_qs(parts.query)
    starttls = query.get("starttls", ["0"])[-1].lower() in ("1", "true", "yes")
    if starttls and parts.scheme.endswith("s"):
        raise ValueError(f"{parts.scheme}:// is TLS already; starttls is for {kind}://")
    mailbox = unquote(parts.path.lstrip("/")) or "INBOX"
    return MailServer(
        parts.scheme,
        parts.hostname,
        port,
        unquote(parts.username or ""),
        unquote(parts.password or ""),
        starttls,
        mailbox,
    )
