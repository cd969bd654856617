"""Start `python app.py` in a subprocess on 127.0.0.1 with a fresh database, for measuring."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# The benchmark drives far more traffic from one address than the defaults allow.
LOAD_LIMITS = {
    "SWITCHBOARD_STARTS_PER_MINUTE": "1000000",
    "SWITCHBOARD_MESSAGES_PER_MINUTE": "1000000",
    "SWITCHBOARD_ADDRESS_MESSAGES_PER_MINUTE": "100000000",
    "SWITCHBOARD_SOCKETS_PER_AGENT": "1000",
    "SWITCHBOARD_SOCKET_FRAMES_PER_10S": "1000000",
}


def raise_file_limit() -> int:
    """Lift this process's open-file limit to its hard limit; the server inherits it."""
    import resource

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class RunningServer:
    process: subprocess.Popen[bytes]
    port: int
    database: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}"

    def rss_kib(self) -> int:
        for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
        return 0

    def cpu_seconds(self) -> float:
        fields = Path(f"/proc/{self.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        ticks = os.sysconf("SC_CLK_TCK")
        return (int(fields[11]) + int(fields[12])) / ticks


@contextmanager
def app_server(
    *flags: str,
    env: dict[str, str] | None = None,
    cpu: int | None = None,
    script: Sequence[str] = ("app.py",),
) -> Iterator[RunningServer]:
    """The app (or another server script) on a fresh database; pinned to `cpu` if given."""
    raise_file_limit()
    folder = Path(tempfile.mkdtemp(prefix="switchboard-bench-"))
    port = free_port()
    database = folder / "chat.db"
    args = [
        sys.executable,
        *[str(ROOT / s) if s.endswith(".py") else s for s in script],
        "--port",
        str(port),
        "--database",
        str(database),
        *flags,
    ]
    environment = {**os.environ, **LOAD_LIMITS, "SWITCHBOARD_SECRET_KEY": "bench", **(env or {})}
    log = (folder / "server.log").open("wb")
    process = subprocess.Popen(args, cwd=ROOT, env=environment, stdout=log, stderr=log)
    if cpu is not None and hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(process.pid, {cpu})
    server = RunningServer(process, port, database)
    try:
        _wait_ready(server)
        yield server
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()


def _wait_ready(server: RunningServer, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError("the server exited during start-up")
        try:
            with urllib.request.urlopen(server.url + "/healthz", timeout=1) as answer:
                if answer.status == 200:
                    return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError("the server did not start in time")
