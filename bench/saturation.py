"""Scenario 2, saturation: closed-loop senders, doubled each step, until p99 ack passes a bound.

Each sender sends, waits for its ack (sent only after the durable commit), and sends again.
The same scenario runs against the bare transport (bench/bare.py) as the stack's limit.
`python -m bench.saturation` runs it alone, as the full `python -m bench` does, in under a minute.
"""

from __future__ import annotations

import argparse
import asyncio
import time
from typing import Any

from bench.client import agents_and_keys, frame_type, open_many, send_frame
from bench.rawws import OnText, RawSocket, open_ready
from bench.server import AppProcess, app_server, pin_generator
from bench.stats import summary

CONTENT = "Could you tell me whether the Office plan includes filters? Message {n}."


def _drain(counter: list[int]) -> OnText:
    """An agent's socket counts the messages it is sent."""

    def on_text(now: float, raw: bytes) -> None:
        if frame_type(raw) == "chat.message.new":
            counter[0] += 1

    return on_text


async def _sender(ws: RawSocket, who: int, until: float, acks: list[float]) -> None:
    n = 0
    while time.perf_counter() < until:
        began = time.perf_counter()
        ws.send(send_frame(CONTENT.format(n=n), f"s{who}-{n}"))
        while True:
            kind = frame_type(await ws.recv())
            if kind == "chat.message.ack":
                break
            if kind == "error":
                raise RuntimeError("the server refused a send")
        acks.append((time.perf_counter() - began) * 1000)
        n += 1


async def run(
    server: AppProcess,
    agents: int,
    step_seconds: float,
    max_senders: int,
    p99_bound_ms: float = 50.0,
) -> dict[str, Any]:
    agent_ws, keys = await agents_and_keys(
        server.url, server.ws_url, agents, max_senders, opener=open_ready
    )
    delivered = [0]
    for ws in agent_ws:
        ws.listen(_drain(delivered))
    senders_ws = await open_many(
        [f"{server.ws_url}/ws/public/{k}" for k in keys], opener=open_ready
    )
    steps, best = [], None
    senders = 1
    while senders <= max_senders:
        acks: list[float] = []
        cpu, writes = server.cpu_seconds(), server.write_calls()
        until = time.perf_counter() + step_seconds
        await asyncio.gather(
            *(_sender(senders_ws[i], i + senders * 1000, until, acks) for i in range(senders))
        )
        stats = summary(acks)
        step = {
            "senders": senders,
            "messages_per_s": len(acks) / step_seconds,
            "ack_ms": stats,
            "server_cpu_ms_per_message": (server.cpu_seconds() - cpu) / max(1, len(acks)) * 1000,
            "server_writes_per_message": (server.write_calls() - writes) / max(1, len(acks)),
        }
        steps.append(step)
        if stats["p99"] <= p99_bound_ms and (
            best is None or step["messages_per_s"] > best["messages_per_s"]
        ):
            best = step
        if stats["p99"] > p99_bound_ms:
            break
        senders *= 2
    for ws in (*agent_ws, *senders_ws):
        ws.close()
    await asyncio.sleep(0.1)  # the close frames leave before the loop ends
    return {
        "agents": agents,
        "p99_bound_ms": p99_bound_ms,
        "best": best,
        "steps": steps,
        "agent_frames_delivered": delivered[0],
    }


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.saturation", description=__doc__)
    parser.add_argument("--synchronous", default="FULL", choices=("FULL", "NORMAL"))
    # the defaults are those of `python -m bench`'s full plan
    parser.add_argument("--step-seconds", type=float, default=4.0)
    parser.add_argument("--max-senders", type=int, default=256)
    args = parser.parse_args()
    server_cpu = pin_generator()
    with app_server("--no-ai", "--synchronous", args.synchronous, cpu=server_cpu) as server:
        result = asyncio.run(run(server, 10, args.step_seconds, args.max_senders))
    for step in result["steps"]:
        print(
            f"{step['senders']:>3} senders: {step['messages_per_s']:.0f} persisted msg/s, "
            f"p99 ack {step['ack_ms']['p99']:.1f} ms, "
            f"server CPU {step['server_cpu_ms_per_message'] * 1000:.0f} µs per message, "
            f"{step['server_writes_per_message']:.1f} write calls per message"
        )
    best = result["best"]
    print("best under p99 50 ms:", f"{best['senders']} senders" if best else "none")


if __name__ == "__main__":
    main()
