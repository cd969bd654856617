"""Scenario 1, design load: many customers send in an open loop; every agent sees every message.

Latencies are measured from each message's scheduled send time, so a stalled server cannot hide
its stall by slowing the generator down (no coordinated omission).
"""

from __future__ import annotations

import asyncio
import random
import re
import sqlite3
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from bench.client import (
    agents_and_keys,
    client_id_of,
    frame_type,
    open_many,
    send_frame,
)
from bench.rawws import OnText, RawSocket, open_ready
from bench.server import AppProcess
from bench.stats import summary

CONTENT = "Hi! I ordered a grinder last week and wonder when it ships. Order {n}."
MESSAGE_ID = re.compile(r"^m(\d+)-(\d+)$")  # m<customer>-<n>


@dataclass
class Tally:
    scheduled: dict[str, float] = field(default_factory=dict)
    acks: dict[str, float] = field(default_factory=dict)
    errors: int = 0
    delivered: list[dict[str, float]] = field(default_factory=list)
    duplicates: int = 0
    out_of_order: int = 0


def _customer_reader(tally: Tally) -> OnText:
    """What a customer's socket does with each frame: time the ack of a send."""

    def on_text(now: float, raw: bytes) -> None:
        kind = frame_type(raw)
        if kind == "chat.message.ack":
            cid = client_id_of(raw)
            if cid in tally.scheduled:
                tally.acks[cid] = (now - tally.scheduled[cid]) * 1000
        elif kind == "error":
            tally.errors += 1

    return on_text


def _agent_reader(tally: Tally, seen: dict[str, float]) -> OnText:
    """What an agent's socket does with each frame: time each message's copy, and count
    duplicates and copies out of their sender's order."""
    last_n: dict[str, int] = defaultdict(lambda: -1)

    def on_text(now: float, raw: bytes) -> None:
        if frame_type(raw) != "chat.message.new":
            return
        cid = client_id_of(raw)
        if cid is None or cid not in tally.scheduled:
            return
        if cid in seen:
            tally.duplicates += 1
            return
        seen[cid] = (now - tally.scheduled[cid]) * 1000
        customer, n = MESSAGE_ID.match(cid).groups()  # type: ignore[union-attr]
        if int(n) < last_n[customer]:
            tally.out_of_order += 1
        last_n[customer] = int(n)

    return on_text


async def _send_open_loop(
    customers: list[RawSocket], tally: Tally, rate: float, seconds: float
) -> int:
    rng = random.Random(7)
    counts = [0] * len(customers)
    start = time.perf_counter() + 0.2
    moment, sent = start, 0
    while True:
        moment += rng.expovariate(rate)
        if moment >= start + seconds:
            return sent
        delay = moment - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        who = rng.randrange(len(customers))
        cid = f"m{who}-{counts[who]}"
        counts[who] += 1
        tally.scheduled[cid] = moment
        customers[who].send(send_frame(CONTENT.format(n=sent), cid))
        sent += 1


async def drive(
    url: str,
    ws_url: str,
    customers: int,
    agents: int,
    rate: float,
    seconds: float,
    measure: Callable[[], None],
) -> tuple[Tally, int]:
    """The design load against the server (or balancer) at `url`: open the sockets, send in an
    open loop, wait (at most 15 s) until every send is acked and seen by every agent. `measure`
    is called right before the sending starts and again once it has been heard; the sockets close
    after. The tally and how many were sent."""
    agent_ws, keys = await agents_and_keys(url, ws_url, agents, customers, opener=open_ready)
    customer_ws = await open_many([f"{ws_url}/ws/public/{k}" for k in keys], opener=open_ready)
    tally = Tally()
    tally.delivered = [{} for _ in agent_ws]
    for ws in customer_ws:
        ws.listen(_customer_reader(tally))
    for ws, seen in zip(agent_ws, tally.delivered, strict=True):
        ws.listen(_agent_reader(tally, seen))
    measure()
    sent = await _send_open_loop(customer_ws, tally, rate, seconds)
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline and (
        len(tally.acks) < sent or any(len(seen) < len(tally.acks) for seen in tally.delivered)
    ):
        await asyncio.sleep(0.1)
    measure()
    for ws in (*agent_ws, *customer_ws):
        ws.close()
    await asyncio.sleep(0.1)  # the close frames leave before the loop ends
    return tally, sent


async def run(
    server: AppProcess, customers: int, agents: int, rate: float, seconds: float
) -> dict[str, Any]:
    samples: list[tuple[float, int]] = []
    tally, sent = await drive(
        server.url,
        server.ws_url,
        customers,
        agents,
        rate,
        seconds,
        lambda: samples.append((server.cpu_seconds(), server.rss_kib())),
    )
    (cpu_before, _), (cpu_after, rss) = samples
    return report(
        server, tally, sent, cpu_after - cpu_before, rss, customers, agents, rate, seconds
    )


def report(
    server: AppProcess,
    tally: Tally,
    sent: int,
    cpu: float,
    rss: int,
    customers: int,
    agents: int,
    rate: float,
    seconds: float,
) -> dict[str, Any]:
    stored = _stored_counts(server)
    acked = set(tally.acks)
    lost_acked = sum(1 for cid in acked if stored.get(cid, 0) == 0)
    lost_delivery = sum(1 for seen in tally.delivered for cid in acked if cid not in seen)
    delivery = [ms for seen in tally.delivered for ms in seen.values()]
    return {
        "customers": customers,
        "agents": agents,
        "rate_per_s": rate,
        "seconds": seconds,
        "sent": sent,
        "acked": len(acked),
        "errors": tally.errors,
        "ack_ms": summary(list(tally.acks.values())),
        "delivery_ms": summary(delivery),
        "server_cpu_ms_per_message": cpu / max(1, sent) * 1000,
        "server_rss_mib": rss / 1024,
        "lost": lost_acked + lost_delivery,
        "duplicated": tally.duplicates + sum(1 for n in stored.values() if n > 1),
        "out_of_order": tally.out_of_order,
        "seq_gaps": _seq_gaps(server),
    }


def _stored_counts(server: AppProcess) -> dict[str, int]:
    rows = _query(
        server,
        "SELECT client_id, count(*) FROM messages WHERE client_id IS NOT NULL"
        " GROUP BY session_id, client_id",
    )
    return {cid: n for cid, n in rows}


def _seq_gaps(server: AppProcess) -> int:
    """Sessions whose messages are not numbered exactly 1..n."""
    return _query(
        server,
        "SELECT count(*) FROM (SELECT session_id, count(*) AS n, min(seq) AS lo,"
        " max(seq) AS hi FROM messages GROUP BY session_id) AS g WHERE lo != 1 OR hi != n",
    )[0][0]


def _query(server: AppProcess, sql: str) -> list[Any]:
    """Rows of a read of the server's database: its SQLite file, or its PostgreSQL database."""
    if str(server.database).startswith("postgresql://"):
        import psycopg

        with psycopg.connect(str(server.database)) as conn:
            return conn.execute(sql).fetchall()
    with sqlite3.connect(f"file:{server.database}?mode=ro", uri=True) as db:
        return db.execute(sql).fetchall()
