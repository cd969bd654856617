"""The disk's floor under a durable ack: `python -m bench.fsync [--syncs 2000] [--folder DIR]`.

Every acknowledged message waits for one `fdatasync` of SQLite's WAL at synchronous=FULL (one
per write batch), and so does its delivery, which goes out after the commit. This appends
pages to a file as the WAL does (three 4 KiB pages per sync: a small batch) and times each
`fdatasync`: no ack or delivery p99 can be lower than this p99 on the same disk, whatever the
server does.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

from bench.stats import summary

PAGE = 4096


def measure(folder: Path, syncs: int, pages: int = 3) -> dict[str, float]:
    """Milliseconds per fdatasync, after appending `pages` pages each time."""
    timings = []
    with tempfile.NamedTemporaryFile(dir=folder) as file:
        fd = file.fileno()
        block = os.urandom(PAGE * pages)
        for n in range(syncs):
            os.pwrite(fd, block, (n % 1000) * len(block))  # a WAL of 1,000 batches, reused
            began = time.perf_counter()
            os.fdatasync(fd)
            timings.append((time.perf_counter() - began) * 1000)
    return summary(timings)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--syncs", type=int, default=2000)
    parser.add_argument("--folder", type=Path, default=Path(tempfile.gettempdir()))
    args = parser.parse_args()
    found = measure(args.folder, args.syncs)
    print(
        f"fdatasync of 12 KiB in {args.folder}: p50 {found['p50']:.2f} ms, p90"
        f" {found['p90']:.2f} ms, p99 {found['p99']:.2f} ms, max {found['max']:.2f} ms"
        f" ({args.syncs:,} syncs)"
    )


if __name__ == "__main__":
    main()
