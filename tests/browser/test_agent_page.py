"""The agent Chat page: logging in, the live list, one conversation between a widget customer and
Alice, two agents at once, take-overs, filters, the composer's keys, and untrusted text."""

from __future__ import annotations

import re
from collections.abc import Callable

import httpx
from playwright.sync_api import Locator, Page, Route, WebSocketRoute, expect

from tests.browser.conftest import Person
from tests.conftest import ADMIN, ALICE, BOB, PASSWORD, LiveServer, login, start

GREEN = "rgb(18, 183, 106)"


# -- helpers shared with the other test_agent_* files -----------------------------------------


def log_in(someone: Person, server: LiveServer, email: str, *, tap: bool = False) -> Page:
    """Log in through the form (a click, or a tap on a touch screen) and wait until the page's
    socket is live."""
    page = someone.page
    page.goto(server.url + "/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    button = page.get_by_role("button", name="Log in")
    if tap:
        button.tap()
    else:
        button.click()
    expect(page).to_have_url(server.url + "/chat")
    expect(live_status(page)).to_have_text("Live")
    return page


def live_status(page: Page) -> Locator:
    return page.get_by_role("status", name="Connection")


def conversation(page: Page, name: str) -> Locator:
    """A conversation's button in the list, by the customer's name as the agent sees it."""
    listed = page.get_by_role("list", name=re.compile("^Conversations"))
    return listed.get_by_role("button", name=re.compile("^" + re.escape(name) + ","))


def listed_items(page: Page) -> Locator:
    return page.get_by_role("list", name=re.compile("^Conversations")).get_by_role("listitem")


def thread(page: Page) -> Locator:
    return page.get_by_role("region", name="Conversation", exact=True)


def messages(page: Page) -> Locator:
    return page.get_by_role("log", name=re.compile("^Messages with"))


def composer(page: Page) -> Locator:
    return thread(page).get_by_role("textbox", name="Message")


def say(server: LiveServer, key: str, content: str) -> dict:
    """The customer writes, over the public REST API."""
    answer = httpx.post(
        server.url + "/api/v1/chat/public/message", json={"session_key": key, "content": content}
    )
    assert answer.status_code == 201, answer.text
    return answer.json()["message"]


def customer(server: LiveServer, name: str | None = None, *first: str) -> dict:
    """A customer who starts a conversation over REST and writes `first`."""
    with httpx.Client(base_url=server.url) as api:
        started = start(api, name=name) if name else start(api)
    for content in first:
        say(server, started["session_key"], content)
    return started


def as_agent(server: LiveServer, email: str, method: str, path: str) -> httpx.Response:
    # A generous timeout: a login's argon2 check on a machine busy with the other test worker
    # once took longer than httpx's default 5 s, inside a route handler that then let Bob's
    # request through first.
    with httpx.Client(base_url=server.url, timeout=30) as api:
        return api.request(method, path, headers=login(api, email))


def open_widget(someone: Person, server: LiveServer) -> Page:
    page = someone.page
    page.goto(server.url + "/widget-demo.html")
    page.get_by_role("button", name="Open chat").click()
    expect(page.get_by_role("textbox", name="Message")).to_be_visible()
    return page


def widget_send(page: Page, content: str) -> None:
    box = page.get_by_role("textbox", name="Message")
    box.fill(content)
    box.press("Enter")


def widget_row(page: Page, content: str) -> Locator:
    """A message row in the widget (its Shadow DOM is open, so CSS locators reach it)."""
    return page.locator(".row", has=page.get_by_text(content, exact=True))


# -- the tests --------------------------------------------------------------------------------


def test_an_agent_logs_in_and_sees_the_conversations(
    quiet_server: LiveServer, person: Callable[..., Person]
) -> None:
    customer(quiet_server, "Pat Customer", "Where is my order?")
    customer(quiet_server, "Sam Shopper", "Do you sell gift cards?")

    alice = person()
    page = log_in(alice, quiet_server, ALICE)

    live = live_status(page)
    expect(live).to_have_text("Live")
    expect(live.locator(".live-dot")).to_have_css("background-color", GREEN)
    expect(page.get_by_role("banner").get_by_text("Alice Agent", exact=True)).to_be_visible()
    expect(page.get_by_role("link", name="Chat")).to_be_visible()
    expect(page.get_by_role("button", name="Log out")).to_be_visible()
    items = listed_items(page)
    expect(items).to_have_count(2)
    expect(items.nth(0)).to_contain_text("Sam Shopper")  # latest activity first
    expect(items.nth(0)).to_contain_text("Do you sell gift cards?")
    expect(items.nth(1)).to_contain_text("Pat Customer")
    expect(items.nth(1)).to_contain_text("Where is my order?")
    expect(conversation(page, "Pat Customer")).to_contain_text("Queued")
    expect(conversation(page, "Pat Customer")).to_contain_text("1 message")

    # The first paint came from the server: the list is in the HTML itself.
    html = page.request.get(quiet_server.url + "/chat").text()
    assert "Pat Customer" in html and "Where is my order?" in html
    assert alice.errors == []


def test_a_widget_customer_and_alice_talk_live(
    app_server: LiveServer, person: Callable[..., Person]
) -> None:
    alice = person()
    page = log_in(alice, app_server, ALICE)
    shopper = person()
    widget = open_widget(shopper, app_server)

    widget_send(widget, "I have a question about pricing")
    # It appears without a reload, with the AI's answer counted and previewed.
    item = conversation(page, "Visitor #1")
    expect(item).to_be_visible()
    expect(item).to_contain_text("2 messages")
    expect(item).to_contain_text("AI: ")
    expect(item).to_contain_text("Bot")

    item.click()
    expect(composer(page)).to_be_focused()
    log = messages(page)
    expect(log).to_contain_text("I have a question about pricing")
    expect(log.get_by_text("AI assistant", exact=True)).to_be_visible()

    thread(page).get_by_role("button", name="Assign to Me").click()
    expect(thread(page).get_by_text("Active", exact=True)).to_be_visible()
    expect(thread(page).get_by_text("Assigned to Alice Agent")).to_be_visible()
    expect(thread(page).get_by_role("button", name="Assign to Me")).to_have_count(0)
    expect(widget.get_by_text("Connected to Alice Agent")).to_be_visible()

    composer(page).fill("Hello! I'm here to help with pricing.")
    composer(page).press("Enter")
    reply = widget_row(widget, "Hello! I'm here to help with pricing.")
    expect(reply).to_be_visible()
    expect(reply.locator(".who")).to_have_text("Alice Agent")
    expect(log.get_by_text("Sending…")).to_have_count(0)

    # Typing shows on both sides (typed slowly: the widget sends at most one frame per 2 s).
    widget.get_by_role("textbox", name="Message").press_sequentially("Is there a", delay=250)
    expect(thread(page).get_by_text("Visitor #1 is typing…")).to_be_visible()
    composer(page).press_sequentially("Let me see", delay=50)
    expect(widget.get_by_text("Alice Agent is typing…")).to_be_visible()
    composer(page).fill("")
    widget.get_by_role("textbox", name="Message").fill("")

    for n in range(1, 4):
        widget_send(widget, f"Follow-up question {n}")
        expect(log.get_by_text(f"Follow-up question {n}", exact=True)).to_be_visible()
        composer(page).fill(f"Answer number {n}")
        composer(page).press("Enter")
        expect(widget_row(widget, f"Answer number {n}").locator(".who")).to_have_text("Alice Agent")
    expect(item).to_contain_text("9 messages")
    expect(item).to_contain_text("Active")
    assert alice.errors == []
    assert shopper.errors == []


def test_two_agents_see_the_same_conversation_live(
    quiet_server: LiveServer, person: Callable[..., Person]
) -> None:
    alice = person()
    a = log_in(alice, quiet_server, ALICE)
    bob = person()
    b = log_in(bob, quiet_server, BOB)
    shopper = person()
    widget = open_widget(shopper, quiet_server)

    widget_send(widget, "Can someone help me with my order?")
    for page in (a, b):
        expect(conversation(page, "Visitor #1")).to_contain_text(
            "Can someone help me with my order?"
        )
        expect(conversation(page, "Visitor #1")).to_contain_text("Queued")

    conversation(b, "Visitor #1").click()
    conversation(a, "Visitor #1").click()
    # Collision hints: each sees the other has it open, and who is typing.
    expect(thread(b).get_by_text("Alice Agent is viewing")).to_be_visible()
    expect(thread(a).get_by_text("Bob Agent is viewing")).to_be_visible()
    composer(b).press_sequentially("Let me check", delay=30)
    expect(thread(a).get_by_text("Bob Agent is typing…")).to_be_visible()

    thread(a).get_by_role("button", name="Assign to Me").click()
    expect(thread(b).get_by_text("Assigned to Alice Agent")).to_be_visible()
    expect(thread(b).get_by_role("button", name="Assign to Me")).to_have_count(0)
    expect(thread(b).get_by_role("button", name="Take over")).to_have_count(0)
    expect(thread(b).get_by_text("Alice Agent is handling this conversation.")).to_be_visible()
    expect(composer(b)).to_be_disabled()
    expect(conversation(b, "Visitor #1")).to_contain_text("Active")

    composer(a).fill("I'm on it, let me look up your order.")
    composer(a).press("Enter")
    expect(messages(b).get_by_text("I'm on it, let me look up your order.")).to_be_visible()
    expect(widget.get_by_text("I'm on it, let me look up your order.")).to_be_visible()
    expect(conversation(b, "Visitor #1")).to_contain_text("Alice Agent: I'm on it")
    assert alice.errors == []
    assert bob.errors == []


def test_an_admin_takes_over_what_bob_holds(
    quiet_server: LiveServer, person: Callable[..., Person]
) -> None:
    customer(quiet_server, "Riley", "My grinder is broken.")
    assert as_agent(quiet_server, BOB, "POST", "/api/v1/chat/sessions/1/assign").status_code == 200

    bob = person()
    b = log_in(bob, quiet_server, BOB)
    alice = person()
    a = log_in(alice, quiet_server, ALICE)
    admin = person()
    boss = log_in(admin, quiet_server, ADMIN)
    for page in (a, b, boss):
        conversation(page, "Riley").click()
        expect(thread(page).get_by_text("Assigned to Bob Agent")).to_be_visible()

    # Alice is no admin: no Take over, and no way to write.
    expect(thread(a).get_by_role("button", name="Take over")).to_have_count(0)
    expect(composer(a)).to_be_disabled()

    thread(boss).get_by_role("button", name="Take over").click()
    expect(thread(boss).get_by_text("Assigned to Admin")).to_be_visible()
    expect(composer(boss)).to_be_enabled()
    expect(thread(b).get_by_text("Assigned to Admin")).to_be_visible()
    expect(thread(b).get_by_role("button", name="Take over")).to_have_count(0)
    expect(thread(b).get_by_text("Admin is handling this conversation.")).to_be_visible()
    expect(composer(b)).to_be_disabled()
    expect(thread(a).get_by_text("Assigned to Admin")).to_be_visible()
    for someone in (alice, bob, admin):
        assert someone.errors == []


def test_a_conflicting_assign_shows_why(
    quiet_server: LiveServer, person: Callable[..., Person]
) -> None:
    customer(quiet_server, "Dana", "Hello?")
    # No service worker: once the agent page's worker (static/sw.js) controls the page, its
    # requests pass it and Playwright's page.route no longer sees them (in CI it had claimed
    # the page before the click twice, and Bob's assign went straight to the server).
    bob = person(service_workers="block")
    page = log_in(bob, quiet_server, BOB)
    conversation(page, "Dana").click()

    alices: list[httpx.Response | BaseException] = []

    def alice_first(route: Route) -> None:
        # Alice's click lands just before Bob's reaches the server.
        try:
            alices.append(as_agent(quiet_server, ALICE, "POST", "/api/v1/chat/sessions/1/assign"))
        except BaseException as exc:  # noqa: BLE001 - reported below, not lost in Playwright
            alices.append(exc)
        route.continue_()

    page.route("**/api/v1/chat/sessions/1/assign", alice_first)
    thread(page).get_by_role("button", name="Assign to Me").click()
    expect(thread(page).get_by_text("Assigned to")).to_be_visible()
    assert len(alices) == 1 and isinstance(alices[0], httpx.Response), alices
    assert alices[0].status_code == 200, alices[0].text
    expect(thread(page).get_by_role("alert")).to_have_text(
        "Alice Agent is handling this conversation."
    )
    expect(thread(page).get_by_text("Assigned to Alice Agent")).to_be_visible()
    # The 409 answer is logged by the browser as a failed resource; nothing else went wrong.
    assert [e for e in bob.errors if "409" not in e] == []


def test_a_send_the_server_refuses_shows_its_reason(
    quiet_server: LiveServer, person: Callable[..., Person]
) -> None:
    customer(quiet_server, "Max", "Anyone around?")
    bob = person()

    def alice_first(ws: WebSocketRoute) -> None:
        # Bob's socket, relayed; Alice takes the conversation just before his reply gets there.
        server = ws.connect_to_server()

        def from_page(message: str | bytes) -> None:
            if isinstance(message, str) and '"chat.message.send"' in message:
                as_agent(quiet_server, ALICE, "POST", "/api/v1/chat/sessions/1/assign")
            server.send(message)

        ws.on_message(from_page)

    bob.page.route_web_socket(re.compile(r"/ws(\?.*)?$"), alice_first)
    page = log_in(bob, quiet_server, BOB)
    conversation(page, "Max").click()
    composer(page).fill("I can help you")
    composer(page).press("Enter")

    reason = "Alice Agent is handling this conversation."
    expect(thread(page).get_by_role("alert")).to_have_text(reason)
    expect(messages(page).get_by_text(f"Not sent: {reason}")).to_be_visible()
    expect(messages(page).get_by_role("button", name="Retry")).to_be_visible()
    expect(thread(page).get_by_text("Assigned to Alice Agent")).to_be_visible()
    expect(composer(page)).to_be_disabled()
    assert bob.errors == []


def test_logging_out_ends_the_other_tabs_too(
    quiet_server: LiveServer, person: Callable[..., Person]
) -> None:
    alice = person()
    first = log_in(alice, quiet_server, ALICE)
    second = alice.context.new_page()
    second.goto(quiet_server.url + "/chat")
    expect(live_status(second)).to_have_text("Live")

    first.get_by_role("button", name="Log out").click()
    expect(first).to_have_url(quiet_server.url + "/login")
    # The server closes the other tab's socket (4401); the page goes to the login form.
    expect(second).to_have_url(quiet_server.url + "/login")
    expect(second.get_by_role("button", name="Log in")).to_be_visible()
    assert alice.errors == []


def test_filters_show_the_right_conversations(
    quiet_server: LiveServer, person: Callable[..., Person]
) -> None:
    customer(quiet_server, "Quinn Queued", "Waiting for someone")
    customer(quiet_server, "Mia Mine", "Alice is helping me")
    customer(quiet_server, "Bo Bobs", "Bob is helping me")
    customer(quiet_server, "Cleo Closed", "All sorted, thanks")
    assert as_agent(quiet_server, ALICE, "POST", "/api/v1/chat/sessions/2/assign").is_success
    assert as_agent(quiet_server, BOB, "POST", "/api/v1/chat/sessions/3/assign").is_success
    assert as_agent(quiet_server, ALICE, "POST", "/api/v1/chat/sessions/4/assign").is_success
    assert as_agent(quiet_server, ALICE, "POST", "/api/v1/chat/sessions/4/close").is_success

    alice = person()
    page = log_in(alice, quiet_server, ALICE)
    filters = page.get_by_role("group", name="Show conversations")
    items = listed_items(page)
    expect(items).to_have_count(4)

    filters.get_by_role("button", name="Queued", exact=True).click()
    expect(filters.get_by_role("button", name="Queued", exact=True)).to_have_attribute(
        "aria-pressed", "true"
    )
    expect(items).to_have_count(1)
    expect(items.first).to_contain_text("Quinn Queued")

    # A new conversation arrives in the filtered list as it starts.
    customer(quiet_server, "Nell New", "Hi there")
    expect(items).to_have_count(2)
    expect(items.first).to_contain_text("Nell New")

    filters.get_by_role("button", name="Mine", exact=True).click()
    expect(items).to_have_count(1)
    expect(items.first).to_contain_text("Mia Mine")

    filters.get_by_role("button", name="Active", exact=True).click()
    expect(items).to_have_count(2)
    expect(listed_items(page).filter(has_text="Bo Bobs")).to_have_count(1)

    filters.get_by_role("button", name="Closed", exact=True).click()
    expect(items).to_have_count(1)
    expect(items.first).to_contain_text("Cleo Closed")

    filters.get_by_role("button", name="All", exact=True).click()
    expect(items).to_have_count(5)
    assert alice.errors == []


def test_enter_sends_and_shift_enter_makes_a_new_line(
    quiet_server: LiveServer, person: Callable[..., Person]
) -> None:
    customer(quiet_server, "Lee", "Two questions for you")
    alice = person()
    page = log_in(alice, quiet_server, ALICE)
    conversation(page, "Lee").click()
    box = composer(page)
    expect(box).to_be_focused()

    box.press_sequentially("line one")
    box.press("Shift+Enter")
    box.press_sequentially("line two")
    expect(box).to_have_value("line one\nline two")
    box.press("Enter")
    expect(box).to_have_value("")
    expect(messages(page).get_by_text("line one")).to_be_visible()
    # Replying to an unassigned conversation takes it.
    expect(thread(page).get_by_text("Assigned to Alice Agent")).to_be_visible()

    box.fill("Sent with the button")
    thread(page).get_by_role("button", name="Send").click()
    expect(messages(page).get_by_text("Sent with the button")).to_be_visible()

    stored = as_agent(quiet_server, ALICE, "GET", "/api/v1/chat/sessions/1/messages").json()
    contents = [m["content"] for m in stored["messages"]]
    assert contents == ["Two questions for you", "line one\nline two", "Sent with the button"]

    thread(page).get_by_role("button", name="Close conversation").click()
    expect(thread(page).get_by_text("Closed", exact=True)).to_be_visible()
    expect(composer(page)).to_be_disabled()
    expect(conversation(page, "Lee")).to_contain_text("Closed")
    assert alice.errors == []


def test_untrusted_text_is_shown_as_text(
    quiet_server: LiveServer, person: Callable[..., Person]
) -> None:
    name = "<img src=x onerror=alert(1)>"
    text = "<script>alert(2)</script><b>bold</b>"
    customer(quiet_server, name, text)  # before the page loads: the server's first paint

    alice = person()
    page = log_in(alice, quiet_server, ALICE)
    expect(conversation(page, name)).to_contain_text(text)
    conversation(page, name).click()
    expect(thread(page).get_by_role("heading", name=name)).to_be_visible()
    expect(messages(page).get_by_text(text, exact=True)).to_be_visible()

    later = '"><svg onload=alert(3)>'
    customer(quiet_server, later, text)  # while it is open: rendered by the live path
    expect(conversation(page, later)).to_contain_text(text)
    conversation(page, later).click()
    expect(messages(page).get_by_text(text, exact=True)).to_be_visible()

    assert page.locator("img[src=x], b, svg[onload]").count() == 0
    html = page.request.get(quiet_server.url + "/chat").text()
    assert name not in html and "<script>alert(2)" not in html and later not in html
    assert alice.dialogs == []
    assert alice.errors == []


def test_the_agent_composer_holds_to_the_servers_content_max(
    strict_server: LiveServer, person: Callable[..., Person]
) -> None:
    customer(strict_server, "Pat", "Hello?")
    alice = person()
    page = log_in(alice, strict_server, ALICE)
    conversation(page, "Pat").click()
    box = composer(page)
    expect(box).to_have_attribute("maxlength", "50")
    box.press_sequentially("z" * 55)
    expect(box).to_have_value("z" * 50)
    file_input = page.locator(".composer input[type=file]")
    assert ".pdf" in (file_input.get_attribute("accept") or "").split(",")
    uploads: list[str] = []
    page.on("request", lambda r: uploads.append(r.url) if "/attachments" in r.url else None)
    file_input.set_input_files(
        files=[{"name": "big.txt", "mimeType": "text/plain", "buffer": b"x" * 2049}]
    )
    expect(page.get_by_text("big.txt is larger than")).to_be_visible()
    file_input.set_input_files(
        files=[{"name": "fits.txt", "mimeType": "text/plain", "buffer": b"y" * 2048}]
    )
    expect(page.locator("#thread").get_by_text("fits.txt").first).to_be_visible()
    assert len(uploads) == 1 and "/attachments" in uploads[0]  # the big one never left
    assert alice.errors == []
