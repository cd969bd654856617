"""Real mail servers on 127.0.0.1 for the email tests: an SMTP server (aiosmtpd, in this
process) that keeps what it receives, and Dovecot (Debian's dovecot-imapd, its own process
with its own configuration and mail folder) as the IMAP mailbox replies arrive in."""

from __future__ import annotations

import asyncio
import imaplib
import os
import pwd
import shutil
import socket
import ssl
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session

from bench.server import free_port

IMAP_USER = "support"
IMAP_PASSWORD = "mailbox-secret"


@dataclass
class Received:
    """What the SMTP server accepted: one envelope per delivery."""

    envelopes: list[Envelope] = field(default_factory=list)
    encrypted: list[bool] = field(default_factory=list)  # whether each came over TLS

    @property
    def messages(self) -> list[EmailMessage]:
        parser = BytesParser(policy=policy.default)
        found = []
        for envelope in self.envelopes:
            content = envelope.content
            raw = content if isinstance(content, bytes) else str(content).encode()
            message = parser.parsebytes(raw)
            assert isinstance(message, EmailMessage)
            found.append(message)
        return found

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        transport = server.transport
        over_tls = transport is not None and transport.get_extra_info("ssl_object") is not None
        self.encrypted.append(over_tls or session.ssl is not None)
        self.envelopes.append(envelope)
        return "250 Message accepted for delivery"


def self_signed(folder: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1 and its key, made with the openssl command (Debian's)."""
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "1",
            "-keyout",
            str(key),
            "-out",
            str(cert),
            "-subj",
            "/CN=127.0.0.1",
            "-addext",
            "subjectAltName=IP:127.0.0.1",
        ],
        check=True,
        capture_output=True,
    )
    return cert, key


class SmtpServer:
    """aiosmtpd on a fixed port, which a test may stop (the server is down: connections are
    refused) and start again. `tls`: "starttls" (plain, and mail only after STARTTLS) or
    "tls" (TLS from the first byte), with the certificate and key `pem`."""

    def __init__(self, tls: str = "", pem: tuple[Path, Path] | None = None) -> None:
        self.port = free_port()
        self.received = Received()
        self.tls = tls
        self._context: ssl.SSLContext | None = None
        if tls:
            assert pem is not None
            self._context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            self._context.load_cert_chain(*pem)
        self._controller: Controller | None = None

    @property
    def url(self) -> str:
        if self.tls == "tls":
            return f"smtps://127.0.0.1:{self.port}"
        return f"smtp://127.0.0.1:{self.port}" + ("?starttls=1" if self.tls else "")

    def start(self) -> None:
        if self.tls == "starttls":
            self._controller = Controller(
                self.received,
                hostname="127.0.0.1",
                port=self.port,
                tls_context=self._context,
                require_starttls=True,
            )
        else:
            self._controller = Controller(
                self.received, hostname="127.0.0.1", port=self.port, ssl_context=self._context
            )
        self._controller.start()

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    async def wait_for(self, count: int, timeout: float = 15.0) -> list[EmailMessage]:
        """The messages received, once there are `count` of them (or the timeout passed)."""
        deadline = time.monotonic() + timeout
        while len(self.received.envelopes) < count and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
        return self.received.messages


@contextmanager
def smtp_server(tls: str = "", pem: tuple[Path, Path] | None = None) -> Iterator[SmtpServer]:
    server = SmtpServer(tls, pem)
    server.start()
    try:
        yield server
    finally:
        server.stop()


@dataclass
class ImapServer:
    port: int
    folder: Path

    @property
    def url(self) -> str:
        return f"imap://{IMAP_USER}:{IMAP_PASSWORD}@127.0.0.1:{self.port}/INBOX"

    def deliver(self, raw: bytes) -> None:
        """Put a message in the mailbox as a mail server's delivery would (IMAP APPEND)."""
        with imaplib.IMAP4("127.0.0.1", self.port, timeout=10) as conn:
            conn.login(IMAP_USER, IMAP_PASSWORD)
            status, _ = conn.append("INBOX", None, None, raw)
            assert status == "OK"

    def unseen(self) -> int:
        with imaplib.IMAP4("127.0.0.1", self.port, timeout=10) as conn:
            conn.login(IMAP_USER, IMAP_PASSWORD)
            conn.select("INBOX")
            _, found = conn.search(None, "UNSEEN")
            return len(found[0].split()) if found and found[0] else 0


DOVECOT_CONF = """\
protocols = imap
listen = 127.0.0.1
base_dir = {folder}/run
state_dir = {folder}/state
log_path = {folder}/dovecot.log
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
mail_location = maildir:{folder}/mail/%u
first_valid_uid = 1
default_internal_user = {internal}
default_login_user = {login}
service imap-login {{
  chroot =
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
service anvil {{
  chroot =
}}
passdb {{
  driver = static
  args = password={password}
}}
userdb {{
  driver = static
  args = uid={user} gid={group} home={folder}/mail/%u
}}
"""


@contextmanager
def imap_server() -> Iterator[ImapServer]:
    """Dovecot serving one mailbox (any user name, one password) from a folder of its own. As
    root its processes run as Debian's dovecot users (then the folder must be outside pytest's
    tmp_path, which only root may enter); otherwise as the user running the tests."""
    dovecot = shutil.which("dovecot") or "/usr/sbin/dovecot"
    folder = Path(tempfile.mkdtemp(prefix="switchboard-imap-"))
    folder.chmod(0o755)
    for name in ("run", "state", "mail"):
        (folder / name).mkdir()
    me = pwd.getpwuid(os.geteuid()).pw_name
    if os.geteuid() == 0:
        user, internal, login = "dovecot", "dovecot", "dovenull"
        owner = pwd.getpwnam(user)
        os.chown(folder / "mail", owner.pw_uid, owner.pw_gid)
        group = owner.pw_gid
    else:
        user, internal, login, group = me, me, me, os.getegid()
    port = free_port()
    config = folder / "dovecot.conf"
    config.write_text(
        DOVECOT_CONF.format(
            folder=folder,
            internal=internal,
            login=login,
            port=port,
            password=IMAP_PASSWORD,
            user=user,
            group=group,
        )
    )
    process = subprocess.Popen(
        [dovecot, "-F", "-c", str(config)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        deadline = time.monotonic() + 15
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    log = (
                        (folder / "dovecot.log").read_text()
                        if (folder / "dovecot.log").exists()
                        else ""
                    )
                    raise RuntimeError(f"dovecot did not start: {log[-2000:]}") from None
                time.sleep(0.05)
        yield ImapServer(port, folder)
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        shutil.rmtree(folder, ignore_errors=True)
