"""The cost of one durable send through the REST API: `python -m bench.rest_send`."""

from __future__ import annotations

import argparse
import statistics
import time

import httpx

from bench.server import app_server


def measure(count: int, synchronous: str) -> dict[str, float]:
    with app_server("--synchronous", synchronous, "--no-ai", cpu=0) as server:
        with httpx.Client(base_url=server.url) as http:
            key = http.post("/api/v1/chat/public/start", json={}).json()["session_key"]
            timings = []
            for n in range(count):
                body = {"session_key": key, "content": f"message {n}", "client_id": f"b{n}"}
                began = time.perf_counter()
                answer = http.post("/api/v1/chat/public/message", json=body)
                timings.append((time.perf_counter() - began) * 1000)
                assert answer.status_code == 201, answer.text
    timings.sort()
    return {
        "median_ms": statistics.median(timings),
        "p99_ms": timings[int(len(timings) * 0.99) - 1],
        "count": count,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--count", type=int, default=2000)
    args = parser.parse_args()
    for level in ("FULL", "NORMAL"):
        result = measure(args.count, level)
        print(
            f"synchronous={level}: one REST send, median {result['median_ms']:.2f} ms, "
            f"p99 {result['p99_ms']:.2f} ms over {result['count']} sequential sends"
        )


if __name__ == "__main__":
    main()
