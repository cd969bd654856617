"""`python -m bench idle_breakdown`: what one idle customer socket holds, by tracemalloc (#24).

The server runs under tracemalloc (`python -m bench.idle_breakdown --serve FLAGS` wraps app.py
and dumps a snapshot on SIGUSR1). After a warm-up of 50 sockets, a snapshot; then `--sockets`
more idle customer sockets, and another. The difference, divided by the sockets, is given by
where it was allocated (the package of the allocating line) and by our own code that caused
it (the innermost frame under chat/ in the allocation's traceback), beside the RSS per socket:
what tracemalloc does not see is C memory (uvloop's transports, the sockets' own buffers).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import sys
import time
import tracemalloc
from collections import Counter
from pathlib import Path

from bench.client import open_many, start_sessions
from bench.server import AppProcess, app_server

FRAMES = 12  # traceback depth kept per allocation: enough to reach our code from asyncio's


def serve(argv: list[str]) -> None:
    """Run app.py under tracemalloc; each SIGUSR1 dumps a snapshot to $BENCH_SNAPSHOT.N."""
    tracemalloc.start(FRAMES)
    target, dumped = os.environ["BENCH_SNAPSHOT"], [0]

    def dump(*_: object) -> None:
        dumped[0] += 1
        tracemalloc.take_snapshot().dump(f"{target}.{dumped[0]}")

    signal.signal(signal.SIGUSR1, dump)
    import app  # the server as `python app.py` runs it

    app.main(argv)


def _package(filename: str) -> str:
    parts = Path(filename).parts
    for marker in ("chat", "site-packages"):
        if marker in parts:
            at = parts.index(marker)
            name = parts[at + 1] if marker == "site-packages" else "/".join(parts[at:])
            return name.removesuffix(".py")
    return Path(filename).name if "python3" in filename else filename


def _ours(trace: tracemalloc.Traceback) -> str:
    for frame in reversed(trace):  # stored oldest call first
        if f"{os.sep}chat{os.sep}" in frame.filename:
            return f"{_package(frame.filename)}:{frame.lineno}"
    return "(none of ours)"


def breakdown(before: Path, after: Path, sockets: int) -> tuple[Counter[str], Counter[str]]:
    """Bytes per socket by allocating package, and by our line that caused them."""
    old = tracemalloc.Snapshot.load(str(before))
    new = tracemalloc.Snapshot.load(str(after))
    by_package: Counter[str] = Counter()
    by_ours: Counter[str] = Counter()
    for diff in new.compare_to(old, "traceback"):
        if diff.size_diff <= 0:
            continue
        by_package[_package(diff.traceback[-1].filename)] += diff.size_diff
        by_ours[_ours(diff.traceback)] += diff.size_diff
    for counter in (by_package, by_ours):
        for key in counter:
            counter[key] = counter[key] / sockets  # type: ignore[assignment]
    return by_package, by_ours


async def _open(server: AppProcess, sockets: int, warm: int) -> tuple[list[Path], int]:
    import httpx

    async with httpx.AsyncClient(base_url=server.url, timeout=60) as http:
        keys = await start_sessions(http, (sockets + warm) // 10 + 2)
    urls = [f"{server.ws_url}/ws/public/{keys[i // 10]}" for i in range(sockets + warm)]
    opened = await open_many(urls[:warm])
    snaps = [_snapshot(server, 1)]
    rss = server.rss_kib()
    opened += await open_many(urls[warm:])
    await asyncio.sleep(1.0)
    snaps.append(_snapshot(server, 2))
    rss = server.rss_kib() - rss
    await asyncio.gather(*(ws.close() for ws in opened), return_exceptions=True)
    return snaps, rss


def _snapshot(server: AppProcess, n: int) -> Path:
    assert server.process is not None
    path = Path(server.env["BENCH_SNAPSHOT"] + f".{n}")
    os.kill(server.process.pid, signal.SIGUSR1)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if path.exists() and path.stat().st_size and _settled(path):
            return path
        time.sleep(0.2)
    raise RuntimeError("no snapshot from the server")


def _settled(path: Path) -> bool:
    size = path.stat().st_size
    time.sleep(0.3)
    return path.stat().st_size == size


def main(argv: list[str]) -> None:
    if argv[:1] == ["--serve"]:
        serve(argv[1:])
        return
    parser = argparse.ArgumentParser(prog="python -m bench idle_breakdown", description=__doc__)
    parser.add_argument("--sockets", type=int, default=1000)
    parser.add_argument("--top", type=int, default=12)
    args = parser.parse_args(argv)
    folder = Path(os.environ.get("TMPDIR", "/tmp")) / f"idle-breakdown-{os.getpid()}"
    folder.mkdir(exist_ok=True)
    env = {"BENCH_SNAPSHOT": str(folder / "snapshot")}
    script = ("-m", "bench.idle_breakdown", "--serve")
    with app_server("--no-ai", env=env, cpu=0, script=script) as server:
        (before, after), rss = asyncio.run(_open(server, args.sockets, 50))
    by_package, by_ours = breakdown(before, after, args.sockets)
    total = sum(by_package.values())
    print(
        f"{args.sockets} idle customer sockets: tracemalloc sees {total / 1024:.1f} KiB of Python"
        f" objects per socket (RSS {rss / args.sockets:.1f} KiB, its own traces included)"
    )
    for title, counter in (("allocated in", by_package), ("caused by our line", by_ours)):
        print(f"| {title} | bytes per socket | share |\n|---|---|---|")
        for key, size in counter.most_common(args.top):
            print(f"| {key} | {size:,.0f} | {size / total:.0%} |")


if __name__ == "__main__":
    main(sys.argv[1:])
