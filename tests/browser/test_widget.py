"""The customer widget on the demo page: chatting, reloading, going offline, safety, layouts."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

import httpx
from playwright.sync_api import Locator, Page, expect
from websockets.sync.client import connect

from tests.browser.conftest import Person
from tests.conftest import ALICE, LiveServer, login

DEMO = "/widget-demo.html"
NOT_SENT = re.compile(r"^(Sending…|Failed)$")


def open_widget(page: Page, url: str) -> Locator:
    page.goto(url + DEMO)
    page.get_by_role("button", name="Open chat").click()
    panel = page.get_by_role("dialog", name="Northwind Coffee")
    expect(panel).to_be_visible()
    return panel


def say(page: Page, text: str) -> None:
    box = page.get_by_role("textbox", name="Message")
    box.fill(text)
    box.press("Enter")
    expect(box).to_have_value("")


def row(page: Page, text: str) -> Locator:
    """The message row whose bubble reads exactly `text`."""
    bubble = page.locator(".bubble").get_by_text(text, exact=True)
    return page.locator(".row").filter(has=bubble)


def by(page: Page, who: str) -> Locator:
    """Rows labelled with this sender (only the first of a run of rows shows its label)."""
    return page.locator(".row").filter(has=page.locator(".who", has_text=who))


def settle(locator: Locator) -> None:
    """Wait for the element's transitions (the panel opening) to finish."""
    locator.evaluate("(el) => Promise.all(el.getAnimations().map((a) => a.finished))")


def session_key(page: Page, url: str) -> str:
    key = page.evaluate("(name) => localStorage.getItem(name)", f"switchboard:{url}:session_key")
    assert key, "the widget stored no session key"
    return key


def history(url: str, key: str) -> dict[str, Any]:
    answer = httpx.get(f"{url}/api/v1/chat/public/session/{key}", timeout=10)
    assert answer.status_code == 200, answer.text
    return answer.json()


def alice(url: str) -> dict[str, str]:
    """Log Alice Agent in over the API; her Authorization header."""
    with httpx.Client(base_url=url, timeout=10) as client:
        return login(client, ALICE)


def agent_says(url: str, headers: dict[str, str], session_id: int, content: str) -> None:
    body = {"session_id": session_id, "content": content}
    answer = httpx.post(url + "/api/v1/chat/messages", json=body, headers=headers, timeout=10)
    assert answer.status_code == 201, answer.text


def start_conversation(page: Page, url: str, first: str) -> int:
    """Open the widget, send a first message and wait until it is stored; the session id."""
    open_widget(page, url)
    say(page, first)
    expect(row(page, first).locator(".state")).to_have_text("Sent")
    return history(url, session_key(page, url))["session"]["id"]


def test_a_visitor_chats_with_the_ai_and_finds_the_history_after_a_reload(
    app_server: LiveServer, person: Callable[..., Person]
) -> None:
    pat = person()
    page = pat.page
    open_widget(page, app_server.url)
    say(page, "Hello, I need help!")
    mine = row(page, "Hello, I need help!")
    expect(mine).to_have_class(re.compile(r"\bmine\b"))
    expect(mine.locator(".state")).to_have_text("Sent")
    reply = by(page, "AI assistant")
    expect(reply).to_have_count(1)
    expect(reply.locator(".bubble")).to_have_text(re.compile(r"\S"))
    stored = history(app_server.url, session_key(page, app_server.url))["messages"]
    assert [m["sender_type"] for m in stored] == ["customer", "ai"]
    conversation = page.locator(".row:not(.greeting) .bubble")
    expect(conversation).to_have_text([m["content"] for m in stored])

    page.reload()  # the panel was open, so it opens again by itself
    expect(page.get_by_role("dialog", name="Northwind Coffee")).to_be_visible()
    expect(conversation).to_have_text([m["content"] for m in stored])
    expect(by(page, "AI assistant")).to_have_count(1)
    expect(row(page, "Hello, I need help!").locator(".state")).to_have_text("Sent")
    assert pat.errors == []


def test_messages_typed_offline_arrive_once_in_order_with_the_agent_reply_missed(
    app_server: LiveServer, person: Callable[..., Person]
) -> None:
    pat = person()
    page = pat.page
    session_id = start_conversation(page, app_server.url, "Where is my order?")
    key = session_key(page, app_server.url)
    expect(by(page, "AI assistant")).to_have_count(1)

    status = page.get_by_role("dialog").locator(".subtitle")
    app_server.stop()
    expect(status).to_have_text("Reconnecting…")
    typed = ["First while offline", "Second while offline"]
    for text in typed:
        say(page, text)
        expect(row(page, text).locator(".state")).to_have_text(NOT_SENT)

    # Keep the widget's socket away until the agent has answered, so that it must catch up.
    away = True
    page.route_web_socket(
        re.compile(r"/ws/public/"), lambda ws: ws.close() if away else ws.connect_to_server()
    )
    app_server.start()
    agent_says(app_server.url, alice(app_server.url), session_id, "Back online, Pat?")
    away = False

    for text in typed:
        expect(row(page, text).locator(".state")).to_have_text("Sent", timeout=20_000)
    expect(status).not_to_have_text("Reconnecting…")
    expect(by(page, "Alice Agent").locator(".bubble")).to_have_text("Back online, Pat?")
    stored = history(app_server.url, key)["messages"]
    customer = [m["content"] for m in stored if m["sender_type"] == "customer"]
    assert customer == ["Where is my order?", *typed]
    shown = page.locator(".row.mine .bubble").all_inner_texts()
    assert shown == customer, "each message is shown once, in order"
    # The browser reports each refused connection while the server was down; nothing else.
    socket = re.escape(f"{app_server.ws_url}/ws/public/{key}?last_event_id=")
    refused = re.compile(
        rf"WebSocket connection to '{socket}\d+' failed: "
        r"Error in connection establishment: net::ERR_CONNECTION_REFUSED"
        r"|Failed to load resource: net::ERR_CONNECTION_REFUSED"
    )
    assert [e for e in pat.errors if not refused.fullmatch(e)] == []


def test_a_message_that_failed_offline_is_still_delivered_before_a_later_one(
    quiet_server: LiveServer, person: Callable[..., Person]
) -> None:
    pat = person()
    page = pat.page
    start_conversation(page, quiet_server.url, "Hi")
    key = session_key(page, quiet_server.url)
    # No socket from now on: whatever is delivered goes over the widget's REST fallback.
    page.route_web_socket(re.compile(r"/ws/public/"), lambda ws: ws.close())
    quiet_server.stop()
    say(page, "Sent first")
    expect(row(page, "Sent first").locator(".state")).to_have_text("Failed", timeout=15_000)
    expect(row(page, "Sent first").get_by_role("button", name="Retry")).to_be_visible()
    say(page, "Sent second")

    quiet_server.start()
    for text in ("Sent first", "Sent second"):
        expect(row(page, text).locator(".state")).to_have_text("Sent", timeout=20_000)
    stored = history(quiet_server.url, key)["messages"]
    assert [m["content"] for m in stored] == ["Hi", "Sent first", "Sent second"]
    expect(page.locator(".row.mine .bubble")).to_have_text(["Hi", "Sent first", "Sent second"])
    refused = "Failed to load resource: net::ERR_CONNECTION_REFUSED"
    assert [e for e in pat.errors if e != refused] == []


def test_markup_in_a_message_is_shown_as_text_and_runs_nothing(
    quiet_server: LiveServer, person: Callable[..., Person]
) -> None:
    pat = person()
    page = pat.page
    attack = "<img src=x onerror=alert(1)>"
    start_conversation(page, quiet_server.url, attack)
    expect(row(page, attack).locator(".bubble")).to_have_text(attack)
    page.reload()  # and again as the server stored it
    expect(row(page, attack).locator(".bubble")).to_have_text(attack)
    expect(page.locator("img")).to_have_count(0)  # no element, so no onerror to run
    assert pat.dialogs == []
    assert pat.errors == []


HOSTILE = """<!doctype html><html><head><style>
* { font-family: serif !important; color: red !important; font-size: 30px !important;
    line-height: 3 !important; box-sizing: content-box !important; }
button { background: lime !important; padding: 40px !important; border: 9px solid black !important;
         width: 300px !important; height: 200px !important; }
div { display: block !important; margin: 25px !important; }
switchboard-chat { display: none !important; }
body { transform: translateZ(0) !important; margin: 80px !important; }
</style></head><body><h1>Hostile host</h1>
<script src="/chat-widget.js" async data-title="Northwind Coffee"
 data-greeting="Hi! Ask us anything about your coffee."></script></body></html>"""

STYLES = """(el) => { const s = getComputedStyle(el); const r = el.getBoundingClientRect();
  return {width: r.width, height: r.height, right: innerWidth - r.right,
    bottom: innerHeight - r.bottom, background: s.backgroundColor, color: s.color,
    font: s.fontFamily, size: s.fontSize, padding: s.padding, display: s.display}; }"""


def widget_styles(page: Page) -> dict[str, Any]:
    page.get_by_role("button", name="Open chat").click()
    settle(page.get_by_role("dialog"))
    return {
        "launcher": page.get_by_role("button", name="Close chat").last.evaluate(STYLES),
        "panel": page.get_by_role("dialog").evaluate(STYLES),
        "input": page.get_by_role("textbox", name="Message").evaluate(STYLES),
        "greeting": page.locator(".greeting .bubble").evaluate(STYLES),
        "send": page.get_by_role("button", name="Send").evaluate(STYLES),
    }


def test_a_hostile_host_page_css_does_not_change_the_widget(
    quiet_server: LiveServer, person: Callable[..., Person]
) -> None:
    pat = person()
    page = pat.page
    page.goto(quiet_server.url + DEMO)
    expected = widget_styles(page)

    hostile = quiet_server.url + "/hostile-host.html"
    page.route(hostile, lambda route: route.fulfill(content_type="text/html", body=HOSTILE))
    page.goto(hostile)
    expect(page.get_by_role("heading", name="Hostile host")).to_have_css("color", "rgb(255, 0, 0)")
    actual = widget_styles(page)
    for part, styles in expected.items():
        assert actual[part] == styles, part
    assert expected["launcher"]["background"] == "rgb(37, 99, 235)"
    assert expected["greeting"]["font"].startswith("system-ui")
    assert pat.errors == []


def test_the_open_panel_fills_a_phone_and_floats_on_a_desktop(
    app_server: LiveServer, person: Callable[..., Person]
) -> None:
    for width, height, shot in ((390, 844, "phone"), (1280, 800, "desktop")):
        someone = person(width, height)
        page = someone.page
        start_conversation(page, app_server.url, "Do you ship to Canada?")
        expect(by(page, "AI assistant")).to_have_count(1)
        panel = page.get_by_role("dialog", name="Northwind Coffee")
        settle(panel)
        page.screenshot(path=f"/tmp/widget-{shot}.png")
        box = panel.bounding_box()
        assert box is not None
        if shot == "phone":
            assert box["x"] == 0 and box["width"] == width, box
            assert box["y"] == 0 and box["height"] == height, box
            expect(page.get_by_role("button", name="Close chat")).to_have_count(1)
        else:
            assert 300 < box["width"] < width / 2 and box["x"] + box["width"] < width, box
            assert box["height"] < height, box
        assert someone.errors == []


def test_an_agent_typing_shows_in_the_widget(
    quiet_server: LiveServer, person: Callable[..., Person]
) -> None:
    pat = person()
    page = pat.page
    session_id = start_conversation(page, quiet_server.url, "Is anyone there?")
    headers = alice(quiet_server.url)
    with connect(quiet_server.ws_url + "/ws", additional_headers=headers) as agent:
        assert json.loads(agent.recv(timeout=10))["type"] == "connection.ready"

        def typing(on: bool) -> None:
            data = {"is_typing": on, "session_id": session_id}
            agent.send(json.dumps({"type": "chat.typing", "data": data}))

        typing(True)
        expect(page.get_by_role("status").filter(has_text="typing")).to_have_text(
            "Alice Agent is typing…"
        )
        typing(False)
        expect(page.get_by_text("Alice Agent is typing…")).to_be_hidden()
        typing(True)
        expect(page.get_by_text("Alice Agent is typing…")).to_be_visible()
        agent_says(quiet_server.url, headers, session_id, "Yes, I'm here.")
        expect(by(page, "Alice Agent").locator(".bubble")).to_have_text("Yes, I'm here.")
        expect(page.get_by_text("Alice Agent is typing…")).to_be_hidden()
    assert pat.errors == []


def test_an_agent_message_to_a_closed_panel_shows_an_unread_badge(
    quiet_server: LiveServer, person: Callable[..., Person]
) -> None:
    pat = person()
    page = pat.page
    session_id = start_conversation(page, quiet_server.url, "Can I pause my plan?")
    page.get_by_role("button", name="Close chat").last.click()
    launcher = page.get_by_role("button", name="Open chat")
    badge = launcher.locator(".badge")
    expect(page.get_by_role("dialog")).to_be_hidden()
    expect(badge).to_be_hidden()

    headers = alice(quiet_server.url)
    agent_says(quiet_server.url, headers, session_id, "Yes, from your account.")
    expect(badge).to_be_visible()
    expect(badge).to_have_text("1")
    expect(launcher).to_have_accessible_description("1 unread message")
    agent_says(quiet_server.url, headers, session_id, "Anything else?")
    expect(badge).to_have_text("2")

    launcher.click()
    expect(by(page, "Alice Agent").locator(".bubble").first).to_have_text("Yes, from your account.")
    expect(badge).to_be_hidden()
    assert pat.errors == []
