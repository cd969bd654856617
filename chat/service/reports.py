"""Reports (TEAMS.md, "Satisfaction and reports"): the figures of the conversations started in
a range of days on the team's clock, computed from the facts each write stored
(chat/storage/reports.py), so the page, the CSV and a restart all agree.

Which conversations: those started (created) in the range; every figure of such a conversation
counts there, even a later reopening. A cycle is a person's stretch of responsibility: from the
moment the conversation was queued, taken from the AI or reopened, to its close. First response
runs from a cycle's start to its first agent message (AI messages and notes never count);
resolution from a cycle's start to its close (one per close); wait from the start of a cycle
that began in the queue to its first assignment. `handed_off`: a person had it at least once;
`ai_resolved`: closed without a person ever having it. Satisfied: a rating of 4 or 5."""

from __future__ import annotations

import csv
import io
import math
from bisect import bisect_right
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from chat.errors import Invalid
from chat.models import iso_time, parse_time
from chat.storage import reports
from chat.storage.database import Database
from chat.storage.reports import Cycle, Rating, Started
from chat.wire import (
    AgentFigures,
    AgentRef,
    CommentView,
    CsatFigures,
    DayFigures,
    ReportSummary,
    Stat,
)

MOST_DAYS = 731  # a report covers at most two years
DEFAULT_DAYS = 7
COMMENTS = 50  # the newest comments a summary lists (the CSV has them all)
SATISFIED = 4  # a rating this high or higher is "satisfied"


def quantile(ordered: list[float], q: float) -> float:
    """The q-quantile of sorted values, interpolated between the nearest ranks."""
    place = (len(ordered) - 1) * q
    low = math.floor(place)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (place - low)


def stat(values: list[float]) -> Stat:
    if not values:
        return Stat(0, None, None, None)
    ordered = sorted(values)
    return Stat(
        len(ordered),
        round(quantile(ordered, 0.5), 3),
        round(quantile(ordered, 0.9), 3),
        round(sum(ordered) / len(ordered), 3),
    )


def csat_figures(ratings: list[int]) -> CsatFigures:
    if not ratings:
        return CsatFigures(0, None, None)
    satisfied = sum(r >= SATISFIED for r in ratings)
    return CsatFigures(
        len(ratings), round(sum(ratings) / len(ratings), 2), round(satisfied / len(ratings), 4)
    )


def _seconds(start: str, end: str) -> float:
    return round((parse_time(end) - parse_time(start)).total_seconds(), 3)


@dataclass(slots=True)
class Conversation:
    """One conversation's figures, as a row of the CSV and a part of the summary."""

    id: int
    created_at: str
    day: date
    status: str
    cycles: list[Cycle] = field(default_factory=list)
    holders: list[int] = field(default_factory=list)
    rating: Rating | None = None

    @property
    def handed_off(self) -> bool:
        return bool(self.cycles)

    @property
    def ai_resolved(self) -> bool:
        return self.status == "closed" and not self.cycles

    def waits(self) -> list[float]:
        return [
            _seconds(c.started_at, c.assigned_at)
            for c in self.cycles
            if c.queued and c.assigned_at is not None
        ]

    def first_responses(self) -> list[tuple[float, int | None]]:
        return [
            (_seconds(c.started_at, c.first_reply_at), c.first_reply_agent_id)
            for c in self.cycles
            if c.first_reply_at is not None
        ]

    def resolutions(self) -> list[tuple[float, int | None]]:
        return [
            (_seconds(c.started_at, c.closed_at), c.closed_agent_id)
            for c in self.cycles
            if c.closed_at is not None
        ]


@dataclass(frozen=True, slots=True)
class Range:
    since: date
    until: date
    zone: ZoneInfo

    @property
    def days(self) -> list[date]:
        return [self.since + timedelta(days=i) for i in range((self.until - self.since).days + 1)]

    def bounds(self) -> list[str]:
        """The UTC times at which each day of the range starts on the team's clock, and the
        end of the last day."""
        return [
            iso_time(datetime.combine(self.since + timedelta(days=i), time(0), self.zone))
            for i in range(len(self.days) + 1)
        ]


class Reports:
    def __init__(self, db: Database, timezone: Callable[[], str], today: Callable[[], datetime]):
        self.db = db
        self._timezone = timezone  # the business hours' timezone, as it is now
        self._now = today

    def range(self, since: str | None, until: str | None) -> Range:
        """The days asked for (422 for a day that does not exist, since after until, or more
        than MOST_DAYS days); without them, the last DEFAULT_DAYS days up to today."""
        zone = ZoneInfo(self._timezone())
        today = self._now().astimezone(zone).date()
        first = _day("since", since) if since else None
        last = _day("until", until) if until else None
        last = last or (first + timedelta(days=DEFAULT_DAYS - 1) if first else today)
        first = first or last - timedelta(days=DEFAULT_DAYS - 1)
        if first > last:
            raise Invalid("`since` is after `until`.")
        if (last - first).days + 1 > MOST_DAYS:
            raise Invalid(f"A report covers at most {MOST_DAYS} days.")
        return Range(first, last, zone)

    async def conversations(self, span: Range) -> tuple[list[Conversation], dict[int, str]]:
        bounds = span.bounds()
        start, end = bounds[0], bounds[-1]

        def read(conn: object) -> tuple[list[Started], list[Cycle], list, list[Rating], dict]:
            return (
                reports.started_between(conn, start, end),  # type: ignore[arg-type]
                reports.cycles_between(conn, start, end),  # type: ignore[arg-type]
                reports.holders_between(conn, start, end),  # type: ignore[arg-type]
                reports.ratings_between(conn, start, end),  # type: ignore[arg-type]
                reports.agent_names(conn),  # type: ignore[arg-type]
            )

        started, cycles, holders, ratings, names = await self.db.read(read, snapshot=True)
        days = span.days
        found: dict[int, Conversation] = {}
        for row in started:
            day = days[bisect_right(bounds, row.created_at) - 1]
            found[row.id] = Conversation(row.id, row.created_at, day, row.status)
        for cycle in cycles:
            found[cycle.session_id].cycles.append(cycle)
        for session_id, agent_id in holders:
            found[session_id].holders.append(agent_id)
        for rating in ratings:
            found[rating.session_id].rating = rating
        return list(found.values()), names

    async def summary(self, since: str | None, until: str | None) -> ReportSummary:
        span = self.range(since, until)
        rows, names = await self.conversations(span)
        return summarise(span, rows, names)

    async def export(self, since: str | None, until: str | None, link: str) -> str:
        """The CSV: one row per conversation; `link` + id opens it on the agent page."""
        span = self.range(since, until)
        rows, names = await self.conversations(span)
        return to_csv(span, rows, names, link)


def _day(name: str, text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise Invalid(f"`{name}` is not a date (YYYY-MM-DD).") from None


def _ref(names: dict[int, str], agent_id: int) -> AgentRef:
    return AgentRef(agent_id, names.get(agent_id, f"Agent {agent_id}"))


@dataclass(slots=True)
class _Tally:
    conversations: int = 0
    handed_off: int = 0
    ai_resolved: int = 0
    first_response: list[float] = field(default_factory=list)
    resolution: list[float] = field(default_factory=list)
    wait: list[float] = field(default_factory=list)
    ratings: list[int] = field(default_factory=list)

    def add(self, row: Conversation) -> None:
        self.conversations += 1
        self.handed_off += row.handed_off
        self.ai_resolved += row.ai_resolved
        self.first_response.extend(s for s, _ in row.first_responses())
        self.resolution.extend(s for s, _ in row.resolutions())
        self.wait.extend(row.waits())
        if row.rating is not None:
            self.ratings.append(row.rating.rating)


@dataclass(slots=True)
class _AgentTally:
    conversations: int = 0
    closed: int = 0
    first_response: list[float] = field(default_factory=list)
    resolution: list[float] = field(default_factory=list)
    ratings: list[int] = field(default_factory=list)


def summarise(span: Range, rows: list[Conversation], names: dict[int, str]) -> ReportSummary:
    total = _Tally()
    per_day: dict[date, _Tally] = {day: _Tally() for day in span.days}
    per_agent: dict[int, _AgentTally] = defaultdict(_AgentTally)
    comments: list[Rating] = []
    for row in rows:
        total.add(row)
        per_day[row.day].add(row)
        for agent_id in set(row.holders):
            per_agent[agent_id].conversations += 1
        for seconds, agent_id in row.first_responses():
            if agent_id is not None:
                per_agent[agent_id].first_response.append(seconds)
        for seconds, agent_id in row.resolutions():
            if agent_id is not None:
                per_agent[agent_id].closed += 1
                per_agent[agent_id].resolution.append(seconds)
        if row.rating is not None:
            if row.rating.agent_id is not None:
                per_agent[row.rating.agent_id].ratings.append(row.rating.rating)
            if row.rating.comment:
                comments.append(row.rating)
    comments.sort(key=lambda r: (r.created_at, r.session_id), reverse=True)
    count = total.conversations
    return ReportSummary(
        since=span.since.isoformat(),
        until=span.until.isoformat(),
        timezone=span.zone.key,
        conversations=count,
        handed_off=total.handed_off,
        ai_resolved=total.ai_resolved,
        handoff_rate=round(total.handed_off / count, 4) if count else None,
        ai_resolved_share=round(total.ai_resolved / count, 4) if count else None,
        first_response=stat(total.first_response),
        resolution=stat(total.resolution),
        wait=stat(total.wait),
        csat=csat_figures(total.ratings),
        comments=[
            CommentView(
                r.session_id,
                r.rating,
                r.comment or "",
                None if r.agent_id is None else _ref(names, r.agent_id),
                r.created_at,
            )
            for r in comments[:COMMENTS]
        ],
        by_day=[
            DayFigures(
                day.isoformat(),
                t.conversations,
                t.handed_off,
                t.ai_resolved,
                stat(t.first_response),
                stat(t.resolution),
                stat(t.wait),
                csat_figures(t.ratings),
            )
            for day, t in per_day.items()
        ],
        by_agent=sorted(
            (
                AgentFigures(
                    _ref(names, agent_id),
                    t.conversations,
                    t.closed,
                    stat(t.first_response),
                    stat(t.resolution),
                    csat_figures(t.ratings),
                )
                for agent_id, t in per_agent.items()
            ),
            key=lambda a: (a.agent.name.casefold(), a.agent.id),
        ),
    )


CSV_COLUMNS = (
    "session_id",
    "date",
    "started_at",
    "status",
    "handed_off",
    "ai_resolved",
    "agents",
    "wait_seconds",
    "first_response_seconds",
    "first_response_agents",
    "resolution_seconds",
    "closed_by",
    "rating",
    "comment",
    "rated_agent",
    "link",
)
SEPARATOR = ";"  # between a conversation's figures of several cycles (a reopened conversation)


def _number(value: float) -> str:
    return f"{value:.3f}".rstrip("0").rstrip(".")


def _cell(text: str) -> str:
    """Text a spreadsheet must show, never evaluate: a leading = + - @ (or tab, CR) makes a
    formula of a cell in Excel and LibreOffice, so such text is led by an apostrophe."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def to_csv(span: Range, rows: list[Conversation], names: dict[int, str], link: str) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    zone = span.zone

    def who(agent_id: int | None) -> str:
        return "" if agent_id is None else _cell(names.get(agent_id, f"Agent {agent_id}"))

    for row in rows:
        firsts = row.first_responses()
        closes = row.resolutions()
        rating = row.rating
        local = parse_time(row.created_at).astimezone(zone)
        writer.writerow(
            (
                row.id,
                row.day.isoformat(),
                local.isoformat(timespec="seconds"),
                row.status,
                int(row.handed_off),
                int(row.ai_resolved),
                SEPARATOR.join(who(a) for a in sorted(set(row.holders))),
                SEPARATOR.join(_number(s) for s in row.waits()),
                SEPARATOR.join(_number(s) for s, _ in firsts),
                SEPARATOR.join(who(a) for _, a in firsts),
                SEPARATOR.join(_number(s) for s, _ in closes),
                SEPARATOR.join(who(a) for _, a in closes),
                "" if rating is None else rating.rating,
                "" if rating is None or not rating.comment else _cell(rating.comment),
                "" if rating is None else who(rating.agent_id),
                f"{link}{row.id}",
            )
        )
    return out.getvalue()
