"""The agent pages on a phone (issue #23): 390 x 844 with touch, one screen at a time, targets a
thumb can hit, nothing scrolling sideways at 360 px; installed as an app, offline, notified."""

from __future__ import annotations

import json
import re
import struct
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, Locator, Page, expect

from tests.browser.conftest import Person
from tests.browser.test_agent_page import (
    composer,
    conversation,
    customer,
    live_status,
    log_in,
    messages,
    open_widget,
    say,
    thread,
    widget_row,
    widget_send,
)
from tests.conftest import ADMIN, ALICE, LiveServer, serving

STATIC = Path(__file__).resolve().parents[2] / "static"
PHONE = {"width": 390, "height": 844}
NARROWEST = {"width": 360, "height": 740}

# Every visible thing one taps, with its size and name, for the 44 x 44 px rule.
TAP_TARGETS = """() => [...document.querySelectorAll('button, a[href], summary, select')]
  .filter((e) => e.checkVisibility() && e.getClientRects().length)
  .map((e) => { const r = e.getBoundingClientRect();
    return [(e.innerText || e.getAttribute('aria-label') || e.id).trim(), r.width, r.height]; })"""
SIDEWAYS = "[document.documentElement.scrollWidth, window.innerWidth]"


class Phone(Person):
    """Someone on a phone: a touch screen, the page laid out for the device's width."""

    def __init__(self, browser: Browser, viewport: dict[str, int] = PHONE) -> None:
        super().__init__(browser, viewport, has_touch=True, is_mobile=True)


def phone_log_in(someone: Person, server: LiveServer, email: str) -> Page:
    return log_in(someone, server, email, tap=True)


def list_pane(page: Page) -> Locator:
    return page.get_by_role("region", name="Conversations")


def assert_thumb_sized(page: Page, where: str) -> None:
    small = [t for t in page.evaluate(TAP_TARGETS) if t[1] < 44 or t[2] < 44]
    assert small == [], f"{where}: targets under 44 x 44 px: {small}"


def assert_no_sideways_scroll(page: Page, width: int, where: str) -> None:
    # On a phone the browser widens the layout to fit what overflows; it must stay the screen's.
    assert page.evaluate(SIDEWAYS) == [width, width], where


@pytest.fixture(scope="module")
def server(
    tmp_path_factory: pytest.TempPathFactory, module_database: Path | str
) -> Iterator[LiveServer]:
    """One server for the tests below that need no fresh database (each starts in ~3 s)."""
    with serving(tmp_path_factory.mktemp("mobile"), "mobile", module_database) as server:
        yield server


def worker_in_control(page: Page) -> None:
    page.wait_for_function("() => navigator.serviceWorker.controller !== null")


# -- the conversation on a phone -----------------------------------------------------------------


def test_an_agent_answers_assigns_and_transfers_from_a_phone(
    quiet_server: LiveServer, person: Callable[..., Person], browser: Browser
) -> None:
    server = quiet_server  # its own: the conversations are Visitor #1 and #2
    shopper = person()
    widget = open_widget(shopper, server)
    widget_send(widget, "Can I change my delivery address?")
    customer(server, "Pat Customer", "Where is my order?")

    alice = Phone(browser)
    try:
        page = phone_log_in(alice, server, ALICE)
        # The list alone, full width: no half-empty conversation beside it.
        expect(list_pane(page)).to_be_visible()
        expect(thread(page)).to_be_hidden()
        box = list_pane(page).bounding_box()
        assert box is not None and box["width"] == PHONE["width"]
        assert_thumb_sized(page, "the list")
        assert_no_sideways_scroll(page, PHONE["width"], "the list")

        conversation(page, "Visitor #1").tap()
        expect(thread(page)).to_be_visible()
        expect(list_pane(page)).to_be_hidden()
        expect(messages(page)).to_contain_text("Can I change my delivery address?")
        expect(composer(page)).not_to_be_focused()  # no keyboard popping over the messages
        back = thread(page).get_by_role("button", name="Back to the list")
        expect(back).to_be_visible()
        assert_thumb_sized(page, "the conversation")
        assert_no_sideways_scroll(page, PHONE["width"], "the conversation")

        thread(page).get_by_role("button", name="Assign to Me").tap()
        expect(thread(page).get_by_text("Assigned to Alice Agent")).to_be_visible()
        composer(page).tap()
        composer(page).fill("Yes: send me the new one here.")
        thread(page).get_by_role("button", name="Send").tap()
        expect(widget_row(widget, "Yes: send me the new one here.")).to_be_visible()
        # The on-screen keyboard takes the lower half (interactive-widget=resizes-content makes
        # the page that much shorter): the composer and Send stay above it, the header too.
        page.set_viewport_size({"width": PHONE["width"], "height": 420})
        for part in (composer(page), thread(page).get_by_role("button", name="Send"), back):
            box = part.bounding_box()
            assert box is not None and 0 <= box["y"] and box["y"] + box["height"] <= 420, part
        page.set_viewport_size(PHONE)

        # The details take the conversation's place, and come back by their own Back.
        thread(page).get_by_role("button", name="Details").tap()
        details = page.get_by_role("complementary", name="Customer details")
        expect(details).to_be_visible()
        expect(details).to_contain_text("Conversation #1")
        expect(thread(page)).to_be_hidden()
        assert_thumb_sized(page, "the details")
        details.get_by_role("button", name="Back to the conversation").tap()
        expect(composer(page)).to_be_visible()

        back.tap()
        expect(list_pane(page)).to_be_visible()
        expect(thread(page)).to_be_hidden()
        expect(conversation(page, "Visitor #1")).to_be_focused()
        expect(conversation(page, "Visitor #1")).to_contain_text("You: Yes: send me the new one")
        expect(page).to_have_url(server.url + "/chat")

        # The browser's own Back does the same; the other conversation, assigned and passed on.
        conversation(page, "Pat Customer").tap()
        expect(thread(page).get_by_role("heading", name="Pat Customer")).to_be_visible()
        page.go_back()
        expect(list_pane(page)).to_be_visible()
        expect(thread(page)).to_be_hidden()
        page.go_forward()
        expect(thread(page).get_by_role("heading", name="Pat Customer")).to_be_visible()
        thread(page).get_by_role("button", name="Assign to Me").tap()
        thread(page).get_by_role("button", name="Transfer").tap()
        dialog = page.get_by_role("dialog", name="Transfer conversation")
        expect(dialog).to_be_visible()
        assert_no_sideways_scroll(page, PHONE["width"], "the transfer dialog")
        dialog.get_by_label("Transfer to").select_option(label="Bob Agent (Offline)")
        dialog.get_by_role("button", name="Transfer").tap()
        expect(thread(page).get_by_text("Assigned to Bob Agent")).to_be_visible()

        # A link to a conversation (the Reports page's) opens it, with Back to the list.
        page.goto(server.url + "/chat?session=1")
        expect(messages(page)).to_contain_text("Can I change my delivery address?")
        thread(page).get_by_role("button", name="Back to the list").tap()
        expect(list_pane(page)).to_be_visible()
        assert alice.errors == []
    finally:
        alice.context.close()


def test_no_page_scrolls_sideways_at_360_px(server: LiveServer, browser: Browser) -> None:
    customer(server, "A customer with a rather long name indeed", "x" * 300)
    boss = Phone(browser, NARROWEST)
    try:
        page = boss.page
        page.goto(server.url + "/login")
        assert_no_sideways_scroll(page, 360, "/login")
        assert_thumb_sized(page, "/login")
        phone_log_in(boss, server, ADMIN)
        assert_no_sideways_scroll(page, 360, "/chat, the list")
        page.locator("button.conv").first.tap()
        expect(composer(page)).to_be_visible()
        assert_no_sideways_scroll(page, 360, "/chat, a conversation")
        assert_thumb_sized(page, "/chat, a conversation at 360 px")
        thread(page).get_by_role("button", name="Back to the list").tap()

        page.get_by_role("link", name="Admin").tap()
        expect(page.locator("body")).to_have_attribute("data-ready", "true")
        sections = page.get_by_role("navigation", name="Admin sections").get_by_role("link")
        for name in sections.all_inner_texts():
            sections.get_by_text(name, exact=True).tap()
            assert_no_sideways_scroll(page, 360, f"/admin, {name}")
        form = page.get_by_role("form", name="Add an agent")
        form.get_by_label("Name").fill("Carol Agent")
        form.get_by_label("Email").fill("carol@example.com")
        form.get_by_role("button", name="Add agent").tap()
        link = page.get_by_role("textbox", name="Setup link")
        expect(link).to_have_value(re.compile("/setup/"))
        assert_no_sideways_scroll(page, 360, "/admin with a setup link")
        setup_url = link.input_value()

        page.goto(server.url + "/reports")
        expect(page.get_by_role("heading", name="Overview")).to_be_visible()
        assert_no_sideways_scroll(page, 360, "/reports")
        page.goto(setup_url)
        expect(page.get_by_role("heading", name="Welcome, Carol Agent")).to_be_visible()
        assert_no_sideways_scroll(page, 360, "/setup")
        assert boss.errors == []
    finally:
        boss.context.close()


# -- the app: manifest, icons, service worker, offline, notifications ----------------------------


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def agent_modules() -> set[str]:
    """Every script the agent page loads: main.js and what it imports, transitively."""
    found: set[str] = set()
    todo = ["/static/agent/main.js"]
    while todo:
        url = todo.pop()
        if url in found:
            continue
        found.add(url)
        source = (STATIC / url.removeprefix("/static/")).read_text()
        for imported in re.findall(r'from "(\.{1,2}/[\w/-]+\.js)"', source):
            todo.append(str(Path(url).parent.joinpath(imported)).replace("/agent/../", "/"))
    return found


def test_the_app_installs_and_shows_an_offline_screen(server: LiveServer, browser: Browser) -> None:
    manifest = httpx.get(server.url + "/manifest.webmanifest")
    assert manifest.headers["content-type"].startswith("application/manifest+json")
    app = json.loads(manifest.text)
    assert (app["name"], app["short_name"], app["start_url"]) == (
        "Switchboard",
        "Switchboard",
        "/chat",
    )
    assert app["display"] == "standalone" and app["theme_color"].startswith("#")
    sizes = set()
    for icon in app["icons"]:
        answer = httpx.get(server.url + icon["src"])
        assert answer.status_code == 200 and answer.headers["content-type"] == "image/png"
        width, height = png_size(answer.content)
        assert icon["sizes"] == f"{width}x{height}"
        sizes.add((icon["sizes"], icon.get("purpose", "any")))
    assert {("192x192", "any"), ("512x512", "any"), ("512x512", "maskable")} <= sizes

    worker = httpx.get(server.url + "/sw.js")
    assert worker.headers["content-type"].startswith("text/javascript")
    shell = set(re.findall(r'"(/static/[\w./-]+)"', worker.text))
    missing = agent_modules() - shell
    assert not missing, f"the worker's shell misses scripts the agent page loads: {missing}"
    for url in shell:  # one missing file would fail the worker's whole install
        assert httpx.get(server.url + url).status_code == 200, url

    alice = Phone(browser)
    try:
        page = phone_log_in(alice, server, ALICE)
        expect(page.locator('link[rel="manifest"]')).to_have_attribute(
            "href", "/manifest.webmanifest"
        )
        worker_in_control(page)
        alice.context.set_offline(True)
        page.goto(server.url + "/chat")
        expect(page.get_by_role("heading", name="You are offline")).to_be_visible()
        assert_no_sideways_scroll(page, PHONE["width"], "the offline page")
        # The API is never answered from a cache: offline it fails, as it should.
        failed = page.evaluate(
            "fetch('/api/v1/chat/sessions').then(() => 'answered', () => 'failed')"
        )
        assert failed == "failed"
        alice.context.set_offline(False)
        page.get_by_role("link", name="Try again").tap()
        expect(page).to_have_url(server.url + "/chat")
        expect(live_status(page)).to_have_text("Live")
    finally:
        alice.context.close()


HIDDEN = """Object.defineProperty(Document.prototype, "hidden", {
  configurable: true, get() { return window.__hidden === true; } });"""
SHOWN = """() => navigator.serviceWorker.ready.then((r) => r.getNotifications())
  .then((shown) => shown.map((n) => [n.title, n.body, n.data && n.data.sessionId]))"""


def test_a_notification_is_shown_through_the_service_worker(
    server: LiveServer, browser: Browser
) -> None:
    alice = Phone(browser)
    try:
        alice.context.grant_permissions(["notifications"], origin=server.url)
        alice.page.add_init_script(HIDDEN)
        page = phone_log_in(alice, server, ALICE)
        worker_in_control(page)
        page.evaluate("window.__hidden = true")
        hana = customer(server, "Hana")
        say(server, hana["session_key"], "Is anyone there?")
        # Asked again until it shows (at most 10 s): wait_for_function took the predicate's
        # promise as a truthy answer and went on before the notification was shown (CI, once).
        expected = ["Hana", "Is anyone there?", hana["session"]["id"]]
        deadline = time.monotonic() + 10
        while expected not in (shown := page.evaluate(SHOWN)) and time.monotonic() < deadline:
            page.wait_for_timeout(100)
        assert expected in shown
        assert alice.errors == []
    finally:
        alice.context.close()
