"""Fields a caller may not set (role, agent_id, status, ids) are ignored in every body."""

from __future__ import annotations

from starlette.testclient import TestClient

from tests.conftest import ALICE, BOB, PASSWORD, login, start

SMUGGLED = {
    "role": "admin",
    "agent_id": 3,
    "status": "closed",
    "sender_type": "system",
    "assigned_agent": {"id": 2, "name": "Bob Agent"},
    "id": 999,
    "seq": 999,
    "is_admin": True,
    "human_replied": True,
    "message_count": 99,
}


def test_start_and_handoff_ignore_smuggled_fields(client: TestClient) -> None:
    started = client.post("/api/v1/chat/public/start", json={"name": "Pat", **SMUGGLED})
    assert started.status_code == 201
    session = started.json()["session"]
    assert session["status"] == "queued" and session["assigned_agent"] is None
    assert session["id"] != 999
    key = started.json()["session_key"]
    handed = client.post("/api/v1/chat/public/handoff", json={"session_key": key, **SMUGGLED})
    assert handed.json()["session"]["status"] == "queued"


def test_login_cannot_grant_a_role(client: TestClient) -> None:
    answer = client.post(
        "/api/v1/auth/login", json={"email": ALICE, "password": PASSWORD, **SMUGGLED}
    )
    assert answer.status_code == 200
    assert answer.json()["agent"]["role"] == "agent"
    headers = {"Authorization": f"Bearer {answer.json()['token']}"}
    me = client.get("/api/v1/auth/me", headers=headers).json()["agent"]
    assert me["role"] == "agent"


def test_an_agent_reply_is_stored_as_the_caller_whatever_the_body_says(
    client: TestClient,
) -> None:
    session_id = start(client)["session"]["id"]
    alice = login(client, ALICE)
    body = {"session_id": session_id, "content": "Hi from Alice", **SMUGGLED}
    answer = client.post("/api/v1/chat/messages", json=body, headers=alice)
    assert answer.status_code == 201
    message = answer.json()["message"]
    assert (message["sender_type"], message["agent_id"], message["sender_name"]) == (
        "agent",
        1,
        "Alice Agent",
    )
    assert message["seq"] == 1
    session = client.get(f"/api/v1/chat/sessions/{session_id}", headers=alice).json()["session"]
    assert session["status"] == "active"
    assert session["assigned_agent"] == {"id": 1, "name": "Alice Agent"}


def test_assign_and_close_ignore_smuggled_fields(client: TestClient) -> None:
    session_id = start(client)["session"]["id"]
    bob = login(client, BOB)
    body = {k: v for k, v in SMUGGLED.items() if k != "agent_id"}
    assigned = client.post(f"/api/v1/chat/sessions/{session_id}/assign", json=body, headers=bob)
    assert assigned.status_code == 200
    assert assigned.json()["session"]["assigned_agent"] == {"id": 2, "name": "Bob Agent"}
    assert assigned.json()["session"]["status"] == "active"
    alice = login(client, ALICE)
    taken = client.post(f"/api/v1/chat/sessions/{session_id}/assign", json=SMUGGLED, headers=alice)
    assert taken.status_code == 403, "a non-admin naming another agent_id is refused"
    closed = client.post(f"/api/v1/chat/sessions/{session_id}/close", json=SMUGGLED, headers=alice)
    assert closed.status_code == 409, "Bob holds it: a smuggled role does not make Alice an admin"
