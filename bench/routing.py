"""`python -m bench routing [--quick] [--postgres]`: routing (issue #17), the time from a
customer's handoff to an agent getting the conversation, at a steady 100 handoffs per second.

A fresh database in round_robin mode, agents online and Available (one agent socket each),
customers started beforehand with the AI on. Two phases on the same server:

1. Handoffs at a steady rate with room for all of them: per handoff, from its scheduled send
   to (a) its HTTP answer (status `active` when it was assigned in the same write) and (b) the
   first agent socket that hears `chat.session.assigned` for it.
2. The queue moving: each agent's capacity is set to what they hold, so further handoffs
   queue; then agents close conversations at a steady rate. Per close, from its scheduled send
   to the `chat.session.assigned` of the conversation its write gave the freed slot to.

Checked while measuring, from the assigned and closed frames one agent socket hears (the
commit order) and again from the database at the end: no agent ever holds more open
conversations than their capacity, and the queue is served first in, first out (the k-th
conversation to be assigned from the queue is the one that entered it k-th). A violation makes
the run exit non-zero after printing the table.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import sqlite3
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from websockets.asyncio.client import ClientConnection
from websockets.exceptions import ConnectionClosed

from bench.client import PASSWORD, frame_type, open_socket
from bench.server import (
    ROOT,
    AppProcess,
    app_server,
    free_port,
    load_env,
    pin_generator,
    raise_file_limit,
)
from bench.stats import fmt_ms, summary

RESULTS = ROOT / "bench" / "results"
API = "/api/v1"
ADMIN = "admin@callcenter.com"
DEMO_AGENTS = ("agent1@callcenter.com", "agent2@callcenter.com")
CSRF_INPUT = re.compile(r'name="csrf_token" value="([^"]+)"')
WATCHED = frozenset({"chat.session.assigned", "chat.session.closed"})


@dataclass(frozen=True)
class Plan:
    agents: int
    rate: float  # handoffs per second, both phases
    handoffs: int  # phase 1: all of them find an agent with room
    queued: int  # phase 2: handoffs that wait, then are served by as many closes
    close_rate: float  # phase 2: closes per second


FULL = Plan(agents=10, rate=100.0, handoffs=2000, queued=200, close_rate=20.0)
QUICK = Plan(agents=4, rate=100.0, handoffs=200, queued=40, close_rate=40.0)


@dataclass
class Watch:
    """What the agent sockets heard. Every agent socket gets every session event; the first to
    hear an assignment gives its time, socket 0 alone keeps the books (holders, loads, the
    order of assignments), so each event is counted once, in commit order."""

    capacity: dict[int, int] = field(default_factory=dict)
    assigned_at: dict[int, float] = field(default_factory=dict)  # session → first heard
    holder: dict[int, int] = field(default_factory=dict)  # session → agent, while open
    load: dict[int, int] = field(default_factory=dict)  # agent → open conversations
    peak: dict[int, int] = field(default_factory=dict)  # agent → most open at once
    order: list[int] = field(default_factory=list)  # sessions in the order assigned
    freed_by: dict[int, int] = field(default_factory=dict)  # session → the close before it
    last_closed: int | None = None
    violations: list[str] = field(default_factory=list)

    def heard(self, raw: str | bytes, books: bool) -> None:
        kind = frame_type(raw)
        if kind not in WATCHED:
            return
        now = time.perf_counter()
        data = json.loads(raw)["data"]
        session = data["session"]["id"]
        if kind == "chat.session.assigned":
            self.assigned_at.setdefault(session, now)
            if books:
                self._assign(session, data["agent"]["id"])
        elif books:
            self._close(session)

    def _assign(self, session: int, agent: int) -> None:
        before = self.holder.get(session)
        if before == agent:
            return
        if before is not None:
            self.load[before] -= 1
        self.holder[session] = agent
        self.load[agent] = self.load.get(agent, 0) + 1
        self.peak[agent] = max(self.peak.get(agent, 0), self.load[agent])
        self.order.append(session)
        if self.last_closed is not None:
            self.freed_by[session] = self.last_closed
            self.last_closed = None
        if self.load[agent] > self.capacity.get(agent, 0):
            self.violations.append(
                f"agent {agent} holds {self.load[agent]} open conversations, capacity "
                f"{self.capacity.get(agent)} (on assigning session {session})"
            )

    def _close(self, session: int) -> None:
        agent = self.holder.pop(session, None)
        if agent is not None:
            self.load[agent] -= 1
        self.last_closed = session


async def _listen(ws: ClientConnection, watch: Watch, books: bool) -> None:
    try:
        async for raw in ws:
            watch.heard(raw, books)
    except ConnectionClosed:
        pass


async def _login(http: httpx.AsyncClient, email: str) -> tuple[str, int]:
    answer = await http.post(f"{API}/auth/login", json={"email": email, "password": PASSWORD})
    answer.raise_for_status()
    body = answer.json()
    return body["token"], body["agent"]["id"]


async def _add_agent(url: str, admin: dict[str, str], n: int) -> str:
    """A new agent through the admin API and their setup link, as a new agent's browser
    completes it; their email."""
    email = f"router{n}@callcenter.com"
    async with httpx.AsyncClient(base_url=url, timeout=60) as http:
        body = {"name": f"Router {n}", "email": email}
        answer = await http.post(f"{API}/agents", json=body, headers=admin)
        answer.raise_for_status()
        path = "/setup/" + answer.json()["setup_url"].rsplit("/setup/", 1)[1]
        page = await http.get(path)
        found = CSRF_INPUT.search(page.text)
        assert page.status_code == 200 and found, page.text[:300]
        form = {"csrf_token": found[1], "password": PASSWORD, "password_again": PASSWORD}
        done = await http.post(path, data=form)
        assert done.status_code == 303, done.text[:300]
    return email


async def _start(http: httpx.AsyncClient, count: int, parallel: int = 16) -> list[tuple[str, int]]:
    """`count` conversations started by customers, the AI on: (session key, session id)."""
    started: list[tuple[str, int]] = []

    async def worker(n: int) -> None:
        for _ in range(n):
            answer = await http.post(f"{API}/chat/public/start", json={"name": "Waiting"})
            answer.raise_for_status()
            body = answer.json()
            assert body["session"]["status"] == "bot", body["session"]
            started.append((body["session_key"], body["session"]["id"]))

    await asyncio.gather(
        *(worker(count // parallel + (i < count % parallel)) for i in range(parallel))
    )
    return started


async def _steady(rate: float, count: int, send: Any) -> list[asyncio.Task[None]]:
    """Call `send(n, moment)` for n in 0..count-1, each at its moment of a steady `rate`
    (open loop: a slow answer does not delay the next send)."""
    start = time.perf_counter() + 0.1
    tasks = []
    for n in range(count):
        moment = start + n / rate
        delay = moment - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(send(n, moment)))
    return tasks


async def _until(done: Any, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and not done():
        await asyncio.sleep(0.05)


def ms(later: float, earlier: float) -> float:
    return (later - earlier) * 1000


async def run(server: AppProcess, plan: Plan) -> dict[str, Any]:
    watch = Watch()
    async with httpx.AsyncClient(
        base_url=server.url, timeout=60, limits=httpx.Limits(max_connections=200)
    ) as http:
        admin_token, _ = await _login(http, ADMIN)
        admin = {"Authorization": f"Bearer {admin_token}"}
        capacity = plan.handoffs // plan.agents + 10  # room for all: round robin spreads evenly
        routing = {
            "mode": "round_robin",
            "default_capacity": capacity,
            "requeue_offline_after": 300,
            "close_inactive_after": None,
        }
        (await http.put(f"{API}/settings/routing", json=routing, headers=admin)).raise_for_status()
        emails = list(DEMO_AGENTS[: plan.agents])
        for n in range(len(emails), plan.agents):
            emails.append(await _add_agent(server.url, admin, n))
        tokens: dict[int, str] = {}
        for email in emails:
            token, agent_id = await _login(http, email)
            tokens[agent_id] = token
            watch.capacity[agent_id] = capacity
        sockets = [
            await open_socket(f"{server.ws_url}/ws", {"Authorization": f"Bearer {token}"})
            for token in tokens.values()
        ]
        listeners = [
            asyncio.create_task(_listen(ws, watch, n == 0)) for n, ws in enumerate(sockets)
        ]
        await _until_available(http, admin, set(tokens))
        customers = await _start(http, plan.handoffs + plan.queued)
        cpu_before = server.cpu_seconds()
        began = time.perf_counter()
        first = await _handoffs(http, customers[: plan.handoffs], plan.rate, watch)
        phase1_seconds = time.perf_counter() - began
        cpu = server.cpu_seconds() - cpu_before
        results: dict[str, Any] = {
            "plan": plan.__dict__,
            "handoff": first
            | {
                "seconds": phase1_seconds,
                "server_cpu_us_per_handoff": cpu / plan.handoffs * 1e6,
                "peak_load": dict(watch.peak),
                "capacity": capacity,
            },
        }
        results["queue"] = await _queue_moves(
            http, admin, tokens, customers[plan.handoffs :], plan, watch
        )
        for ws in sockets:
            await ws.close()
        await asyncio.gather(*listeners, return_exceptions=True)
    results["database_loads"] = open_loads(server.database)
    for agent, held in results["database_loads"].items():
        if held > watch.capacity.get(agent, 0):
            watch.violations.append(f"database: agent {agent} holds {held} > capacity")
    results["violations"] = watch.violations
    return results


async def _until_available(http: httpx.AsyncClient, admin: dict[str, str], ids: set[int]) -> None:
    """Wait until every agent shows as Available (on a cluster presence is shared via Redis)."""
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        team = (await http.get(f"{API}/agents/presence", headers=admin)).json()
        available = {e["agent"]["id"] for e in team["agents"] if e["status"] == "available"}
        if ids <= available:
            return
        await asyncio.sleep(0.05)
    raise RuntimeError("the agents did not all become Available")


async def _handoffs(
    http: httpx.AsyncClient, customers: list[tuple[str, int]], rate: float, watch: Watch
) -> dict[str, Any]:
    sent: dict[int, float] = {}
    answered: dict[int, float] = {}
    statuses: dict[int, str] = {}
    positions: dict[int, int | None] = {}
    mismatched: list[int] = []

    async def send(n: int, moment: float) -> None:
        key, session = customers[n]
        sent[session] = moment
        answer = await http.post(f"{API}/chat/public/handoff", json={"session_key": key})
        answer.raise_for_status()
        answered[session] = time.perf_counter()
        view = answer.json()["session"]
        statuses[session] = view["status"]
        positions[session] = view["queue_position"]
        if view["status"] == "active" and watch.holder.get(session) not in (
            None,
            view["assigned_agent"]["id"],
        ):
            mismatched.append(session)

    await asyncio.gather(*await _steady(rate, len(customers), send))
    active = [s for s in sent if statuses[s] == "active"]
    await _until(lambda: all(s in watch.assigned_at for s in active), 15)
    unseen = [s for s in active if s not in watch.assigned_at]
    if unseen:
        watch.violations.append(f"{len(unseen)} handoffs answered active were never heard")
    if mismatched:
        watch.violations.append(f"{len(mismatched)} answers name another agent than the socket")
    in_order = sorted(sent, key=sent.__getitem__)
    tenth = max(1, len(in_order) // 10)
    return {
        "count": len(sent),
        "rate_per_s": rate,
        "assigned": len(active),
        "queued": sum(1 for s in sent if statuses[s] == "queued"),
        "other": sum(1 for s in sent if statuses[s] not in ("active", "queued")),
        "answer_ms": summary([ms(answered[s], sent[s]) for s in sent]),
        # Whether the cost grows with the open conversations: the first and last tenth sent.
        "answer_ms_first_tenth": summary([ms(answered[s], sent[s]) for s in in_order[:tenth]]),
        "answer_ms_last_tenth": summary([ms(answered[s], sent[s]) for s in in_order[-tenth:]]),
        "answer_active_ms": summary([ms(answered[s], sent[s]) for s in active]),
        "heard_ms": summary([ms(watch.assigned_at[s], sent[s]) for s in active if s not in unseen]),
        "positions": positions,
    }


async def _queue_moves(
    http: httpx.AsyncClient,
    admin: dict[str, str],
    tokens: dict[int, str],
    customers: list[tuple[str, int]],
    plan: Plan,
    watch: Watch,
) -> dict[str, Any]:
    """Fill every agent to capacity, queue `plan.queued` handoffs, then close as many of the
    agents' conversations at a steady rate; each close should give its slot to the oldest."""
    for agent_id in tokens:  # the capacity each has is what each holds: full
        held = watch.load.get(agent_id, 0)
        answer = await http.patch(
            f"{API}/agents/{agent_id}", json={"capacity": held}, headers=admin
        )
        answer.raise_for_status()
        watch.capacity[agent_id] = held
    queued = await _handoffs(http, customers, plan.rate, watch)
    positions = queued.pop("positions")
    if queued["queued"] != len(customers):
        watch.violations.append(
            f"with every agent full, {len(customers) - queued['queued']} handoffs were not queued"
        )
    entered = sorted((p or 0, s) for s, p in positions.items())
    if [p for p, _ in entered] != list(range(1, len(customers) + 1)):
        watch.violations.append("the queue positions answered are not 1..n")
    fifo = [s for _, s in entered]
    waiting = set(fifo)
    # Whom to close: each agent's own conversations, taking the agents in turn.
    own: dict[int, list[int]] = {a: [] for a in tokens}
    for session, agent in sorted(watch.holder.items()):
        own[agent].append(session)
    turns = [a for a in tokens if own[a]]
    plan_closes = [
        (turns[n % len(turns)], own[turns[n % len(turns)]].pop()) for n in range(len(customers))
    ]
    closed_at: dict[int, float] = {}

    async def close(n: int, moment: float) -> None:
        agent, session = plan_closes[n]
        closed_at[session] = moment
        headers = {"Authorization": f"Bearer {tokens[agent]}"}
        answer = await http.post(f"{API}/chat/sessions/{session}/close", headers=headers)
        answer.raise_for_status()

    await asyncio.gather(*await _steady(plan.close_rate, len(plan_closes), close))
    await _until(lambda: waiting <= set(watch.assigned_at), 15)
    served = [s for s in watch.order if s in waiting]
    if served != fifo[: len(served)]:
        wrong = next(n for n, (a, b) in enumerate(zip(served, fifo, strict=False)) if a != b)
        watch.violations.append(
            f"queue not first in, first out: assignment {wrong + 1} from the queue went to "
            f"session {served[wrong]}, which entered at place {fifo.index(served[wrong]) + 1}"
        )
    if len(served) != len(fifo):
        watch.violations.append(f"{len(fifo) - len(served)} queued conversations never served")
    moved = [
        ms(watch.assigned_at[s], closed_at[watch.freed_by[s]])
        for s in served
        if watch.freed_by.get(s) in closed_at
    ]
    return queued | {
        "closes": len(plan_closes),
        "close_rate_per_s": plan.close_rate,
        "served": len(served),
        "served_in_order": served == fifo,
        "close_to_assigned_ms": summary(moved),
    }


def open_loads(database: Path | str) -> dict[int, int]:
    """Open conversations per agent, from the database after the run."""
    sql = (
        "SELECT assigned_agent_id, count(*) FROM chat_sessions WHERE status = 'active'"
        " AND assigned_agent_id IS NOT NULL GROUP BY assigned_agent_id"
    )
    if str(database).startswith("postgresql://"):
        import psycopg

        with psycopg.connect(str(database)) as conn:
            rows = conn.execute(sql).fetchall()
    else:
        with sqlite3.connect(f"file:{database}?mode=ro", uri=True) as db:
            rows = db.execute(sql).fetchall()
    return {int(a): int(n) for a, n in rows}


@contextmanager
def postgres_server(cpu: int | None) -> Iterator[AppProcess]:
    """One node on a fresh PostgreSQL database with a Redis backplane of its own. The node is
    pinned to `cpu`; PostgreSQL and Redis are not, and their CPU is not in the node's figure."""
    from bench.cluster import Redis, fresh_database

    raise_file_limit()
    folder = Path(tempfile.mkdtemp(prefix="switchboard-routing-"))
    redis = Redis()
    redis.start()
    if redis.process is not None and hasattr(os, "sched_setaffinity"):
        # Started from the generator, it would share its core: like PostgreSQL, it may use any.
        os.sched_setaffinity(redis.process.pid, range(os.cpu_count() or 1))
    try:
        with fresh_database() as database:
            server = AppProcess(
                database, free_port(), load_env("bench"), folder / "server.log", ready_within=30
            )
            try:
                server.start(
                    "--data-dir", str(folder / "data"), "--backplane-url", redis.url, cpu=cpu
                )
                yield server
            finally:
                server.stop()
    finally:
        redis.kill()


def table(results: dict[str, Any]) -> str:
    first, queue = results["handoff"], results["queue"]
    lines = [
        f"routing ({results['database']}), round_robin, {results['plan']['agents']} agents: "
        f"{first['count']} handoffs at {first['rate_per_s']:.0f}/s, {first['assigned']} assigned "
        f"at once, {first['queued']} queued; server CPU {first['server_cpu_us_per_handoff']:.0f} "
        f"µs per handoff",
        _row("  handoff -> HTTP answer", first["answer_ms"]),
        _row("  handoff -> agent socket hears assigned", first["heard_ms"]),
        f"  answer p50 over the first tenth {fmt_ms(first['answer_ms_first_tenth']['p50'])}, "
        f"the last tenth {fmt_ms(first['answer_ms_last_tenth']['p50'])}",
        f"queue: every agent full, {queue['count']} handoffs at {queue['rate_per_s']:.0f}/s, "
        f"{queue['queued']} queued; {queue['closes']} closes at "
        f"{queue['close_rate_per_s']:.0f}/s served {queue['served']} "
        f"({'first in, first out' if queue['served_in_order'] else 'OUT OF ORDER'})",
        _row("  close -> oldest queued assigned", queue["close_to_assigned_ms"]),
        f"peak open conversations per agent {sorted(first['peak_load'].values())} "
        f"(capacity {first['capacity']}); violations: {len(results['violations'])}",
    ]
    lines += [f"  VIOLATION: {v}" for v in results["violations"]]
    return "\n".join(lines)


def _row(name: str, stats: dict[str, float]) -> str:
    return (
        f"{name}: p50 {fmt_ms(stats['p50'])}, p90 {fmt_ms(stats['p90'])}, "
        f"p99 {fmt_ms(stats['p99'])}, max {fmt_ms(stats['max'])} (n={stats['count']})"
    )


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench routing", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="a small run, a few seconds")
    parser.add_argument(
        "--postgres", action="store_true", help="PostgreSQL and a Redis backplane, not SQLite"
    )
    parser.add_argument("--json", type=Path, help="where to write the results")
    args = parser.parse_args(argv)
    plan = QUICK if args.quick else FULL
    server_cpu = pin_generator()
    began = time.monotonic()
    opened = postgres_server(server_cpu) if args.postgres else app_server(cpu=server_cpu)
    with opened as server:
        results = asyncio.run(run(server, plan))
    results["database"] = "PostgreSQL + Redis" if args.postgres else "SQLite"
    results["seconds"] = time.monotonic() - began
    results["handoff"].pop("positions")
    print(table(results))
    name = "routing" + ("-postgres" if args.postgres else "") + ("-quick" if args.quick else "")
    target = args.json or RESULTS / f"{name}.json"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(json.dumps(results, indent=2))
    print(f"results: {target} ({results['seconds']:.0f} s)")
    if results["violations"]:
        sys.exit(f"routing benchmark FAILED: {len(results['violations'])} violation(s)")
