"""Shared fixtures: settings on a real SQLite file or a fresh PostgreSQL database, the app under
TestClient, a live server."""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import Any

import httpx
import pytest
from starlette.testclient import TestClient

from bench.server import AppProcess, free_port
from chat.application import create_app
from chat.config import Limits, Settings
from tests.postgres import credentials, fresh_database, template_database

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "Password123!"
ALICE = "agent1@callcenter.com"
BOB = "agent2@callcenter.com"
ADMIN = "admin@callcenter.com"
# Generous limits so tests that are not about limits never trip one.
ROOMY = Limits(
    starts_per_minute=100_000,
    messages_per_minute=100_000,
    address_messages_per_minute=100_000,
    failed_logins=1_000,
)


BACKENDS = ("sqlite", "postgresql")


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Every test on the `settings` fixture runs on both backends, as test[sqlite] and
    test[postgresql]; one marked sqlite_only runs on SQLite alone (never skipped: it is simply
    not generated for PostgreSQL). That marker is for tests about the SQLite file itself, and for
    browser tests whose server side an API test already covers on both backends (browser time is
    the suite's most expensive)."""
    only = metafunc.definition.get_closest_marker("sqlite_only") is not None
    backends = BACKENDS[:1] if only else BACKENDS
    if "database_backend" in metafunc.fixturenames:
        metafunc.parametrize("database_backend", backends, ids=backends, scope="function")
    if "module_database_backend" in metafunc.fixturenames:
        metafunc.parametrize("module_database_backend", backends, ids=backends, scope="module")


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(scope="session")
def postgres_template() -> Iterator[str]:
    """A database migrated once for the run, that each PostgreSQL test's database copies."""
    with template_database() as name:
        yield name


@pytest.fixture
def database(
    database_backend: str, tmp_path: Path, request: pytest.FixtureRequest
) -> Iterator[Path | str]:
    """The test's own empty database: a SQLite file in tmp_path, or a PostgreSQL URL."""
    if database_backend == "sqlite":
        yield tmp_path / "chat.db"
        return
    with fresh_database(request.getfixturevalue("postgres_template")) as url:
        yield url


@pytest.fixture(scope="module")
def module_database(
    module_database_backend: str,
    tmp_path_factory: pytest.TempPathFactory,
    request: pytest.FixtureRequest,
) -> Iterator[Path | str]:
    """`database` for a module-scoped app (the fuzz and schema tests): one per module."""
    if module_database_backend == "sqlite":
        yield tmp_path_factory.mktemp("module") / "chat.db"
        return
    with fresh_database(request.getfixturevalue("postgres_template")) as url:
        yield url


@pytest.fixture
def settings(database: Path | str, tmp_path: Path) -> Settings:
    """The AI is off unless a test is about it: its replies would interleave with what a test
    counts. Tests about the AI turn it on with replace(settings, ai_enabled=True)."""
    return Settings(
        database=database,
        data_folder=tmp_path,
        secret_key="test-secret",
        limits=ROOMY,
        ai_enabled=False,
    )


@pytest.fixture
def make_client(settings: Settings) -> Iterator[Callable[..., TestClient]]:
    """Start the app with these settings (optionally changed) under TestClient."""
    clients: list[TestClient] = []

    def make(**changes: object) -> TestClient:
        client = TestClient(create_app(replace(settings, **changes)))
        client.__enter__()
        clients.append(client)
        return client

    yield make
    for client in reversed(clients):
        client.__exit__(None, None, None)


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(settings)) as client:
        yield client


def login(client: TestClient | httpx.Client, email: str = ALICE) -> dict[str, str]:
    """Log in over the API; return the Authorization header to send."""
    answer = client.post("/api/v1/auth/login", json={"email": email, "password": PASSWORD})
    assert answer.status_code == 200, answer.text
    return {"Authorization": f"Bearer {answer.json()['token']}"}


def start(client: TestClient | httpx.Client, **body: object) -> dict:
    answer = client.post("/api/v1/chat/public/start", json=body)
    assert answer.status_code == 201, answer.text
    return answer.json()


def assert_error(answer: Any, status: int, code: str) -> dict:
    """Check the contract's error shape: `{"error": {"code", "message"}}` and nothing else."""
    assert answer.status_code == status, answer.text
    body = answer.json()
    assert set(body) == {"error"}, body
    assert set(body["error"]) == {"code", "message"}, body
    assert body["error"]["code"] == code, body
    assert isinstance(body["error"]["message"], str) and body["error"]["message"], body
    return body["error"]


# `python app.py` in a subprocess on 127.0.0.1, on a database it keeps across restarts.
LiveServer = AppProcess


@contextmanager
def serving(
    tmp_path: Path, name: str, database: Path | str | None = None, **env: str
) -> Iterator[LiveServer]:
    """`python app.py` on a database in tmp_path (or `database`: a PostgreSQL URL) with roomy
    limits (and `env` on top) for the block; its log is checked for secrets once it has
    stopped."""
    environ = dict(os.environ)
    environ.update(
        {
            "SWITCHBOARD_SECRET_KEY": "live-test-secret",
            "SWITCHBOARD_STARTS_PER_MINUTE": "100000",
            "SWITCHBOARD_MESSAGES_PER_MINUTE": "100000",
            "SWITCHBOARD_ADDRESS_MESSAGES_PER_MINUTE": "100000",
            "SWITCHBOARD_FAILED_LOGINS": "1000",
            "SWITCHBOARD_AI": "0",
            "SWITCHBOARD_DATA_DIR": str(tmp_path),
            **env,
        }
    )
    where = database if isinstance(database, str) else tmp_path / f"{name}.db"
    server = LiveServer(where, free_port(), environ, tmp_path / "server.log")  # type: ignore[arg-type]
    server.start()
    yield server
    server.stop()
    assert_log_holds_no_secrets(server.log)


@pytest.fixture
def live_server(tmp_path: Path, database: Path | str) -> Iterator[LiveServer]:
    with serving(tmp_path, "live", database) as server:
        yield server


DATABASE_CREDENTIALS = credentials()
# Session keys and tokens are secrets.token_urlsafe(32): 43 characters of this alphabet.
SECRET_SHAPE = re.compile(r"(?<![A-Za-z0-9_-])[A-Za-z0-9_-]{43}(?![A-Za-z0-9_-])")


def assert_log_holds_no_secrets(log: Path) -> None:
    """Every live server's access and error log, at the end of its test: no session key, token
    or password (whatever the test did, and however it failed)."""
    text = log.read_text(errors="replace") if log.exists() else ""
    assert PASSWORD not in text, f"a password reached {log}"
    assert DATABASE_CREDENTIALS not in text, f"the database's password reached {log}"
    leaked = SECRET_SHAPE.findall(text)
    assert not leaked, f"{len(leaked)} key- or token-shaped strings reached {log}: {leaked[:3]}"
