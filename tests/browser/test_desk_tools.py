"""The agents' daily tools in the browser (issue #19): a private note with `@Bob Agent` reaches
Bob's page as a mention while the customer's widget shows nothing, `/refund` + Enter inserts the
filled-in text (and an unfilled variable holds the send), and a label Alice puts on a
conversation appears on Bob's list live, where filtering by it works and stays in the address.

SQLite only: the pages and the API behave the same on PostgreSQL (tests/test_desk_tools.py runs
there), and browser time is the suite's most expensive."""

from __future__ import annotations

import re
from collections.abc import Callable

import httpx
import pytest
from playwright.sync_api import expect

from tests.browser.conftest import Person
from tests.browser.test_agent_page import (
    composer,
    conversation,
    customer,
    log_in,
    messages,
    open_widget,
    thread,
    widget_row,
    widget_send,
)
from tests.conftest import ADMIN, ALICE, BOB, LiveServer, login

pytestmark = pytest.mark.sqlite_only
SHOTS = "/tmp"
REFUSED = "Failed to load resource: the server responded with a status of"


def api_post(server: LiveServer, email: str, path: str, body: dict) -> dict:
    with httpx.Client(base_url=server.url, timeout=10) as api:
        answer = api.post(path, json=body, headers=login(api, email))
    assert answer.status_code == 201, answer.text
    return answer.json()


def test_a_note_mentioning_bob_reaches_his_page_and_never_the_widget(
    quiet_server: LiveServer, person: Callable[..., Person]
) -> None:
    server = quiet_server
    shopper = person()
    widget = open_widget(shopper, server)
    widget_send(widget, "Hello, where is my refund?")
    alice, bob = person(), person()
    alice_page = log_in(alice, server, ALICE)
    bob_page = log_in(bob, server, BOB)

    conversation(alice_page, "Visitor #1").click()
    thread(alice_page).get_by_role("button", name="Assign to Me").click()
    thread(alice_page).get_by_role("button", name="Note", exact=True).click()
    note_box = thread(alice_page).get_by_role("textbox", name="Private note")
    expect(note_box).to_be_focused()
    note_box.press_sequentially("@Bo")
    offered = thread(alice_page).get_by_role("option", name="@Bob Agent")
    expect(offered).to_be_visible()
    note_box.press("Enter")  # takes the suggestion
    note_box.press_sequentially("please check the <b>refund</b> ledger")
    note_box.press("Enter")
    note = messages(alice_page).locator(".msg-note")
    expect(note).to_contain_text("@Bob Agent please check the <b>refund</b> ledger")
    expect(note).to_contain_text("Private note")

    # Bob holds nothing here, yet hears of it: the Mentions list, with the note as text.
    mentions = bob_page.get_by_role("button", name="Mentions (1)")
    expect(mentions).to_be_visible()
    mentions.click()
    listed = bob_page.get_by_role("region", name="Mentions")
    expect(listed).to_contain_text("Alice Agent · Visitor #1")
    expect(listed).to_contain_text("please check the <b>refund</b> ledger")
    alice_page.screenshot(path=f"{SHOTS}/desk-note-alice.png")
    bob_page.screenshot(path=f"{SHOTS}/desk-mentions-bob.png")
    listed.get_by_role("button").first.click()
    expect(messages(bob_page).locator(".msg-note")).to_contain_text("refund</b> ledger")

    # Alice replies afterwards: the widget shows the reply, and never the note.
    thread(alice_page).get_by_role("button", name="Reply", exact=True).click()
    composer(alice_page).fill("Checking it now")
    composer(alice_page).press("Enter")
    expect(widget_row(widget, "Checking it now")).to_be_visible()
    expect(widget.get_by_text(re.compile("ledger"))).to_have_count(0)
    for someone in (alice, bob, shopper):
        assert someone.errors == []


def test_slash_refund_and_enter_inserts_the_filled_in_text(
    quiet_server: LiveServer, person: Callable[..., Person]
) -> None:
    server = quiet_server
    path = "/api/v1/canned"
    body = "Hi {{customer.first_name || 'there'}}, refund for #{{conversation.id}} is on its way."
    api_post(server, BOB, path, {"shortcode": "refund", "content": body})
    api_post(server, BOB, path, {"shortcode": "mail", "content": "We wrote to {{customer.email}}"})
    started = customer(server, "{{agent.name}} <i>Pat</i>", "I want my money back")
    sid = started["session"]["id"]
    alice = person()
    page = log_in(alice, server, ALICE)
    page.locator("#conversation-list button.conv").first.click()  # the only one
    thread(page).get_by_role("button", name="Assign to Me").click()
    box = composer(page)
    box.press_sequentially("/ref")
    expect(thread(page).get_by_role("option", name=re.compile(r"^\/refund"))).to_be_visible()
    page.screenshot(path=f"{SHOTS}/desk-canned-list.png")
    box.press("Enter")
    filled = f"Hi {{{{agent.name}}}}, refund for #{sid} is on its way."
    expect(box).to_have_value(filled)  # the customer's name stays as it is, one pass
    box.press("Enter")
    expect(messages(page)).to_contain_text(filled)

    # An empty variable without a fallback is marked and holds the send until it is filled.
    box.press_sequentially("/mail")
    box.press("Enter")
    expect(box).to_have_value("We wrote to {{customer.email}}")
    box.press("Enter")
    expect(thread(page).get_by_role("alert").filter(has_text="Fill in or remove")).to_be_visible()
    expect(messages(page).get_by_text("We wrote to", exact=False)).to_have_count(0)
    page.screenshot(path=f"{SHOTS}/desk-canned-gap.png")
    box.fill("We wrote to pat@example.com")
    box.press("Enter")
    expect(messages(page)).to_contain_text("We wrote to pat@example.com")

    # Any agent manages them on their page; a taken shortcode is refused with the reason.
    page.get_by_role("link", name="Canned", exact=True).click()
    listed = page.get_by_role("list", name="Canned responses")
    expect(listed).to_contain_text("/mail")
    expect(listed).to_contain_text("/refund")
    page.get_by_label("Shortcode").fill("Thanks")
    page.get_by_label("Text").fill("Thanks, {{customer.first_name || 'friend'}}!")
    page.get_by_role("button", name="Add").click()
    expect(listed).to_contain_text("/thanks")
    page.get_by_label("Shortcode").fill("REFUND")
    page.get_by_label("Text").fill("x")
    page.get_by_role("button", name="Add").click()
    expect(page.get_by_role("alert")).to_contain_text("/refund is taken")
    assert alice.errors == [f"{REFUSED} 409 (Conflict)"]


def test_a_label_alice_adds_shows_on_bobs_list_live_and_filters_it(
    quiet_server: LiveServer, person: Callable[..., Person]
) -> None:
    server = quiet_server
    label = api_post(server, ADMIN, "/api/v1/labels", {"name": "VIP", "color": "#d92d20"})
    customer(server, "Vera Vip", "Hello")
    customer(server, "Otto Other", "Hi")
    alice, bob = person(), person()
    alice_page = log_in(alice, server, ALICE)
    bob_page = log_in(bob, server, BOB)
    expect(conversation(bob_page, "Otto Other")).to_be_visible()

    conversation(alice_page, "Vera Vip").click()
    thread(alice_page).locator(".label-menu summary").click()
    thread(alice_page).get_by_role("checkbox", name="VIP").check()
    expect(conversation(alice_page, "Vera Vip")).to_contain_text("VIP")
    expect(conversation(bob_page, "Vera Vip")).to_contain_text("VIP")  # live, no reload
    expect(conversation(bob_page, "Otto Other")).not_to_contain_text("VIP")

    bob_page.locator("#label-filter summary").click()
    bob_page.get_by_role("group", name="Labels to filter by").get_by_role(
        "checkbox", name="VIP"
    ).check()
    expect(conversation(bob_page, "Otto Other")).to_have_count(0)
    expect(conversation(bob_page, "Vera Vip")).to_be_visible()
    expect(bob_page).to_have_url(re.compile(rf"\?label={label['label']['id']}"))
    bob_page.screenshot(path=f"{SHOTS}/desk-label-filter.png")
    bob_page.reload()  # the filter is in the address
    expect(conversation(bob_page, "Vera Vip")).to_be_visible()
    expect(conversation(bob_page, "Otto Other")).to_have_count(0)
    bob_page.locator("#label-filter summary").click()
    expect(bob_page.get_by_role("checkbox", name="VIP")).to_be_checked()
    bob_page.locator("#label-match").select_option("none")
    expect(conversation(bob_page, "Otto Other")).to_be_visible()
    expect(conversation(bob_page, "Vera Vip")).to_have_count(0)

    # The inbox's keys, outside a text field: ? lists them, j opens the next, n writes a note.
    bob_page.get_by_role("heading", name="Conversations").click()
    bob_page.keyboard.press("?")
    shortcuts = bob_page.get_by_role("dialog", name="Keyboard shortcuts")
    expect(shortcuts).to_contain_text("Next conversation")
    shortcuts.get_by_role("button", name="Close").click()
    bob_page.keyboard.press("j")
    expect(thread(bob_page).get_by_role("heading", name="Otto Other")).to_be_visible()
    bob_page.keyboard.press("n")
    expect(thread(bob_page).get_by_role("textbox", name="Private note")).to_be_focused()
    for someone in (alice, bob):
        assert someone.errors == []
