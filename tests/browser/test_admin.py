"""The admin area in the browser: onboarding Carol with a setup link, the widget's accent
colour, an article the AI answers from, and an agent kept out."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import httpx
from playwright.sync_api import Page, expect

from tests.browser.conftest import Person
from tests.browser.test_agent_page import live_status, log_in
from tests.browser.test_presence import teammate
from tests.browser.test_widget import open_widget, say
from tests.conftest import ADMIN, ALICE, PASSWORD, LiveServer, serving
from tests.gemini_stub import gemini_stub

SHOTS = "/tmp"


def open_admin(page: Page) -> None:
    """From the Chat page, through the top bar's Admin link."""
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Admin").click()
    expect(page.get_by_role("heading", name="Agents")).to_be_visible()
    expect(page.locator("body")).to_have_attribute("data-ready", "true")  # its script took over


def test_an_admin_adds_carol_who_sets_her_password_and_joins_the_team(
    quiet_server: LiveServer, person: Callable[..., Person]
) -> None:
    server = quiet_server
    boss, alice, carol = person(), person(), person()
    alice_page = log_in(alice, server, ALICE)
    page = log_in(boss, server, ADMIN)
    open_admin(page)

    form = page.get_by_role("form", name="Add an agent")
    form.get_by_label("Name").fill("Carol Agent")
    form.get_by_label("Email").fill("carol@example.com")
    form.get_by_role("button", name="Add agent").click()
    link = page.get_by_role("textbox", name="Setup link")
    expect(link).to_have_value(re.compile(re.escape(server.url) + r"/setup/[A-Za-z0-9_-]{43}$"))
    setup_url = link.input_value()
    agents = page.get_by_role("table", name="Agents")
    expect(agents.get_by_role("row").filter(has_text="Carol Agent")).to_contain_text("Active")
    audit = page.get_by_role("table", name="Audit log")
    expect(audit).to_contain_text("agent.add")
    page.screenshot(path=f"{SHOTS}/admin-page.png", full_page=True)

    # Carol, in a browser of her own, opens the link.
    carol_page = carol.page
    carol_page.goto(setup_url)
    expect(carol_page.get_by_role("heading", name="Welcome, Carol Agent")).to_be_visible()
    carol_page.screenshot(path=f"{SHOTS}/setup-page.png", full_page=True)
    carol_page.get_by_label("New password").fill("carol-secret-42")
    carol_page.get_by_label("The same password again").fill("carol-secret-42")
    carol_page.get_by_role("button", name="Set password and log in").click()
    expect(carol_page).to_have_url(server.url + "/chat")
    expect(live_status(carol_page)).to_have_text("Live")

    expect(teammate(alice_page, "Carol Agent")).to_contain_text("Available")
    # The link worked once.
    carol_page.goto(setup_url)
    expect(carol_page.get_by_text("This setup link was used already")).to_be_visible()
    assert boss.errors == [] and alice.errors == []


def test_a_new_accent_colour_shows_in_the_demo_widget_after_a_reload(
    quiet_server: LiveServer, person: Callable[..., Person]
) -> None:
    server = quiet_server
    visitor, boss = person(), person()
    open_widget(visitor.page, server.url)
    launcher = visitor.page.get_by_role("button", name="Close chat")
    expect(launcher).to_have_css("background-color", "rgb(37, 99, 235)")

    page = log_in(boss, server, ADMIN)
    open_admin(page)
    form = page.get_by_role("form", name="Widget settings")
    form.get_by_label("Accent colour (#RRGGBB)").fill("#cc3300")
    form.get_by_label("Title").fill("Admin's title")
    preview = page.locator("#widget-preview .preview-launcher")
    expect(preview).to_have_css("background-color", "rgb(204, 51, 0)")
    form.get_by_role("button", name="Save widget settings").click()
    expect(form.get_by_role("status")).to_contain_text("Saved")

    visitor.page.reload()
    launcher = visitor.page.get_by_role("button", name=re.compile("Open chat|Close chat"))
    expect(launcher).to_have_css("background-color", "rgb(204, 51, 0)")
    # The demo page's own data-title still wins over the stored title.
    expect(visitor.page.locator("switchboard-chat .title")).to_have_text("Northwind Coffee")
    visitor.page.screenshot(path=f"{SHOTS}/widget-accent.png")
    assert visitor.errors == [] and boss.errors == []


def test_an_admin_edits_an_article_and_the_widgets_ai_answers_with_it(
    app_server: LiveServer, person: Callable[..., Person]
) -> None:
    server = app_server
    boss, visitor = person(), person()
    page = log_in(boss, server, ADMIN)
    open_admin(page)
    page.get_by_role("button", name="Edit Opening hours and holidays").click()
    editor = page.get_by_role("form", name="Edit article")
    body = editor.get_by_label("Markdown")
    expect(body).to_have_value(re.compile("^# Opening hours"))
    body.fill(
        "# Opening hours and holidays\n\n## When is your support team open?\n\n"
        "Our support team is open **every day from 7:00 to 23:00**, even on holidays.\n"
    )
    preview = page.locator("#article-preview")
    expect(preview.locator("strong")).to_have_text("every day from 7:00 to 23:00")
    editor.get_by_role("button", name="Save article").click()
    expect(editor.get_by_role("status")).to_contain_text("Saved version 2")

    panel = open_widget(visitor.page, server.url)
    say(visitor.page, "When is your support team open?")
    expect(panel.locator(".row.theirs").last).to_contain_text(
        "every day from 7:00 to 23:00", timeout=5000
    )
    assert boss.errors == [] and visitor.errors == []


def test_a_stale_save_warns_that_someone_else_saved_meanwhile(
    quiet_server: LiveServer, person: Callable[..., Person]
) -> None:
    server = quiet_server
    first, second = person(), person()
    pages = [log_in(someone, server, ADMIN) for someone in (first, second)]
    for page in pages:
        open_admin(page)
        page.get_by_role("button", name="Edit Gift cards").click()
    for page, text in zip(pages, ("First edit wins.", "Second edit is stale."), strict=True):
        editor = page.get_by_role("form", name="Edit article")
        editor.get_by_label("Markdown").fill(f"# Gift cards\n\n{text}\n")
        editor.get_by_role("button", name="Save article").click()
    warning = pages[1].get_by_role("alert").filter(has_text="Someone else saved")
    expect(warning).to_be_visible()
    pages[1].get_by_role("button", name="Load the saved version").click()
    expect(pages[1].get_by_label("Markdown")).to_have_value(re.compile("First edit wins"))


def test_an_agent_opening_admin_sees_the_403_page(
    quiet_server: LiveServer, person: Callable[..., Person]
) -> None:
    alice = person()
    page = log_in(alice, quiet_server, ALICE)
    main = page.get_by_role("navigation", name="Main")
    expect(main.get_by_role("link", name="Chat")).to_be_visible()
    expect(main.get_by_role("link", name="Admin")).to_have_count(0)
    answer = page.goto(quiet_server.url + "/admin")
    assert answer is not None and answer.status == 403
    expect(page.get_by_role("heading", name="We could not do that")).to_be_visible()
    expect(page.get_by_text("The admin area is for admins")).to_be_visible()


def test_stored_position_and_optional_details_reach_the_widget(
    quiet_server: LiveServer, person: Callable[..., Person]
) -> None:
    server = quiet_server
    boss = httpx.post(
        f"{server.url}/api/v1/auth/login", json={"email": ADMIN, "password": PASSWORD}
    ).json()["token"]
    settings = {
        "title": "Ignored: the demo's tag names its own",
        "greeting": "Stored <b>greeting</b>",
        "accent": "#0e9384",
        "position": "left",
        "ask_details": "optional",
        "locale": "auto",
    }
    stored = httpx.put(
        f"{server.url}/api/v1/settings/widget",
        json=settings,
        headers={"Authorization": f"Bearer {boss}"},
    )
    assert stored.status_code == 200, stored.text
    visitor = person()
    page = visitor.page
    page.goto(server.url + "/widget-demo.html")
    launcher = page.get_by_role("button", name="Open chat")
    box = launcher.bounding_box()
    assert box is not None and box["x"] < 200  # bottom left
    launcher.click()
    form = page.locator("switchboard-chat form.details")
    expect(form).to_contain_text("(optional)")
    # The demo's tag sets its own greeting, which wins; the name and email may stay empty.
    expect(page.locator("switchboard-chat .greeting .bubble")).to_have_text(
        "Hi! Ask us anything about your coffee."
    )
    form.get_by_role("button", name="Start chat").click()
    expect(page.get_by_role("textbox", name="Message")).to_be_visible()
    say(page, "Hello from a visitor who gave no details")
    assert visitor.errors == []


def test_the_ai_tests_show_geminis_answer_and_the_key_is_never_shown_again(
    tmp_path: Path, person: Callable[..., Person]
) -> None:
    key = "AIza-browser-test-key-0123456789"
    with gemini_stub() as gemini, serving(tmp_path, "ai", GEMINI_BASE_URL=gemini.url) as server:
        gemini.text = "Loud and clear!"
        boss = person()
        page = log_in(boss, server, ADMIN)
        open_admin(page)
        form = page.get_by_role("form", name="AI settings")
        expect(form.get_by_text("No Gemini key is configured.")).to_be_visible()
        form.get_by_label("Gemini API key").fill(key)
        form.get_by_role("button", name="Save AI settings").click()
        expect(form.get_by_text("A Gemini key is configured.")).to_be_visible()
        expect(form.get_by_label("Gemini API key")).to_have_value("")
        form.get_by_role("button", name="Test").click()
        expect(page.locator("#ai-test-result")).to_have_text("Gemini answered: Loud and clear!")
        gemini.status = 500
        form.get_by_role("button", name="Test").click()
        expect(page.locator("#ai-test-result")).to_contain_text("Gemini failed: ")
        page.reload()
        assert key not in page.content()
        assert gemini.requests[0]["headers"].get("x-goog-api-key") == key
        assert boss.errors == []
