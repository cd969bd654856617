"""The admin API for agents: listing, adding with a one-time setup link, editing, deactivating
(conversations back to the queue) and reactivating, password resets, and who may do each."""

from __future__ import annotations

import pytest
from admin_client import API, add_agent, admin, choose_password, cookie_login, setup_path
from conftest import ADMIN, ALICE, BOB, PASSWORD, assert_error, login
from starlette.testclient import TestClient

from chat.config import Settings
from tests.database_sql import run_sql
from tests.sockets import running


def sql(settings: Settings, statement: str, *args: object) -> list[tuple]:
    return run_sql(settings, statement, *args)


def agent_id(client: TestClient, headers: dict[str, str], email: str) -> int:
    agents = client.get(f"{API}/agents", headers=headers).json()["agents"]
    return next(a["id"] for a in agents if a["email"] == email)


def test_an_admin_sees_every_agent_with_role_state_capacity_and_presence(
    client: TestClient,
) -> None:
    answer = client.get(f"{API}/agents", headers=admin(client))
    assert answer.status_code == 200, answer.text
    agents = answer.json()["agents"]
    assert [a["email"] for a in agents] == [ALICE, BOB, ADMIN]
    alice = agents[0]
    assert alice == {
        "id": alice["id"],
        "name": "Alice Agent",
        "email": ALICE,
        "role": "agent",
        "active": True,
        "capacity": None,
        "presence": "offline",
    }


ADMIN_CALLS = [
    ("GET", "/agents", None),
    ("POST", "/agents", {"name": "Eve", "email": "eve@example.com"}),
    ("PATCH", "/agents/1", {"name": "Mallory"}),
    ("POST", "/agents/2/deactivate", None),
    ("POST", "/agents/2/reactivate", None),
    ("POST", "/agents/2/password-reset", None),
    ("GET", "/settings/widget", None),
    ("GET", "/settings/ai", None),
    ("POST", "/settings/ai/test", None),
    ("PUT", "/knowledge/pricing", {"body": "# Free\n\nEverything is free."}),
    ("DELETE", "/knowledge/pricing", None),
    ("GET", "/audit", None),
]


@pytest.mark.parametrize(("method", "path", "body"), ADMIN_CALLS)
def test_every_admin_call_is_403_for_an_agent_and_401_without_a_login(
    client: TestClient, method: str, path: str, body: dict | None
) -> None:
    alice = login(client, ALICE)
    answer = client.request(method, API + path, json=body, headers=alice)
    assert_error(answer, 403, "forbidden")
    assert_error(client.request(method, API + path, json=body), 401, "unauthorized")
    # Nothing changed: Bob is still active and Alice still named Alice.
    agents = client.get(f"{API}/agents", headers=admin(client)).json()["agents"]
    assert [(a["name"], a["active"]) for a in agents[:2]] == [
        ("Alice Agent", True),
        ("Bob Agent", True),
    ]


def test_a_new_agent_sets_a_password_with_the_link_once_and_is_logged_in(
    client: TestClient,
) -> None:
    added = add_agent(client, admin(client), "Carol Agent", "Carol@Example.com")
    assert added["agent"]["email"] == "carol@example.com"
    assert added["agent"]["role"] == "agent" and added["agent"]["active"] is True
    assert added["setup_url"].startswith("http://testserver/setup/")
    assert len(setup_path(added["setup_url"])) >= len("/setup/") + 22  # ≥ 128 bits
    # No password works before the link is used.
    refused = client.post(f"{API}/auth/login", json={"email": "carol@example.com", "password": "!"})
    assert_error(refused, 401, "unauthorized")

    done = choose_password(client, added["setup_url"], "carol-secret-42")
    assert done.status_code == 303 and done.headers["location"] == "/chat"
    me = client.get(f"{API}/auth/me")  # the cookie the setup page set
    assert me.json()["agent"]["name"] == "Carol Agent"
    assert client.get("/chat").status_code == 200
    token = client.post(
        f"{API}/auth/login", json={"email": "carol@example.com", "password": "carol-secret-42"}
    )
    assert token.status_code == 200

    again = client.get(setup_path(added["setup_url"]))
    assert again.status_code == 410
    assert "used already" in again.text and 'name="password"' not in again.text


def test_a_setup_link_that_expired_or_never_existed_shows_an_error_page(
    client: TestClient, settings: Settings
) -> None:
    added = add_agent(client, admin(client), "Dan", "dan@example.com")
    sql(settings, "UPDATE setup_tokens SET expires_at = '2000-01-01T00:00:00.000Z'")
    expired = client.get(setup_path(added["setup_url"]))
    assert expired.status_code == 410 and "expired" in expired.text
    assert 'name="password"' not in expired.text
    unknown = client.get("/setup/not-a-real-token")
    assert unknown.status_code == 404 and 'name="password"' not in unknown.text


@pytest.mark.parametrize(
    ("password", "again", "why"),
    [
        ("short-one", None, "at least 10 characters"),
        ("long-enough-1", "long-enough-2", "not the same"),
        ("erin@example.com", None, "not be your email"),
    ],
)
def test_the_setup_page_refuses_a_weak_or_mistyped_password_and_keeps_the_link(
    client: TestClient, password: str, again: str | None, why: str
) -> None:
    added = add_agent(client, admin(client), "Erin", "erin@example.com")
    refused = choose_password(client, added["setup_url"], password, again)
    assert refused.status_code == 422 and why in refused.text
    assert 'name="password"' in refused.text  # the form again, the link still good
    assert choose_password(client, added["setup_url"], "a-good-password").status_code == 303


def test_the_setup_form_needs_its_csrf_token(client: TestClient) -> None:
    added = add_agent(client, admin(client), "Fay", "fay@example.com")
    path = setup_path(added["setup_url"])
    client.get(path)
    secret = "fay-password-1"
    form = {"csrf_token": "forged", "password": secret, "password_again": secret}
    assert client.post(path, data=form, follow_redirects=False).status_code == 403
    assert client.get(path).status_code == 200  # not used up


def test_an_email_already_used_is_409_whatever_its_case(client: TestClient) -> None:
    headers = admin(client)
    answer = client.post(
        f"{API}/agents", json={"name": "Alice Again", "email": ALICE.upper()}, headers=headers
    )
    assert_error(answer, 409, "conflict")


@pytest.mark.parametrize(
    "body",
    [
        {"name": "X", "email": "not-an-email"},
        {"name": "", "email": "x@example.com"},
        {"name": "X", "email": "x@example.com", "role": "boss"},
        {"email": "x@example.com"},
    ],
)
def test_adding_an_agent_with_a_bad_field_is_422(client: TestClient, body: dict) -> None:
    answer = client.post(f"{API}/agents", json=body, headers=admin(client))
    assert_error(answer, 422, "invalid_request")


def test_an_admin_renames_an_agent_changes_role_and_capacity(client: TestClient) -> None:
    headers = admin(client)
    bob = agent_id(client, headers, BOB)
    url = f"{API}/agents/{bob}"
    answer = client.patch(url, json={"name": "Robert", "capacity": 5}, headers=headers)
    assert answer.status_code == 200, answer.text
    assert answer.json()["agent"] | {"presence": None} == {
        "id": bob,
        "name": "Robert",
        "email": BOB,
        "role": "agent",
        "active": True,
        "capacity": 5,
        "presence": None,
    }
    promoted = client.patch(url, json={"role": "admin"}, headers=headers).json()["agent"]
    assert (promoted["name"], promoted["role"], promoted["capacity"]) == ("Robert", "admin", 5)
    default = client.patch(url, json={"capacity": None}, headers=headers).json()["agent"]
    assert default["capacity"] is None
    assert client.get(f"{API}/auth/me", headers=login(client, BOB)).json()["agent"]["role"] == (
        "admin"
    )
    for bad in ({"capacity": -1}, {"capacity": "3"}, {"role": "owner"}, {"name": "  "}):
        assert_error(client.patch(url, json=bad, headers=headers), 422, "invalid_request")
    assert_error(client.patch(f"{API}/agents/999", json={}, headers=headers), 404, "not_found")


def test_the_last_active_admin_can_be_neither_demoted_nor_deactivated(client: TestClient) -> None:
    headers = admin(client)
    me = agent_id(client, headers, ADMIN)
    alice = agent_id(client, headers, ALICE)
    demote = client.patch(f"{API}/agents/{me}", json={"role": "agent"}, headers=headers)
    assert_error(demote, 409, "conflict")
    # With Alice made admin, the first admin may step down; then Alice is the last one.
    client.patch(f"{API}/agents/{alice}", json={"role": "admin"}, headers=headers)
    assert client.patch(f"{API}/agents/{me}", json={"role": "agent"}, headers=headers).is_success
    alice_headers = login(client, ALICE)
    self_demote = client.patch(
        f"{API}/agents/{alice}", json={"role": "agent"}, headers=alice_headers
    )
    assert_error(self_demote, 409, "conflict")
    assert_error(client.get(f"{API}/agents", headers=headers), 403, "forbidden")  # demoted
    # Deactivating the last admin: refused even when someone else asks (promote Bob to ask).
    bob = agent_id(client, alice_headers, BOB)
    client.patch(f"{API}/agents/{bob}", json={"role": "admin"}, headers=alice_headers)
    client.patch(f"{API}/agents/{alice}", json={"role": "agent"}, headers=login(client, BOB))
    bob_headers = login(client, BOB)
    assert_error(
        client.post(f"{API}/agents/{bob}/deactivate", headers=bob_headers), 409, "conflict"
    )


@pytest.mark.anyio
async def test_deactivating_an_agent_requeues_their_conversations_and_keeps_their_name(
    settings: Settings,
) -> None:
    async with running(settings) as server:
        http = server.http
        alice = {"Authorization": f"Bearer {await server.login(ALICE)}"}
        boss = {"Authorization": f"Bearer {await server.login(ADMIN)}"}
        key = (await server.start(name="Pat"))["session_key"]
        session_id = (await http.get(f"/api/v1/chat/public/session/{key}")).json()["session"]["id"]
        await server.say(key, "Hello?")
        reply = {"session_id": session_id, "content": "Alice here, how can I help?"}
        assert (await http.post(f"{API}/chat/messages", json=reply, headers=alice)).is_success
        watcher = await server.agent_socket(await server.login(BOB))
        await watcher.next("connection.ready")
        alice_id = (await http.get(f"{API}/auth/me", headers=alice)).json()["agent"]["id"]

        answer = await http.post(f"{API}/agents/{alice_id}/deactivate", headers=boss)
        assert answer.status_code == 200, answer.text
        assert answer.json()["agent"]["active"] is False
        updated = await watcher.next("chat.session.updated")
        assert updated["data"]["session"]["status"] == "queued"
        assert updated["data"]["session"]["assigned_agent"] is None
        session = (await http.get(f"{API}/chat/sessions/{session_id}", headers=boss)).json()
        assert session["session"]["status"] == "queued"
        messages = (
            await http.get(f"{API}/chat/sessions/{session_id}/messages", headers=boss)
        ).json()["messages"]
        assert [m["sender_name"] for m in messages if m["sender_type"] == "agent"] == [
            "Alice Agent"
        ]
        assert messages[-1]["sender_type"] == "system"
        assert (await http.get(f"{API}/auth/me", headers=alice)).status_code == 401
        again = await http.post(f"{API}/auth/login", json={"email": ALICE, "password": PASSWORD})
        assert again.status_code == 401

        back = await http.post(f"{API}/agents/{alice_id}/reactivate", headers=boss)
        assert back.status_code == 200 and back.json()["agent"]["active"] is True
        relogin = await http.post(f"{API}/auth/login", json={"email": ALICE, "password": PASSWORD})
        assert relogin.status_code == 200
        await watcher.close()


@pytest.mark.anyio
async def test_a_password_reset_revokes_every_credential_and_closes_the_sockets(
    settings: Settings,
) -> None:
    async with running(settings) as server:
        http = server.http
        token = await server.login(ALICE)
        socket = await server.agent_socket(token)
        await socket.next("connection.ready")
        boss = {"Authorization": f"Bearer {await server.login(ADMIN)}"}
        alice_id = (
            await http.get(f"{API}/auth/me", headers={"Authorization": f"Bearer {token}"})
        ).json()["agent"]["id"]

        answer = await http.post(f"{API}/agents/{alice_id}/password-reset", headers=boss)
        assert answer.status_code == 200, answer.text
        assert set(answer.json()) == {"setup_url"}
        assert await socket.closed_with() == 4401
        me = await http.get(f"{API}/auth/me", headers={"Authorization": f"Bearer {token}"})
        assert me.status_code == 401
        old = await http.post(f"{API}/auth/login", json={"email": ALICE, "password": PASSWORD})
        assert old.status_code == 401
        assert (await http.get(setup_path(answer.json()["setup_url"]))).status_code == 200


def test_a_newer_setup_link_replaces_the_older_one(client: TestClient) -> None:
    headers = admin(client)
    added = add_agent(client, headers, "Gus", "gus@example.com")
    fresh = client.post(f"{API}/agents/{added['agent']['id']}/password-reset", headers=headers)
    assert client.get(setup_path(added["setup_url"])).status_code == 410
    assert client.get(setup_path(fresh.json()["setup_url"])).status_code == 200


def test_cookie_writes_need_our_origin_and_the_pages_csrf_token(client: TestClient) -> None:
    csrf = cookie_login(client, ADMIN)
    body = {"name": "Hal", "email": "hal@example.com"}
    own = "http://testserver"
    no_token = client.post(f"{API}/agents", json=body, headers={"Origin": own})
    assert_error(no_token, 403, "forbidden")
    foreign = client.post(
        f"{API}/agents", json=body, headers={"Origin": "https://evil.example", "X-CSRF-Token": csrf}
    )
    assert_error(foreign, 403, "forbidden")
    no_origin = client.post(f"{API}/agents", json=body, headers={"X-CSRF-Token": csrf})
    assert_error(no_origin, 403, "forbidden")
    wrong = client.post(
        f"{API}/agents", json=body, headers={"Origin": own, "X-CSRF-Token": "x" * 43}
    )
    assert_error(wrong, 403, "forbidden")
    assert client.get(f"{API}/agents").status_code == 200  # reads need neither
    done = client.post(f"{API}/agents", json=body, headers={"Origin": own, "X-CSRF-Token": csrf})
    assert done.status_code == 201, done.text
    emails = [a["email"] for a in client.get(f"{API}/agents").json()["agents"]]
    assert emails.count("hal@example.com") == 1


def test_every_admin_write_is_in_the_audit_log_with_who_and_when(client: TestClient) -> None:
    headers = admin(client)
    added = add_agent(client, headers, "Ivy", "ivy@example.com")
    ivy = added["agent"]["id"]
    client.patch(f"{API}/agents/{ivy}", json={"capacity": 2}, headers=headers)
    client.post(f"{API}/agents/{ivy}/password-reset", headers=headers)
    client.post(f"{API}/agents/{ivy}/deactivate", headers=headers)
    client.post(f"{API}/agents/{ivy}/reactivate", headers=headers)
    entries = client.get(f"{API}/audit", headers=headers).json()["entries"]
    assert [e["action"] for e in entries] == [
        "agent.reactivate",
        "agent.deactivate",
        "agent.password_reset",
        "agent.update",
        "agent.add",
    ]
    assert {e["agent"]["name"] for e in entries} == {"Admin"}
    assert "capacity default → 2" in entries[3]["detail"]
    assert all(e["created_at"].endswith("Z") for e in entries)
    assert added["setup_url"].rsplit("/", 1)[1] not in str(entries)  # never the link
