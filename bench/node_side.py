"""`python -m bench node`: our app and a Node.js reference server side by side (issue #24).

bench/node/server.js is a straightforward `ws` + better-sqlite3 server (one transaction per
message) that speaks the part of our protocol the design load uses; this runs the same reduced
design load (bench.fanout) against it and against `python app.py`, alternately, `--rounds`
times, each server pinned to core 0 and the generator to core 1. It runs `npm ci` in
bench/node first when node_modules is missing.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
from typing import Any

from bench import fanout
from bench.server import ROOT
from bench.stats import fmt_ms

NODE = ROOT / "bench" / "node"
# app_server starts `python SCRIPT...`; this one pins itself (and so every thread node starts)
# to core 0 where there are two, then becomes node, keeping the pid that bench measures.
LAUNCH = (
    "import os, sys\n"
    "if (os.cpu_count() or 1) >= 2: os.sched_setaffinity(0, {0})\n"
    "os.execvp('node', ['node', sys.argv[1], *sys.argv[2:]])"
)


def install() -> None:
    if not (NODE / "node_modules").is_dir():
        if shutil.which("npm") is None:
            raise SystemExit("bench node needs Node.js 20 and npm")
        subprocess.run(["npm", "ci", "--no-audit", "--no-fund"], cwd=NODE, check=True)


def row(name: str, result: dict[str, Any]) -> str:
    return (
        f"| {name} | {fmt_ms(result['delivery_ms']['p50'])} / "
        f"{fmt_ms(result['delivery_ms']['p99'])} | {fmt_ms(result['ack_ms']['p50'])} / "
        f"{fmt_ms(result['ack_ms']['p99'])} | {result['server_cpu_ms_per_message'] * 1000:.0f} | "
        f"{result['server_cpu_us_per_frame']:.1f} | {result['lost']} |"
    )


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench node", description=__doc__)
    fanout.load_arguments(parser, seconds=15.0)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args(argv)
    install()
    sides = {
        "Switchboard (uvicorn)": ((), ("app.py",)),
        "Node.js (ws + better-sqlite3)": ((), ("-c", LAUNCH, str(NODE / "server.js"))),
    }
    print("| server | delivery p50 / p99 | ack p50 / p99 | µs CPU/message | µs CPU/frame | lost |")
    print("|---|---|---|---|---|---|")
    for _ in range(args.rounds):
        for name, (flags, script) in sides.items():
            result = fanout.run(
                args.customers, args.agents, args.rate, args.seconds, list(flags), script=script
            )
            print(row(name, result), flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
