"""The mailbox that replies arrive in, read over IMAP: new messages fetched and marked seen,
then IDLE (RFC 2177) until the server says something arrived, or a plain wait where the server
does not offer IDLE. Blocking: the service runs it in a thread."""

from __future__ import annotations

import imaplib
import select
import ssl
import threading
import time

from chat.mail.servers import MailServer


class Mailbox:
    """One IMAP connection, opened on first use and again after it broke."""

    def __init__(
        self, server: MailServer, *, timeout: float = 30.0, context: ssl.SSLContext | None = None
    ) -> None:
        self.server = server
        self.timeout = timeout
        self.context = context
        self._conn: imaplib.IMAP4 | None = None

    def _connect(self) -> imaplib.IMAP4:
        if self._conn is not None:
            return self._conn
        server, context = self.server, self.context or ssl.create_default_context()
        conn: imaplib.IMAP4
        if server.tls:
            conn = imaplib.IMAP4_SSL(
                server.host, server.port, ssl_context=context, timeout=self.timeout
            )
        else:
            conn = imaplib.IMAP4(server.host, server.port, timeout=self.timeout)
            if server.starttls:
                conn.starttls(context)
        try:
            conn.login(server.username, server.password)
            status, _ = conn.select(server.mailbox)  # imaplib quotes it when it must
            if status != "OK":
                raise imaplib.IMAP4.error(f"no mailbox {server.mailbox!r}")
        except BaseException:
            conn.shutdown()
            raise
        self._conn = conn
        return conn

    def fetch_new(self, limit: int = 50) -> list[bytes]:
        """The raw bytes of up to `limit` unseen messages, oldest first, each marked seen as it
        is fetched (a message is read once even if the app dies right after: the service stores
        what it read in the same step)."""
        conn = self._connect()
        try:
            status, found = conn.uid("SEARCH", "UNSEEN")
            if status != "OK":
                raise imaplib.IMAP4.error("SEARCH failed")
            uids = found[0].split()[:limit] if found and found[0] else []
            messages = []
            for uid in uids:
                status, data = conn.uid("FETCH", uid, "(BODY.PEEK[])")
                raw = next((part[1] for part in data if isinstance(part, tuple)), None)
                if status == "OK" and raw is not None:
                    messages.append(raw)
                conn.uid("STORE", uid, "+FLAGS.SILENT", r"(\Seen)")
            return messages
        except (OSError, imaplib.IMAP4.error):
            self.close()
            raise

    def wait(self, seconds: float, stop: threading.Event) -> None:
        """Return when new mail may have arrived, after `seconds`, or soon after `stop` is
        set: IDLE when the server offers it, else sleep."""
        conn = self._connect()
        if "IDLE" not in conn.capabilities:
            stop.wait(seconds)
            return
        try:
            self._idle(conn, seconds, stop)
        except (OSError, imaplib.IMAP4.error):
            self.close()
            raise

    def _idle(self, conn: imaplib.IMAP4, seconds: float, stop: threading.Event) -> None:
        tag = conn._new_tag()  # imaplib (before 3.14) has no IDLE: its own tags keep order
        conn.send(tag + b" IDLE\r\n")
        if not conn.readline().startswith(b"+"):
            raise imaplib.IMAP4.error("IDLE refused")
        deadline = time.monotonic() + seconds
        sock = conn.socket()
        while not stop.is_set() and time.monotonic() < deadline:
            readable, _, _ = select.select([sock], [], [], 0.25)
            if readable:
                line = conn.readline()
                if not line:
                    raise imaplib.IMAP4.abort("the server closed the connection")
                if b"EXISTS" in line or b"RECENT" in line:
                    break
        conn.send(b"DONE\r\n")
        while True:  # the rest of the IDLE's answers, up to its tagged end
            line = conn.readline()
            if not line:
                raise imaplib.IMAP4.abort("the server closed the connection")
            if line.startswith(tag + b" "):
                return

    def close(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            try:
                conn.logout()
            except (OSError, imaplib.IMAP4.error):
                conn.shutdown()
