"""`python -m bench cluster [--quick]`: the design load on 1 node and on 3 nodes behind HAProxy,
both on PostgreSQL and Redis, and the PostgreSQL commit ceiling measured on this machine.

The same open-loop load (bench/load.py: customers send over their sockets, every agent sees
every message) runs against a cluster of 1 and then of 3 nodes, each behind HAProxy, so the two
differ only in the number of nodes. Each node's CPU time (user + system, from /proc) over the
run is divided by the messages sent: the per-node cost of a message. Every node pays for the
fan-out to its own agent sockets; only the node a customer's socket landed on pays for storing
the message, so per-node cost falls as nodes are added, but not to a third.

The commit ceiling: write transactions that take the event counter row (as every write of the
app does) from several connections at once, for a few seconds. The counter row makes writes
one at a time across the cluster, so this rate, times the messages each group commit carries,
bounds what any number of nodes can store.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import threading
import time
from collections.abc import Sequence
from typing import Any

import psycopg

from bench import load
from bench.cluster import Cluster, cluster, fresh_database
from bench.server import ROOT
from bench.stats import fmt_ms, summary

RESULTS = ROOT / "bench" / "results"


def machine_busy() -> tuple[float, float]:
    """Seconds of CPU the whole machine spent busy and in all, from /proc/stat."""
    fields = [float(x) for x in open("/proc/stat").readline().split()[1:]]
    idle = fields[3] + fields[4]
    return sum(fields) - idle, sum(fields)


async def design_load(
    made: Cluster, customers: int, agents: int, rate: float, seconds: float
) -> dict[str, Any]:
    samples: list[tuple[list[float], tuple[float, float]]] = []
    tally, sent = await load.drive(
        made.url,
        made.ws_url,
        customers,
        agents,
        rate,
        seconds,
        lambda: samples.append(([node.cpu_seconds() for node in made.nodes], machine_busy())),
    )
    (before, (busy_before, all_before)), (after, (busy_after, all_after)) = samples
    cpu = [was_after - was for was_after, was in zip(after, before, strict=True)]
    stored = _stored(made.database)
    acked = set(tally.acks)
    return {
        "nodes": len(made.nodes),
        "customers": customers,
        "agents": agents,
        "rate_per_s": rate,
        "seconds": seconds,
        "sent": sent,
        "acked": len(acked),
        "ack_ms": summary(list(tally.acks.values())),
        "delivery_ms": summary([ms for seen in tally.delivered for ms in seen.values()]),
        "node_cpu_us_per_message": [c / max(1, sent) * 1e6 for c in cpu],
        "cluster_cpu_us_per_message": sum(cpu) / max(1, sent) * 1e6,
        "machine_busy_share": (busy_after - busy_before) / max(1e-9, all_after - all_before),
        "lost": sum(1 for cid in acked if stored.get(cid, 0) == 0)
        + sum(1 for seen in tally.delivered for cid in acked if cid not in seen),
        "duplicated": tally.duplicates + sum(1 for n in stored.values() if n > 1),
        "out_of_order": tally.out_of_order,
    }


def _stored(database: str) -> dict[str, int]:
    with psycopg.connect(database) as conn:
        rows = conn.execute(
            "SELECT client_id, count(*) FROM messages WHERE client_id IS NOT NULL"
            " GROUP BY session_id, client_id"
        ).fetchall()
    return {cid: n for cid, n in rows}


def commit_ceiling(connections: int = 8, seconds: float = 5.0) -> dict[str, Any]:
    """Transactions per second that each lock the one counter row, bump it and commit, from
    `connections` connections at once: the write rate the cluster's event order allows."""
    with fresh_database() as url:
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute("CREATE TABLE counter (id int PRIMARY KEY, head bigint NOT NULL)")
            conn.execute("INSERT INTO counter VALUES (1, 0)")
        counts = [0] * connections
        stop = time.monotonic() + seconds

        def worker(index: int) -> None:
            with psycopg.connect(url) as conn:
                while time.monotonic() < stop:
                    with conn.transaction():
                        conn.execute("SELECT head FROM counter WHERE id = 1 FOR UPDATE")
                        conn.execute("UPDATE counter SET head = head + 1 WHERE id = 1")
                    counts[index] += 1

        began = time.monotonic()
        threads = [threading.Thread(target=worker, args=(i,)) for i in range(connections)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        elapsed = time.monotonic() - began
        with psycopg.connect(url) as conn:
            head = conn.execute("SELECT head FROM counter").fetchone()[0]
            setting = conn.execute("SHOW synchronous_commit").fetchone()[0]
    assert head == sum(counts)
    return {
        "connections": connections,
        "seconds": elapsed,
        "commits_per_s": head / elapsed,
        "synchronous_commit": setting,
    }


def run(quick: bool) -> dict[str, Any]:
    customers, agents, rate, seconds = (40, 3, 40.0, 5.0) if quick else (300, 12, 150.0, 20.0)
    results: dict[str, Any] = {"commit_ceiling": commit_ceiling(seconds=2.0 if quick else 5.0)}
    for size in (1, 3):
        with cluster(size) as made:
            results[f"{size}_nodes"] = asyncio.run(
                design_load(made, customers, agents, rate, seconds)
            )
    return results


def table(results: dict[str, Any]) -> str:
    ceiling = results["commit_ceiling"]
    lines = [
        f"PostgreSQL commit ceiling: {ceiling['commits_per_s']:.0f} counter-row transactions/s "
        f"({ceiling['connections']} connections, "
        f"synchronous_commit={ceiling['synchronous_commit']})"
    ]
    for key in ("1_nodes", "3_nodes"):
        run_ = results[key]
        per_node = ", ".join(f"{us:.0f}" for us in run_["node_cpu_us_per_message"])
        lines.append(
            f"{run_['nodes']} node(s), {run_['rate_per_s']:.0f} msg/s, {run_['customers']} "
            f"customers, {run_['agents']} agents: CPU per message per node [{per_node}] µs, "
            f"all nodes {run_['cluster_cpu_us_per_message']:.0f} µs; ack p50 "
            f"{fmt_ms(run_['ack_ms']['p50'])} p99 {fmt_ms(run_['ack_ms']['p99'])}; delivery p99 "
            f"{fmt_ms(run_['delivery_ms']['p99'])}; machine busy {run_['machine_busy_share']:.0%}; "
            f"lost {run_['lost']}, duplicated {run_['duplicated']}, "
            f"out of order {run_['out_of_order']}"
        )
    return "\n".join(lines)


def main(argv: Sequence[str]) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench cluster", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="a small run, under a minute")
    args = parser.parse_args(list(argv))
    began = time.monotonic()
    results = run(args.quick)
    results["seconds"] = time.monotonic() - began
    print(table(results))
    target = RESULTS / ("cluster-quick.json" if args.quick else "cluster.json")
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(json.dumps(results, indent=2))
    print(f"results: {target} ({results['seconds']:.0f} s)")
