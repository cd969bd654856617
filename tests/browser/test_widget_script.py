"""The widget as a site gets it: one script, joined from the modules, that runs without an error
and holds the visitor to the limits the server states (not to numbers of its own)."""

from __future__ import annotations

import re
from collections.abc import Callable

import httpx
from playwright.sync_api import Request, expect

from tests.browser.conftest import Person
from tests.browser.test_attachments import widget_upload
from tests.browser.test_widget import history, open_widget, row, say, session_key
from tests.conftest import LiveServer


def test_the_demo_page_loads_one_widget_script_that_runs_without_errors(
    quiet_server: LiveServer, person: Callable[..., Person]
) -> None:
    pat = person()
    page = pat.page
    scripts: list[str] = []
    page.on("request", lambda r: scripts.append(r.url) if r.resource_type == "script" else None)
    open_widget(page, quiet_server.url)
    say(page, "Hello from one script")
    expect(row(page, "Hello from one script").locator(".state")).to_have_text("Sent")
    assert scripts == [quiet_server.url + "/chat-widget.js"]
    assert page.evaluate("window.SwitchboardWidget.version") == "1"
    source = httpx.get(quiet_server.url + "/chat-widget.js").text
    assert not re.search(r"^\s*(import|export)\s", source, re.M)
    assert pat.errors == []


def test_the_widget_modules_also_run_as_es_modules(
    quiet_server: LiveServer, person: Callable[..., Person]
) -> None:
    """Loaded as modules, the browser itself checks every import against the exports."""
    pat = person()
    page = pat.page
    page.goto(quiet_server.url + "/login")  # a page of the server's own, without the widget
    page.add_script_tag(url="/static/widget/main.js", type="module")
    page.get_by_role("button", name="Open chat").click()
    expect(page.get_by_role("dialog", name="Chat with us")).to_be_visible()
    say(page, "Hello from the modules")
    expect(row(page, "Hello from the modules").locator(".state")).to_have_text("Sent")
    assert pat.errors == []


def test_the_widget_holds_a_message_to_the_servers_content_max(
    strict_server: LiveServer, person: Callable[..., Person]
) -> None:
    pat = person()
    page = pat.page
    panel = open_widget(page, strict_server.url)
    box = page.get_by_role("textbox", name="Message")
    expect(box).to_have_attribute("maxlength", "50")

    box.press_sequentially("x" * 60)  # typing stops at the server's 50 characters
    expect(box).to_have_value("x" * 50)
    box.press("Enter")
    expect(row(page, "x" * 50).locator(".state")).to_have_text("Sent")

    # Text longer than that already in the box (typed before the limit arrived, say) stays
    # there unsent, and the visitor is told why.
    box.evaluate("(box, text) => { box.value = text; }", "y" * 51)
    box.press("Enter")
    expect(panel.get_by_role("alert")).to_have_text(
        "That message is too long: 50 characters at most."
    )
    expect(box).to_have_value("y" * 51)  # kept, so nothing typed is lost
    stored = history(strict_server.url, session_key(page, strict_server.url))["messages"]
    assert [m["content"] for m in stored] == ["x" * 50]
    assert pat.errors == []


def test_a_file_over_the_servers_limit_is_refused_before_it_is_sent(
    strict_server: LiveServer, person: Callable[..., Person]
) -> None:
    pat = person()
    page = pat.page
    posted: list[str] = []

    def note(request: Request) -> None:
        if request.method == "POST":
            posted.append(request.url.removeprefix(strict_server.url))

    page.on("request", note)
    panel = open_widget(page, strict_server.url)
    expect(page.get_by_role("textbox", name="Message")).to_have_attribute("maxlength", "50")
    picker = page.locator("switchboard-chat input[type=file]")
    assert ".png" in (picker.get_attribute("accept") or "").split(",")

    widget_upload(page, "scan.txt", b"a" * 2049, "text/plain")
    expect(panel.get_by_role("alert")).to_have_text("The file is larger than 2 KB.")
    refused = page.locator(".row.failed").filter(has_text="scan.txt")
    expect(refused.locator(".state")).to_have_text("Not sent")
    expect(refused.get_by_role("button", name="Retry")).to_have_count(0)
    assert posted == [], "nothing was sent: no upload, not even a conversation started"

    widget_upload(page, "small.txt", b"a" * 2048, "text/plain")
    expect(page.locator(".bubble .file").filter(has_text="small.txt")).to_be_visible()
    assert posted == ["/api/v1/chat/public/start", "/api/v1/chat/public/attachments"]
    assert pat.errors == []
