"""Stored XSS: hostile names, emails, page URLs and messages show as text on both sides."""

from __future__ import annotations

from collections.abc import Callable

import httpx
from playwright.sync_api import expect

from tests.browser.conftest import Person
from tests.browser.test_agent_page import conversation, log_in, messages, thread
from tests.conftest import ALICE, LiveServer, login

NAME = "<img src=x onerror=alert('name')>"
EMAIL = "<svg/onload=alert('email')>@evil.example"
PAGE_URL = "javascript:alert('page')"
MESSAGE = "</script><script>alert('msg')</script><svg onload=alert('svg')>"
AGENT_TEXT = "<a href=\"javascript:alert('link')\">click</a><img src=x onerror=alert('agent')>"


def test_hostile_customer_fields_show_literally_in_the_agent_page_and_the_widget(
    quiet_server: LiveServer, person: Callable[..., Person]
) -> None:
    with httpx.Client(base_url=quiet_server.url) as api:
        started = api.post(
            "/api/v1/chat/public/start", json={"name": NAME, "email": EMAIL, "page_url": PAGE_URL}
        ).json()
        key = started["session_key"]
        api.post("/api/v1/chat/public/message", json={"session_key": key, "content": MESSAGE})
        reply = {"session_id": started["session"]["id"], "content": AGENT_TEXT}
        assert (
            api.post("/api/v1/chat/messages", json=reply, headers=login(api, ALICE)).status_code
            == 201
        )

    alice = person()
    page = log_in(alice, quiet_server, ALICE)
    conversation(page, NAME).click()
    expect(thread(page).get_by_role("heading", name=NAME)).to_be_visible()
    expect(messages(page).get_by_text(MESSAGE, exact=True)).to_be_visible()
    expect(messages(page).get_by_text(AGENT_TEXT, exact=True)).to_be_visible()
    details = page.get_by_role("complementary", name="Customer details")
    expect(details.get_by_text(EMAIL, exact=True)).to_be_visible()
    expect(details.get_by_text(PAGE_URL, exact=True)).to_be_visible()
    assert page.locator("img[src=x], svg[onload], a[href^=javascript]").count() == 0

    visitor = person()
    widget = visitor.page
    widget.goto(quiet_server.url + "/widget-demo.html")
    widget.evaluate(
        "([origin, key]) => localStorage.setItem(`switchboard:${origin}:session_key`, key)",
        [quiet_server.url, key],
    )
    widget.reload()
    widget.get_by_role("button", name="Open chat").click()
    expect(widget.get_by_text(MESSAGE, exact=True)).to_be_visible()
    expect(widget.get_by_text(AGENT_TEXT, exact=True)).to_be_visible()
    assert widget.locator("img[src=x], svg[onload], a[href^=javascript]").count() == 0

    for someone in (alice, visitor):
        assert someone.dialogs == []
        assert someone.errors == []
