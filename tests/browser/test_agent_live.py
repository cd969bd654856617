"""The agent page across trouble and inattention: server restarts, a restored database,
unread counts in the title, sounds and desktop notifications while the tab is hidden."""

from __future__ import annotations

import shutil
import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import Person
from tests.browser.test_agent_page import (
    conversation,
    customer,
    listed_items,
    live_status,
    log_in,
    messages,
    say,
    thread,
)
from tests.conftest import ALICE, LiveServer

GREY = "rgb(152, 162, 179)"
GREEN = "rgb(18, 183, 106)"

# Stand-ins installed before the page's own scripts: a tab we can hide, and a Notification (the
# page's and the service worker's) and AudioContext that record what the page asked of them.
HIDDEN_TAB = """
window.__hidden = false;
window.__notes = [];
window.__beeps = 0;
Object.defineProperty(Document.prototype, "hidden", {
  configurable: true, get() { return window.__hidden; } });
window.Notification = class {
  static permission = "granted";
  static requestPermission() { return Promise.resolve("granted"); }
  constructor(title, options) { window.__notes.push([title, options && options.body]); }
  addEventListener() {}
  close() {}
};
// With a service worker the page notifies through it (static/agent/alerts.js).
if (window.ServiceWorkerRegistration) {
  ServiceWorkerRegistration.prototype.showNotification = function (title, options) {
    window.__notes.push([title, options && options.body]);
    return Promise.resolve();
  };
}
window.AudioContext = class {
  constructor() { this.state = "running"; this.currentTime = 0; this.destination = {}; }
  resume() { return Promise.resolve(); }
  createGain() {
    window.__beeps += 1;
    return { gain: { setValueAtTime() {}, exponentialRampToValueAtTime() {} }, connect() {} };
  }
  createOscillator() {
    return { frequency: { setValueAtTime() {} }, connect() {}, start() {}, stop() {} };
  }
};
"""


def unexpected(errors: list[str]) -> list[str]:
    """Console errors other than the browser's own reports of a refused connection."""
    return [e for e in errors if "ERR_CONNECTION_REFUSED" not in e and "WebSocket" not in e]


def test_the_live_indicator_follows_a_server_restart(
    quiet_server: LiveServer, person: Callable[..., Person]
) -> None:
    pat = customer(quiet_server, "Pat Restart", "Before the restart")
    alice = person()
    page = log_in(alice, quiet_server, ALICE)
    conversation(page, "Pat Restart").click()
    expect(messages(page)).to_contain_text("Before the restart")
    page.evaluate("window.stayed = true")

    quiet_server.stop()
    live = live_status(page)
    expect(live).to_have_text("Reconnecting…")
    expect(live.locator(".live-dot")).to_have_css("background-color", GREY)

    quiet_server.start()
    expect(live).to_have_text("Live", timeout=20_000)
    expect(live.locator(".live-dot")).to_have_css("background-color", GREEN)
    say(quiet_server, pat["session_key"], "After the restart")
    expect(messages(page).get_by_text("After the restart")).to_be_visible()
    expect(conversation(page, "Pat Restart")).to_contain_text("2 messages")
    assert page.evaluate("window.stayed") is True  # no reload happened
    assert unexpected(alice.errors) == []


@pytest.mark.sqlite_only  # restores a copy of the SQLite file over it while the page stays open
def test_a_restored_database_resyncs_the_page_without_a_reload(
    quiet_server: LiveServer, person: Callable[..., Person], tmp_path: Path
) -> None:
    kept = customer(quiet_server, "Kim Kept", "Still here after the restore")
    alice = person()
    page = log_in(alice, quiet_server, ALICE)
    backup = tmp_path / "backup.db"
    with sqlite3.connect(quiet_server.database) as source, sqlite3.connect(backup) as target:
        source.backup(target)

    customer(quiet_server, "Gus Gone", "I will vanish with the restore")
    expect(conversation(page, "Gus Gone")).to_be_visible()
    conversation(page, "Kim Kept").click()
    page.evaluate("window.stayed = true")

    # Back to the backup: the page has seen events the server no longer has, so it must resync.
    quiet_server.stop()
    for suffix in ("-wal", "-shm"):
        Path(str(quiet_server.database) + suffix).unlink(missing_ok=True)
    shutil.copyfile(backup, quiet_server.database)
    quiet_server.start()

    expect(live_status(page)).to_have_text("Live", timeout=20_000)
    expect(conversation(page, "Gus Gone")).to_have_count(0)
    expect(listed_items(page)).to_have_count(1)
    say(quiet_server, kept["session_key"], "Written after the restore")
    expect(messages(page).get_by_text("Written after the restore")).to_be_visible()
    expect(messages(page).get_by_text("Still here after the restore")).to_have_count(1)
    assert page.evaluate("window.stayed") is True
    assert unexpected(alice.errors) == []


def test_unread_conversations_count_in_the_title(
    quiet_server: LiveServer, person: Callable[..., Person]
) -> None:
    ann = customer(quiet_server, "Ann", "First from Ann")
    ben = customer(quiet_server, "Ben", "First from Ben")
    alice = person()
    page = log_in(alice, quiet_server, ALICE)
    # No agent has read either conversation yet (the stored read mark says so).
    expect(page).to_have_title("(2) Chat · Switchboard")
    conversation(page, "Ann").click()
    expect(page).to_have_title("(1) Chat · Switchboard")

    say(quiet_server, ben["session_key"], "Hello from Ben")
    say(quiet_server, ben["session_key"], "Anyone?")
    expect(conversation(page, "Ben")).to_contain_text("3 unread")
    expect(page).to_have_title("(1) Chat · Switchboard")

    say(quiet_server, ann["session_key"], "Ann again, in the open conversation")
    expect(messages(page).get_by_text("Ann again, in the open conversation")).to_be_visible()
    expect(conversation(page, "Ann")).not_to_contain_text("unread")
    expect(page).to_have_title("(1) Chat · Switchboard")

    conversation(page, "Ben").click()
    expect(conversation(page, "Ben")).not_to_contain_text("unread")
    expect(page).to_have_title("Chat · Switchboard")
    assert alice.errors == []


def test_a_hidden_tab_beeps_and_notifies_unless_muted(
    quiet_server: LiveServer, person: Callable[..., Person]
) -> None:
    alice = person()
    alice.page.add_init_script(HIDDEN_TAB)
    page = log_in(alice, quiet_server, ALICE)
    expect(page.get_by_role("button", name="Enable desktop notifications")).to_be_hidden()

    hana = customer(quiet_server, "Hana", "Is anyone there?")
    expect(conversation(page, "Hana")).to_be_visible()
    assert page.evaluate("window.__notes") == [], "the tab is visible: no notification"
    assert page.evaluate("window.__beeps") == 0

    page.evaluate("window.__hidden = true")
    say(quiet_server, hana["session_key"], "Hello? I need help with my order")
    expect(conversation(page, "Hana")).to_contain_text("Hello? I need help")
    assert page.evaluate("window.__notes") == [["Hana", "Hello? I need help with my order"]]
    assert page.evaluate("window.__beeps") == 1
    expect(page).to_have_title("(1) Chat · Switchboard")

    page.get_by_role("button", name="Mute sounds").click()
    expect(page.get_by_role("button", name="Unmute sounds")).to_be_visible()
    say(quiet_server, hana["session_key"], "Still waiting")
    expect(conversation(page, "Hana")).to_contain_text("Still waiting")
    assert len(page.evaluate("window.__notes")) == 1
    assert page.evaluate("window.__beeps") == 1

    page.reload()  # the choice is remembered
    expect(page.get_by_role("button", name="Unmute sounds")).to_be_visible()
    page.get_by_role("button", name="Unmute sounds").click()
    expect(page.get_by_role("button", name="Mute sounds")).to_be_visible()
    assert alice.errors == []


def test_notifications_are_asked_for_only_on_a_click(
    quiet_server: LiveServer, person: Callable[..., Person]
) -> None:
    alice = person()
    alice.page.add_init_script(
        "window.__asked = 0; const ask = Notification.requestPermission.bind(Notification);"
        "Notification.requestPermission = (...a) => { window.__asked += 1; return ask(...a); };"
    )
    page = log_in(alice, quiet_server, ALICE)
    enable = page.get_by_role("button", name="Enable desktop notifications")
    expect(enable).to_be_visible()
    assert page.evaluate("window.__asked") == 0
    enable.click()
    # Headless Chromium answers "denied"; the button goes away either way.
    expect(enable).to_be_hidden()
    assert page.evaluate("window.__asked") == 1
    assert alice.errors == []


def test_the_list_is_keyboard_navigable(
    quiet_server: LiveServer, person: Callable[..., Person]
) -> None:
    customer(quiet_server, "Older One", "first")
    customer(quiet_server, "Newer One", "second")
    alice = person()
    page = log_in(alice, quiet_server, ALICE)

    conversation(page, "Newer One").focus()
    page.keyboard.press("ArrowDown")
    expect(conversation(page, "Older One")).to_be_focused()
    page.keyboard.press("Enter")
    expect(thread(page).get_by_role("heading", name="Older One")).to_be_visible()
    expect(thread(page).get_by_role("textbox", name="Message")).to_be_focused()
    expect(conversation(page, "Older One")).to_have_attribute("aria-current", "true")
    assert alice.errors == []
