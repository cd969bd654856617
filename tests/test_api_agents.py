"""The agents' API: logging in with a token, the conversation list, replying, assigning, closing."""

from __future__ import annotations

import json
import time
from dataclasses import replace

import pytest
from conftest import ADMIN, ALICE, BOB, PASSWORD, assert_error, login, start
from starlette.testclient import TestClient

from chat.config import Settings
from tests.database_sql import run_sql

API = "/api/v1"
PUBLIC = f"{API}/chat/public"


@pytest.fixture
def settings(settings: Settings) -> Settings:
    # The AI is not what these tests are about; with it off no reply lands between messages.
    return replace(settings, ai_enabled=False)


def customer_says(client: TestClient, key: str, content: str) -> dict:
    answer = client.post(f"{PUBLIC}/message", json={"session_key": key, "content": content})
    assert answer.status_code == 201, answer.text
    return answer.json()["message"]


def reply(client: TestClient, headers: dict, session_id: int, content: str, **extra: object):
    body = {"session_id": session_id, "content": content, **extra}
    return client.post(f"{API}/chat/messages", json=body, headers=headers)


def assign(client: TestClient, headers: dict, session_id: int, **body: object):
    url = f"{API}/chat/sessions/{session_id}/assign"
    return (
        client.post(url, json=body, headers=headers) if body else client.post(url, headers=headers)
    )


def session_of(client: TestClient, headers: dict, session_id: int) -> dict:
    answer = client.get(f"{API}/chat/sessions/{session_id}", headers=headers)
    assert answer.status_code == 200, answer.text
    return answer.json()["session"]


def test_login_answers_a_token_and_the_agent(client: TestClient) -> None:
    answer = client.post(f"{API}/auth/login", json={"email": ALICE, "password": PASSWORD})
    assert answer.status_code == 200
    body = answer.json()
    agent = body["agent"]
    assert agent == {"id": agent["id"], "name": "Alice Agent", "email": ALICE, "role": "agent"}
    assert isinstance(body["token"], str) and len(body["token"]) >= 22
    me = client.get(f"{API}/auth/me", headers={"Authorization": f"Bearer {body['token']}"})
    assert me.status_code == 200 and me.json() == {"agent": body["agent"]}


def test_a_wrong_password_and_an_unknown_email_look_the_same(client: TestClient) -> None:
    wrong = client.post(f"{API}/auth/login", json={"email": ALICE, "password": "nope-nope"})
    unknown = client.post(f"{API}/auth/login", json={"email": "x@y.com", "password": PASSWORD})
    assert_error(wrong, 401, "unauthorized")
    assert wrong.json() == unknown.json() and unknown.status_code == 401


@pytest.mark.parametrize(
    "body",
    [
        {"email": ALICE},
        {"email": ALICE, "password": 123},
        {"email": "\ud800@callcenter.com", "password": PASSWORD},  # used to be a 500
        {"email": ALICE, "password": "\ud800"},
    ],
)
def test_a_malformed_login_is_422(client: TestClient, body: dict) -> None:
    raw = json.dumps(body)
    answer = client.post(
        f"{API}/auth/login", content=raw, headers={"content-type": "application/json"}
    )
    assert_error(answer, 422, "invalid_request")


def test_logout_revokes_the_token(client: TestClient) -> None:
    alice = login(client)
    other = login(client)  # a second token of the same agent stays valid
    assert client.post(f"{API}/auth/logout", headers=alice).status_code == 204
    assert_error(client.get(f"{API}/auth/me", headers=alice), 401, "unauthorized")
    assert_error(client.get(f"{API}/chat/sessions", headers=alice), 401, "unauthorized")
    assert client.get(f"{API}/auth/me", headers=other).status_code == 200


def test_a_deactivated_agent_is_locked_out(client: TestClient, settings: Settings) -> None:
    bob = login(client, BOB)
    run_sql(settings, "UPDATE agents SET is_active = 0 WHERE email = ?", BOB)
    assert_error(client.get(f"{API}/auth/me", headers=bob), 401, "unauthorized")
    answer = client.post(f"{API}/auth/login", json={"email": BOB, "password": PASSWORD})
    wrong = client.post(f"{API}/auth/login", json={"email": ALICE, "password": "nope-nope"})
    assert_error(answer, 401, "unauthorized")
    assert answer.json() == wrong.json()


@pytest.mark.parametrize(
    "headers",
    [{}, {"Authorization": "Bearer garbage"}, {"Authorization": "Bearer "}, {"Authorization": "x"}],
)
def test_agent_endpoints_need_a_valid_credential(client: TestClient, headers: dict) -> None:
    session_id = start(client)["session"]["id"]
    assert_error(client.get(f"{API}/auth/me", headers=headers), 401, "unauthorized")
    assert_error(client.get(f"{API}/chat/sessions", headers=headers), 401, "unauthorized")
    answer = client.get(f"{API}/chat/sessions/{session_id}/messages", headers=headers)
    assert_error(answer, 401, "unauthorized")
    assert_error(reply(client, headers, session_id, "hi"), 401, "unauthorized")
    assert_error(assign(client, headers, session_id), 401, "unauthorized")


def test_sessions_are_listed_latest_activity_first(client: TestClient) -> None:
    alice = login(client)
    first, second = start(client, name="First"), start(client, name="Second")
    time.sleep(0.002)  # times have millisecond resolution
    customer_says(client, first["session_key"], "I am back")
    answer = client.get(f"{API}/chat/sessions", headers=alice)
    listed = answer.json()["sessions"]
    assert [s["customer_name"] for s in listed] == ["First", "Second"]
    assert listed[0]["message_count"] == 1
    assert listed[0]["last_message"]["content"] == "I am back"
    assert listed[1]["last_message"] is None and listed[1]["id"] == second["session"]["id"]
    limited = client.get(f"{API}/chat/sessions?limit=1", headers=alice).json()["sessions"]
    assert [s["customer_name"] for s in limited] == ["First"]


def test_sessions_can_be_filtered_by_status(client: TestClient) -> None:
    alice = login(client)
    waiting, taken = start(client), start(client)
    assert assign(client, alice, taken["session"]["id"]).status_code == 200
    found = client.get(f"{API}/chat/sessions?status=active", headers=alice).json()["sessions"]
    assert [s["id"] for s in found] == [taken["session"]["id"]]
    found = client.get(f"{API}/chat/sessions?status=queued", headers=alice).json()["sessions"]
    assert [s["id"] for s in found] == [waiting["session"]["id"]]
    for query in ("?status=open", "?limit=0", "?limit=ten"):
        answer = client.get(f"{API}/chat/sessions{query}", headers=alice)
        assert_error(answer, 422, "invalid_request")


def test_the_agent_view_of_a_session(client: TestClient) -> None:
    alice = login(client)
    started = start(client, name="Pat", email="pat@example.com", page_url="https://a.example/p")
    session = session_of(client, alice, started["session"]["id"])
    assert session["customer_name"] == "Pat" and session["customer_email"] == "pat@example.com"
    assert session["status"] == "queued" and session["message_count"] == 0
    for session_id in (started["session"]["id"] + 1, 99999999999999999999):
        answer = client.get(f"{API}/chat/sessions/{session_id}", headers=alice)
        assert_error(answer, 404, "not_found")
    answer = client.get(f"{API}/chat/sessions/99999999999999999999/messages", headers=alice)
    assert_error(answer, 404, "not_found")


def test_an_agent_pages_through_the_messages(client: TestClient) -> None:
    alice = login(client)
    started = start(client)
    for n in range(5):
        customer_says(client, started["session_key"], f"line {n}")
    url = f"{API}/chat/sessions/{started['session']['id']}/messages"
    page = client.get(f"{url}?limit=3", headers=alice).json()
    assert [m["seq"] for m in page["messages"]] == [1, 2, 3] and page["has_more"] is True
    page = client.get(f"{url}?after_seq=3&limit=3", headers=alice).json()
    assert [m["seq"] for m in page["messages"]] == [4, 5] and page["has_more"] is False
    assert_error(client.get(f"{url}?after_seq=x", headers=alice), 422, "invalid_request")


def test_a_reply_takes_an_unassigned_session(client: TestClient) -> None:
    alice = login(client)
    started = start(client)
    session_id = started["session"]["id"]
    answer = reply(client, alice, session_id, "  Hello, I am Alice.  ", client_id="a-1")
    assert answer.status_code == 201, answer.text
    message = answer.json()["message"]
    assert message["sender_type"] == "agent" and message["sender_name"] == "Alice Agent"
    assert message["content"] == "Hello, I am Alice." and message["agent_id"] is not None
    session = session_of(client, alice, session_id)
    assert session["status"] == "active"
    assert session["assigned_agent"] == {"id": message["agent_id"], "name": "Alice Agent"}
    again = reply(client, alice, session_id, "Hello, I am Alice.", client_id="a-1")
    assert again.status_code == 200 and again.json()["message"] == message
    public = client.get(f"{PUBLIC}/session/{started['session_key']}").json()
    assert [m["content"] for m in public["messages"]] == ["Hello, I am Alice."]
    assert public["session"]["assigned_agent"]["name"] == "Alice Agent"


def test_only_the_holder_or_an_admin_may_reply(client: TestClient) -> None:
    alice, bob, admin = login(client), login(client, BOB), login(client, ADMIN)
    session_id = start(client)["session"]["id"]
    assert reply(client, alice, session_id, "Mine").status_code == 201
    assert_error(reply(client, bob, session_id, "No, mine"), 409, "conflict")
    assert reply(client, admin, session_id, "Admin here").status_code == 201
    answer = client.get(f"{API}/chat/sessions/{session_id}/messages", headers=bob)
    assert [m["content"] for m in answer.json()["messages"]] == ["Mine", "Admin here"]
    assert session_of(client, bob, session_id)["assigned_agent"]["name"] == "Alice Agent"


@pytest.mark.parametrize(
    "body",
    [{"content": "hi"}, {"session_id": "1", "content": "hi"}, {"session_id": 1, "content": ""}],
)
def test_a_bad_reply_is_422(client: TestClient, body: dict) -> None:
    start(client)
    answer = client.post(f"{API}/chat/messages", json=body, headers=login(client))
    assert_error(answer, 422, "invalid_request")


def test_a_reply_to_an_unknown_session_is_404(client: TestClient) -> None:
    assert_error(reply(client, login(client), 4242, "hello?"), 404, "not_found")


def test_assigning_to_oneself_and_conflicts(client: TestClient) -> None:
    alice, bob, admin = login(client), login(client, BOB), login(client, ADMIN)
    session_id = start(client)["session"]["id"]
    mine = assign(client, alice, session_id)
    assert mine.status_code == 200
    assert mine.json()["session"]["status"] == "active"
    assert mine.json()["session"]["assigned_agent"]["name"] == "Alice Agent"
    assert assign(client, alice, session_id).status_code == 200  # asking again is fine
    assert_error(assign(client, bob, session_id), 409, "conflict")
    taken = assign(client, admin, session_id)
    assert taken.status_code == 200
    assert taken.json()["session"]["assigned_agent"]["name"] == "Admin"


def test_an_admin_assigns_to_a_named_agent(client: TestClient) -> None:
    alice, admin = login(client), login(client, ADMIN)
    bob_id = client.get(f"{API}/auth/me", headers=login(client, BOB)).json()["agent"]["id"]
    session_id = start(client)["session"]["id"]
    answer = assign(client, admin, session_id, agent_id=bob_id)
    assert answer.status_code == 200
    assert answer.json()["session"]["assigned_agent"] == {"id": bob_id, "name": "Bob Agent"}
    other = start(client)["session"]["id"]
    assert_error(assign(client, alice, other, agent_id=bob_id), 403, "forbidden")
    assert_error(assign(client, admin, other, agent_id=9999), 404, "not_found")
    assert_error(assign(client, admin, other, agent_id="2"), 422, "invalid_request")
    assert session_of(client, alice, other)["assigned_agent"] is None


def test_closing_and_the_customer_coming_back(client: TestClient) -> None:
    alice, bob = login(client), login(client, BOB)
    started = start(client)
    session_id = started["session"]["id"]
    assert reply(client, alice, session_id, "Anything else?").status_code == 201
    assert_error(
        client.post(f"{API}/chat/sessions/{session_id}/close", headers=bob), 409, "conflict"
    )
    closed = client.post(f"{API}/chat/sessions/{session_id}/close", headers=alice)
    assert closed.status_code == 200 and closed.json()["session"]["status"] == "closed"
    assert_error(reply(client, alice, session_id, "Still there?"), 409, "conflict")
    customer_says(client, started["session_key"], "Actually, yes")
    session = session_of(client, alice, session_id)
    assert session["status"] == "queued" and session["assigned_agent"] is None
    assert assign(client, bob, session_id).status_code == 200


def test_numeric_ids_never_open_a_conversation_to_the_public(client: TestClient) -> None:
    started = start(client)
    session_id = started["session"]["id"]
    customer_says(client, started["session_key"], "private")
    assert_error(client.get(f"{PUBLIC}/session/{session_id}"), 404, "not_found")
    answer = client.post(f"{PUBLIC}/message", json={"session_key": str(session_id), "content": "x"})
    assert_error(answer, 404, "not_found")
    answer = client.post(f"{PUBLIC}/message", json={"session_key": session_id, "content": "x"})
    assert_error(answer, 422, "invalid_request")
    answer = client.post(f"{PUBLIC}/handoff", json={"session_key": str(session_id)})
    assert_error(answer, 404, "not_found")
    assert_error(client.get(f"{API}/chat/sessions/{session_id}/messages"), 401, "unauthorized")
    assert session_of(client, login(client), session_id)["message_count"] == 1


def test_an_email_holding_nul_is_a_wrong_login_not_a_server_error(client: TestClient) -> None:
    """PostgreSQL's text cannot hold NUL: the lookup must not send it there."""
    answer = client.post(f"{API}/auth/login", json={"email": "a\u0000@x.com", "password": "x"})
    assert_error(answer, 401, "unauthorized")
