"""Email continuity (issue #20, TEAMS.md "Business hours and email") against real mail
servers on 127.0.0.1: aiosmtpd receives what the app sends over SMTP, Dovecot holds the mailbox
that replies arrive in, read by the app over IMAP (IDLE)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import replace
from email.message import EmailMessage
from email.utils import parseaddr
from pathlib import Path

import pytest

from chat.config import Settings
from chat.mail.incoming import Dropped, Reply, read_mail, strip_quoted
from chat.mail.outgoing import continuity_email
from tests.conftest import ALICE
from tests.mailservers import ImapServer, SmtpServer, imap_server, self_signed, smtp_server
from tests.sockets import Server, running

API = "/api/v1"
TEAM = "support@northwind.test"


def reply_to(original: EmailMessage, body: str, **headers: str) -> bytes:
    """The customer's answer to `original`, as a mail client writes it."""
    message = EmailMessage()
    message["From"] = "Pat Jones <pat@example.com>"
    message["To"] = str(original["Reply-To"])
    message["Subject"] = "Re: " + str(original["Subject"])
    message["Message-ID"] = f"<reply-{abs(hash(body))}@example.com>"
    message["In-Reply-To"] = str(original["Message-ID"])
    for name, value in headers.items():
        message[name.replace("_", "-")] = value
    message.set_content(body)
    return bytes(message)


@asynccontextmanager
async def email_app(
    settings: Settings, tmp_path: Path
) -> AsyncIterator[tuple[Server, SmtpServer, ImapServer]]:
    with smtp_server() as smtp, imap_server() as imap:
        mail = replace(
            settings, smtp_url=smtp.url, mail_from=TEAM, imap_url=imap.url, email_delay=0.5
        )
        async with running(mail) as server:
            yield server, smtp, imap


async def messages_of(server: Server, key: str) -> list[dict]:
    return (await server.http.get(f"{API}/chat/public/session/{key}")).json()["messages"]


async def wait_for(check, timeout: float = 15.0):  # type: ignore[no-untyped-def]
    for _ in range(int(timeout / 0.05)):
        if found := await check():
            return found
        await asyncio.sleep(0.05)
    raise AssertionError("timed out")


@pytest.mark.anyio
async def test_a_visitor_who_left_gets_the_replies_by_email_and_answers_by_email(
    settings: Settings, tmp_path: Path
) -> None:
    async with email_app(settings, tmp_path) as (server, smtp, imap):
        auth = {"Authorization": f"Bearer {await server.login(ALICE)}"}
        started = await server.start(name="Pat Jones")
        key, sid = started["session_key"], started["session"]["id"]
        await server.say(key, "is my order on its way?")
        left = await server.http.post(
            f"{API}/chat/public/contact", json={"session_key": key, "email": "pat@example.com"}
        )
        assert left.status_code == 200, left.text
        agent_view = await server.http.get(f"{API}/chat/sessions/{sid}", headers=auth)
        assert agent_view.json()["session"]["customer_email"] == "pat@example.com"
        note = await server.http.post(
            f"{API}/chat/sessions/{sid}/notes",
            json={"content": "PRIVATE refund approved by finance"},
            headers=auth,
        )
        assert note.status_code == 201, note.text
        for text in ("Hi Pat, let me check.", "It shipped this morning."):
            sent = await server.http.post(
                f"{API}/chat/messages", json={"session_id": sid, "content": text}, headers=auth
            )
            assert sent.status_code == 201, sent.text
        [email] = await smtp.wait_for(1)
        await asyncio.sleep(1.5)  # a second pass sends nothing more
        assert len(smtp.received.envelopes) == 1
        assert parseaddr(str(email["To"]))[1] == "pat@example.com"
        reply_address = parseaddr(str(email["Reply-To"]))[1]
        assert reply_address.startswith("support+") and reply_address.endswith("@northwind.test")
        assert key not in str(email), "the session key never travels by email"
        assert email["Auto-Submitted"] == "auto-generated"
        assert email["Message-ID"] and email["In-Reply-To"] is None
        status = (await server.http.get(f"{API}/chat/sessions/{sid}/email", headers=auth)).json()
        assert status["email"]["address"] == "pat@example.com"
        assert status["email"]["status"] == "sent"
        assert status["email"]["emailed_seq"] == 3  # the customer's message, then both replies
        assert status["email"]["emailed"] == [2, 3]
        body = email.get_content()
        assert "Hi Pat, let me check." in body and "It shipped this morning." in body
        assert "is my order on its way?" not in body
        assert "PRIVATE" not in str(email), "a note never goes out by email"

        # Junk first (an auto-reply, a bounce, a reply to an unknown token), then the reply.
        imap.deliver(reply_to(email, "I am out of office.", Auto_Submitted="auto-replied"))
        bounce = EmailMessage()
        bounce["From"] = "MAILER-DAEMON@example.com"
        bounce["To"] = reply_address
        bounce["Subject"] = "Undelivered Mail Returned to Sender"
        bounce.set_content("The mail system could not deliver your message.")
        imap.deliver(bytes(bounce))
        stranger = reply_to(email, "let me in")
        imap.deliver(
            stranger.replace(reply_address.encode(), b"support+00ff00ff00ff@northwind.test")
        )
        quoted = (
            "Great, thank you!\n\nOn Mon, 30 Nov 2026 at 10:00, Support <support@northwind.test>"
            "\nwrote:\n> Hi Pat, let me check.\n> It shipped this morning.\n\n-- \nPat"
        )
        imap.deliver(reply_to(email, quoted))

        async def customer_replied() -> list[dict]:
            found = await messages_of(server, key)
            return found if found[-1]["sender_type"] == "customer" else []

        messages = await wait_for(customer_replied)
        assert [m["content"] for m in messages if m["sender_type"] == "customer"] == [
            "is my order on its way?",
            "Great, thank you!",
        ]
        assert imap.unseen() == 0  # every message was read, the junk too

        # The agent's answer to that goes out threaded under the first email.
        await server.http.post(
            f"{API}/chat/messages", json={"session_id": sid, "content": "Enjoy!"}, headers=auth
        )
        second = (await smtp.wait_for(2))[1]
        assert (
            str(second["In-Reply-To"]).strip() == str(email["Message-ID"]).strip()
        )  # may be folded
        assert email["Message-ID"] in str(second["References"])
        assert "Great, thank you!" not in second.get_content()


@pytest.mark.anyio
async def test_a_reply_by_email_reopens_a_closed_conversation(
    settings: Settings, tmp_path: Path
) -> None:
    async with email_app(settings, tmp_path) as (server, smtp, imap):
        auth = {"Authorization": f"Bearer {await server.login(ALICE)}"}
        started = await server.start(name="Pat Jones")
        key, sid = started["session_key"], started["session"]["id"]
        await server.http.post(
            f"{API}/chat/public/contact",
            json={"session_key": key, "email": "pat@example.com", "name": "Pat"},
        )
        await server.http.post(
            f"{API}/chat/messages", json={"session_id": sid, "content": "Solved?"}, headers=auth
        )
        [email] = await smtp.wait_for(1)
        closed = await server.http.post(f"{API}/chat/sessions/{sid}/close", headers=auth)
        assert closed.status_code == 200, closed.text
        imap.deliver(reply_to(email, "Not yet, sorry."))

        async def reopened() -> dict | None:
            view = (await server.http.get(f"{API}/chat/sessions/{sid}", headers=auth)).json()
            return view["session"] if view["session"]["status"] != "closed" else None

        session = await wait_for(reopened)
        assert session["last_message"]["content"] == "Not yet, sorry."


@pytest.mark.anyio
@pytest.mark.sqlite_only  # retries are the service's; the round trip runs on both backends
async def test_smtp_down_then_up_sends_the_email_once(settings: Settings, tmp_path: Path) -> None:
    async with email_app(settings, tmp_path) as (server, smtp, _):
        smtp.stop()
        auth = {"Authorization": f"Bearer {await server.login(ALICE)}"}
        started = await server.start()
        key, sid = started["session_key"], started["session"]["id"]
        await server.http.post(
            f"{API}/chat/public/contact", json={"session_key": key, "email": "pat@example.com"}
        )
        await server.http.post(
            f"{API}/chat/messages", json={"session_id": sid, "content": "Hello?"}, headers=auth
        )
        auth_url = f"{API}/chat/sessions/{sid}/email"

        async def retrying() -> dict | None:
            found = (await server.http.get(auth_url, headers=auth)).json()["email"]
            return found if found["status"] == "retrying" else None

        failed = await wait_for(retrying)  # the first attempt fails: connection refused
        assert failed["emailed_seq"] == 0 and "Connection" in failed["last_error"]
        smtp.start()
        await smtp.wait_for(1, timeout=30)  # the retry, after about 10 s
        await asyncio.sleep(2)
        assert len(smtp.received.envelopes) == 1
        assert "Hello?" in smtp.received.messages[0].get_content()
        sent = (await server.http.get(auth_url, headers=auth)).json()["email"]
        assert sent["status"] == "sent" and sent["last_error"] is None


@pytest.mark.anyio
@pytest.mark.sqlite_only  # the transport's, not the database's
@pytest.mark.parametrize("tls", ["starttls", "tls"])
async def test_email_goes_out_over_starttls_or_tls(
    settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, tls: str
) -> None:
    cert, key = self_signed(tmp_path)
    monkeypatch.setenv("SSL_CERT_FILE", str(cert))  # the app trusts the test's certificate
    with smtp_server(tls, (cert, key)) as smtp:
        mail = replace(settings, smtp_url=smtp.url, mail_from=TEAM, email_delay=0.2)
        async with running(mail) as server:
            auth = {"Authorization": f"Bearer {await server.login(ALICE)}"}
            started = await server.start()
            key_, sid = started["session_key"], started["session"]["id"]
            await server.http.post(
                f"{API}/chat/public/contact", json={"session_key": key_, "email": "pat@example.com"}
            )
            await server.http.post(
                f"{API}/chat/messages",
                json={"session_id": sid, "content": "Over TLS"},
                headers=auth,
            )
            [email] = await smtp.wait_for(1)
            assert "Over TLS" in email.get_content()
            assert smtp.received.encrypted == [True]


@pytest.mark.anyio
async def test_an_address_that_could_forge_a_header_is_refused(settings: Settings) -> None:
    async with running(settings) as server:
        key = (await server.start())["session_key"]
        for body in (
            {"email": "pat@example.com\r\nBcc: all@example.com"},
            {"email": "pat@example.com, eve@example.com"},
            {"email": "not an address"},
            {"email": "pat@example.com", "name": "Pat\r\nBcc: eve@example.com"},
        ):
            answer = await server.http.post(
                f"{API}/chat/public/contact", json={"session_key": key, **body}
            )
            assert answer.status_code == 422, (body, answer.text)
            assert answer.json()["error"]["code"] == "invalid_request"
        wrong = await server.http.post(
            f"{API}/chat/public/contact", json={"session_key": "x" * 30, "email": "a@b.co"}
        )
        assert wrong.status_code == 404


def test_header_injection_in_names_and_addresses_never_reaches_a_header() -> None:
    for name, to in (("Pat\r\nBcc: eve@x.co", "pat@example.com"), ("Pat", "pat@x.co\nBcc: e@x.co")):
        with pytest.raises(ValueError):
            continuity_email(
                mail_from=TEAM,
                team_name="Support",
                to=to,
                to_name=name,
                token="ab" * 12,
                subject="s",
                text="t",
            )


def test_quoted_text_signatures_and_phone_footers_are_stripped() -> None:
    cases = {
        "Thanks!\n\nOn Mon, 1 Dec 2026, Support <s@x.co> wrote:\n> old": "Thanks!",
        "Danke!\n\nAm 01.12.2026 um 10:00 schrieb Support <s@x.co>:\n> alt": "Danke!",
        "Merci\n\nLe lun. 1 déc. 2026 à 10:00, Support <s@x.co> a écrit :\n> vieux": "Merci",
        "Yes\n-- \nPat Jones\nCEO": "Yes",
        "ok\n\nSent from my iPhone": "ok",
        "Hi\nsecond line\n\nFrom: Support <s@x.co>\nSent: Monday\nTo: me\n\nold": (
            "Hi\nsecond line"
        ),
        "see below\n-----Original Message-----\nFrom: x": "see below",
    }
    for text, expected in cases.items():
        assert strip_quoted(text) == expected, text


def test_bounces_auto_replies_and_mail_without_a_token_are_dropped() -> None:
    def mail(**headers: str) -> bytes:
        message = EmailMessage()
        message["From"] = headers.pop("From", "pat@example.com")
        message["To"] = headers.pop("To", "support+0123456789abcdef01234567@northwind.test")
        for name, value in headers.items():
            message[name.replace("_", "-")] = value
        message.set_content("hello")
        return bytes(message)

    assert isinstance(read_mail(mail(), TEAM), Reply)
    assert read_mail(mail(Auto_Submitted="auto-replied"), TEAM) == Dropped(
        "auto-reply", "pat@example.com"
    )
    assert isinstance(read_mail(mail(Auto_Submitted="no"), TEAM), Reply)
    assert read_mail(mail(Precedence="bulk"), TEAM).reason == "auto-reply"  # type: ignore[union-attr]
    assert read_mail(mail(From="MAILER-DAEMON@mx.example.com"), TEAM).reason == "bounce"  # type: ignore[union-attr]
    assert read_mail(mail(To="support@northwind.test"), TEAM).reason == "unknown token"  # type: ignore[union-attr]
    assert read_mail(mail(To="support+0123456789abcdef@other.test"), TEAM).reason == "unknown token"  # type: ignore[union-attr]
