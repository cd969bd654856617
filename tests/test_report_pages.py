"""The Reports page and who reaches it, the Reports link in the top bar, and the team's
timezone and today that the page's script counts days from."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from admin_client import cookie_login
from conftest import ADMIN, ALICE, login
from starlette.testclient import TestClient

from chat.hours import DAYS


def test_logged_out_visitors_are_sent_to_the_login_page(client: TestClient) -> None:
    answer = client.get("/reports", follow_redirects=False)
    assert answer.status_code == 303 and answer.headers["location"] == "/login"


def test_an_agent_gets_the_403_page_and_no_reports_link(client: TestClient) -> None:
    cookie_login(client, ALICE)
    assert 'href="/reports"' not in client.get("/chat").text
    answer = client.get("/reports")
    assert answer.status_code == 403
    assert "Reports are for admins" in answer.text
    assert 'id="range-form"' not in answer.text


def test_an_admin_gets_the_page_with_the_teams_timezone_and_today(client: TestClient) -> None:
    zone = "Pacific/Kiritimati"  # UTC+14: its date is not UTC's for ten hours a day
    hours = {
        "timezone": zone,
        "weekly": {day: [["00:00", "24:00"]] for day in DAYS},
        "closed_dates": [],
        "away_message": "Away.",
    }
    saved = client.put("/api/v1/settings/hours", json=hours, headers=login(client, ADMIN))
    assert saved.status_code == 200, saved.text
    cookie_login(client, ADMIN)
    assert 'href="/reports"' in client.get("/chat").text
    before = datetime.now(UTC).astimezone(ZoneInfo(zone)).date().isoformat()
    answer = client.get("/reports")
    after = datetime.now(UTC).astimezone(ZoneInfo(zone)).date().isoformat()
    assert answer.status_code == 200
    assert f'data-timezone="{zone}"' in answer.text
    assert f'data-today="{before}"' in answer.text or f'data-today="{after}"' in answer.text
    assert '<a href="/reports" aria-current="page">Reports</a>' in answer.text
    assert "default-src 'self'" in answer.headers["content-security-policy"]
