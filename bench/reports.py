"""`python -m bench reports [--quick] [--postgres URL] [--json PATH]`: how long the reports
(issue #21) take on a year of a 20-agent team: 180,000 conversations, about 3 million messages.

The database is made by the app's own migrations, then seeded directly in bulk (deterministic:
the same year every run): each conversation starts on a weekday-weighted day at a
business-hours-weighted time on the team's clock (Europe/Berlin); 75% reach a person (queued,
assigned, first reply, closed, 10% of these reopened once), the rest stay with the AI (80% of
them closed); a fifth of the closes asked for a rating get one. Messages alternate customer,
AI and agent, 6 to 28 per conversation, with their full-text index.

Measured through the service (chat.service.reports.Reports on the app's Database, as the
route calls it): the summary for the last 30 days and for the whole year, and the CSV export
of the year; each the median of several runs, with the conversations it covered.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import resource
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from bench.server import ROOT
from chat.models import iso_time, parse_time
from chat.service.reports import Reports

ZONE = ZoneInfo("Europe/Berlin")
LAST_DAY = date(2026, 11, 30)
NOW = datetime(2026, 11, 30, 20, 0, tzinfo=UTC)
AGENTS = 20
RESULTS = ROOT / "bench" / "results"


@dataclass(frozen=True)
class Size:
    conversations: int
    runs: int


FULL = Size(180_000, 5)
QUICK = Size(6_000, 2)


def _t(moment: datetime) -> str:
    return iso_time(moment)


def _ms(start: datetime, end: datetime) -> int:
    """Whole milliseconds between two stored (millisecond) times, as the app writes them."""
    return round((parse_time(_t(end)) - parse_time(_t(start))).total_seconds() * 1000)


def seed_rows(conversations: int, seed: int = 21) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of the year, deterministic for a seed."""
    rnd = random.Random(seed)
    days = [LAST_DAY - timedelta(days=i) for i in range(365)]
    weights = [1.0 if d.weekday() < 5 else 0.35 for d in days]
    rows: dict[str, list[tuple[Any, ...]]] = {
        "sessions": [],
        "messages": [],
        "cycles": [],
        "holders": [],
        "ratings": [],
    }
    starts = []
    for _ in range(conversations):
        day = rnd.choices(days, weights)[0]
        minute = int(min(max(rnd.gauss(13 * 60, 180), 0), 24 * 60 - 1))
        local = datetime(day.year, day.month, day.day, tzinfo=ZONE) + timedelta(
            minutes=minute, seconds=rnd.randrange(60)
        )
        starts.append(local.astimezone(UTC))
    # As in a real database, a later conversation has a higher id (and its rows come later).
    starts.sort()
    for sid, start in enumerate(starts, 1):
        clock = start
        status = "bot"
        holder: int | None = None
        if rnd.random() < 0.75:
            cycles = 2 if rnd.random() < 0.10 else 1
            for number in range(cycles):
                begun = clock + timedelta(seconds=rnd.uniform(10, 120))
                assigned = begun + timedelta(seconds=rnd.expovariate(1 / 60))
                holder = rnd.randrange(1, AGENTS + 1)
                replied = assigned + timedelta(seconds=rnd.expovariate(1 / 45))
                closed = replied + timedelta(seconds=rnd.expovariate(1 / 600))
                survey = int(number == cycles - 1)
                rows["cycles"].append(
                    (
                        sid,
                        _t(begun),
                        1,
                        int(number > 0),
                        _t(assigned),
                        holder,
                        _t(replied),
                        holder,
                        _t(closed),
                        holder,
                        survey,
                        _t(start),
                        _ms(begun, assigned),
                        _ms(begun, replied),
                        _ms(begun, closed),
                    )
                )
                rows["holders"].append((sid, holder))
                clock = closed + timedelta(minutes=rnd.uniform(5, 600))
            status = "closed"
            if rnd.random() < 0.2:
                rating = rnd.choices([1, 2, 3, 4, 5], [5, 5, 10, 30, 50])[0]
                comment = "Thanks, quick and friendly." if rnd.random() < 0.3 else None
                rows["ratings"].append((sid, rating, comment, holder, _t(clock)))
        elif rnd.random() < 0.8:
            status = "closed"
        count = rnd.randint(6, 28)
        for seq in range(1, count + 1):
            kind = ("customer", "ai", "agent")[seq % 3] if holder else ("customer", "ai")[seq % 2]
            moment = start + timedelta(seconds=20 * seq)
            agent = holder if kind == "agent" else None
            text = f"message {seq} of conversation {sid} about order {rnd.randrange(10**6)}"
            rows["messages"].append((sid, seq, kind, None, agent, text, None, _t(moment)))
        rows["sessions"].append(
            (
                sid,
                sid.to_bytes(8, "big"),
                status,
                f"Customer {sid}",
                None,
                holder if status == "active" else None,
                count,
                count,
                _t(start),
                _t(clock),
            )
        )
    return rows


INSERTS = {
    "sessions": "INSERT INTO chat_sessions (id, key_hash, status, customer_name, customer_email,"
    " assigned_agent_id, message_count, last_seq, created_at, updated_at)"
    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
    "messages": "INSERT INTO messages (session_id, seq, sender_type, sender_name, agent_id,"
    " content, client_id, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
    "cycles": "INSERT INTO report_cycles (session_id, started_at, queued, reopened, assigned_at,"
    " assigned_agent_id, first_reply_at, first_reply_agent_id, closed_at, closed_agent_id,"
    " survey, session_created_at, wait_ms, first_ms, closed_ms)"
    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
    "holders": "INSERT INTO report_holders (session_id, agent_id) VALUES (?, ?)"
    " ON CONFLICT DO NOTHING",
    "ratings": "INSERT INTO csat_ratings (session_id, rating, comment, agent_id, created_at)"
    " VALUES (?, ?, ?, ?, ?)",
}


def _agents() -> list[tuple[Any, ...]]:
    return [
        (i, f"agent{i}@example.com", f"Agent {i}", "agent", "-", _t(NOW - timedelta(days=400)))
        for i in range(1, AGENTS + 1)
    ]


AGENT_INSERT = (
    "INSERT INTO agents (id, email, name, role, password_hash, created_at)"
    " VALUES (?, ?, ?, ?, ?, ?)"
)


async def open_database(target: str) -> Any:
    if target.startswith("postgresql://"):
        from chat.storage.postgres import PostgresDatabase

        db: Any = PostgresDatabase(target)
    else:
        from chat.storage.database import Database

        db = Database(Path(target), "NORMAL")
    await db.open()
    return db


async def seed(db: Any, rows: dict[str, list[tuple[Any, ...]]], target: str = "") -> float:
    began = time.perf_counter()

    def insert(conn: Any, sql: str, batch: list[tuple[Any, ...]]) -> None:
        conn.executemany(sql, batch)

    await db.write(lambda conn: insert(conn, AGENT_INSERT, _agents()))
    for table in ("sessions", "cycles", "holders", "ratings", "messages"):
        sql = INSERTS[table]
        data = rows[table]
        for at in range(0, len(data), 50_000):
            batch = data[at : at + 50_000]
            await db.write(lambda conn, b=batch, s=sql: insert(conn, s, b))
    await _settle(db, target)
    return time.perf_counter() - began


async def _settle(db: Any, target: str) -> None:
    """What a database that has lived with this data has: statistics for the planner and, on
    PostgreSQL, a visibility map (autovacuum's work) so that index-only scans stay so."""
    if target.startswith("postgresql://"):
        import psycopg

        with psycopg.connect(target, autocommit=True) as conn:
            conn.execute("VACUUM ANALYZE")
    else:
        await db.write(lambda conn: conn.execute("ANALYZE"))


async def measure(db: Any, runs: int) -> dict[str, Any]:
    reports = Reports(db, lambda: "Europe/Berlin", lambda: NOW)
    out: dict[str, Any] = {}
    cases = {
        "summary, 30 days": lambda: reports.summary("2026-11-01", "2026-11-30"),
        "summary, 365 days": lambda: reports.summary("2025-12-01", "2026-11-30"),
        "CSV, 365 days": lambda: reports.export("2025-12-01", "2026-11-30", "/chat?session="),
    }
    for name, call in cases.items():
        times = []
        answer: Any = None
        for _ in range(runs):
            began = time.perf_counter()
            answer = await call()
            times.append((time.perf_counter() - began) * 1000)
        covered = answer[1].count("\r\n") - 1 if isinstance(answer, tuple) else answer.conversations
        out[name] = {
            "median_ms": round(statistics.median(times), 1),
            "max_ms": round(max(times), 1),
            "conversations": covered,
            "runs": runs,
        }
    return out


async def run(size: Size, target: str) -> dict[str, Any]:
    rows = seed_rows(size.conversations)
    db = await open_database(target)
    try:
        seconds = await seed(db, rows, target)
        results = await measure(db, size.runs)
    finally:
        await db.close()
    return {
        "conversations": len(rows["sessions"]),
        "messages": len(rows["messages"]),
        "cycles": len(rows["cycles"]),
        "ratings": len(rows["ratings"]),
        "seed_seconds": round(seconds, 1),
        "peak_rss_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "timings": results,
    }


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench reports")
    parser.add_argument("--quick", action="store_true", help="6,000 conversations")
    parser.add_argument("--postgres", default="", help="an empty PostgreSQL database's URL")
    parser.add_argument("--json", default="", help="default: bench/results/reports.json")
    parser.add_argument("--keep", default="", help="seed this SQLite file and keep it")
    args = parser.parse_args(argv)
    size = QUICK if args.quick else FULL
    with tempfile.TemporaryDirectory(prefix="bench-reports-") as folder:
        target = args.postgres or args.keep or os.path.join(folder, "year.db")
        results = asyncio.run(run(size, target))
    results["backend"] = "postgresql" if args.postgres else "sqlite"
    print(
        f"reports on {results['backend']}: {results['conversations']:,} conversations,"
        f" {results['messages']:,} messages, {results['cycles']:,} cycles,"
        f" {results['ratings']:,} ratings (seeded in {results['seed_seconds']} s;"
        f" peak RSS {results['peak_rss_mib']} MiB)"
    )
    for name, row in results["timings"].items():
        print(
            f"  {name:<20} median {row['median_ms']:>8.1f} ms  max {row['max_ms']:>8.1f} ms"
            f"  ({row['conversations']:,} conversations, {row['runs']} runs)"
        )
    name = "reports-postgres.json" if args.postgres else "reports.json"
    target = Path(args.json) if args.json else RESULTS / name
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main(sys.argv[1:])
