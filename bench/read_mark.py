"""The cost of a read receipt through the REST API: `python -m bench.read_mark`.

Sequential marks on one conversation of `count` messages: first each one advancing (a write,
a stored `chat.read`), then the same seqs again, which only read and change nothing."""

from __future__ import annotations

import argparse
import statistics
import time

import httpx

from bench.server import app_server


def _stats(timings: list[float]) -> str:
    timings = sorted(timings)
    p99 = timings[int(len(timings) * 0.99) - 1]
    return f"median {statistics.median(timings):.2f} ms, p99 {p99:.2f} ms"


def measure(count: int) -> dict[str, str]:
    with app_server("--no-ai", cpu=0) as server:
        with httpx.Client(base_url=server.url) as http:
            key = http.post("/api/v1/chat/public/start", json={}).json()["session_key"]
            for n in range(count):
                body = {"session_key": key, "content": f"message {n}"}
                assert http.post("/api/v1/chat/public/message", json=body).status_code == 201

            def mark(seq: int) -> float:
                began = time.perf_counter()
                body = {"session_key": key, "seq": seq}
                answer = http.post("/api/v1/chat/public/read", json=body)
                assert answer.status_code == 200, answer.text
                return (time.perf_counter() - began) * 1000

            advancing = [mark(seq) for seq in range(1, count + 1)]
            repeated = [mark(seq) for seq in range(1, count + 1)]
    return {"advancing": _stats(advancing), "repeated": _stats(repeated)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--count", type=int, default=2000)
    args = parser.parse_args()
    result = measure(args.count)
    print(f"a mark that advances (stored, chat.read sent): {result['advancing']}")
    print(f"a mark that does not advance (read only): {result['repeated']}")


if __name__ == "__main__":
    main()
