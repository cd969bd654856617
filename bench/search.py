"""Search and transcript cost on a big database: `python -m bench.search [--quick]`.

Seeds conversations and messages through the storage layer (the same INSERT and triggers the
app runs, and the FTS index as the writer makes it before its COMMIT) into a temporary
database, then times searches of a few kinds and the export of one long conversation
through the app's own code, in process.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import sqlite3
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.stats import percentile
from chat.config import Settings
from chat.hub import Hub
from chat.models import SenderType, SessionStatus, now_iso
from chat.routes.api import TRANSCRIPT_PAGE
from chat.service import ChatService
from chat.service.transcripts import render
from chat.storage import messages, sessions
from chat.storage.database import Database
from chat.storage.search import INDEX_NEW, search_sessions
from chat.words import search_words

WORDS = (
    "order refund parcel invoice coffee machine espresso grinder warranty delivery address"
    " payment card account password login subscription cancel discount coupon return broken"
    " leaking water filter descaling milk frother beans roast decaf shipping tracking number"
    " thanks hello please help question problem today tomorrow week month"
).split()
QUERIES = {
    "rare word": "zeppelin3",
    "common word": "order",
    "two words": "refund invoice",
    "prefix (typing)": "espr",
    "short prefix": "or",
}


def _sentence(rng: random.Random, serial: int) -> str:
    words = rng.choices(WORDS, k=rng.randint(4, 14))
    if rng.random() < 0.001:
        words.append(f"zeppelin{serial % 7}")  # a word only a few messages hold
    return " ".join(words)


def seed(db: sqlite3.Connection, conversations: int, total: int, long_one: int) -> int:
    """`total` messages over `conversations` conversations, plus one of `long_one` messages;
    the long conversation's id."""
    rng = random.Random(9)
    now = now_iso()
    db.execute("BEGIN")
    ids = [
        sessions.insert_session(
            db, rng.randbytes(16), SessionStatus.CLOSED, f"Customer {n}", None, None, now
        )
        for n in range(conversations)
    ]
    for serial in range(total):
        sender = SenderType.CUSTOMER if serial % 2 else SenderType.AGENT
        session_id = ids[rng.randrange(conversations)]
        content = _sentence(rng, serial)
        messages.insert_message(db, session_id, sender, None, None, content, None, now)
    long_id = sessions.insert_session(
        db, b"long" * 4, SessionStatus.ACTIVE, "Long Talker", None, None, now
    )
    for serial in range(long_one):
        content = _sentence(rng, serial)
        messages.insert_message(db, long_id, SenderType.CUSTOMER, None, None, content, None, now)
    db.execute(INDEX_NEW)  # as the app's writer does before each COMMIT
    db.execute("COMMIT")
    return long_id


def time_searches(db: sqlite3.Connection, rounds: int) -> dict[str, dict[str, Any]]:
    out = {}
    for kind, query in QUERIES.items():
        words = search_words(query)
        timings, found = [], 0
        for _ in range(rounds):
            began = time.perf_counter()
            found = len(search_sessions(db, words, None, None, 20))
            timings.append((time.perf_counter() - began) * 1000)
        timings.sort()
        out[kind] = {
            "query": query,
            "conversations": found,
            "median_ms": statistics.median(timings),
            "p99_ms": percentile(timings, 99),
        }
    return out


async def time_export(path: Path, session_id: int, fmt: str) -> dict[str, float]:
    """Render a transcript through the app's own paging and writers, as the route streams it."""
    database = Database(path)
    await database.open()
    try:
        service = ChatService(database, Hub(), Settings(ai_enabled=False))
        began = time.perf_counter()
        session = await service.get_session(session_id)
        pages = service.archive.transcript_pages(session, TRANSCRIPT_PAGE)
        size = 0
        async for piece in render(session, fmt, False, pages):
            size += len(piece.encode())
        return {"ms": (time.perf_counter() - began) * 1000, "bytes": size}
    finally:
        await database.close()


async def migrated(path: Path) -> None:
    """The schema, by the app's own migrations."""
    database = Database(path)
    await database.open()
    await database.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="10,000 messages instead of 100,000")
    args = parser.parse_args()
    conversations, total, rounds = (500, 10_000, 20) if args.quick else (5_000, 100_000, 50)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "search.db"
        asyncio.run(migrated(path))
        with sqlite3.connect(path, isolation_level=None) as db:
            db.row_factory = sqlite3.Row
            began = time.perf_counter()
            long_id = seed(db, conversations, total, 1000)
            seeded = time.perf_counter() - began
            print(
                f"seeded {total + 1000:,} messages in {conversations + 1:,} conversations"
                f" in {seeded:.1f} s ({(total + 1000) / seeded:,.0f} messages/s, FTS included)"
            )
            for kind, result in time_searches(db, rounds).items():
                print(
                    f"search {kind:16} {result['query']!r:18} median {result['median_ms']:6.2f}"
                    f" ms, p99 {result['p99_ms']:6.2f} ms ({result['conversations']} found)"
                )
        for fmt in ("txt", "json", "csv"):
            result = asyncio.run(time_export(path, long_id, fmt))
            print(
                f"export 1,000 messages as {fmt:4} {result['ms']:6.1f} ms"
                f" ({result['bytes'] / 1024:,.0f} KiB)"
            )


if __name__ == "__main__":
    main()
