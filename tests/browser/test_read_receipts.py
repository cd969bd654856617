"""Read receipts in the browser: "Seen" in the widget once an agent has the conversation open,
"Seen" on the agent page once the customer's widget shows the reply, unread counts that
survive a reload."""

from __future__ import annotations

from collections.abc import Callable

from playwright.sync_api import Locator, Page, expect

from tests.browser.conftest import Person
from tests.browser.test_agent_page import (
    composer,
    conversation,
    customer,
    log_in,
    messages,
    open_widget,
    say,
    widget_row,
    widget_send,
)
from tests.conftest import ALICE, BOB, LiveServer


def seen_in_widget(page: Page) -> Locator:
    return page.locator(".row .state").get_by_text("Seen", exact=True)


def agent_row(page: Page, content: str) -> Locator:
    return messages(page).locator(".msg", has=page.get_by_text(content, exact=True))


def test_the_widget_shows_seen_once_an_agent_opens_the_conversation(
    quiet_server: LiveServer, person: Callable[..., Person]
) -> None:
    pat = person()
    widget = open_widget(pat, quiet_server)
    widget_send(widget, "Do you ship to Canada?")
    widget_send(widget, "And to Mexico?")
    for text in ("Do you ship to Canada?", "And to Mexico?"):
        expect(widget_row(widget, text).locator(".state")).to_have_text("Sent")
    expect(seen_in_widget(widget)).to_have_count(0)

    alice = person()
    page = log_in(alice, quiet_server, ALICE)
    item = conversation(page, "Visitor #1")
    expect(item).to_contain_text("2 unread")  # no agent has read them: counted from the mark
    expect(seen_in_widget(widget)).to_have_count(0)  # listed is not read
    item.click()
    expect(widget_row(widget, "And to Mexico?").locator(".state")).to_have_text("Seen")
    expect(widget_row(widget, "Do you ship to Canada?").locator(".state")).to_have_text("Sent")
    expect(seen_in_widget(widget)).to_have_count(1)

    # The conversation is open on Alice's screen when the next message arrives: read at once.
    widget_send(widget, "Or only within the US?")
    expect(messages(page).get_by_text("Or only within the US?")).to_be_visible()
    expect(widget_row(widget, "Or only within the US?").locator(".state")).to_have_text("Seen")
    expect(widget_row(widget, "And to Mexico?").locator(".state")).to_have_text("Sent")
    expect(seen_in_widget(widget)).to_have_count(1)

    widget.reload()  # the panel stays open; the mark is stored and comes with the history
    expect(widget_row(widget, "Or only within the US?").locator(".state")).to_have_text("Seen")
    expect(seen_in_widget(widget)).to_have_count(1)
    assert pat.errors == [] and alice.errors == []


def test_the_agent_sees_seen_once_the_customers_widget_shows_the_reply(
    quiet_server: LiveServer, person: Callable[..., Person]
) -> None:
    pat = person()
    widget = open_widget(pat, quiet_server)
    widget_send(widget, "Is the blue mug back in stock?")
    alice = person()
    page = log_in(alice, quiet_server, ALICE)
    conversation(page, "Visitor #1").click()

    composer(page).fill("Yes, since Monday.")
    composer(page).press("Enter")
    reply = agent_row(page, "Yes, since Monday.")
    expect(reply.locator(".msg-time")).to_be_visible()  # stored, no longer "Sending…"
    # Pat's panel is open and shows the reply: Alice sees that it was seen.
    expect(widget.get_by_text("Yes, since Monday.", exact=True)).to_be_visible()
    expect(reply.get_by_text("Seen", exact=True)).to_be_visible()

    # With the panel closed the next reply waits unseen; opening the panel shows it, and "Seen"
    # moves down to it.
    widget.get_by_role("button", name="Close chat").last.click()
    expect(widget.get_by_role("dialog")).to_be_hidden()
    composer(page).fill("Shall I reserve one?")
    composer(page).press("Enter")
    expect(widget.get_by_role("button", name="Open chat").locator(".badge")).to_have_text("1")
    later = agent_row(page, "Shall I reserve one?")
    expect(later.locator(".msg-time")).to_be_visible()
    expect(reply.get_by_text("Seen", exact=True)).to_be_visible()
    expect(later.get_by_text("Seen", exact=True)).to_have_count(0)

    widget.get_by_role("button", name="Open chat").click()
    expect(later.get_by_text("Seen", exact=True)).to_be_visible()
    expect(messages(page).get_by_text("Seen", exact=True)).to_have_count(1)
    assert pat.errors == [] and alice.errors == []


def test_unread_counts_survive_a_reload_and_clear_when_another_agent_reads(
    quiet_server: LiveServer, person: Callable[..., Person]
) -> None:
    ann = customer(quiet_server, "Ann", "First from Ann", "Second from Ann")
    alice, bob = person(), person()
    page = log_in(alice, quiet_server, ALICE)
    expect(conversation(page, "Ann")).to_contain_text("2 unread")
    say(quiet_server, ann["session_key"], "Third from Ann")
    expect(conversation(page, "Ann")).to_contain_text("3 unread")
    page.reload()
    expect(conversation(page, "Ann")).to_contain_text("3 unread")
    expect(page).to_have_title("(1) Chat · Switchboard")

    bobs = log_in(bob, quiet_server, BOB)
    conversation(bobs, "Ann").click()
    expect(messages(bobs).get_by_text("Third from Ann")).to_be_visible()
    # Bob read it: the team has, so Alice's count goes, now and after a reload.
    expect(conversation(page, "Ann")).not_to_contain_text("unread")
    expect(page).to_have_title("Chat · Switchboard")
    page.reload()
    expect(conversation(page, "Ann")).to_be_visible()
    expect(conversation(page, "Ann")).not_to_contain_text("unread")
    assert alice.errors == [] and bob.errors == []
