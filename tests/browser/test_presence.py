"""Agent presence in the browser: the top bar's status reaches the other agent live, and the
widget does not promise a person while nobody is Available."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Locator, Page, expect

from chat.service import AWAY_NOTE
from tests.browser.conftest import Person
from tests.browser.test_agent_page import log_in
from tests.browser.test_widget import open_widget, row, say
from tests.conftest import ALICE, BOB, LiveServer, serving

AWAY = "We'll reply as soon as someone is back"


@pytest.fixture
def short_grace_server(tmp_path: Path, database: Path | str) -> Iterator[LiveServer]:
    """`python app.py` with the AI off and agents offline 1 s after their last socket closes."""
    with serving(tmp_path, "presence", database, SWITCHBOARD_PRESENCE_GRACE="1") as server:
        yield server


def my_status(page: Page) -> Locator:
    return page.get_by_role("combobox", name="Your status")


def teammate(page: Page, name: str) -> Locator:
    """A teammate's row in the top bar's team list (opened first if it is closed)."""
    toggle = page.locator("#team-toggle")
    if toggle.get_attribute("aria-expanded") != "true":
        toggle.click()
    panel = page.get_by_role("region", name="Team")
    expect(panel).to_be_visible()
    return panel.get_by_role("listitem").filter(has_text=name)


def test_a_status_change_shows_to_the_other_agent_live(
    short_grace_server: LiveServer, person: Callable[..., Person]
) -> None:
    server = short_grace_server
    alice, bob = person(), person()
    alice_page = log_in(alice, server, ALICE)
    bob_page = log_in(bob, server, BOB)
    alice_page.evaluate("window.stayed = true")

    expect(teammate(alice_page, "Bob Agent")).to_contain_text("Available")
    expect(alice_page.locator("#team-toggle")).to_have_text("Team · 1 available")
    expect(my_status(bob_page)).to_have_value("available")

    my_status(bob_page).select_option("busy")
    expect(teammate(alice_page, "Bob Agent")).to_contain_text("Busy")
    expect(teammate(alice_page, "Bob Agent").locator(".presence-dot")).to_have_attribute(
        "data-status", "busy"
    )
    expect(alice_page.locator("#team-toggle")).to_have_text("Team · 0 available")

    # Bob's choice is kept on the server: his page shows it again after a reload.
    bob_page.reload()
    expect(my_status(bob_page)).to_have_value("busy")
    expect(teammate(bob_page, "Alice Agent")).to_contain_text("Available")

    bob_page.close()
    expect(teammate(alice_page, "Bob Agent")).to_contain_text("Offline", timeout=15_000)
    expect(teammate(alice_page, "Admin")).to_contain_text("Offline")
    assert alice_page.evaluate("window.stayed") is True  # no reload happened
    assert alice.errors == []
    assert bob.errors == []


def test_the_widget_says_when_nobody_is_available_and_changes_live(
    app_server: LiveServer, person: Callable[..., Person]
) -> None:
    pat = person()
    page = pat.page
    panel = open_widget(page, app_server.url)
    line = panel.get_by_role("status").filter(has_text=AWAY)
    expect(line).to_be_visible()
    expect(panel).not_to_contain_text("will be with you shortly")

    say(page, "hello there")
    page.get_by_role("button", name="Talk to a person").click()
    expect(row(page, AWAY_NOTE)).to_be_visible()  # the handoff note promises no person either
    expect(line).to_be_visible()
    expect(panel.get_by_text("Waiting for an agent…")).to_be_visible()

    # Alice opens her page: the widget changes without a reload.
    alice = person()
    alice_page = log_in(alice, app_server, ALICE)
    shortly = panel.get_by_role("status").filter(has_text="An agent will be with you shortly.")
    expect(shortly).to_be_visible()
    expect(line).to_have_count(0)

    # She goes Busy: nobody is Available again, and the widget says so.
    my_status(alice_page).select_option("busy")
    expect(line).to_be_visible()
    assert pat.errors == []
    assert alice.errors == []
