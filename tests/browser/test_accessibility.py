"""WCAG 2.1 AA (issue #23): axe-core (pinned in tests/a11y/package-lock.json) audits every page
of ours in the state a person sees it, and fails on any violation; the agent page works by
keyboard alone with a visible focus; the live regions announce a new message once."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Page, WebSocketRoute, expect

from chat.service.satisfaction import RatingLinks
from tests.browser.conftest import Person
from tests.browser.test_agent_page import (
    conversation,
    log_in,
    messages,
    say,
    thread,
    widget_send,
)
from tests.conftest import ADMIN, ALICE, LiveServer, login, serving, start

AXE = Path(__file__).parents[1] / "a11y" / "node_modules" / "axe-core" / "axe.min.js"
WCAG_21_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
# The secret `serving` gives every live server: it signs the /rate links.
SECRET = "live-test-secret"

# Every rule tagged WCAG 2.0/2.1 A or AA, the ones axe still calls experimental included (run by
# name, as axe runs no experimental rule by tag): label-content-name-mismatch is one of them.
RUN_AXE = """tags => axe.run(document, {
    runOnly: {type: "rule", values: axe.getRules(tags).map(rule => rule.ruleId)},
    resultTypes: ["violations"],
  }).then(result => result.violations.map(v => ({
    id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.map(n => ({target: n.target, summary: n.failureSummary})),
  })))"""


def audit(page: Page, where: str) -> list[str]:
    """Every WCAG 2.1 A/AA violation axe-core finds on the page as it is now (open shadow roots,
    the widget's, included), one line per element."""
    if not AXE.exists():
        pytest.fail("axe-core is missing: `npm ci` in tests/a11y (scripts/test-services runs it)")
    if not page.evaluate("typeof window.axe === 'object'"):
        # Evaluated over the DevTools protocol, not added as a <script>: our pages' CSP
        # (script-src 'self') rightly refuses inline scripts, and stays on for the audit.
        page.evaluate(AXE.read_text(encoding="utf-8"))
    found = page.evaluate(RUN_AXE, WCAG_21_AA)
    return [
        f"{where}: {v['id']} ({v['impact']}) {v['help']} at {node['target']}: "
        + " ".join(node["summary"].split())
        for v in found
        for node in v["nodes"]
    ]


# axe-core measures contrast only among what is under <body> (its grid starts there), and the
# widget mounts its host on <html> on purpose (see static/widget/view.js): seen where it is,
# every text in the widget comes back "incomplete", never measured. For the audit the host is
# moved into <body> (the same element with the same shadow root and styles, fixed in the same
# place) and back; that its texts were measured is checked, so this blind spot cannot return.
WIDGET_INTO_BODY = "() => document.body.append(document.querySelector('switchboard-chat'))"
WIDGET_BACK = "() => document.documentElement.append(document.querySelector('switchboard-chat'))"
MEASURED_IN_WIDGET = """() => axe.run(document, {
    runOnly: {type: "rule", values: ["color-contrast"]},
  }).then(result => [...result.passes, ...result.violations]
    .flatMap(rule => rule.nodes).filter(node => node.target[0][0] === "switchboard-chat").length)"""


def audit_with_widget(page: Page, where: str, texts: int = 5) -> list[str]:
    """audit() of a page with the widget on it, the contrast of (at least `texts` of) the
    widget's texts measured too."""
    page.evaluate(WIDGET_INTO_BODY)
    try:
        found = audit(page, where)
        measured = page.evaluate(MEASURED_IN_WIDGET)
    finally:
        page.evaluate(WIDGET_BACK)
    assert measured >= texts, f"{where}: axe measured {measured} of the widget's texts"
    return found


def assert_none(violations: list[str]) -> None:
    assert not violations, f"{len(violations)} accessibility violations:\n" + "\n".join(violations)


def api(server: LiveServer, email: str, method: str, path: str, body: dict | None = None) -> dict:
    with httpx.Client(base_url=server.url, timeout=10) as client:
        answer = client.request(method, path, json=body, headers=login(client, email))
    assert answer.status_code in (200, 201), answer.text
    return answer.json()


def closed_conversation(server: LiveServer, name: str) -> tuple[str, int]:
    """A conversation an agent answered and closed (asking for a rating): its key and id."""
    with httpx.Client(base_url=server.url, timeout=10) as client:
        started = start(client, name=name)
    say(server, started["session_key"], "Is the order on its way?")
    sid = started["session"]["id"]
    api(server, ALICE, "POST", f"/api/v1/chat/sessions/{sid}/assign")
    api(server, ALICE, "POST", "/api/v1/chat/messages", {"session_id": sid, "content": "Yes."})
    api(server, ALICE, "POST", f"/api/v1/chat/sessions/{sid}/close")
    return started["session_key"], sid


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """One server for the module, holding what each page shows: an open conversation with both
    sides, a note and a label; a rated one (for the reports); a closed one awaiting its rating."""
    # Webhooks to this machine allowed: the admin page lists one (disabled: it is never sent).
    folder = tmp_path_factory.mktemp("a11y")
    with serving(folder, "a11y", SWITCHBOARD_WEBHOOK_ALLOW_PRIVATE="1") as live:
        with httpx.Client(base_url=live.url, timeout=10) as client:
            pat = start(client, name="Pat Customer")
        say(live, pat["session_key"], "Where is my order?")
        sid = pat["session"]["id"]
        api(live, ALICE, "POST", f"/api/v1/chat/sessions/{sid}/assign")
        reply = {"session_id": sid, "content": "Let me check that for you."}
        api(live, ALICE, "POST", "/api/v1/chat/messages", reply)
        api(live, ALICE, "POST", f"/api/v1/chat/sessions/{sid}/notes", {"content": "VIP buyer"})
        label = api(live, ADMIN, "POST", "/api/v1/labels", {"name": "Billing", "color": "#d92d20"})
        label_ids = {"label_ids": [label["label"]["id"]]}
        api(live, ALICE, "PUT", f"/api/v1/chat/sessions/{sid}/labels", label_ids)
        canned = {"shortcode": "ship", "content": "It ships within {{conversation.id}} days."}
        api(live, ADMIN, "POST", "/api/v1/canned", canned)
        api(live, ADMIN, "POST", "/api/v1/api-keys", {"name": "Zapier", "scope": "read"})
        hook = {"url": "http://127.0.0.1:9/switchboard", "events": ["chat.session.closed"]}
        webhook = api(live, ADMIN, "POST", "/api/v1/webhooks", hook)["webhook"]
        api(live, ADMIN, "PATCH", f"/api/v1/webhooks/{webhook['id']}", {"enabled": False})
        rated_key, _ = closed_conversation(live, "Sam Shopper")
        rating = {"session_key": rated_key, "rating": 4, "comment": "Quick"}
        with httpx.Client(base_url=live.url, timeout=10) as client:
            answer = client.post("/api/v1/chat/public/csat", json=rating)
        assert answer.status_code == 201, answer.text
        yield live


def test_every_page_an_agent_or_admin_sees_passes_axe(
    server: LiveServer, person: Callable[..., Person]
) -> None:
    violations: list[str] = []
    admin = person()
    page = admin.page
    page.goto(server.url + "/login")
    violations += audit(page, "/login")
    page.goto(server.url + "/login")
    page.get_by_label("Email").fill(ADMIN)
    page.get_by_label("Password").fill("wrong password")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("alert")).to_be_visible()
    violations += audit(page, "/login (refused)")

    page = log_in(admin, server, ADMIN)
    conversation(page, "Pat Customer").click()
    expect(messages(page).get_by_text("Let me check that for you.")).to_be_visible()
    expect(thread(page).get_by_text("VIP buyer")).to_be_visible()
    expect(page.get_by_role("complementary", name="Customer details")).to_be_visible()
    violations += audit(page, "/chat with a conversation open")
    # All three at once (opened by script: a click could land on the menu open before it).
    thread(page).locator("details").evaluate_all("menus => menus.forEach(m => { m.open = true })")
    expect(thread(page).get_by_role("checkbox", name="Billing")).to_be_visible()
    expect(thread(page).get_by_role("button", name="Close without survey")).to_be_visible()
    violations += audit(page, "/chat, the conversation's menus open")
    thread(page).get_by_role("button", name="Transfer").click()
    expect(page.get_by_role("dialog", name="Transfer conversation")).to_be_visible()
    violations += audit(page, "/chat, the transfer dialog open")
    page.keyboard.press("Escape")
    page.get_by_role("button", name="Team").click()
    page.get_by_role("button", name="Keyboard shortcuts").click()
    expect(page.get_by_role("dialog", name="Keyboard shortcuts")).to_be_visible()
    violations += audit(page, "/chat, team panel and shortcuts open")
    page.keyboard.press("Escape")

    page.goto(server.url + "/canned")
    expect(page.get_by_role("list", name="Canned responses")).to_contain_text("/ship")
    violations += audit(page, "/canned")

    page.goto(server.url + "/reports")
    expect(page.locator("body")).to_have_attribute("data-ready", "true")
    violations += audit(page, "/reports")

    page.goto(server.url + "/admin")
    expect(page.locator("body")).to_have_attribute("data-ready", "true")
    form = page.get_by_role("form", name="Add an agent")
    form.get_by_label("Name").fill("Carol Agent")
    form.get_by_label("Email").fill("carol@example.com")
    form.get_by_role("button", name="Add agent").click()
    link = page.get_by_role("textbox", name="Setup link")
    expect(link).to_have_value(re.compile(r"/setup/"))
    setup_url = link.input_value()
    expect(page.get_by_role("table", name="Audit log")).to_contain_text("webhook")
    violations += audit(page, "/admin with a setup link")
    page.get_by_role("button", name="Edit Alice Agent").click()
    expect(page.get_by_role("dialog", name="Edit agent")).to_be_visible()
    violations += audit(page, "/admin editing an agent")
    page.keyboard.press("Escape")
    knowledge = page.get_by_role("region", name="Knowledge base")
    knowledge.get_by_role("button", name=re.compile("^Edit ")).first.click()
    expect(page.get_by_role("form", name="Edit article")).to_be_visible()
    violations += audit(page, "/admin editing an article")

    carol = person().page
    carol.goto(setup_url)
    expect(carol.get_by_role("heading", name="Welcome, Carol Agent")).to_be_visible()
    violations += audit(carol, "/setup/{token}")
    carol.goto(server.url + "/no-such-page")
    violations += audit(carol, "the 404 page")
    assert_none(violations)
    # The refused login's 401 is the one error the browser logs, and it was meant.
    assert [e for e in admin.errors if "status of 401" not in e] == []


def test_the_widget_demo_the_socket_test_and_the_rating_page_pass_axe(
    server: LiveServer, person: Callable[..., Person]
) -> None:
    violations: list[str] = []
    visitor = person()
    page = visitor.page
    page.goto(server.url + "/widget-demo.html")
    violations += audit_with_widget(page, "/widget-demo.html", texts=0)  # closed: no text
    page.get_by_role("button", name="Open chat").click()
    widget_send(page, "Hello, anyone there?")
    expect(page.locator(".row", has=page.get_by_text("Hello, anyone there?"))).to_be_visible()
    violations += audit_with_widget(page, "/widget-demo.html with the widget open")
    key = page.evaluate("url => localStorage.getItem(`switchboard:${url}:session_key`)", server.url)
    with httpx.Client(base_url=server.url, timeout=10) as client:
        sid = client.get(f"/api/v1/chat/public/session/{key}").json()["session"]["id"]
    api(server, ALICE, "POST", f"/api/v1/chat/sessions/{sid}/assign")
    api(server, ALICE, "POST", "/api/v1/chat/messages", {"session_id": sid, "content": "Hi!"})
    api(server, ALICE, "POST", f"/api/v1/chat/sessions/{sid}/close")
    expect(page.get_by_role("group", name="Rating")).to_be_visible()
    violations += audit_with_widget(page, "/widget-demo.html, the widget asking for a rating")

    # The widget in a right-to-left language, chosen by the browser's (issue #23).
    arabic = person(locale="ar")
    arabic.page.goto(server.url + "/widget-demo.html")
    arabic.page.get_by_role("button", name="فتح المحادثة").click()
    box = arabic.page.get_by_role("textbox", name="الرسالة")
    box.fill("مرحبا")
    box.press("Enter")
    expect(arabic.page.locator(".row", has=arabic.page.get_by_text("مرحبا"))).to_be_visible()
    violations += audit_with_widget(arabic.page, "/widget-demo.html, the widget in Arabic")
    assert arabic.errors == []

    page.goto(server.url + "/websocket-test.html")
    violations += audit(page, "/websocket-test.html")

    page.goto(server.url + "/static/offline.html")  # what the service worker shows offline
    expect(page.get_by_role("heading", name="You are offline")).to_be_visible()
    violations += audit(page, "/static/offline.html")

    _, sid = closed_conversation(server, "Robin Rater")
    page.goto(f"{server.url}/rate/{RatingLinks(SECRET).token(sid)}")
    expect(page.get_by_role("heading", name="How did we do?")).to_be_visible()
    violations += audit(page, "/rate/{token}")
    assert_none(violations)
    assert visitor.errors == []


# -- the keyboard -------------------------------------------------------------------------------

FOCUSED = """() => {
  const e = document.activeElement;
  const style = getComputedStyle(e);
  const shown = e.cloneNode(true);  // its text as heard: without what is aria-hidden
  for (const hidden of shown.querySelectorAll("[aria-hidden=true]")) hidden.remove();
  const text = (e.getAttribute("aria-label") || shown.textContent || "").trim();
  return {
    tag: e.tagName.toLowerCase(),
    text: text.replace(/\\s+/g, " ").slice(0, 60),
    outline: style.outlineStyle,
    width: parseFloat(style.outlineWidth) || 0,
  };
}"""


def shows_focus(focused: dict) -> bool:
    """A 2px outline or wider; or the document itself (Tab past the last element)."""
    return focused["tag"] == "body" or (focused["outline"] != "none" and focused["width"] >= 2)


def press(page: Page, key: str) -> dict:
    """Press a key; what then has the focus, which must show it (a 2px outline or wider)."""
    page.keyboard.press(key)
    focused = page.evaluate(FOCUSED)
    assert focused["tag"] != "body" and shows_focus(focused), f"no visible focus: {focused}"
    return focused


def tab_to(page: Page, text: str, key: str = "Tab") -> None:
    """Tab (or Shift+Tab) until the focused element's text starts with `text`, each stop showing
    its focus."""
    stops: list[dict] = []
    for _ in range(60):
        page.keyboard.press(key)
        stops.append(page.evaluate(FOCUSED))
        assert shows_focus(stops[-1]), f"no visible focus at the end of {stops}"
        if stops[-1]["text"].startswith(text):
            return
    pytest.fail(f"{text!r} is not reachable by {key}: {[stop['text'] for stop in stops]}")


def test_the_agent_page_works_by_keyboard_alone_with_the_focus_always_visible(
    server: LiveServer, person: Callable[..., Person]
) -> None:
    alice = person()
    page = log_in(alice, server, ALICE)

    tab_to(page, "Pat Customer,")
    page.keyboard.press("Enter")
    expect(messages(page).get_by_text("Let me check that for you.")).to_be_visible()
    box = thread(page).get_by_role("textbox", name="Message")
    expect(box).to_be_focused()  # opening a conversation puts the focus in its composer
    page.keyboard.type("It ships today, by keyboard")
    press(page, "Enter")
    expect(messages(page).get_by_text("It ships today, by keyboard")).to_be_visible()

    tab_to(page, "More ways to close")
    page.keyboard.press("Enter")
    quiet_close = thread(page).get_by_role("button", name="Close without survey")
    expect(quiet_close).to_be_visible()
    tab_to(page, "Close without survey")
    page.keyboard.press("Escape")
    expect(quiet_close).to_be_hidden()
    assert page.evaluate(FOCUSED)["text"] == "More ways to close", "Escape gives the focus back"
    assert alice.errors == []


# -- live regions -------------------------------------------------------------------------------

# Records what a screen reader would announce from the message logs under `root` (the document,
# or the widget's shadow root): the text of every node added inside a [role=log] while it is
# live (its aria-live not "off" at that moment; role=log alone is polite). A log inserted whole
# with its rows is a new region, not an announcement. MutationObserver batches its records, so
# a log's aria-live at each record is read back from the batch's later attribute changes.
RECORD = """root => {
  window.announced = [];
  new MutationObserver(records => {
    const live = new Map();
    const heard = [];
    for (let i = records.length - 1; i >= 0; i--) {
      const record = records[i];
      const node = record.target.nodeType === 1 ? record.target : record.target.parentElement;
      const log = node && node.closest("[role=log]");
      if (!log) continue;
      if (!live.has(log)) live.set(log, log.getAttribute("aria-live"));
      if (record.type === "attributes" && record.target === log) {
        live.set(log, record.oldValue);
      } else if (live.get(log) !== "off" && record.type === "childList") {
        for (const added of record.addedNodes) heard.unshift(added.textContent);
      }
    }
    window.announced.push(...heard);
  }).observe(root, {childList: true, subtree: true, attributes: true,
                    attributeFilter: ["aria-live"], attributeOldValue: true});
}"""


class Relay:
    """The page's socket relayed by Playwright: drop() cuts it as a network would, and every
    later connection's connection.ready says the server could not resume (as after a restored
    database), so that the page must load everything again over REST."""

    def __init__(self, page: Page, path: str) -> None:
        self.sockets: list[WebSocketRoute] = []
        page.route_web_socket(re.compile(path), self.connect)

    def connect(self, ws: WebSocketRoute) -> None:
        server = ws.connect_to_server()
        first = not self.sockets
        self.sockets.append(ws)
        if first:
            return

        def to_page(message: str | bytes) -> None:
            if isinstance(message, str) and '"connection.ready"' in message:
                frame = json.loads(message)
                frame["data"]["resumed"] = False
                message = json.dumps(frame)
            ws.send(message)

        server.on_message(to_page)

    def drop(self) -> None:
        self.sockets[-1].close()


def announced(page: Page, text: str) -> int:
    return page.evaluate("text => window.announced.filter(t => t.includes(text)).length", text)


def test_the_agent_pages_log_announces_each_new_message_once_across_a_resync(
    server: LiveServer, person: Callable[..., Person]
) -> None:
    with httpx.Client(base_url=server.url, timeout=10) as client:
        kim = start(client, name="Kim Listener")
    say(server, kim["session_key"], "The first thing I said")
    alice = person()
    relay = Relay(alice.page, r"/ws(\?.*)?$")
    page = log_in(alice, server, ALICE)
    conversation(page, "Kim Listener").click()
    log = messages(page)
    expect(log.get_by_text("The first thing I said")).to_be_visible()
    expect(log).to_have_attribute("aria-live", "polite")
    page.evaluate(RECORD, page.evaluate_handle("document"))

    say(server, kim["session_key"], "Something new")
    expect(log.get_by_text("Something new")).to_be_visible()
    relay.drop()
    expect(page.get_by_role("status", name="Connection")).to_have_text("Reconnecting…")
    expect(page.get_by_role("status", name="Connection")).to_have_text("Live", timeout=10_000)
    expect(log).to_have_attribute("aria-live", "polite")  # the history is in again
    say(server, kim["session_key"], "After the resync")
    expect(log.get_by_text("After the resync")).to_be_visible()

    assert len(relay.sockets) == 2
    assert announced(page, "Something new") == 1
    assert announced(page, "After the resync") == 1
    assert announced(page, "The first thing I said") == 0
    assert [e for e in alice.errors if "WebSocket" not in e] == []


def test_the_widgets_log_announces_each_new_message_once_across_a_resync(
    server: LiveServer, person: Callable[..., Person]
) -> None:
    visitor = person()
    relay = Relay(visitor.page, r"/ws/public/")
    page = visitor.page
    page.goto(server.url + "/widget-demo.html")
    page.get_by_role("button", name="Open chat").click()
    widget_send(page, "Widget question")
    expect(page.locator(".row .state", has_text="Sent")).to_be_visible()
    key = page.evaluate("url => localStorage.getItem(`switchboard:${url}:session_key`)", server.url)
    with httpx.Client(base_url=server.url, timeout=10) as client:
        session_id = client.get(f"/api/v1/chat/public/session/{key}").json()["session"]["id"]
    shadow = page.evaluate_handle("document.querySelector('switchboard-chat').shadowRoot")
    page.evaluate(RECORD, shadow)

    reply = {"session_id": session_id, "content": "An agent answers"}
    api(server, ALICE, "POST", "/api/v1/chat/messages", reply)
    log = page.get_by_role("log", name="Conversation")
    expect(log.get_by_text("An agent answers")).to_be_visible()
    relay.drop()
    reply["content"] = "Answered after the resync"
    api(server, ALICE, "POST", "/api/v1/chat/messages", reply)
    expect(log.get_by_text("Answered after the resync")).to_be_visible(timeout=10_000)
    expect(page.get_by_role("status").filter(has_text="Reconnecting")).to_have_count(0)

    assert len(relay.sockets) == 2
    assert announced(page, "An agent answers") == 1
    assert announced(page, "Answered after the resync") == 1
    assert announced(page, "Widget question") == 0
    assert [e for e in visitor.errors if "WebSocket" not in e] == []
