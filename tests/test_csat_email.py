"""The rating by email (issue #21, TEAMS.md "Satisfaction and reports"): a visitor who left an
address gets "How did we do?" after the email delay once an agent closed their conversation, and
rates on the /rate page its links open; against a real SMTP server (aiosmtpd) on 127.0.0.1."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import replace
from email.message import EmailMessage
from email.utils import parseaddr
from typing import Any
from urllib.parse import urlsplit

import pytest
from aiosmtpd.smtp import SMTP, Envelope, Session

from chat.config import Settings
from tests.conftest import ADMIN, ALICE
from tests.mailservers import Received, SmtpServer, smtp_server
from tests.sockets import Server, running

API = "/api/v1"
TEAM = "support@northwind.test"
PUBLIC = "https://support.northwind.test"
LINK = re.compile(r"^(\d) - (.+)\n(\S+)$", re.MULTILINE)


@asynccontextmanager
async def rating_app(
    settings: Settings, delay: float = 0.5, **changes: Any
) -> AsyncIterator[tuple[Server, SmtpServer, dict[str, str]]]:
    """The app with email on, the SMTP server it sends to, and Alice's Authorization header."""
    with smtp_server() as smtp:
        email = {"smtp_url": smtp.url, "mail_from": TEAM, "email_delay": delay}
        mail = replace(settings, **{"public_url": PUBLIC, **email, **changes})
        async with running(mail) as server:
            auth = {"Authorization": f"Bearer {await server.login(ALICE)}"}
            yield server, smtp, auth


async def handled(server: Server, auth: dict[str, str], email: str) -> tuple[str, int]:
    """A visitor who asked, left `email` and the page, and whom Alice took: (key, id)."""
    started = await server.start(name="Pat Jones")
    key, sid = started["session_key"], started["session"]["id"]
    await server.say(key, "Where is my parcel?")
    left = await server.http.post(
        f"{API}/chat/public/contact", json={"session_key": key, "email": email}
    )
    assert left.status_code == 200, left.text
    taken = await server.http.post(f"{API}/chat/sessions/{sid}/assign", headers=auth)
    assert taken.status_code == 200, taken.text
    return key, sid


async def close(server: Server, auth: dict[str, str], sid: int, survey: bool = True) -> None:
    answer = await server.http.post(
        f"{API}/chat/sessions/{sid}/close", json={"survey": survey}, headers=auth
    )
    assert answer.json()["session"]["status"] == "closed", answer.text


def rating_emails(smtp: SmtpServer) -> list[EmailMessage]:
    return [m for m in smtp.received.messages if m["Subject"] == "How did we do?"]


def links_of(email: EmailMessage) -> dict[int, str]:
    """The text part's links by rating, checked against their labels."""
    text = email.get_body(("plain",))
    assert text is not None
    found = LINK.findall(text.get_content().replace("\r\n", "\n"))
    labels = [(int(n), label) for n, label, _ in found]
    assert labels == [(5, "Excellent"), (4, "Good"), (3, "Okay"), (2, "Poor"), (1, "Very poor")]
    return {int(n): link for n, _, link in found}


def chosen(page: str) -> list[str]:
    """The values of the page's checked radio buttons."""
    return re.findall(r'value="(\d)" required checked', page)


@pytest.mark.anyio
async def test_a_visitor_who_left_rates_by_the_emailed_link_once(settings: Settings) -> None:
    async with rating_app(settings) as (server, smtp, auth):
        key, sid = await handled(server, auth, "pat@example.com")
        reply = {"session_id": sid, "content": "It ships tomorrow."}
        sent = await server.http.post(f"{API}/chat/messages", json=reply, headers=auth)
        assert sent.status_code == 201, sent.text
        await close(server, auth, sid)
        emails = await smtp.wait_for(2)
        await asyncio.sleep(1.5)  # later passes send nothing more
        assert len(smtp.received.envelopes) == 2
        continuity, email = emails
        assert email["Subject"] == "How did we do?"
        assert parseaddr(str(email["To"]))[1] == "pat@example.com"
        assert parseaddr(str(email["From"]))[1] == TEAM
        # Threaded after the reply that went out by email; answering it reaches the chat.
        assert str(email["In-Reply-To"]).strip() == str(continuity["Message-ID"]).strip()
        assert email["Reply-To"] == continuity["Reply-To"]
        assert email["Auto-Submitted"] == "auto-generated"
        assert email.get_content_type() == "multipart/alternative"
        assert [p.get_content_type() for p in email.iter_parts()] == ["text/plain", "text/html"]
        assert "add a comment on the page" in email.get_body(("plain",)).get_content()  # type: ignore[union-attr]
        assert key not in str(email), "the session key never travels by email"
        links = links_of(email)
        tokens = {urlsplit(link).path for link in links.values()}
        assert len(tokens) == 1, "one page, five preselected choices"
        assert all(link == f"{links[5][:-1]}{n}" for n, link in links.items())
        assert links[4].startswith(f"{PUBLIC}/rate/") and links[4].endswith("?rating=4")
        page_url = urlsplit(links[4]).path
        token = page_url.rsplit("/", 1)[1]
        assert token != str(sid) and key not in token

        # A mail scanner or the visitor opens the link: the form, 4 chosen, nothing stored.
        for _ in range(2):
            page = await server.http.get(f"{page_url}?rating=4")
            assert page.status_code == 200, page.text
            assert chosen(page.text) == ["4"]
            assert 'maxlength="1000"' in page.text and ">Send</button>" in page.text
        assert chosen((await server.http.get(page_url)).text) == []
        state = await server.http.get(f"{API}/chat/sessions/{sid}/csat", headers=auth)
        assert state.json() == {"requested": True, "csat": None}

        # A form without a rating, or with one out of range, or too long a comment: shown again.
        for form, kept in (
            ({"comment": "kind"}, []),
            ({"rating": "6"}, []),
            ({"rating": "4", "comment": "x" * 1001}, ["4"]),
        ):
            refused = await server.http.post(page_url, data=form)
            assert refused.status_code == 422, refused.text
            assert 'role="alert"' in refused.text and chosen(refused.text) == kept
        too_big = await server.http.post(page_url, data={"rating": "4", "comment": "x" * 20_000})
        assert too_big.status_code == 413
        comment = "<b>Quick</b> & kind " + "🙂" * 980  # percent-encoded: above 8 KiB
        rated = await server.http.post(
            page_url, data={"rating": "4", "comment": comment}, follow_redirects=True
        )
        assert rated.status_code == 200, rated.text
        assert "Thanks, you rated 4/5." in rated.text
        assert "&lt;b&gt;Quick&lt;/b&gt; &amp; kind" in rated.text and "<b>" not in rated.text
        state = await server.http.get(f"{API}/chat/sessions/{sid}/csat", headers=auth)
        csat = state.json()["csat"]
        assert (csat["rating"], csat["comment"]) == (4, comment)
        assert csat["agent"]["name"] == "Alice Agent"
        admin = {"Authorization": f"Bearer {await server.login(ADMIN)}"}
        summary = await server.http.get(f"{API}/reports/summary", headers=admin)
        assert summary.json()["csat"]["responses"] == 1

        again = await server.http.post(page_url, data={"rating": "1"})
        assert again.status_code == 409
        assert "rated already" in again.text
        widget = await server.http.post(
            f"{API}/chat/public/csat", json={"session_key": key, "rating": 1}
        )
        assert widget.status_code == 409, "one rating per conversation, whichever way it came"
        assert "Thanks, you rated 4/5." in (await server.http.get(page_url)).text

        tampered = f"/rate/{token[:-3]}{'aaa' if not token.endswith('aaa') else 'bbb'}"
        for answer in (
            await server.http.get(tampered),
            await server.http.post(tampered, data={"rating": "5"}),
            await server.http.get(f"/rate/{sid}"),
        ):
            assert answer.status_code == 404
            assert "Page not found" in answer.text
        assert len(smtp.received.envelopes) == 2


@pytest.mark.anyio
async def test_no_rating_email_when_rated_in_the_widget_reopened_or_closed_without_survey(
    settings: Settings,
) -> None:
    async with rating_app(settings, delay=1.0) as (server, smtp, auth):
        rated_key, rated = await handled(server, auth, "rated@example.com")
        await close(server, auth, rated)
        given = await server.http.post(
            f"{API}/chat/public/csat", json={"session_key": rated_key, "rating": 5}
        )
        assert given.status_code == 201, given.text
        _, quiet = await handled(server, auth, "quiet@example.com")
        await close(server, auth, quiet, survey=False)
        back_key, back = await handled(server, auth, "back@example.com")
        await close(server, auth, back)
        await server.say(back_key, "One more thing")  # reopens it before the delay
        _, asked = await handled(server, auth, "asked@example.com")
        await close(server, auth, asked)

        [email] = await smtp.wait_for(1)
        await asyncio.sleep(2.5)
        assert len(smtp.received.envelopes) == 1
        assert parseaddr(str(email["To"]))[1] == "asked@example.com"
        assert email["Subject"] == "How did we do?"


@pytest.mark.anyio
async def test_without_a_public_url_no_rating_email_is_sent_and_the_log_says_why(
    settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    async with rating_app(settings, public_url="") as (server, smtp, auth):
        _, sid = await handled(server, auth, "pat@example.com")
        await close(server, auth, sid)
        await asyncio.sleep(2.0)
        assert smtp.received.envelopes == []
    warnings = [r.getMessage() for r in caplog.records if r.name == "chat.email"]
    assert warnings == ["email: no rating emails: --public-url is not set (their links need it)"]


class RefusingFirst(Received):
    """An SMTP server that answers the first message with a temporary failure."""

    refused: int = 0

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        if not self.refused:
            self.refused += 1
            return "451 4.3.0 Try again later"
        return await super().handle_DATA(server, session, envelope)


@pytest.mark.anyio
@pytest.mark.sqlite_only  # the retry schedule is the service's; the round trip runs on both
async def test_a_refused_rating_email_is_retried_and_delivered_once(
    settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    async with rating_app(settings) as (server, smtp, auth):
        smtp.stop()
        smtp.received = RefusingFirst()
        smtp.start()
        _, sid = await handled(server, auth, "pat@example.com")
        await close(server, auth, sid)
        [email] = await smtp.wait_for(1, timeout=30)  # the retry, about 10 s after the refusal
        await asyncio.sleep(1.5)
        assert len(smtp.received.envelopes) == 1 and email["Subject"] == "How did we do?"
        assert isinstance(smtp.received, RefusingFirst) and smtp.received.refused == 1
    failures = [r.getMessage() for r in caplog.records if "not delivered" in r.getMessage()]
    assert len(failures) == 1
    assert f"conversation {sid} (attempt 1)" in failures[0] and "451" in failures[0]


def test_the_public_url_comes_from_the_flag_or_the_variable() -> None:
    flag = Settings.from_args(["--public-url", " https://support.example.com/ "], {})
    assert flag.public_url == "https://support.example.com"
    variable = Settings.from_args([], {"SWITCHBOARD_PUBLIC_URL": "https://chat.example.org"})
    assert variable.public_url == "https://chat.example.org"
    assert Settings.from_args([], {}).public_url == ""
