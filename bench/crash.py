"""`python -m bench crash [--rounds 30]`: SIGKILL the server mid-traffic, restart it, and prove
that nothing acknowledged was lost or doubled and that every client catches up.

Each round, customers send over REST and over their sockets while listening sockets (one per
conversation, one agent) follow along. After a random, seeded delay the next acknowledgement
that reaches a client kills the server with SIGKILL. It restarts on the same database; then:
every acknowledged message is stored exactly once under its client_id, with the id and seq the
ack named; unacknowledged attempts are stored at most once; every conversation's seq is 1..n;
`PRAGMA integrity_check` says ok; the listeners resume with `?last_event_id` and, compared with
the REST history and the event log, receive every later event once, in order; and every
unacknowledged attempt, sent again with its client_id, ends up stored exactly once.

Would it notice a server that acknowledged before its COMMIT returned? Each ack, the moment it
arrives, is looked up through a read-only connection to the file, as another process sees it:
an early ack names a message that is not committed yet. And the kill fires on an ack, so such a
message is often still uncommitted when the process dies, and is missing after the restart.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import shutil
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import httpx
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from bench.client import login, send_frame
from bench.crash_check import FIGURES, check_round
from bench.crash_clients import Conversation, Tally, Watcher, read_only
from bench.server import ROOT, AppProcess, free_port, load_env

RESULTS = ROOT / "bench" / "results"
SESSIONS = 8  # conversations; each has a REST sender, a socket sender and a listener
WINDOW = 4  # messages a socket sender keeps in flight
KILL_DELAY = (0.05, 0.5)  # seconds of traffic before the kill is armed
PUBLIC = "/api/v1/chat/public"


class Server(AppProcess):
    """`python app.py --no-ai` on one database and port, killed and started again each round."""

    def __init__(self, folder: Path) -> None:
        super().__init__(
            folder / "chat.db",
            free_port(),
            load_env("crash-bench"),
            folder / "server.log",
            ready_within=30,
            stop_within=15,
        )

    async def launch(self) -> None:
        """Start on the same port; another port only if someone took it while we were down."""
        for _ in range(3):
            try:
                await asyncio.to_thread(self.start, "--no-ai")
                return
            except RuntimeError:
                self.stop()
                self.port = free_port()
        raise RuntimeError(f"the server would not start: {self.log.read_text()[-2000:]}")


class Killer:
    """Once armed, kills the server the moment a client hears its next acknowledgement."""

    def __init__(self, server: Server) -> None:
        self.server = server
        self.armed = False
        self.fired = asyncio.Event()

    def on_ack(self) -> None:
        if self.armed and not self.fired.is_set():
            self.server.kill()  # synchronously, before this client does anything else
            self.fired.set()

    async def after(self, delay: float, fallback: float = 5.0) -> None:
        await asyncio.sleep(delay)
        self.armed = True
        try:
            await asyncio.wait_for(self.fired.wait(), fallback)
        except TimeoutError:
            self.server.kill()  # no acknowledgement came: kill anyway
            self.fired.set()


async def rest_sender(
    http: httpx.AsyncClient, conv: Conversation, tag: str, tally: Tally, killer: Killer
) -> None:
    """Send one message after another over REST until the server dies."""
    for n in range(100_000):
        if killer.fired.is_set():
            return
        attempt = tally.attempt(conv, f"{tag}-h{conv.index}-{n}", "rest")
        body = {"session_key": conv.key, "content": attempt.content, "client_id": attempt.client_id}
        try:
            answer = await http.post(f"{PUBLIC}/message", json=body)
        except httpx.TransportError:
            return
        if answer.status_code not in (200, 201):
            attempt.error = f"HTTP {answer.status_code}"
            return
        tally.acked(attempt, answer.json()["message"], probe=not killer.fired.is_set())
        killer.on_ack()


async def ws_sender(
    ws: ClientConnection, conv: Conversation, tag: str, tally: Tally, killer: Killer
) -> None:
    """Keep WINDOW messages in flight on one customer socket until the server dies."""
    slots = asyncio.Semaphore(WINDOW)
    gone = asyncio.Event()

    async def hear() -> None:
        try:
            async for raw in ws:
                frame = json.loads(raw)
                if frame["type"] in ("chat.message.ack", "error"):
                    tally.heard(frame, probe=not killer.fired.is_set())
                    slots.release()
                    if frame["type"] == "chat.message.ack":
                        killer.on_ack()
        except ConnectionClosed:
            pass
        finally:
            gone.set()
            for _ in range(WINDOW):
                slots.release()  # wake the sender so it sees the socket is gone

    listener = asyncio.create_task(hear())
    try:
        for n in range(100_000):
            await slots.acquire()
            if gone.is_set() or killer.fired.is_set():
                break
            attempt = tally.attempt(conv, f"{tag}-w{conv.index}-{n}", "ws")
            await ws.send(send_frame(attempt.content, attempt.client_id))
    except ConnectionClosed:
        pass
    finally:
        await listener
        await ws.close()


async def open_customer(server: Server, key: str) -> ClientConnection:
    ws = await connect(f"{server.ws_url}/ws/public/{key}", ping_interval=None, open_timeout=10)
    ready = json.loads(await asyncio.wait_for(ws.recv(), 10))
    if ready["type"] != "connection.ready":
        raise RuntimeError(f"expected connection.ready, got {ready['type']}")
    return ws


class CrashRun:
    """The state kept across rounds: the server, the conversations, the listeners, the tally."""

    def __init__(self, server: Server, seed: int) -> None:
        self.server = server
        self.rng = random.Random(seed)
        self.conversations: list[Conversation] = []
        self.agent: Watcher | None = None
        self.contents = random.Random(seed + 1)  # padding, so messages vary in size

    async def setup(self, sessions: int) -> None:
        await self.server.launch()
        async with httpx.AsyncClient(base_url=self.server.url, timeout=30) as http:
            token = await login(http)
            for index in range(sessions):
                answer = await http.post(f"{PUBLIC}/start", json={"name": f"Crash {index}"})
                answer.raise_for_status()
                body = answer.json()
                watcher = Watcher(f"/ws/public/{body['session_key']}")
                conv = Conversation(index, body["session_key"], body["session"]["id"], watcher)
                self.conversations.append(conv)
        self.agent = Watcher("/ws", {"Authorization": f"Bearer {token}"})
        for watcher in self.watchers:
            await watcher.connect(self.server.ws_url)

    @property
    def watchers(self) -> list[Watcher]:
        assert self.agent is not None
        return [self.agent, *(conv.watcher for conv in self.conversations)]

    async def round(self, number: int) -> dict[str, Any]:
        began = time.monotonic()
        tally = Tally(f"r{number}", self.contents)
        await self._traffic_until_killed(tally)
        for watcher in self.watchers:
            await watcher.closed(10)
        await self.server.launch()
        assert self.agent is not None
        result = await check_round(self.server, self.conversations, self.agent, tally)
        result["seconds"] = round(time.monotonic() - began, 2)
        return result

    async def _traffic_until_killed(self, tally: Tally) -> None:
        killer = Killer(self.server)
        sockets = [await open_customer(self.server, c.key) for c in self.conversations]
        limits = httpx.Limits(max_connections=len(self.conversations) * 2)
        http = httpx.AsyncClient(base_url=self.server.url, timeout=10, limits=limits)
        with read_only(self.server.database) as probe:
            tally.probe = probe
            senders = [rest_sender(http, c, tally.tag, tally, killer) for c in self.conversations]
            senders += [
                ws_sender(ws, c, tally.tag, tally, killer)
                for ws, c in zip(sockets, self.conversations, strict=True)
            ]
            tasks = [asyncio.create_task(sender) for sender in senders]
            try:
                await killer.after(self.rng.uniform(*KILL_DELAY))
                await asyncio.wait_for(asyncio.gather(*tasks), 30)
            finally:
                await http.aclose()
        tally.probe = None
        assert self.server.process is not None
        self.server.process.wait(timeout=10)  # reaped: the kill has fully happened
        self.server.process = None

    async def close(self) -> None:
        if self.agent is not None:
            for watcher in self.watchers:
                await watcher.close()
        self.server.stop()


async def run(folder: Path, rounds: int, seed: int = 1, sessions: int = SESSIONS) -> dict[str, Any]:
    """Run `rounds` kill-and-restart rounds on one database in `folder`; return the report."""
    began = time.monotonic()
    crash = CrashRun(Server(folder), seed)
    results: list[dict[str, Any]] = []
    try:
        await crash.setup(sessions)
        for number in range(rounds):
            results.append(await crash.round(number))
    finally:
        await crash.close()
    return summarize(results, seed, sessions, time.monotonic() - began)


def summarize(
    results: list[dict[str, Any]], seed: int, sessions: int, seconds: float
) -> dict[str, Any]:
    total: dict[str, Any] = {"rounds": len(results), "seed": seed, "sessions": sessions}
    total |= {name: sum(r[name] for r in results) for name in FIGURES}
    total["integrity"] = "ok" if all(r["integrity"] == "ok" for r in results) else "FAILED"
    total["problems"] = [p for r in results for p in r["problems"]]
    total["seconds"] = round(seconds, 1)
    total["per_round"] = results
    return total


def describe(report: dict[str, Any]) -> str:
    return "\n".join(
        [
            f"crash: {report['rounds']} rounds of SIGKILL mid-traffic and restart, "
            f"{report['sessions']} conversations, seed {report['seed']}",
            f"  attempts {report['attempts']}, acked {report['acked']} "
            f"(REST {report['acked_rest']}, socket {report['acked_ws']}), "
            f"unacked at the kill {report['unacked']} "
            f"(already committed {report['committed_unacked']})",
            f"  acked before a reader could see them committed {report['uncommitted_acks']}",
            f"  lost {report['lost']}, duplicated {report['duplicated']}, "
            f"acks naming another row {report['wrong_acks']}, "
            f"half-written {report['half_written']}",
            f"  seq gaps {report['seq_gaps']}, integrity {report['integrity']}",
            f"  resumed sockets {report['resumed']}, events replayed or caught up "
            f"{report['caught_up']}, resume mismatches {report['resume_mismatches']}",
            f"  resent {report['resent']} unacked with their client_id, "
            f"not stored exactly once after: {report['resend_failures']}",
            f"  problems {len(report['problems'])}, time {report['seconds']:.1f} s",
        ]
        + [f"  ! {problem}" for problem in report["problems"][:20]]
    )


def main(argv: Sequence[str]) -> None:
    summary = (__doc__ or "").split("\n\n")[0]
    parser = argparse.ArgumentParser(prog="python -m bench crash", description=summary)
    parser.add_argument("--rounds", type=int, default=30, help="kills and restarts (30)")
    parser.add_argument("--seed", type=int, default=1, help="seeds the delays before each kill")
    parser.add_argument("--sessions", type=int, default=SESSIONS, help="conversations (8)")
    parser.add_argument("--json", type=Path, default=RESULTS / "crash.json", help="the report")
    args = parser.parse_args(argv)
    if args.rounds < 1 or args.sessions < 1:
        parser.error("--rounds and --sessions must be at least 1")
    folder = Path(tempfile.mkdtemp(prefix="switchboard-crash-"))
    report = asyncio.run(run(folder, args.rounds, args.seed, args.sessions))
    print(describe(report))
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(report, indent=2))
    print(f"results: {args.json}")
    if report["problems"]:
        print(f"database and server log kept in {folder}")
        raise SystemExit(1)
    shutil.rmtree(folder, ignore_errors=True)
