"""The public API a customer's widget uses: the session key is the only credential."""

from __future__ import annotations

import json
import re
import sqlite3
from contextlib import closing
from dataclasses import replace
from pathlib import Path

import pytest
from conftest import assert_error, login, start
from starlette.testclient import TestClient

from chat.application import create_app
from chat.config import Settings
from tests.database_sql import run_sql

PUBLIC = "/api/v1/chat/public"
JSON = {"content-type": "application/json"}
PUBLIC_VIEW = {"id", "status", "assigned_agent", "created_at", "updated_at"}
# Read receipts: how far the customer and the agents have read (no emails, nothing internal).
PUBLIC_VIEW |= {"customer_read_seq", "agent_read_seq"}
# Routing: the place in the queue while queued (TEAMS.md), null otherwise.
PUBLIC_VIEW |= {"queue_position"}
TIME = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z")


@pytest.fixture
def settings(settings: Settings) -> Settings:
    # The AI is not what these tests are about; with it off no reply lands between messages.
    return replace(settings, ai_enabled=False)


def send(client: TestClient, key: str, content: object, **extra: object):
    return client.post(f"{PUBLIC}/message", json={"session_key": key, "content": content, **extra})


def history(client: TestClient, key: str, query: str = "") -> dict:
    answer = client.get(f"{PUBLIC}/session/{key}{query}")
    assert answer.status_code == 200, answer.text
    return answer.json()


def test_start_answers_a_key_and_the_public_view_only(client: TestClient) -> None:
    body = start(client, name="Pat", email="pat@example.com", page_url="https://shop.example/")
    assert set(body) == {"session_key", "session", "messages"}
    assert re.fullmatch(r"[A-Za-z0-9_-]{22,}", body["session_key"])  # >= 128 bits, URL-safe
    session = body["session"]
    assert set(session) == PUBLIC_VIEW
    assert session["status"] == "queued" and session["assigned_agent"] is None
    assert TIME.fullmatch(session["created_at"]) and TIME.fullmatch(session["updated_at"])
    assert body["messages"] == []
    assert "pat@example.com" not in json.dumps(body)


def test_a_new_session_is_bot_while_the_ai_is_on(make_client) -> None:
    assert start(make_client(ai_enabled=True))["session"]["status"] == "bot"


def test_every_session_gets_its_own_key(client: TestClient) -> None:
    keys = {start(client)["session_key"] for _ in range(5)}
    assert len(keys) == 5


@pytest.mark.sqlite_only  # reads the SQLite file's bytes; PostgreSQL's key_hash is bytea too
def test_the_database_keeps_only_a_hash_of_the_key(client: TestClient, tmp_path: Path) -> None:
    key = start(client, name="Pat")["session_key"]
    assert send(client, key, "hello").status_code == 201
    stored = b"".join(p.read_bytes() for p in tmp_path.glob("chat.db*"))
    assert b"Pat" in stored  # the files do hold the conversation ...
    assert key.encode() not in stored  # ... but never the key itself


@pytest.mark.parametrize(
    "body",
    [
        {"name": 5},
        {"name": "x" * 101},
        {"name": "two\nlines"},
        {"email": "not-an-address"},
        {"email": "a@b.c" + "x" * 254},
        {"page_url": ["https://a.example"]},
    ],
)
def test_start_refuses_bad_fields(client: TestClient, body: dict) -> None:
    assert_error(client.post(f"{PUBLIC}/start", json=body), 422, "invalid_request")


def test_a_message_is_stored_trimmed_and_answered_201(client: TestClient) -> None:
    key = start(client, name="Pat")["session_key"]
    answer = send(client, key, "  Hello\tthere\r\nsecond line  ", client_id="c-1")
    assert answer.status_code == 201, answer.text
    message = answer.json()["message"]
    assert message["content"] == "Hello\tthere\nsecond line"
    assert message["sender_type"] == "customer" and message["sender_name"] == "Pat"
    assert message["agent_id"] is None and message["client_id"] == "c-1"
    assert message["seq"] == 1 and TIME.fullmatch(message["created_at"])
    assert history(client, key)["messages"] == [message]


def test_a_retry_with_the_same_client_id_is_stored_once(
    client: TestClient, settings: Settings
) -> None:
    key = start(client)["session_key"]
    first = send(client, key, "Where is my order?", client_id="retry-1")
    again = send(client, key, "Where is my order?", client_id="retry-1")
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["message"] == first.json()["message"]
    assert [m["client_id"] for m in history(client, key)["messages"]] == ["retry-1"]
    rows = run_sql(settings, "SELECT count(*) FROM messages WHERE client_id = 'retry-1'")
    assert rows == [(1,)]


def test_the_same_client_id_in_another_session_is_another_message(client: TestClient) -> None:
    first, second = start(client)["session_key"], start(client)["session_key"]
    assert send(client, first, "one", client_id="same").status_code == 201
    assert send(client, second, "two", client_id="same").status_code == 201


@pytest.mark.parametrize(
    "content",
    ["", "   \n\t ", "x" * 4001, "nul\x00byte", "bell\x07", "esc\x1b[31m", 42, None, ["hi"]],
)
def test_content_outside_its_limits_is_422(client: TestClient, content: object) -> None:
    key = start(client)["session_key"]
    assert_error(send(client, key, content), 422, "invalid_request")
    assert history(client, key)["messages"] == []


def test_content_of_exactly_4000_characters_is_kept(client: TestClient) -> None:
    key = start(client)["session_key"]
    answer = send(client, key, "  " + "é" * 4000 + "  ")
    assert answer.status_code == 201 and answer.json()["message"]["content"] == "é" * 4000


def test_lone_surrogates(client: TestClient) -> None:
    key = start(client)["session_key"]
    raw = json.dumps({"session_key": key, "content": "broken \ud800 text"})  # ASCII escapes
    assert_error(
        client.post(f"{PUBLIC}/message", content=raw, headers=JSON), 422, "invalid_request"
    )
    assert history(client, key)["messages"] == []
    raw = json.dumps({"session_key": "\ud800", "content": "hi"})  # a key like this was a 500
    for path in ("message", "handoff"):
        answer = client.post(f"{PUBLIC}/{path}", content=raw, headers=JSON)
        assert_error(answer, 404, "not_found")
    assert_error(client.get(f"{PUBLIC}/session/%ED%A0%80"), 404, "not_found")


@pytest.mark.parametrize("client_id", ["", "has space", "x" * 65, "ünï", 7])
def test_a_bad_client_id_is_422(client: TestClient, client_id: object) -> None:
    key = start(client)["session_key"]
    assert_error(send(client, key, "hi", client_id=client_id), 422, "invalid_request")


def test_fields_a_customer_may_not_set_are_ignored(client: TestClient) -> None:
    key = start(client)["session_key"]
    answer = send(client, key, "hi", sender_type="agent", status="closed", agent_id=1, seq=99)
    assert answer.status_code == 201
    message = answer.json()["message"]
    assert (message["sender_type"], message["agent_id"], message["seq"]) == ("customer", None, 1)
    session = history(client, key)["session"]
    assert session["status"] == "queued" and session["assigned_agent"] is None


def test_the_session_key_must_be_a_known_string(client: TestClient) -> None:
    assert_error(send(client, "no-such-key-" + "x" * 30, "hi"), 404, "not_found")
    assert_error(send(client, 12345, "hi"), 422, "invalid_request")
    assert_error(client.post(f"{PUBLIC}/message", json={"content": "hi"}), 422, "invalid_request")
    assert_error(client.get(f"{PUBLIC}/session/unknown-key"), 404, "not_found")
    assert_error(
        client.post(f"{PUBLIC}/handoff", json={"session_key": None}), 422, "invalid_request"
    )
    assert_error(client.post(f"{PUBLIC}/handoff", json={"session_key": "nope"}), 404, "not_found")


def test_history_pages_in_seq_order(client: TestClient) -> None:
    key = start(client)["session_key"]
    for n in range(1, 6):
        assert send(client, key, f"message {n}").status_code == 201
    whole = history(client, key)
    assert [m["seq"] for m in whole["messages"]] == [1, 2, 3, 4, 5]
    assert [m["content"] for m in whole["messages"]][0] == "message 1"
    assert whole["has_more"] is False
    assert set(whole["session"]) == PUBLIC_VIEW
    pages, after = [], 0
    while True:
        page = history(client, key, f"?after_seq={after}&limit=2")
        pages.append([m["seq"] for m in page["messages"]])
        if not page["has_more"]:
            break
        after = page["messages"][-1]["seq"]
    assert pages == [[1, 2], [3, 4], [5]]
    assert history(client, key, "?after_seq=5")["messages"] == []
    assert len(history(client, key, "?limit=5000")["messages"]) == 5  # capped, not refused


@pytest.mark.parametrize("query", ["?after_seq=-1", "?after_seq=abc", "?after_seq=1.5", "?limit=0"])
def test_bad_paging_is_422(client: TestClient, query: str) -> None:
    key = start(client)["session_key"]
    assert_error(client.get(f"{PUBLIC}/session/{key}{query}"), 422, "invalid_request")


def test_asking_for_a_person_queues_the_session_once(make_client) -> None:
    client = make_client(ai_enabled=True)
    key = start(client)["session_key"]
    first = client.post(f"{PUBLIC}/handoff", json={"session_key": key})
    assert first.status_code == 200, first.text
    assert first.json()["session"]["status"] == "queued"
    assert set(first.json()["session"]) == PUBLIC_VIEW
    again = client.post(f"{PUBLIC}/handoff", json={"session_key": key})
    assert again.status_code == 200 and again.json()["session"]["status"] == "queued"
    messages = history(client, key)["messages"]
    assert [m["sender_type"] for m in messages] == ["system"]
    assert messages[0]["content"]


def test_bodies_that_are_not_a_json_object(client: TestClient) -> None:
    for raw in (b"{not json", b"\xff\xfe", b""):
        answer = client.post(f"{PUBLIC}/start", content=raw, headers=JSON)
        assert_error(answer, 400, "invalid_request")
    assert_error(client.post(f"{PUBLIC}/start", json=["a"]), 422, "invalid_request")
    assert_error(client.post(f"{PUBLIC}/start", json="text"), 422, "invalid_request")


def test_a_body_over_64_kib_is_413(client: TestClient) -> None:
    key = start(client)["session_key"]
    assert_error(send(client, key, "x" * (65 * 1024)), 413, "payload_too_large")
    chunks = iter([b'{"session_key": "' + key.encode() + b'", "content": "', b"x" * 70_000])
    answer = client.post(f"{PUBLIC}/message", content=chunks)  # chunked: no Content-Length
    assert_error(answer, 413, "payload_too_large")
    assert history(client, key)["messages"] == []


def test_a_customer_message_reopens_a_closed_session_for_anyone(client: TestClient) -> None:
    started = start(client)
    key, session_id = started["session_key"], started["session"]["id"]
    alice = login(client)
    assign = client.post(f"/api/v1/chat/sessions/{session_id}/assign", headers=alice)
    assert assign.json()["session"]["status"] == "active"
    closed = client.post(f"/api/v1/chat/sessions/{session_id}/close", headers=alice)
    assert closed.json()["session"]["status"] == "closed"
    assert history(client, key)["session"]["status"] == "closed"
    assert send(client, key, "One more question").status_code == 201
    session = history(client, key)["session"]
    assert session["status"] == "queued" and session["assigned_agent"] is None


def test_the_public_api_can_be_called_from_any_site(client: TestClient) -> None:
    answer = client.post(f"{PUBLIC}/start", json={}, headers={"origin": "https://shop.example"})
    assert answer.status_code == 201
    assert answer.headers["access-control-allow-origin"] == "*"
    preflight = client.options(
        f"{PUBLIC}/message",
        headers={
            "origin": "https://shop.example",
            "access-control-request-method": "POST",
            "access-control-request-headers": "content-type",
        },
    )
    assert preflight.status_code in (200, 204)
    assert preflight.headers["access-control-allow-origin"] == "*"
    assert "POST" in preflight.headers["access-control-allow-methods"]
    assert "content-type" in preflight.headers["access-control-allow-headers"].lower()
    # Agents' endpoints are not opened to other sites.
    assert "access-control-allow-origin" not in client.get("/api/v1/auth/me").headers


def broken_database_client(settings: Settings) -> TestClient:
    """The app after its messages table has gone: every history read fails inside the server."""
    client = TestClient(create_app(settings), raise_server_exceptions=False)
    client.__enter__()
    if settings.uses_postgresql:
        run_sql(settings, "DROP TABLE messages CASCADE")
    else:
        with closing(sqlite3.connect(settings.database)) as db, db:
            db.execute("PRAGMA foreign_keys = OFF")
            db.execute("DROP TABLE messages")
    return client


def test_a_server_failure_leaks_nothing(settings: Settings) -> None:
    client = broken_database_client(settings)
    try:
        answer = client.get(f"{PUBLIC}/session/some-key")
        assert_error(answer, 500, "internal")
        assert "messages" not in answer.text and "sqlite" not in answer.text.lower()
    finally:
        client.__exit__(None, None, None)


def test_a_server_failure_still_reaches_the_widget(settings: Settings) -> None:
    client = broken_database_client(settings)
    try:
        answer = client.get(f"{PUBLIC}/session/some-key")
        assert answer.status_code == 500
        assert answer.headers.get("access-control-allow-origin") == "*"
        assert answer.headers.get("cache-control") == "no-store"
    finally:
        client.__exit__(None, None, None)
