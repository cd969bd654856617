"""Start `python app.py` in a subprocess on 127.0.0.1 with a fresh database, for measuring."""

from __future__ import annotations

import os
import random
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


def pin_generator() -> int | None:
    """Pin this process, the load generator, to core 1 and return 0, the core for the server,
    when there are two cores to give; None otherwise."""
    if not hasattr(os, "sched_setaffinity") or (os.cpu_count() or 1) < 2:
        return None
    os.sched_setaffinity(0, {1})
    return 0


# Ports we listen on are taken below the kernel's ephemeral range (32768 and up on Linux):
# a port the kernel handed out with bind(0) can be given again, meanwhile, as the local port of
# an outgoing connection (a node's to PostgreSQL or Redis), and the listener then fails to bind.
LISTEN_PORTS = range(20000, 32000)


def free_port() -> int:
    """A port nothing on 127.0.0.1 listens on now, outside the ephemeral range."""
    for _ in range(200):
        port = random.choice(LISTEN_PORTS)
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError("no free port to listen on")


def healthy(url: str) -> bool:
    """Whether the server (or balancer) at `url` answers /healthz with 200."""
    try:
        with urllib.request.urlopen(url + "/healthz", timeout=1) as answer:
            return answer.status == 200
    except OSError:
        return False


@dataclass
class AppProcess:
    """`python app.py` (or another server script) in a subprocess on 127.0.0.1, on a database it
    keeps across restarts; its output is appended to `log`. The benchmark, the crash harness and
    the tests all start their servers through this one class."""

    database: Path | str  # a SQLite file, or a postgresql:// URL
    port: int
    env: dict[str, str]
    log: Path
    ready_within: float = 20  # seconds start() waits for /healthz
    stop_within: float = 10  # seconds stop() waits after SIGTERM before SIGKILL
    script: Sequence[str] = ("app.py",)
    process: subprocess.Popen[bytes] | None = None
    extra_flags: Sequence[str] = ()  # given at every start, before start()'s own

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}"

    def start(self, *flags: str, cpu: int | None = None) -> None:
        """Start and wait until /healthz answers; pinned to `cpu` if given."""
        args = [
            sys.executable,
            *[str(ROOT / s) if s.endswith(".py") else s for s in self.script],
            "--port",
            str(self.port),
            "--database",
            str(self.database),
            *self.extra_flags,
            *flags,
        ]
        with self.log.open("ab") as out:
            self.process = subprocess.Popen(args, cwd=ROOT, env=self.env, stdout=out, stderr=out)
        if cpu is not None and hasattr(os, "sched_setaffinity"):
            os.sched_setaffinity(self.process.pid, {cpu})
        deadline = time.monotonic() + self.ready_within
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"server exited: {self.log.read_text()[-2000:]}")
            if healthy(self.url):
                return
            time.sleep(0.05)
        raise RuntimeError(f"server did not start in {self.ready_within:g} s")

    def kill(self) -> None:
        """SIGKILL: no shutdown code runs; only what was committed can survive."""
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait()  # reaped, so that a restart's new process replaces it cleanly

    def stop(self, kill: bool = False) -> None:
        if self.process is None:
            return
        if self.process.poll() is None:
            if kill:
                self.process.kill()
            else:
                self.process.terminate()
        try:
            self.process.wait(timeout=self.stop_within)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.process = None

    def rss_kib(self) -> int:
        assert self.process is not None
        for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
        return 0

    def cpu_seconds(self) -> float:
        assert self.process is not None
        fields = Path(f"/proc/{self.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        ticks = os.sysconf("SC_CLK_TCK")
        return (int(fields[11]) + int(fields[12])) / ticks

    def write_calls(self) -> int:
        """The server's write system calls so far (all threads; `syscw` of /proc/PID/io): a
        socket's frames cost one each unless several go out together."""
        assert self.process is not None
        for line in Path(f"/proc/{self.process.pid}/io").read_text().splitlines():
            if line.startswith("syscw:"):
                return int(line.split()[1])
        return 0


def load_env(secret: str) -> dict[str, str]:
    """The environment of a measured server: this one's, the load limits, a fixed secret."""
    return {**os.environ, **LOAD_LIMITS, "SWITCHBOARD_SECRET_KEY": secret}


@contextmanager
def app_server(
    *flags: str,
    env: dict[str, str] | None = None,
    cpu: int | None = None,
    script: Sequence[str] = ("app.py",),
    database: str = "",
) -> Iterator[AppProcess]:
    """The app (or another server script) on a fresh SQLite database, or on `database` (an
    empty PostgreSQL database's URL); pinned to `cpu` if given."""
    raise_file_limit()
    folder = Path(tempfile.mkdtemp(prefix="switchboard-bench-"))
    server = AppProcess(
        database or folder / "chat.db",
        free_port(),
        {**load_env("bench"), **(env or {})},
        folder / "server.log",
        ready_within=30,
        script=script,
    )
    try:
        server.start(*flags, cpu=cpu)
        yield server
    finally:
        server.stop()
