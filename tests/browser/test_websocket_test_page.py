"""The WebSocket test page: start a session, connect, chat with the AI, watch the frames."""

from __future__ import annotations

import re
from collections.abc import Callable

from playwright.sync_api import Locator, Page, expect

from tests.browser.conftest import Person
from tests.conftest import LiveServer

CLOCK = re.compile(r"^\d\d:\d\d:\d\d\.\d{3}$")


def centre_x(locator: Locator) -> float:
    box = locator.bounding_box()
    assert box is not None, "not rendered"
    return box["x"] + box["width"] / 2


def frame_in_log(page: Page, frame_type: str) -> Locator:
    """The event log's line for a received frame of this type (the first, when several)."""
    raw = re.compile(rf'"type":\s*"{re.escape(frame_type)}"')
    log = page.get_by_role("list", name="Event log")
    return log.get_by_role("listitem").filter(has_text="←").filter(has_text=raw).first


def connect(page: Page, url: str) -> None:
    page.goto(url + "/websocket-test.html")
    page.get_by_role("button", name="Start Session").click()
    expect(page.get_by_text(re.compile(r"^Session ID: \d+$"))).to_be_visible()
    page.get_by_role("button", name="Connect WebSocket").click()
    expect(page.get_by_role("status").filter(has_text="Connected")).to_have_text("Connected")


def test_a_customer_chats_with_the_ai_and_sees_every_frame_logged(
    app_server: LiveServer, person: Callable[..., Person]
) -> None:
    pat = person()
    page = pat.page
    connect(page, app_server.url)
    expect(frame_in_log(page, "connection.ready")).to_be_visible()

    page.get_by_role("textbox", name="Message").fill("Do you ship to Canada?")
    page.get_by_role("button", name="Send").click()

    conversation = page.get_by_role("log", name="Conversation")
    mine = conversation.locator(".msg").filter(has_text="Do you ship to Canada?")
    expect(mine).to_have_count(1)
    expect(mine).to_have_class(re.compile(r"\bmine\b"))
    expect(mine.locator(".state")).to_have_text("Sent")
    assert centre_x(mine) > centre_x(conversation), "the customer's own message is on the right"

    reply = conversation.locator(".msg").filter(has=page.locator(".who", has_text="AI assistant"))
    expect(reply).to_have_count(1)
    expect(reply).to_have_class(re.compile(r"\btheirs\b"))
    expect(reply.locator(".bubble")).to_have_text(re.compile(r"\S"))
    assert centre_x(reply) < centre_x(conversation), "the AI's reply is on the left"
    assert conversation.locator(".msg").all_inner_texts()[0].startswith("You")

    for frame_type in ("connection.ready", "chat.message.ack", "chat.message.new"):
        line = frame_in_log(page, frame_type)
        expect(line).to_be_visible()
        expect(line.locator("time")).to_have_text(CLOCK)
    sent = page.get_by_role("list", name="Event log").get_by_role("listitem").filter(has_text="→")
    expect(sent.filter(has_text="chat.message.send")).to_have_count(1)
    assert pat.errors == []


def test_the_page_says_when_the_socket_is_not_connected(
    quiet_server: LiveServer, person: Callable[..., Person]
) -> None:
    pat = person()
    page = pat.page
    page.goto(quiet_server.url + "/websocket-test.html")
    expect(page.get_by_text("Session ID: none")).to_be_visible()
    expect(page.get_by_role("status").filter(has_text="Disconnected")).to_be_visible()
    page.get_by_role("button", name="Connect WebSocket").click()
    expect(page.get_by_role("alert")).to_have_text("Start a session first.")

    connect(page, quiet_server.url)
    page.get_by_role("button", name="Disconnect").click()
    expect(page.get_by_role("status").filter(has_text="Disconnected")).to_be_visible()
    page.get_by_role("textbox", name="Message").fill("Anyone there?")
    page.get_by_role("button", name="Send").click()
    expect(page.get_by_role("alert")).to_have_text("Connect the WebSocket first.")
    expect(page.get_by_role("log", name="Conversation").locator(".msg")).to_have_count(0)
    assert pat.errors == []
