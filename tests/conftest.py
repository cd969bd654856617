"""Shared fixtures: settings on a real SQLite file or a fresh PostgreSQL database, the app under
TestClient, a live server."""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import threading
from collections.abc import AsyncIterator, Callable, Iterator
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
from chat.storage.database import Database
from chat.storage.postgres import open_database
from tests.postgres import credentials, database_url, fresh_database, template_database

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
    not generated for PostgreSQL). That marker is for tests about the SQLite file itself.

    Browser tests (tests/browser/) also run on SQLite alone: they test the pages, whose
    server calls the API and socket tests already run on both backends; on PostgreSQL too
    they cost four minutes of CI for no path of their own."""
    only = metafunc.definition.get_closest_marker("sqlite_only") is not None or (
        metafunc.definition.path.parent.name == "browser"
    )
    backends = BACKENDS[:1] if only else BACKENDS
    # a file may name its backends (BACKENDS = ("postgresql",)): one test split across files
    # so that pytest-xdist, which gives each file to one worker, runs them side by side
    backends = getattr(metafunc.module, "BACKENDS", backends)
    if "database_backend" in metafunc.fixturenames:
        metafunc.parametrize("database_backend", backends, ids=backends, scope="function")
    if "module_database_backend" in metafunc.fixturenames:
        metafunc.parametrize("module_database_backend", backends, ids=backends, scope="module")


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


def started_once(database: Path | str, folder: Path) -> None:
    """Start the app on `database` and stop it, as `python app.py` does on a new database: the
    migrations, the demo agents and the knowledge base's articles. In a thread of its own, so
    that no event loop of the caller's (Playwright's sync API runs one) is in the way."""

    async def run() -> None:
        settings = Settings(
            database=database, data_folder=folder, secret_key="template", ai_enabled=False
        )
        app = create_app(settings)
        async with app.router.lifespan_context(app):
            pass

    failed: list[BaseException] = []
    thread = threading.Thread(target=lambda: _catch(failed, lambda: asyncio.run(run())))
    thread.start()
    thread.join()
    if failed:
        raise failed[0]


def _catch(failed: list[BaseException], call: Callable[[], object]) -> None:
    try:
        call()
    except BaseException as exc:  # noqa: BLE001 - raised again in the caller's thread
        failed.append(exc)


@pytest.fixture(scope="session")
def postgres_template(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A database migrated and started on once for the run, that each PostgreSQL test's
    database copies."""
    with template_database() as name:
        started_once(database_url(name), tmp_path_factory.mktemp("pg-template"))
        yield name


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite file started on once for the run, that each SQLite test's file copies: what
    the app's own first start makes (argon2 hashes of three passwords, the articles, the
    migrations), 0.3 s of every test's set-up otherwise. The app's start on a new file is
    itself tested where it matters (tests/test_app_cli.py, tests/test_storage.py)."""
    folder = tmp_path_factory.mktemp("sqlite-template")
    started_once(folder / "chat.db", folder)
    assert not list(folder.glob("chat.db-*")), "the WAL is checkpointed when the app stops"
    return folder / "chat.db"


def copy_of(template: Path, folder: Path) -> Path:
    """A copy of the template file in `folder`: the test's own chat.db."""
    folder.mkdir(parents=True, exist_ok=True)
    return Path(shutil.copyfile(template, folder / "chat.db"))


@pytest.fixture
def database(
    database_backend: str, tmp_path: Path, request: pytest.FixtureRequest
) -> Iterator[Path | str]:
    """The test's own database, as the app's first start leaves it (migrated, the demo agents,
    the articles): a SQLite file in tmp_path, or a PostgreSQL URL."""
    if database_backend == "sqlite":
        yield copy_of(request.getfixturevalue("sqlite_template"), tmp_path)
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
        template = request.getfixturevalue("sqlite_template")
        yield copy_of(template, tmp_path_factory.mktemp("module"))
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
async def db(settings: Settings) -> AsyncIterator[Database]:
    """The settings' database opened alone, without the app (storage tests, both backends)."""
    database = open_database(settings)
    await database.open()
    try:
        yield database
    finally:
        await database.close()


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
    where = database if database is not None else tmp_path / f"{name}.db"
    server = LiveServer(where, free_port(), environ, tmp_path / "server.log")
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
