"""Satisfaction ratings in the browser (issue #21): an agent's close asks the widget's visitor
"How did we do?", the rating and its comment reach the agent's details pane (as text) and the
admin's report; "Close without survey" asks nothing; a reload still shows an unanswered card, a
new message (which reopens the conversation) takes it away, and a rating given in another tab
shows here as thanks."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import httpx
from playwright.sync_api import Locator, Page, expect

from tests.browser.conftest import Person
from tests.browser.test_agent_page import composer, conversation, log_in, thread
from tests.browser.test_widget import (
    agent_says,
    alice,
    by,
    history,
    open_widget,
    say,
    session_key,
    start_conversation,
)
from tests.conftest import ADMIN, ALICE, LiveServer, login

SHOTS = "/tmp"
HOSTILE = "Quick and kind <img src=x onerror=alert(1)> thanks!"


def rating_card(panel: Locator) -> Locator:
    return panel.get_by_role("form", name="How did we do?")


def thanks(panel: Locator) -> Locator:
    return panel.get_by_role("status").filter(has_text="Thanks for your rating")


def rating_box(page: Page) -> Locator:
    """The agent's details pane: the customer's rating."""
    return page.get_by_role("region", name="Customer rating")


def closed(panel: Locator) -> Locator:
    return panel.get_by_text("The conversation was closed. Send a message to reopen it.")


def csat_state(server: LiveServer, key: str) -> dict:
    answer = httpx.get(f"{server.url}/api/v1/chat/public/session/{key}/csat", timeout=10)
    assert answer.status_code == 200, answer.text
    return answer.json()


def summary(server: LiveServer) -> dict:
    """The admin's report over today (a day either side: whatever the team's timezone)."""
    today = datetime.now(UTC).date()
    query = {"since": str(today - timedelta(days=1)), "until": str(today + timedelta(days=1))}
    with httpx.Client(base_url=server.url, timeout=10) as api:
        answer = api.get("/api/v1/reports/summary", params=query, headers=login(api, ADMIN))
    assert answer.status_code == 200, answer.text
    return answer.json()


def handled_by_alice(visitor: Person, alice_page: Page, server: LiveServer) -> Locator:
    """The visitor chats with the AI, asks for a person; Alice takes it and replies. The
    widget's panel."""
    panel = open_widget(visitor.page, server.url)
    say(visitor.page, "My grinder makes a strange noise")
    expect(by(visitor.page, "AI assistant")).not_to_have_count(0)
    panel.get_by_role("button", name="Talk to a person").click()
    expect(panel.get_by_text("Waiting for an agent…")).to_be_visible()
    conversation(alice_page, "Visitor #1").click()
    thread(alice_page).get_by_role("button", name="Assign to Me").click()
    expect(panel.get_by_text("Connected to Alice Agent")).to_be_visible()
    composer(alice_page).fill("Let's sort that out: is the burr set tight?")
    composer(alice_page).press("Enter")
    expect(panel.get_by_text("Let's sort that out: is the burr set tight?")).to_be_visible()
    return panel


def test_the_widgets_rating_reaches_the_agent_and_the_report(
    app_server: LiveServer, person: Callable[..., Person]
) -> None:
    server = app_server
    agent = person()
    page = log_in(agent, server, ALICE)
    visitor = person()
    panel = handled_by_alice(visitor, page, server)
    expect(rating_card(panel)).to_have_count(0)  # nothing asked while it is open

    thread(page).get_by_role("button", name="Close conversation").click()
    card = rating_card(panel)
    expect(card).to_be_visible()
    expect(panel.get_by_text("Conversation closed", exact=True)).to_be_visible()
    expect(rating_box(page)).to_contain_text("Rating asked for; no answer yet.")

    # Sending before choosing says why; the card stays usable.
    card.get_by_role("button", name="Send rating").click()
    expect(card.get_by_role("alert")).to_have_text("Choose a rating from 1 to 5 first.")
    ratings = card.get_by_role("group", name="Rating").get_by_role("button")
    expect(ratings).to_have_count(5)
    expect(ratings.nth(0)).to_have_accessible_name("1 out of 5")
    four = card.get_by_role("button", name="4 out of 5")
    four.focus()
    four.press("Enter")  # the keyboard works as a click does
    expect(four).to_have_attribute("aria-pressed", "true")
    expect(card.get_by_role("button", name="5 out of 5")).to_have_attribute("aria-pressed", "false")
    expect(card.get_by_role("alert")).to_be_hidden()
    comment = card.get_by_label("Anything to add? (optional)")
    expect(comment).to_have_attribute("maxlength", "1000")
    comment.fill(HOSTILE)
    visitor.page.screenshot(path=f"{SHOTS}/csat-widget-card.png")
    card.get_by_role("button", name="Send rating").click()

    expect(thanks(panel)).to_contain_text("You gave us 4 out of 5.")
    expect(thanks(panel)).to_be_focused()  # the focus is not lost with the card's button
    expect(card).to_have_count(0)
    visitor.page.screenshot(path=f"{SHOTS}/csat-widget-thanks.png")

    # Alice sees it live in the details pane, the comment as text.
    box = rating_box(page)
    expect(box.get_by_text("Rating: 4/5", exact=True)).to_be_visible()
    expect(box.get_by_text(HOSTILE, exact=True)).to_be_visible()
    page.screenshot(path=f"{SHOTS}/csat-agent-details.png")
    # And after a reload, from GET …/csat.
    page.reload()
    expect(rating_box(page).get_by_text("Rating: 4/5", exact=True)).to_be_visible()
    expect(rating_box(page).get_by_text(HOSTILE, exact=True)).to_be_visible()
    assert page.locator("img[src=x]").count() == 0
    assert visitor.page.locator("img[src=x]").count() == 0

    report = summary(server)
    assert report["csat"]["responses"] == 1
    assert report["csat"]["average"] == 4.0
    assert [c["comment"] for c in report["comments"]] == [HOSTILE]
    assert agent.dialogs == [] and visitor.dialogs == []
    assert agent.errors == [] and visitor.errors == []


def test_close_without_survey_asks_the_visitor_nothing(
    app_server: LiveServer, person: Callable[..., Person]
) -> None:
    server = app_server
    agent = person()
    page = log_in(agent, server, ALICE)
    visitor = person()
    panel = handled_by_alice(visitor, page, server)

    # Beside Close, a small menu ("More ways to close"), here used by keyboard only.
    thread(page).get_by_role("button", name="Close conversation").focus()
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    quiet = thread(page).get_by_role("button", name="Close without survey")
    expect(quiet).to_be_visible()
    thread(page).screenshot(path=f"{SHOTS}/csat-agent-close-menu.png")
    page.keyboard.press("Tab")
    expect(quiet).to_be_focused()
    page.keyboard.press("Enter")
    expect(closed(panel)).to_be_visible()
    expect(panel.get_by_text("Conversation closed", exact=True)).to_be_visible()
    expect(rating_card(panel)).to_have_count(0)
    expect(thanks(panel)).to_have_count(0)
    # A reload asks the server, which asked for nothing either.
    visitor.page.reload()  # the open panel stays open
    expect(panel.get_by_text("Conversation closed", exact=True)).to_be_visible()
    expect(panel.get_by_text("Let's sort that out: is the burr set tight?")).to_be_visible()
    assert csat_state(server, session_key(visitor.page, server.url)) == {
        "requested": False,
        "csat": None,
    }
    expect(rating_card(panel)).to_have_count(0)
    expect(rating_box(page)).to_be_hidden()
    assert agent.errors == [] and visitor.errors == []


def test_a_reload_shows_an_unanswered_card_a_new_message_takes_it_away_and_another_tab_rates(
    quiet_server: LiveServer, person: Callable[..., Person]
) -> None:
    server = quiet_server  # the AI is off: the first message waits for a person
    visitor = person()
    session_id = start_conversation(visitor.page, server.url, "Is my order on its way?")
    panel = visitor.page.get_by_role("dialog", name="Northwind Coffee")
    headers = alice(server.url)
    with httpx.Client(base_url=server.url, headers=headers, timeout=10) as api:
        assert api.post(f"/api/v1/chat/sessions/{session_id}/assign", json={}).status_code == 200
        agent_says(server.url, headers, session_id, "It left the warehouse this morning.")
        assert api.post(f"/api/v1/chat/sessions/{session_id}/close").status_code == 200
    expect(rating_card(panel)).to_be_visible()

    visitor.page.reload()  # the open panel stays open
    expect(panel.get_by_text("It left the warehouse this morning.")).to_be_visible()
    card = rating_card(panel)
    expect(card).to_be_visible()
    key = session_key(visitor.page, server.url)
    assert csat_state(server, key) == {"requested": True, "csat": None}

    # Writing again reopens the conversation: the survey is over, the card goes.
    say(visitor.page, "One more thing: can I change the address?")
    expect(card).to_have_count(0)
    expect(panel.get_by_text("Conversation closed", exact=True)).to_have_count(0)
    assert history(server.url, key)["session"]["status"] != "closed"

    # Closed again, still unrated: asked again; rated from another tab (the same key), this one
    # says thanks with that rating.
    with httpx.Client(base_url=server.url, headers=headers, timeout=10) as api:
        assert api.post(f"/api/v1/chat/sessions/{session_id}/close").status_code == 200
    expect(card).to_be_visible()
    rated = httpx.post(
        f"{server.url}/api/v1/chat/public/csat",
        json={"session_key": key, "rating": 2, "comment": "Slow today"},
        timeout=10,
    )
    assert rated.status_code == 201, rated.text
    expect(thanks(panel)).to_contain_text("You gave us 2 out of 5.")
    expect(card).to_have_count(0)
    assert visitor.errors == []
