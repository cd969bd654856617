"""Queries for routing: the queue in its order, who holds how many open conversations, the waits
for a person (the expected wait is estimated from them)."""

from __future__ import annotations

import sqlite3
import threading
from collections import OrderedDict
from dataclasses import dataclass

from chat.models import Agent
from chat.storage.dialect import dialect
from chat.storage.events import HEAD

# The queue's order: conversations an offline agent gave back first, then first in, first out.
QUEUE_ORDER = "queue_front DESC, queue_rank, id"
# 1-based place of the session `s` in the queue (NULL unless it is queued): those queued ahead
# of it at the front, then those in its own part up to it; two counts, each a range of the
# partial index chat_sessions_queue. SQLite is told to use that index: without ANALYZE (which
# the app never runs) it chose chat_sessions_status and stepped through every queued
# conversation for each read, 233 -> 62 µs per session read with 2,000 queued (README,
# issue #24). Every session read carries the place, and every message's post reads its session.
_PLACE = """
CASE WHEN s.status = 'queued' THEN (
    (SELECT count(*) FROM chat_sessions AS q{hint}
     WHERE q.status = 'queued' AND q.queue_front > s.queue_front)
    + (SELECT count(*) FROM chat_sessions AS q{hint}
       WHERE q.status = 'queued' AND q.queue_front = s.queue_front
         AND (q.queue_rank, q.id) <= (s.queue_rank, s.id))
) END"""
QUEUE_POSITION = {
    "sqlite": _PLACE.format(hint=" INDEXED BY chat_sessions_queue"),
    "postgresql": _PLACE.format(hint=""),
}
# The queue version's token (migration 0016) for a queued session `s`, else NULL: what a single
# session read selects instead of counting its place (QueuePlaces).
QUEUE_TOKEN = (
    "CASE WHEN s.status = 'queued' THEN (SELECT token FROM queue_version WHERE id = 1) END"
)
# The queue in order, each row with the token of the same statement's snapshot.
_ORDER_WITH_TOKEN = (
    "SELECT q.id, (SELECT token FROM queue_version WHERE id = 1) FROM chat_sessions AS q{hint}"
    f" WHERE q.status = 'queued' ORDER BY {QUEUE_ORDER}"
)
ORDER_WITH_TOKEN = {
    "sqlite": _ORDER_WITH_TOKEN.format(hint=" INDEXED BY chat_sessions_queue"),
    "postgresql": _ORDER_WITH_TOKEN.format(hint=""),
}


class QueuePlaces:
    """Every queued conversation's place, by the queue version's token (migration 0016): read
    in one pass over the queue's index when the token is new, then a dict lookup.

    A token is random and changes with every change to the queue's membership or order, so a
    token names one state of the queue (a rolled-back change's token never comes back): the
    places read under it are right for any read that sees it, in any thread. A read that saw
    token T and then reads the queue under another (a commit came between its two statements,
    on a reader) counts its place as before. Shared by the process's connections; the few
    newest tokens are kept (a writer mid-transaction and the readers see different ones)."""

    KEEP = 4

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._by_token: OrderedDict[int, dict[int, int]] = OrderedDict()
        self.reads = 0  # how many times the queue was read whole (the tests look)

    def place(self, db: sqlite3.Connection, session_id: int, token: int) -> int | None:
        with self._lock:
            places = self._by_token.get(token)
        if places is None:
            rows = db.execute(ORDER_WITH_TOKEN[dialect(db)]).fetchall()
            if not rows or rows[0][1] != token:  # another state of the queue: count instead
                return place(db, session_id)
            places = {int(row[0]): n for n, row in enumerate(rows, 1)}
            with self._lock:
                self.reads += 1
                self._by_token[token] = places
                while len(self._by_token) > self.KEEP:
                    self._by_token.popitem(last=False)
        found = places.get(session_id)
        return found if found is not None else place(db, session_id)


PLACES = QueuePlaces()


@dataclass(frozen=True, slots=True)
class Candidate:
    """An active agent as routing weighs them."""

    agent: Agent
    last_routed: int  # the event head at their latest automatic assignment (0: never)


@dataclass(frozen=True, slots=True)
class Wait:
    started_at: str
    ended_at: str
    position: int


def enter_queue(db: sqlite3.Connection, session_id: int, now: str, front: bool) -> int:
    """Put the session in the queue: at its first-in-first-out place, or (`front`) before every
    conversation that was simply queued, in the order it was first queued. Records the wait;
    returns its place.

    The order is the event log's head as this write sees it: every write that queues also
    appends an event, so a later commit always sees a higher head (ties within one write are
    broken by id)."""
    rank = head(db)
    db.execute(
        "UPDATE chat_sessions SET status = 'queued', assigned_agent_id = NULL, updated_at = ?,"
        " waiting_since = ?, queue_front = ?,"
        " queued_at = CASE WHEN ? = 1 THEN COALESCE(queued_at, ?) ELSE ? END,"
        " queue_rank = CASE WHEN ? = 1 THEN COALESCE(queue_rank, ?) ELSE ? END"
        " WHERE id = ?",
        (now, now, int(front), int(front), now, now, int(front), rank, rank, session_id),
    )
    position = place(db, session_id) or 1
    db.execute(
        "INSERT INTO queue_waits (session_id, started_at, position) VALUES (?, ?, ?)",
        (session_id, now, position),
    )
    return position


def head(db: sqlite3.Connection) -> int:
    rows = db.execute(HEAD[dialect(db)]).fetchall()
    return int(rows[0][0]) if rows and rows[0][0] is not None else 0


def end_wait(
    db: sqlite3.Connection, session_id: int, now: str, outcome: str, agent_id: int | None
) -> None:
    """The session's open wait (if any) ended: assigned, closed or otherwise left the queue."""
    db.execute(
        "UPDATE queue_waits SET ended_at = ?, outcome = ?, agent_id = ?"
        " WHERE session_id = ? AND ended_at IS NULL",
        (now, outcome, agent_id, session_id),
    )


def place(db: sqlite3.Connection, session_id: int) -> int | None:
    query = f"SELECT {QUEUE_POSITION[dialect(db)]} FROM chat_sessions AS s WHERE s.id = ?"
    rows = db.execute(query, (session_id,)).fetchall()
    return int(rows[0][0]) if rows and rows[0][0] is not None else None


def queued_ids(db: sqlite3.Connection, limit: int = 10_000) -> list[int]:
    """The queued conversations, first to be served first."""
    rows = db.execute(
        f"SELECT id FROM chat_sessions WHERE status = 'queued' ORDER BY {QUEUE_ORDER} LIMIT ?",
        (limit,),
    ).fetchall()
    return [int(row[0]) for row in rows]


def queued_with_entry(db: sqlite3.Connection) -> list[tuple[int, int | None]]:
    """(id, the place it entered the queue at) of every queued conversation, in order."""
    rows = db.execute(
        "SELECT s.id, w.position FROM chat_sessions AS s"
        " LEFT JOIN queue_waits AS w ON w.session_id = s.id AND w.ended_at IS NULL"
        " WHERE s.status = 'queued' ORDER BY s.queue_front DESC, s.queue_rank, s.id"
    ).fetchall()
    return [(int(row[0]), row[1]) for row in rows]


def queued_with_times(db: sqlite3.Connection) -> list[tuple[int, str | None]]:
    """(id, waiting_since) of every queued conversation, in the queue's order."""
    rows = db.execute(
        f"SELECT id, waiting_since FROM chat_sessions WHERE status = 'queued'"
        f" ORDER BY {QUEUE_ORDER}"
    ).fetchall()
    return [(int(row[0]), row[1]) for row in rows]


def open_counts(db: sqlite3.Connection) -> dict[int, int]:
    """How many open (`active`) conversations each agent holds."""
    rows = db.execute(
        "SELECT assigned_agent_id, count(*) FROM chat_sessions"
        " WHERE status = 'active' AND assigned_agent_id IS NOT NULL GROUP BY assigned_agent_id"
    ).fetchall()
    return {int(row[0]): int(row[1]) for row in rows}


def open_count(db: sqlite3.Connection, agent_id: int) -> int:
    rows = db.execute(
        "SELECT count(*) FROM chat_sessions WHERE status = 'active' AND assigned_agent_id = ?",
        (agent_id,),
    ).fetchall()
    return int(rows[0][0])


def candidates(db: sqlite3.Connection) -> list[Candidate]:
    rows = db.execute("SELECT * FROM agents WHERE is_active = 1 ORDER BY id").fetchall()
    return [Candidate(Agent.from_row(row), row["last_routed"] or 0) for row in rows]


def mark_routed(db: sqlite3.Connection, agent_id: int) -> int:
    """Note that routing just gave this agent a conversation; the mark (unique: the event head
    after the assignment's events) orders round robin."""
    mark = head(db)
    db.execute("UPDATE agents SET last_routed = ? WHERE id = ?", (mark, agent_id))
    return mark


def holders(db: sqlite3.Connection) -> list[int]:
    """The agents holding at least one open conversation."""
    rows = db.execute(
        "SELECT DISTINCT assigned_agent_id FROM chat_sessions"
        " WHERE status = 'active' AND assigned_agent_id IS NOT NULL"
    ).fetchall()
    return [int(row[0]) for row in rows]


def held_in_queue_order(db: sqlite3.Connection, agent_id: int) -> list[int]:
    """The agent's open conversations in the order they were first queued."""
    rows = db.execute(
        "SELECT id FROM chat_sessions WHERE status = 'active' AND assigned_agent_id = ?"
        " ORDER BY queue_rank, id",
        (agent_id,),
    ).fetchall()
    return [int(row[0]) for row in rows]


def recent_waits(db: sqlite3.Connection, since: str, limit: int) -> list[Wait]:
    """The latest waits that ended with an agent, after a real wait, since `since`."""
    rows = db.execute(
        "SELECT started_at, ended_at, position FROM queue_waits"
        " WHERE outcome = 'assigned' AND ended_at >= ? AND ended_at > started_at"
        " ORDER BY ended_at DESC LIMIT ?",
        (since, limit),
    ).fetchall()
    return [Wait(row[0], row[1], int(row[2])) for row in rows]


def inactive(db: sqlite3.Connection, before: str, limit: int) -> list[int]:
    """Active or queued conversations whose last message (or start) is older than `before`."""
    rows = db.execute(
        "SELECT s.id FROM chat_sessions AS s"
        " LEFT JOIN messages AS m ON m.session_id = s.id AND m.seq = s.last_seq"
        " WHERE s.status IN ('active', 'queued') AND COALESCE(m.created_at, s.created_at) < ?"
        " ORDER BY s.id LIMIT ?",
        (before, limit),
    ).fetchall()
    return [int(row[0]) for row in rows]
