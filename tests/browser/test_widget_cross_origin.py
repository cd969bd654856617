"""The widget works embedded on a company's own site, another origin than the chat server."""

from __future__ import annotations

import functools
import http.server
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import expect

from tests.browser.conftest import Person
from tests.browser.test_widget import row, say
from tests.conftest import LiveServer, free_port

HOST_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Acme Shop</title>
<link rel="icon" href="data:,"></head>
<body><h1>Acme Shop</h1>
<script src="{server}/chat-widget.js" async data-title="Acme Support"></script>
</body></html>
"""


@pytest.fixture
def company_site(tmp_path: Path, app_server: LiveServer) -> Iterator[str]:
    """A plain static site on another port of 127.0.0.1: another origin, as a customer's is."""
    (tmp_path / "index.html").write_text(HOST_PAGE.format(server=app_server.url))
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(tmp_path))
    handler.log_message = lambda *args: None  # type: ignore[attr-defined]
    site = http.server.ThreadingHTTPServer(("127.0.0.1", free_port()), handler)
    thread = threading.Thread(target=site.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{site.server_address[1]}"
    site.shutdown()
    site.server_close()


def test_the_widget_chats_from_another_origin(
    company_site: str, app_server: LiveServer, person: Callable[..., Person]
) -> None:
    visitor = person()
    page = visitor.page
    page.goto(company_site + "/index.html")
    page.get_by_role("button", name="Open chat").click()
    expect(page.get_by_role("dialog", name="Acme Support")).to_be_visible()
    say(page, "Do you ship to Canada?")
    expect(row(page, "Do you ship to Canada?").locator(".state")).to_have_text("Sent")
    expect(page.locator(".row").filter(has_text="AI assistant").last).to_contain_text("Canada")

    key = page.evaluate(
        "(origin) => localStorage.getItem(`switchboard:${origin}:session_key`)", app_server.url
    )
    history = httpx.get(f"{app_server.url}/api/v1/chat/public/session/{key}").json()
    assert [m["sender_type"] for m in history["messages"]] == ["customer", "ai"]
    assert visitor.errors == []
