"""The browser harness itself: Chromium opens our pages under our CSP without errors."""

from __future__ import annotations

from collections.abc import Callable

from playwright.sync_api import expect

from tests.browser.conftest import Person
from tests.conftest import LiveServer


def test_the_login_page_renders_without_errors(
    quiet_server: LiveServer, person: Callable[..., Person]
) -> None:
    alice = person()
    alice.page.goto(quiet_server.url + "/login")
    expect(alice.page.get_by_role("button", name="Log in")).to_be_visible()
    assert alice.errors == []
