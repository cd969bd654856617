"""Business hours and the visitor's address (TEAMS.md, "Business hours and email"), on both
backends: the admin's setting checked whole, what the widget is told, the away message at a
handoff outside hours, a queue that waits for opening and is routed then, and the address a
visitor leaves (checked strictly, kept for the agents)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from starlette.testclient import TestClient

from chat.hours import DAYS
from tests.conftest import ADMIN, ALICE, ROOMY, assert_error, login, start
from tests.sockets import running
from tests.test_routing import API, eventually, team

NINE_TO_FIVE = [["09:00", "17:00"]]
BERLIN_WEEKDAYS = {
    "timezone": "Europe/Berlin",
    "weekly": {
        **{day: NINE_TO_FIVE for day in DAYS[:5]},
        "sat": [],
        "sun": [],
    },
    "closed_dates": ["2026-12-25", "2026-12-24", "2026-12-25"],
    "away_message": "We're out of the office.",
}
MONDAY_EVENING = datetime(2026, 11, 30, 20, 0, tzinfo=UTC)  # 21:00 in Berlin


def with_weekly(**days: list[list[str]]) -> dict[str, Any]:
    return {**BERLIN_WEEKDAYS, "weekly": {**BERLIN_WEEKDAYS["weekly"], **days}}


def test_hours_are_set_by_admins_checked_whole_and_always_open_until_then(
    make_client: Callable[..., TestClient],
) -> None:
    client = make_client(clock=lambda: MONDAY_EVENING, ai_enabled=True)
    admin, alice = login(client, ADMIN), login(client, ALICE)
    # Admins only, as every setting (TEAMS.md); agents learn open or closed from the config.
    assert_error(client.get(f"{API}/settings/hours", headers=alice), 403, "forbidden")
    default = client.get(f"{API}/settings/hours", headers=admin)
    assert default.status_code == 200
    assert default.json()["weekly"]["sun"] == [["00:00", "24:00"]]
    config = client.get(f"{API}/chat/public/config").json()
    assert (config["open_now"], config["next_open"]) == (True, None)

    assert_error(client.put(f"{API}/settings/hours", json=BERLIN_WEEKDAYS), 401, "unauthorized")
    refused = client.put(f"{API}/settings/hours", json=BERLIN_WEEKDAYS, headers=alice)
    assert_error(refused, 403, "forbidden")
    bad = {
        "overlaps tue 01:00–05:00": with_weekly(mon=[["22:00", "02:00"]], tue=[["01:00", "05:00"]]),
        "'9:00' is not a time": with_weekly(wed=[["9:00", "17:00"]]),
        "not an IANA timezone": {**BERLIN_WEEKDAYS, "timezone": "Europe/Atlantis"},
        "'2026-13-01' is not a date": {**BERLIN_WEEKDAYS, "closed_dates": ["2026-13-01"]},
        "`away_message` must not be empty": {**BERLIN_WEEKDAYS, "away_message": " "},
        "`weekly`": {k: v for k, v in BERLIN_WEEKDAYS.items() if k != "weekly"},
    }
    for says, body in bad.items():
        answer = client.put(f"{API}/settings/hours", json=body, headers=admin)
        assert says in assert_error(answer, 422, "invalid_request")["message"]

    saved = client.put(f"{API}/settings/hours", json=BERLIN_WEEKDAYS, headers=admin)
    assert saved.status_code == 200, saved.text
    assert saved.json()["closed_dates"] == ["2026-12-24", "2026-12-25"]
    assert client.get(f"{API}/settings/hours", headers=admin).json() == saved.json()
    audit = client.get(f"{API}/audit", headers=admin).json()["entries"]
    assert audit[0]["action"] == "settings.hours"

    config = client.get(f"{API}/chat/public/config").json()
    assert config["open_now"] is False
    assert config["next_open"] == "2026-12-01T08:00:00.000Z"

    # Outside hours the AI still has the conversation; asking for a person gets the away
    # message with the next opening on the team's clock, and the conversation waits.
    key = start(client, name="Pat")["session_key"]
    said = client.post(f"{API}/chat/public/message", json={"session_key": key, "content": "hi"})
    assert said.status_code == 201
    handed = client.post(f"{API}/chat/public/handoff", json={"session_key": key})
    assert handed.json()["session"]["status"] == "queued"
    history = client.get(f"{API}/chat/public/session/{key}").json()["messages"]
    notes = [m["content"] for m in history if m["sender_type"] == "system"]
    assert notes == ["We're out of the office. Back tomorrow at 9:00 CET."]
    # An agent may still take it by hand.
    taken = client.post(f"{API}/chat/queue/accept", headers=alice)
    assert taken.status_code == 200 and taken.json()["session"]["status"] == "active"


async def test_a_handoff_outside_hours_waits_and_is_assigned_at_opening(settings: Any) -> None:
    shift = [timedelta(0)]
    clock = lambda: datetime.now(UTC) + shift[0]  # noqa: E731 - moved below, once set up
    async with team(settings, clock=clock) as crew:
        await crew.routing(mode="round_robin")
        alice = await crew.online("alice")
        # Pretend it is 4 seconds before a minute's start, when the team opens for two hours.
        now = datetime.now(UTC)
        shift[0] = (now.replace(second=0, microsecond=0) + timedelta(minutes=2) - now) - (
            timedelta(seconds=4)
        )
        opening = (now + shift[0] + timedelta(seconds=4)).replace(second=0, microsecond=0)
        until = opening + timedelta(hours=2)
        weekly = {day: [] for day in DAYS}
        weekly[DAYS[opening.weekday()]] = [[f"{opening:%H:%M}", f"{until:%H:%M}"]]
        hours = {"timezone": "UTC", "weekly": weekly, "closed_dates": [], "away_message": "Away."}
        saved = await crew.http.put(f"{API}/settings/hours", json=hours, headers=crew.admin)
        assert saved.status_code == 200, saved.text

        started = await crew.visitor("Pat")  # the AI is off: it waits for a person at once
        session_id = started["session"]["id"]
        assert started["session"]["status"] == "queued"
        assert (await crew.session(session_id))["status"] == "queued"
        assigned = await alice.next("chat.session.assigned", timeout=15)
        assert assigned["data"]["session"]["id"] == session_id
        assert await eventually(lambda: crew.holder(session_id)) == "alice"


async def test_the_visitor_leaves_an_address_checked_strictly_and_agents_see_it(
    settings: Any,
) -> None:
    tight = replace(ROOMY, messages_per_minute=3)
    async with running(replace(settings, limits=tight)) as server:
        admin = {"Authorization": f"Bearer {await server.login(ADMIN)}"}
        key = (await server.start())["session_key"]
        post = server.http.post
        for email in (
            "pat@example.com, eve@example.com",
            "Pat <pat@example.com>",
            "pat@example.com\r\nBcc: eve@example.com",
            "pat@example.com\nBcc: eve@example.com",
            '"pat"@example.com',
            "pat(comment)@example.com",
            "pât@example.com",
            "pat@localhost",
            "pat@-example.com",
            "pat@@example.com",
            "p" * 65 + "@example.com",
            "pat@" + "a" * 250 + ".com",
            "",
        ):
            answer = await post(
                f"{API}/chat/public/contact", json={"session_key": key, "email": email}
            )
            assert_error(answer, 422, "invalid_request")
        answer = await post(
            f"{API}/chat/public/contact", json={"session_key": key + "x", "email": "p@example.com"}
        )
        assert_error(answer, 404, "not_found")

        body = {"session_key": key, "email": "pat.jones+help@example.co.uk", "name": "Pat Jones"}
        answer = await post(f"{API}/chat/public/contact", json=body)
        assert answer.status_code == 200, answer.text
        assert "pat.jones" not in answer.text  # the public view carries no email
        session_id = answer.json()["session"]["id"]
        seen = (await server.http.get(f"{API}/chat/sessions/{session_id}", headers=admin)).json()
        assert seen["session"]["customer_email"] == "pat.jones+help@example.co.uk"
        assert seen["session"]["customer_name"] == "Pat Jones"

        # Counted against the visitor's allowance of writes, as their messages are.
        statuses = [
            (await post(f"{API}/chat/public/contact", json=body)).status_code for _ in range(3)
        ]
        assert statuses[-1] == 429 and statuses[0] == 200


pytestmark = pytest.mark.anyio


async def test_a_conversation_reopened_outside_hours_waits_instead_of_going_back(
    settings: Any,
) -> None:
    async with team(settings, clock=lambda: MONDAY_EVENING) as crew:
        await crew.routing(mode="round_robin")
        saved = await crew.http.put(
            f"{API}/settings/hours", json=BERLIN_WEEKDAYS, headers=crew.admin
        )
        assert saved.status_code == 200, saved.text
        await crew.online("alice")
        started = await crew.visitor("Pat")
        session_id = started["session"]["id"]
        taken = await crew.http.post(f"{API}/chat/queue/accept", headers=crew.alice)
        assert taken.json()["session"]["id"] == session_id  # by hand, outside hours
        await crew.close(session_id, "alice")
        await crew.server.say(started["session_key"], "One more thing")
        # Within hours it would go back to Alice, who is Available; now it waits for opening.
        reopened = await crew.session(session_id)
        assert (reopened["status"], reopened["assigned_agent"]) == ("queued", None)
