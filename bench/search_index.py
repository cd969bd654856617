"""The search index's cost per message, per trigger or per batch: `python -m bench.search_index
[--messages 20000] [--batch 18] [--rounds 3]`.

Issue #24: a message used to be indexed by a trigger on its INSERT, and FTS5 writes its pending
terms out as a new segment whenever a statement that touches it opens a statement savepoint,
which an INSERT with triggers does, so every message made a segment of its own. The writer now
indexes a batch's messages in one statement before its COMMIT (chat/storage/search.py,
INDEX_NEW). This runs a message's statements as the writer does (session read, retry check,
INSERT, event, webhook outbox) in batches of `--batch` at synchronous=FULL on a database the
app migrated, once with the old trigger put back and once with the batch statement,
alternated, and reports the writing thread's CPU per message and FTS5's segment writes.
"""

from __future__ import annotations

import argparse
import asyncio
import sqlite3
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.search import migrated
from chat.storage.search import INDEX_NEW

OLD_TRIGGER = """
CREATE TRIGGER messages_fts_insert AFTER INSERT ON messages
BEGIN
    INSERT INTO messages_fts (rowid, content) VALUES (NEW.id, NEW.content);
END
"""
CONTENT = "Could you tell me whether the Office plan includes filters? Message {n}."
EVENT = '{"message":{"content":"Could you tell me whether the Office plan includes filters?"}}'


def run(path: Path, per_trigger: bool, messages: int, batch: int) -> dict[str, Any]:
    """Write `messages` messages into 100 conversations; CPU per message and segment writes."""
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=FULL")
    if per_trigger:
        db.execute(OLD_TRIGGER)
    db.execute("BEGIN")
    for n in range(100):
        db.execute(
            "INSERT INTO chat_sessions (key_hash, status, created_at, updated_at)"
            " VALUES (?, 'queued', '2026-12-01T10:00:00.000Z', '2026-12-01T10:00:00.000Z')",
            (n.to_bytes(16, "big"),),
        )
    db.execute(INDEX_NEW)
    db.execute("COMMIT")
    ids = [row[0] for row in db.execute("SELECT id FROM chat_sessions")]
    segments = [0]
    db.set_trace_callback(lambda sql: segments.__setitem__(0, segments[0] + ("fts_data" in sql)))
    now = "2026-12-01T10:00:00.000Z"
    cpu, n = time.thread_time(), 0
    while n < messages:
        db.execute("BEGIN IMMEDIATE")
        for _ in range(batch):
            session = ids[n % len(ids)]
            db.execute("SELECT * FROM chat_sessions WHERE id = ?", (session,)).fetchall()
            db.execute(
                "SELECT * FROM messages WHERE session_id = ? AND client_id = ?", (session, f"c{n}")
            ).fetchall()
            db.execute(
                "INSERT INTO messages (session_id, seq, sender_type, content, client_id,"
                " created_at) VALUES (?, (SELECT last_seq + 1 FROM chat_sessions WHERE id = ?),"
                " 'customer', ?, ?, ?) RETURNING *",
                (session, session, CONTENT.format(n=n), f"c{n}", now),
            ).fetchall()
            event = db.execute(
                "INSERT INTO events (type, session_id, data, created_at)"
                " VALUES ('chat.message.new', ?, ?, ?) RETURNING *",
                (session, EVENT, now),
            ).fetchall()[0]
            db.execute(
                "INSERT INTO webhook_deliveries (webhook_id, event_id, type, next_attempt_at,"
                " created_at) SELECT s.webhook_id, ?, ?, ?, ? FROM webhook_subscriptions s"
                " JOIN webhooks w ON w.id = s.webhook_id WHERE s.event_type = ? AND w.enabled = 1",
                (event[0], "chat.message.new", now, now, "chat.message.new"),
            )
            n += 1
        if not per_trigger:
            db.execute(INDEX_NEW)
        db.execute("COMMIT")
    cpu = time.thread_time() - cpu
    found = db.execute("SELECT count(*) FROM messages_fts WHERE messages_fts MATCH 'filters'")
    indexed = found.fetchone()[0]
    db.close()
    return {"cpu_us_per_message": cpu / n * 1e6, "segment_writes": segments[0], "found": indexed}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=20_000)
    parser.add_argument("--batch", type=int, default=18)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        template = Path(folder) / "template.db"
        asyncio.run(migrated(template))
        for round_ in range(args.rounds):
            for per_trigger in (True, False):
                path = Path(folder) / f"run{round_}{per_trigger}.db"
                path.write_bytes(template.read_bytes())
                found = run(path, per_trigger, args.messages, args.batch)
                print(
                    f"{'trigger per message' if per_trigger else 'one statement per batch':<24}"
                    f" {found['cpu_us_per_message']:6.1f} µs CPU per message,"
                    f" {found['segment_writes']:,} FTS5 segment writes,"
                    f" {found['found']:,} found",
                    flush=True,
                )


if __name__ == "__main__":
    main()
