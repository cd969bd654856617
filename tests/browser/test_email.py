"""Email continuity on the agent page (issue #20): the agent sees where unread replies are
emailed, "Emailed" under the message that went out, and "not delivered" while SMTP is down."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import httpx
from playwright.sync_api import expect

from tests.browser.conftest import Person
from tests.browser.test_agent_page import composer, conversation, customer, log_in, messages, thread
from tests.conftest import ALICE, serving
from tests.mailservers import SmtpServer

TEAM = "support@northwind.test"


def test_the_agent_sees_which_replies_went_out_by_email_and_when_delivery_fails(
    tmp_path: Path, database: Path | str, person: Callable[..., Person]
) -> None:
    smtp = SmtpServer()  # not started yet: the first email fails
    env = {"SWITCHBOARD_SMTP_URL": smtp.url, "SWITCHBOARD_MAIL_FROM": TEAM}
    with serving(tmp_path, "email", database, SWITCHBOARD_EMAIL_DELAY="0.2", **env) as server:
        started = customer(server, "Pat Jones", "is my order on its way?")
        with httpx.Client(base_url=server.url) as api:
            left = api.post(
                "/api/v1/chat/public/contact",
                json={"session_key": started["session_key"], "email": "pat@example.com"},
            )
            assert left.status_code == 200, left.text
        page = log_in(person(), server, ALICE)
        conversation(page, "Pat Jones").click()
        email = page.get_by_role("region", name="Email replies")
        expect(email).to_contain_text("emailed to them after a short delay")
        box = composer(page)
        box.fill("It shipped this morning.")
        box.press("Enter")
        expect(email.get_by_role("alert")).to_contain_text("not delivered", timeout=25_000)
        smtp.start()
        try:
            deadline = time.monotonic() + 40
            while not smtp.received.envelopes:  # the retry, about 10 s after the failure
                assert time.monotonic() < deadline, "the retry never came"
                time.sleep(0.1)
            row = messages(page).locator(".msg", has_text="It shipped this morning.")
            expect(row).to_contain_text("Emailed", timeout=20_000)
            expect(email).to_contain_text("went out by email")
            expect(thread(page)).to_be_visible()
            page.screenshot(path="/tmp/email-status.png")
        finally:
            smtp.stop()
    assert len(smtp.received.envelopes) == 1
