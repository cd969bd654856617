"""Idle sockets past one generator's file limit: `python -m bench.idle_many [--sockets 19900]
[--processes 2]`.

One server (`python app.py --no-ai`, pinned like `python -m bench`), and the sockets opened by
several generator processes, since a process may hold no more files than its limit (20,000 on
this machine kind, which a container cannot raise; the server's own limit is the same, so
19,900 leaves room for its database and listening files). Each generator opens its share of
customer sockets (10 per conversation) and holds them; once all are open the server's RSS is
read, /healthz is asked, and one socket per generator must still get a reply to a ping.
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import time
from multiprocessing.connection import Connection

import httpx

from bench.client import open_many, start_sessions
from bench.idle import PER_SESSION
from bench.server import app_server, healthy, pin_generator, raise_file_limit


def _hold(urls: list[str], pipe: Connection) -> None:
    raise_file_limit()

    async def hold() -> None:
        began = time.perf_counter()
        opened = await open_many(urls)
        pipe.send(time.perf_counter() - began)
        pipe.recv()  # measured: check one socket still answers, then close
        await asyncio.wait_for(await opened[-1].ping(), 10)
        pipe.send("alive")
        pipe.recv()
        await asyncio.gather(*(ws.close() for ws in opened), return_exceptions=True)

    asyncio.run(hold())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sockets", type=int, default=19_900)
    parser.add_argument("--processes", type=int, default=2)
    args = parser.parse_args()
    cpu = pin_generator()
    raise_file_limit()
    with app_server("--no-ai", cpu=cpu) as server:

        async def keys() -> list[str]:
            async with httpx.AsyncClient(base_url=server.url, timeout=60) as http:
                return await start_sessions(http, args.sockets // PER_SESSION + 1)

        found = asyncio.run(keys())
        time.sleep(0.5)
        base = server.rss_kib()
        urls = [f"{server.ws_url}/ws/public/{found[i // PER_SESSION]}" for i in range(args.sockets)]
        share = -(-len(urls) // args.processes)
        context = multiprocessing.get_context("spawn")
        pipes, workers = [], []
        began = time.perf_counter()
        for n in range(args.processes):
            ours, theirs = context.Pipe()
            worker = context.Process(target=_hold, args=(urls[n * share : (n + 1) * share], theirs))
            worker.start()
            pipes.append(ours)
            workers.append(worker)
        opening = [pipe.recv() for pipe in pipes]
        seconds = time.perf_counter() - began
        time.sleep(1.0)
        rss = server.rss_kib()
        alive = healthy(server.url)
        for pipe in pipes:
            pipe.send("check")
        answers = [pipe.recv() for pipe in pipes]
        for pipe in pipes:
            pipe.send("close")
        for worker in workers:
            worker.join(60)
    print(
        f"{args.sockets} idle customer sockets from {args.processes} generators opened in"
        f" {seconds:.1f} s (each: {', '.join(f'{s:.1f} s' for s in opening)});"
        f" server RSS {base / 1024:.0f} -> {rss / 1024:.0f} MiB,"
        f" {(rss - base) / args.sockets:.1f} KiB per socket;"
        f" /healthz {'200' if alive else 'FAILED'};"
        f" a ping on each generator's last socket: {', '.join(answers)}"
    )


if __name__ == "__main__":
    main()
