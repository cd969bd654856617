"""`python -m bench [--quick]`: run every scenario, print the table, write the results as JSON.

The server runs in a subprocess on 127.0.0.1 with a fresh database, pinned to core 0; this load
generator pins itself to core 1 where the machine has two.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench import ai_reply, idle, load, saturation, wire
from bench.server import ROOT, app_server, pin_generator, raise_file_limit
from bench.stats import fmt_ms

RESULTS = ROOT / "bench" / "results"


@dataclass(frozen=True)
class Plan:
    customers: int
    agents: int
    rate: float
    seconds: float
    step_seconds: float
    max_senders: int
    levels: tuple[str, ...]
    idle_steps: list[int]
    ai_conversations: int
    wire_run_seconds: float  # each of bench.wire's timed runs takes at least this long


FULL = Plan(
    2000, 50, 200.0, 60.0, 4.0, 256, ("FULL", "NORMAL"), [1000, 2500, 5000, 10000], 200, 0.2
)
QUICK = Plan(100, 5, 50.0, 8.0, 1.0, 16, ("FULL",), [200, 500], 20, 0.02)


def run_all(plan: Plan) -> dict[str, Any]:
    server_cpu = pin_generator()
    raise_file_limit()
    results: dict[str, Any] = {"plan": plan.__dict__, "machine": _machine()}
    results["wire"] = wire.measure(min_seconds=plan.wire_run_seconds)  # before any server runs
    with app_server("--no-ai", cpu=server_cpu) as server:
        results["design_load"] = asyncio.run(
            load.run(server, plan.customers, plan.agents, plan.rate, plan.seconds)
        )
    results["saturation"] = {}
    for level in plan.levels:
        with app_server("--no-ai", "--synchronous", level, cpu=server_cpu) as server:
            results["saturation"][level] = asyncio.run(
                saturation.run(server, 10, plan.step_seconds, plan.max_senders)
            )
    with app_server(cpu=server_cpu, script=("bench/bare.py",)) as server:
        results["bare_transport"] = asyncio.run(
            saturation.run(server, 10, plan.step_seconds, plan.max_senders)
        )
    with app_server("--no-ai", cpu=server_cpu) as server:
        results["idle"] = asyncio.run(idle.run(server, plan.idle_steps))
    results["ai_first_reply"] = {}
    for delay in ("0.25", "0"):
        env = {"SWITCHBOARD_AI_REPLY_DELAY": delay}
        with app_server(env=env, cpu=server_cpu) as server:
            results["ai_first_reply"][f"pause {delay} s"] = asyncio.run(
                ai_reply.run(server, plan.ai_conversations)
            )
    return results


def _machine() -> dict[str, Any]:
    return {
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "when": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
    }


def table(results: dict[str, Any]) -> str:
    design = results["design_load"]
    lines = [
        f"design load: {design['customers']} customers, {design['agents']} agents, "
        f"{design['rate_per_s']:.0f} msg/s for {design['seconds']:.0f} s, "
        f"{design['sent']} sent, {design['acked']} acked",
        _row("  send -> ack", design["ack_ms"]),
        _row("  customer -> each agent", design["delivery_ms"]),
        f"  server CPU {design['server_cpu_ms_per_message']:.2f} ms/message, "
        f"RSS {design['server_rss_mib']:.0f} MiB; lost {design['lost']}, duplicated "
        f"{design['duplicated']}, out of order {design['out_of_order']}, "
        f"seq gaps {design['seq_gaps']}",
    ]
    bare_best = results["bare_transport"]["best"]
    for level, sat in results["saturation"].items():
        best = sat["best"]
        rate = best["messages_per_s"] if best else 0.0
        ratio = rate / bare_best["messages_per_s"] if bare_best else float("nan")
        lines.append(
            f"saturation, synchronous={level}: {rate:.0f} persisted msg/s with p99 ack "
            f"<= {sat['p99_bound_ms']:.0f} ms (10 agents); {ratio:.2f} of bare; "
            f"server CPU {_cpu_us(best)} per message"
        )
    if bare_best:
        lines.append(
            f"bare transport: {bare_best['messages_per_s']:.0f} msg/s, p99 "
            f"{fmt_ms(bare_best['ack_ms']['p99'])}, server CPU {_cpu_us(bare_best)} per message"
        )
    for step in results["idle"]["steps"]:
        lines.append(
            f"idle: {step['sockets']} sockets opened in {step['open_seconds']:.1f} s, "
            f"{step['kib_per_socket']:.1f} KiB/socket, RSS {step['rss_mib']:.0f} MiB"
        )
    for name, ai in results["ai_first_reply"].items():
        lines.append(_row(f"AI first reply ({name})", ai["reply_ms"]))
    lines.append(wire.table(results["wire"]))
    return "\n".join(lines)


def _cpu_us(step: dict[str, Any] | None) -> str:
    """The server's CPU time (user + system) over a saturation step, per persisted message."""
    return "n/a" if step is None else f"{step['server_cpu_ms_per_message'] * 1000:.0f} µs"


def _row(name: str, stats: dict[str, float]) -> str:
    return (
        f"{name}: p50 {fmt_ms(stats['p50'])}, p90 {fmt_ms(stats['p90'])}, "
        f"p99 {fmt_ms(stats['p99'])}, p99.9 {fmt_ms(stats['p99.9'])}, "
        f"max {fmt_ms(stats['max'])} (n={stats['count']})"
    )


def main() -> None:
    if sys.argv[1:2] == ["cluster"]:
        from bench.cluster_load import main as cluster

        cluster(sys.argv[2:])
        return
    if sys.argv[1:2] == ["reports"]:
        from bench.reports import main as reports

        reports(sys.argv[2:])
        return
    if sys.argv[1:2] == ["routing"]:
        from bench.routing import main as routing

        routing(sys.argv[2:])
        return
    if sys.argv[1:2] == ["ai-eval"]:
        from bench.ai_eval import main as ai_eval

        ai_eval(sys.argv[2:])
        return
    if sys.argv[1:2] == ["fanout"]:
        from bench.fanout import main as fanout

        fanout(sys.argv[2:])
        return
    if sys.argv[1:2] == ["servers"]:
        from bench.servers import main as servers

        servers(sys.argv[2:])
        return
    if sys.argv[1:2] == ["node"]:
        from bench.node_side import main as node

        node(sys.argv[2:])
        return
    if sys.argv[1:2] == ["idle_breakdown"]:
        from bench.idle_breakdown import main as idle_breakdown

        idle_breakdown(sys.argv[2:])
        return
    if sys.argv[1:2] == ["crash"]:
        from bench.crash import main as crash

        crash(sys.argv[2:])
        return
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="a small run, under a minute")
    parser.add_argument(
        "--json", type=Path, help="where to write the results (default bench/results/latest.json)"
    )
    args = parser.parse_args()
    began = time.monotonic()
    results = run_all(QUICK if args.quick else FULL)
    results["seconds"] = time.monotonic() - began
    print(table(results))
    target = args.json or RESULTS / ("quick.json" if args.quick else "latest.json")
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(json.dumps(results, indent=2))
    print(f"results: {target} ({results['seconds']:.0f} s)")


if __name__ == "__main__":
    main()
