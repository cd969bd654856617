"""`python -m bench servers`: our app, unchanged, under each ASGI server (issue #24).

uvicorn with each of its WebSocket implementations, Granian's ASGI interface and Hypercorn run
the same reduced design load (bench.fanout: the same generator as the full benchmark) and hold
the same idle customer sockets; the table gives delivery and ack p99, the server's CPU per
delivered frame and its memory per idle socket. Servers run one after another, so run it twice
and compare within a run: this machine's load moves the latencies between runs.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from typing import Any

from bench import fanout
from bench.server import app_server
from bench.stats import fmt_ms
from bench.ws_choice import _idle_rss

SERVERS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    # name: (script, flags)
    "uvicorn direct (chat/transport.py)": (("app.py",), ("--ws", "direct")),
    "uvicorn websockets-sansio": (("app.py",), ("--ws", "websockets-sansio")),
    "uvicorn websockets": (("app.py",), ("--ws", "websockets")),
    "uvicorn wsproto": (("app.py",), ("--ws", "wsproto")),
    "granian (ASGI)": (("-m", "bench.serve_with", "granian"), ()),
    "hypercorn": (("-m", "bench.serve_with", "hypercorn"), ()),
}


def measure(name: str, args: argparse.Namespace) -> dict[str, Any]:
    script, flags = SERVERS[name]
    try:
        load = fanout.run(
            args.customers, args.agents, args.rate, args.seconds, list(flags), script=script
        )
        env = {"SWITCHBOARD_SOCKETS_PER_SESSION": str(args.idle + 10)}
        with app_server("--no-ai", *flags, env=env, cpu=0, script=script) as server:
            idle = asyncio.run(_idle_rss(server, args.idle))
    except Exception as error:  # a server that cannot run our app is a finding, not a crash
        return {"server": name, "error": f"{type(error).__name__}: {error}"[:200]}
    return {"server": name, "load": load, "kib_per_idle_socket": idle}


def row(result: dict[str, Any]) -> str:
    if "error" in result:
        return f"| {result['server']} | could not run: {result['error']} | | | | |"
    load = result["load"]
    return (
        f"| {result['server']} | {fmt_ms(load['delivery_ms']['p99'])} | "
        f"{fmt_ms(load['ack_ms']['p99'])} | {load['server_cpu_us_per_frame']:.1f} | "
        f"{result['kib_per_idle_socket']:.1f} | {load['lost']} |"
    )


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench servers", description=__doc__)
    fanout.load_arguments(parser, seconds=15.0)
    parser.add_argument("--idle", type=int, default=1000, help="idle sockets for the memory")
    parser.add_argument("--only", nargs="*", choices=list(SERVERS), default=list(SERVERS))
    args = parser.parse_args(argv)
    print("| server | delivery p99 | ack p99 | µs CPU/frame | KiB/idle socket | lost |")
    print("|---|---|---|---|---|---|")
    for name in args.only:
        print(row(measure(name, args)), flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
