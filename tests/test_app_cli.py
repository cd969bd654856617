"""`python app.py`: its flags, `create-agent`, and what the first start leaves on disk."""

from __future__ import annotations

import os
import sqlite3
import stat
import subprocess
import sys
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path

import httpx
import pytest
from conftest import ADMIN, ALICE, BOB, PASSWORD, ROOT, LiveServer, free_port
from starlette.testclient import TestClient

from chat.application import create_app
from chat.config import Settings

NEW_PASSWORD = "correct horse battery"
FLAGS = (
    *("--host", "--port", "--database", "--secret-key", "--no-demo-data", "--synchronous"),
    *("--allowed-origins", "--no-ai", "create-agent"),
)


@pytest.fixture
def env() -> dict[str, str]:
    """The environment of an operator who has set no SWITCHBOARD_* variable."""
    return {k: v for k, v in os.environ.items() if not k.startswith("SWITCHBOARD_")}


@pytest.fixture
def fresh_server(tmp_path: Path, env: dict[str, str]) -> Iterator[LiveServer]:
    """A server not yet started, on a database that does not exist yet, with no secret given."""
    server = LiveServer(tmp_path / "data" / "chat.db", free_port(), env, tmp_path / "server.log")
    yield server
    server.stop()


def app_py(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(ROOT / "app.py"), *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def create_agent(database: Path, env: dict[str, str], *extra: str, password: str = NEW_PASSWORD):
    env = {**env, "SWITCHBOARD_AGENT_PASSWORD": password}
    return app_py("create-agent", "--database", str(database), *extra, env=env)


def agents_in(database: Path) -> list[tuple[str, str]]:
    with closing(sqlite3.connect(database)) as db:
        return db.execute("SELECT email, role FROM agents ORDER BY id").fetchall()


def test_help_lists_the_flags(env: dict[str, str]) -> None:
    shown = app_py("--help", env=env)
    assert shown.returncode == 0
    for flag in FLAGS:
        assert flag in shown.stdout, flag
    shown = app_py("create-agent", "--help", env=env)
    assert shown.returncode == 0
    assert all(flag in shown.stdout for flag in ("--email", "--name", "--admin", "--database"))


def test_create_agent_adds_one_who_can_log_in(tmp_path: Path, env: dict[str, str]) -> None:
    database = tmp_path / "chat.db"
    made = create_agent(database, env, "--email", "X@Y.com", "--name", "Xavier")
    assert made.returncode == 0, made.stderr
    assert "x@y.com" in made.stdout
    admin = create_agent(database, env, "--email", "boss@y.com", "--name", "Boss", "--admin")
    assert admin.returncode == 0, admin.stderr
    assert agents_in(database) == [("x@y.com", "agent"), ("boss@y.com", "admin")]
    with TestClient(create_app(Settings(database=database, secret_key="s"))) as client:
        answer = client.post(
            "/api/v1/auth/login", json={"email": "x@y.com", "password": NEW_PASSWORD}
        )
        assert answer.status_code == 200, answer.text
        assert answer.json()["agent"]["name"] == "Xavier"
        answer = client.post("/api/v1/auth/login", json={"email": "x@y.com", "password": PASSWORD})
        assert answer.status_code == 401


@pytest.mark.parametrize(
    ("args", "password", "complaint"),
    [
        (("--email", "x@y.com", "--name", "Again"), NEW_PASSWORD, "already exists"),
        (("--email", "z@y.com", "--name", "Short"), "short", "at least 8"),
        (("--email", "not-an-address", "--name", "Odd"), NEW_PASSWORD, "email"),
        (("--email", "w@y.com", "--name", "  "), NEW_PASSWORD, "name"),
    ],
)
def test_create_agent_refuses_bad_input(
    tmp_path: Path, env: dict[str, str], args: tuple[str, ...], password: str, complaint: str
) -> None:
    database = tmp_path / "chat.db"
    assert create_agent(database, env, "--email", "x@y.com", "--name", "X").returncode == 0
    refused = create_agent(database, env, *args, password=password)
    assert refused.returncode == 1
    assert complaint in refused.stderr
    assert agents_in(database) == [("x@y.com", "agent")]


def test_the_first_start_makes_the_database_demo_agents_and_a_secret(
    fresh_server: LiveServer,
) -> None:
    folder = fresh_server.database.parent
    assert not folder.exists()
    fresh_server.start()
    assert fresh_server.database.exists()
    secret = folder / "secret_key"
    assert len(secret.read_text().strip()) >= 43
    assert stat.S_IMODE(secret.stat().st_mode) == 0o600
    assert agents_in(fresh_server.database) == [
        (ALICE, "agent"),
        (BOB, "agent"),
        (ADMIN, "admin"),
    ]
    with httpx.Client(base_url=fresh_server.url) as http:
        for email in (ALICE, BOB, ADMIN):
            answer = http.post("/api/v1/auth/login", json={"email": email, "password": PASSWORD})
            assert answer.status_code == 200, answer.text


def test_a_login_survives_a_restart(fresh_server: LiveServer) -> None:
    fresh_server.start()
    with httpx.Client(base_url=fresh_server.url) as http:
        page = http.get("/login").text
        token = page.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
        form = {"csrf_token": token, "email": ALICE, "password": PASSWORD}
        assert http.post("/login", data=form).status_code == 303
        fresh_server.stop()
        fresh_server.start()  # the same secret_key signs the cookie after the restart
        answer = http.get("/api/v1/auth/me")
        assert answer.status_code == 200 and answer.json()["agent"]["email"] == ALICE


def test_no_demo_data_makes_no_agents(fresh_server: LiveServer) -> None:
    fresh_server.start("--no-demo-data")
    assert agents_in(fresh_server.database) == []
    with httpx.Client(base_url=fresh_server.url) as http:
        answer = http.post("/api/v1/auth/login", json={"email": ALICE, "password": PASSWORD})
        assert answer.status_code == 401


def test_demo_data_can_be_turned_off_by_a_variable() -> None:
    assert Settings.from_args([], {"SWITCHBOARD_DEMO_DATA": "0"}).demo_data is False
    assert Settings.from_args([], {}).demo_data is True


def test_session_keys_stay_out_of_the_log(live_server: LiveServer) -> None:
    with httpx.Client(base_url=live_server.url) as http:
        key = http.post("/api/v1/chat/public/start", json={}).json()["session_key"]
        assert http.get(f"/api/v1/chat/public/session/{key}?after_seq=0").status_code == 200
        http.post("/api/v1/chat/public/message", json={"session_key": key, "content": "hi"})
    log = live_server.log.read_text()
    assert "/api/v1/chat/public/session/" in log  # requests are logged ...
    assert key not in log  # ... without the key


def test_on_started_runs_once_startup_is_done_before_any_request(settings: Settings) -> None:
    """`python app.py` freezes what startup made out of the collector's full passes there
    (gc.freeze): the hook runs once, with the app's service in place, before a request."""
    seen: list[bool] = []
    app = create_app(settings, on_started=lambda: seen.append(hasattr(app.state, "service")))
    assert seen == []
    with TestClient(app) as client:
        assert seen == [True]
        assert client.get("/healthz").status_code == 200
    assert seen == [True]
