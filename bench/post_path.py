"""The write path alone: `python -m bench.post_path [--sessions 2000] [--senders 16]
[--messages 4000] [--synchronous FULL] [--postgres URL]`.

A customer's message without sockets: the app's service, started in process on a temporary
database (or an empty PostgreSQL database), posts `--messages` messages from `--senders`
concurrent senders into `--sessions` queued conversations, each through
`ChatService.post_as_customer` as the socket handler calls it (session read, retry check,
insert, event, search index, group commit, publish). Reports the process's CPU (every thread:
the event loop and the writer's) per message, which the machine's other load moves far less
than wall-clock rates, the messages per second and the write batches they took.

Where even CPU time is too noisy, count instructions: run it under `valgrind --tool=callgrind`
with `--sessions 100 --messages 800`, then `--messages 2400`, and divide the difference of the
two totals by 1,600 (start-up cancels out; compare only runs that took the same number of
write batches, since each batch has a cost of its own).
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from pathlib import Path
from typing import Any

from chat.application import create_app
from chat.config import Limits, Settings

ROOMY = Limits(
    starts_per_minute=1_000_000,
    messages_per_minute=1_000_000,
    address_messages_per_minute=1_000_000,
)
CONTENT = "Could you tell me whether the Office plan includes filters? Message {n}."


async def measure(
    sessions: int, senders: int, messages: int, synchronous: str, database: str | None
) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as folder:
        settings = Settings(
            database=database or Path(folder) / "chat.db",
            data_folder=Path(folder),
            secret_key="bench",
            limits=ROOMY,
            ai_enabled=False,
            synchronous=synchronous,
        )
        app = create_app(settings)
        async with app.router.lifespan_context(app):
            service = app.state.service
            ids = []
            for n in range(sessions):
                address = f"10.0.{n // 250}.{n % 250}"
                started = await service.start_session(f"Visitor {n}", None, None, address)
                ids.append(started.session.id)
            per_sender = messages // senders

            async def sender(who: int) -> None:
                for n in range(per_sender):
                    session_id = ids[(who * per_sender + n) % len(ids)]
                    await service.post_as_customer(
                        session_id, CONTENT.format(n=n), f"s{who}-{n}", f"10.1.0.{who}"
                    )

            cpu, wall = time.process_time(), time.perf_counter()
            await asyncio.gather(*(sender(who) for who in range(senders)))
            cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
            posted = per_sender * senders
            db = app.state.db
            stored = await db.read(lambda c: c.execute("SELECT count(*) FROM messages").fetchone())
    return {
        "messages": posted,
        "stored": int(stored[0]),
        "cpu_us_per_message": cpu / posted * 1e6,
        "messages_per_s": posted / wall,
        "batches": db.batches,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=2000)
    parser.add_argument("--senders", type=int, default=16)
    parser.add_argument("--messages", type=int, default=4000)
    parser.add_argument("--synchronous", default="FULL", choices=["FULL", "NORMAL"])
    parser.add_argument("--postgres", help="an empty PostgreSQL database's URL")
    args = parser.parse_args()
    found = asyncio.run(
        measure(args.sessions, args.senders, args.messages, args.synchronous, args.postgres)
    )
    print(
        f"{found['messages']} messages from {args.senders} senders into {args.sessions} queued"
        f" conversations: {found['cpu_us_per_message']:.0f} µs CPU per message,"
        f" {found['messages_per_s']:.0f} messages/s, {found['batches']} write batches"
    )


if __name__ == "__main__":
    main()
