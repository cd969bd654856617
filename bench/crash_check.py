"""What `python -m bench crash` checks after each restart: the stored messages, the database,
the listeners' resumed streams, and the retries of everything left unacknowledged."""

from __future__ import annotations

import asyncio
import json
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx
from websockets.asyncio.client import connect

from bench.client import send_frame
from bench.crash_clients import (
    CATCH_UP_SECONDS,
    Attempt,
    Conversation,
    Row,
    Seen,
    Tally,
    Watcher,
    read_only,
)

if TYPE_CHECKING:
    from bench.crash import Server

PUBLIC = "/api/v1/chat/public"
# The figures of a round, summed over the run.
FIGURES = (
    "attempts acked acked_rest acked_ws unacked committed_unacked uncommitted_acks errors lost"
    " duplicated wrong_acks half_written seq_gaps integrity_failures resumed caught_up"
    " resume_mismatches resent resend_failures"
).split()


@dataclass
class RoundCheck:
    """The figures and problems of one round."""

    counts: Counter[str] = field(default_factory=Counter)
    problems: list[str] = field(default_factory=list)
    integrity: str = "not checked"

    def problem(self, kind: str, text: str) -> None:
        self.counts[kind] += 1
        self.problems.append(text)

    def result(self, tag: str) -> dict[str, Any]:
        figures = {name: self.counts[name] for name in FIGURES}
        return {"round": tag, **figures, "integrity": self.integrity, "problems": self.problems}


def stored_rows(database: Path, tag: str) -> tuple[dict[str, list[Row]], int]:
    """This round's stored messages by client_id, and how many contents are stored twice."""
    with read_only(database) as db:
        rows = db.execute(
            "SELECT client_id, session_id, id, seq FROM messages WHERE client_id LIKE ?",
            (f"{tag}-%",),
        ).fetchall()
        doubled = db.execute(
            "SELECT count(*) FROM (SELECT 1 FROM messages WHERE content LIKE ?"
            " GROUP BY session_id, content HAVING count(*) > 1)",
            (f"{tag}-%",),
        ).fetchone()[0]
    found: dict[str, list[Row]] = defaultdict(list)
    for client_id, session_id, message_id, seq in rows:
        found[client_id].append((session_id, message_id, seq))
    return found, doubled


# A conversation whose messages are not numbered exactly 1..n, or whose counters disagree.
SEQ_GAPS = """
SELECT s.id FROM chat_sessions AS s LEFT JOIN messages AS m ON m.session_id = s.id
GROUP BY s.id
HAVING count(m.id) != s.last_seq OR count(m.id) != s.message_count
    OR coalesce(max(m.seq), 0) != count(m.id) OR coalesce(min(m.seq), 1) != 1
"""


def check_database(database: Path, check: RoundCheck) -> None:
    """Integrity, foreign keys, gap-free seq, and exactly one chat.message.new per message."""
    with read_only(database) as db:
        integrity = [row[0] for row in db.execute("PRAGMA integrity_check")]
        foreign = db.execute("PRAGMA foreign_key_check").fetchall()
        gaps = [row[0] for row in db.execute(SEQ_GAPS)]
        message_ids = {row[0] for row in db.execute("SELECT id FROM messages")}
        announced = Counter(
            row[0]
            for row in db.execute(
                "SELECT json_extract(data, '$.message.id') FROM events"
                " WHERE type = 'chat.message.new'"
            )
        )
    check.integrity = "ok" if integrity == ["ok"] and not foreign else "; ".join(integrity)
    if check.integrity != "ok":
        check.problem("integrity_failures", f"integrity: {integrity[:5]}, foreign keys {foreign}")
    for session_id in gaps:
        check.problem("seq_gaps", f"conversation {session_id}: seq is not exactly 1..n")
    odd = [m for m in message_ids if announced[m] != 1] + [
        m for m in announced if m not in message_ids
    ]
    if odd:
        check.problem("half_written", f"messages without exactly one chat.message.new: {odd[:10]}")


def check_stored(tally: Tally, found: dict[str, list[Row]], check: RoundCheck) -> None:
    """Right after the restart: acked means stored once, as acked; unacked means at most once."""
    for early in tally.uncommitted:
        check.problem("uncommitted_acks", f"{early}: acknowledged before it was committed")
    for attempt in tally.attempts.values():
        rows = found.get(attempt.client_id, [])
        check.counts["attempts"] += 1
        if attempt.error is not None:
            check.problem("errors", f"{attempt.client_id}: answered {attempt.error} under load")
        if attempt.ack is not None:
            check.counts["acked"] += 1
            check.counts[f"acked_{attempt.via}"] += 1
            expected = [(attempt.conv.id, *attempt.ack)]
            if not rows:
                check.problem("lost", f"{attempt.client_id}: acknowledged, then lost in the crash")
            elif len(rows) > 1:
                check.problem("duplicated", f"{attempt.client_id}: acked {expected}, stored {rows}")
            elif rows != expected:
                check.problem("wrong_acks", f"{attempt.client_id}: acked {expected}, stored {rows}")
            continue
        check.counts["unacked"] += 1
        if len(rows) > 1 or any(row[0] != attempt.conv.id for row in rows):
            check.problem("duplicated", f"{attempt.client_id}: unacknowledged, stored as {rows}")
        if rows:
            check.counts["committed_unacked"] += 1
            attempt.stored_before = rows[0]


async def resend(server: Server, tally: Tally, check: RoundCheck) -> None:
    """Send every unacknowledged attempt again, with its client_id, the way it went first."""
    waiting = [a for a in tally.attempts.values() if a.ack is None]
    check.counts["resent"] += len(waiting)
    async with httpx.AsyncClient(base_url=server.url, timeout=30) as http:
        for attempt in (a for a in waiting if a.via == "rest"):
            body = {"session_key": attempt.conv.key, "content": attempt.content}
            answer = await http.post(
                f"{PUBLIC}/message", json={**body, "client_id": attempt.client_id}
            )
            expected = 200 if attempt.stored_before else 201
            if answer.status_code != expected:
                check.problem("resend_failures", f"{attempt.client_id}: retry got {answer.text}")
                continue
            message = answer.json()["message"]
            _answered(attempt, (message["id"], message["seq"]), check)
    by_conv: dict[int, list[Attempt]] = defaultdict(list)
    for attempt in (a for a in waiting if a.via == "ws"):
        by_conv[attempt.conv.id].append(attempt)
    for attempts in by_conv.values():
        await _resend_on_socket(server, attempts, check)


async def _resend_on_socket(server: Server, attempts: list[Attempt], check: RoundCheck) -> None:
    key = attempts[0].conv.key
    pending = {a.client_id: a for a in attempts}
    async with connect(f"{server.ws_url}/ws/public/{key}", ping_interval=None) as ws:
        for attempt in attempts:
            await ws.send(send_frame(attempt.content, attempt.client_id))
        for _ in range(100_000):
            if not pending:
                return
            frame = json.loads(await asyncio.wait_for(ws.recv(), CATCH_UP_SECONDS))
            attempt = pending.pop(frame["data"].get("client_id", ""), None)
            if attempt is None:
                continue
            if frame["type"] != "chat.message.ack":
                check.problem("resend_failures", f"{attempt.client_id}: retry got {frame}")
                continue
            message = frame["data"]["message"]
            _answered(attempt, (message["id"], message["seq"]), check)


def _answered(attempt: Attempt, ack: tuple[int, int], check: RoundCheck) -> None:
    """A retry must return the message already stored, if there was one."""
    if attempt.stored_before is not None and attempt.stored_before[1:] != ack:
        check.problem(
            "resend_failures",
            f"{attempt.client_id}: retry answered {ack}, stored was {attempt.stored_before}",
        )
    attempt.ack = ack


def check_resent(tally: Tally, found: dict[str, list[Row]], check: RoundCheck) -> None:
    """After the retries every attempt of the round is stored exactly once, as answered."""
    for attempt in tally.attempts.values():
        rows = found.get(attempt.client_id, [])
        if attempt.ack is None or rows != [(attempt.conv.id, *attempt.ack)]:
            check.problem(
                "resend_failures", f"{attempt.client_id}: answered {attempt.ack}, stored {rows}"
            )


async def history(http: httpx.AsyncClient, key: str, after_seq: int) -> list[dict[str, Any]]:
    """The conversation's messages after `after_seq` over REST, every page."""
    messages: list[dict[str, Any]] = []
    for _ in range(10_000):
        answer = await http.get(
            f"{PUBLIC}/session/{key}", params={"after_seq": after_seq, "limit": 1000}
        )
        answer.raise_for_status()
        body = answer.json()
        messages += body["messages"]
        if not body["has_more"] or not body["messages"]:
            break
        after_seq = body["messages"][-1]["seq"]
    return messages


async def check_customer(
    http: httpx.AsyncClient, conv: Conversation, tally: Tally, check: RoundCheck
) -> None:
    """What the listener got since the last round equals the REST history since then."""
    watcher = conv.watcher
    want = [(m["id"], m["seq"]) for m in await history(http, conv.key, watcher.checked_seq)]
    last = want[-1][1] if want else watcher.checked_seq
    if not await watcher.catch_up(lambda: watcher.last_seq >= last):
        check.problem("resume_mismatches", f"conversation {conv.id}: did not catch up to {last}")
    new = watcher.events[watcher.checked :]
    got = [(e.message_id, e.seq) for e in new if e.type == "chat.message.new"]
    _in_order(f"conversation {conv.id}", watcher, new, check)
    if got != want:
        pairs = zip(got, want, strict=False)
        at = next((i for i, (a, b) in enumerate(pairs) if a != b), min(len(got), len(want)))
        check.problem(
            "resume_mismatches",
            f"conversation {conv.id}: listener got {len(got)} messages, history has "
            f"{len(want)}; first difference at {at}",
        )
    heard = {e.message_id for e in new}
    acked = [a for a in tally.attempts.values() if a.conv is conv and a.ack is not None]
    missed = [a.client_id for a in acked if a.ack and a.ack[0] not in heard]
    if missed:
        check.problem("resume_mismatches", f"conversation {conv.id}: never saw {missed[:5]}")
    watcher.checked_seq = last
    _advance(watcher, new, check)


async def check_agent(agent: Watcher, database: Path, check: RoundCheck) -> None:
    """The agent's listener got exactly the event log since the last round, in order."""
    with read_only(database) as db:
        after = agent.checked_event
        want = [
            row[0] for row in db.execute("SELECT id FROM events WHERE id > ? ORDER BY id", (after,))
        ]
    head = want[-1] if want else after
    if not await agent.catch_up(lambda: agent.last_event_id >= head):
        check.problem("resume_mismatches", f"agent: did not catch up to event {head}")
    new = agent.events[agent.checked :]
    if [e.event_id for e in new] != want:
        check.problem(
            "resume_mismatches",
            f"agent: got {len(new)} events, the log has {len(want)} since {after}",
        )
    _advance(agent, new, check)


def _in_order(who: str, watcher: Watcher, new: list[Seen], check: RoundCheck) -> None:
    ids = [watcher.checked_event, *(e.event_id for e in new)]
    if any(a >= b for a, b in zip(ids, ids[1:], strict=False)):
        check.problem("resume_mismatches", f"{who}: events repeated or out of order")


def _advance(watcher: Watcher, new: list[Seen], check: RoundCheck) -> None:
    check.counts["caught_up"] += len(new)
    watcher.checked += len(new)
    if new:
        watcher.checked_event = new[-1].event_id


async def check_round(
    server: Server, conversations: list[Conversation], agent: Watcher, tally: Tally
) -> dict[str, Any]:
    """Everything checked after one kill and restart; the server is running again."""
    check = RoundCheck()
    found, doubled = stored_rows(server.database, tally.tag)
    check_stored(tally, found, check)
    if doubled:
        check.problem("duplicated", f"{doubled} contents stored twice in round {tally.tag}")
    check_database(server.database, check)
    for watcher in [agent, *(c.watcher for c in conversations)]:
        ready = await watcher.connect(server.ws_url)
        check.counts["resumed"] += 1
        if ready["resumed"] is not True:
            check.problem("resume_mismatches", f"{watcher.path[:8]}: not resumed: {ready}")
    await resend(server, tally, check)
    check_resent(tally, stored_rows(server.database, tally.tag)[0], check)
    async with httpx.AsyncClient(base_url=server.url, timeout=30) as http:
        for conv in conversations:
            await check_customer(http, conv, tally, check)
    await check_agent(agent, server.database, check)
    return check.result(tally.tag)
