"""Satisfaction ratings and reports (TEAMS.md, "Satisfaction and reports"), on both backends.

The fixture is driven through the real API at moments the test chooses (Settings.clock), so
every figure of the report can be computed by hand: a simple conversation, a transfer, one the
AI had alone, a reopened one, one across midnight on the team's clock (New York), a day with no
traffic, one still waiting, one the AI still has, and one just before the range."""

from __future__ import annotations

import csv
import io
import statistics
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from chat.config import Settings
from chat.hours import DAYS
from chat.service.reports import Reports
from chat.storage.database import Database, connect
from chat.storage.migrate import migrate
from tests.conftest import ADMIN, assert_error
from tests.sockets import running
from tests.test_routing import API, bearer, team

pytestmark = pytest.mark.anyio

ALWAYS_OPEN_IN_NEW_YORK = {
    "timezone": "America/New_York",
    "weekly": {day: [["00:00", "24:00"]] for day in DAYS},
    "closed_dates": [],
    "away_message": "Away.",
}
RANGE = "since=2026-11-10&until=2026-11-12"


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


class Story:
    """Moves the server's clock, then makes the call: each fact happens when the test says."""

    def __init__(self, crew: Any, clock: list[datetime]) -> None:
        self.crew = crew
        self.http = crew.http
        self.clock = clock

    def when(self, moment: str) -> None:
        self.clock[0] = at(moment)

    async def start(self, moment: str) -> tuple[int, str]:
        self.when(moment)
        started = await self.crew.server.start(name="Pat")
        return started["session"]["id"], started["session_key"]

    async def handoff(self, moment: str, key: str) -> None:
        self.when(moment)
        answer = await self.http.post(f"{API}/chat/public/handoff", json={"session_key": key})
        assert answer.json()["session"]["status"] == "queued", answer.text

    async def take(self, moment: str, sid: int, who: dict[str, str]) -> None:
        self.when(moment)
        answer = await self.http.post(f"{API}/chat/sessions/{sid}/assign", headers=who)
        assert answer.status_code == 200, answer.text

    async def transfer(self, moment: str, sid: int, who: dict[str, str], to: int) -> None:
        self.when(moment)
        answer = await self.http.post(
            f"{API}/chat/sessions/{sid}/transfer", json={"agent_id": to}, headers=who
        )
        assert answer.status_code == 200, answer.text

    async def reply(self, moment: str, sid: int, who: dict[str, str]) -> None:
        self.when(moment)
        body = {"session_id": sid, "content": "Here to help."}
        answer = await self.http.post(f"{API}/chat/messages", json=body, headers=who)
        assert answer.status_code == 201, answer.text

    async def note(self, moment: str, sid: int, who: dict[str, str]) -> None:
        self.when(moment)
        answer = await self.http.post(
            f"{API}/chat/sessions/{sid}/notes", json={"content": "Checking the order."}, headers=who
        )
        assert answer.status_code == 201, answer.text

    async def close(self, moment: str, sid: int, who: dict[str, str], **body: Any) -> None:
        self.when(moment)
        url = f"{API}/chat/sessions/{sid}/close"
        answer = await self.http.post(url, json=body or None, headers=who)
        assert answer.json()["session"]["status"] == "closed", answer.text

    async def write(self, moment: str, key: str) -> None:
        self.when(moment)
        await self.crew.server.say(key, "One more thing")

    async def rate(self, moment: str, key: str, rating: int, comment: str | None = None) -> Any:
        self.when(moment)
        body = {"session_key": key, "rating": rating, "comment": comment}
        return await self.http.post(f"{API}/chat/public/csat", json=body)


def stat(n: int, median: float, p90: float, average: float) -> dict[str, Any]:
    return {"n": n, "median_seconds": median, "p90_seconds": p90, "average_seconds": average}


def csat(responses: int, average: float, satisfied_share: float) -> dict[str, Any]:
    return {"responses": responses, "average": average, "satisfied_share": satisfied_share}


NONE = {"n": 0, "median_seconds": None, "p90_seconds": None, "average_seconds": None}
NO_CSAT = {"responses": 0, "average": None, "satisfied_share": None}


async def test_every_figure_of_the_report_matches_the_hand_computed_answer(
    settings: Settings,
) -> None:
    clock = [at("2026-11-09T12:00:00")]
    async with team(settings, ai_enabled=True, clock=lambda: clock[0]) as crew:
        story = Story(crew, clock)
        alice, bob, admin = crew.alice, crew.bob, crew.admin
        saved = await crew.http.put(
            f"{API}/settings/hours", json=ALWAYS_OPEN_IN_NEW_YORK, headers=admin
        )
        assert saved.status_code == 200, saved.text

        # X: 23:59 on Nov 9 in New York (04:59 UTC on Nov 10): before the range.
        x, x_key = await story.start("2026-11-10T04:59:00")
        await story.handoff("2026-11-10T04:59:30", x_key)

        # A: queued 14:01, Alice takes it 14:02 (wait 60 s), a note (never a response), her
        # reply 14:03:30 (first response 150 s), closed 14:10 (resolution 540 s), rated 5.
        a, a_key = await story.start("2026-11-10T14:00:00")
        await story.handoff("2026-11-10T14:01:00", a_key)
        await story.take("2026-11-10T14:02:00", a, alice)
        await story.note("2026-11-10T14:02:30", a, alice)
        await story.reply("2026-11-10T14:03:30", a, alice)
        await story.close("2026-11-10T14:10:00", a, alice)
        assert (await story.rate("2026-11-10T14:11:00", a_key, 5, "Great")).status_code == 201

        # B: a transfer. Queued 15:00:30, Alice 15:01 (wait 30 s), to Bob 15:02, Bob's reply
        # 15:04:30 (first response 240 s, his), Bob closes 15:20:30 (1200 s), rated 3 (Bob's).
        b, b_key = await story.start("2026-11-10T15:00:00")
        await story.handoff("2026-11-10T15:00:30", b_key)
        await story.take("2026-11-10T15:01:00", b, alice)
        await story.transfer("2026-11-10T15:02:00", b, alice, crew.ids["bob"])
        await story.reply("2026-11-10T15:04:30", b, bob)
        await story.close("2026-11-10T15:20:30", b, bob)
        assert (await story.rate("2026-11-10T15:21:00", b_key, 3, "=1+1 slow")).status_code == 201

        # C: the AI alone; an admin closes it: AI-resolved, and no rating is asked for.
        c, c_key = await story.start("2026-11-10T16:00:00")
        await story.close("2026-11-10T16:05:00", c, admin)
        assert_error(await story.rate("2026-11-10T16:06:00", c_key, 5), 409, "conflict")

        # D: reopened. Queued 17:01, Alice 17:03 (wait 120), reply 17:04 (180), closed without
        # a survey 17:06 (300). The customer writes 17:30: queued again; Bob 17:40 (wait 600),
        # reply 17:45 (900), closes 18:00 (1800) asking for a rating: 4.
        d, d_key = await story.start("2026-11-10T17:00:00")
        await story.handoff("2026-11-10T17:01:00", d_key)
        await story.take("2026-11-10T17:03:00", d, alice)
        await story.reply("2026-11-10T17:04:00", d, alice)
        await story.close("2026-11-10T17:06:00", d, alice, survey=False)
        assert_error(await story.rate("2026-11-10T17:07:00", d_key, 1), 409, "conflict")
        await story.write("2026-11-10T17:30:00", d_key)
        await story.take("2026-11-10T17:40:00", d, bob)
        await story.reply("2026-11-10T17:45:00", d, bob)
        await story.close("2026-11-10T18:00:00", d, bob)
        assert (await story.rate("2026-11-10T18:01:00", d_key, 4)).status_code == 201

        # E: 23:50 on Nov 10 in New York (04:50 UTC on Nov 11), closed after midnight there.
        e, e_key = await story.start("2026-11-11T04:50:00")
        await story.handoff("2026-11-11T04:51:00", e_key)
        await story.take("2026-11-11T04:52:00", e, alice)
        await story.reply("2026-11-11T04:55:00", e, alice)
        await story.close("2026-11-11T05:20:00", e, alice)

        # Nov 11: no traffic. Nov 12: G the AI still has; H waits for a person.
        await story.start("2026-11-12T15:00:00")
        h, h_key = await story.start("2026-11-12T15:10:00")
        await story.handoff("2026-11-12T15:11:00", h_key)

        story.when("2026-11-13T12:00:00")
        answer = await crew.http.get(f"{API}/reports/summary?{RANGE}", headers=admin)
        assert answer.status_code == 200, answer.text
        report = answer.json()

        # Hand-computed. First responses 150, 240, 180, 900, 240; resolutions 540, 1200, 300,
        # 1800, 1740; waits 60, 30, 120, 600, 60; ratings 5, 3, 4.
        assert report["timezone"] == "America/New_York"
        assert (report["since"], report["until"]) == ("2026-11-10", "2026-11-12")
        assert (report["conversations"], report["handed_off"], report["ai_resolved"]) == (7, 5, 1)
        assert (report["handoff_rate"], report["ai_resolved_share"]) == (0.7143, 0.1429)
        assert report["first_response"] == stat(5, 240.0, 636.0, 342.0)
        assert report["resolution"] == stat(5, 1200.0, 1776.0, 1116.0)
        assert report["wait"] == stat(5, 60.0, 408.0, 174.0)
        assert report["csat"] == csat(3, 4.0, 0.6667)
        comments = [(c["session_id"], c["comment"], c["agent"]["name"]) for c in report["comments"]]
        assert comments == [(b, "=1+1 slow", "Bob Agent"), (a, "Great", "Alice Agent")]

        days = {day["date"]: day for day in report["by_day"]}
        assert list(days) == ["2026-11-10", "2026-11-11", "2026-11-12"]
        first = days["2026-11-10"]
        assert (first["conversations"], first["handed_off"], first["ai_resolved"]) == (5, 4, 1)
        assert first["first_response"] == stat(5, 240.0, 636.0, 342.0)
        assert first["csat"] == report["csat"]
        empty = days["2026-11-11"]
        assert (empty["conversations"], empty["handed_off"], empty["ai_resolved"]) == (0, 0, 0)
        assert empty["first_response"] == empty["resolution"] == empty["wait"] == NONE
        assert empty["csat"] == NO_CSAT
        last = days["2026-11-12"]
        assert (last["conversations"], last["handed_off"], last["ai_resolved"]) == (2, 1, 0)
        assert last["wait"] == NONE  # H is still waiting: no wait has ended

        agents = {row["agent"]["name"]: row for row in report["by_agent"]}
        assert sorted(agents) == ["Alice Agent", "Bob Agent"]
        assert (agents["Alice Agent"]["conversations"], agents["Alice Agent"]["closed"]) == (4, 3)
        assert agents["Alice Agent"]["first_response"] == stat(3, 180.0, 228.0, 190.0)
        assert agents["Alice Agent"]["resolution"] == stat(3, 540.0, 1500.0, 860.0)
        assert agents["Alice Agent"]["csat"] == {
            "responses": 1,
            "average": 5.0,
            "satisfied_share": 1.0,
        }
        assert (agents["Bob Agent"]["conversations"], agents["Bob Agent"]["closed"]) == (2, 2)
        assert agents["Bob Agent"]["first_response"] == stat(2, 570.0, 834.0, 570.0)
        assert agents["Bob Agent"]["resolution"] == stat(2, 1500.0, 1740.0, 1500.0)
        assert agents["Bob Agent"]["csat"] == {
            "responses": 2,
            "average": 3.5,
            "satisfied_share": 0.5,
        }

        # One day alone: Nov 11 (the conversation across midnight counts on the day it began).
        quiet = await crew.http.get(
            f"{API}/reports/summary?since=2026-11-11&until=2026-11-11", headers=admin
        )
        assert quiet.json()["conversations"] == 0 and quiet.json()["first_response"] == NONE

        # The CSV: one row per conversation, and the same figures.
        exported = await crew.http.get(f"{API}/reports/export.csv?{RANGE}", headers=admin)
        assert exported.status_code == 200, exported.text
        assert exported.headers["content-type"].startswith("text/csv")
        assert "report-2026-11-10-2026-11-12.csv" in exported.headers["content-disposition"]
        rows = list(csv.DictReader(io.StringIO(exported.text.lstrip("\ufeff"))))
        assert_csv_agrees(rows, report)
        by_id = {int(row["session_id"]): row for row in rows}
        assert x not in by_id and {a, b, c, d, e, h} <= set(by_id)
        assert by_id[e]["date"] == "2026-11-10"
        assert by_id[e]["started_at"] == "2026-11-10T23:50:00-05:00"
        assert by_id[d]["wait_seconds"] == "120;600"
        assert by_id[d]["first_response_agents"] == "Alice Agent;Bob Agent"
        assert by_id[b]["comment"] == "'=1+1 slow"  # a spreadsheet shows it, never runs it
        assert by_id[c]["ai_resolved"] == "1" and by_id[c]["handed_off"] == "0"
        assert by_id[a]["link"].endswith(f"/chat?session={a}")

        # After a restart the same figures: they are stored facts.
    async with running(settings) as server:
        admin = bearer(await server.login(ADMIN))
        again = await server.http.get(f"{API}/reports/summary?{RANGE}", headers=admin)
        assert again.json()["first_response"] == report["first_response"]
        assert again.json()["by_agent"] == report["by_agent"]


def assert_csv_agrees(rows: list[dict[str, str]], report: dict[str, Any]) -> None:
    """Recompute the summary's figures from the CSV's cells."""

    def values(column: str) -> list[float]:
        return [float(v) for row in rows for v in row[column].split(";") if v]

    def figures(samples: list[float]) -> dict[str, Any]:
        if not samples:
            return NONE
        ordered = sorted(samples)
        place = (len(ordered) - 1) * 0.9
        low = int(place)
        high = min(low + 1, len(ordered) - 1)
        p90 = ordered[low] + (ordered[high] - ordered[low]) * (place - low)
        return stat(
            len(ordered),
            round(statistics.median(ordered), 3),
            round(p90, 3),
            round(statistics.fmean(ordered), 3),
        )

    assert len(rows) == report["conversations"]
    assert sum(int(row["handed_off"]) for row in rows) == report["handed_off"]
    assert sum(int(row["ai_resolved"]) for row in rows) == report["ai_resolved"]
    assert figures(values("first_response_seconds")) == report["first_response"]
    assert figures(values("resolution_seconds")) == report["resolution"]
    assert figures(values("wait_seconds")) == report["wait"]
    ratings = [int(row["rating"]) for row in rows if row["rating"]]
    assert len(ratings) == report["csat"]["responses"]
    assert round(statistics.fmean(ratings), 2) == report["csat"]["average"]
    for day in report["by_day"]:
        assert sum(row["date"] == day["date"] for row in rows) == day["conversations"]


async def test_a_rating_is_asked_once_taken_once_and_checked(settings: Settings) -> None:
    async with team(settings) as crew:
        http = crew.http
        started = await crew.visitor("Pat")
        sid, key = started["session"]["id"], started["session_key"]
        other = await crew.visitor("Sam")
        customer = await crew.server.customer_socket(key)
        await customer.next("connection.ready")
        watcher = await crew.online("alice")
        await http.post(f"{API}/chat/sessions/{sid}/assign", headers=crew.alice)
        rate = f"{API}/chat/public/csat"
        # Not closed yet: 409; unknown key: 404.
        assert_error(await http.post(rate, json={"session_key": key, "rating": 5}), 409, "conflict")
        unknown = {"session_key": "x" * 43, "rating": 5}
        assert_error(await http.post(rate, json=unknown), 404, "not_found")
        state = await http.get(f"{API}/chat/public/session/{key}/csat")
        assert state.json() == {"requested": False, "csat": None}

        await http.post(f"{API}/chat/sessions/{sid}/close", headers=crew.alice)
        closed = await customer.next("chat.session.closed")
        asked = await customer.next("chat.csat.requested")
        assert asked["data"] == {"session_id": sid} and asked["event_id"] > closed["event_id"]
        assert (await watcher.next("chat.csat.requested"))["data"]["session_id"] == sid
        assert (await http.get(f"{API}/chat/public/session/{key}/csat")).json()["requested"]

        for bad in (0, 6, 2.5, "4", None, True):
            refused = await http.post(rate, json={"session_key": key, "rating": bad})
            assert_error(refused, 422, "invalid_request")
        long = {"session_key": key, "rating": 4, "comment": "x" * 1001}
        assert_error(await http.post(rate, json=long), 422, "invalid_request")
        # Another visitor's conversation is not closed: their key rates only their own.
        other_key = {"session_key": other["session_key"], "rating": 1}
        assert_error(await http.post(rate, json=other_key), 409, "conflict")

        given = await http.post(rate, json={"session_key": key, "rating": 4, "comment": " Fine "})
        assert given.status_code == 201, given.text
        csat = given.json()["csat"]
        assert (csat["session_id"], csat["rating"], csat["comment"]) == (sid, 4, "Fine")
        assert csat["agent"] == {"id": crew.ids["alice"], "name": "Alice Agent"}
        assert (await customer.next("chat.csat.received"))["data"]["csat"] == csat
        assert (await watcher.next("chat.csat.received"))["data"]["csat"] == csat
        again = await http.post(rate, json={"session_key": key, "rating": 1})
        assert_error(again, 409, "conflict")
        agent_view = await http.get(f"{API}/chat/sessions/{sid}/csat", headers=crew.alice)
        assert agent_view.json() == {"requested": True, "csat": csat}

        # Reopened and closed again: still one rating per conversation, so no second request.
        await crew.server.say(key, "Actually, one more question")
        await http.post(f"{API}/chat/sessions/{sid}/assign", headers=crew.alice)
        await http.post(f"{API}/chat/sessions/{sid}/close", headers=crew.alice)
        await customer.next("chat.session.closed")
        assert not [f for f in await customer.quiet() if f["type"] == "chat.csat.requested"]
        await customer.close()


async def test_reports_are_for_admins_and_refuse_bad_ranges(settings: Settings) -> None:
    async with team(settings) as crew:
        http = crew.http
        summary = f"{API}/reports/summary"
        assert_error(await http.get(summary), 401, "unauthorized")
        assert_error(await http.get(summary, headers=crew.alice), 403, "forbidden")
        csv_url = f"{API}/reports/export.csv"
        assert_error(await http.get(csv_url, headers=crew.alice), 403, "forbidden")
        for query in (
            "since=2026-11-12&until=2026-11-10",
            "since=2026-02-30&until=2026-03-01",
            "since=yesterday",
            "since=2020-01-01&until=2026-01-01",
        ):
            refused = await http.get(f"{summary}?{query}", headers=crew.admin)
            assert_error(refused, 422, "invalid_request")
        # Without dates: the last 7 days up to today, on the team's clock.
        default = (await http.get(summary, headers=crew.admin)).json()
        assert len(default["by_day"]) == 7
        assert default["until"] == datetime.now(UTC).date().isoformat()


async def test_an_agent_reply_straight_from_the_ai_starts_a_cycle_without_a_wait(
    settings: Settings,
) -> None:
    clock = [at("2026-11-10T10:00:00")]
    async with team(settings, ai_enabled=True, clock=lambda: clock[0]) as crew:
        story = Story(crew, clock)
        sid, key = await story.start("2026-11-10T10:00:00")
        await story.reply("2026-11-10T10:02:00", sid, crew.alice)  # takes it from the AI
        await story.close("2026-11-10T10:05:00", sid, crew.alice)
        story.when("2026-11-10T12:00:00")
        url = f"{API}/reports/summary?since=2026-11-10&until=2026-11-10"
        report = (await crew.http.get(url, headers=crew.admin)).json()
        assert (report["handed_off"], report["ai_resolved"]) == (1, 0)
        assert report["wait"] == NONE  # it never waited in the queue
        assert report["first_response"] == stat(1, 0.0, 0.0, 0.0)
        assert report["resolution"] == stat(1, 180.0, 180.0, 180.0)
        assert (await story.rate("2026-11-10T10:06:00", key, 2)).status_code == 201


async def test_conversations_from_before_reports_get_their_figures_from_older_facts(
    tmp_path: Path,
) -> None:
    """A database of the previous version: one queued, assigned, answered and closed
    conversation, and one the AI had alone; migrated, the report counts them."""
    path = tmp_path / "old.db"
    conn = await connect(path, "FULL")
    try:
        assert await migrate(conn, target=12) == 12
        run = conn.execute
        await run(
            "INSERT INTO agents (id, email, name, role, password_hash, created_at)"
            " VALUES (7, 'ann@example.com', 'Ann', 'agent', '-', '2026-01-01T00:00:00.000Z')"
        )
        await run(
            "INSERT INTO chat_sessions (id, key_hash, status, assigned_agent_id, human_replied,"
            " created_at, updated_at, queued_at) VALUES"
            " (1, x'01', 'closed', 7, 1, '2026-11-10T10:00:00.000Z', '2026-11-10T10:30:00.000Z',"
            " '2026-11-10T10:01:00.000Z'),"
            " (2, x'02', 'closed', NULL, 0, '2026-11-10T11:00:00.000Z',"
            " '2026-11-10T11:05:00.000Z', NULL)"
        )
        await run(
            "INSERT INTO queue_waits (session_id, started_at, position, ended_at, outcome,"
            " agent_id) VALUES (1, '2026-11-10T10:01:00.000Z', 1, '2026-11-10T10:02:00.000Z',"
            " 'assigned', 7)"
        )
        await run(
            "INSERT INTO messages (session_id, seq, sender_type, sender_name, agent_id, content,"
            " created_at) VALUES (1, 1, 'customer', 'Pat', NULL, 'Hi', '2026-11-10T10:00:30.000Z'),"
            " (1, 2, 'agent', 'Ann', 7, 'Hello', '2026-11-10T10:03:00.000Z'),"
            " (2, 1, 'customer', 'Sam', NULL, 'Hi', '2026-11-10T11:00:30.000Z')"
        )
        # The closes came after the messages (whose trigger moves updated_at).
        await run("UPDATE chat_sessions SET updated_at = '2026-11-10T10:30:00.000Z' WHERE id = 1")
        await run("UPDATE chat_sessions SET updated_at = '2026-11-10T11:05:00.000Z' WHERE id = 2")
        await conn.commit()
        await migrate(conn)
    finally:
        await conn.close()
    database = Database(path)
    await database.open()
    try:
        moment = at("2026-11-11T12:00:00")
        reports = Reports(database, lambda: "UTC", lambda: moment)
        report = await reports.summary("2026-11-10", "2026-11-10")
    finally:
        await database.close()
    assert (report.conversations, report.handed_off, report.ai_resolved) == (2, 1, 1)
    assert (report.wait.n, report.wait.median_seconds) == (1, 60.0)
    assert (report.first_response.n, report.first_response.median_seconds) == (1, 120.0)
    assert (report.resolution.n, report.resolution.median_seconds) == (1, 1740.0)
    assert [(a.agent.name, a.conversations, a.closed) for a in report.by_agent] == [("Ann", 1, 1)]
