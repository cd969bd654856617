"""`python -m bench fanout`: the design load, reduced, for A/B runs of the hot path (issue #24).

The same generator as the full benchmark (bench/load.py), on fewer customer sockets and for a
shorter time, reporting what load on a shared machine distorts least: the server's CPU time per
message and per delivered frame (each message goes to every agent and acks its sender). With
`--profile FILE`, py-spy samples the server meanwhile (collapsed stacks into FILE) and the
share of samples under each key frame is printed. With `--postgres URL` (an empty database:
the app migrates it) the server runs on PostgreSQL.
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

from bench import load
from bench.server import app_server, pin_generator, raise_file_limit
from bench.stats import fmt_ms

# Frames whose share of the server's samples says where a message's time goes, as py-spy
# names them ("function (path/to/file.py:line)"): the fan-out, each way a frame is written
# (straight from the hub with --ws direct, else the sender task's ASGI send), the receiver,
# and the writer thread's transaction.
KEY_FRAMES = (
    "deliver (chat/hub/hub.py",
    "offer (chat/hub/hub.py",
    "write (chat/transport.py",
    "_send (chat/routes/ws.py",
    "send (uvicorn/protocols/websockets",
    "_receive (chat/routes/ws.py",
    "_transaction (chat/storage/database.py",
    "_commit (chat/storage/database.py",
)


def run(
    customers: int,
    agents: int,
    rate: float,
    seconds: float,
    flags: list[str],
    profile: Path | None = None,
    script: tuple[str, ...] = ("app.py",),
    database: str = "",
) -> dict[str, Any]:
    """The reduced design load against app.py (or `script`) started with `flags`, on a fresh
    SQLite file or on `database` (an empty PostgreSQL database's URL)."""
    server_cpu = pin_generator()
    raise_file_limit()
    with app_server("--no-ai", *flags, cpu=server_cpu, script=script, database=database) as server:
        pid = server.process.pid  # type: ignore[union-attr]
        samples: list[tuple[float, int]] = []
        spies: list[subprocess.Popen[bytes]] = []

        generator: list[float] = []

        def measure() -> None:  # once the sockets are open, and once all is heard
            samples.append((server.cpu_seconds(), server.rss_kib()))
            generator.append(time.process_time())
            if profile is not None and not spies:
                spies.append(_start_profile(pid, profile, seconds))

        tally, sent = asyncio.run(
            load.drive(server.url, server.ws_url, customers, agents, rate, seconds, measure)
        )
        (cpu_before, _), (cpu_after, rss) = samples
        result = load.report(
            server, tally, sent, cpu_after - cpu_before, rss, customers, agents, rate, seconds
        )
        for spy in spies:
            spy.wait(timeout=seconds + 60)
    # the generator's own CPU (this process): what it spends per message is time a frame may
    # wait in it before it is timed, on its one core
    result["generator_cpu_us_per_message"] = (generator[1] - generator[0]) / max(1, sent) * 1e6
    frames = agents + 1  # each agent's copy and the sender's ack
    result["server_cpu_us_per_frame"] = result["server_cpu_ms_per_message"] * 1000 / frames
    return result


def _start_profile(pid: int, out: Path, seconds: float) -> subprocess.Popen[bytes]:
    spy = shutil.which("py-spy") or str(Path(sys.executable).with_name("py-spy"))
    # --nonblocking: sampled without stopping the server, so the run's figures still count
    command = [spy, "record", "--pid", str(pid), "--format", "raw", "--rate", "250"]
    command += ["--nonblocking"]
    command += ["--duration", str(int(seconds)), "--output", str(out)]
    return subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def shares(collapsed: Path, keys: tuple[str, ...] = KEY_FRAMES) -> list[tuple[str, float]]:
    """The share of all samples (every thread) with each key frame on the stack."""
    totals: Counter[str] = Counter()
    samples = 0
    for line in collapsed.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        samples += int(count)
        for key in keys:
            if key in stack:
                totals[key] += int(count)
    return [(key, totals[key] / max(1, samples)) for key in keys]


def load_arguments(parser: argparse.ArgumentParser, seconds: float) -> None:
    """The reduced design load's options, shared by the scenarios that run it."""
    parser.add_argument("--customers", type=int, default=500)
    parser.add_argument("--agents", type=int, default=50)
    parser.add_argument("--rate", type=float, default=200.0)
    parser.add_argument("--seconds", type=float, default=seconds)


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench fanout", description=__doc__)
    load_arguments(parser, seconds=20.0)
    parser.add_argument("--profile", type=Path, help="py-spy's collapsed stacks go here")
    parser.add_argument("--postgres", default="", help="an empty PostgreSQL database's URL")
    parser.add_argument("flags", nargs="*", help="more flags for app.py (after --)")
    args = parser.parse_args(argv)
    result = run(
        args.customers,
        args.agents,
        args.rate,
        args.seconds,
        args.flags,
        args.profile,
        database=args.postgres,
    )
    print(
        f"{result['sent']} sent, {result['acked']} acked; ack p50 {fmt_ms(result['ack_ms']['p50'])}"
        f" p99 {fmt_ms(result['ack_ms']['p99'])}; delivery p50 "
        f"{fmt_ms(result['delivery_ms']['p50'])} p99 {fmt_ms(result['delivery_ms']['p99'])}; "
        f"server CPU {result['server_cpu_ms_per_message'] * 1000:.0f} µs/message, "
        f"{result['server_cpu_us_per_frame']:.1f} µs/frame; generator CPU "
        f"{result['generator_cpu_us_per_message']:.0f} µs/message; lost {result['lost']}, "
        f"duplicated {result['duplicated']}, out of order {result['out_of_order']}"
    )
    if args.profile and args.profile.exists():
        for key, share in shares(args.profile):
            print(f"  {share:6.1%}  {key}")


if __name__ == "__main__":
    main(sys.argv[1:])
