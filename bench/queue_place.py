"""A session read with a long queue: `python -m bench.queue_place [--queued 2000] [--reads 2000]`.

Every session read carries the conversation's place in the queue, and every message's post
reads its session. Seeds `--queued` queued conversations into a temporary SQLite database
made by the app's migrations (no ANALYZE, as the app never runs it), then times reads of
random ones through `chat.storage.sessions.get_session`, in process.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import sqlite3
import statistics
import tempfile
import time
from pathlib import Path

import aiosqlite

from chat.storage import sessions
from chat.storage.migrate import migrate


async def _migrated(path: Path) -> None:
    async with aiosqlite.connect(path) as conn:
        await migrate(conn)
        await conn.commit()


def measure(queued: int, reads: int) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "queue.db"
        asyncio.run(_migrated(path))
        db = sqlite3.connect(path)
        db.row_factory = sqlite3.Row
        with db:
            db.executemany(
                "INSERT INTO chat_sessions (key_hash, status, created_at, updated_at, queued_at,"
                " waiting_since, queue_rank, queue_front) VALUES (?, 'queued', ?, ?, ?, ?, ?, 0)",
                [(os.urandom(32), "t", "t", "t", "t", rank) for rank in range(1, queued + 1)],
            )
        ids = [random.randint(1, queued) for _ in range(reads)]
        times = []
        for session_id in ids:
            start = time.perf_counter()
            found = sessions.get_session(db, session_id)
            times.append(time.perf_counter() - start)
            assert found is not None and found.queue_position == session_id
        db.close()
    return {"median_us": statistics.median(times) * 1e6, "mean_us": statistics.fmean(times) * 1e6}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--queued", type=int, default=2000)
    parser.add_argument("--reads", type=int, default=2000)
    args = parser.parse_args()
    found = measure(args.queued, args.reads)
    print(
        f"{args.queued} queued: a session read takes {found['median_us']:.0f} µs (median),"
        f" {found['mean_us']:.0f} µs (mean) over {args.reads} reads"
    )


if __name__ == "__main__":
    main()
