"""The Reports page in the browser: an admin reads a week's figures, charts, table by day and
customers' comments (a comment's markup shown as text), and downloads the CSV that agrees
with the page; an agent is kept out; a range that ends before it starts is refused on the page."""

from __future__ import annotations

import csv
import io
import re
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import parse_qs, urlparse
from zoneinfo import ZoneInfo

import httpx
from playwright.sync_api import Locator, Page, expect

from chat.hours import DAYS
from tests.browser.conftest import Person
from tests.browser.test_agent_page import log_in, thread
from tests.conftest import ADMIN, ALICE, LiveServer, login, start

SHOTS = "/tmp"
API = "/api/v1"
# A team far from UTC (UTC+14): its "today" is not the server's UTC date for ten hours a day.
TEAM_ZONE = "Pacific/Kiritimati"


def team_today() -> str:
    return datetime.now(UTC).astimezone(ZoneInfo(TEAM_ZONE)).date().isoformat()


def open_all_day_in_the_team_zone(api: httpx.Client, admin: dict[str, str]) -> None:
    body = {
        "timezone": TEAM_ZONE,
        "weekly": {day: [["00:00", "24:00"]] for day in DAYS},
        "closed_dates": [],
        "away_message": "We're away.",
    }
    answer = api.put(f"{API}/settings/hours", json=body, headers=admin)
    assert answer.status_code == 200, answer.text


def handled_and_rated(
    api: httpx.Client, agent: dict[str, str], name: str, rating: int, comment: str
) -> int:
    """A customer asks for a person; the agent takes it, answers, closes; the customer rates."""
    started = start(api, name=name)
    key, session_id = started["session_key"], started["session"]["id"]
    handed = api.post(f"{API}/chat/public/handoff", json={"session_key": key})
    assert handed.status_code == 200, handed.text
    taken = api.post(f"{API}/chat/sessions/{session_id}/assign", headers=agent)
    assert taken.status_code == 200, taken.text
    body = {"session_id": session_id, "content": "Happy to help."}
    answered = api.post(f"{API}/chat/messages", json=body, headers=agent)
    assert answered.status_code == 201, answered.text
    closed = api.post(f"{API}/chat/sessions/{session_id}/close", headers=agent)
    assert closed.status_code == 200, closed.text
    rating_body = {"session_key": key, "rating": rating, "comment": comment}
    rated = api.post(f"{API}/chat/public/csat", json=rating_body)
    assert rated.status_code == 201, rated.text
    return session_id


def resolved_by_the_ai(api: httpx.Client, agent: dict[str, str], name: str) -> None:
    """A customer's question the AI answers; the conversation is closed with no person on it."""
    started = start(api, name=name)
    key, session_id = started["session_key"], started["session"]["id"]
    asked = {"session_key": key, "content": "When is your support team open?"}
    assert api.post(f"{API}/chat/public/message", json=asked).status_code == 201
    for _ in range(100):
        history = api.get(f"{API}/chat/sessions/{session_id}/messages", headers=agent).json()
        if any(m["sender_type"] == "ai" for m in history["messages"]):
            break
        time.sleep(0.05)
    else:
        raise AssertionError("the AI did not answer")
    closed = api.post(f"{API}/chat/sessions/{session_id}/close", headers=agent)
    assert closed.status_code == 200, closed.text


def seed(server: LiveServer) -> tuple[int, int]:
    """Two conversations Alice handled and the customers rated (5 and 4) and one the AI
    resolved alone; the rated conversations' ids."""
    with httpx.Client(base_url=server.url, timeout=10) as api:
        open_all_day_in_the_team_zone(api, login(api, ADMIN))
        alice = login(api, ALICE)
        resolved_by_the_ai(api, alice, "Finn")
        first = handled_and_rated(api, alice, "Dana", 5, "Quick and kind.")
        second = handled_and_rated(api, alice, "Eve", 4, "<b>x</b> fixed, thanks")
    return first, second


def open_reports(page: Page) -> None:
    """From any agent page, through the top bar's Reports link."""
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Reports").click()
    expect(page.get_by_role("heading", name="Reports", level=1)).to_be_visible()
    expect(page.locator("body")).to_have_attribute("data-ready", "true")


def figure(page: Page, name: str) -> Locator:
    """A headline figure's card, by its heading."""
    return page.get_by_role("region", name=name, exact=True)


def test_an_admin_reads_the_weeks_figures_and_comments_and_the_csv_agrees(
    app_server: LiveServer, person: Callable[..., Person]
) -> None:
    server = app_server
    first, second = seed(server)
    boss = person()
    page = log_in(boss, server, ADMIN)
    open_reports(page)

    page.get_by_role("radio", name="Last 7 days").check()
    today = team_today()
    week_ago = (datetime.fromisoformat(today) - timedelta(days=6)).date().isoformat()
    expect(page).to_have_url(re.compile(rf"/reports\?since={week_ago}&until={today}$"))
    expect(page.get_by_role("status").filter(has_text="Showing")).to_contain_text(
        f"7 days, {TEAM_ZONE}"
    )

    expect(figure(page, "Conversations").locator(".figure-value")).to_have_text("3")
    expect(figure(page, "Handed off").locator(".figure-value")).to_have_text("66.7%")
    expect(figure(page, "AI-resolved").locator(".figure-value")).to_have_text("33.3%")
    first_response = figure(page, "First response")
    expect(first_response).to_contain_text("Based on 2 conversations")
    expect(first_response.locator(".figure-value")).not_to_have_text("—")
    satisfaction = figure(page, "Customer satisfaction")
    expect(satisfaction.locator(".figure-value")).to_have_text("4.5 / 5")
    expect(satisfaction).to_contain_text("2 responses")
    expect(satisfaction).to_contain_text("100%")

    comments = page.get_by_role("list", name="Customer comments").get_by_role("listitem")
    expect(comments).to_have_count(2)
    # Newest first; the markup in a comment is text, not bold.
    expect(comments.first.locator(".comment-text")).to_have_text("<b>x</b> fixed, thanks")
    expect(comments.first.locator("b")).to_have_count(0)
    expect(comments.first).to_contain_text("4 out of 5")
    expect(comments.first).to_contain_text("Alice Agent")
    link = comments.nth(1).get_by_role("link", name=f"Open conversation #{first}")
    expect(link).to_have_attribute("href", f"/chat?session={first}")
    expect(comments.first.get_by_role("link")).to_have_attribute("href", f"/chat?session={second}")

    chart = page.get_by_role("img", name="Conversations per day")
    expect(chart).to_be_visible()
    assert chart.evaluate("node => node.tagName") == "svg"
    expect(page.get_by_role("img", name="First response per day (median)")).to_be_visible()
    days = page.get_by_role("region", name="Each day in numbers").locator("tbody tr")
    expect(days).to_have_count(7)
    today_row = days.filter(has=page.locator(f'time[datetime="{today}"]'))
    expect(today_row.locator("td").first).to_have_text("3")
    agents = page.get_by_role("region", name="Each agent in numbers").locator("tbody tr")
    expect(agents).to_have_count(1)
    expect(agents.first.locator("th")).to_contain_text("Alice Agent")
    page.screenshot(path=f"{SHOTS}/reports-page.png", full_page=True)

    # The CSV link exports the same range, one row per conversation: as many as the page says.
    csv_link = page.get_by_role("link", name="Download CSV")
    href = csv_link.get_attribute("href") or ""
    assert parse_qs(urlparse(href).query) == {"since": [week_ago], "until": [today]}
    with page.expect_download() as download:
        csv_link.click()
    exported = Path(download.value.path()).read_text("utf-8-sig")
    rows = list(csv.reader(io.StringIO(exported, newline="")))
    shown = figure(page, "Conversations").locator(".figure-value").inner_text()
    assert len(rows) - 1 == int(shown), exported

    # A reload keeps the range; on a phone the page fits without sideways scrolling.
    page.reload()
    expect(page.get_by_role("radio", name="Last 7 days")).to_be_checked()
    expect(figure(page, "Conversations").locator(".figure-value")).to_have_text("3")
    page.set_viewport_size({"width": 360, "height": 800})
    expect(page.get_by_role("img", name="Conversations per day")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    page.screenshot(path=f"{SHOTS}/reports-phone.png", full_page=True)

    # A comment's link opens its conversation on the Chat page.
    page.set_viewport_size({"width": 1280, "height": 800})
    link.click()
    expect(page).to_have_url(f"{server.url}/chat#conversation-{first}")
    expect(thread(page).get_by_role("heading", name="Dana")).to_be_visible()
    assert boss.errors == []


def test_an_agent_gets_the_403_page_and_no_reports_link(
    quiet_server: LiveServer, person: Callable[..., Person]
) -> None:
    alice = person()
    page = log_in(alice, quiet_server, ALICE)
    main = page.get_by_role("navigation", name="Main")
    expect(main.get_by_role("link", name="Chat")).to_be_visible()
    expect(main.get_by_role("link", name="Reports")).to_have_count(0)
    answer = page.goto(quiet_server.url + "/reports")
    assert answer is not None and answer.status == 403
    expect(page.get_by_role("heading", name="We could not do that")).to_be_visible()
    expect(page.get_by_text("Reports are for admins")).to_be_visible()
    # Logged out, the page sends to the login.
    with httpx.Client(base_url=quiet_server.url) as api:
        away = api.get("/reports", follow_redirects=False)
    assert away.status_code == 303 and away.headers["location"] == "/login"


def test_a_custom_range_that_ends_before_it_starts_shows_the_servers_refusal(
    quiet_server: LiveServer, person: Callable[..., Person]
) -> None:
    boss = person()
    page = log_in(boss, quiet_server, ADMIN)
    open_reports(page)
    expect(figure(page, "Conversations").locator(".figure-value")).to_have_text("0")
    expect(figure(page, "First response").locator(".figure-value")).to_have_text("—")

    # By keyboard: from the checked preset (Last 30 days) the arrow key moves to Custom, whose
    # first date takes the focus; Enter in a date applies the range.
    form = page.get_by_role("form", name="Date range")
    expect(form.get_by_role("radio", name="Last 30 days")).to_be_checked()
    form.get_by_role("radio", name="Last 30 days").focus()
    page.keyboard.press("ArrowRight")
    expect(form.get_by_role("radio", name="Custom")).to_be_checked()
    expect(form.get_by_label("From", exact=True)).to_be_focused()
    form.get_by_label("From", exact=True).fill("2026-11-20")
    form.get_by_label("To", exact=True).fill("2026-11-10")
    form.get_by_label("To", exact=True).press("Enter")
    expect(page).to_have_url(re.compile(r"/reports\?since=2026-11-20&until=2026-11-10$"))
    alert = page.get_by_role("alert")
    expect(alert).to_contain_text("Could not show this range")
    expect(page.get_by_role("region", name="Conversations", exact=True)).to_be_hidden()
    expect(page.get_by_role("link", name="Download CSV")).to_be_hidden()

    # A good range brings the figures back and the message goes.
    form.get_by_label("To", exact=True).fill("2026-11-30")
    form.get_by_role("button", name="Apply").click()
    expect(alert).to_be_hidden()
    expect(figure(page, "Conversations").locator(".figure-value")).to_have_text("0")
    expect(page.get_by_role("status").filter(has_text="Showing")).to_contain_text("11 days")
    # The console shows the refused request (the browser logs a 422); no script error.
    assert [e for e in boss.errors if "422" not in e] == []
