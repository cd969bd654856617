"""The widget as a site gets it: one script, joined from the modules, that runs without an
error; and the modules themselves, loaded as modules."""

from __future__ import annotations

import re
from collections.abc import Callable

import httpx
from playwright.sync_api import expect

from tests.browser.conftest import Person
from tests.browser.test_widget import open_widget, row, say
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
