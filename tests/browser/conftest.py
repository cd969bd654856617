"""Headless Chromium (the distribution's package, driven by Playwright) against a live server."""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, ConsoleMessage, Page, sync_playwright

from tests.conftest import LiveServer, serving

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/browser/" in str(item.fspath):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="package")
def browser() -> Iterator[Browser]:
    chromium = shutil.which("chromium")
    if chromium is None:
        pytest.fail("Chromium is missing: the README's test command installs it (apt-get).")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


class Person:
    """One person at one browser: their own context (cookies, storage) and page."""

    def __init__(self, browser: Browser, viewport: dict[str, int], **options: Any) -> None:
        self.context = browser.new_context(viewport=viewport, **options)  # type: ignore[arg-type]
        self.page: Page = self.context.new_page()
        self.errors: list[str] = []
        self.dialogs: list[str] = []
        self.page.on("console", self._console)
        self.page.on("pageerror", lambda exc: self.errors.append(f"pageerror: {exc}"))
        self.page.on("dialog", self._dialog)

    def _console(self, message: ConsoleMessage) -> None:
        if message.type == "error":
            self.errors.append(message.text)

    def _dialog(self, dialog) -> None:  # type: ignore[no-untyped-def]
        self.dialogs.append(dialog.message)
        dialog.dismiss()


@pytest.fixture
def person(browser: Browser) -> Iterator[Callable[..., Person]]:
    """Open a new person's browser: person() on a desktop, person(390, 844) on a phone;
    Playwright's context options too (person(locale="de-DE"))."""
    opened: list[Person] = []

    def open_person(width: int = 1280, height: int = 800, **options: Any) -> Person:
        someone = Person(browser, {"width": width, "height": height}, **options)
        opened.append(someone)
        return someone

    yield open_person
    for someone in opened:
        someone.context.close()


@pytest.fixture
def app_server(tmp_path: Path, database: Path | str) -> Iterator[LiveServer]:
    """`python app.py` with the AI answering first, as a new install runs."""
    with serving(
        tmp_path, "browser", database, SWITCHBOARD_AI="1", SWITCHBOARD_AI_REPLY_DELAY="0.1"
    ) as server:
        yield server


@pytest.fixture
def quiet_server(tmp_path: Path, database: Path | str) -> Iterator[LiveServer]:
    """`python app.py` with the AI off, for tests that count every message."""
    with serving(tmp_path, "browser", database) as server:
        yield server


@pytest.fixture
def strict_server(tmp_path: Path, database: Path | str) -> Iterator[LiveServer]:
    """`python app.py` with limits far from the defaults (50 characters, 2 KiB files): a client
    that hard-coded a limit instead of taking the server's would not hold to these."""
    with serving(
        tmp_path,
        "strict",
        database,
        SWITCHBOARD_CONTENT_MAX="50",
        SWITCHBOARD_ATTACHMENT_MAX_BYTES="2048",
    ) as server:
        yield server
