"""The cost of sending a 10 MiB file: `python -m bench.upload` (time per upload, server memory)."""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

import httpx

from bench.server import app_server

MIB = 1024 * 1024


def peak_rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    return 0


def measure(count: int, size: int) -> dict[str, float]:
    # A PNG signature then filler: the content check reads the head; the rest is copied as is.
    body = b"\x89PNG\r\n\x1a\n" + b"\x00" * (size - 8)
    with app_server("--no-ai", cpu=0) as server, httpx.Client(base_url=server.url) as http:
        key = http.post("/api/v1/chat/public/start", json={}).json()["session_key"]
        http.post("/api/v1/chat/public/message", json={"session_key": key, "content": "hi"})
        before = server.rss_kib()
        timings = []
        for n in range(count):
            began = time.perf_counter()
            answer = http.post(
                "/api/v1/chat/public/attachments",
                data={"session_key": key, "client_id": f"u{n}"},
                files={"file": (f"f{n}.png", body, "image/png")},
                timeout=60,
            )
            timings.append((time.perf_counter() - began) * 1000)
            assert answer.status_code == 201, answer.text
        peak = peak_rss_kib(server.process.pid)
    return {
        "size_mib": size / MIB,
        "count": count,
        "median_ms": statistics.median(timings),
        "max_ms": max(timings),
        "rss_before_mib": before / 1024,
        "peak_rss_mib": peak / 1024,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--count", type=int, default=10)
    parser.add_argument("--size-mib", type=float, default=10)
    args = parser.parse_args()
    result = measure(args.count, int(args.size_mib * MIB))
    print(
        ", ".join(f"{k} {v:.1f}" if isinstance(v, float) else f"{k} {v}" for k, v in result.items())
    )


if __name__ == "__main__":
    main()
