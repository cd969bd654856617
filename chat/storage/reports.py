"""Queries for satisfaction and reports: the cycles of a person's responsibility for a
conversation (queued or taken, assigned, first agent reply, closed), who held it, its rating,
and the rows a report over a range of start times is computed from."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from typing import NamedTuple

from chat.storage.dialect import dialect


@dataclass(frozen=True, slots=True)
class Cycle:
    session_id: int
    started_at: str
    queued: bool
    reopened: bool
    assigned_at: str | None
    first_reply_at: str | None
    first_reply_agent_id: int | None
    closed_at: str | None
    closed_agent_id: int | None
    survey: bool

    @classmethod
    def from_row(cls, row: sqlite3.Row) -> Cycle:
        return cls(
            row["session_id"],
            row["started_at"],
            bool(row["queued"]),
            bool(row["reopened"]),
            row["assigned_at"],
            row["first_reply_at"],
            row["first_reply_agent_id"],
            row["closed_at"],
            row["closed_agent_id"],
            bool(row["survey"]),
        )


@dataclass(frozen=True, slots=True)
class Rating:
    session_id: int
    rating: int
    comment: str | None
    agent_id: int | None
    created_at: str

    @classmethod
    def from_row(cls, row: sqlite3.Row) -> Rating:
        return cls(
            row["session_id"], row["rating"], row["comment"], row["agent_id"], row["created_at"]
        )


CYCLE_COLUMNS = (
    "c.session_id, c.started_at, c.queued, c.reopened, c.assigned_at, c.first_reply_at,"
    " c.first_reply_agent_id, c.closed_at, c.closed_agent_id, c.survey"
)
IN_RANGE = "s.created_at >= ? AND s.created_at < ?"


def _ms(conn: sqlite3.Connection, end: str, start: str) -> str:
    """SQL for the whole milliseconds from one stored time to another (NULL if either is)."""
    if dialect(conn) == "postgresql":
        return (
            f"CAST(round(EXTRACT(EPOCH FROM (CAST({end} AS timestamptz)"
            f" - CAST({start} AS timestamptz))) * 1000) AS BIGINT)"
        )
    # julianday() is a double of days: about 0.05 ms of error at today's dates, so rounding
    # to whole milliseconds gives the exact difference of two millisecond times.
    return f"CAST(round((julianday({end}) - julianday({start})) * 86400000.0) AS INTEGER)"


def open_cycle(
    db: sqlite3.Connection, session_id: int, now: str, *, queued: bool, reopened: bool
) -> None:
    """Begin a cycle unless one is open (a conversation given back to the queue goes on in the
    cycle it was in)."""
    db.execute(
        "INSERT INTO report_cycles (session_id, started_at, queued, reopened, session_created_at)"
        " SELECT s.id, ?, ?, ?, s.created_at FROM chat_sessions AS s WHERE s.id = ?"
        " AND NOT EXISTS"
        " (SELECT 1 FROM report_cycles WHERE session_id = s.id AND closed_at IS NULL)",
        (now, int(queued), int(reopened), session_id),
    )


def mark_assigned(db: sqlite3.Connection, session_id: int, now: str, agent_id: int) -> None:
    """The open cycle's first assignment (later ones, transfers included, change nothing); a
    cycle that began in the queue has waited until now."""
    db.execute(
        "UPDATE report_cycles SET assigned_at = ?, assigned_agent_id = ?,"
        f" wait_ms = CASE WHEN queued = 1 THEN {_ms(db, '?', 'started_at')} END"
        " WHERE session_id = ? AND closed_at IS NULL AND assigned_at IS NULL",
        (now, agent_id, now, session_id),
    )


def add_holder(db: sqlite3.Connection, session_id: int, agent_id: int) -> None:
    db.execute(
        "INSERT INTO report_holders (session_id, agent_id) VALUES (?, ?) ON CONFLICT DO NOTHING",
        (session_id, agent_id),
    )


def mark_replied(db: sqlite3.Connection, session_id: int, now: str, agent_id: int) -> None:
    """An agent wrote: the open cycle's first response, unless it has one."""
    db.execute(
        "UPDATE report_cycles SET first_reply_at = ?, first_reply_agent_id = ?,"
        f" first_ms = {_ms(db, '?', 'started_at')}"
        " WHERE session_id = ? AND closed_at IS NULL AND first_reply_at IS NULL",
        (now, agent_id, now, session_id),
    )


def close_cycle(
    db: sqlite3.Connection, session_id: int, now: str, agent_id: int | None, survey: bool
) -> bool:
    """End the open cycle (the holder, whether a rating is asked for); False when none was open
    (the AI alone had the conversation)."""
    rows = db.execute(
        "UPDATE report_cycles SET closed_at = ?, closed_agent_id = ?, survey = ?,"
        f" closed_ms = {_ms(db, '?', 'started_at')}"
        " WHERE session_id = ? AND closed_at IS NULL RETURNING id",
        (now, agent_id, int(survey), now, session_id),
    ).fetchall()
    return bool(rows)


def latest_cycle(db: sqlite3.Connection, session_id: int) -> Cycle | None:
    rows = db.execute(
        f"SELECT {CYCLE_COLUMNS} FROM report_cycles AS c WHERE c.session_id = ?"
        " ORDER BY c.id DESC LIMIT 1",
        (session_id,),
    ).fetchall()
    return Cycle.from_row(rows[0]) if rows else None


def get_rating(db: sqlite3.Connection, session_id: int) -> Rating | None:
    rows = db.execute(
        "SELECT session_id, rating, comment, agent_id, created_at FROM csat_ratings"
        " WHERE session_id = ?",
        (session_id,),
    ).fetchall()
    return Rating.from_row(rows[0]) if rows else None


def insert_rating(
    db: sqlite3.Connection,
    session_id: int,
    rating: int,
    comment: str | None,
    agent_id: int | None,
    now: str,
) -> bool:
    """Store the conversation's one rating; False when it has one already."""
    rows = db.execute(
        "INSERT INTO csat_ratings (session_id, rating, comment, agent_id, created_at)"
        " VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING RETURNING session_id",
        (session_id, rating, comment, agent_id, now),
    ).fetchall()
    return bool(rows)


def ask_by_email(db: sqlite3.Connection, session_id: int, now: str) -> None:
    """The visitor left an address: the rating is emailed too, unless they give it first."""
    db.execute(
        "INSERT INTO csat_emails (session_id, asked_at, next_attempt_at) VALUES (?, ?, ?)"
        " ON CONFLICT DO NOTHING",
        (session_id, now, now),
    )


@dataclass(frozen=True, slots=True)
class RatingEmail:
    """A rating to ask for by email (csat_emails): due once asked_at is email_delay old."""

    session_id: int
    asked_at: str
    attempts: int
    next_attempt_at: str

    @classmethod
    def from_row(cls, row: sqlite3.Row) -> RatingEmail:
        return cls(row["session_id"], row["asked_at"], row["attempts"], row["next_attempt_at"])


def due_rating_emails(
    db: sqlite3.Connection, now: str, asked_before: str, limit: int
) -> list[RatingEmail]:
    """Rating emails neither sent nor given up, asked for by `asked_before` and not leased
    nor backing off at `now`."""
    rows = db.execute(
        "SELECT session_id, asked_at, attempts, next_attempt_at FROM csat_emails"
        " WHERE sent_at IS NULL AND failed_at IS NULL AND next_attempt_at <= ?"
        " AND asked_at <= ? ORDER BY next_attempt_at LIMIT ?",
        (now, asked_before, limit),
    ).fetchall()
    return [RatingEmail.from_row(row) for row in rows]


def lease_rating_email(db: sqlite3.Connection, session_id: int, seen: str, until: str) -> bool:
    """Take the rating email until `until`, if its next_attempt_at is still the one this node
    read (`seen`): of several nodes, only the one whose update hit the row sends it."""
    cursor = db.execute(
        "UPDATE csat_emails SET next_attempt_at = ?"
        " WHERE session_id = ? AND next_attempt_at = ? AND sent_at IS NULL AND failed_at IS NULL",
        (until, session_id, seen),
    )
    return cursor.rowcount == 1


def mark_rating_emailed(db: sqlite3.Connection, session_id: int, now: str) -> None:
    db.execute(
        "UPDATE csat_emails SET sent_at = ?, last_error = NULL WHERE session_id = ?",
        (now, session_id),
    )


def mark_rating_email_failed(
    db: sqlite3.Connection,
    session_id: int,
    error: str,
    next_attempt_at: str,
    failed_at: str | None,
) -> None:
    """Count a failed attempt: retried at `next_attempt_at`, or given up (`failed_at`)."""
    db.execute(
        "UPDATE csat_emails SET attempts = attempts + 1, last_error = ?, next_attempt_at = ?,"
        " failed_at = ? WHERE session_id = ?",
        (error[:500], next_attempt_at, failed_at, session_id),
    )


def delete_rating_email(db: sqlite3.Connection, session_id: int) -> None:
    """Nothing to ask any more (rated meanwhile, or reopened): a later close asks anew."""
    db.execute("DELETE FROM csat_emails WHERE session_id = ?", (session_id,))


# -- a report's rows: the conversations started in [start, end) and their facts -------------


class Started(NamedTuple):
    id: int
    created_at: str
    status: str


class Figures(NamedTuple):
    """A cycle as a report reads it: milliseconds, None where it has not got that far."""

    session_id: int
    session_created_at: str
    wait_ms: int | None  # only for a cycle that began in the queue
    first_ms: int | None
    first_agent: int | None
    closed_ms: int | None
    closed_agent: int | None


class Rated(NamedTuple):
    session_id: int
    session_created_at: str
    rating: int
    agent_id: int | None
    comment: str | None
    created_at: str


def started_between(db: sqlite3.Connection, start: str, end: str) -> list[Started]:
    """The conversations started in [start, end): from the index chat_sessions_created."""
    rows = db.execute(
        f"SELECT s.id, s.created_at, s.status FROM chat_sessions AS s WHERE {IN_RANGE}"
        " ORDER BY s.created_at",
        (start, end),
    ).fetchall()
    return [Started._make(row) for row in rows]


def figures_between(db: sqlite3.Connection, start: str, end: str) -> list[Figures]:
    """The cycles of those conversations, with their figures kept ready by each write."""
    rows = db.execute(
        "SELECT session_id, session_created_at, wait_ms, first_ms, first_reply_agent_id,"
        " closed_ms, closed_agent_id FROM report_cycles"
        " WHERE session_created_at >= ? AND session_created_at < ?"
        " ORDER BY session_created_at, session_id, id",
        (start, end),
    ).fetchall()
    return [Figures._make(row) for row in rows]


def rated_between(db: sqlite3.Connection, start: str, end: str) -> list[Rated]:
    rows = db.execute(
        "SELECT r.session_id, s.created_at, r.rating, r.agent_id, r.comment, r.created_at"
        f" FROM csat_ratings AS r JOIN chat_sessions AS s ON s.id = r.session_id"
        f" WHERE {IN_RANGE}",
        (start, end),
    ).fetchall()
    return [Rated._make(row) for row in rows]


# -- a summary's rows: counted and grouped by day in the database -------------------------


def _days(bounds: list[str]) -> tuple[str, list[object]]:
    """A `days (i, lo, hi)` table of the range's days: day i runs from lo up to hi (UTC). It is
    joined as `days CROSS JOIN table`, which makes SQLite loop over the days and range-scan the
    index for each (after ANALYZE it would otherwise scan the table once per day)."""
    values = ", ".join("(?, ?, ?)" for _ in bounds[1:])
    params: list[object] = []
    for i in range(len(bounds) - 1):
        params += (i, bounds[i], bounds[i + 1])
    return f"WITH days (i, lo, hi) AS (VALUES {values}) ", params


def count_days(db: sqlite3.Connection, bounds: list[str]) -> list[tuple[int, int, int]]:
    """Per day: (i, conversations started, those closed without a person ever having them)."""
    days, params = _days(bounds)
    rows = db.execute(
        days + "SELECT d.i, count(*), sum(CASE WHEN s.status = 'closed' AND NOT EXISTS"
        " (SELECT 1 FROM report_cycles AS c WHERE c.session_id = s.id) THEN 1 ELSE 0 END)"
        " FROM days AS d CROSS JOIN chat_sessions AS s"
        " WHERE s.created_at >= d.lo AND s.created_at < d.hi"
        # The whole range again, as constants: PostgreSQL's planner then reads the index.
        f" AND {IN_RANGE} GROUP BY d.i",
        [*params, bounds[0], bounds[-1]],
    ).fetchall()
    return [(int(r[0]), int(r[1]), int(r[2])) for r in rows]


def count_handed_off(db: sqlite3.Connection, bounds: list[str]) -> list[tuple[int, int]]:
    """Per day: (i, conversations a person had at least once)."""
    days, params = _days(bounds)
    rows = db.execute(
        days + "SELECT d.i, count(DISTINCT c.session_id) FROM days AS d"
        " CROSS JOIN report_cycles AS c"
        " WHERE c.session_created_at >= d.lo AND c.session_created_at < d.hi"
        " AND c.session_created_at >= ? AND c.session_created_at < ? GROUP BY d.i",
        [*params, bounds[0], bounds[-1]],
    ).fetchall()
    return [(int(r[0]), int(r[1])) for r in rows]


def day_figures(db: sqlite3.Connection, bounds: list[str]) -> list[tuple[int, ...]]:
    """Every cycle as (day i, wait_ms, first_ms, first agent, closed_ms, closing agent): whole
    numbers only, from the covering index, so a year of them is read quickly."""
    days, params = _days(bounds)
    return db.execute(
        days + "SELECT d.i, c.wait_ms, c.first_ms, c.first_reply_agent_id, c.closed_ms,"
        " c.closed_agent_id FROM days AS d CROSS JOIN report_cycles AS c"
        " WHERE c.session_created_at >= d.lo AND c.session_created_at < d.hi"
        " AND c.session_created_at >= ? AND c.session_created_at < ?",
        [*params, bounds[0], bounds[-1]],
    ).fetchall()


def holder_counts_between(db: sqlite3.Connection, start: str, end: str) -> dict[int, int]:
    """How many of the conversations each agent held at some time."""
    rows = db.execute(
        "SELECT h.agent_id, count(*) FROM report_holders AS h"
        f" JOIN chat_sessions AS s ON s.id = h.session_id WHERE {IN_RANGE} GROUP BY h.agent_id",
        (start, end),
    ).fetchall()
    return {int(r[0]): int(r[1]) for r in rows}


def holders_between(db: sqlite3.Connection, start: str, end: str) -> list[tuple[int, int]]:
    rows = db.execute(
        "SELECT h.session_id, h.agent_id FROM report_holders AS h"
        f" JOIN chat_sessions AS s ON s.id = h.session_id WHERE {IN_RANGE}"
        " ORDER BY h.session_id, h.agent_id",
        (start, end),
    ).fetchall()
    return [(int(r[0]), int(r[1])) for r in rows]


def agent_names(db: sqlite3.Connection) -> dict[int, str]:
    return {int(r[0]): r[1] for r in db.execute("SELECT id, name FROM agents").fetchall()}
