"""Files in both UIs: an image from the widget (on another origin) previews on the agent page,
a file from the agent shows in the widget, and refusals are explained to the customer."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import httpx
from playwright.sync_api import Page, expect

from tests.browser.conftest import Person
from tests.browser.test_agent_page import conversation, log_in, messages
from tests.browser.test_widget import open_widget, say, session_key
from tests.browser.test_widget_cross_origin import company_site  # noqa: F401 - a fixture
from tests.conftest import ALICE, LiveServer, serving
from tests.test_attachments import PDF, png

HOSTILE_NAME = "<img src=x onerror=alert(1)>.png"


def widget_upload(page: Page, name: str, body: bytes, mime: str = "application/octet-stream"):
    page.locator("switchboard-chat input[type=file]").set_input_files(
        {"name": name, "mimeType": mime, "buffer": body}
    )


def wait_for_loaded_image(page: Page, root: str, alt: str, width: int) -> None:
    """Until the <img> with this alt text has really loaded and decoded to `width` pixels."""
    page.wait_for_function(
        """([root, alt, width]) => {
            const scope = root ? document.querySelector(root).shadowRoot : document;
            const img = [...scope.querySelectorAll("img")].find((i) => i.alt === alt);
            return Boolean(img && img.complete && img.naturalWidth === width);
        }""",
        arg=[root, alt, width],
        timeout=10_000,
    )


def test_an_image_from_the_widget_previews_for_the_agent_and_a_file_back_shows_in_the_widget(
    company_site: str,  # noqa: F811 - the fixture imported above
    app_server: LiveServer,
    person: Callable[..., Person],
) -> None:
    visitor = person()
    page = visitor.page
    page.goto(company_site + "/index.html")
    page.get_by_role("button", name="Open chat").click()
    widget_upload(page, HOSTILE_NAME, png(40, 30), "image/png")
    # The preview loads from the chat server, another origin than the shop's page.
    wait_for_loaded_image(page, "switchboard-chat", HOSTILE_NAME, 40)
    key = page.evaluate(
        "(origin) => localStorage.getItem(`switchboard:${origin}:session_key`)", app_server.url
    )
    session = httpx.get(f"{app_server.url}/api/v1/chat/public/session/{key}").json()["session"]

    agent = person()
    agent_page = log_in(agent, app_server, ALICE)
    conversation(agent_page, f"Visitor #{session['id']}").click()
    wait_for_loaded_image(agent_page, "", HOSTILE_NAME, 40)
    expect(messages(agent_page).locator("img[src='x']")).to_have_count(0)

    agent_page.locator(".composer input[type=file]").set_input_files(
        {"name": "Setup guide.pdf", "mimeType": "application/pdf", "buffer": PDF}
    )
    sent = messages(agent_page).get_by_role("link", name="Setup guide.pdf")
    expect(sent).to_be_visible()
    shown = page.locator(".bubble .file").filter(has_text="Setup guide.pdf")
    expect(shown).to_contain_text(f"{len(PDF)} bytes")
    href = shown.get_attribute("href")
    assert href and href.startswith(f"{app_server.url}/api/v1/chat/public/session/")
    assert httpx.get(href).content == PDF
    assert visitor.dialogs == [] and agent.dialogs == []
    assert visitor.errors == [] and agent.errors == []


def test_the_widget_explains_a_refused_file_and_keeps_the_conversation(
    tmp_path: Path, person: Callable[..., Person], database: Path | str
) -> None:
    with serving(tmp_path, "files", database, SWITCHBOARD_ATTACHMENT_MAX_BYTES="2048") as server:
        visitor = person()
        page = visitor.page
        panel = open_widget(page, server.url)
        widget_upload(page, "big.txt", b"a" * 5000, "text/plain")
        expect(panel.get_by_role("alert")).to_contain_text("larger than")
        failed = page.locator(".row.failed").filter(has_text="big.txt")
        expect(failed.locator(".state")).to_have_text("Not sent")

        widget_upload(page, "photo.png", b"<html><script>alert(1)</script></html>", "image/png")
        expect(panel.get_by_role("alert")).to_contain_text("looks like HTML")

        widget_upload(page, "fine.txt", b"all good", "text/plain")
        expect(page.locator(".bubble .file").filter(has_text="fine.txt")).to_be_visible()
        history = httpx.get(
            f"{server.url}/api/v1/chat/public/session/{session_key(page, server.url)}"
        ).json()
        assert [m["attachment"]["name"] for m in history["messages"]] == ["fine.txt"]
        assert visitor.dialogs == []


def test_a_file_sent_while_the_server_is_down_goes_by_itself_once_it_is_back(
    quiet_server: LiveServer, person: Callable[..., Person]
) -> None:
    """The customer attaches a file during an outage: it shows "Not sent", then is uploaded on
    its own when the widget reconnects, and is stored exactly once."""
    page = person().page
    open_widget(page, quiet_server.url)
    say(page, "Here comes my receipt")
    expect(page.locator(".row").filter(has_text="Here comes my receipt")).not_to_have_class(
        re.compile("sending")
    )
    key = session_key(page, quiet_server.url)

    quiet_server.stop()
    widget_upload(page, "receipt.txt", b"Order 1234, paid", "text/plain")
    failed = page.locator(".row.failed").filter(has_text="receipt.txt")
    expect(failed.locator(".state")).to_have_text("Not sent")

    quiet_server.start()
    expect(page.locator(".bubble .file").filter(has_text="receipt.txt")).to_be_visible(
        timeout=20_000
    )
    expect(page.locator(".row.failed")).to_have_count(0)
    history = httpx.get(f"{quiet_server.url}/api/v1/chat/public/session/{key}").json()
    files = [m["attachment"]["name"] for m in history["messages"] if m["attachment"]]
    assert files == ["receipt.txt"]
