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
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from chat.errors import Invalid
from chat.models import iso_time, parse_time
from chat.storage import reports
from chat.storage.database import Database
from chat.storage.reports import Figures, Rated, Started
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


def quantile(ordered: Sequence[float], q: float) -> float:
    """The q-quantile of sorted values, interpolated between the nearest ranks."""
    place = (len(ordered) - 1) * q
    low = math.floor(place)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (place - low)


def csat_figures(ratings: list[int]) -> CsatFigures:
    if not ratings:
        return CsatFigures(0, None, None)
    satisfied = sum(r >= SATISFIED for r in ratings)
    return CsatFigures(
        len(ratings), round(sum(ratings) / len(ratings), 2), round(satisfied / len(ratings), 4)
    )


@dataclass(slots=True)
class Conversation:
    """One conversation's figures (milliseconds), as a row of the CSV and a part of the summary.
    Each list holds one entry per cycle that got that far: (ms, agent id) where an agent is
    credited."""

    id: int
    created_at: str
    day: date
    status: str
    cycles: int = 0
    waits: list[int] = field(default_factory=list)
    firsts: list[tuple[int, int | None]] = field(default_factory=list)
    closes: list[tuple[int, int | None]] = field(default_factory=list)
    rating: int | None = None
    rating_agent: int | None = None
    comment: str | None = None
    rated_at: str | None = None
    holders: list[int] = field(default_factory=list)

    @property
    def handed_off(self) -> bool:
        return self.cycles > 0

    @property
    def ai_resolved(self) -> bool:
        return self.status == "closed" and not self.cycles


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

    async def _facts(self, span: Range) -> _Facts:
        """What the CSV reads (the summary reads counts instead: summary())."""
        bounds = span.bounds()
        start, end = bounds[0], bounds[-1]

        def read(conn: Any) -> _Facts:
            return _Facts(
                reports.started_between(conn, start, end),
                reports.figures_between(conn, start, end),
                reports.rated_between(conn, start, end),
                reports.holders_between(conn, start, end),
                reports.agent_names(conn),
            )

        return await self.db.read(read, snapshot=True)

    async def summary(self, since: str | None, until: str | None) -> ReportSummary:
        span = self.range(since, until)
        bounds = span.bounds()
        start, end = bounds[0], bounds[-1]

        def read(conn: Any) -> _Counted:
            return _Counted(
                reports.count_days(conn, bounds),
                reports.count_handed_off(conn, bounds),
                reports.day_figures(conn, bounds),
                reports.rated_between(conn, start, end),
                reports.holder_counts_between(conn, start, end),
                reports.agent_names(conn),
            )

        return summarise(span, await self.db.read(read, snapshot=True))

    async def export(self, since: str | None, until: str | None, link: str) -> tuple[str, str]:
        """The CSV (its file name, its text): one row per conversation; `link` + id opens it
        on the agent page."""
        span = self.range(since, until)
        facts = await self._facts(span)
        name = f"report-{span.since.isoformat()}-{span.until.isoformat()}.csv"
        return name, to_csv(span, conversations(span, facts), facts.names, link)


@dataclass(frozen=True, slots=True)
class _Counted:
    """What a summary reads, in one snapshot: counts per day and every cycle's figures."""

    days: list[tuple[int, int, int]]  # (day, conversations, ai_resolved)
    handed_off: list[tuple[int, int]]  # (day, conversations a person had)
    figures: list[tuple[int, ...]]  # (day, wait, first, first agent, closed, closing agent)
    rated: list[Rated]
    held: dict[int, int]  # agent id: how many of the conversations they held
    names: dict[int, str]


@dataclass(frozen=True, slots=True)
class _Facts:
    """What the CSV reads, in one snapshot."""

    started: list[Started]
    figures: list[Figures]
    rated: list[Rated]
    holders: list[tuple[int, int]]  # (conversation, agent)
    names: dict[int, str]


def conversations(span: Range, facts: _Facts) -> list[Conversation]:
    """One object per conversation (the CSV's rows)."""
    bounds, days = span.bounds(), span.days
    found = {
        row.id: Conversation(
            row.id, row.created_at, days[bisect_right(bounds, row.created_at) - 1], row.status
        )
        for row in facts.started
    }
    for cycle in facts.figures:
        row = found[cycle.session_id]
        row.cycles += 1
        if cycle.wait_ms is not None:
            row.waits.append(cycle.wait_ms)
        if cycle.first_ms is not None:
            row.firsts.append((cycle.first_ms, cycle.first_agent))
        if cycle.closed_ms is not None:
            row.closes.append((cycle.closed_ms, cycle.closed_agent))
    for rated in facts.rated:
        row = found[rated.session_id]
        row.rating, row.rating_agent = rated.rating, rated.agent_id
        row.comment, row.rated_at = rated.comment, rated.created_at
    for session_id, agent_id in facts.holders:
        found[session_id].holders.append(agent_id)
    return list(found.values())


def _day(name: str, text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise Invalid(f"`{name}` is not a date (YYYY-MM-DD).") from None


def _ref(names: dict[int, str], agent_id: int) -> AgentRef:
    return AgentRef(agent_id, names.get(agent_id, f"Agent {agent_id}"))


def stat_ms(values: list[int]) -> Stat:
    """Count, median, p90 and average of durations in milliseconds, answered in seconds."""
    if not values:
        return Stat(0, None, None, None)
    values.sort()
    return Stat(
        len(values),
        round(quantile(values, 0.5) / 1000, 3),
        round(quantile(values, 0.9) / 1000, 3),
        round(sum(values) / len(values) / 1000, 3),
    )


@dataclass(slots=True)
class _Tally:
    conversations: int = 0
    handed_off: int = 0
    ai_resolved: int = 0
    first_response: list[int] = field(default_factory=list)
    resolution: list[int] = field(default_factory=list)
    wait: list[int] = field(default_factory=list)
    ratings: list[int] = field(default_factory=list)
    closed: int = 0  # an agent's: the closes they held the conversation at


def summarise(span: Range, counted: _Counted) -> ReportSummary:
    """The summary from counts the database made per day and one pass over the cycles' whole
    numbers (a year is ~180,000 conversations and ~150,000 cycles)."""
    bounds, days = span.bounds(), span.days
    total = _Tally()
    per_day = [_Tally() for _ in days]
    per_agent: dict[int, _Tally] = defaultdict(_Tally)
    held, names = counted.held, counted.names
    for agent_id in held:
        per_agent[agent_id]  # noqa: B018 - an agent who held one is listed, even with no figure
    for i, started, ai_resolved in counted.days:
        per_day[i].conversations = started
        per_day[i].ai_resolved = ai_resolved
        total.conversations += started
        total.ai_resolved += ai_resolved
    for i, handed_off in counted.handed_off:
        per_day[i].handed_off = handed_off
        total.handed_off += handed_off
    for i, wait_ms, first_ms, first_agent, closed_ms, closed_agent in counted.figures:
        day = per_day[i]
        if wait_ms is not None:
            total.wait.append(wait_ms)
            day.wait.append(wait_ms)
        if first_ms is not None:
            total.first_response.append(first_ms)
            day.first_response.append(first_ms)
            if first_agent is not None:
                per_agent[first_agent].first_response.append(first_ms)
        if closed_ms is not None:
            total.resolution.append(closed_ms)
            day.resolution.append(closed_ms)
            if closed_agent is not None:
                agent = per_agent[closed_agent]
                agent.closed += 1
                agent.resolution.append(closed_ms)
    comments: list[Rated] = []
    for rated in counted.rated:
        day = per_day[bisect_right(bounds, rated.session_created_at) - 1]
        total.ratings.append(rated.rating)
        day.ratings.append(rated.rating)
        if rated.agent_id is not None:
            per_agent[rated.agent_id].ratings.append(rated.rating)
        if rated.comment:
            comments.append(rated)
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
        first_response=stat_ms(total.first_response),
        resolution=stat_ms(total.resolution),
        wait=stat_ms(total.wait),
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
                when.isoformat(),
                t.conversations,
                t.handed_off,
                t.ai_resolved,
                stat_ms(t.first_response),
                stat_ms(t.resolution),
                stat_ms(t.wait),
                csat_figures(t.ratings),
            )
            for when, t in zip(days, per_day, strict=True)
        ],
        by_agent=sorted(
            (
                AgentFigures(
                    _ref(names, agent_id),
                    held.get(agent_id, 0),
                    t.closed,
                    stat_ms(t.first_response),
                    stat_ms(t.resolution),
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


def _seconds(ms: int) -> str:
    whole, part = divmod(ms, 1000)
    return f"{whole}.{part:03d}".rstrip("0").rstrip(".") if part else str(whole)


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
        local = parse_time(row.created_at).astimezone(zone)
        writer.writerow(
            (
                row.id,
                row.day.isoformat(),
                local.isoformat(timespec="seconds"),
                row.status,
                int(row.handed_off),
                int(row.ai_resolved),
                SEPARATOR.join(who(a) for a in row.holders),
                SEPARATOR.join(_seconds(ms) for ms in row.waits),
                SEPARATOR.join(_seconds(ms) for ms, _ in row.firsts),
                SEPARATOR.join(who(a) for _, a in row.firsts),
                SEPARATOR.join(_seconds(ms) for ms, _ in row.closes),
                SEPARATOR.join(who(a) for _, a in row.closes),
                "" if row.rating is None else row.rating,
                _cell(row.comment) if row.comment else "",
                "" if row.rating is None else who(row.rating_agent),
                f"{link}{row.id}",
            )
        )
    return out.getvalue()
