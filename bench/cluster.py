"""Several `python app.py` nodes on one PostgreSQL database and one Redis, behind HAProxy.

The cluster tests and `python -m bench cluster` start their clusters through `Cluster`: a fresh
PostgreSQL database (created on the server `SWITCHBOARD_TEST_POSTGRES` names, dropped at the
end), a redis-server of its own on a free port (so that it can be killed and restarted under
load without touching the machine's Redis), one shared data folder (files, as a cluster needs)
and HAProxy in front, configured as the README's recipe says: round robin, no sticky sessions,
health checks on /healthz, WebSockets proxied.
"""

from __future__ import annotations

import os
import secrets
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import psycopg

from bench.server import AppProcess, free_port, healthy, load_env, raise_file_limit

POSTGRES = os.environ.get(
    "SWITCHBOARD_TEST_POSTGRES", "postgresql://switchboard:switchboard@127.0.0.1:5432/postgres"
)


def haproxy_config(port: int, nodes: list[int], stats_port: int | None = None) -> str:
    """The README's HAProxy recipe, for nodes on 127.0.0.1."""
    servers = "\n".join(
        f"    server node{n} 127.0.0.1:{p} check" for n, p in enumerate(nodes, start=1)
    )
    stats = (
        f"\nfrontend stats\n    bind 127.0.0.1:{stats_port}\n    stats enable\n    stats uri /\n"
        if stats_port
        else ""
    )
    return f"""global
    maxconn 4000

defaults
    mode http
    option forwardfor
    timeout connect 2s
    timeout client 60s
    timeout server 60s
    # A WebSocket, once upgraded, is a tunnel: idle for as long as its pings allow.
    timeout tunnel 1h
    timeout http-request 10s
    # A request to a node that died is tried once more, on another node.
    retries 2
    option redispatch

frontend switchboard
    bind 127.0.0.1:{port}
    default_backend nodes

backend nodes
    balance roundrobin
    option httpchk GET /healthz
    http-check expect status 200
    default-server inter 500ms fall 2 rise 2 on-marked-down shutdown-sessions
{servers}
{stats}"""


def wait_for_port(port: int, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"nothing listens on 127.0.0.1:{port} after {seconds:g} s")


@dataclass
class Redis:
    """A redis-server of our own on a free port, keeping nothing on disk."""

    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        args = ["redis-server", "--bind", "127.0.0.1", "--port", str(self.port)]
        args += ["--save", "", "--appendonly", "no"]
        self.process = subprocess.Popen(args, stdout=subprocess.DEVNULL)
        wait_for_port(self.port, 10)

    def kill(self) -> None:
        if self.process is not None:
            self.process.kill()
            self.process.wait()
            self.process = None

    def restart(self) -> None:
        """SIGKILL, then a new server on the same port: every subscription is gone."""
        self.kill()
        self.start()


@dataclass
class Balancer:
    """HAProxy in the foreground with the recipe's configuration."""

    config: Path
    port: int
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}"

    def start(self, log: Path) -> None:
        with log.open("ab") as out:
            args = ["haproxy", "-db", "-f", str(self.config)]
            self.process = subprocess.Popen(args, stdout=out, stderr=out)
        wait_for_port(self.port, 10)
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:  # until a health check has passed on some node
            if self.process.poll() is not None:
                raise RuntimeError(f"HAProxy exited at start (see {log})")
            if healthy(self.url):
                return
            time.sleep(0.1)
        raise RuntimeError("HAProxy has no healthy node")

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=10)
            self.process = None


@contextmanager
def fresh_database(server: str = POSTGRES) -> Iterator[str]:
    """A new, empty PostgreSQL database on `server`; its URL; dropped afterwards."""
    name = f"test_cluster_{secrets.token_hex(6)}"
    with psycopg.connect(server, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    base, _, _ = server.rpartition("/")
    try:
        yield f"{base}/{name}"
    finally:
        with psycopg.connect(server, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@dataclass
class Cluster:
    folder: Path
    database: str
    redis: Redis
    nodes: list[AppProcess]
    balancer: Balancer

    @property
    def url(self) -> str:
        return self.balancer.url

    @property
    def ws_url(self) -> str:
        return self.balancer.ws_url

    def start_node(self, index: int) -> None:
        self.nodes[index].start(
            "--data-dir", str(self.folder / "data"), "--backplane-url", self.redis.url
        )


@contextmanager
def cluster(
    size: int = 3,
    *flags: str,
    env: dict[str, str] | None = None,
) -> Iterator[Cluster]:
    """`size` nodes started one after the other on a fresh database (each node runs the
    migrations under an advisory lock, so the order does not matter), then HAProxy."""
    raise_file_limit()
    folder = Path(tempfile.mkdtemp(prefix="switchboard-cluster-"))
    redis = Redis()
    node_env = {**load_env("cluster-secret"), **(env or {})}
    with fresh_database() as database:
        ports = [free_port() for _ in range(size)]
        nodes = [
            AppProcess(
                database,
                port,
                node_env,
                folder / f"node{n}.log",
                ready_within=30,
                stop_within=10,
                extra_flags=("--no-ai", *flags),
            )
            for n, port in enumerate(ports, start=1)
        ]
        config = folder / "haproxy.cfg"
        balancer = Balancer(config, free_port())
        config.write_text(haproxy_config(balancer.port, ports))
        made = Cluster(folder, database, redis, nodes, balancer)
        try:
            redis.start()
            for index in range(size):
                made.start_node(index)
            balancer.start(folder / "haproxy.log")
            yield made
        finally:
            balancer.stop()
            for node in nodes:
                node.stop()
            redis.kill()
    shutil.rmtree(folder, ignore_errors=True)
