"""Business hours in the widget: outside them it says when the team is back, a visitor who asks
for a person after the AI has tried gets the away message and an email box (not before), and
the address saved there is confirmed and reaches the agents."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import httpx
from playwright.sync_api import Browser, expect

from chat.hours import DAYS
from tests.browser.conftest import Person
from tests.browser.test_admin import open_admin
from tests.browser.test_agent_page import log_in
from tests.browser.test_routing import REFUSED
from tests.browser.test_widget import DEMO, by, say, session_key
from tests.conftest import ADMIN, LiveServer, login

BERLIN = ZoneInfo("Europe/Berlin")


def open_tomorrow_only(server: LiveServer) -> None:
    """Hours in Berlin with one interval, tomorrow 9:00 to 17:00: closed now."""
    tomorrow = (datetime.now(UTC).astimezone(BERLIN) + timedelta(days=1)).weekday()
    weekly = {day: [] for day in DAYS}
    weekly[DAYS[tomorrow]] = [["09:00", "17:00"]]
    body = {
        "timezone": "Europe/Berlin",
        "weekly": weekly,
        "closed_dates": [],
        "away_message": "We're away.",
    }
    with httpx.Client(base_url=server.url, timeout=10) as api:
        answer = api.put("/api/v1/settings/hours", json=body, headers=login(api, ADMIN))
    assert answer.status_code == 200, answer.text


def test_outside_hours_the_widget_says_when_the_team_is_back_and_keeps_an_email(
    app_server: LiveServer, browser: Browser
) -> None:
    server = app_server
    open_tomorrow_only(server)
    # The visitor's clock is the team's here, so both say 9:00.
    context = browser.new_context(timezone_id="Europe/Berlin")
    try:
        page = context.new_page()
        visitor_errors: list[str] = []
        page.on("console", lambda m: visitor_errors.append(m.text) if m.type == "error" else None)
        page.goto(server.url + DEMO)
        page.get_by_role("button", name="Open chat").click()
        panel = page.get_by_role("dialog", name="Northwind Coffee")
        expect(panel.get_by_text("We're closed right now. Back tomorrow at 9:00.")).to_be_visible()

        say(page, "How long does delivery take?")
        expect(by(page, "AI assistant")).not_to_have_count(0)  # the AI answers outside hours
        email = panel.get_by_role("textbox", name="Your email")
        expect(email).to_be_hidden()  # nothing asked before the visitor wants a person

        panel.get_by_role("button", name="Talk to a person").click()
        away = panel.get_by_text("We're away. Back tomorrow at 9:00 CET.", exact=True).or_(
            panel.get_by_text("We're away. Back tomorrow at 9:00 CEST.", exact=True)
        )
        expect(away).to_be_visible()
        expect(email).to_be_visible()
        page.screenshot(path="/tmp/hours-widget-email-box.png")
        email.fill("pat@localhost")  # the browser takes it; the server does not
        panel.get_by_role("button", name="Save email").click()
        expect(panel.get_by_role("alert")).to_have_text(
            "That doesn't look like one email address. Please check it."
        )
        email.fill("pat@example.com")
        panel.get_by_role("button", name="Save email").click()
        expect(
            panel.get_by_text("Thanks! We'll also send replies to pat@example.com.")
        ).to_be_visible()
        expect(email).to_be_hidden()

        key = session_key(page, server.url)
        with httpx.Client(base_url=server.url, timeout=10) as api:
            mine = api.get(f"/api/v1/chat/public/session/{key}").json()["session"]
            seen = api.get(f"/api/v1/chat/sessions/{mine['id']}", headers=login(api, ADMIN))
        assert seen.json()["session"]["customer_email"] == "pat@example.com"
        assert mine["status"] == "queued"
        assert visitor_errors == [f"{REFUSED} 422 (Unprocessable Entity)"]
    finally:
        context.close()


def test_the_admin_edits_the_hours_and_reads_why_an_overlap_is_refused(
    quiet_server: LiveServer, person: Callable[..., Person]
) -> None:
    server = quiet_server
    boss = person()
    page = log_in(boss, server, ADMIN)
    open_admin(page)
    form = page.get_by_role("form", name="Business hours")
    expect(form.get_by_label("Monday")).to_have_value("00:00-24:00")  # always open until set
    form.get_by_label("Timezone").fill("Europe/Berlin")
    for day in ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday"):
        form.get_by_label(day).fill("09:00-12:00, 13:00-17:00")
    form.get_by_label("Saturday").fill("")
    form.get_by_label("Sunday").fill("22:00-02:00")
    form.get_by_label("Monday").fill("01:00-12:00")  # Sunday night's tail runs until 02:00
    form.get_by_label("Closed dates").fill("2026-12-25\n2026-12-24")
    form.get_by_label("Away message").fill("We're away.")
    form.get_by_role("button", name="Save business hours").click()
    expect(form.get_by_role("alert")).to_have_text(
        "Sunday: 22:00–02:00 overlaps Monday 01:00–12:00."
    )

    form.get_by_label("Monday").fill("09:00-12:00, 13:00-17:00")
    form.get_by_role("button", name="Save business hours").click()
    expect(form.get_by_role("status")).to_contain_text("Saved")
    form.screenshot(path="/tmp/hours-admin-form.png")
    page.reload()
    form = page.get_by_role("form", name="Business hours")
    expect(form.get_by_label("Sunday")).to_have_value("22:00-02:00")
    expect(form.get_by_label("Closed dates")).to_have_value("2026-12-24\n2026-12-25")
    assert boss.errors == [f"{REFUSED} 422 (Unprocessable Entity)"]
