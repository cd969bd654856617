"""The AI's handoff in the browser (issue #18): the agent sees what the customer asked and how
the AI fared, inserts the suggested reply, edits it and sends it; nothing is sent by itself."""

from __future__ import annotations

import re
import time
from collections.abc import Callable

import httpx
from playwright.sync_api import expect

from tests.browser.conftest import Person
from tests.browser.test_agent_page import composer, conversation, customer, log_in, say, thread
from tests.conftest import ALICE, LiveServer

PUBLIC = "/api/v1/chat/public/session"


def history(server: LiveServer, key: str) -> list[dict]:
    with httpx.Client(base_url=server.url) as api:
        return api.get(f"{PUBLIC}/{key}").json()["messages"]


def test_the_agent_inserts_the_suggested_reply_edits_it_and_sends_it(
    app_server: LiveServer, person: Callable[..., Person]
) -> None:
    server = app_server
    started = customer(server, "Pat Jones", "when will my order arrive")
    key = started["session_key"]
    deadline = time.monotonic() + 5
    while not any(m["sender_type"] == "ai" for m in history(server, key)):
        assert time.monotonic() < deadline, history(server, key)
        time.sleep(0.05)
    say(server, key, "can I talk to a person please")
    page = log_in(person(), server, ALICE)
    conversation(page, "Pat Jones").click()
    summary = thread(page).get_by_role("region", name="Handoff summary")
    expect(summary).to_contain_text("Pat Jones asked “when will my order arrive”")
    expect(summary).to_contain_text("the customer asked for a person")
    expect(summary).to_contain_text("Suggested reply")
    before = history(server, key)
    summary.get_by_role("button", name="Insert reply").click()
    box = composer(page)
    expect(box).to_have_value(re.compile(r"^Hi Pat, thanks for waiting\. "))
    assert history(server, key) == before  # inserting sends nothing
    box.press("End")
    box.press("Control+End")
    box.type(" Your order number is 1234.")
    edited = box.input_value()
    assert edited.endswith("Your order number is 1234.")
    box.press("Enter")
    expect(box).to_have_value("")
    deadline = time.monotonic() + 5
    while history(server, key)[-1]["sender_type"] != "agent":
        assert time.monotonic() < deadline
        time.sleep(0.05)
    sent = history(server, key)[-1]
    assert sent["content"] == edited and sent["sender_name"] == "Alice Agent"
    page.screenshot(path="/tmp/handoff-assist.png")
