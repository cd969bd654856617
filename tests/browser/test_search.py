"""Search in the agent inbox, the thread's Export menu, and the widget's "Download transcript"."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable
from pathlib import Path

from playwright.sync_api import Locator, Page, expect

from tests.browser.conftest import Person
from tests.browser.test_agent_page import customer, log_in, messages, thread
from tests.browser.test_widget import agent_says, alice, by, start_conversation
from tests.conftest import ALICE, LiveServer


def search_box(page: Page) -> Locator:
    return page.get_by_role("searchbox", name="Search conversations")


def results(page: Page) -> Locator:
    return page.get_by_role("list", name="Search results")


def live_list(page: Page) -> Locator:
    return page.get_by_role("list", name=re.compile("^Conversations"))


def test_an_agent_searches_as_they_type_and_opens_what_they_found(
    quiet_server: LiveServer, person: Callable[..., Person]
) -> None:
    customer(quiet_server, "Pat Leak", "Hi there", "My espresso machine leaks water")
    customer(quiet_server, "Quinn Order", "Where is my order?")
    customer(quiet_server, "Rae Markup", "<b>espresso</b> <img src=x onerror=alert(1)> beans")
    page = log_in(person(), quiet_server, ALICE)
    expect(live_list(page).get_by_role("button")).to_have_count(3)

    search_box(page).press_sequentially("espres", delay=30)  # the last word is unfinished
    found = results(page).get_by_role("button")
    expect(found).to_have_count(2)
    expect(found.nth(0)).to_contain_text("Rae Markup")
    expect(found.nth(1)).to_contain_text("Pat Leak")
    expect(found.nth(1)).to_contain_text("My espresso machine leaks water")
    expect(results(page).locator("mark")).to_have_text(["espresso", "espresso"])
    # The markup in Rae's message is shown as its text: no element was made of it.
    expect(found.nth(0)).to_contain_text("<b>espresso</b> <img src=x")
    expect(results(page).locator("b, img")).to_have_count(0)
    expect(live_list(page)).to_be_hidden()

    found.filter(has_text="Pat Leak").click()
    expect(thread(page).get_by_role("heading", name="Pat Leak")).to_be_visible()
    expect(messages(page)).to_contain_text("My espresso machine leaks water")
    expect(found.filter(has_text="Pat Leak")).to_have_attribute("aria-current", "true")

    search_box(page).fill("no such words anywhere")
    expect(page.get_by_text("No conversations match “no such words anywhere”.")).to_be_visible()
    expect(found).to_have_count(0)

    search_box(page).fill("quinn")  # a customer's name finds their conversation
    expect(found).to_have_count(1)
    expect(found).to_contain_text("Quinn Order")

    search_box(page).press("Escape")
    expect(search_box(page)).to_have_value("")
    expect(live_list(page).get_by_role("button")).to_have_count(3)
    expect(results(page)).to_be_hidden()


def test_an_agent_exports_a_conversation_as_csv_and_text(
    quiet_server: LiveServer, person: Callable[..., Person], tmp_path: Path
) -> None:
    customer(quiet_server, "Sam Export", "=1+1 is a formula", "Second line")
    page = log_in(person(), quiet_server, ALICE)
    live_list(page).get_by_role("button", name=re.compile("^Sam Export,")).click()
    expect(messages(page)).to_contain_text("Second line")

    thread(page).get_by_text("Export", exact=True).click()
    with page.expect_download() as csv_download:
        thread(page).get_by_role("link", name="CSV").click()
    download = csv_download.value
    assert re.fullmatch(r"conversation-\d+\.csv", download.suggested_filename)
    saved = tmp_path / "export.csv"
    download.save_as(saved)
    rows = list(csv.reader(io.StringIO(saved.read_text("utf-8-sig"), newline="")))
    assert [r[4] for r in rows[1:]] == ["'=1+1 is a formula", "Second line"]

    thread(page).get_by_text("Export", exact=True).click()
    with page.expect_download() as text_download:
        thread(page).get_by_role("link", name="Text").click()
    saved = tmp_path / "export.txt"
    text_download.value.save_as(saved)
    text = saved.read_text("utf-8")
    assert text.startswith("Conversation #") and "Sam Export (customer): Second line" in text


def test_the_customer_downloads_the_transcript_from_the_widget(
    quiet_server: LiveServer, person: Callable[..., Person], tmp_path: Path
) -> None:
    pat = person()
    page = pat.page
    session_id = start_conversation(page, quiet_server.url, "Can I get a copy of this chat?")
    agent_says(quiet_server.url, alice(quiet_server.url), session_id, "Sure, use the button.")
    expect(by(page, "Alice Agent")).to_have_count(1)

    button = page.get_by_role("button", name="Download transcript")
    with page.expect_download() as downloaded:
        button.click()
    download = downloaded.value
    assert download.suggested_filename == f"conversation-{session_id}.txt"
    assert download.url.startswith("blob:")  # the session key is not in the downloads list
    saved = tmp_path / "transcript.txt"
    download.save_as(saved)
    text = saved.read_text("utf-8")
    assert text.startswith(f"Conversation #{session_id}\n")
    assert "(customer): Can I get a copy of this chat?" in text
    assert "Alice Agent (agent): Sure, use the button." in text

    quiet_server.stop()  # a failed download says so, in words, in the widget
    button.click()
    expect(page.get_by_role("alert")).to_contain_text("We could not reach the chat server.")
    assert [
        e for e in pat.errors if "ERR_CONNECTION_REFUSED" not in e and "WebSocket" not in e
    ] == []
